/*
 * cmd_explain.c - `badgeproc explain`: why a freelancer did (or did not)
 * hold a partner's badge, from the recorded history.
 *
 * Reads the history through the same source as replay (a file, or a range
 * of the input topics, where only records keyed by the freelancer are
 * decoded), and hands each event to the explainer (bp_explain.h), which
 * renders the timeline and, with --at, the answer at that time. Output
 * goes to stdout, rejections and errors to stderr.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bp_explain.h"
#include "bp_source.h"
#include "bp_time.h"
#include "bp_tool.h"
#include "commands.h"

#define CMD "explain"

enum { OPT_AT = 0x200, OPT_JSON };

static const char explain_help[] =
    "usage: badgeproc explain [--rules DIR] --input FILE | --brokers LIST\n"
    "                         --freelancer F [--partner P] [--at TIME]\n"
    "                         [--json]\n"
    "\n"
    "Replays the history and shows every event that touched freelancer F:\n"
    "when it occurred, what it said, and for each partner (or only P) the\n"
    "evaluation of every requirement at that time (pass/FAIL, value seen,\n"
    "value required, the rule that asks for it) and the badge outcome\n"
    "(granted, revoked, held, not held) with the event published. With\n"
    "--at, a last section says whether each badge was held at TIME, since\n"
    "when, and which requirements held or failed then; only the events\n"
    "that had occurred by TIME count.\n"
    "\n"
    "options:\n"
    "  -r, --rules DIR         rules directory (as for replay)\n"
    "  -f, --freelancer F      the freelancer to explain (required)\n"
    "  -p, --partner P         only partner P's badge\n"
    "      --at TIME           also answer: was the badge held at TIME?\n"
    "      --json              one JSON document instead of text\n"
    "  -h, --help              this text\n" BP_SOURCE_HELP "\n"
    "exit status: 0 done, 3 done but some input was rejected (reported on\n"
    "standard error), 1 fatal, 2 usage\n";

typedef struct bp_explain_opts_s {
        const char      *rules_dir;
        const char      *freelancer, *partner;
        int64_t          at;
        bool             json;
        bp_source_opts_t src;
} bp_explain_opts_t;

static int usage(void) {
        fputs("usage: badgeproc explain [--rules DIR] --input FILE | --brokers "
              "LIST --freelancer F [--partner P] [--at TIME] [--json]\n"
              "(`badgeproc explain --help` says more)\n",
              stderr);
        return BP_EXIT_USAGE;
}

/* Handles one option; returns -1 to go on, else the exit status. */
static int parse_opt(int c, const char *arg, void *opaque) {
        bp_explain_opts_t *o = opaque;
        char               errstr[256];

        switch (c) {
        case 'r':
                o->rules_dir = arg;
                return -1;
        case 'f':
                o->freelancer = arg;
                return -1;
        case 'p':
                o->partner = arg;
                return -1;
        case OPT_AT:
                if (bp_time_parse(arg, &o->at, errstr, sizeof(errstr)) == BP_OK)
                        return -1;
                fprintf(stderr, CMD ": --at: %s\n", errstr);
                return usage();
        case OPT_JSON:
                o->json = true;
                return -1;
        case 'h':
                fputs(explain_help, stdout);
                return BP_EXIT_OK;
        default:
                return usage();
        }
}

static int parse_args(int argc, char **argv, bp_explain_opts_t *o) {
        static const struct option longopts[] = {
            BP_SOURCE_LONGOPTS,
            {"rules", required_argument, NULL, 'r'},
            {"freelancer", required_argument, NULL, 'f'},
            {"partner", required_argument, NULL, 'p'},
            {"at", required_argument, NULL, OPT_AT},
            {"json", no_argument, NULL, OPT_JSON},
            {"help", no_argument, NULL, 'h'},
            {NULL, 0, NULL, 0}};
        const bp_tool_args_t args = {CMD,       "r:f:p:h", longopts, &o->src,
                                     parse_opt, o,         usage};
        int                  rc   = bp_tool_parse(&args, argc, argv);

        if (rc >= 0)
                return rc;
        if (!o->freelancer || !*o->freelancer) {
                fputs(CMD ": --freelancer is required\n", stderr);
                return usage();
        }
        if (strlen(o->freelancer) > BP_ID_MAX ||
            (o->partner && (!*o->partner || strlen(o->partner) > BP_ID_MAX))) {
                fprintf(stderr, CMD ": ids are 1 to %d bytes\n", BP_ID_MAX);
                return usage();
        }
        o->src.key = o->freelancer;
        return bp_source_opts_check(CMD, &o->src) ? usage() : -1;
}

/* Reads the history through x; the exit status. */
static int run(bp_explain_opts_t *o, bp_rules_t *rules, bp_source_t *src) {
        bp_explain_conf_t conf = {0};
        bp_explain_t     *x;
        bp_buf_t          out = {0};
        bp_event_t        ev;
        bp_cause_t        cause;
        bp_err_t          err = BP_OK;
        int               n = 0, rc = BP_EXIT_FATAL;

        conf.rules         = rules;
        conf.freelancer_id = o->freelancer;
        conf.partner_id    = o->partner;
        conf.at            = o->at;
        conf.json          = o->json;
        conf.source_name   = o->src.input ? o->src.input : "kafka";
        if (!(x = bp_explain_new(&conf)))
                goto nomem;
        while (!err && (n = bp_source_next(src, &ev, &cause)) > 0) {
                err = bp_explain_event(x, &ev, &cause, &out);
                if (!err && bp_tool_flush_if_full(&out, STDOUT_FILENO))
                        goto write_error;
        }
        if (err)
                goto nomem;
        if (n < 0)
                goto out;
        if (bp_explain_finish(x, &out))
                goto nomem;
        if (bp_tool_flush(&out, STDOUT_FILENO))
                goto write_error;
        rc = bp_source_stats(src)->rejected ? BP_EXIT_REJECTED : BP_EXIT_OK;
        goto out;
write_error:
        bp_tool_fatal(CMD, "cannot write output", NULL, NULL, strerror(errno));
        goto out;
nomem:
        bp_tool_fatal(CMD, "out of memory", NULL, NULL, NULL);
out:
        bp_explain_destroy(x);
        bp_buf_free(&out);
        return rc;
}

int bp_cmd_explain(int argc, char **argv) {
        bp_explain_opts_t o     = {.at = BP_TIME_NONE};
        bp_rules_t       *rules = NULL;
        bp_source_t      *src   = NULL;
        int               rc;

        bp_source_opts_init(&o.src);
        if ((rc = parse_args(argc, argv, &o)) >= 0)
                goto out;
        rc = BP_EXIT_FATAL;
        if (!(rules = bp_tool_load_rules(CMD, o.rules_dir)) ||
            !(src = bp_source_open(CMD, &o.src)))
                goto out;
        rc = run(&o, rules, src);
out:
        bp_source_destroy(src);
        bp_rules_destroy(rules);
        bp_source_opts_free(&o.src);
        return rc;
}
