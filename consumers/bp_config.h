/*
 * bp_config.h - the service's configuration: one immutable value, built
 * once from a config file and `--set key=value` flags, passed explicitly.
 *
 * A config file holds `key = value` lines and `#` comments (the syntax is
 * described in bp_config_file.h); flags override the file. Every key this
 * service knows is listed, with its default and meaning, by
 * bp_config_describe(), which is where the README's reference comes from.
 * Keys under `kafka.` are not interpreted: they go to librdkafka as they
 * are, minus the prefix, in the order given. Any other key that is not
 * known is an error, so a typo never passes silently, and so is a key set
 * twice in the file or twice on the command line. Errors name the place:
 * `file:line: message` or `--set key: message`.
 *
 * Any value may be a reference instead, `${file:PATH}` or `${env:NAME}`
 * (bp_config_ref.h): a secret read from a file or the environment, never
 * printed. A configuration is checked as a whole when it is built
 * (bp_config_check.c): seven distinct topics, every kafka.* property
 * accepted by librdkafka and none that breaks what the runner relies on.
 *
 * bp_config_t is a struct of read-only fields rather than an opaque type
 * because the runtime reads many typed values from it, and a field name
 * that does not exist should fail to compile, not return NULL. The strings
 * it points to are owned by it; hand `const bp_config_t *` around and only
 * the code that built it calls bp_config_destroy().
 *
 * Secrets (passwords, keys, tokens, JAAS configs) are never printed: see
 * bp_config_is_secret() and bp_config_dump().
 */
#ifndef BP_CONFIG_H
#define BP_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <librdkafka/rdkafka.h>

#include "bp_change_limit.h"
#include "bp_error.h"
#include "bp_kafka.h"
#include "bp_log.h"

typedef enum bp_config_guarantee_e {
        BP_CONFIG_EXACTLY_ONCE  = 0,
        BP_CONFIG_AT_LEAST_ONCE = 1
} bp_config_guarantee_t;

/** One librdkafka property: key without the `kafka.` prefix (the type
 *  the Kafka helpers take, so the list passes through unchanged). */
typedef bp_kafka_kv_t bp_config_kafka_t;

/** The effective configuration. Every string is owned by the struct and
 *  lives until bp_config_destroy(); optional ones are NULL when unset. */
typedef struct bp_config_s {
        const char *rules_dir; /* rules.dir */
        bp_change_limit_t
                    rules_reload_max_changes; /* rules.reload.max.changes */
        const char *state_dir;                /* state.dir */
        const char *schemas_dir;              /* schemas.dir */
        struct {
                const char *profile_updated;    /* topics.profile_updated */
                const char *contract_completed; /* topics.contract_completed */
                const char *invitation_sent;    /* topics.invitation_sent */
                const char *partner_decision;   /* topics.partner_decision */
                const char *badge_events;       /* topics.badge_events */
                const char *dlq;                /* topics.dlq */
                const char *changelog;          /* topics.changelog */
        } topics;
        bp_config_guarantee_t guarantee;           /* processing.guarantee */
        int                   commit_interval_ms;  /* commit.interval.ms */
        int                   batch_max_events;    /* batch.max.events */
        int                   batch_poison_aborts; /* batch.poison.aborts */
        int         partition_stall_timeout_ms; /* partition.stall.timeout.ms */
        int         state_cache_max;            /* state.cache.max */
        int         state_flush_max_states;     /* state.flush.max.states */
        bool        state_fsync;                /* state.fsync */
        int         restore_read_ahead;         /* restore.read.ahead */
        int         stats_interval_ms;          /* 0: off */
        int         shutdown_timeout_ms;        /* shutdown.timeout.ms */
        int         state_max_size_mb;          /* state.max.size.mb */
        const char *schema_registry_url;        /* NULL: local map */
        const char *decision_log;               /* NULL: off */
        bp_log_level_t log_level;               /* log.level */
        /* metrics.listen, split: host NULL when metrics are off. */
        const char *metrics_host;     /* "127.0.0.1", "::1", "0.0.0.0", ... */
        int         metrics_port;     /* 0..65535; 0: any free port */
        const char *instance_id;      /* instance.id, default the host name */
        const char *group_id;         /* kafka.group.id, default "badgeproc" */
        const char *transactional_id; /* "<group_id>-<instance_id>" */
        /* Every kafka.* key, group.id included, in the order given. */
        const bp_config_kafka_t *kafka;
        size_t                   kafka_cnt;
} bp_config_t;

/**
 * Builds the configuration from the file at path (NULL: none, defaults
 * only) and the set_cnt arguments of `--set` in sets ("key=value"), which
 * win over the file. On success stores a new configuration in *confp
 * (free it with bp_config_destroy()) and returns BP_OK. Otherwise *confp
 * is NULL, errstr holds one line saying where and what, and the result is
 * BP_ERR_CONFIG (bad content, a reference that cannot be read),
 * BP_ERR_IO (file unreadable) or BP_ERR_NOMEM. Every class is a stop:
 * the service cannot start until the configuration is fixed.
 */
bp_err_t bp_config_new(bp_config_t **confp, const char *path,
                       const char *const *sets, size_t set_cnt, char *errstr,
                       size_t errstr_size);

/**
 * As bp_config_new(), from the open stream fp (read to its end, not
 * closed) whose name is used in messages. fp may be NULL: no file.
 */
bp_err_t bp_config_read(bp_config_t **confp, const char *name, FILE *fp,
                        const char *const *sets, size_t set_cnt, char *errstr,
                        size_t errstr_size);

/**
 * Checks what `run` needs beyond a loadable configuration (which
 * `--print-config` does not): brokers to connect to, i.e.
 * kafka.bootstrap.servers (or librdkafka's kafka.test.mock.num.brokers,
 * its in-process mock cluster). Returns BP_OK, or BP_ERR_CONFIG with a
 * message in errstr.
 */
bp_err_t bp_config_check_run(const bp_config_t *conf, char *errstr,
                             size_t errstr_size);

/** Frees conf and every string it holds. NULL-safe. */
void bp_config_destroy(bp_config_t *conf);

/**
 * Sets every kafka.* property of conf on kconf with rd_kafka_conf_set(),
 * in order. On the first property librdkafka refuses, returns
 * BP_ERR_CONFIG with "where: kafka.name: librdkafka's reason" in errstr
 * (where is the file:line or --set that gave it; for a secret property,
 * or a value read through a reference, a reason that quotes the value is
 * left out). bp_config_new() has already done this once, on a scratch
 * configuration, so on the configuration it built this only fails for
 * lack of memory.
 */
bp_err_t bp_config_kafka_apply(const bp_config_t *conf, rd_kafka_conf_t *kconf,
                               char *errstr, size_t errstr_size);

/**
 * True when the value of key (with or without the `kafka.` prefix, any
 * case, '_' same as '.') is a credential that must never be printed:
 * anything holding password, passwd, secret, token, credential, private,
 * jaas, api.key or user.info, every ssl.key.* property, and
 * sasl.oauthbearer.config.
 */
bool bp_config_is_secret(const char *key);

/**
 * Writes every effective key of conf to out as `key = value` lines, in
 * the order of bp_config_describe() and then the kafka.* keys in their
 * order, with secret values as [redacted] and any user:password in
 * schema.registry.url too; a value read through a reference is
 * `[redacted] # from ${file:PATH}` (or ${env:NAME}). Apart from the redactions
 * the output is a valid config file that gives the same configuration.
 */
void bp_config_dump(const bp_config_t *conf, FILE *out);

/**
 * Writes the reference of every key as a Markdown table (key, default,
 * meaning) to out. It depends on nothing but this module's key table.
 */
void bp_config_describe(FILE *out);

/** Returns "exactly_once" or "at_least_once". */
const char *bp_config_guarantee_name(bp_config_guarantee_t guarantee);

#endif
