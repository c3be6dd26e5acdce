/*
 * bp_config_file.h - the syntax of configuration, without its meaning.
 *
 * Internal to bp_config.c: turns a config file and the --set arguments
 * into lists of (key, value, where) entries, catching what is wrong with
 * the text itself (no '=', a bad key, an unterminated quote, a key given
 * twice) with the place it is wrong. Which keys exist and what their
 * values may be is bp_config.c's business.
 *
 * File syntax: one `key = value` per line; blank lines and lines whose
 * first non-blank character is '#' are skipped; whitespace around key and
 * value is trimmed. An unquoted value ends at a '#' that follows
 * whitespace (so `a#b` is a value, `a #b` is `a` and a comment). A value
 * in double quotes keeps everything inside, '#' included; inside it, \"
 * stands for a quote and \\ for a backslash, and any other backslash is
 * kept as it is. Lines may end in CRLF. A line may hold at most
 * BP_CONFIG_LINE_MAX bytes and no NUL byte, and a value no control
 * character other than a tab.
 */
#ifndef BP_CONFIG_FILE_H
#define BP_CONFIG_FILE_H

#include <stddef.h>
#include <stdio.h>

#include "bp_error.h"

#define BP_CONFIG_LINE_MAX 65536

typedef struct bp_config_entry_s {
        char *key;
        char *value;
        int   line; /* 1-based line in the file; 0 for a --set argument */
} bp_config_entry_t;

typedef struct bp_config_entries_s {
        bp_config_entry_t *v;
        size_t             cnt;
        size_t             cap;
} bp_config_entries_t;

/**
 * Reads every entry of the file fp (named name in messages) and appends
 * them to *out in file order. On error returns BP_ERR_CONFIG (or
 * BP_ERR_NOMEM, BP_ERR_IO) with "name:line: message" in errstr; entries
 * read before the error stay in *out for bp_config_entries_free().
 */
bp_err_t bp_config_file_read(const char *name, FILE *fp,
                             bp_config_entries_t *out, char *errstr,
                             size_t errstr_size);

/**
 * Appends the --set arguments sets[0..set_cnt) ("key=value", whitespace
 * around both trimmed, no quoting or comments: the shell has done that) to
 * *out with line 0. Errors ("--set key: message") as above.
 */
bp_err_t bp_config_sets_read(const char *const *sets, size_t set_cnt,
                             bp_config_entries_t *out, char *errstr,
                             size_t errstr_size);

/**
 * Formats an error message into errstr (when errstr_size > 0) and returns
 * BP_ERR_CONFIG, so that a failing check is one statement.
 */
bp_err_t bp_config_errf(char *errstr, size_t errstr_size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/** Frees the entries' strings and array (not out itself). NULL-safe. */
void bp_config_entries_free(bp_config_entries_t *out);

#endif
