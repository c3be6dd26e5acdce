/*
 * bp_published.c - published badge events read back (see bp_published.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bp_codec.h"
#include "bp_jsonl.h"
#include "bp_kafka.h"
#include "bp_line_reader.h"
#include "bp_published.h"
#include "bp_tool.h"

/* Bound on metadata and watermark requests, and on a silent partition. */
#define PUB_TMO_MS 10000
#define PUB_STALL_MS 60000

/* The file's lines; fd and parser owned by the caller. */
static int read_lines(const char *cmd, const char *path, int fd,
                      bp_published_fn fn, void *opaque,
                      bp_published_stats_t *st) {
        bp_line_reader_t  *reader = bp_line_reader_new(fd, BP_LINE_MAX_DEFAULT);
        bp_jsonl_parser_t *parser = bp_jsonl_parser_new();
        bp_arena_t        *arena  = bp_arena_new(16 * 1024);
        bp_badge_event_t   ev;
        const char        *line;
        size_t             len;
        char               errstr[512];
        int                rc = -1, n;
        bp_err_t           err;

        if (!reader || !parser || !arena) {
                bp_tool_fatal(cmd, "out of memory", NULL, NULL, NULL);
                goto out;
        }
        while ((n = bp_line_reader_next(reader, &line, &len)) != 0) {
                if (n == BP_ERR_IO) {
                        bp_tool_fatal(cmd, "cannot read published events",
                                      "published", path, strerror(errno));
                        goto out;
                }
                st->read = bp_line_reader_lineno(reader);
                if (n == BP_ERR_TOO_LARGE) {
                        /* Not JSON Lines: nothing further can be trusted. */
                        fprintf(stderr, "published line %" PRIu64 ": %s\n",
                                st->read, BP_LINE_TOO_LONG_MSG);
                        bp_tool_fatal(cmd, "unreadable published events",
                                      "published", path, BP_LINE_TOO_LONG_MSG);
                        goto out;
                }
                if (strspn(line, " \t") == len)
                        continue;
                bp_arena_reset(arena);
                memset(&ev, 0, sizeof(ev));
                err = bp_jsonl_parse_badge(parser, line, len, arena, &ev,
                                           errstr, sizeof(errstr));
                if (err) {
                        st->rejected++;
                        fprintf(stderr, "published line %" PRIu64 ": %s\n",
                                st->read, errstr);
                        continue;
                }
                st->events++;
                if (fn(&ev, opaque) != BP_OK)
                        goto out;
        }
        rc = 0;
out:
        bp_line_reader_destroy(reader);
        bp_jsonl_parser_destroy(parser);
        bp_arena_destroy(arena);
        return rc;
}

int bp_published_read_file(const char *cmd, const char *path,
                           bp_published_fn fn, void *opaque,
                           bp_published_stats_t *stats) {
        int fd = STDIN_FILENO, rc;

        if (strcmp(path, "-") != 0 &&
            (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
                bp_tool_fatal(cmd, "cannot open published events", "published",
                              path, strerror(errno));
                return -1;
        }
        rc = read_lines(cmd, path, fd, fn, opaque, stats);
        if (fd != STDIN_FILENO)
                close(fd);
        return rc;
}

/* One record of the topic: a badge event, or a rejection. */
static int on_record(bp_codec_t *codec, const rd_kafka_message_t *rkm,
                     bp_published_fn fn, void *opaque,
                     bp_published_stats_t *st) {
        bp_badge_event_t ev;
        char             errstr[512];

        st->read++;
        memset(&ev, 0, sizeof(ev));
        if (bp_codec_decode_badge(codec, rkm->payload, rkm->len, &ev, errstr,
                                  sizeof(errstr))) {
                st->rejected++;
                fprintf(stderr, "%s/%" PRId32 "@%" PRId64 ": %s\n",
                        rd_kafka_topic_name(rkm->rkt), rkm->partition,
                        rkm->offset, errstr);
                return 0;
        }
        st->events++;
        return fn(&ev, opaque) == BP_OK ? 0 : -1;
}

/* Reads partition p of rkt up to hi (exclusive). 0 or -1 (logged). */
static int read_partition(const char *cmd, bp_codec_t *codec,
                          rd_kafka_topic_t *rkt, int32_t p, int64_t hi,
                          bp_published_fn fn, void *opaque,
                          bp_published_stats_t *st) {
        rd_kafka_message_t *rkm;
        int                 waited = 0, rc = 0;

        if (rd_kafka_consume_start(rkt, p, RD_KAFKA_OFFSET_BEGINNING) == -1) {
                bp_tool_fatal(cmd, "cannot read published topic", NULL, NULL,
                              rd_kafka_err2str(rd_kafka_last_error()));
                return -1;
        }
        while (rc == 0) {
                if (!(rkm = rd_kafka_consume(rkt, p, 500))) {
                        if ((waited += 500) < PUB_STALL_MS)
                                continue;
                        bp_tool_fatal(cmd, "published topic stalled", NULL,
                                      NULL, "no record in 60 s");
                        rc = -1;
                        break;
                }
                waited = 0;
                if (rkm->err == RD_KAFKA_RESP_ERR__PARTITION_EOF ||
                    (!rkm->err && rkm->offset >= hi)) {
                        rd_kafka_message_destroy(rkm);
                        break;
                }
                if (rkm->err &&
                    bp_kafka_err_class(rkm->err) == BP_KAFKA_FATAL) {
                        bp_tool_fatal(cmd, "kafka error", NULL, NULL,
                                      rd_kafka_message_errstr(rkm));
                        rc = -1;
                } else if (!rkm->err) {
                        rc = on_record(codec, rkm, fn, opaque, st);
                        if (rc == 0 && rkm->offset + 1 >= hi) {
                                rd_kafka_message_destroy(rkm);
                                break;
                        }
                }
                rd_kafka_message_destroy(rkm);
        }
        rd_kafka_consume_stop(rkt, p);
        return rc;
}

static rd_kafka_t *open_consumer(const char *cmd, const bp_cli_kafka_t *k) {
        static const bp_kafka_kv_t kv[] = {
            {"group.id", "badgeproc-audit-unused"},
            {"enable.auto.commit", "false"},
            {"enable.auto.offset.store", "false"},
            {"enable.partition.eof", "true"},
            {"client.id", "badgeproc-audit"}};
        char             errstr[512];
        rd_kafka_conf_t *conf;
        rd_kafka_t      *rk;

        conf = bp_cli_kafka_conf(k, kv, sizeof(kv) / sizeof(kv[0]), errstr,
                                 sizeof(errstr));
        if (!conf) {
                bp_tool_fatal(cmd, "bad configuration", NULL, NULL, errstr);
                return NULL;
        }
        if (!(rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr,
                                sizeof(errstr)))) {
                rd_kafka_conf_destroy(conf);
                bp_tool_fatal(cmd, "cannot create consumer", NULL, NULL,
                              errstr);
        }
        return rk;
}

int bp_published_read_topic(const char *cmd, const bp_cli_kafka_t *k,
                            const char *topic, bp_published_fn fn, void *opaque,
                            bp_published_stats_t *stats) {
        bp_codec_conf_t   cconf = {0};
        bp_codec_t       *codec = NULL;
        rd_kafka_t       *rk    = NULL;
        rd_kafka_topic_t *rkt   = NULL;
        char              errstr[512];
        int64_t           lo, hi;
        int               cnt, p, rc = -1;

        cconf.schema_map   = k->schema_map;
        cconf.registry_url = k->registry;
        if (!(codec = bp_codec_new(&cconf, errstr, sizeof(errstr)))) {
                bp_tool_fatal(cmd, "cannot load schemas", NULL, NULL, errstr);
                goto out;
        }
        if (!(rk = open_consumer(cmd, k)))
                goto out;
        if (bp_kafka_partition_count(rk, topic, PUB_TMO_MS, &cnt, errstr,
                                     sizeof(errstr))) {
                bp_tool_fatal(cmd, "cannot read published topic", NULL, NULL,
                              errstr);
                goto out;
        }
        rkt = rd_kafka_topic_new(rk, topic, NULL);
        for (p = 0; rkt && p < cnt; p++) {
                if (rd_kafka_query_watermark_offsets(rk, topic, p, &lo, &hi,
                                                     PUB_TMO_MS)) {
                        bp_tool_fatal(cmd, "cannot read watermarks", "topic",
                                      topic, NULL);
                        goto out;
                }
                if (lo < hi &&
                    read_partition(cmd, codec, rkt, p, hi, fn, opaque, stats))
                        goto out;
        }
        rc = rkt ? 0 : -1;
out:
        if (rkt)
                rd_kafka_topic_destroy(rkt);
        if (rk)
                rd_kafka_destroy(rk);
        bp_codec_destroy(codec);
        return rc;
}
