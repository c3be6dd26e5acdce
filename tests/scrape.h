/*
 * scrape.h - what a test reads from the metrics server: one GET of a
 * path on 127.0.0.1, and the samples of a family in /metrics text.
 */
#ifndef SCRAPE_H
#define SCRAPE_H

#include "bp_buf.h"

/**
 * GETs path on 127.0.0.1:port (10 s at most); returns the HTTP status (0
 * when the server is gone or does not answer) and the body,
 * NUL-terminated, in body. Fails the running cmocka test on ENOMEM.
 */
long scrape_get(int port, const char *path, bp_buf_t *body);

/**
 * Sum of the values of every sample of family name in text (Prometheus
 * text format) whose labels contain match (may be "").
 */
double scrape_sum(const char *text, const char *name, const char *match);

#endif
