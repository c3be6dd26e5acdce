/*
 * bp_config_file.c - config file and --set syntax (see bp_config_file.h).
 *
 * The reader takes one line at a time into a buffer of fixed size, so a
 * file without newlines cannot make it allocate more than one line's
 * worth, and it stops at BP_CONFIG_ENTRIES_MAX entries, so the duplicate
 * check (a linear scan: real files hold a few dozen keys) stays cheap on
 * any input.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "bp_config_file.h"

#define BP_CONFIG_ENTRIES_MAX 1024

/* How much of a bad key an error message repeats. */
#define KEY_ECHO_MAX 64

typedef enum line_status_e {
        LINE_OK,
        LINE_EOF,
        LINE_TOO_LONG,
        LINE_NUL,
        LINE_IO
} line_status_t;

bp_err_t bp_config_errf(char *errstr, size_t errstr_size, const char *fmt,
                        ...) {
        va_list ap;
        if (errstr_size > 0) {
                va_start(ap, fmt);
                vsnprintf(errstr, errstr_size, fmt, ap);
                va_end(ap);
        }
        return BP_ERR_CONFIG;
}

void bp_config_entries_free(bp_config_entries_t *out) {
        size_t i;
        if (!out)
                return;
        for (i = 0; i < out->cnt; i++) {
                free(out->v[i].key);
                free(out->v[i].value);
        }
        free(out->v);
        out->v   = NULL;
        out->cnt = 0;
        out->cap = 0;
}

static bp_err_t entries_add(bp_config_entries_t *out, const char *key,
                            size_t key_len, const char *value, size_t value_len,
                            int line) {
        bp_config_entry_t *e;

        if (out->cnt == out->cap) {
                size_t cap = out->cap ? out->cap * 2 : 16;
                e          = realloc(out->v, cap * sizeof(*e));
                if (!e)
                        return BP_ERR_NOMEM;
                out->v   = e;
                out->cap = cap;
        }
        e        = &out->v[out->cnt];
        e->key   = strndup(key, key_len);
        e->value = strndup(value, value_len);
        e->line  = line;
        if (!e->key || !e->value) {
                free(e->key);
                free(e->value);
                return BP_ERR_NOMEM;
        }
        out->cnt++;
        return BP_OK;
}

static bool is_blank(char c) {
        return c == ' ' || c == '\t';
}

/* Control characters (a tab aside) have no business in a value, and
 * would make the dump of the configuration ambiguous. */
static bool has_control(const char *s, size_t len) {
        size_t i;
        for (i = 0; i < len; i++)
                if (((unsigned char)s[i] < 0x20 && s[i] != '\t') ||
                    s[i] == 0x7f)
                        return true;
        return false;
}

static bool key_valid(const char *key, size_t len) {
        size_t i;
        for (i = 0; i < len; i++) {
                char c = key[i];
                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                      (c >= '0' && c <= '9') || c == '.' || c == '_' ||
                      c == '-'))
                        return false;
        }
        return len > 0;
}

/* Trims blanks on both sides of [*sp, *sp + *lenp). */
static void trim(const char **sp, size_t *lenp) {
        const char *s   = *sp;
        size_t      len = *lenp;
        while (len > 0 && is_blank(*s)) {
                s++;
                len--;
        }
        while (len > 0 && is_blank(s[len - 1]))
                len--;
        *sp   = s;
        *lenp = len;
}

/* Returns the index of an earlier entry with this key in *out, or -1. */
static long find_key(const bp_config_entries_t *out, size_t from,
                     const char *key, size_t key_len) {
        size_t i;
        for (i = from; i < out->cnt; i++)
                if (strlen(out->v[i].key) == key_len &&
                    memcmp(out->v[i].key, key, key_len) == 0)
                        return (long)i;
        return -1;
}

/* Reads one line (without its '\n') into buf, which holds
 * BP_CONFIG_LINE_MAX bytes. */
static line_status_t read_line(FILE *fp, char *buf, size_t *lenp) {
        size_t len = 0;
        int    c;

        while ((c = getc(fp)) != EOF && c != '\n') {
                if (c == '\0')
                        return LINE_NUL;
                if (len == BP_CONFIG_LINE_MAX)
                        return LINE_TOO_LONG;
                buf[len++] = (char)c;
        }
        if (c == EOF && ferror(fp))
                return LINE_IO;
        if (c == EOF && len == 0)
                return LINE_EOF;
        *lenp = len;
        return LINE_OK;
}

/* Finds the value in s[0..len) (the text after '='), unquoting it in
 * place. Returns NULL and the value's span, or an error message. */
static const char *parse_value(char *s, size_t len, char **valp,
                               size_t *val_lenp) {
        size_t i = 0, o;

        while (i < len && is_blank(s[i]))
                i++;
        if (i == len || s[i] != '"') {
                size_t end = i;
                /* '#' ends the value only after a blank: `a#b` is data. */
                while (end < len &&
                       !(s[end] == '#' && end > 0 && is_blank(s[end - 1])))
                        end++;
                while (end > i && is_blank(s[end - 1]))
                        end--;
                *valp     = s + i;
                *val_lenp = end - i;
                return NULL;
        }
        *valp = s + ++i;
        for (o = i; i < len && s[i] != '"'; i++) {
                if (s[i] == '\\' && i + 1 < len &&
                    (s[i + 1] == '"' || s[i + 1] == '\\'))
                        i++;
                s[o++] = s[i];
        }
        if (i == len)
                return "unterminated quoted value";
        *val_lenp = o - (size_t)(*valp - s);
        for (i++; i < len && is_blank(s[i]); i++)
                ;
        if (i < len && s[i] != '#')
                return "unexpected text after the closing quote";
        return NULL;
}

/* Parses one line of the file into *out. */
static bp_err_t parse_line(const char *name, int lineno, char *s, size_t len,
                           bp_config_entries_t *out, size_t first, char *errstr,
                           size_t errstr_size) {
        const char *key;
        char       *eq, *value;
        const char *msg;
        size_t      key_len, value_len;
        long        dup;

        if (len > 0 && s[len - 1] == '\r')
                len--;
        key     = s;
        key_len = len;
        trim(&key, &key_len);
        if (key_len == 0 || key[0] == '#')
                return BP_OK;
        eq = memchr(s, '=', len);
        if (!eq)
                return bp_config_errf(errstr, errstr_size,
                                      "%s:%d: expected \"key = value\"", name,
                                      lineno);
        key_len = (size_t)(eq - key);
        trim(&key, &key_len);
        if (key_len == 0)
                return bp_config_errf(errstr, errstr_size,
                                      "%s:%d: missing key before \"=\"", name,
                                      lineno);
        if (!key_valid(key, key_len))
                return bp_config_errf(
                    errstr, errstr_size,
                    "%s:%d: invalid key \"%.*s\": use letters, "
                    "digits, '.', '_' and '-'",
                    name, lineno,
                    (int)(key_len < KEY_ECHO_MAX ? key_len : KEY_ECHO_MAX),
                    key);
        msg =
            parse_value(eq + 1, len - (size_t)(eq + 1 - s), &value, &value_len);
        if (!msg && has_control(value, value_len))
                msg = "control character in value";
        if (msg)
                return bp_config_errf(errstr, errstr_size, "%s:%d: %s", name,
                                      lineno, msg);
        dup = find_key(out, first, key, key_len);
        if (dup >= 0)
                return bp_config_errf(
                    errstr, errstr_size,
                    "%s:%d: duplicate key \"%.*s\" (first set on "
                    "line %d)",
                    name, lineno, (int)key_len, key, out->v[dup].line);
        if (out->cnt - first >= BP_CONFIG_ENTRIES_MAX)
                return bp_config_errf(errstr, errstr_size,
                                      "%s:%d: more than %d keys in one file",
                                      name, lineno, BP_CONFIG_ENTRIES_MAX);
        return entries_add(out, key, key_len, value, value_len, lineno);
}

bp_err_t bp_config_file_read(const char *name, FILE *fp,
                             bp_config_entries_t *out, char *errstr,
                             size_t errstr_size) {
        char         *buf;
        size_t        len, first = out->cnt;
        int           lineno = 0;
        line_status_t st     = LINE_OK;
        bp_err_t      err    = BP_OK;

        buf = malloc(BP_CONFIG_LINE_MAX);
        if (!buf)
                return BP_ERR_NOMEM;
        while (err == BP_OK) {
                lineno++;
                st = read_line(fp, buf, &len);
                if (st == LINE_EOF)
                        break;
                if (st == LINE_TOO_LONG)
                        err = bp_config_errf(errstr, errstr_size,
                                             "%s:%d: line longer than %d bytes",
                                             name, lineno, BP_CONFIG_LINE_MAX);
                else if (st == LINE_NUL)
                        err = bp_config_errf(errstr, errstr_size,
                                             "%s:%d: NUL byte in line", name,
                                             lineno);
                else if (st == LINE_IO)
                        err = bp_config_errf(errstr, errstr_size,
                                             "%s:%d: read error", name, lineno);
                else if (lineno == 1 && len >= 3 &&
                         memcmp(buf, "\xef\xbb\xbf", 3) == 0)
                        /* An editor's UTF-8 byte order mark is not a key. */
                        err = parse_line(name, lineno, buf + 3, len - 3, out,
                                         first, errstr, errstr_size);
                else
                        err = parse_line(name, lineno, buf, len, out, first,
                                         errstr, errstr_size);
        }
        if (st == LINE_IO)
                err = BP_ERR_IO;
        free(buf);
        return err;
}

bp_err_t bp_config_sets_read(const char *const *sets, size_t set_cnt,
                             bp_config_entries_t *out, char *errstr,
                             size_t errstr_size) {
        size_t i, first = out->cnt;

        for (i = 0; i < set_cnt; i++) {
                const char *key = sets[i], *eq = strchr(sets[i], '='), *value;
                size_t      key_len = eq ? (size_t)(eq - key) : strlen(key);
                size_t      value_len;
                bp_err_t    err;

                int echo;

                trim(&key, &key_len);
                echo = (int)(key_len < KEY_ECHO_MAX ? key_len : KEY_ECHO_MAX);
                if (!eq)
                        return bp_config_errf(errstr, errstr_size,
                                              "--set %.*s: expected key=value",
                                              echo, key);
                if (!key_valid(key, key_len))
                        return bp_config_errf(
                            errstr, errstr_size,
                            "--set %.*s: invalid key: use letters, "
                            "digits, '.', '_' and '-'",
                            echo, key);
                if (find_key(out, first, key, key_len) >= 0)
                        return bp_config_errf(errstr, errstr_size,
                                              "--set %.*s: given twice", echo,
                                              key);
                value     = eq + 1;
                value_len = strlen(value);
                trim(&value, &value_len);
                if (has_control(value, value_len))
                        return bp_config_errf(
                            errstr, errstr_size,
                            "--set %.*s: control character in value", echo,
                            key);
                err = entries_add(out, key, key_len, value, value_len, 0);
                if (err)
                        return err;
        }
        return BP_OK;
}
