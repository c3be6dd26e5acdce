/*
 * bp_tool.c - the history tools' shared chores (see bp_tool.h).
 */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include "bp_cli.h"
#include "bp_engine.h"
#include "bp_tool.h"

void bp_tool_fatal(const char *cmd, const char *what, const char *key,
                   const char *value, const char *error) {
        char q[600];

        fprintf(stderr, "level=error cmd=%s msg=%s", cmd,
                bp_cli_quote(what, q, sizeof(q)));
        if (key)
                fprintf(stderr, " %s=%s", key,
                        bp_cli_quote(value, q, sizeof(q)));
        if (error)
                fprintf(stderr, " error=%s", bp_cli_quote(error, q, sizeof(q)));
        fputc('\n', stderr);
}

int bp_tool_parse(const bp_tool_args_t *a, int argc, char **argv) {
        char shortopts[64];
        int  c, rc;

        snprintf(shortopts, sizeof(shortopts), "%s%s", a->shortopts,
                 BP_SOURCE_SHORTOPTS);
        optind = 1;
        while ((c = getopt_long(argc, argv, shortopts, a->longopts, NULL)) !=
               -1) {
                rc = bp_source_opt(a->cmd, a->src, c, optarg);
                if (rc < 0)
                        return a->usage();
                if (rc == 0 && (rc = a->opt(c, optarg, a->o)) >= 0)
                        return rc;
        }
        if (optind < argc) {
                fprintf(stderr, "%s: unexpected argument \"%s\"\n", a->cmd,
                        argv[optind]);
                return a->usage();
        }
        return -1;
}

bp_rules_t *bp_tool_load_rules(const char *cmd, const char *dir) {
        char        errstr[512];
        bp_rules_t *rules;

        if (!dir) {
                rules = bp_rules_new_default();
                if (!rules)
                        bp_tool_fatal(cmd, "out of memory", NULL, NULL, NULL);
                return rules;
        }
        rules = bp_rules_load_dir(dir, errstr, sizeof(errstr));
        if (!rules) {
                /* The compiler-style line editors and CI parse. */
                fprintf(stderr, "%s\n", errstr);
                bp_tool_fatal(cmd, "cannot load rules", "rules", dir, NULL);
        }
        return rules;
}

int bp_tool_flush(bp_buf_t *out, int fd) {
        size_t  off = 0;
        ssize_t n;

        while (off < out->len) {
                n = write(fd, out->data + off, out->len - off);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -1;
                off += (size_t)n;
        }
        bp_buf_reset(out);
        return 0;
}

int bp_tool_flush_if_full(bp_buf_t *out, int fd) {
        return out->len >= BP_TOOL_FLUSH ? bp_tool_flush(out, fd) : 0;
}

bp_err_t bp_tool_apply(bp_state_map_t *map, const bp_rules_t *rules,
                       const bp_event_t *ev, const bp_cause_t *cause,
                       bp_badge_events_t *out, bp_freelancer_t **flp) {
        bp_freelancer_t *fl = bp_state_map_get(map, ev->freelancer_id);

        if (flp)
                *flp = fl;
        if (!fl)
                return BP_ERR_NOMEM;
        return bp_engine_apply(rules, fl, ev, cause, out, NULL);
}

void bp_tool_refuse(bp_source_t *src, const bp_freelancer_t *fl,
                    const bp_event_t *ev, const bp_cause_t *cause) {
        char why[256];
        bp_engine_refusal(fl, ev, why, sizeof(why));
        bp_source_refuse(src, ev, cause, why);
}

void bp_tool_badge_id(const bp_rules_t *rules, const char *partner_id,
                      char *buf, size_t size) {
        const bp_partner_rules_t *prules = bp_rules_partner(rules, partner_id);

        if (prules && prules->badge_id)
                snprintf(buf, size, "%s", prules->badge_id);
        else
                snprintf(buf, size, "%s-expert", partner_id);
}
