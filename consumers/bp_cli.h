/*
 * bp_cli.h - what the Kafka tools share on the command line: numbers and
 * lists from flags, librdkafka properties given as -X key=value, the stop
 * flag set by SIGINT/SIGTERM, and one-line key=value logs on stderr.
 *
 * The tools (mock-cluster, produce, consume) are small librdkafka programs
 * in the manner of kcat: a signal handler that only sets a flag, a main
 * loop that looks at it, and one path out that releases everything.
 */
#ifndef BP_CLI_H
#define BP_CLI_H

#include <stddef.h>

#include "bp_error.h"
#include "bp_kafka.h"

/**
 * Parses s, the value of flag, as a decimal integer in min..max. Returns 0
 * with *out set, or -1 after printing "CMD: --FLAG: expected an integer
 * MIN..MAX, got \"s\"" to stderr.
 */
int bp_cli_int(const char *cmd, const char *flag, const char *s, long min,
               long max, long *out);

/** A list of strings owned by the list. */
typedef struct bp_cli_list_s {
        char **items;
        size_t cnt;
} bp_cli_list_t;

/**
 * Splits s at commas into list (emptied first, then owning copies). Empty
 * items ("a,,b", a trailing comma) are refused: BP_ERR_INVALID, with
 * list empty. BP_ERR_NOMEM on allocation failure.
 */
bp_err_t bp_cli_list_split(bp_cli_list_t *list, const char *s);

/** Frees what list owns and empties it. */
void bp_cli_list_free(bp_cli_list_t *list);

/** librdkafka properties from -X key=value flags, in command-line order. */
typedef struct bp_cli_props_s {
        bp_kafka_kv_t *kv; /* key and value point into one owned copy */
        size_t         cnt;
} bp_cli_props_t;

/**
 * Appends the property "key=value" in arg (copied). Returns BP_OK,
 * BP_ERR_INVALID when arg has no '=' or an empty key, BP_ERR_NOMEM.
 */
bp_err_t bp_cli_props_add(bp_cli_props_t *props, const char *arg);

/** Frees what props owns and empties it. */
void bp_cli_props_free(bp_cli_props_t *props);

/** The options every Kafka tool takes: where the cluster is, where the
 *  schemas are, and librdkafka properties. Strings are borrowed from
 *  argv. */
typedef struct bp_cli_kafka_s {
        const char    *brokers;    /* -b, --brokers LIST */
        const char    *schema_map; /* -m, --schema-map FILE */
        const char    *registry;   /* -r, --registry URL */
        bp_cli_props_t props;      /* -X key=value, repeatable */
} bp_cli_kafka_t;

/** getopt_long entries and short option letters of bp_cli_kafka_t. */
#define BP_CLI_KAFKA_LONGOPTS                               \
        {"brokers", required_argument, NULL, 'b'},          \
            {"schema-map", required_argument, NULL, 'm'}, { \
                "registry", required_argument, NULL, 'r'    \
        }
#define BP_CLI_KAFKA_SHORTOPTS "b:m:r:X:"

/**
 * Takes getopt's option c with argument arg when it is one of
 * bp_cli_kafka_t's. Returns 1 when taken, 0 when c is another option, -1
 * after printing "CMD: -X: expected key=value, got ..." (or out of
 * memory) to stderr.
 */
int bp_cli_kafka_opt(const char *cmd, bp_cli_kafka_t *k, int c,
                     const char *arg);

/**
 * A new configuration (owned by the caller) holding bootstrap.servers from
 * k, then the default_cnt defaults, then k's -X properties, which win.
 * Its log callback is bp_kafka_log_cb. NULL with errstr set, as by
 * bp_kafka_conf_new().
 */
rd_kafka_conf_t *bp_cli_kafka_conf(const bp_cli_kafka_t *k,
                                   const bp_kafka_kv_t  *defaults,
                                   size_t default_cnt, char *errstr,
                                   size_t errstr_size);

/** Frees what k owns (its properties). */
void bp_cli_kafka_free(bp_cli_kafka_t *k);

/**
 * Installs handlers for SIGINT and SIGTERM that only set the stop flag.
 * Returns 0, or -1 with errno set.
 */
int bp_cli_stop_on_signals(void);

/** Non-zero once SIGINT or SIGTERM has arrived. */
int bp_cli_stopping(void);

/**
 * The signal that asked to stop (0: none yet), and in *sender (may be
 * NULL) the pid of the process that sent it (0 when the kernel or a
 * terminal did): a stop nobody expected can then be traced to its sender.
 */
int bp_cli_stop_signal(long *sender);

/**
 * Writes one log line to stderr: "level=LEVEL cmd=CMD " then the
 * printf-formatted rest, which should be key=value pairs; a value with
 * spaces or quotes goes through bp_cli_quote().
 */
void bp_cli_log(const char *level, const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/**
 * Logs "level=error cmd=CMD msg=WHAT error=ERROR", both values quoted as
 * needed: the line a tool writes before it stops.
 */
void bp_cli_fatal(const char *cmd, const char *what, const char *error);

/**
 * Returns s as a key=value value: s itself when it is one plain word, else
 * s quoted (quotes and backslashes escaped, newlines as spaces) in buf,
 * truncated to fit. The result lives as long as s and buf.
 */
const char *bp_cli_quote(const char *s, char *buf, size_t size);

#endif
