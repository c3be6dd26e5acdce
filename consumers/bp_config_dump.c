/*
 * bp_config_dump.c - printing configuration: the effective values with
 * secrets redacted, and the Markdown reference of every key.
 *
 * Whether a key is secret is decided by its name, generously: a value
 * wrongly hidden costs an operator a look at the file, a value wrongly
 * shown may cost a credential. A value read through a ${file:} or ${env:}
 * reference is hidden whatever its key: that is what references are for.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "bp_config_priv.h"

bool bp_config_is_secret(const char *key) {
        static const char *const words[] = {
            "password", "passwd", "secret",  "token",  "credential",
            "private",  "jaas",   "api.key", "apikey", "user.info",
        };
        char   norm[256];
        size_t i;

        if (!key)
                return false;
        if (strncmp(key, BP_CONFIG_KAFKA_PREFIX, BP_CONFIG_KAFKA_PREFIX_LEN) ==
            0)
                key += BP_CONFIG_KAFKA_PREFIX_LEN;
        /* Case and '_' for '.' do not make a key less secret. */
        for (i = 0; key[i] && i + 1 < sizeof(norm); i++) {
                char c  = key[i];
                norm[i] = c == '_' ? '.' : (c >= 'A' && c <= 'Z') ? c + 32 : c;
        }
        norm[i] = '\0';
        for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
                if (strstr(norm, words[i]))
                        return true;
        return strncmp(norm, "ssl.key.", 8) == 0 ||
               strcmp(norm, "sasl.oauthbearer.config") == 0;
}

/* Writes a value so that the config file syntax reads it back as is. */
static void dump_value(FILE *out, const char *v) {
        size_t len   = strlen(v);
        bool   quote = len == 0 || v[0] == ' ' || v[0] == '\t' || v[0] == '"' ||
                     v[len - 1] == ' ' || v[len - 1] == '\t' || strchr(v, '#');

        if (!quote) {
                fputs(v, out);
                return;
        }
        fputc('"', out);
        for (; *v; v++) {
                if (*v == '"' || *v == '\\')
                        fputc('\\', out);
                fputc(*v, out);
        }
        fputc('"', out);
}

/* Writes a URL with any user:password@ replaced by [redacted]@. */
static void dump_url(FILE *out, const char *url) {
        const char *auth = strstr(url, "://");
        const char *at, *end;

        if (!auth) {
                dump_value(out, url);
                return;
        }
        auth += 3;
        end = auth + strcspn(auth, "/?#");
        at  = memchr(auth, '@', (size_t)(end - auth));
        if (!at) {
                dump_value(out, url);
                return;
        }
        fprintf(out, "%.*s[redacted]%s", (int)(auth - url), url, at);
}

/* A value read through a reference: hidden, whatever its key, with where
 * it came from as a comment (the file syntax ends a value at " #"). */
static void dump_ref(FILE *out, const char *ref) {
        fprintf(out, "[redacted] # from %s", ref);
}

void bp_config_dump(const bp_config_t *conf, FILE *out) {
        const bp_config_priv_t *priv = (const bp_config_priv_t *)conf;
        size_t                  i;

        fprintf(out, "# effective configuration; secrets are shown as "
                     "[redacted]\n");
        for (i = 0; i < BP_CONFIG_KEY_CNT; i++) {
                fprintf(out, "%s = ", bp_config_keys[i].name);
                if (priv->src[i].ref)
                        dump_ref(out, priv->src[i].ref);
                else if (bp_config_is_secret(bp_config_keys[i].name))
                        fputs("[redacted]", out);
                else if (bp_config_keys[i].kind == BP_CONFIG_URL)
                        dump_url(out, priv->text[i]);
                else
                        dump_value(out, priv->text[i]);
                fputc('\n', out);
        }
        for (i = 0; i < conf->kafka_cnt; i++) {
                fprintf(out, "kafka.%s = ", conf->kafka[i].key);
                if (priv->kafka_src[i].ref)
                        dump_ref(out, priv->kafka_src[i].ref);
                else if (bp_config_is_secret(conf->kafka[i].key))
                        fputs("[redacted]", out);
                else
                        dump_value(out, conf->kafka[i].value);
                fputc('\n', out);
        }
        fprintf(out, "# derived: transactional.id = %s\n",
                conf->transactional_id);
}

void bp_config_describe(FILE *out) {
        size_t i;

        fprintf(out, "| key | default | meaning |\n|---|---|---|\n");
        fprintf(out,
                "| `kafka.*` | `kafka.group.id` = `%s` | Passed to "
                "librdkafka without the prefix, in the order given "
                "(e.g. `kafka.bootstrap.servers`, needed by `run`, "
                "`kafka.security.protocol`), and checked by it when the "
                "configuration is loaded. Not allowed: "
                "`kafka.transactional.id` and `kafka.group.instance.id` "
                "(see `instance.id`), `kafka.statistics.interval.ms` (see "
                "`stats.interval.ms`), and values that would break "
                "exactly-once (docs/operating.md, Configuration "
                "checks). |\n",
                BP_CONFIG_DEFAULT_GROUP_ID);
        for (i = 0; i < BP_CONFIG_KEY_CNT; i++) {
                fprintf(out, "| `%s` | ", bp_config_keys[i].name);
                if (!bp_config_keys[i].def)
                        fputs("the host name", out);
                else if (!*bp_config_keys[i].def)
                        fputs("unset", out);
                else
                        fprintf(out, "`%s`", bp_config_keys[i].def);
                fprintf(out, " | %s |\n", bp_config_keys[i].help);
        }
}

const char *bp_config_guarantee_name(bp_config_guarantee_t guarantee) {
        return guarantee == BP_CONFIG_AT_LEAST_ONCE ? "at_least_once"
                                                    : "exactly_once";
}
