/*
 * test_metrics_http.c - the metrics HTTP server on a port of its own
 * choosing: /metrics, /healthz (with a stalled loop), /readyz before and
 * after ready, 404, 405, 413 for a body, and hostile requests (huge
 * headers, garbage, a huge claimed body) answered without harm, the
 * server still serving afterwards; the request deadline (a slowloris
 * that sends a byte every 300 ms, and a silent connection, are cut off
 * 2 s after they opened, not when they fall idle) and eviction (past 32
 * incomplete connections from one address, the oldest make room, and a
 * probe is answered). libcurl is the well-behaved client; a raw socket
 * is the badly behaved one.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "bp_log.h"
#include "bp_metrics.h"
#include "prom_check.h"

typedef struct resp_s {
        long     status;
        bp_buf_t body;
        char     content_type[128];
        char     allow[64];
} resp_t;

static size_t on_body(char *data, size_t size, size_t n, void *arg) {
        resp_t *r = arg;
        return bp_buf_append(&r->body, data, size * n) == BP_OK ? size * n : 0;
}

static size_t on_header(char *data, size_t size, size_t n, void *arg) {
        resp_t *r   = arg;
        size_t  len = size * n;
        if (len > 6 && strncasecmp(data, "Allow:", 6) == 0)
                snprintf(r->allow, sizeof(r->allow), "%.*s",
                         (int)strcspn(data + 7, "\r\n"), data + 7);
        return len;
}

/* Makes one request; the body of the response is NUL-terminated. */
static void http(int port, const char *method, const char *path,
                 const char *body, resp_t *r) {
        CURL *curl = curl_easy_init();
        char  url[128];
        char *ctype = NULL;

        memset(r, 0, sizeof(*r));
        assert_non_null(curl);
        snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path);
        curl_easy_setopt(curl, CURLOPT_URL, url);
        curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(curl, CURLOPT_WRITEDATA, r);
        curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(curl, CURLOPT_HEADERDATA, r);
        curl_easy_setopt(curl, CURLOPT_TIMEOUT, 10L);
        if (strcmp(method, "HEAD") == 0)
                curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
        if (body)
                curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
        if (strcmp(method, "HEAD") != 0)
                curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
        assert_int_equal(curl_easy_perform(curl), CURLE_OK);
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r->status);
        curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &ctype);
        if (ctype)
                snprintf(r->content_type, sizeof(r->content_type), "%s", ctype);
        assert_int_equal(bp_buf_append_byte(&r->body, 0), BP_OK);
        curl_easy_cleanup(curl);
}

/* Expects status and body (NULL: any body) for method on path. */
static void expect(int port, const char *method, const char *path, long status,
                   const char *body) {
        resp_t r;
        http(port, method, path, NULL, &r);
        if (r.status != status ||
            (body && strcmp((const char *)r.body.data, body) != 0))
                fail_msg("%s %s: %ld \"%s\", want %ld \"%s\"", method, path,
                         r.status, (const char *)r.body.data, status,
                         body ? body : "*");
        bp_buf_free(&r.body);
}

static bp_metrics_server_t *start(bp_metrics_t *m, int stall_ms) {
        bp_metrics_server_t *srv = NULL;
        char                 errstr[256];

        if (bp_metrics_server_new(&srv, m, "127.0.0.1", 0, stall_ms, errstr,
                                  sizeof(errstr)) != BP_OK)
                fail_msg("server: %s", errstr);
        assert_true(bp_metrics_server_port(srv) > 0);
        return srv;
}

static void test_metrics_endpoint(void **state) {
        bp_metrics_t         *m = bp_metrics_new();
        bp_metrics_counter_t *c = bp_metrics_counter(
            m, "badgeproc_transactions_total", "Kafka transactions.", "result",
            "committed", NULL);
        bp_metrics_server_t *srv  = start(m, 0);
        int                  port = bp_metrics_server_port(srv);
        resp_t               r;
        char                 why[128];
        (void)state;

        bp_metrics_counter_add(c, 41);
        http(port, "GET", "/metrics", NULL, &r);
        assert_int_equal(r.status, 200);
        assert_string_equal(r.content_type,
                            "text/plain; version=0.0.4; charset=utf-8");
        assert_string_equal((const char *)r.body.data,
                            "# HELP badgeproc_transactions_total Kafka "
                            "transactions.\n"
                            "# TYPE badgeproc_transactions_total counter\n"
                            "badgeproc_transactions_total{result="
                            "\"committed\"} 41\n");
        assert_int_equal(prom_check((const char *)r.body.data, r.body.len - 1,
                                    why, sizeof(why)),
                         0);
        bp_buf_free(&r.body);
        /* Every scrape renders afresh. */
        bp_metrics_counter_inc(c);
        http(port, "GET", "/metrics?x=1", NULL, &r);
        assert_non_null(strstr((const char *)r.body.data, "} 42\n"));
        bp_buf_free(&r.body);
        /* HEAD: the status without the body. */
        http(port, "HEAD", "/metrics", NULL, &r);
        assert_int_equal(r.status, 200);
        assert_string_equal((const char *)r.body.data, "");
        bp_buf_free(&r.body);
        bp_metrics_server_destroy(srv);
        bp_metrics_server_destroy(NULL);
        bp_metrics_destroy(m);
}

static void test_health_and_ready(void **state) {
        bp_metrics_t        *m    = bp_metrics_new();
        bp_metrics_server_t *srv  = start(m, 0);
        int                  port = bp_metrics_server_port(srv);
        (void)state;

        expect(port, "GET", "/healthz", 200, "ok\n");
        expect(port, "GET", "/readyz", 503, "not ready\n");
        bp_metrics_server_set_ready(srv, true);
        expect(port, "GET", "/readyz", 200, "ready\n");
        bp_metrics_server_set_ready(srv, false);
        expect(port, "GET", "/readyz", 503, "not ready\n");
        /* An empty registry is an empty, valid exposition. */
        expect(port, "GET", "/metrics", 200, "");
        bp_metrics_server_destroy(srv);
        bp_metrics_destroy(m);
}

static void sleep_ms(long ms) {
        struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
}

static void test_stalled_loop(void **state) {
        bp_metrics_t        *m    = bp_metrics_new();
        bp_metrics_server_t *srv  = start(m, 200);
        int                  port = bp_metrics_server_port(srv);
        (void)state;

        expect(port, "GET", "/healthz", 200, "ok\n");
        sleep_ms(400);
        expect(port, "GET", "/healthz", 503, "stalled\n");
        bp_metrics_server_heartbeat(srv);
        expect(port, "GET", "/healthz", 200, "ok\n");
        bp_metrics_server_heartbeat(NULL);
        bp_metrics_server_set_ready(NULL, true);
        bp_metrics_server_destroy(srv);
        bp_metrics_destroy(m);
}

static void test_not_found_and_methods(void **state) {
        bp_metrics_t        *m    = bp_metrics_new();
        bp_metrics_server_t *srv  = start(m, 0);
        int                  port = bp_metrics_server_port(srv);
        resp_t               r;
        (void)state;

        expect(port, "GET", "/", 404, "not found\n");
        expect(port, "GET", "/metrics/", 404, "not found\n");
        http(port, "POST", "/metrics", "x=1", &r);
        assert_int_equal(r.status, 405);
        assert_string_equal(r.allow, "GET, HEAD");
        bp_buf_free(&r.body);
        expect(port, "DELETE", "/healthz", 405, "method not allowed\n");
        expect(port, "PUT", "/nope", 405, "method not allowed\n");
        http(port, "GET", "/metrics", "a body", &r);
        assert_int_equal(r.status, 413);
        bp_buf_free(&r.body);
        bp_metrics_server_destroy(srv);
        bp_metrics_destroy(m);
}

/* Sends req (len bytes) on a new connection and returns the status code
 * of the answer, or 0 when the server closed without one. */
static int raw_request(int port, const char *req, size_t len) {
        struct sockaddr_in addr = {0};
        struct timeval     tv   = {10, 0};
        char               buf[256];
        ssize_t            n;
        size_t             off = 0;
        int                fd = socket(AF_INET, SOCK_STREAM, 0), status = 0;

        assert_true(fd >= 0);
        addr.sin_family      = AF_INET;
        addr.sin_port        = htons((uint16_t)port);
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
        assert_int_equal(connect(fd, (struct sockaddr *)&addr, sizeof(addr)),
                         0);
        /* The server may answer and close before reading all of it. */
        while (off < len) {
                n = send(fd, req + off, len - off, MSG_NOSIGNAL);
                if (n <= 0)
                        break;
                off += (size_t)n;
        }
        n = recv(fd, buf, sizeof(buf) - 1, 0);
        if (n > 0) {
                buf[n] = '\0';
                if (sscanf(buf, "HTTP/1.%*d %d", &status) != 1)
                        status = -1;
        }
        close(fd);
        return status;
}

static void test_hostile_requests(void **state) {
        bp_metrics_t        *m    = bp_metrics_new();
        bp_metrics_server_t *srv  = start(m, 0);
        int                  port = bp_metrics_server_port(srv);
        size_t               big  = 1 << 20, len;
        char                *req  = malloc(big + 64);
        int                  status;
        (void)state;

        assert_non_null(req);
        /* A megabyte of header: refused (4xx) or cut off, never stored. */
        len = (size_t)snprintf(req, 64, "GET /metrics HTTP/1.1\r\nX-A: ");
        memset(req + len, 'a', big);
        memcpy(req + len + big, "\r\n\r\n", 4);
        status = raw_request(port, req, len + big + 4);
        assert_true(status == 0 || (status >= 400 && status < 500));
        /* Garbage instead of a request line. */
        status = raw_request(port, "\x01\x02 nonsense\r\n\r\n", 16);
        assert_true(status == 0 || (status >= 400 && status < 500));
        /* A body claimed huge is refused before a byte of it is read. */
        len = (size_t)snprintf(req, big,
                               "GET /metrics HTTP/1.1\r\nHost: x\r\n"
                               "Content-Length: 99999999999\r\n\r\n");
        assert_int_equal(raw_request(port, req, len), 413);
        len = (size_t)snprintf(req, big,
                               "POST /healthz HTTP/1.1\r\nHost: x\r\n"
                               "Transfer-Encoding: chunked\r\n\r\n");
        assert_int_equal(raw_request(port, req, len), 405);
        len = (size_t)snprintf(req, big,
                               "GET /healthz HTTP/1.1\r\nHost: x\r\n"
                               "Transfer-Encoding: chunked\r\n\r\n"
                               "5\r\nhello\r\n0\r\n\r\n");
        assert_int_equal(raw_request(port, req, len), 413);
        /* And the server still serves. */
        len = (size_t)snprintf(req, big, "GET /healthz HTTP/1.0\r\n\r\n");
        assert_int_equal(raw_request(port, req, len), 200);
        expect(port, "GET", "/healthz", 200, "ok\n");
        free(req);
        bp_metrics_server_destroy(srv);
        bp_metrics_destroy(m);
}

static int64_t mono_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A new connection to port on loopback, sending nothing yet. */
static int connect_to(int port) {
        struct sockaddr_in addr = {0};
        int                fd   = socket(AF_INET, SOCK_STREAM, 0);

        assert_true(fd >= 0);
        addr.sin_family      = AF_INET;
        addr.sin_port        = htons((uint16_t)port);
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        assert_int_equal(connect(fd, (struct sockaddr *)&addr, sizeof(addr)),
                         0);
        return fd;
}

/* True when the server has closed fd (its read end sees the end). */
static bool closed_by_server(int fd, int wait_ms) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        char          buf[256];

        return poll(&pfd, 1, wait_ms) == 1 &&
               recv(fd, buf, sizeof(buf), 0) <= 0;
}

/* A request that never ends, one byte every 300 ms, and a connection
 * that sends nothing: both are cut off 2 s (and a 100 ms sweep) after
 * they opened, though the first is never idle for long. */
static void test_request_deadline(void **state) {
        bp_metrics_t        *m    = bp_metrics_new();
        bp_metrics_server_t *srv  = start(m, 0);
        int                  port = bp_metrics_server_port(srv);
        int                  slow = connect_to(port), silent = connect_to(port);
        int64_t              t0 = mono_ms(), slow_ms = -1, silent_ms = -1;
        static const char    head[] = "GET /healthz HTTP/1.1\r\nX-Slow: ";
        (void)state;

        assert_int_equal(send(slow, head, sizeof(head) - 1, MSG_NOSIGNAL),
                         (ssize_t)sizeof(head) - 1);
        while ((slow_ms < 0 || silent_ms < 0) && mono_ms() - t0 < 5000) {
                if (slow_ms < 0 && (send(slow, "a", 1, MSG_NOSIGNAL) != 1 ||
                                    closed_by_server(slow, 0)))
                        slow_ms = mono_ms() - t0;
                if (silent_ms < 0 && closed_by_server(silent, 0))
                        silent_ms = mono_ms() - t0;
                expect(port, "GET", "/healthz", 200, "ok\n");
                usleep(300 * 1000);
        }
        print_message("slowloris cut off after %lld ms, silent after %lld ms\n",
                      (long long)slow_ms, (long long)silent_ms);
        assert_true(slow_ms >= 1900 && slow_ms <= 2800);
        assert_true(silent_ms >= 1900 && silent_ms <= 2800);
        close(slow);
        close(silent);
        bp_metrics_server_destroy(srv);
        bp_metrics_destroy(m);
}

/* 40 connections from one address that send nothing: the first 8 are
 * ended as the last arrive (32 is the per-address soft limit), the last
 * 32 stay; a probe still gets its answer, and ends one more. */
static void test_eviction(void **state) {
        enum { N = 40, SOFT = 32 };
        bp_metrics_t        *m    = bp_metrics_new();
        bp_metrics_server_t *srv  = start(m, 0);
        int                  port = bp_metrics_server_port(srv);
        int                  fds[N], i;
        (void)state;

        for (i = 0; i < N; i++) {
                fds[i] = connect_to(port);
                usleep(5 * 1000); /* accepted in order */
        }
        for (i = 0; i < N - SOFT; i++)
                assert_true(closed_by_server(fds[i], 1000));
        for (i = N - SOFT; i < N; i++)
                assert_false(closed_by_server(fds[i], 0));
        expect(port, "GET", "/healthz", 200, "ok\n");
        assert_true(closed_by_server(fds[N - SOFT], 1000));
        assert_false(closed_by_server(fds[N - SOFT + 1], 0));
        for (i = 0; i < N; i++)
                close(fds[i]);
        bp_metrics_server_destroy(srv);
        bp_metrics_destroy(m);
}

static void test_listen_errors(void **state) {
        bp_metrics_t        *m   = bp_metrics_new();
        bp_metrics_server_t *srv = start(m, 0), *second = NULL;
        char                 errstr[256], expect_msg[128];
        int                  port = bp_metrics_server_port(srv);
        (void)state;

        /* The port is taken. */
        assert_int_equal(bp_metrics_server_new(&second, m, "127.0.0.1", port, 0,
                                               errstr, sizeof(errstr)),
                         BP_ERR_IO);
        assert_null(second);
        snprintf(expect_msg, sizeof(expect_msg),
                 "metrics: cannot listen on 127.0.0.1 port %d", port);
        assert_memory_equal(errstr, expect_msg, strlen(expect_msg));
        /* A host that is no address. */
        assert_int_equal(bp_metrics_server_new(&second, m, "no such host!", 0,
                                               0, errstr, sizeof(errstr)),
                         BP_ERR_INVALID);
        assert_memory_equal(errstr, "metrics: cannot resolve no such host!",
                            36);
        assert_int_equal(bp_metrics_server_new(&second, m, "127.0.0.1", 70000,
                                               0, errstr, sizeof(errstr)),
                         BP_ERR_INVALID);
        bp_metrics_server_destroy(srv);
        bp_metrics_destroy(m);
}

int main(void) {
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_metrics_endpoint),
            cmocka_unit_test(test_health_and_ready),
            cmocka_unit_test(test_stalled_loop),
            cmocka_unit_test(test_not_found_and_methods),
            cmocka_unit_test(test_hostile_requests),
            cmocka_unit_test(test_request_deadline),
            cmocka_unit_test(test_eviction),
            cmocka_unit_test(test_listen_errors),
        };
        int rc;

        /* The server's own lines (listening, refused requests) are not
         * what this test reads. */
        bp_log_set_level(BP_LOG_ERROR);
        curl_global_init(CURL_GLOBAL_DEFAULT);
        rc = cmocka_run_group_tests(tests, NULL, NULL);
        curl_global_cleanup();
        return rc;
}
