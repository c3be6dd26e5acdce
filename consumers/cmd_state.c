/*
 * cmd_state.c - `badgeproc state dump|get|offsets`: look into the state
 * store, for operators and tests.
 *
 * The store is opened read-only, so it may be looked at while `badgeproc
 * run` writes it (LMDB readers never block the writer, and each command
 * reads one consistent snapshot per partition). Records are decoded with
 * the same codec as the runtime's and printed as JSON lines in the form of
 * `badgeproc replay --state-out`, so the runtime's state can be compared
 * with the oracle's with diff. `offsets` prints each partition's
 * checkpoint: how far its state has got in the inputs and the changelog.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bp_cli.h"
#include "bp_codec.h"
#include "bp_jsonl.h"
#include "bp_store.h"
#include "commands.h"

#define CMD "state"

static const char state_help[] =
    "usage: badgeproc state dump [--partition P] [--state-dir DIR]\n"
    "       badgeproc state get FREELANCER [--partition P] [--state-dir DIR]\n"
    "       badgeproc state offsets [--partition P] [--state-dir DIR]\n"
    "\n"
    "Reads the state store (read-only; `badgeproc run` may be writing it).\n"
    "  dump     every freelancer's state, one JSON line each, by partition\n"
    "           then freelancer_id\n"
    "  get      the state of FREELANCER (searched in every partition unless\n"
    "           --partition is given); exit status 4 when there is none\n"
    "  offsets  each partition's checkpoint as a JSON line: partition,\n"
    "           input_offsets (profile-updated, contract-completed,\n"
    "           invitation-sent, partner-decision; -1: none), "
    "changelog_offset,\n"
    "           rules_version\n"
    "\n"
    "options:\n"
    "  -p, --partition P    only partition P\n"
    "  -d, --state-dir DIR  the store (default state/, as state.dir)\n"
    "  -m, --schema-map F   the schema map (default schemas/schema-map.txt)\n"
    "  -h, --help           this text\n"
    "\n"
    "exit status: 0 done, 1 the store cannot be read, 2 usage, 4 not found\n";

#define BP_EXIT_NOT_FOUND 4

typedef struct state_opts_s {
        const char *what; /* dump, get, offsets */
        const char *freelancer_id;
        const char *state_dir;
        const char *schema_map;
        long        partition; /* -1: all */
} state_opts_t;

typedef struct state_ctx_s {
        bp_codec_t *codec;
        bp_buf_t    buf;
        bp_err_t    err;
        char        errstr[512];
} state_ctx_t;

static int usage(void) {
        fputs("usage: badgeproc state dump|get FREELANCER|offsets "
              "[--partition P] [--state-dir DIR]\n"
              "(`badgeproc state --help` says more)\n",
              stderr);
        return BP_EXIT_USAGE;
}

/* Fills o from argv. Returns -1 to go on, else the exit status. */
static int parse_args(int argc, char **argv, state_opts_t *o) {
        static const struct option longopts[] = {
            {"partition", required_argument, NULL, 'p'},
            {"state-dir", required_argument, NULL, 'd'},
            {"schema-map", required_argument, NULL, 'm'},
            {"help", no_argument, NULL, 'h'},
            {NULL, 0, NULL, 0}};
        int c;

        optind = 1;
        while ((c = getopt_long(argc, argv, "p:d:m:h", longopts, NULL)) != -1) {
                switch (c) {
                case 'p':
                        if (bp_cli_int(CMD, "partition", optarg, 0, INT32_MAX,
                                       &o->partition))
                                return usage();
                        break;
                case 'd':
                        o->state_dir = optarg;
                        break;
                case 'm':
                        o->schema_map = optarg;
                        break;
                case 'h':
                        fputs(state_help, stdout);
                        return BP_EXIT_OK;
                default:
                        return usage();
                }
        }
        if (optind >= argc)
                return usage();
        o->what = argv[optind++];
        if (strcmp(o->what, "get") == 0 && optind < argc)
                o->freelancer_id = argv[optind++];
        if (optind < argc ||
            (strcmp(o->what, "get") == 0) != !!o->freelancer_id ||
            (strcmp(o->what, "dump") && strcmp(o->what, "get") &&
             strcmp(o->what, "offsets")))
                return usage();
        return -1;
}

/* Decodes one stored record and prints it. */
static int print_record(const void *val, size_t len, state_ctx_t *ctx) {
        bp_freelancer_t *fl = NULL;

        ctx->err = bp_codec_decode_state(ctx->codec, val, len, &fl, ctx->errstr,
                                         sizeof(ctx->errstr));
        if (!ctx->err) {
                bp_buf_reset(&ctx->buf);
                ctx->err = bp_jsonl_write_state(&ctx->buf, fl);
                if (ctx->err)
                        snprintf(ctx->errstr, sizeof(ctx->errstr),
                                 "cannot write the state as JSON");
        }
        bp_freelancer_destroy(fl);
        if (ctx->err)
                return 1;
        fwrite(ctx->buf.data, ctx->buf.len, 1, stdout);
        return 0;
}

static int dump_one(const char *freelancer_id, const void *val, size_t len,
                    void *opaque) {
        (void)freelancer_id;
        return print_record(val, len, opaque);
}

static void print_offsets(int32_t p, const bp_checkpoint_t *cp) {
        printf("{\"partition\":%" PRId32 ",\"input_offsets\":[%" PRId64
               ",%" PRId64 ",%" PRId64 ",%" PRId64
               "],\"changelog_offset\":%" PRId64 ",\"rules_version\":\"%s\"}\n",
               p, cp->input_offsets[0], cp->input_offsets[1],
               cp->input_offsets[2], cp->input_offsets[3], cp->changelog_offset,
               cp->rules_version);
}

/* Runs the command on partition p. BP_OK, BP_ERR_NOT_FOUND (get: not in
 * p) or an error with ctx->errstr set. */
static bp_err_t on_partition(bp_store_t *store, const state_opts_t *o,
                             int32_t p, state_ctx_t *ctx) {
        bp_checkpoint_t cp;
        void           *val;
        size_t          len;
        bp_err_t        err;

        if (strcmp(o->what, "offsets") == 0) {
                err = bp_store_get_checkpoint(store, p, &cp, ctx->errstr,
                                              sizeof(ctx->errstr));
                if (!err)
                        print_offsets(p, &cp);
                return err == BP_ERR_NOT_FOUND ? BP_OK : err;
        }
        if (strcmp(o->what, "dump") == 0) {
                err = bp_store_foreach(store, p, dump_one, ctx, ctx->errstr,
                                       sizeof(ctx->errstr));
                return ctx->err ? ctx->err : err;
        }
        err = bp_store_get_copy(store, p, o->freelancer_id, &val, &len,
                                ctx->errstr, sizeof(ctx->errstr));
        if (err)
                return err;
        print_record(val, len, ctx);
        free(val);
        return ctx->err;
}

/* Every partition of the store, or the one asked for. */
static int run(bp_store_t *store, const state_opts_t *o, state_ctx_t *ctx) {
        int32_t *parts = NULL, one = (int32_t)o->partition;
        size_t   cnt = 0, i, found = 0;
        bp_err_t err = BP_OK;

        if (o->partition >= 0) {
                parts = &one;
                cnt   = 1;
        } else if ((err = bp_store_partitions(store, &parts, &cnt, ctx->errstr,
                                              sizeof(ctx->errstr)))) {
                bp_cli_fatal(CMD, "cannot list partitions", ctx->errstr);
                return BP_EXIT_FATAL;
        }
        for (i = 0; i < cnt; i++) {
                err = on_partition(store, o, parts[i], ctx);
                if (err == BP_ERR_NOT_FOUND)
                        continue;
                if (err)
                        break;
                found++;
        }
        if (parts != &one)
                free(parts);
        if (err && err != BP_ERR_NOT_FOUND) {
                bp_cli_fatal(CMD, "cannot read the store", ctx->errstr);
                return BP_EXIT_FATAL;
        }
        return o->freelancer_id && !found ? BP_EXIT_NOT_FOUND : BP_EXIT_OK;
}

int bp_cmd_state(int argc, char **argv) {
        state_opts_t       o   = {.state_dir = "state/", .partition = -1};
        state_ctx_t        ctx = {0};
        bp_codec_conf_t    cc  = {0};
        bp_store_options_t so;
        bp_store_t        *store = NULL;
        int                rc;

        if ((rc = parse_args(argc, argv, &o)) >= 0)
                return rc;
        cc.schema_map = o.schema_map;
        if (!(ctx.codec = bp_codec_new(&cc, ctx.errstr, sizeof(ctx.errstr)))) {
                bp_cli_fatal(CMD, "cannot load schemas", ctx.errstr);
                return BP_EXIT_FATAL;
        }
        bp_store_options_init(&so);
        so.read_only = true;
        if (!(store = bp_store_open(o.state_dir, &so, ctx.errstr,
                                    sizeof(ctx.errstr)))) {
                bp_cli_fatal(CMD, "cannot open the store", ctx.errstr);
                rc = BP_EXIT_FATAL;
        } else {
                rc = run(store, &o, &ctx);
        }
        if (fflush(stdout) != 0)
                rc = BP_EXIT_FATAL;
        bp_store_close(store);
        bp_codec_destroy(ctx.codec);
        bp_buf_free(&ctx.buf);
        return rc;
}
