/*
 * bp_config_priv.h - what the files of the config module share.
 *
 * Internal to bp_config.c (keys and building), bp_config_value.c (typed
 * values), bp_config_check.c (checks across keys) and bp_config_dump.c
 * (printing): the key table, the allocation behind a bp_config_t, where
 * each value came from, and the helper that copies strings into it. No
 * other module includes it.
 */
#ifndef BP_CONFIG_PRIV_H
#define BP_CONFIG_PRIV_H

#include <stddef.h>

#include "bp_config.h"

typedef enum bp_config_kind_e {
        BP_CONFIG_PATH,        /* a non-empty path */
        BP_CONFIG_OPTIONAL,    /* a path, empty = unset (NULL) */
        BP_CONFIG_TOPIC,       /* a Kafka topic name */
        BP_CONFIG_INT,         /* an integer in [min, max] */
        BP_CONFIG_BOOL,        /* true | false */
        BP_CONFIG_GUARANTEE,   /* exactly_once | at_least_once */
        BP_CONFIG_LEVEL,       /* a log level name */
        BP_CONFIG_LISTEN,      /* host:port, [v6]:port, off or empty */
        BP_CONFIG_URL,         /* http(s) URL, empty = unset */
        BP_CONFIG_ID,          /* instance id; default from the host name */
        BP_CONFIG_CHANGE_LIMIT /* N, P% or off (bp_change_limit.h) */
} bp_config_kind_t;

typedef struct bp_config_keydef_s {
        const char      *name;
        bp_config_kind_t kind;
        const char      *def; /* default text; NULL for instance.id */
        int              min, max;
        size_t           off; /* the field of bp_config_t it fills */
        const char      *help;
} bp_config_keydef_t;

/* The table of every key (bp_config.c), BP_CONFIG_KEY_CNT entries. */
#define BP_CONFIG_KEY_CNT 28
extern const bp_config_keydef_t bp_config_keys[BP_CONFIG_KEY_CNT];

#define BP_CONFIG_KAFKA_PREFIX "kafka."
#define BP_CONFIG_KAFKA_PREFIX_LEN 6
#define BP_CONFIG_DEFAULT_GROUP_ID "badgeproc"
#define BP_CONFIG_INSTANCE_ID_MAX 64

/* Where one effective value came from. */
typedef struct bp_config_src_s {
        int         line;  /* the file's line; 0: --set; -1: the default */
        size_t      seq;   /* order given: entry i is i + 1; a default 0 */
        const char *where; /* "file:line: key", "--set key", "default key" */
        const char *ref;   /* the ${file:..} or ${env:..} it was read
                            * from (the value is then a secret), or NULL */
} bp_config_src_t;

/* The allocation behind a bp_config_t: the public struct first, so a
 * bp_config_t pointer converts back to this. */
typedef struct bp_config_priv_s {
        bp_config_t        pub;
        const char        *name; /* the file's, in messages */
        const char        *text[BP_CONFIG_KEY_CNT]; /* effective text */
        bp_config_src_t    src[BP_CONFIG_KEY_CNT];
        char             **owned; /* every string, freed at the end */
        size_t             owned_cnt, owned_cap;
        bp_config_kafka_t *kafka;
        bp_config_src_t   *kafka_src;
        size_t             kafka_cnt, kafka_cap;
} bp_config_priv_t;

/**
 * Copies s[0..len) into memory the configuration owns; NULL on ENOMEM.
 */
const char *bp_config_keep(bp_config_priv_t *priv, const char *s, size_t len);

/** As bp_config_keep() for a NUL-terminated string. */
const char *bp_config_keep_str(bp_config_priv_t *priv, const char *s);

/**
 * Checks text against key k and stores it (a copy) in its field of
 * priv->pub and in priv->text. Returns BP_OK, BP_ERR_NOMEM, or
 * BP_ERR_CONFIG with msg saying what is wrong (without the place).
 */
bp_err_t bp_config_value_apply(bp_config_priv_t         *priv,
                               const bp_config_keydef_t *k, const char *text,
                               char *msg, size_t msg_size);

/**
 * Writes src's origin into buf: "file:line", "--set" or "default".
 */
void bp_config_origin(const bp_config_priv_t *priv, const bp_config_src_t *src,
                      char *buf, size_t size);

/**
 * The checks no single key can make, run once every value is in priv:
 * the seven topics distinct, every kafka.* property accepted by
 * librdkafka, none that breaks what the runner relies on (exactly-once
 * above all), and no empty list of brokers. Returns BP_OK, BP_ERR_NOMEM,
 * or BP_ERR_CONFIG with "where: message" in errstr.
 */
bp_err_t bp_config_check(const bp_config_priv_t *priv, char *errstr,
                         size_t errstr_size);

#endif
