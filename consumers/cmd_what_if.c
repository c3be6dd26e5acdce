/*
 * cmd_what_if.c - `badgeproc what-if`: what a rules change would do to
 * the badges, before it ships.
 *
 * Reads the history once through the usual source (bp_source.h) and
 * applies each event under the current and the new rules side by side
 * (bp_what_if.h); prints which badges would be held differently at the
 * end of history, with counts per partner and per reason.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bp_source.h"
#include "bp_tool.h"
#include "bp_what_if.h"
#include "commands.h"

#define CMD "what-if"

enum { OPT_JSON = 0x200 };

static const char what_if_help[] =
    "usage: badgeproc what-if --rules CURRENT_DIR --new-rules NEW_DIR\n"
    "                         --input FILE | --brokers LIST [--json]\n"
    "\n"
    "Replays the history under the current and the new rules side by side\n"
    "(each with its own fresh in-memory state) and lists the freelancers\n"
    "whose badges would be held differently at the end of history:\n"
    "  GRANTED  held under the new rules only; the reasons are what the\n"
    "           current rules fail on (the requirements the change lifts)\n"
    "  REVOKED  held under the current rules only; the reasons are what the\n"
    "           new rules fail on\n"
    "with counts per partner and per reason. Reasons are evaluated at the\n"
    "end of history (the latest occurred_at replayed). The output is\n"
    "sorted by freelancer and partner, so it is the same for the same\n"
    "history and rules.\n"
    "\n"
    "options:\n"
    "  -r, --rules DIR       the rules in force (without it, the platform\n"
    "                        defaults)\n"
    "  -n, --new-rules DIR   the proposed rules (required)\n"
    "      --json            one JSON document instead of text\n"
    "  -h, --help            this text\n" BP_SOURCE_HELP "\n"
    "exit status: 0 done (whether or not badges would change), 3 done but\n"
    "some input was rejected, 1 fatal, 2 usage\n";

typedef struct bp_what_if_opts_s {
        const char      *rules_dir, *new_rules_dir;
        bool             json;
        bp_source_opts_t src;
} bp_what_if_opts_t;

static int usage(void) {
        fputs(
            "usage: badgeproc what-if --rules CURRENT_DIR --new-rules NEW_DIR "
            "--input FILE | --brokers LIST [--json]\n"
            "(`badgeproc what-if --help` says more)\n",
            stderr);
        return BP_EXIT_USAGE;
}

static int parse_opt(int c, const char *arg, void *opaque) {
        bp_what_if_opts_t *o = opaque;

        switch (c) {
        case 'r':
                o->rules_dir = arg;
                return -1;
        case 'n':
                o->new_rules_dir = arg;
                return -1;
        case OPT_JSON:
                o->json = true;
                return -1;
        case 'h':
                fputs(what_if_help, stdout);
                return BP_EXIT_OK;
        default:
                return usage();
        }
}

static int parse_args(int argc, char **argv, bp_what_if_opts_t *o) {
        static const struct option longopts[] = {
            BP_SOURCE_LONGOPTS,
            {"rules", required_argument, NULL, 'r'},
            {"new-rules", required_argument, NULL, 'n'},
            {"json", no_argument, NULL, OPT_JSON},
            {"help", no_argument, NULL, 'h'},
            {NULL, 0, NULL, 0}};
        const bp_tool_args_t args = {CMD,       "r:n:h", longopts, &o->src,
                                     parse_opt, o,       usage};
        int                  rc   = bp_tool_parse(&args, argc, argv);

        if (rc >= 0)
                return rc;
        if (!o->new_rules_dir) {
                fputs(CMD ": --new-rules is required\n", stderr);
                return usage();
        }
        return bp_source_opts_check(CMD, &o->src) ? usage() : -1;
}

static int run(const bp_what_if_opts_t *o, bp_what_if_t *w, bp_source_t *src) {
        bp_buf_t   out = {0};
        bp_event_t ev;
        bp_cause_t cause;
        int        n, rc = BP_EXIT_FATAL;

        while ((n = bp_source_next(src, &ev, &cause)) > 0) {
                bp_freelancer_t *fl;
                bp_err_t         err = bp_what_if_apply(w, &ev, &cause, &fl);
                if (err == BP_ERR_TOO_LARGE)
                        bp_tool_refuse(src, fl, &ev, &cause);
                else if (err)
                        goto nomem;
        }
        if (n < 0)
                goto out;
        if (bp_what_if_finish(w) || bp_what_if_report(w, o->json, &out))
                goto nomem;
        if (bp_tool_flush(&out, STDOUT_FILENO)) {
                bp_tool_fatal(CMD, "cannot write output", NULL, NULL,
                              strerror(errno));
                goto out;
        }
        rc = bp_source_stats(src)->rejected ? BP_EXIT_REJECTED : BP_EXIT_OK;
        goto out;
nomem:
        bp_tool_fatal(CMD, "out of memory", NULL, NULL, NULL);
out:
        bp_buf_free(&out);
        return rc;
}

int bp_cmd_what_if(int argc, char **argv) {
        bp_what_if_opts_t o   = {0};
        bp_rules_t       *cur = NULL, *next = NULL;
        bp_source_t      *src = NULL;
        bp_what_if_t     *w   = NULL;
        int               rc;

        bp_source_opts_init(&o.src);
        if ((rc = parse_args(argc, argv, &o)) >= 0)
                goto out;
        rc = BP_EXIT_FATAL;
        if (!(cur = bp_tool_load_rules(CMD, o.rules_dir)) ||
            !(next = bp_tool_load_rules(CMD, o.new_rules_dir)) ||
            !(src = bp_source_open(CMD, &o.src)))
                goto out;
        if (!(w = bp_what_if_new(cur, next))) {
                bp_tool_fatal(CMD, "out of memory", NULL, NULL, NULL);
                goto out;
        }
        rc = run(&o, w, src);
out:
        bp_what_if_destroy(w);
        bp_source_destroy(src);
        bp_rules_destroy(next);
        bp_rules_destroy(cur);
        bp_source_opts_free(&o.src);
        return rc;
}
