/*
 * scrape.c - a GET with libcurl and a sum over /metrics samples, for the
 * tests that watch the metrics server (see scrape.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "scrape.h"

static size_t on_body(char *data, size_t size, size_t n, void *arg) {
        bp_buf_t *body = arg;
        return bp_buf_append(body, data, size * n) == BP_OK ? size * n : 0;
}

/* GETs path; returns the HTTP status (0 when the server is gone) and the
 * body, NUL-terminated, in body. */
long scrape_get(int port, const char *path, bp_buf_t *body) {
        CURL *curl = curl_easy_init();
        char  url[128];
        long  status = 0;

        assert_non_null(curl);
        bp_buf_reset(body);
        snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path);
        curl_easy_setopt(curl, CURLOPT_URL, url);
        curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(curl, CURLOPT_WRITEDATA, body);
        curl_easy_setopt(curl, CURLOPT_TIMEOUT, 10L);
        if (curl_easy_perform(curl) == CURLE_OK)
                curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
        curl_easy_cleanup(curl);
        assert_int_equal(bp_buf_append_byte(body, 0), BP_OK);
        return status;
}

/* Sum of the values of every sample of family name whose labels contain
 * match (may be ""). */
double scrape_sum(const char *text, const char *name, const char *match) {
        size_t      len   = strlen(name);
        const char *p     = text;
        double      total = 0;
        char        line[1024];

        while (*p) {
                size_t n = strcspn(p, "\n");
                char  *sp;
                snprintf(line, sizeof(line), "%.*s", (int)n, p);
                p += n + (p[n] == '\n');
                if (strncmp(line, name, len) != 0 ||
                    (line[len] != '{' && line[len] != ' ') ||
                    !(sp = strrchr(line, ' ')))
                        continue;
                *sp = '\0';
                if (!strstr(line, match))
                        continue;
                total += strtod(sp + 1, NULL);
        }
        return total;
}
