/*
 * prom_check.h - a strict check of the Prometheus text exposition format
 * 0.0.4, for tests that read what /metrics serves.
 *
 * Written from the format's description rather than taken from a client
 * library (Debian's python3 has none): every line must be a HELP line, a
 * TYPE line or a sample, with valid metric and label names, correctly
 * escaped label values and help texts, and a value Prometheus parses. On
 * top of the grammar it checks what a scraper relies on: a family's TYPE
 * comes before its samples and only once; samples belong to the family
 * last announced (histograms: _bucket with an le label, _sum, _count);
 * buckets are cumulative and end with le="+Inf", equal to _count; no
 * sample (name and labels) appears twice; the text ends with a newline.
 */
#ifndef PROM_CHECK_H
#define PROM_CHECK_H

#include <stddef.h>

/**
 * Checks text[0..len). Returns 0 when it is valid, else the 1-based
 * number of the first bad line with a reason in why.
 */
int prom_check(const char *text, size_t len, char *why, size_t why_size);

#endif
