/*
 * bp_metrics_http.c - /metrics, /healthz and /readyz over HTTP with
 * libmicrohttpd (see bp_metrics_server_new() in bp_metrics.h).
 *
 * The daemon runs one internal polling thread; every request is answered
 * in the first call of the access handler, before any body is read, so a
 * request body is never buffered: a request announcing one gets 413 and
 * the connection is closed. Every response closes its connection, so a
 * connection is one request, and its age is the request's.
 *
 * A slow or hostile client costs a bounded amount of anything, and cannot
 * keep the probes out: libmicrohttpd bounds each connection's memory
 * (which bounds the request line and headers) and the connections per
 * client address and in total; the guard (bp_http_guard.h) ends the
 * connections whose request is not complete REQUEST_MS after they opened
 * (libmicrohttpd's own timeout is an idle timer that every byte resets),
 * and, when an address or the server is near its limit, the oldest
 * incomplete connection, so that a new one, such as a probe, always gets
 * in. Liveness and readiness are two atomics the process loop sets; the
 * HTTP thread only reads them. A stall (a partition that makes no
 * progress) also makes /readyz 503, with a reason the loop sets rarely,
 * under a lock, and the HTTP thread copies.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <microhttpd.h>

#include "bp_http_guard.h"
#include "bp_log.h"
#include "bp_metrics.h"

/* Hard limits, libmicrohttpd's: beyond them a connection is refused. A
 * client address may hold half the server, so others still get in. */
#define CONNECTIONS_MAX 256
#define PER_IP_MAX 128
/* Soft limits, the guard's: beyond them the oldest incomplete connection
 * makes room. Far enough below the hard ones for the connections it ends
 * in one turn of the daemon's loop (which accepts up to 10) to close. */
#define CONNECTIONS_SOFT 192
#define PER_IP_SOFT 32
/* A request must be complete this long after its connection opened; the
 * whole exchange, answer included, must be over by LIFETIME_MS. */
#define REQUEST_MS 2000
#define LIFETIME_MS 10000
#define SWEEP_MS 100
/* libmicrohttpd's idle timer: with the guard, only a backstop. */
#define IDLE_TIMEOUT_S 10
#define CONNECTION_MEMORY 16384 /* request line and headers, per connection */

#define TEXT_TYPE "text/plain; charset=utf-8"
#define METRICS_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct bp_metrics_server_s {
        struct MHD_Daemon *daemon;
        bp_http_guard_t   *guard;
        bp_metrics_t      *m;
        int                port;
        int                stall_ms;
        _Atomic int64_t    beat_ms; /* monotonic time of the last heartbeat */
        atomic_bool        ready;
        atomic_bool        stalled;
        pthread_mutex_t    stall_lock; /* guards stall */
        char               stall[256]; /* "stalled: <reason>\n" */
};

static int64_t now_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned int status,
                             const char *body, const char *allow) {
        struct MHD_Response *resp;
        enum MHD_Result      ret;

        /* Copied: a body may be a buffer on the handler's stack. */
        resp = MHD_create_response_from_buffer(strlen(body), (void *)body,
                                               MHD_RESPMEM_MUST_COPY);
        if (!resp)
                return MHD_NO;
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, TEXT_TYPE);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
        if (allow)
                MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, allow);
        ret = MHD_queue_response(conn, status, resp);
        MHD_destroy_response(resp);
        return ret;
}

static enum MHD_Result reply_metrics(struct MHD_Connection *conn,
                                     bp_metrics_t          *m) {
        struct MHD_Response *resp;
        enum MHD_Result      ret;
        bp_buf_t             buf = {0};

        if (bp_metrics_render(m, &buf) != BP_OK) {
                bp_buf_free(&buf);
                return reply(conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
                             "out of memory\n", NULL);
        }
        /* The rendered text is handed over: MHD frees it with free(). */
        resp = buf.len ? MHD_create_response_from_buffer(buf.len, buf.data,
                                                         MHD_RESPMEM_MUST_FREE)
                       : MHD_create_response_from_buffer(
                             0, (void *)"", MHD_RESPMEM_PERSISTENT);
        if (!resp) {
                bp_buf_free(&buf);
                return MHD_NO;
        }
        if (!buf.len)
                bp_buf_free(&buf);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                                METRICS_TYPE);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
        ret = MHD_queue_response(conn, MHD_HTTP_OK, resp);
        MHD_destroy_response(resp);
        return ret;
}

/* True when the request announces a body, which no endpoint takes. */
static bool has_body(struct MHD_Connection *conn) {
        const char *len = MHD_lookup_connection_value(
            conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                        MHD_HTTP_HEADER_TRANSFER_ENCODING))
                return true;
        return len && strspn(len, "0") != strlen(len);
}

static enum MHD_Result reply_ready(struct MHD_Connection *conn,
                                   bp_metrics_server_t   *srv) {
        char body[sizeof(srv->stall)];
        if (!atomic_load(&srv->ready))
                return reply(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "not ready\n",
                             NULL);
        if (!atomic_load(&srv->stalled))
                return reply(conn, MHD_HTTP_OK, "ready\n", NULL);
        pthread_mutex_lock(&srv->stall_lock);
        memcpy(body, srv->stall, sizeof(body));
        pthread_mutex_unlock(&srv->stall_lock);
        return reply(conn, MHD_HTTP_SERVICE_UNAVAILABLE, body, NULL);
}

static bool alive(bp_metrics_server_t *srv) {
        int64_t beat =
            atomic_load_explicit(&srv->beat_ms, memory_order_relaxed);
        return srv->stall_ms <= 0 || now_ms() - beat <= srv->stall_ms;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn,
                              const char *url, const char *method,
                              const char *version, const char *upload_data,
                              size_t *upload_data_size, void **con_cls) {
        bp_metrics_server_t            *srv = cls;
        const union MHD_ConnectionInfo *info =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
        (void)version;
        (void)upload_data;
        (void)con_cls;

        /* The request is in: its deadline is met. */
        if (info)
                bp_http_guard_answered(srv->guard, info->socket_context);

        if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
            strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
                return reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
                             "method not allowed\n", "GET, HEAD");
        if (*upload_data_size != 0 || has_body(conn))
                return reply(conn, MHD_HTTP_CONTENT_TOO_LARGE,
                             "request bodies are not accepted\n", NULL);
        if (strcmp(url, "/metrics") == 0)
                return reply_metrics(conn, srv->m);
        if (strcmp(url, "/healthz") == 0)
                return alive(srv) ? reply(conn, MHD_HTTP_OK, "ok\n", NULL)
                                  : reply(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
                                          "stalled\n", NULL);
        if (strcmp(url, "/readyz") == 0)
                return reply_ready(conn, srv);
        return reply(conn, MHD_HTTP_NOT_FOUND, "not found\n", NULL);
}

/* Hands each connection to the guard as it opens, and takes it back
 * before libmicrohttpd closes its socket. */
static void on_connection(void *cls, struct MHD_Connection *conn,
                          void                              **socket_context,
                          enum MHD_ConnectionNotificationCode code) {
        bp_metrics_server_t            *srv = cls;
        const union MHD_ConnectionInfo *fd, *addr;

        if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
                bp_http_guard_close(srv->guard, *socket_context);
                *socket_context = NULL;
                return;
        }
        fd = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        addr =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        *socket_context =
            fd ? bp_http_guard_open(srv->guard, fd->connect_fd,
                                    addr ? addr->client_addr : NULL)
               : NULL;
}

/* Routes libmicrohttpd's own messages into the log, at debug level: most
 * are about a client's bad request, and a client must not be able to
 * fill the log. A failure to start is reported to the caller anyway. */
static void mhd_log(void *cls, const char *fmt, va_list ap) {
        char   msg[512];
        size_t len;
        (void)cls;

        vsnprintf(msg, sizeof(msg), fmt, ap);
        len = strlen(msg);
        while (len > 0 && (msg[len - 1] == '\n' || msg[len - 1] == '\r'))
                msg[--len] = '\0';
        BP_LOG(BP_LOG_DEBUG, "metrics_http", "msg=%s", msg);
}

/* Resolves host (brackets allowed around IPv6) and port to an address. */
static bp_err_t resolve(const char *host, int port,
                        struct sockaddr_storage *addr, char *errstr,
                        size_t errstr_size) {
        struct addrinfo hints = {0}, *res = NULL;
        char            name[256], service[8];
        size_t          len = strlen(host);
        int             rc;

        if (len >= 2 && host[0] == '[' && host[len - 1] == ']') {
                host++;
                len -= 2;
        }
        if (len == 0 || len >= sizeof(name) || port < 0 || port > 65535) {
                snprintf(errstr, errstr_size, "metrics: invalid address");
                return BP_ERR_INVALID;
        }
        memcpy(name, host, len);
        name[len] = '\0';
        snprintf(service, sizeof(service), "%d", port);
        hints.ai_family   = AF_UNSPEC;
        hints.ai_socktype = SOCK_STREAM;
        hints.ai_flags    = AI_NUMERICSERV | AI_PASSIVE;
        rc                = getaddrinfo(name, service, &hints, &res);
        if (rc != 0) {
                snprintf(errstr, errstr_size, "metrics: cannot resolve %s: %s",
                         name, gai_strerror(rc));
                return BP_ERR_INVALID;
        }
        memcpy(addr, res->ai_addr, res->ai_addrlen);
        freeaddrinfo(res);
        return BP_OK;
}

/* The port the daemon's socket is bound to. */
static int bound_port(struct MHD_Daemon *daemon) {
        const union MHD_DaemonInfo *info =
            MHD_get_daemon_info(daemon, MHD_DAEMON_INFO_LISTEN_FD);
        struct sockaddr_storage addr;
        socklen_t               len = sizeof(addr);

        if (!info ||
            getsockname(info->listen_fd, (struct sockaddr *)&addr, &len) != 0)
                return -1;
        if (addr.ss_family == AF_INET6)
                return ntohs(((struct sockaddr_in6 *)&addr)->sin6_port);
        return ntohs(((struct sockaddr_in *)&addr)->sin_port);
}

bp_err_t bp_metrics_server_new(bp_metrics_server_t **srvp, bp_metrics_t *m,
                               const char *host, int port, int stall_ms,
                               char *errstr, size_t errstr_size) {
        static const bp_http_guard_conf_t guard_conf = {
            .slots       = CONNECTIONS_MAX,
            .total_soft  = CONNECTIONS_SOFT,
            .per_ip_soft = PER_IP_SOFT,
            .request_ms  = REQUEST_MS,
            .lifetime_ms = LIFETIME_MS,
            .sweep_ms    = SWEEP_MS};
        struct sockaddr_storage addr = {0};
        bp_metrics_server_t    *srv;
        unsigned int            flags;
        bp_err_t                err;

        *srvp = NULL;
        err   = resolve(host, port, &addr, errstr, errstr_size);
        if (err)
                return err;
        if (!(srv = calloc(1, sizeof(*srv))))
                return BP_ERR_NOMEM;
        if (!(srv->guard = bp_http_guard_new(&guard_conf))) {
                free(srv);
                snprintf(errstr, errstr_size,
                         "metrics: cannot start the connection guard");
                return BP_ERR_NOMEM;
        }
        srv->m        = m;
        srv->stall_ms = stall_ms;
        atomic_init(&srv->beat_ms, now_ms());
        atomic_init(&srv->ready, false);
        atomic_init(&srv->stalled, false);
        pthread_mutex_init(&srv->stall_lock, NULL);
        flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG;
        if (addr.ss_family == AF_INET6)
                flags |= MHD_USE_IPv6;
        errno       = 0;
        srv->daemon = MHD_start_daemon(
            flags, (uint16_t)port, NULL, NULL, handle, srv,
            MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, MHD_OPTION_SOCK_ADDR,
            (struct sockaddr *)&addr, MHD_OPTION_CONNECTION_LIMIT,
            (unsigned int)CONNECTIONS_MAX, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
            (unsigned int)PER_IP_MAX, MHD_OPTION_CONNECTION_TIMEOUT,
            (unsigned int)IDLE_TIMEOUT_S, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
            (size_t)CONNECTION_MEMORY, MHD_OPTION_NOTIFY_CONNECTION,
            on_connection, srv, MHD_OPTION_END);
        if (!srv->daemon) {
                snprintf(errstr, errstr_size,
                         "metrics: cannot listen on %s port %d: %s", host, port,
                         errno ? strerror(errno) : "see the log");
                bp_http_guard_destroy(srv->guard);
                pthread_mutex_destroy(&srv->stall_lock);
                free(srv);
                return BP_ERR_IO;
        }
        srv->port = bound_port(srv->daemon);
        *srvp     = srv;
        BP_LOG(BP_LOG_INFO, "metrics_listen", "host=%s port=%d", host,
               srv->port);
        return BP_OK;
}

int bp_metrics_server_port(const bp_metrics_server_t *srv) {
        return srv ? srv->port : -1;
}

void bp_metrics_server_heartbeat(bp_metrics_server_t *srv) {
        if (srv)
                atomic_store_explicit(&srv->beat_ms, now_ms(),
                                      memory_order_relaxed);
}

void bp_metrics_server_set_ready(bp_metrics_server_t *srv, bool ready) {
        if (srv)
                atomic_store(&srv->ready, ready);
}

void bp_metrics_server_set_stalled(bp_metrics_server_t *srv,
                                   const char          *reason) {
        if (!srv)
                return;
        if (reason) {
                pthread_mutex_lock(&srv->stall_lock);
                snprintf(srv->stall, sizeof(srv->stall), "stalled: %.230s\n",
                         reason);
                pthread_mutex_unlock(&srv->stall_lock);
        }
        atomic_store(&srv->stalled, reason != NULL);
}

void bp_metrics_server_destroy(bp_metrics_server_t *srv) {
        if (!srv)
                return;
        /* The daemon first: it hands every connection back as it stops. */
        MHD_stop_daemon(srv->daemon);
        bp_http_guard_destroy(srv->guard);
        pthread_mutex_destroy(&srv->stall_lock);
        free(srv);
}
