/*
 * bp_registry.c - Confluent Schema Registry client over libcurl (see
 * bp_registry.h).
 *
 * The response body is collected into a buffer that refuses to grow past
 * max_response, which makes libcurl abort the transfer: a registry cannot
 * make us buffer more than that, whatever Content-Length it claims.
 * Replies are parsed with jansson; error replies carry {"error_code": N,
 * "message": "..."} and their message is kept in ours.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

#include "bp_buf.h"
#include "bp_registry.h"

struct bp_registry_s {
        char         *url;
        CURL         *curl;
        long          timeout_ms;
        size_t        max_response;
        bp_buf_t      body;
        unsigned long requests;
};

static size_t on_data(char *data, size_t size, size_t nmemb, void *opaque) {
        bp_registry_t *reg = opaque;
        size_t         n   = size * nmemb;

        /* Returning less than n makes libcurl fail with a write error. */
        if (n > reg->max_response - reg->body.len ||
            bp_buf_append(&reg->body, data, n) != BP_OK)
                return 0;
        return n;
}

bp_registry_t *bp_registry_new(const char *url, long timeout_ms,
                               size_t max_response, char *errstr,
                               size_t errstr_size) {
        bp_registry_t *reg;
        size_t         len = strlen(url);

        if (strncmp(url, "http://", 7) != 0 &&
            strncmp(url, "https://", 8) != 0) {
                snprintf(errstr, errstr_size,
                         "schema registry url %s is not http(s)", url);
                return NULL;
        }
        curl_global_init(CURL_GLOBAL_DEFAULT);
        if (!(reg = calloc(1, sizeof(*reg))) || !(reg->url = strdup(url)) ||
            !(reg->curl = curl_easy_init())) {
                snprintf(errstr, errstr_size, "out of memory");
                bp_registry_destroy(reg);
                return NULL;
        }
        while (len > 0 && reg->url[len - 1] == '/')
                reg->url[--len] = '\0';
        reg->timeout_ms = timeout_ms > 0 ? timeout_ms : BP_REGISTRY_TIMEOUT_MS;
        reg->max_response =
            max_response ? max_response : BP_REGISTRY_MAX_RESPONSE;
        return reg;
}

void bp_registry_destroy(bp_registry_t *reg) {
        if (!reg)
                return;
        if (reg->curl)
                curl_easy_cleanup(reg->curl);
        bp_buf_free(&reg->body);
        free(reg->url);
        free(reg);
}

unsigned long bp_registry_request_count(const bp_registry_t *reg) {
        return reg->requests;
}

/* Sends one request (a POST when post_body is set); on BP_OK the reply
 * body is in reg->body and *status holds the HTTP status. */
static bp_err_t request(bp_registry_t *reg, const char *url,
                        const char *post_body, long *status, char *errstr,
                        size_t errstr_size) {
        struct curl_slist *hdr = NULL, *h;
        CURLcode           rc;
        CURL              *c = reg->curl;

        bp_buf_reset(&reg->body);
        curl_easy_reset(c);
        hdr = curl_slist_append(
            NULL, "Accept: application/vnd.schemaregistry.v1+json");
        h = hdr ? curl_slist_append(
                      hdr,
                      "Content-Type: application/vnd.schemaregistry.v1+json")
                : NULL;
        if (!h) {
                curl_slist_free_all(hdr);
                snprintf(errstr, errstr_size, "out of memory");
                return BP_ERR_NOMEM;
        }
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
        curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, reg->timeout_ms);
        curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, reg->timeout_ms);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, reg);
        if (post_body)
                curl_easy_setopt(c, CURLOPT_POSTFIELDS, post_body);
        reg->requests++;
        rc = curl_easy_perform(c);
        curl_slist_free_all(hdr);
        if (rc == CURLE_WRITE_ERROR) {
                snprintf(errstr, errstr_size,
                         "schema registry reply larger than %zu bytes",
                         reg->max_response);
                return BP_ERR_SCHEMA;
        }
        if (rc != CURLE_OK) {
                snprintf(errstr, errstr_size, "schema registry %s: %s",
                         reg->url, curl_easy_strerror(rc));
                return BP_ERR_IO;
        }
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
        return BP_OK;
}

/* Parses the reply body as a JSON object; NULL when it is not one. */
static json_t *reply_json(const bp_registry_t *reg) {
        json_t *j =
            json_loadb((const char *)reg->body.data, reg->body.len, 0, NULL);
        if (j && !json_is_object(j)) {
                json_decref(j);
                return NULL;
        }
        return j;
}

/* Classes a non-2xx reply and writes "<what> (registry: <message>)". */
static bp_err_t reply_error(const bp_registry_t *reg, long status,
                            const char *what, char *errstr,
                            size_t errstr_size) {
        json_t     *j   = reply_json(reg);
        const char *msg = json_string_value(json_object_get(j, "message"));
        bp_err_t    err = status == 404   ? BP_ERR_NOT_FOUND
                          : status >= 500 ? BP_ERR_IO
                                          : BP_ERR_SCHEMA;

        snprintf(errstr, errstr_size, "%s (registry: HTTP %ld%s%s)", what,
                 status, msg ? ": " : "", msg ? msg : "");
        json_decref(j);
        return err;
}

bp_err_t bp_registry_get_schema(bp_registry_t *reg, int32_t id,
                                char **schema_json, char *errstr,
                                size_t errstr_size) {
        char        url[64], what[64];
        char       *full = NULL;
        json_t     *j    = NULL;
        const char *type, *text;
        long        status = 0;
        bp_err_t    err;

        snprintf(what, sizeof(what), "unknown schema id %" PRId32, id);
        snprintf(url, sizeof(url), "/schemas/ids/%" PRId32, id);
        if (!(full = malloc(strlen(reg->url) + strlen(url) + 1))) {
                snprintf(errstr, errstr_size, "out of memory");
                return BP_ERR_NOMEM;
        }
        strcat(strcpy(full, reg->url), url);
        if ((err = request(reg, full, NULL, &status, errstr, errstr_size)))
                goto out;
        if (status != 200) {
                err = reply_error(reg, status, what, errstr, errstr_size);
                goto out;
        }
        j    = reply_json(reg);
        text = json_string_value(json_object_get(j, "schema"));
        type = json_string_value(json_object_get(j, "schemaType"));
        err  = BP_ERR_SCHEMA;
        if (!text)
                snprintf(errstr, errstr_size,
                         "schema id %" PRId32 ": registry reply has no schema",
                         id);
        else if (type && strcmp(type, "AVRO") != 0)
                snprintf(errstr, errstr_size,
                         "schema id %" PRId32 " is %s, not AVRO", id, type);
        else if (!(*schema_json = strdup(text)))
                err = BP_ERR_NOMEM;
        else
                err = BP_OK;
out:
        json_decref(j);
        free(full);
        return err;
}

/* Builds {url}/subjects/{escaped subject}/versions, malloc'ed. */
static char *subject_url(bp_registry_t *reg, const char *subject) {
        char  *esc = curl_easy_escape(reg->curl, subject, 0);
        char  *url = NULL;
        size_t n;

        if (!esc)
                return NULL;
        n = strlen(reg->url) + strlen(esc) + sizeof("/subjects//versions");
        if ((url = malloc(n)))
                snprintf(url, n, "%s/subjects/%s/versions", reg->url, esc);
        curl_free(esc);
        return url;
}

bp_err_t bp_registry_register(bp_registry_t *reg, const char *subject,
                              const char *schema_json, int32_t *id,
                              char *errstr, size_t errstr_size) {
        char    *url  = subject_url(reg, subject);
        json_t  *req  = json_pack("{s:s}", "schema", schema_json);
        char    *body = req ? json_dumps(req, JSON_COMPACT) : NULL;
        json_t  *j    = NULL, *jid;
        char     what[300];
        long     status = 0;
        bp_err_t err    = BP_ERR_NOMEM;

        if (!url || !body) {
                snprintf(errstr, errstr_size, "out of memory");
                goto out;
        }
        if ((err = request(reg, url, body, &status, errstr, errstr_size)))
                goto out;
        if (status != 200) {
                snprintf(what, sizeof(what),
                         "cannot register a schema under subject %s", subject);
                err = reply_error(reg, status, what, errstr, errstr_size);
                goto out;
        }
        j   = reply_json(reg);
        jid = json_object_get(j, "id");
        if (!json_is_integer(jid) || json_integer_value(jid) < 0 ||
            json_integer_value(jid) > INT32_MAX) {
                snprintf(errstr, errstr_size,
                         "subject %s: registry reply has no valid id", subject);
                err = BP_ERR_SCHEMA;
                goto out;
        }
        *id = (int32_t)json_integer_value(jid);
        err = BP_OK;
out:
        json_decref(j);
        json_decref(req);
        free(body);
        free(url);
        return err;
}
