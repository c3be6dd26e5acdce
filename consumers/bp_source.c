/*
 * bp_source.c - the input options of the history tools and the source
 * interface (see bp_source.h); the sources themselves are
 * bp_source_file.c (files) and bp_source_kafka.c (topics).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bp_kafka.h"
#include "bp_source_int.h"
#include "bp_time.h"
#include "bp_tool.h"

/* Most partitions --partitions may name: Kafka's own limits are far
 * beyond what one replay reads, and the list is held in memory. */
#define BP_SOURCE_PARTITIONS_MAX 10000

void bp_source_opts_init(bp_source_opts_t *o) {
        memset(o, 0, sizeof(*o));
        o->from = BP_TIME_NONE;
        o->to   = BP_TIME_NONE;
}

void bp_source_opts_free(bp_source_opts_t *o) {
        bp_cli_kafka_free(&o->kafka);
        bp_cli_list_free(&o->topics);
        free(o->partitions);
        free(o->offsets_text);
        free(o->ranges);
        free(o->inputs);
        o->inputs       = NULL;
        o->partitions   = NULL;
        o->offsets_text = NULL;
        o->ranges       = NULL;
}

static int opt_time(const char *cmd, const char *flag, const char *arg,
                    int64_t *out) {
        char errstr[256];

        if (bp_time_parse(arg, out, errstr, sizeof(errstr)) == BP_OK)
                return 1;
        fprintf(stderr, "%s: --%s: %s\n", cmd, flag, errstr);
        return -1;
}

static int opt_partitions(const char *cmd, bp_source_opts_t *o,
                          const char *arg) {
        bp_cli_list_t list = {0};
        size_t        i;
        long          p;
        int           rc = -1;

        if (bp_cli_list_split(&list, arg) != BP_OK ||
            list.cnt > BP_SOURCE_PARTITIONS_MAX) {
                fprintf(stderr, "%s: --partitions: expected a list like 0,3\n",
                        cmd);
                goto out;
        }
        free(o->partitions);
        o->partitions    = calloc(list.cnt, sizeof(*o->partitions));
        o->partition_cnt = 0;
        if (!o->partitions) {
                fprintf(stderr, "%s: out of memory\n", cmd);
                goto out;
        }
        for (i = 0; i < list.cnt; i++) {
                if (bp_cli_int(cmd, "partitions", list.items[i], 0, INT32_MAX,
                               &p))
                        goto out;
                o->partitions[o->partition_cnt++] = (int32_t)p;
        }
        rc = 1;
out:
        bp_cli_list_free(&list);
        return rc;
}

static int opt_offsets(const char *cmd, bp_source_opts_t *o, const char *arg) {
        const char **t =
            realloc(o->offsets_text, (o->offsets_cnt + 1) * sizeof(*t));

        if (!t) {
                fprintf(stderr, "%s: out of memory\n", cmd);
                return -1;
        }
        o->offsets_text                   = t;
        o->offsets_text[o->offsets_cnt++] = arg;
        return 1;
}

static int opt_input(const char *cmd, bp_source_opts_t *o, const char *arg) {
        const char **t = realloc(o->inputs, (o->input_cnt + 1) * sizeof(*t));

        if (!t) {
                fprintf(stderr, "%s: out of memory\n", cmd);
                return -1;
        }
        o->inputs                 = t;
        o->inputs[o->input_cnt++] = arg;
        o->input                  = o->inputs[0];
        return 1;
}

static int opt_format(const char *cmd, bp_source_opts_t *o, const char *arg) {
        static const char *const names[] = {"jsonl", "framed", "avro", "auto"};
        size_t                   i;

        for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
                if (strcmp(arg, names[i]) == 0) {
                        o->format     = (bp_source_format_t)i;
                        o->format_set = true;
                        return 1;
                }
        fprintf(stderr,
                "%s: --input-format: expected jsonl, framed, avro or auto, "
                "got \"%s\"\n",
                cmd, arg);
        return -1;
}

int bp_source_opt(const char *cmd, bp_source_opts_t *o, int c,
                  const char *arg) {
        switch (c) {
        case 'i':
                return opt_input(cmd, o, arg);
        case BP_SOURCE_OPT_INPUT_FORMAT:
                return opt_format(cmd, o, arg);
        case 'b':
        case 'X':
                return bp_cli_kafka_opt(cmd, &o->kafka, c, arg);
        case BP_SOURCE_OPT_SCHEMA_MAP:
                return bp_cli_kafka_opt(cmd, &o->kafka, 'm', arg);
        case BP_SOURCE_OPT_REGISTRY:
                return bp_cli_kafka_opt(cmd, &o->kafka, 'r', arg);
        case BP_SOURCE_OPT_TOPIC_PREFIX:
                o->prefix = arg;
                return 1;
        case BP_SOURCE_OPT_TOPICS:
                if (bp_cli_list_split(&o->topics, arg) == BP_OK &&
                    o->topics.cnt == BP_EV__CNT)
                        return 1;
                fprintf(stderr, "%s: --topics: expected four names\n", cmd);
                return -1;
        case BP_SOURCE_OPT_FROM:
                return opt_time(cmd, "from", arg, &o->from);
        case BP_SOURCE_OPT_TO:
                return opt_time(cmd, "to", arg, &o->to);
        case BP_SOURCE_OPT_PARTITIONS:
                return opt_partitions(cmd, o, arg);
        case BP_SOURCE_OPT_OFFSETS:
                return opt_offsets(cmd, o, arg);
        default:
                return 0;
        }
}

const char *bp_source_topic(const bp_source_opts_t *o, int t, char *buf,
                            size_t size) {
        if (o->topics.cnt == BP_EV__CNT)
                return o->topics.items[t];
        snprintf(buf, size, "%s%s", o->prefix ? o->prefix : "",
                 bp_event_type_name((bp_event_type_t)t));
        return buf;
}

/* Reads an offset of a range: empty is open (dflt). 0 or -1. */
static int range_offset(const char *s, size_t len, int64_t dflt, int64_t *out) {
        char  num[24];
        char *end;

        if (len == 0) {
                *out = dflt;
                return 0;
        }
        if (len >= sizeof(num) || s[0] < '0' || s[0] > '9')
                return -1;
        memcpy(num, s, len);
        num[len] = '\0';
        errno    = 0;
        *out     = strtoll(num, &end, 10);
        return errno || *end ? -1 : 0;
}

int bp_source_range_parse(const bp_source_opts_t *o, const char *text,
                          bp_source_range_t *r, char *errstr,
                          size_t errstr_size) {
        /* Topic names hold no ':', so "T:P:A-B" splits at its colons. */
        const char *c1   = strchr(text, ':');
        const char *c2   = c1 ? strchr(c1 + 1, ':') : NULL;
        const char *dash = c2 ? strchr(c2 + 1, '-') : NULL;
        char        name[BP_KAFKA_TOPIC_MAX + 1], buf[BP_KAFKA_TOPIC_MAX + 1];
        int64_t     p;
        int         t;

        if (!dash || strchr(c2 + 1, ':') || c1 == text ||
            (size_t)(c1 - text) >= sizeof(name) ||
            range_offset(c1 + 1, (size_t)(c2 - c1 - 1), -1, &p) || p < 0 ||
            p > INT32_MAX ||
            range_offset(c2 + 1, (size_t)(dash - c2 - 1),
                         RD_KAFKA_OFFSET_BEGINNING, &r->start) ||
            range_offset(dash + 1, strlen(dash + 1), -1, &r->end) ||
            (r->end >= 0 && r->start >= 0 && r->end < r->start)) {
                snprintf(errstr, errstr_size,
                         "expected TOPIC:PARTITION:START-END (offsets; START "
                         "or END may be empty), got \"%.80s\"",
                         text);
                return -1;
        }
        memcpy(name, text, (size_t)(c1 - text));
        name[c1 - text] = '\0';
        r->partition    = (int32_t)p;
        for (t = 0; t < BP_EV__CNT; t++)
                if (!strcmp(name, bp_source_topic(o, t, buf, sizeof(buf))))
                        break;
        if (t == BP_EV__CNT) {
                snprintf(errstr, errstr_size,
                         "\"%s\" is not one of the four input topics", name);
                return -1;
        }
        r->input = t;
        return 0;
}

/* Checks the Kafka-only options: names and ranges. 0 or -1. */
static int check_kafka(const char *cmd, bp_source_opts_t *o) {
        char   errstr[512], buf[BP_KAFKA_TOPIC_MAX + 1];
        size_t i;
        int    t;

        if (o->prefix && o->topics.cnt) {
                fprintf(stderr,
                        "%s: --topic-prefix and --topics exclude each "
                        "other\n",
                        cmd);
                return -1;
        }
        for (t = 0; t < BP_EV__CNT; t++)
                if (bp_kafka_topic_check(
                        bp_source_topic(o, t, buf, sizeof(buf)), errstr,
                        sizeof(errstr))) {
                        fprintf(stderr, "%s: %s\n", cmd, errstr);
                        return -1;
                }
        if (o->from != BP_TIME_NONE && o->to != BP_TIME_NONE &&
            o->to <= o->from) {
                fprintf(stderr, "%s: --to must be after --from\n", cmd);
                return -1;
        }
        o->ranges =
            calloc(o->offsets_cnt ? o->offsets_cnt : 1, sizeof(*o->ranges));
        if (!o->ranges) {
                fprintf(stderr, "%s: out of memory\n", cmd);
                return -1;
        }
        for (i = 0; i < o->offsets_cnt; i++) {
                if (bp_source_range_parse(o, o->offsets_text[i], &o->ranges[i],
                                          errstr, sizeof(errstr))) {
                        fprintf(stderr, "%s: --offsets: %s\n", cmd, errstr);
                        return -1;
                }
                o->range_cnt++;
        }
        return 0;
}

int bp_source_opts_check(const char *cmd, bp_source_opts_t *o) {
        if (!o->input == !o->kafka.brokers) {
                fprintf(stderr,
                        "%s: --input is required (or --brokers to read "
                        "the input topics), not both\n",
                        cmd);
                return -1;
        }
        if (o->kafka.brokers && o->format_set) {
                fprintf(stderr, "%s: --input-format needs --input\n", cmd);
                return -1;
        }
        if (o->kafka.brokers)
                return check_kafka(cmd, o);
        if (o->prefix || o->topics.cnt || o->from != BP_TIME_NONE ||
            o->to != BP_TIME_NONE || o->partition_cnt || o->offsets_cnt ||
            o->kafka.props.cnt) {
                fprintf(stderr,
                        "%s: the topic, range and Kafka options need "
                        "--brokers\n",
                        cmd);
                return -1;
        }
        return 0;
}

/* --- the interface --- */

bp_source_t *bp_source_open(const char *cmd, bp_source_opts_t *o) {
        return o->input ? bp_source_files_open(cmd, o)
                        : bp_source_kafka_open(cmd, o);
}

int bp_source_next(bp_source_t *src, bp_event_t *ev, bp_cause_t *cause) {
        return src->next(src, ev, cause);
}

const bp_source_stats_t *bp_source_stats(const bp_source_t *src) {
        return &src->stats;
}

void bp_source_refuse(bp_source_t *src, const bp_event_t *ev,
                      const bp_cause_t *cause, const char *why) {
        char where[300];
        src->stats.rejected++;
        /* Where, as the source's other rejection lines say it. */
        if (src->kafka)
                snprintf(where, sizeof(where), "%s/%d@%" PRId64, cause->topic,
                         (int)cause->partition, cause->offset);
        else
                snprintf(where, sizeof(where), "input %d, line %" PRId64,
                         (int)cause->partition + 1, cause->offset + 1);
        fprintf(stderr, "%s: %s: event %s of %s refused: %s\n", src->cmd, where,
                ev->event_id, ev->freelancer_id, why);
}

bool bp_source_is_kafka(const bp_source_t *src) {
        return src->kafka;
}

void bp_source_destroy(bp_source_t *src) {
        if (src)
                src->close(src);
}
