/*
 * test_registry.c - the schema registry client and the codec in registry
 * mode, against a small stand-in registry (libmicrohttpd) that the test
 * starts on a loopback port. It speaks the two calls we use, answers
 * errors like Confluent's, and counts requests so the test can assert
 * that answers are cached.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <cmocka.h>
#include <jansson.h>
#include <microhttpd.h>

#include "bp_codec.h"
#include "bp_registry.h"

#define MAX_SCHEMAS 16
#define FIRST_ID 1001

/* The stand-in's state: registered schemas and the last subject. */
typedef struct registry_s {
        struct MHD_Daemon *daemon;
        char               url[64];
        char              *schemas[MAX_SCHEMAS];
        int                schema_cnt;
        char               subject[256];
        int                requests;
} registry_t;

static char errstr[512];

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status,
                             json_t *body) {
        char                *text = json_dumps(body, JSON_COMPACT);
        struct MHD_Response *resp = MHD_create_response_from_buffer(
            strlen(text), text, MHD_RESPMEM_MUST_FREE);
        enum MHD_Result rc = MHD_queue_response(conn, status, resp);
        MHD_destroy_response(resp);
        json_decref(body);
        return rc;
}

static enum MHD_Result get_schema(registry_t *reg, struct MHD_Connection *conn,
                                  long id) {
        static char          huge[2 * 1024 * 1024];
        struct MHD_Response *resp;
        enum MHD_Result      rc;

        if (id == 500)
                return reply(conn, 500,
                             json_pack("{s:i,s:s}", "error_code", 50001,
                                       "message", "store unavailable"));
        if (id == 999) { /* a reply far larger than the client's bound */
                memset(huge, ' ', sizeof(huge));
                resp = MHD_create_response_from_buffer(sizeof(huge), huge,
                                                       MHD_RESPMEM_PERSISTENT);
                rc   = MHD_queue_response(conn, 200, resp);
                MHD_destroy_response(resp);
                return rc;
        }
        if (id < FIRST_ID || id >= FIRST_ID + reg->schema_cnt)
                return reply(conn, 404,
                             json_pack("{s:i,s:s}", "error_code", 40403,
                                       "message", "Schema not found"));
        return reply(conn, 200,
                     json_pack("{s:s}", "schema", reg->schemas[id - FIRST_ID]));
}

static enum MHD_Result post_schema(registry_t *reg, struct MHD_Connection *conn,
                                   const char *url, const char *body) {
        json_t     *req    = json_loads(body, 0, NULL);
        const char *schema = json_string_value(json_object_get(req, "schema"));
        const char *subj   = url + strlen("/subjects/");
        int         i;

        snprintf(reg->subject, sizeof(reg->subject), "%.*s",
                 (int)(strstr(subj, "/versions") - subj), subj);
        if (!schema) {
                json_decref(req);
                return reply(conn, 422,
                             json_pack("{s:i,s:s}", "error_code", 42201,
                                       "message", "Invalid schema"));
        }
        for (i = 0; i < reg->schema_cnt; i++)
                if (strcmp(reg->schemas[i], schema) == 0)
                        break;
        if (i == reg->schema_cnt)
                reg->schemas[reg->schema_cnt++] = strdup(schema);
        json_decref(req);
        return reply(conn, 200, json_pack("{s:i}", "id", FIRST_ID + i));
}

/* Collects a POST body across calls into *con_cls (a malloc'ed string). */
static enum MHD_Result handle(void *cls, struct MHD_Connection *conn,
                              const char *url, const char *method,
                              const char *version, const char *upload,
                              size_t *upload_size, void **con_cls) {
        registry_t *reg  = cls;
        char       *body = *con_cls;
        size_t      have;

        (void)version;
        if (strcmp(method, "POST") == 0) {
                if (!body) {
                        *con_cls = calloc(1, 1);
                        return MHD_YES;
                }
                if (*upload_size) {
                        have = strlen(body);
                        body = realloc(body, have + *upload_size + 1);
                        memcpy(body + have, upload, *upload_size);
                        body[have + *upload_size] = '\0';
                        *con_cls                  = body;
                        *upload_size              = 0;
                        return MHD_YES;
                }
                reg->requests++;
                return post_schema(reg, conn, url, body);
        }
        reg->requests++;
        if (strncmp(url, "/schemas/ids/", 13) == 0)
                return get_schema(reg, conn, strtol(url + 13, NULL, 10));
        return reply(conn, 404, json_pack("{s:i}", "error_code", 404));
}

static void completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                      enum MHD_RequestTerminationCode toe) {
        (void)cls, (void)conn, (void)toe;
        free(*con_cls);
        *con_cls = NULL;
}

static int setup(void **state) {
        registry_t                 *reg  = calloc(1, sizeof(*reg));
        struct sockaddr_in          addr = {.sin_family = AF_INET};
        const union MHD_DaemonInfo *info;

        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        reg->daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL,
                                       NULL, handle, reg, MHD_OPTION_SOCK_ADDR,
                                       &addr, MHD_OPTION_NOTIFY_COMPLETED,
                                       completed, NULL, MHD_OPTION_END);
        if (!reg->daemon)
                return -1;
        info = MHD_get_daemon_info(reg->daemon, MHD_DAEMON_INFO_BIND_PORT);
        snprintf(reg->url, sizeof(reg->url), "http://127.0.0.1:%u/",
                 (unsigned)info->port);
        *state = reg;
        return 0;
}

static int teardown(void **state) {
        registry_t *reg = *state;
        int         i;
        MHD_stop_daemon(reg->daemon);
        for (i = 0; i < reg->schema_cnt; i++)
                free(reg->schemas[i]);
        free(reg);
        return 0;
}

static bp_codec_t *codec_remote(const registry_t *reg) {
        bp_codec_conf_t conf  = {.registry_url          = reg->url,
                                 .registry_timeout_ms   = 2000,
                                 .registry_max_response = 64 * 1024};
        bp_codec_t     *codec = bp_codec_new(&conf, errstr, sizeof(errstr));
        if (!codec)
                fail_msg("bp_codec_new: %s", errstr);
        return codec;
}

static bp_event_t invitation(void) {
        bp_event_t ev   = {.type          = BP_EV_INVITATION_SENT,
                           .event_id      = "e-1",
                           .freelancer_id = "f-1",
                           .occurred_at   = 1700000000000LL};
        ev.u.invitation = (bp_invitation_sent_t){"i-1", "acme"};
        return ev;
}

/* Registration, then decoding with a cold cache: one GET, then none. */
static void test_register_and_cache(void **state) {
        registry_t *reg    = *state;
        bp_codec_t *writer = codec_remote(reg), *reader = codec_remote(reg);
        bp_event_t  ev  = invitation(), back;
        bp_buf_t    buf = {0};
        int32_t     id  = 0;
        int         before;

        assert_int_equal(bp_codec_register(writer, BP_REC_INVITATION_SENT,
                                           "invites", &id, errstr,
                                           sizeof(errstr)),
                         BP_OK);
        assert_int_equal(id, FIRST_ID);
        assert_string_equal(reg->subject, "invites-value");
        assert_int_equal(
            bp_codec_encode_event(writer, &ev, &buf, errstr, sizeof(errstr)),
            BP_OK);
        assert_int_equal(buf.data[4], FIRST_ID & 0xff);

        /* The writer registered the schema: reading its own record back
         * needs no request. */
        before = reg->requests;
        assert_int_equal(bp_codec_decode_event(writer, BP_EV_INVITATION_SENT,
                                               buf.data, buf.len, &back, errstr,
                                               sizeof(errstr)),
                         BP_OK);
        assert_int_equal(reg->requests, before);

        /* A fresh codec asks once, then serves from its cache. */
        assert_int_equal(bp_codec_decode_event(reader, BP_EV_INVITATION_SENT,
                                               buf.data, buf.len, &back, errstr,
                                               sizeof(errstr)),
                         BP_OK);
        assert_string_equal(back.u.invitation.partner_id, "acme");
        assert_int_equal(reg->requests, before + 1);
        assert_int_equal(bp_codec_decode_event(reader, BP_EV_INVITATION_SENT,
                                               buf.data, buf.len, &back, errstr,
                                               sizeof(errstr)),
                         BP_OK);
        assert_int_equal(reg->requests, before + 1);

        /* Badge events share a topic: one subject per record type. */
        assert_int_equal(bp_codec_register(writer, BP_REC_BADGE_REVOKED,
                                           "badge-events", &id, errstr,
                                           sizeof(errstr)),
                         BP_OK);
        assert_string_equal(reg->subject,
                            "badge-events-com.marketplace.badges.BadgeRevoked");
        bp_buf_free(&buf);
        bp_codec_destroy(writer);
        bp_codec_destroy(reader);
}

static void test_unknown_id_is_cached(void **state) {
        static const uint8_t rec[] = {0, 0, 0, 0, 42, 0};
        registry_t          *reg   = *state;
        bp_codec_t          *codec = codec_remote(reg);
        bp_event_t           ev;
        int                  before = reg->requests;

        assert_int_equal(bp_codec_decode_event(codec, BP_EV_PROFILE_UPDATED,
                                               rec, sizeof(rec), &ev, errstr,
                                               sizeof(errstr)),
                         BP_ERR_NOT_FOUND);
        assert_string_equal(errstr, "unknown schema id 42 (registry: HTTP "
                                    "404: Schema not found)");
        assert_int_equal(bp_codec_decode_event(codec, BP_EV_PROFILE_UPDATED,
                                               rec, sizeof(rec), &ev, errstr,
                                               sizeof(errstr)),
                         BP_ERR_NOT_FOUND);
        assert_int_equal(reg->requests, before + 1);
        bp_codec_destroy(codec);
}

static void test_server_error_is_retried(void **state) {
        static const uint8_t rec[] = {0, 0, 0, 0x01, 0xf4, 0}; /* id 500 */
        registry_t          *reg   = *state;
        bp_codec_t          *codec = codec_remote(reg);
        bp_event_t           ev;
        int                  before = reg->requests;

        assert_int_equal(bp_codec_decode_event(codec, BP_EV_PROFILE_UPDATED,
                                               rec, sizeof(rec), &ev, errstr,
                                               sizeof(errstr)),
                         BP_ERR_IO);
        assert_non_null(strstr(errstr, "store unavailable"));
        assert_int_equal(bp_codec_decode_event(codec, BP_EV_PROFILE_UPDATED,
                                               rec, sizeof(rec), &ev, errstr,
                                               sizeof(errstr)),
                         BP_ERR_IO);
        assert_int_equal(reg->requests, before + 2);
        bp_codec_destroy(codec);
}

static void test_oversized_reply(void **state) {
        registry_t    *reg  = *state;
        char          *json = NULL;
        bp_registry_t *client =
            bp_registry_new(reg->url, 2000, 4096, errstr, sizeof(errstr));

        assert_non_null(client);
        assert_int_equal(
            bp_registry_get_schema(client, 999, &json, errstr, sizeof(errstr)),
            BP_ERR_SCHEMA);
        assert_string_equal(errstr,
                            "schema registry reply larger than 4096 bytes");
        assert_null(json);
        assert_int_equal(bp_registry_request_count(client), 1);
        bp_registry_destroy(client);
}

static void test_unreachable(void **state) {
        bp_registry_t *client;
        char          *json = NULL;
        (void)state;

        /* Port 1 on loopback: nothing listens there. */
        client = bp_registry_new("http://127.0.0.1:1", 2000, 0, errstr,
                                 sizeof(errstr));
        assert_non_null(client);
        assert_int_equal(
            bp_registry_get_schema(client, 1, &json, errstr, sizeof(errstr)),
            BP_ERR_IO);
        assert_non_null(strstr(errstr, "127.0.0.1:1"));
        bp_registry_destroy(client);
        assert_null(bp_registry_new("file:///etc/passwd", 0, 0, errstr,
                                    sizeof(errstr)));
}

int main(void) {
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_register_and_cache),
            cmocka_unit_test(test_unknown_id_is_cached),
            cmocka_unit_test(test_server_error_is_retried),
            cmocka_unit_test(test_oversized_reply),
            cmocka_unit_test(test_unreachable),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
