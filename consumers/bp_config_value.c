/*
 * bp_config_value.c - the typed values of configuration keys.
 *
 * Each key of the table has a kind; this file checks a value's text
 * against its kind (range of an integer, name of an enum, shape of a topic
 * name, listen address or URL) and stores the result in the field the
 * table names. Messages never repeat a URL, which may hold a password.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bp_config_priv.h"

static bool name_chars_valid(const char *s, size_t max) {
        size_t i;
        for (i = 0; s[i]; i++) {
                char c = s[i];
                if (i == max ||
                    !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                      (c >= '0' && c <= '9') || c == '.' || c == '_' ||
                      c == '-'))
                        return false;
        }
        return i > 0;
}

/* Kafka's own rule for topic names. */
static bool topic_valid(const char *s) {
        return name_chars_valid(s, 249) && strcmp(s, ".") != 0 &&
               strcmp(s, "..") != 0;
}

static bool parse_int(const char *s, int min, int max, int *vp) {
        char *end;
        long  v;

        if (!*s)
                return false;
        errno = 0;
        v     = strtol(s, &end, 10);
        if (errno != 0 || *end != '\0' || v < min || v > max)
                return false;
        *vp = (int)v;
        return true;
}

/* Splits "host:port" or "[v6]:port"; the host must not be empty. */
static bool parse_listen(const char *s, const char **hostp, size_t *host_lenp,
                         int *portp) {
        const char *port;
        size_t      i;

        if (s[0] == '[') {
                const char *close = strchr(s, ']');
                if (!close || close[1] != ':')
                        return false;
                *hostp     = s + 1;
                *host_lenp = (size_t)(close - s - 1);
                port       = close + 2;
        } else {
                const char *colon = strrchr(s, ':');
                if (!colon || memchr(s, ':', (size_t)(colon - s)))
                        return false;
                *hostp     = s;
                *host_lenp = (size_t)(colon - s);
                port       = colon + 1;
        }
        for (i = 0; i < *host_lenp; i++)
                if ((*hostp)[i] == ' ' || (*hostp)[i] == '/' ||
                    (*hostp)[i] == '\t')
                        return false;
        if (*host_lenp == 0 || strlen(port) > 5 ||
            strspn(port, "0123456789") != strlen(port))
                return false;
        return parse_int(port, 0, 65535, portp);
}

static bp_err_t apply_listen(bp_config_priv_t *priv, const char *text,
                             char *msg, size_t msg_size) {
        const char *host;
        size_t      host_len;
        int         port;

        priv->pub.metrics_host = NULL;
        priv->pub.metrics_port = 0;
        if (!*text || strcmp(text, "off") == 0)
                return BP_OK;
        if (!parse_listen(text, &host, &host_len, &port)) {
                snprintf(msg, msg_size,
                         "expected host:port, [ipv6]:port, off or empty, got "
                         "\"%.64s\"",
                         text);
                return BP_ERR_CONFIG;
        }
        priv->pub.metrics_host = bp_config_keep(priv, host, host_len);
        priv->pub.metrics_port = port;
        return priv->pub.metrics_host ? BP_OK : BP_ERR_NOMEM;
}

/* Stores a string-valued key: paths, topic names, ids and URLs. */
static bp_err_t apply_string(const bp_config_keydef_t *k, const char *copy,
                             const char **str, char *msg, size_t msg_size) {
        *str = copy;
        switch (k->kind) {
        case BP_CONFIG_PATH:
                if (*copy)
                        return BP_OK;
                snprintf(msg, msg_size, "must not be empty");
                return BP_ERR_CONFIG;
        case BP_CONFIG_TOPIC:
                if (topic_valid(copy))
                        return BP_OK;
                snprintf(msg, msg_size,
                         "invalid topic name \"%.64s\": use 1 to 249 "
                         "letters, digits, '.', '_' and '-'",
                         copy);
                return BP_ERR_CONFIG;
        case BP_CONFIG_ID:
                if (name_chars_valid(copy, BP_CONFIG_INSTANCE_ID_MAX))
                        return BP_OK;
                snprintf(msg, msg_size,
                         "invalid id \"%.64s\": use 1 to %d letters, digits, "
                         "'.', '_' and '-'",
                         copy, BP_CONFIG_INSTANCE_ID_MAX);
                return BP_ERR_CONFIG;
        case BP_CONFIG_URL:
                if (!*copy)
                        *str = NULL;
                if (!*copy || ((strncmp(copy, "http://", 7) == 0 ||
                                strncmp(copy, "https://", 8) == 0) &&
                               copy[strcspn(copy, ":") + 3] != '\0'))
                        return BP_OK;
                /* The value is not repeated: it may hold a password. */
                snprintf(msg, msg_size, "expected an http:// or https:// URL");
                return BP_ERR_CONFIG;
        default: /* BP_CONFIG_OPTIONAL: empty means unset */
                if (!*copy)
                        *str = NULL;
                return BP_OK;
        }
}

/* Stores a key with a typed value: integers and names of enums. */
static bp_err_t apply_typed(const bp_config_keydef_t *k, const char *copy,
                            void *field, char *msg, size_t msg_size) {
        bp_config_guarantee_t *guarantee = field;

        switch (k->kind) {
        case BP_CONFIG_INT:
                if (parse_int(copy, k->min, k->max, field))
                        return BP_OK;
                snprintf(msg, msg_size,
                         "expected an integer from %d to %d, got \"%.64s\"",
                         k->min, k->max, copy);
                return BP_ERR_CONFIG;
        case BP_CONFIG_BOOL:
                if (strcmp(copy, "true") == 0 || strcmp(copy, "false") == 0) {
                        *(bool *)field = copy[0] == 't';
                        return BP_OK;
                }
                snprintf(msg, msg_size, "expected true or false, got \"%.64s\"",
                         copy);
                return BP_ERR_CONFIG;
        case BP_CONFIG_LEVEL:
                if (bp_log_level_parse(copy, field) == BP_OK)
                        return BP_OK;
                snprintf(msg, msg_size,
                         "expected error, warn, info or debug, got \"%.64s\"",
                         copy);
                return BP_ERR_CONFIG;
        default: /* BP_CONFIG_GUARANTEE */
                if (strcmp(copy, "exactly_once") == 0) {
                        *guarantee = BP_CONFIG_EXACTLY_ONCE;
                        return BP_OK;
                }
                if (strcmp(copy, "at_least_once") == 0) {
                        *guarantee = BP_CONFIG_AT_LEAST_ONCE;
                        return BP_OK;
                }
                snprintf(msg, msg_size,
                         "expected exactly_once or at_least_once, got "
                         "\"%.64s\"",
                         copy);
                return BP_ERR_CONFIG;
        }
}

/* Checks text against key k and stores it in its field. On BP_ERR_CONFIG
 * msg says what is wrong (without the place). */
bp_err_t bp_config_value_apply(bp_config_priv_t         *priv,
                               const bp_config_keydef_t *k, const char *text,
                               char *msg, size_t msg_size) {
        void       *field = (char *)&priv->pub + k->off;
        const char *copy  = bp_config_keep_str(priv, text);

        if (!copy)
                return BP_ERR_NOMEM;
        priv->text[k - bp_config_keys] = copy;
        switch (k->kind) {
        case BP_CONFIG_INT:
        case BP_CONFIG_BOOL:
        case BP_CONFIG_LEVEL:
        case BP_CONFIG_GUARANTEE:
                return apply_typed(k, copy, field, msg, msg_size);
        case BP_CONFIG_LISTEN:
                return apply_listen(priv, copy, msg, msg_size);
        case BP_CONFIG_CHANGE_LIMIT:
                return bp_change_limit_parse(copy, field, msg, msg_size);
        default:
                return apply_string(k, copy, field, msg, msg_size);
        }
}
