/*
 * cmd_audit.c - `badgeproc audit`: was every published badge event
 * justified by the rules, and was every one the rules call for published?
 *
 * Replays the inputs (bp_source.h) into a fresh in-memory state, exactly
 * as `replay` does, for the badge events the rules expect; reads what was
 * published (bp_published.h); and compares the two (bp_audit.h) as they
 * come, the replay kept just ahead of the published events so that
 * neither history is held in memory. The
 * report (bp_audit_report.h) goes to stdout; the exit status says whether
 * anything was found, so that a scheduled audit can page someone.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bp_audit.h"
#include "bp_audit_report.h"
#include "bp_published.h"
#include "bp_source.h"
#include "bp_tool.h"
#include "commands.h"

#define CMD "audit"
/* Exit status when the audit found discrepancies. */
#define BP_EXIT_DISCREPANCIES 4

enum { OPT_PUBLISHED_TOPIC = 0x200, OPT_JSON };

static const char audit_help[] =
    "usage: badgeproc audit [--rules DIR] --input FILE | --brokers LIST\n"
    "                       --published FILE | --published-topic TOPIC\n"
    "                       [--json]\n"
    "\n"
    "Replays the input events under the rules (as `replay` does, into a\n"
    "fresh in-memory state) and compares the badge events they call for\n"
    "with those that were published: in a JSON Lines file (`consume\n"
    "--topic badge-events` prints one) or read from a topic of the\n"
    "cluster given by --brokers. Reports:\n"
    "  unjustified  published, but no expected event has its event_id\n"
    "  mismatch     same event_id, other fields differ\n"
    "  missing      expected, never published\n"
    "  duplicate    published again for the same (freelancer, partner,\n"
    "               badge_version)\n"
    "  order        a badge_version lower than one published before it\n"
    "               for the same (freelancer, partner)\n"
    "Events are compared on every field but cause.topic, cause.partition\n"
    "and cause.offset (where the cause was read), each with the expected\n"
    "one of its own (freelancer, partner, badge_version). With --from/--to,\n"
    "only published events whose occurred_at is in the range are compared;\n"
    "the replay starts with an empty state at --from, so audit from the\n"
    "start of the inputs unless the range starts before any badge was\n"
    "granted. Events that agree are not kept: while the published ones\n"
    "come in time order, memory follows the freelancers, not the history\n"
    "(docs/operating.md).\n"
    "\n"
    "options:\n"
    "  -r, --rules DIR               the rules that were in force\n"
    "  -P, --published FILE          published badge events, JSON Lines\n"
    "      --published-topic TOPIC   read them from TOPIC (needs --brokers)\n"
    "      --json                    one JSON document instead of text\n"
    "  -h, --help                    this text\n" BP_SOURCE_HELP "\n"
    "exit status: 0 no discrepancy, 4 discrepancies found, 3 none found but\n"
    "some input or published line was rejected, 1 fatal, 2 usage\n";

typedef struct bp_audit_opts_s {
        const char      *rules_dir;
        const char      *published, *published_topic;
        bool             json;
        bp_source_opts_t src;
} bp_audit_opts_t;

static int usage(void) {
        fputs("usage: badgeproc audit [--rules DIR] --input FILE | --brokers "
              "LIST --published FILE | --published-topic TOPIC [--json]\n"
              "(`badgeproc audit --help` says more)\n",
              stderr);
        return BP_EXIT_USAGE;
}

static int parse_opt(int c, const char *arg, void *opaque) {
        bp_audit_opts_t *o = opaque;

        switch (c) {
        case 'r':
                o->rules_dir = arg;
                return -1;
        case 'P':
                o->published = arg;
                return -1;
        case OPT_PUBLISHED_TOPIC:
                o->published_topic = arg;
                return -1;
        case OPT_JSON:
                o->json = true;
                return -1;
        case 'h':
                fputs(audit_help, stdout);
                return BP_EXIT_OK;
        default:
                return usage();
        }
}

static int parse_args(int argc, char **argv, bp_audit_opts_t *o) {
        static const struct option longopts[] = {
            BP_SOURCE_LONGOPTS,
            {"rules", required_argument, NULL, 'r'},
            {"published", required_argument, NULL, 'P'},
            {"published-topic", required_argument, NULL, OPT_PUBLISHED_TOPIC},
            {"json", no_argument, NULL, OPT_JSON},
            {"help", no_argument, NULL, 'h'},
            {NULL, 0, NULL, 0}};
        const bp_tool_args_t args = {CMD,       "r:P:h", longopts, &o->src,
                                     parse_opt, o,       usage};
        int                  rc   = bp_tool_parse(&args, argc, argv);

        if (rc >= 0)
                return rc;
        if (!o->published == !o->published_topic) {
                fputs(CMD ": one of --published and --published-topic is "
                          "required\n",
                      stderr);
                return usage();
        }
        if (o->published_topic && !o->src.kafka.brokers) {
                fputs(CMD ": --published-topic needs --brokers\n", stderr);
                return usage();
        }
        return bp_source_opts_check(CMD, &o->src) ? usage() : -1;
}

/*
 * The replay, run just ahead of the published events: before one is
 * judged, inputs are applied until its (freelancer, partner) has reached
 * its version or the replay has passed its occurred_at (a badge event's
 * time is its cause's, and inputs come in time order), so that the audit
 * holds only what the two streams do not agree on yet.
 */
typedef struct replay_s {
        bp_audit_t       *a;
        const bp_rules_t *rules;
        bp_source_t      *src;
        bp_state_map_t   *map;
        bp_badge_events_t events;
        bool              events_ok;
        bool              done;    /* the inputs are all applied */
        int64_t           last_at; /* occurred_at of the last input */
} replay_t;

/* Applies the next input event and adds what it expects. 0, or -1
 * (logged). */
static int replay_step(replay_t *rp) {
        bp_event_t       ev;
        bp_cause_t       cause;
        bp_freelancer_t *fl;
        bp_err_t         err;
        size_t           i;
        int              n = bp_source_next(rp->src, &ev, &cause);

        if (n <= 0) {
                rp->done = true;
                return n;
        }
        rp->last_at = ev.occurred_at;
        err = bp_tool_apply(rp->map, rp->rules, &ev, &cause, &rp->events, &fl);
        if (err == BP_ERR_TOO_LARGE) {
                bp_tool_refuse(rp->src, fl, &ev, &cause);
                return 0;
        }
        if (err)
                goto nomem;
        for (i = 0; i < rp->events.cnt; i++)
                if (bp_audit_add_expected(rp->a, &rp->events.items[i]))
                        goto nomem;
        bp_badge_events_clear(&rp->events);
        return 0;
nomem:
        bp_tool_fatal(CMD, "out of memory", NULL, NULL, NULL);
        return -1;
}

/* Replays until ev can be judged (or to the end, ev NULL). 0 or -1. */
static int replay_until(replay_t *rp, const bp_badge_event_t *ev) {
        while (!rp->done && (!ev || (rp->last_at <= ev->occurred_at &&
                                     bp_audit_expected_version(
                                         rp->a, ev->freelancer_id,
                                         ev->partner_id) < ev->badge_version)))
                if (replay_step(rp))
                        return -1;
        return 0;
}

typedef struct published_ctx_s {
        replay_t               *rp;
        const bp_source_opts_t *src;
} published_ctx_t;

/* Judges a published event that falls in the replayed time range. */
static bp_err_t on_published(const bp_badge_event_t *ev, void *opaque) {
        published_ctx_t *ctx = opaque;

        if ((ctx->src->from != BP_TIME_NONE &&
             ev->occurred_at < ctx->src->from) ||
            (ctx->src->to != BP_TIME_NONE && ev->occurred_at >= ctx->src->to))
                return BP_OK;
        if (replay_until(ctx->rp, ev))
                return BP_ERR_IO; /* logged */
        if (bp_audit_add_published(ctx->rp->a, ev) == BP_OK)
                return BP_OK;
        bp_tool_fatal(CMD, "out of memory", NULL, NULL, NULL);
        return BP_ERR_NOMEM;
}

/* Writes the report and chooses the exit status. */
static int report(const bp_audit_opts_t *o, const bp_audit_t *a,
                  bp_audit_sources_t *s) {
        bp_buf_t out = {0};
        bp_err_t err;
        int      rc;

        err = o->json ? bp_audit_report_json(a, s, &out)
                      : bp_audit_report_text(a, s, &out);
        if (err || bp_tool_flush(&out, STDOUT_FILENO)) {
                bp_tool_fatal(CMD, "cannot write report", NULL, NULL,
                              err ? bp_err_str(err) : strerror(errno));
                bp_buf_free(&out);
                return BP_EXIT_FATAL;
        }
        bp_buf_free(&out);
        if (bp_audit_discrepancies(a))
                rc = BP_EXIT_DISCREPANCIES;
        else if (s->input_rejected || s->published_rejected)
                rc = BP_EXIT_REJECTED;
        else
                rc = BP_EXIT_OK;
        return rc;
}

/* Reads the published events, the replay keeping pace, then the rest of
 * the replay. 0, or -1 (logged). */
static int compare(bp_audit_opts_t *o, replay_t *rp,
                   bp_published_stats_t *pst) {
        published_ctx_t ctx = {rp, &o->src};
        int             rc;

        rp->map     = bp_state_map_new();
        rp->last_at = INT64_MIN;
        if (!rp->map || bp_badge_events_init(&rp->events) != BP_OK) {
                bp_tool_fatal(CMD, "out of memory", NULL, NULL, NULL);
                return -1;
        }
        rp->events_ok = true;
        rc            = o->published ? bp_published_read_file(CMD, o->published,
                                                              on_published, &ctx, pst)
                                     : bp_published_read_topic(CMD, &o->src.kafka,
                                                               o->published_topic,
                                                               on_published, &ctx, pst);
        return rc ? rc : replay_until(rp, NULL);
}

static int run(bp_audit_opts_t *o, const bp_rules_t *rules, bp_source_t *src,
               bp_audit_t *a) {
        bp_published_stats_t pst = {0};
        bp_audit_sources_t   s   = {0};
        replay_t             rp  = {0};
        int                  rc;

        rp.a     = a;
        rp.rules = rules;
        rp.src   = src;
        rc       = compare(o, &rp, &pst);
        if (rp.events_ok)
                bp_badge_events_destroy(&rp.events);
        bp_state_map_destroy(rp.map);
        if (rc)
                return BP_EXIT_FATAL;
        if (bp_audit_compare(a)) {
                bp_tool_fatal(CMD, "out of memory", NULL, NULL, NULL);
                return BP_EXIT_FATAL;
        }
        s.rules_version      = rules->version;
        s.inputs             = o->src.input ? o->src.input : "kafka";
        s.input_events       = bp_source_stats(src)->events;
        s.input_rejected     = bp_source_stats(src)->rejected;
        s.published          = o->published ? o->published : o->published_topic;
        s.published_read     = pst.read;
        s.published_rejected = pst.rejected;
        return report(o, a, &s);
}

int bp_cmd_audit(int argc, char **argv) {
        bp_audit_opts_t o     = {0};
        bp_rules_t     *rules = NULL;
        bp_source_t    *src   = NULL;
        bp_audit_t     *a     = NULL;
        int             rc;

        bp_source_opts_init(&o.src);
        if ((rc = parse_args(argc, argv, &o)) >= 0)
                goto out;
        rc = BP_EXIT_FATAL;
        if (!(rules = bp_tool_load_rules(CMD, o.rules_dir)) ||
            !(src = bp_source_open(CMD, &o.src)))
                goto out;
        if (!(a = bp_audit_new())) {
                bp_tool_fatal(CMD, "out of memory", NULL, NULL, NULL);
                goto out;
        }
        rc = run(&o, rules, src, a);
out:
        bp_audit_destroy(a);
        bp_source_destroy(src);
        bp_rules_destroy(rules);
        bp_source_opts_free(&o.src);
        return rc;
}
