/*
 * cmd_convert.c - `badgeproc convert`: input events from one form to
 * another (JSON Lines, framed-record dump, Avro object container file).
 *
 * It reads through the history tools' source (bp_source.h), so it takes
 * every input they take (files of any form, merged, or the input topics)
 * with the same validation and the same rejection lines, and writes the
 * events in the form --output-format names: it is how users and tests make
 * dumps and container files out of JSON Lines (`gen | convert`), how Avro files
 * are printed as JSON Lines, and how a topic range is saved to a file.
 *
 * Container files are written with a union of the four event schemas
 * (each datum: the branch index, then the record), or with the one
 * event's schema under --only; the sync marker is derived from the schema,
 * so the same events always give the same bytes.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bp_avro_bin.h"
#include "bp_cli.h"
#include "bp_codec.h"
#include "bp_dump.h"
#include "bp_jsonl.h"
#include "bp_ocf.h"
#include "bp_tool.h"
#include "commands.h"

#define CMD "convert"
/* A container file block is written once it holds this many bytes. */
#define BP_CONVERT_BLOCK (64 * 1024)

enum { OPT_TO = 0x200, OPT_ONLY };
enum { TO_JSONL, TO_FRAMED, TO_AVRO };

static const char convert_help[] =
    "usage: badgeproc convert --input FILE... [--input-format F]\n"
    "                         --output-format jsonl|framed|avro\n"
    "                         [--only TYPE] [-q]\n"
    "       badgeproc convert --brokers LIST [range options]\n"
    "                         --output-format ...\n"
    "\n"
    "Reads input events as replay does (any form, several files merged by\n"
    "occurred_at, or the four input topics) and writes them on standard\n"
    "output in the form --output-format names:\n"
    "  jsonl   JSON Lines (EVENTS.md)\n"
    "  framed  a framed-record dump: for each event a 4-byte big-endian\n"
    "          length, then the record value as produced to Kafka (byte 0,\n"
    "          the 4-byte big-endian schema id of the local map or the\n"
    "          registry, the Avro body)\n"
    "  avro    an Avro object container file (codec null) whose schema is\n"
    "          the union of the four event records, or with --only the\n"
    "          one event's record\n"
    "The same events always give the same bytes.\n"
    "\n"
    "options:\n"
    "  -F, --output-format F   jsonl, framed or avro\n"
    "      --only TYPE         only events of TYPE (profile-updated,\n"
    "                          contract-completed, invitation-sent,\n"
    "                          partner-decision)\n"
    "  -q, --quiet             no key=value log line on standard error\n"
    "  -h, --help              this text\n" BP_SOURCE_HELP "\n"
    "Events are read and checked as replay reads them; a bad line or\n"
    "record is reported on standard error and skipped.\n"
    "\n"
    "exit status: 0 done, 3 done but some input was rejected, 1 fatal\n"
    "(unreadable input, failed write), 2 usage\n";

typedef struct bp_convert_opts_s {
        int              to;   /* -1 until given */
        int              only; /* -1: every type */
        bool             quiet;
        bp_source_opts_t src;
} bp_convert_opts_t;

typedef struct bp_convert_s {
        const bp_convert_opts_t *o;
        bp_codec_t              *codec; /* framed */
        bp_buf_t                 out, block;
        int64_t                  block_cnt;
        uint8_t                  sync[BP_OCF_SYNC_SIZE];
        uint64_t                 written;
} bp_convert_t;

static int usage(void) {
        fputs("usage: badgeproc convert --input FILE --output-format "
              "jsonl|framed|avro ...\n(`badgeproc convert --help` says more)\n",
              stderr);
        return BP_EXIT_USAGE;
}

static int parse_opt(int c, const char *arg, void *opaque) {
        static const char *const forms[] = {"jsonl", "framed", "avro"};
        bp_convert_opts_t       *o       = opaque;
        int                      i;

        switch (c) {
        case 'F':
                for (i = 0; i < 3; i++)
                        if (strcmp(arg, forms[i]) == 0)
                                o->to = i;
                if (o->to >= 0)
                        return -1;
                fprintf(stderr, CMD
                        ": --output-format: expected jsonl, framed or avro\n");
                return usage();
        case OPT_ONLY:
                for (i = 0; i < BP_EV__CNT; i++)
                        if (strcmp(arg,
                                   bp_event_type_name((bp_event_type_t)i)) == 0)
                                o->only = i;
                if (o->only >= 0)
                        return -1;
                fprintf(stderr, CMD ": --only: unknown event type \"%s\"\n",
                        arg);
                return usage();
        case 'q':
                o->quiet = true;
                return -1;
        case 'h':
                fputs(convert_help, stdout);
                return BP_EXIT_OK;
        default:
                return usage();
        }
}

static int parse_args(int argc, char **argv, bp_convert_opts_t *o) {
        static const struct option longopts[] = {
            BP_SOURCE_LONGOPTS,
            {"output-format", required_argument, NULL, 'F'},
            {"only", required_argument, NULL, OPT_ONLY},
            {"quiet", no_argument, NULL, 'q'},
            {"help", no_argument, NULL, 'h'},
            {NULL, 0, NULL, 0}};
        const bp_tool_args_t args = {CMD,       "F:qh", longopts, &o->src,
                                     parse_opt, o,      usage};
        int                  rc   = bp_tool_parse(&args, argc, argv);

        if (rc >= 0)
                return rc;
        if (o->to < 0) {
                fputs(CMD ": --output-format is required\n", stderr);
                return usage();
        }
        return bp_source_opts_check(CMD, &o->src) ? usage() : -1;
}

/* The container file's schema: one record, or the union of the four.
 * NULL on ENOMEM. */
static char *avro_schema_text(int only) {
        bp_buf_t b   = {0};
        int      err = 0, t;

        if (only >= 0)
                return strdup(bp_codec_schema_json((bp_record_kind_t)only));
        err |= bp_buf_append_byte(&b, '[');
        for (t = 0; t < BP_EV__CNT; t++)
                err |= (t ? bp_buf_append_byte(&b, ',') : BP_OK) |
                       bp_buf_append_str(
                           &b, bp_codec_schema_json((bp_record_kind_t)t));
        err |= bp_buf_append(&b, "]", 2); /* with its NUL */
        if (err) {
                bp_buf_free(&b);
                return NULL;
        }
        return (char *)b.data;
}

/* Writes the block held so far, if any. */
static bp_err_t end_block(bp_convert_t *cv) {
        bp_err_t err;

        if (cv->block_cnt == 0)
                return BP_OK;
        err = bp_ocf_write_block(&cv->out, cv->block.data, cv->block.len,
                                 cv->block_cnt, cv->sync);
        bp_buf_reset(&cv->block);
        cv->block_cnt = 0;
        return err;
}

/* Appends ev in the output form. BP_OK, BP_ERR_NOMEM, or another error
 * with errstr set (the event cannot be written in that form). */
static bp_err_t write_event(bp_convert_t *cv, const bp_event_t *ev,
                            char *errstr, size_t errstr_size) {
        size_t   mark = cv->block.len;
        bp_err_t err;

        switch (cv->o->to) {
        case TO_JSONL:
                return bp_jsonl_write_event(&cv->out, ev);
        case TO_FRAMED:
                /* The record is built in block, then framed into out. */
                bp_buf_reset(&cv->block);
                if ((err = bp_codec_encode_event(cv->codec, ev, &cv->block,
                                                 errstr, errstr_size)))
                        return err;
                return bp_dump_append(&cv->out, cv->block.data, cv->block.len);
        default:
                if (cv->o->only < 0 &&
                    bp_avro_write_long(&cv->block, ev->type) != BP_OK)
                        return BP_ERR_NOMEM;
                if ((err = bp_codec_encode_event_body(ev, &cv->block, errstr,
                                                      errstr_size))) {
                        cv->block.len = mark;
                        return err;
                }
                cv->block_cnt++;
                return cv->block.len >= BP_CONVERT_BLOCK ? end_block(cv)
                                                         : BP_OK;
        }
}

/* Opens what the output form needs: the codec, the file header. */
static int start(bp_convert_t *cv) {
        bp_codec_conf_t cconf = {0};
        char            errstr[512], *json;
        bp_err_t        err;

        if (cv->o->to == TO_FRAMED) {
                cconf.schema_map   = cv->o->src.kafka.schema_map;
                cconf.registry_url = cv->o->src.kafka.registry;
                if (!(cv->codec =
                          bp_codec_new(&cconf, errstr, sizeof(errstr)))) {
                        bp_tool_fatal(CMD, "cannot load schemas", NULL, NULL,
                                      errstr);
                        return -1;
                }
        }
        if (cv->o->to != TO_AVRO)
                return 0;
        if (!(json = avro_schema_text(cv->o->only)))
                err = BP_ERR_NOMEM;
        else
                err = bp_ocf_write_header(&cv->out, json, cv->sync);
        free(json);
        if (err != BP_OK) {
                bp_tool_fatal(CMD, "out of memory", NULL, NULL, NULL);
                return -1;
        }
        return 0;
}

static int run(bp_convert_t *cv, bp_source_t *src) {
        bp_event_t ev;
        bp_cause_t cause;
        char       errstr[512];
        bp_err_t   err;
        int        n;

        while ((n = bp_source_next(src, &ev, &cause)) > 0) {
                if (cv->o->only >= 0 && (int)ev.type != cv->o->only)
                        continue;
                err = write_event(cv, &ev, errstr, sizeof(errstr));
                if (err == BP_ERR_NOMEM)
                        goto nomem;
                if (err != BP_OK) {
                        bp_tool_fatal(CMD, "cannot write event", "event_id",
                                      ev.event_id, errstr);
                        return BP_EXIT_FATAL;
                }
                cv->written++;
                if (bp_tool_flush_if_full(&cv->out, STDOUT_FILENO))
                        goto wfail;
        }
        if (n < 0)
                return BP_EXIT_FATAL;
        if (cv->o->to == TO_AVRO && end_block(cv) != BP_OK)
                goto nomem;
        if (bp_tool_flush(&cv->out, STDOUT_FILENO))
                goto wfail;
        return bp_source_stats(src)->rejected ? BP_EXIT_REJECTED : BP_EXIT_OK;
nomem:
        bp_tool_fatal(CMD, "out of memory", NULL, NULL, NULL);
        return BP_EXIT_FATAL;
wfail:
        bp_tool_fatal(CMD, "cannot write output", NULL, NULL, strerror(errno));
        return BP_EXIT_FATAL;
}

int bp_cmd_convert(int argc, char **argv) {
        bp_convert_opts_t o   = {.to = -1, .only = -1};
        bp_convert_t      cv  = {.o = &o};
        bp_source_t      *src = NULL;
        int               rc;

        bp_source_opts_init(&o.src);
        if ((rc = parse_args(argc, argv, &o)) >= 0)
                goto out;
        rc = BP_EXIT_FATAL;
        if (!(src = bp_source_open(CMD, &o.src)) || start(&cv))
                goto out;
        rc = run(&cv, src);
        if (!o.quiet)
                bp_cli_log("info", CMD,
                           "msg=done read=%" PRIu64 " written=%" PRIu64
                           " rejected=%" PRIu64,
                           bp_source_stats(src)->read, cv.written,
                           bp_source_stats(src)->rejected);
out:
        bp_source_destroy(src);
        bp_codec_destroy(cv.codec);
        bp_buf_free(&cv.out);
        bp_buf_free(&cv.block);
        bp_source_opts_free(&o.src);
        return rc;
}
