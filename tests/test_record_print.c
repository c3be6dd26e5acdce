/*
 * test_record_print.c - what `badgeproc consume` prints for each kind of
 * record a topic may hold.
 *
 * Records of every shape are produced to a one-partition topic of an
 * in-process mock cluster with fixed timestamps, read back with assign(),
 * and printed: badge events and input events must be exactly the JSON
 * Lines writer's output (the "kafka" object only when asked), a dead
 * letter shows its dlq.* headers typed, its other headers (a NULL value,
 * non-ASCII text) and a key holding a NUL byte in base64; a tombstone, a
 * truncated body and bytes without our framing are "undecodable" lines
 * with the codec's reason.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "bp_codec.h"
#include "bp_jsonl.h"
#include "bp_kafka.h"
#include "bp_mock.h"
#include "bp_record_print.h"

#define TOPIC "rp"
#define TMO_MS 10000
#define TS0 INT64_C(1700000000000)
#define REC_CNT 8

typedef struct fixture_s {
        bp_mock_t          *mock;
        bp_codec_t         *codec;
        bp_buf_t            expect[3]; /* writer lines of records 0..2 */
        rd_kafka_t         *consumer;  /* outlives the messages it returned */
        rd_kafka_message_t *rkm[REC_CNT];
} fixture_t;

static void make_badges(bp_badge_event_t *g, bp_badge_event_t *r) {
        memset(g, 0, sizeof(*g));
        g->kind          = BP_BADGE_GRANTED;
        g->freelancer_id = "fl-1";
        g->partner_id    = "acme";
        g->badge_id      = "acme-expert";
        g->occurred_at   = TS0;
        g->badge_version = 1;
        g->basis         = BP_BASIS_STANDARD;
        g->cause         = (bp_cause_t){"e1", "invitation-sent", 3, 5};
        g->rules_version = "r-1";
        bp_badge_event_make_id(g);
        *r                 = *g;
        r->kind            = BP_BADGE_REVOKED;
        r->badge_version   = 2;
        r->reason_cnt      = 2;
        r->reasons[0].code = BP_REASON_JSS_BELOW_MIN;
        snprintf(r->reasons[0].detail, BP_DETAIL_SIZE, "85 < 90");
        r->reasons[1].code = BP_REASON_PROFILE_NOT_PUBLIC;
        snprintf(r->reasons[1].detail, BP_DETAIL_SIZE, "PRIVATE");
        bp_badge_event_make_id(r);
}

static bp_event_t make_invitation(void) {
        bp_event_t ev;

        memset(&ev, 0, sizeof(ev));
        ev.type                       = BP_EV_INVITATION_SENT;
        ev.event_id                   = "e1";
        ev.freelancer_id              = "fl-1";
        ev.occurred_at                = TS0;
        ev.u.invitation.invitation_id = "i1";
        ev.u.invitation.partner_id    = "acme";
        return ev;
}

/* Produces record i (timestamp TS0 + i) and waits for it. */
static void produce(rd_kafka_t *rk, int i, const void *key, size_t key_len,
                    const void *value, size_t len, rd_kafka_headers_t *hdrs) {
        rd_kafka_resp_err_t err;

        err = rd_kafka_producev(
            rk, RD_KAFKA_V_TOPIC(TOPIC), RD_KAFKA_V_PARTITION(0),
            RD_KAFKA_V_KEY(key, key_len), RD_KAFKA_V_VALUE((void *)value, len),
            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
            RD_KAFKA_V_TIMESTAMP(TS0 + i), RD_KAFKA_V_HEADERS(hdrs),
            RD_KAFKA_V_END);
        assert_int_equal(err, RD_KAFKA_RESP_ERR_NO_ERROR);
        assert_int_equal(rd_kafka_flush(rk, TMO_MS),
                         RD_KAFKA_RESP_ERR_NO_ERROR);
}

static rd_kafka_headers_t *dlq_headers(void) {
        rd_kafka_headers_t *hdrs = rd_kafka_headers_new(6);

        rd_kafka_header_add(hdrs, "dlq.error", -1, "bad magic byte 0x7b", -1);
        rd_kafka_header_add(hdrs, "dlq.topic", -1, "invitation-sent", -1);
        rd_kafka_header_add(hdrs, "dlq.partition", -1, "0", -1);
        rd_kafka_header_add(hdrs, "dlq.offset", -1, "not-a-number", -1);
        rd_kafka_header_add(hdrs, "trace", -1, NULL, 0);
        rd_kafka_header_add(hdrs, "tag", -1, "\xc3\xa9", -1);
        return hdrs;
}

/* Encodes and produces the REC_CNT records, in offset order. */
static void produce_all(fixture_t *f, rd_kafka_t *rk) {
        bp_badge_event_t g, r;
        bp_event_t       ev   = make_invitation();
        bp_freelancer_t *fl   = bp_freelancer_new("fl-1");
        bp_buf_t         v[4] = {{0}};
        char             errstr[512];
        int              i;

        make_badges(&g, &r);
        assert_non_null(fl);
        assert_int_equal(
            bp_codec_encode_badge(f->codec, &g, &v[0], errstr, sizeof(errstr)),
            BP_OK);
        assert_int_equal(
            bp_codec_encode_badge(f->codec, &r, &v[1], errstr, sizeof(errstr)),
            BP_OK);
        assert_int_equal(
            bp_codec_encode_event(f->codec, &ev, &v[2], errstr, sizeof(errstr)),
            BP_OK);
        assert_int_equal(
            bp_codec_encode_state(f->codec, fl, &v[3], errstr, sizeof(errstr)),
            BP_OK);
        assert_int_equal(bp_jsonl_write_badge(&f->expect[0], &g), BP_OK);
        assert_int_equal(bp_jsonl_write_badge(&f->expect[1], &r), BP_OK);
        assert_int_equal(bp_jsonl_write_event(&f->expect[2], &ev), BP_OK);
        for (i = 0; i < 4; i++)
                produce(rk, i, "fl-1", 4, v[i].data, v[i].len, NULL);
        produce(rk, 4, "a\0b", 3, "{x", 2, dlq_headers());
        produce(rk, 5, "fl-9", 4, NULL, 0, NULL);
        produce(rk, 6, "fl-1", 4, v[2].data, 8, NULL); /* cut short */
        produce(rk, 7, NULL, 0, "{}", 2, NULL);
        for (i = 0; i < 4; i++)
                bp_buf_free(&v[i]);
        bp_freelancer_destroy(fl);
}

/* Reads the REC_CNT records back into f->rkm. */
static void consume_all(fixture_t *f) {
        const bp_kafka_kv_t kv[] = {
            {"bootstrap.servers", bp_mock_bootstraps(f->mock)},
            {"group.id", "test-record-print"},
            {"enable.auto.commit", "false"}};
        rd_kafka_topic_partition_list_t *parts;
        rd_kafka_conf_t                 *conf;
        rd_kafka_message_t              *rkm;
        rd_kafka_t                      *rk;
        char                             errstr[512];
        time_t                           end = time(NULL) + TMO_MS / 1000;
        int                              n   = 0;

        conf = bp_kafka_conf_new(kv, 3, errstr, sizeof(errstr));
        assert_non_null(conf);
        rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof(errstr));
        assert_non_null(rk);
        parts = rd_kafka_topic_partition_list_new(1);
        rd_kafka_topic_partition_list_add(parts, TOPIC, 0)->offset =
            RD_KAFKA_OFFSET_BEGINNING;
        assert_int_equal(rd_kafka_assign(rk, parts), 0);
        rd_kafka_topic_partition_list_destroy(parts);
        while (n < REC_CNT && time(NULL) < end) {
                rkm = rd_kafka_consumer_poll(rk, 100);
                if (rkm && !rkm->err && rkm->offset == n)
                        f->rkm[n++] = rkm;
                else if (rkm)
                        rd_kafka_message_destroy(rkm);
        }
        f->consumer = rk;
        assert_int_equal(n, REC_CNT);
}

static int setup(void **state) {
        static fixture_t f;
        bp_codec_conf_t  cconf = {0};
        char             errstr[512], map[4096];
        const char      *src = getenv("BP_SRC");
        rd_kafka_t      *rk;
        rd_kafka_conf_t *conf;

        snprintf(map, sizeof(map), "%s/schemas/schema-map.txt",
                 src ? src : "..");
        cconf.schema_map = map;
        f.codec          = bp_codec_new(&cconf, errstr, sizeof(errstr));
        f.mock           = bp_mock_new(1, errstr, sizeof(errstr));
        if (!f.codec || !f.mock ||
            bp_mock_create_topic(f.mock, TOPIC, 1, errstr, sizeof(errstr))) {
                fprintf(stderr, "setup: %s\n", errstr);
                return -1;
        }
        conf = rd_kafka_conf_new();
        if (bp_kafka_conf_set(conf, "bootstrap.servers",
                              bp_mock_bootstraps(f.mock), errstr,
                              sizeof(errstr)))
                return -1;
        rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
        if (!rk)
                return -1;
        produce_all(&f, rk);
        rd_kafka_destroy(rk);
        consume_all(&f);
        *state = &f;
        return 0;
}

static int teardown(void **state) {
        fixture_t *f = *state;
        int        i;

        for (i = 0; i < REC_CNT; i++)
                if (f->rkm[i])
                        rd_kafka_message_destroy(f->rkm[i]);
        if (f->consumer) {
                rd_kafka_consumer_close(f->consumer);
                rd_kafka_destroy(f->consumer);
        }
        for (i = 0; i < 3; i++)
                bp_buf_free(&f->expect[i]);
        bp_codec_destroy(f->codec);
        bp_mock_destroy(f->mock);
        return rd_kafka_wait_destroyed(TMO_MS) == 0 ? 0 : -1;
}

/* Prints record i with a printer of with_kafka into a NUL-terminated
 * string owned by the caller, and checks its shape. */
static char *print(fixture_t *f, int i, bool with_kafka,
                   bp_record_shape_t want) {
        bp_record_printer_t *printer =
            bp_record_printer_new(f->codec, with_kafka);
        bp_record_shape_t shape;
        bp_buf_t          out = {0};

        assert_non_null(printer);
        assert_int_equal(
            bp_record_printer_write(printer, f->rkm[i], &out, &shape), BP_OK);
        assert_int_equal(shape, want);
        assert_int_equal(bp_buf_append_byte(&out, '\0'), BP_OK);
        bp_record_printer_destroy(printer);
        return (char *)out.data;
}

static void test_events_are_the_writer_lines(void **state) {
        fixture_t *f = *state;
        char      *line;
        char       want[1024];
        int        i;

        for (i = 0; i < 3; i++) {
                line = print(f, i, false,
                             i < 2 ? BP_RECORD_BADGE : BP_RECORD_EVENT);
                assert_int_equal(strlen(line), f->expect[i].len);
                assert_memory_equal(line, f->expect[i].data, f->expect[i].len);
                free(line);
        }
        /* Asked for, the "kafka" object closes the same line. */
        line = print(f, 2, true, BP_RECORD_EVENT);
        snprintf(want, sizeof(want),
                 "%.*s,\"kafka\":{\"topic\":\"rp\",\"partition\":0,"
                 "\"offset\":2,\"timestamp\":1700000000002,"
                 "\"key\":\"fl-1\"}}\n",
                 (int)f->expect[2].len - 2, (const char *)f->expect[2].data);
        assert_string_equal(line, want);
        free(line);
}

static void test_state_record(void **state) {
        fixture_t  *f    = *state;
        char       *line = print(f, 3, false, BP_RECORD_STATE);
        const char *tail = "\",\"kafka\":{\"topic\":\"rp\",\"partition\":0,"
                           "\"offset\":3,\"timestamp\":1700000000003,"
                           "\"key\":\"fl-1\"}}\n";

        assert_non_null(strstr(line, "{\"type\":\"freelancer-state\","
                                     "\"value_base64\":\"AAAAAA"));
        assert_string_equal(line + strlen(line) - strlen(tail), tail);
        free(line);
}

static void test_dead_letter(void **state) {
        fixture_t *f    = *state;
        char      *line = print(f, 4, false, BP_RECORD_DEAD_LETTER);

        assert_string_equal(
            line,
            "{\"type\":\"dead-letter\",\"dlq.error\":\"bad magic byte 0x7b\","
            "\"dlq.topic\":\"invitation-sent\",\"dlq.partition\":0,"
            "\"dlq.offset\":\"not-a-number\",\"headers\":[{\"key\":"
            "\"trace\",\"value\":null},{\"key\":\"tag\",\"value\":"
            "\"\xc3\xa9\"}],\"value_base64\":\"e3g=\",\"kafka\":{\"topic\":"
            "\"rp\",\"partition\":0,\"offset\":4,\"timestamp\":"
            "1700000000004,\"key_base64\":\"YQBi\"}}\n");
        free(line);
}

static void test_undecodable(void **state) {
        const char *prefix = "{\"type\":\"undecodable\",\"error\":\"";
        fixture_t  *f      = *state;
        char       *line;

        line = print(f, 5, false, BP_RECORD_UNDECODABLE);
        assert_string_equal(
            line, "{\"type\":\"undecodable\",\"error\":\"no value "
                  "(tombstone)\",\"value_base64\":null,\"kafka\":{\"topic\":"
                  "\"rp\",\"partition\":0,\"offset\":5,\"timestamp\":"
                  "1700000000005,\"key\":\"fl-9\"}}\n");
        free(line);
        /* The reason is the codec's; only its presence is ours. */
        line = print(f, 6, false, BP_RECORD_UNDECODABLE);
        assert_true(strncmp(line, prefix, strlen(prefix)) == 0);
        assert_null(strstr(line, "\"error\":\"\""));
        print_message("truncated body: %s", line);
        free(line);
        line = print(f, 7, false, BP_RECORD_UNDECODABLE);
        assert_string_equal(
            line, "{\"type\":\"undecodable\",\"error\":\"bad magic byte "
                  "0x7b\",\"value_base64\":\"e30=\",\"kafka\":{\"topic\":"
                  "\"rp\",\"partition\":0,\"offset\":7,\"timestamp\":"
                  "1700000000007,\"key\":null}}\n");
        free(line);
}

int main(void) {
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_events_are_the_writer_lines),
            cmocka_unit_test(test_state_record),
            cmocka_unit_test(test_dead_letter),
            cmocka_unit_test(test_undecodable),
        };

        return cmocka_run_group_tests(tests, setup, teardown);
}
