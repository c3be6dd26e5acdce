/*
 * bp_demo.h - the demo's run: cluster, producer, processor and feed.
 *
 * cmd_demo.c reads the command line and finds the files; bp_demo_run()
 * does the rest (see cmd_demo.c for why the processor runs in process).
 */
#ifndef BP_DEMO_H
#define BP_DEMO_H

#include <stdbool.h>
#include <stdint.h>

#include "bp_codec.h"
#include "bp_gen.h"

typedef struct bp_demo_opts_s {
        bp_gen_conf_t gen;
        uint64_t      events;
        uint64_t      rate;       /* events/s; 0: all at once */
        int           partitions; /* of every topic */
        int           timeout_s;
        const char   *rules_dir;
        const char   *schema_map;
        const char   *state_dir;      /* exists, empty; removed by caller */
        const char   *metrics_listen; /* HOST:PORT or "off" */
        const char   *output;         /* NULL: no JSON Lines copy */
        const char   *brokers;        /* a real cluster; NULL: the mock */
        bool          quiet, verbose;
        char          rules_version[64];
} bp_demo_opts_t;

/**
 * Runs the demo as o says, printing the feed and the summary on stdout
 * and errors on stderr. Returns the exit status: BP_EXIT_OK when every
 * generated event was produced, processed and committed and the output
 * was read back; BP_EXIT_FATAL on any failure, a timeout or a signal.
 */
int bp_demo_run(const bp_demo_opts_t *o);

#endif
