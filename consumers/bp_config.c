/*
 * bp_config.c - keys, defaults and typed values (see bp_config.h).
 *
 * One table, bp_config_keys[], is the single source of every key's name, type,
 * range, default and help text: parsing, the dump and the Markdown
 * reference all walk it, so the README cannot drift from the code. The
 * text syntax lives in bp_config_file.c; this file decides what the
 * entries mean. Every string the public struct points to is copied into
 * memory the configuration owns (the owned[] list), so the entries read
 * from the file can be freed as soon as the struct is built.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bp_config.h"
#include "bp_config_file.h"
#include "bp_config_priv.h"
#include "bp_config_ref.h"

#define F(field) offsetof(bp_config_t, field)

const bp_config_keydef_t bp_config_keys[BP_CONFIG_KEY_CNT] = {
    {"rules.dir", BP_CONFIG_PATH, "rules/", 0, 0, F(rules_dir),
     "Directory of the partner rules files."},
    {"rules.reload.max.changes", BP_CONFIG_CHANGE_LIMIT, "1%", 0, 0,
     F(rules_reload_max_changes),
     "Most badge grants and revocations a rules reload (SIGHUP) may make "
     "without confirmation, judged by each instance over its own "
     "partitions: a number, a share of the badges held there (`1%`: 1 % "
     "of them, but at least 100), or `off`. A reload that would make more "
     "is refused and logged with its counts per partner until "
     "`<rules.dir>/.confirm-<rules_version>` exists (see Rules changes)."},
    {"schemas.dir", BP_CONFIG_PATH, "schemas/", 0, 0, F(schemas_dir),
     "Directory of the Avro schemas (`.avsc`), used to resolve schema ids "
     "when `schema.registry.url` is unset."},
    {"state.dir", BP_CONFIG_PATH, "state/", 0, 0, F(state_dir),
     "Directory of the LMDB state store. Keep it on a persistent volume: "
     "it makes restarts restore only what changed since the last batch."},
    {"state.max.size.mb", BP_CONFIG_INT, "65536", 16, 16777216,
     F(state_max_size_mb),
     "Largest size the state store may reach (the LMDB map size), in MiB. "
     "It reserves address space, not memory or disk; raise it when the "
     "store reports it is full."},
    {"topics.profile_updated", BP_CONFIG_TOPIC, "profile-updated", 0, 0,
     F(topics.profile_updated), "Input topic of ProfileUpdated events."},
    {"topics.contract_completed", BP_CONFIG_TOPIC, "contract-completed", 0, 0,
     F(topics.contract_completed), "Input topic of ContractCompleted events."},
    {"topics.invitation_sent", BP_CONFIG_TOPIC, "invitation-sent", 0, 0,
     F(topics.invitation_sent), "Input topic of InvitationSent events."},
    {"topics.partner_decision", BP_CONFIG_TOPIC, "partner-decision", 0, 0,
     F(topics.partner_decision), "Input topic of PartnerDecision events."},
    {"topics.badge_events", BP_CONFIG_TOPIC, "badge-events", 0, 0,
     F(topics.badge_events),
     "Output topic of BadgeGranted and BadgeRevoked events."},
    {"topics.dlq", BP_CONFIG_TOPIC, "badge-dlq", 0, 0, F(topics.dlq),
     "Dead-letter topic: input records that cannot be processed, with "
     "`dlq.*` headers saying why."},
    {"topics.changelog", BP_CONFIG_TOPIC, "badge-state-changelog", 0, 0,
     F(topics.changelog),
     "Changelog topic of the state store (compacted), read on restore."},
    {"processing.guarantee", BP_CONFIG_GUARANTEE, "exactly_once", 0, 0,
     F(guarantee), "`exactly_once` (Kafka transactions) or `at_least_once`."},
    {"commit.interval.ms", BP_CONFIG_INT, "100", 1, 60000,
     F(commit_interval_ms),
     "How often a batch is committed while records keep coming, in ms: "
     "once this long has passed since the previous commit began, and the "
     "batch has been open for at least half of it."},
    {"batch.max.events", BP_CONFIG_INT, "10000", 1, 1000000,
     F(batch_max_events), "Most input records in one batch (one transaction)."},
    {"batch.poison.aborts", BP_CONFIG_INT, "3", 1, 100, F(batch_poison_aborts),
     "Aborted batches in a row, each refused by the cluster for a reason a "
     "record can cause (a record too large for its topic), before their "
     "records are redone one per batch; and aborts of such a one-record "
     "batch before its input record is dead-lettered (see Poison records). "
     "Timeouts and brokers moving never count."},
    {"partition.stall.timeout.ms", BP_CONFIG_INT, "60000", 1000, 86400000,
     F(partition_stall_timeout_ms),
     "How long, in ms, a partition may have input waiting without a "
     "committed batch before it counts as stalled: `/readyz` then answers "
     "503 saying why, and `badgeproc_partitions_stalled` counts it, until "
     "it commits again."},
    {"state.cache.max", BP_CONFIG_INT, "25000", 0, 100000000,
     F(state_cache_max),
     "Most freelancer states kept in memory between batches, over all "
     "assigned partitions (about 600 bytes each). Past it a partition's "
     "cache is emptied after a commit and its states are read from the "
     "store again."},
    {"state.flush.max.states", BP_CONFIG_INT, "2048", 64, 1000000,
     F(state_flush_max_states),
     "Most freelancer states per LMDB transaction when committed states "
     "are written to the store (about once a second, on a background "
     "thread). LMDB keeps the page buffers of its largest transaction, "
     "about 4 KiB per state in a large store; with `state.fsync`, each "
     "transaction costs an fsync. Raise it where writing speed matters "
     "more than memory."},
    {"state.fsync", BP_CONFIG_BOOL, "false", 0, 0, F(state_fsync),
     "`true`: every write of the store waits for the disk, and the store "
     "survives a machine crash. `false`: it is synced only at a clean "
     "stop; a killed process loses nothing, but after a machine crash "
     "(power loss, kernel panic) the store is discarded and restored from "
     "the changelog in full. About twice the throughput on a large "
     "store."},
    {"restore.read.ahead", BP_CONFIG_INT, "1000000", 1000, 10000000,
     F(restore_read_ahead),
     "Most changelog records a restore fetches ahead of the store. The "
     "default restores ~300,000 records/s but holds up to ~250 MiB more "
     "while a large restore runs; lower it to bound that memory."},
    {"instance.id", BP_CONFIG_ID, NULL, 0, 0, F(instance_id),
     "Stable name of this instance (letters, digits, `.`, `_`, `-`; at "
     "most 64). The transactional id is `<kafka.group.id>-<instance.id>`, "
     "so it must be unique in the group and the same across restarts."},
    {"schema.registry.url", BP_CONFIG_URL, "", 0, 0, F(schema_registry_url),
     "Confluent schema registry URL. Unset: schema ids are resolved from "
     "`schemas.dir`."},
    {"metrics.listen", BP_CONFIG_LISTEN, "127.0.0.1:9464", 0, 0,
     F(metrics_host),
     "Address of the HTTP server for `/metrics`, `/healthz` and `/readyz` "
     "(`host:port` or `[v6]:port`). Empty or `off` disables it; port 0 "
     "takes any free port."},
    {"stats.interval.ms", BP_CONFIG_INT, "5000", 0, 3600000,
     F(stats_interval_ms),
     "How often librdkafka statistics (consumer lag) are refreshed and a "
     "throughput line is logged, in ms. 0 disables both."},
    {"shutdown.timeout.ms", BP_CONFIG_INT, "30000", 1000, 3600000,
     F(shutdown_timeout_ms),
     "Longest a stop may take, in ms, from the end of processing (SIGTERM "
     "or a fatal error) to the exit: the last commit, leaving the group, "
     "closing the store. Past it the process logs `shutdown_forced` with "
     "the step it was stuck at and exits 1; the store restores what it "
     "missed from the changelog at the next start. Keep it below the "
     "orchestrator's grace period (60 s in `deploy/`)."},
    {"log.level", BP_CONFIG_LEVEL, "info", 0, 0, F(log_level),
     "`error`, `warn`, `info` or `debug`."},
    {"decision.log", BP_CONFIG_OPTIONAL, "", 0, 0, F(decision_log),
     "File that receives one JSON line per badge decision, with its "
     "reasons (an audit trail). Unset: off."},
};

#undef F

#define MSG_SIZE 256

_Static_assert(sizeof(bp_config_keys) / sizeof(bp_config_keys[0]) ==
                   BP_CONFIG_KEY_CNT,
               "BP_CONFIG_KEY_CNT must match the table");

/* Copies s[0..len) into memory the configuration owns. */
const char *bp_config_keep(bp_config_priv_t *priv, const char *s, size_t len) {
        char *copy;
        if (priv->owned_cnt == priv->owned_cap) {
                size_t cap   = priv->owned_cap ? priv->owned_cap * 2 : 32;
                char **owned = realloc(priv->owned, cap * sizeof(*owned));
                if (!owned)
                        return NULL;
                priv->owned     = owned;
                priv->owned_cap = cap;
        }
        copy = strndup(s, len);
        if (copy)
                priv->owned[priv->owned_cnt++] = copy;
        return copy;
}

const char *bp_config_keep_str(bp_config_priv_t *priv, const char *s) {
        return bp_config_keep(priv, s, strlen(s));
}

/* "file:line: key" or "--set key": the place an entry came from. */
static void where(char *buf, size_t size, const char *name,
                  const bp_config_entry_t *e) {
        if (e->line > 0)
                snprintf(buf, size, "%s:%d: %s", name, e->line, e->key);
        else
                snprintf(buf, size, "--set %s", e->key);
}

/* Levenshtein distance, for "did you mean"; large for long strings. */
static size_t edit_distance(const char *a, const char *b) {
        size_t row[65], la = strlen(a), lb = strlen(b), i, j;

        if (la > 64 || lb > 64)
                return SIZE_MAX;
        for (j = 0; j <= lb; j++)
                row[j] = j;
        for (i = 1; i <= la; i++) {
                size_t diag = row[0];
                row[0]      = i;
                for (j = 1; j <= lb; j++) {
                        size_t up   = row[j];
                        size_t best = diag + (a[i - 1] != b[j - 1]);
                        if (up + 1 < best)
                                best = up + 1;
                        if (row[j - 1] + 1 < best)
                                best = row[j - 1] + 1;
                        row[j] = best;
                        diag   = up;
                }
        }
        return row[lb];
}

static long key_find(const char *name) {
        size_t i;
        for (i = 0; i < BP_CONFIG_KEY_CNT; i++)
                if (strcmp(bp_config_keys[i].name, name) == 0)
                        return (long)i;
        return -1;
}

/* True when librdkafka knows name: the likely mistake is a missing
 * "kafka." prefix. Setting it on a scratch configuration is the one way
 * to ask, since unset properties cannot be read back. */
static bool is_kafka_property(const char *name) {
        rd_kafka_conf_t *kconf = rd_kafka_conf_new();
        char             errstr[256];
        bool             known;

        if (!kconf)
                return false;
        known = rd_kafka_conf_set(kconf, name, "", errstr, sizeof(errstr)) !=
                RD_KAFKA_CONF_UNKNOWN;
        rd_kafka_conf_destroy(kconf);
        return known;
}

static bp_err_t unknown_key(const char *name, const bp_config_entry_t *e,
                            char *errstr, size_t errstr_size) {
        char        place[MSG_SIZE], hint[MSG_SIZE] = "";
        size_t      i;
        const char *best   = NULL;
        size_t      best_d = 3; /* suggest only near misses */

        for (i = 0; i < BP_CONFIG_KEY_CNT; i++) {
                size_t d = edit_distance(e->key, bp_config_keys[i].name);
                if (d < best_d) {
                        best_d = d;
                        best   = bp_config_keys[i].name;
                }
        }
        if (best)
                snprintf(hint, sizeof(hint), " (did you mean \"%s\"?)", best);
        else if (is_kafka_property(e->key))
                snprintf(hint, sizeof(hint), " (did you mean \"kafka.%s\"?)",
                         e->key);
        if (e->line > 0)
                snprintf(place, sizeof(place), "%s:%d", name, e->line);
        else
                snprintf(place, sizeof(place), "--set %s", e->key);
        return bp_config_errf(errstr, errstr_size, "%s: unknown key \"%s\"%s",
                              place, e->key, hint);
}

/* Adds or (for an override) replaces a librdkafka property; src says
 * where it was given (its strings are copied). */
static bp_err_t kafka_put(bp_config_priv_t *priv, const char *name,
                          const char *value, const bp_config_src_t *src) {
        size_t i;

        for (i = 0; i < priv->kafka_cnt; i++)
                if (strcmp(priv->kafka[i].key, name) == 0)
                        break;
        if (i == priv->kafka_cnt && priv->kafka_cnt == priv->kafka_cap) {
                size_t cap = priv->kafka_cap ? priv->kafka_cap * 2 : 16;
                bp_config_kafka_t *kafka;
                bp_config_src_t   *kafka_src;

                kafka = realloc(priv->kafka, cap * sizeof(*kafka));
                if (kafka)
                        priv->kafka = kafka;
                kafka_src = realloc(priv->kafka_src, cap * sizeof(*kafka_src));
                if (kafka_src)
                        priv->kafka_src = kafka_src;
                if (!kafka || !kafka_src)
                        return BP_ERR_NOMEM;
                priv->kafka_cap = cap;
        }
        priv->kafka[i].key       = bp_config_keep_str(priv, name);
        priv->kafka[i].value     = bp_config_keep_str(priv, value);
        priv->kafka_src[i]       = *src;
        priv->kafka_src[i].where = bp_config_keep_str(priv, src->where);
        if (!priv->kafka[i].key || !priv->kafka[i].value ||
            !priv->kafka_src[i].where)
                return BP_ERR_NOMEM;
        if (i == priv->kafka_cnt)
                priv->kafka_cnt++;
        return BP_OK;
}

/* Checks a kafka.* entry for the properties the service sets itself. */
static bp_err_t kafka_entry(bp_config_priv_t *priv, const bp_config_entry_t *e,
                            const bp_config_src_t *src, char *errstr,
                            size_t errstr_size) {
        const char *name = e->key + BP_CONFIG_KAFKA_PREFIX_LEN;

        if (!*name)
                return bp_config_errf(
                    errstr, errstr_size,
                    "%s: missing librdkafka property after \"kafka.\"",
                    src->where);
        if (strcmp(name, "transactional.id") == 0)
                return bp_config_errf(
                    errstr, errstr_size,
                    "%s: set instance.id instead: the transactional "
                    "id is <kafka.group.id>-<instance.id>",
                    src->where);
        if (strcmp(name, "group.instance.id") == 0)
                return bp_config_errf(
                    errstr, errstr_size,
                    "%s: set instance.id instead: it names the static "
                    "member of the group",
                    src->where);
        if (strcmp(name, "statistics.interval.ms") == 0)
                return bp_config_errf(errstr, errstr_size,
                                      "%s: set stats.interval.ms instead",
                                      src->where);
        return kafka_put(priv, name, e->value, src);
}

/* Replaces a ${file:..} or ${env:..} value by what it names, in place
 * in priv, and records the reference in src. */
static bp_err_t ref_resolve(bp_config_priv_t *priv, const char **valuep,
                            bp_config_src_t *src, char *errstr,
                            size_t errstr_size) {
        char     msg[MSG_SIZE], *secret = NULL;
        bp_err_t err;

        if (!bp_config_ref_is(*valuep))
                return BP_OK;
        err = bp_config_ref_resolve(*valuep, &secret, msg, sizeof(msg));
        if (err == BP_ERR_CONFIG)
                return bp_config_errf(errstr, errstr_size, "%s: %s", src->where,
                                      msg);
        if (err)
                return err;
        src->ref = bp_config_keep_str(priv, *valuep);
        *valuep  = bp_config_keep_str(priv, secret);
        /* The secret's copy is freed with the configuration; this one
         * is wiped, so that it does not linger on the heap. */
        explicit_bzero(secret, strlen(secret));
        free(secret);
        return src->ref && *valuep ? BP_OK : BP_ERR_NOMEM;
}

/* Resolves the references of the effective kafka.* properties (one
 * overridden by --set is never read) and refuses an empty group id. */
static bp_err_t kafka_refs(bp_config_priv_t *priv, char *errstr,
                           size_t errstr_size) {
        size_t   i;
        bp_err_t err;

        for (i = 0; i < priv->kafka_cnt; i++) {
                err = ref_resolve(priv, &priv->kafka[i].value,
                                  &priv->kafka_src[i], errstr, errstr_size);
                if (err)
                        return err;
                if (strcmp(priv->kafka[i].key, "group.id") == 0 &&
                    !*priv->kafka[i].value)
                        return bp_config_errf(errstr, errstr_size,
                                              "%s: must not be empty",
                                              priv->kafka_src[i].where);
        }
        return BP_OK;
}

static void default_instance_id(char *buf, size_t size) {
        char   host[256];
        size_t i;

        if (gethostname(host, sizeof(host)) != 0)
                host[0] = '\0';
        host[sizeof(host) - 1] = '\0';
        /* A host name is stable per pod or machine; characters an id may
         * not hold become '-'. */
        for (i = 0; host[i] && i < BP_CONFIG_INSTANCE_ID_MAX && i + 1 < size;
             i++) {
                char c = host[i];
                buf[i] =
                    ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                     (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-')
                        ? c
                        : '-';
        }
        buf[i] = '\0';
        if (i == 0)
                snprintf(buf, size, "%s", BP_CONFIG_DEFAULT_GROUP_ID);
}

/* Records where entry i (of entries, from the file name) came from. */
static void src_of(bp_config_src_t *src, char *place, size_t place_size,
                   const char *name, const bp_config_entries_t *entries,
                   size_t i) {
        where(place, place_size, name, &entries->v[i]);
        src->line  = entries->v[i].line;
        src->seq   = i + 1;
        src->where = place;
        src->ref   = NULL;
}

/* Gives key i the text of entry e (-1: the default), reading what a
 * reference names. */
static bp_err_t key_apply(bp_config_priv_t *priv, size_t i,
                          const bp_config_entries_t *entries, long e,
                          const char *host_id, char *errstr,
                          size_t errstr_size) {
        const bp_config_keydef_t *k   = &bp_config_keys[i];
        bp_config_src_t          *src = &priv->src[i];
        char                      place[MSG_SIZE], msg[MSG_SIZE];
        const char               *text;
        bp_err_t                  err;

        if (e >= 0) {
                src_of(src, place, sizeof(place), priv->name, entries,
                       (size_t)e);
                text = entries->v[e].value;
                err  = ref_resolve(priv, &text, src, errstr, errstr_size);
                if (err)
                        return err;
        } else {
                snprintf(place, sizeof(place), "default %s", k->name);
                *src = (bp_config_src_t){-1, 0, place, NULL};
                text = k->def ? k->def : host_id;
        }
        err = bp_config_value_apply(priv, k, text, msg, sizeof(msg));
        if (err == BP_ERR_CONFIG && src->ref)
                /* The message may quote the value: a secret's. */
                snprintf(msg, sizeof(msg),
                         "the value of %.200s is invalid "
                         "here (not shown)",
                         src->ref);
        if (err == BP_ERR_CONFIG)
                return bp_config_errf(errstr, errstr_size, "%s: %s", place,
                                      msg);
        if (err)
                return err;
        src->where = bp_config_keep_str(priv, place);
        return src->where ? BP_OK : BP_ERR_NOMEM;
}

/* Gives every key its effective value: the last entry for it (--set
 * entries follow the file's), else the default. */
static bp_err_t resolve(bp_config_priv_t          *priv,
                        const bp_config_entries_t *entries, char *errstr,
                        size_t errstr_size) {
        long            src[BP_CONFIG_KEY_CNT];
        char            place[MSG_SIZE];
        char            host_id[BP_CONFIG_INSTANCE_ID_MAX + 1];
        size_t          i;
        bp_err_t        err;
        bp_config_src_t ksrc;

        for (i = 0; i < BP_CONFIG_KEY_CNT; i++)
                src[i] = -1;
        for (i = 0; i < entries->cnt; i++) {
                const bp_config_entry_t *e = &entries->v[i];
                long                     k;
                if (strncmp(e->key, BP_CONFIG_KAFKA_PREFIX,
                            BP_CONFIG_KAFKA_PREFIX_LEN) == 0) {
                        src_of(&ksrc, place, sizeof(place), priv->name, entries,
                               i);
                        err = kafka_entry(priv, e, &ksrc, errstr, errstr_size);
                        if (err)
                                return err;
                        continue;
                }
                k = key_find(e->key);
                if (k < 0)
                        return unknown_key(priv->name, e, errstr, errstr_size);
                src[k] = (long)i;
        }
        err = kafka_refs(priv, errstr, errstr_size);
        if (err)
                return err;
        default_instance_id(host_id, sizeof(host_id));
        for (i = 0; i < BP_CONFIG_KEY_CNT; i++) {
                err = key_apply(priv, i, entries, src[i], host_id, errstr,
                                errstr_size);
                if (err)
                        return err;
        }
        return BP_OK;
}

/* Fills the fields computed from others: group id and transactional id. */
static bp_err_t derive(bp_config_priv_t *priv) {
        size_t   i, len;
        char    *tid;
        bp_err_t err;

        for (i = 0; i < priv->kafka_cnt; i++)
                if (strcmp(priv->kafka[i].key, "group.id") == 0)
                        break;
        if (i == priv->kafka_cnt) {
                const bp_config_src_t def = {-1, 0, "default kafka.group.id",
                                             NULL};
                err = kafka_put(priv, "group.id", BP_CONFIG_DEFAULT_GROUP_ID,
                                &def);
                if (err)
                        return err;
        }
        priv->pub.group_id  = priv->kafka[i].value;
        priv->pub.kafka     = priv->kafka;
        priv->pub.kafka_cnt = priv->kafka_cnt;
        len = strlen(priv->pub.group_id) + strlen(priv->pub.instance_id) + 2;
        tid = malloc(len);
        if (!tid)
                return BP_ERR_NOMEM;
        snprintf(tid, len, "%s-%s", priv->pub.group_id, priv->pub.instance_id);
        priv->pub.transactional_id = bp_config_keep_str(priv, tid);
        free(tid);
        return priv->pub.transactional_id ? BP_OK : BP_ERR_NOMEM;
}

bp_err_t bp_config_read(bp_config_t **confp, const char *name, FILE *fp,
                        const char *const *sets, size_t set_cnt, char *errstr,
                        size_t errstr_size) {
        bp_config_entries_t entries = {0};
        bp_config_priv_t   *priv    = NULL;
        bp_err_t            err     = BP_OK;

        *confp = NULL;
        if (errstr_size > 0)
                errstr[0] = '\0';
        if (!name)
                name = "config";
        if (fp)
                err = bp_config_file_read(name, fp, &entries, errstr,
                                          errstr_size);
        if (!err)
                err = bp_config_sets_read(sets, set_cnt, &entries, errstr,
                                          errstr_size);
        if (err)
                goto out;
        priv = calloc(1, sizeof(*priv));
        if (!priv) {
                err = BP_ERR_NOMEM;
                goto out;
        }
        if (!(priv->name = bp_config_keep_str(priv, name))) {
                err = BP_ERR_NOMEM;
                goto out;
        }
        err = resolve(priv, &entries, errstr, errstr_size);
        if (!err)
                err = derive(priv);
        if (!err)
                err = bp_config_check(priv, errstr, errstr_size);
        if (!err) {
                *confp = &priv->pub;
                priv   = NULL;
        }
out:
        if (err == BP_ERR_NOMEM && errstr_size > 0)
                snprintf(errstr, errstr_size, "%s: out of memory", name);
        bp_config_destroy(priv ? &priv->pub : NULL);
        bp_config_entries_free(&entries);
        return err;
}

bp_err_t bp_config_new(bp_config_t **confp, const char *path,
                       const char *const *sets, size_t set_cnt, char *errstr,
                       size_t errstr_size) {
        FILE    *fp = NULL;
        bp_err_t err;

        if (path) {
                fp = fopen(path, "r");
                if (!fp) {
                        *confp = NULL;
                        bp_config_errf(errstr, errstr_size,
                                       "%s: cannot open: %s", path,
                                       strerror(errno));
                        return BP_ERR_IO;
                }
        }
        err =
            bp_config_read(confp, path, fp, sets, set_cnt, errstr, errstr_size);
        if (fp)
                fclose(fp);
        return err;
}

void bp_config_destroy(bp_config_t *conf) {
        bp_config_priv_t *priv = (bp_config_priv_t *)conf;
        size_t            i;

        if (!conf)
                return;
        for (i = 0; i < priv->owned_cnt; i++)
                free(priv->owned[i]);
        free(priv->owned);
        free(priv->kafka);
        free(priv->kafka_src);
        free(priv);
}

void bp_config_origin(const bp_config_priv_t *priv, const bp_config_src_t *src,
                      char *buf, size_t size) {
        if (src->line > 0)
                snprintf(buf, size, "%s:%d", priv->name, src->line);
        else
                snprintf(buf, size, "%s", src->line == 0 ? "--set" : "default");
}
