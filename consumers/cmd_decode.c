/*
 * cmd_decode.c - `badgeproc decode`: framed Avro records -> JSON lines.
 *
 * Each file holds one Kafka record value as produced on our topics (the
 * Confluent framing, then an Avro body). The record goes through exactly
 * the codec the runtime uses (frame, schema lookup, bounded validation,
 * resolution, range checks), so a record this command rejects is one the
 * runtime would dead-letter, with the same reason. Decoded input and
 * badge events are printed in the JSON Lines form of EVENTS.md on stdout;
 * rejections go to stderr as `FILE: reason`.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bp_codec.h"
#include "bp_jsonl.h"
#include "commands.h"

/* Largest record read: Kafka's default message.max.bytes is about 1 MB. */
#define BP_DECODE_MAX (16 * 1024 * 1024)

static const char decode_help[] =
    "usage: badgeproc decode [--schema-map FILE | --registry URL] [FILE...]\n"
    "\n"
    "Decodes each FILE (standard input when none is given), which holds one\n"
    "framed Avro record (byte 0 = 0, a 4-byte schema id, the Avro body) of\n"
    "any input or badge event type, and prints it as one JSON line in the\n"
    "EVENTS.md form on standard output. A record that cannot be decoded is\n"
    "reported on standard error as `FILE: reason` (the reason the runtime\n"
    "would put on its dead-letter record) and the exit status is 3.\n"
    "\n"
    "options:\n"
    "  -m, --schema-map FILE  local schema id map (default\n"
    "                         schemas/schema-map.txt)\n"
    "  -r, --registry URL     look schema ids up in this schema registry\n"
    "  -h, --help             this text\n";

/* Reads all of f, at most BP_DECODE_MAX bytes, into buf. */
static int read_all(FILE *f, bp_buf_t *buf, char *errstr, size_t size) {
        size_t n;

        bp_buf_reset(buf);
        do {
                if (bp_buf_reserve(buf, 64 * 1024) != BP_OK) {
                        snprintf(errstr, size, "out of memory");
                        return -1;
                }
                n = fread(buf->data + buf->len, 1, 64 * 1024, f);
                buf->len += n;
                if (buf->len > BP_DECODE_MAX) {
                        snprintf(errstr, size, "record larger than %d bytes",
                                 BP_DECODE_MAX);
                        return -1;
                }
        } while (n > 0);
        if (ferror(f)) {
                snprintf(errstr, size, "%s", strerror(errno));
                return -1;
        }
        return 0;
}

/* Decodes rec and appends its JSON line to out. */
static bp_err_t decode_one(bp_codec_t *codec, const bp_buf_t *rec,
                           bp_buf_t *out, char *errstr, size_t size) {
        bp_record_kind_t kind;
        bp_event_t       ev;
        bp_badge_event_t badge;
        bp_err_t         err;

        if ((err = bp_codec_kind_of(codec, rec->data, rec->len, &kind, errstr,
                                    size)) != BP_OK)
                return err;
        if (kind == BP_REC_FREELANCER_STATE) {
                snprintf(errstr, size,
                         "FreelancerState records have no JSON Lines form");
                return BP_ERR_UNSUPPORTED;
        }
        if (kind == BP_REC_BADGE_GRANTED || kind == BP_REC_BADGE_REVOKED)
                err = bp_codec_decode_badge(codec, rec->data, rec->len, &badge,
                                            errstr, size);
        else
                err = bp_codec_decode_event(codec, (bp_event_type_t)kind,
                                            rec->data, rec->len, &ev, errstr,
                                            size);
        if (err != BP_OK)
                return err;
        err = kind >= BP_REC_BADGE_GRANTED ? bp_jsonl_write_badge(out, &badge)
                                           : bp_jsonl_write_event(out, &ev);
        if (err != BP_OK)
                snprintf(errstr, size, "cannot print: %s", bp_err_str(err));
        return err;
}

/* Decodes the file at path ("-": stdin); 0, or -1 when it was rejected. */
static int decode_file(bp_codec_t *codec, const char *path, bp_buf_t *rec,
                       bp_buf_t *out) {
        char  errstr[512];
        FILE *f  = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
        int   rc = -1;

        if (!f)
                snprintf(errstr, sizeof(errstr), "%s", strerror(errno));
        else if (read_all(f, rec, errstr, sizeof(errstr)) == 0 &&
                 decode_one(codec, rec, out, errstr, sizeof(errstr)) == BP_OK)
                rc = 0;
        if (f && f != stdin)
                fclose(f);
        if (rc == -1)
                fprintf(stderr, "%s: %s\n", path, errstr);
        return rc;
}

int bp_cmd_decode(int argc, char **argv) {
        static const struct option opts[] = {
            {"schema-map", required_argument, NULL, 'm'},
            {"registry", required_argument, NULL, 'r'},
            {"help", no_argument, NULL, 'h'},
            {NULL, 0, NULL, 0}};
        bp_codec_conf_t conf = {0};
        bp_codec_t     *codec;
        bp_buf_t        rec = {0}, out = {0};
        char            errstr[512];
        int             c, i, rejected = 0;

        optind = 1;
        while ((c = getopt_long(argc, argv, "m:r:h", opts, NULL)) != -1) {
                if (c == 'm')
                        conf.schema_map = optarg;
                else if (c == 'r')
                        conf.registry_url = optarg;
                else {
                        fputs(decode_help, c == 'h' ? stdout : stderr);
                        return c == 'h' ? BP_EXIT_OK : BP_EXIT_USAGE;
                }
        }
        if (!(codec = bp_codec_new(&conf, errstr, sizeof(errstr)))) {
                fprintf(stderr, "badgeproc decode: %s\n", errstr);
                return BP_EXIT_FATAL;
        }
        for (i = optind; i < argc || (i == optind && argc == optind); i++) {
                const char *path = i < argc ? argv[i] : "-";
                bp_buf_reset(&out);
                if (decode_file(codec, path, &rec, &out) == -1)
                        rejected = 1;
                else
                        fwrite(out.data, 1, out.len, stdout);
        }
        bp_buf_free(&rec);
        bp_buf_free(&out);
        bp_codec_destroy(codec);
        if (fflush(stdout) != 0)
                return BP_EXIT_FATAL;
        return rejected ? BP_EXIT_REJECTED : BP_EXIT_OK;
}
