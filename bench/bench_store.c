/*
 * bench_store.c - throughput and size of the LMDB state store.
 *
 * Writes `records` records of `value_bytes` bytes in batches of `batch`
 * records, each batch also setting the checkpoint of every partition, as
 * the runtime's step 4 does; then reads random records through read
 * handles (one handle per 1,000 lookups, values borrowed) and through
 * bp_store_get() (a fresh snapshot per lookup, as the runtime's cache
 * misses do); then walks every partition with bp_store_foreach(). Ids are
 * spread over 12 partitions in a scrambled order so that writes land all over
 * the tree, as freelancers arriving at random do. Commits are durable (fsync)
 * unless --no-sync.
 *
 *   bench_store [--no-sync] [records] [batch] [value_bytes] [dir]
 *   defaults:              1000000   1000    200           a mkdtemp dir
 *
 * A directory made by the benchmark is removed at the end; one given on
 * the command line is left as it is.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bp_store.h"

#define PARTITIONS 12

static double now_s(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The i-th record's id and partition. Multiplying by an odd constant is a
 * bijection on 32 bits, so ids are unique and scrambled. */
static int32_t record_id(uint32_t i, char *id, size_t size) {
        uint32_t h = i * 2654435761u;
        snprintf(id, size, "freelancer-%010u", h);
        return (int32_t)(h % PARTITIONS);
}

static uint64_t rng_next(uint64_t *s) {
        *s ^= *s << 13;
        *s ^= *s >> 7;
        *s ^= *s << 17;
        return *s;
}

static void die(const char *what, bp_err_t err, const char *errstr) {
        fprintf(stderr, "bench_store: %s: %s: %s\n", what, bp_err_str(err),
                errstr);
        exit(1);
}

/* Fills value with pseudo-random bytes: encoded records do not compress
 * and LMDB does not try, but zeros could flatter the page cache. */
static void fill(unsigned char *value, size_t len, uint64_t *rng) {
        size_t i;
        for (i = 0; i < len; i++)
                value[i] = (unsigned char)rng_next(rng);
}

/* One batch: records [from, to) and a checkpoint per partition. */
static void put_batch(bp_store_t *store, uint32_t from, uint32_t to,
                      unsigned char *value, size_t value_bytes, uint64_t *rng) {
        bp_store_batch_t *batch;
        bp_checkpoint_t   cp;
        char              id[32], errstr[512];
        uint32_t          i;
        int32_t           p;
        bp_err_t          err;

        batch = bp_store_batch_begin(store, errstr, sizeof(errstr));
        if (!batch)
                die("batch_begin", BP_ERR_STATE, errstr);
        for (i = from; i < to; i++) {
                p = record_id(i, id, sizeof(id));
                fill(value, value_bytes, rng);
                err = bp_store_batch_put(batch, p, id, value, value_bytes,
                                         errstr, sizeof(errstr));
                if (err != BP_OK)
                        die("batch_put", err, errstr);
        }
        bp_checkpoint_init(&cp);
        snprintf(cp.rules_version, sizeof(cp.rules_version), "r-bench");
        for (p = 0; p < PARTITIONS; p++) {
                cp.input_offsets[0] = to;
                err = bp_store_batch_set_checkpoint(batch, p, &cp, errstr,
                                                    sizeof(errstr));
                if (err != BP_OK)
                        die("set_checkpoint", err, errstr);
        }
        err = bp_store_batch_commit(batch, errstr, sizeof(errstr));
        if (err != BP_OK)
                die("batch_commit", err, errstr);
}

static void bench_put(bp_store_t *store, uint32_t records, uint32_t batch_len,
                      size_t value_bytes) {
        unsigned char *value = malloc(value_bytes ? value_bytes : 1);
        uint64_t       rng   = 88172645463325252ull;
        uint32_t       from, to;
        double         t0, dt;

        if (!value)
                die("malloc", BP_ERR_NOMEM, "");
        t0 = now_s();
        for (from = 0; from < records; from = to) {
                to = records - from > batch_len ? from + batch_len : records;
                put_batch(store, from, to, value, value_bytes, &rng);
        }
        dt = now_s() - t0;
        printf("put:          %u records of %zu bytes, batches of %u: "
               "%.2f s, %.0f records/s, %.0f batches/s\n",
               records, value_bytes, batch_len, dt, records / dt,
               (records + batch_len - 1) / batch_len / dt);
        free(value);
}

static void bench_get_borrowed(bp_store_t *store, uint32_t records,
                               uint32_t lookups) {
        bp_store_read_t *rtxn = NULL;
        const void      *value;
        uint64_t         rng = 0x9e3779b97f4a7c15ull, sum = 0;
        char             id[32], errstr[512];
        uint32_t         i;
        size_t           len;
        int32_t          p;
        bp_err_t         err;
        double           t0, dt;

        t0 = now_s();
        for (i = 0; i < lookups; i++) {
                /* A handle per 1,000 lookups, as a batch of events would. */
                if (i % 1000 == 0) {
                        bp_store_read_end(rtxn);
                        err = bp_store_read_begin(store, &rtxn, errstr,
                                                  sizeof(errstr));
                        if (err != BP_OK)
                                die("read_begin", err, errstr);
                }
                p   = record_id((uint32_t)(rng_next(&rng) % records), id,
                                sizeof(id));
                err = bp_store_read_get(rtxn, p, id, &value, &len, errstr,
                                        sizeof(errstr));
                if (err != BP_OK)
                        die("read_get", err, errstr);
                sum += ((const unsigned char *)value)[0] + len;
        }
        bp_store_read_end(rtxn);
        dt = now_s() - t0;
        printf("get borrowed: %u random lookups: %.2f s, %.0f records/s "
               "(checksum %llu)\n",
               lookups, dt, lookups / dt, (unsigned long long)sum);
}

/* bp_store_get() + bp_store_get_done(): the runtime's cache-miss path,
 * a fresh snapshot per lookup. */
static void bench_lookup(bp_store_t *store, uint32_t records,
                         uint32_t lookups) {
        const void *value;
        uint64_t    rng = 0x2545f4914f6cdd1dull, sum = 0;
        char        id[32], errstr[512];
        uint32_t    i;
        size_t      len;
        int32_t     p;
        bp_err_t    err;
        double      t0, dt;

        t0 = now_s();
        for (i = 0; i < lookups; i++) {
                p   = record_id((uint32_t)(rng_next(&rng) % records), id,
                                sizeof(id));
                err = bp_store_get(store, p, id, &value, &len, errstr,
                                   sizeof(errstr));
                if (err != BP_OK)
                        die("get", err, errstr);
                sum += ((const unsigned char *)value)[0] + len;
                bp_store_get_done(store);
        }
        dt = now_s() - t0;
        printf("get lookup:   %u random bp_store_get(), a snapshot each: "
               "%.2f s, %.0f records/s (checksum %llu)\n",
               lookups, dt, lookups / dt, (unsigned long long)sum);
}

static int count_cb(const char *freelancer_id, const void *value, size_t len,
                    void *opaque) {
        (void)freelancer_id;
        (void)value;
        (void)len;
        (*(uint64_t *)opaque)++;
        return 0;
}

static void bench_scan(bp_store_t *store) {
        uint64_t cnt = 0;
        char     errstr[512];
        double   t0, dt;
        int      ret;
        int32_t  p;

        t0 = now_s();
        for (p = 0; p < PARTITIONS; p++) {
                ret = bp_store_foreach(store, p, count_cb, &cnt, errstr,
                                       sizeof(errstr));
                if (ret != 0)
                        die("foreach", (bp_err_t)ret, errstr);
        }
        dt = now_s() - t0;
        printf("foreach:      %llu records: %.2f s, %.0f records/s\n",
               (unsigned long long)cnt, dt, cnt / dt);
}

static void print_size(bp_store_t *store) {
        bp_store_stats_t stats;
        char             errstr[512];
        bp_err_t         err;

        err = bp_store_stats(store, &stats, errstr, sizeof(errstr));
        if (err != BP_OK)
                die("stats", err, errstr);
        printf("size:         %llu records, data.mdb %.1f MiB, %.0f bytes "
               "per record (in use %.0f)\n",
               (unsigned long long)stats.entries, stats.file_size / 1048576.0,
               (double)stats.file_size / (double)stats.entries,
               (double)stats.used_size / (double)stats.entries);
}

int main(int argc, char **argv) {
        bp_store_options_t opts;
        bp_store_t        *store;
        uint32_t           records = 1000000, batch_len = 1000;
        size_t             value_bytes = 200;
        char               tmp[512]    = "", errstr[512];
        const char        *dir         = NULL;
        int                a           = 1;

        bp_store_options_init(&opts);
        if (a < argc && !strcmp(argv[a], "--no-sync")) {
                opts.no_sync = true;
                a++;
        }
        if (a < argc)
                records = (uint32_t)strtoul(argv[a++], NULL, 10);
        if (a < argc)
                batch_len = (uint32_t)strtoul(argv[a++], NULL, 10);
        if (a < argc)
                value_bytes = (size_t)strtoul(argv[a++], NULL, 10);
        if (a < argc)
                dir = argv[a++];
        if (records == 0 || batch_len == 0) {
                fprintf(stderr, "usage: bench_store [--no-sync] [records] "
                                "[batch] [value_bytes] [dir]\n");
                return 2;
        }
        if (!dir) {
                const char *base = getenv("TMPDIR");
                snprintf(tmp, sizeof(tmp), "%s/bench_store.XXXXXX",
                         base && *base ? base : "/tmp");
                if (!mkdtemp(tmp)) {
                        perror("mkdtemp");
                        return 1;
                }
                dir = tmp;
        }
        store = bp_store_open(dir, &opts, errstr, sizeof(errstr));
        if (!store)
                die("open", BP_ERR_STATE, errstr);
        printf("store:        %s, commits %s\n", dir,
               opts.no_sync ? "without fsync (--no-sync)" : "durable (fsync)");
        bench_put(store, records, batch_len, value_bytes);
        print_size(store);
        bench_get_borrowed(store, records, records);
        bench_lookup(store, records, records);
        bench_scan(store);
        bp_store_close(store);
        if (tmp[0]) {
                char path[600];
                snprintf(path, sizeof(path), "%s/data.mdb", tmp);
                unlink(path);
                snprintf(path, sizeof(path), "%s/lock.mdb", tmp);
                unlink(path);
                rmdir(tmp);
        }
        return 0;
}
