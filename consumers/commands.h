/*
 * commands.h - the subcommands of the badgeproc binary.
 *
 * main.c dispatches `badgeproc NAME ARGS...` to the entry point of NAME
 * through a table with one line per command; each command lives in its
 * own cmd_NAME.c. An entry point receives argv with argv[0] = NAME, so it
 * can parse its options with getopt_long as a program would, prints its
 * own --help, and returns the process exit status below.
 */
#ifndef BP_COMMANDS_H
#define BP_COMMANDS_H

/* Exit statuses shared by every command. */
#define BP_EXIT_OK 0       /* done, nothing to report */
#define BP_EXIT_FATAL 1    /* stopped: bad rules, unreadable input, I/O */
#define BP_EXIT_USAGE 2    /* wrong command line */
#define BP_EXIT_REJECTED 3 /* done, but some input was rejected */

/** `badgeproc run`: the service, a consumer group member that publishes
 *  badge events with exactly-once transactions (cmd_run.c). */
int bp_cmd_run(int argc, char **argv);

/** `badgeproc replay`: applies a JSON Lines file of input events to an
 *  in-memory state and prints the published badge events (cmd_replay.c). */
int bp_cmd_replay(int argc, char **argv);

/** `badgeproc gen`: writes a seeded stream of input events as JSON Lines
 *  (cmd_gen.c). */
int bp_cmd_gen(int argc, char **argv);

/** `badgeproc decode`: prints each file's framed Avro record as a JSON
 *  line, or the reason it is rejected (cmd_decode.c). */
int bp_cmd_decode(int argc, char **argv);

/** `badgeproc mock-cluster`: runs librdkafka's mock Kafka cluster on
 *  loopback until SIGINT/SIGTERM (cmd_mock_cluster.c). */
int bp_cmd_mock_cluster(int argc, char **argv);

/** `badgeproc produce`: encodes JSON Lines input events and produces them
 *  to their input topics (cmd_produce.c). */
int bp_cmd_produce(int argc, char **argv);

/** `badgeproc demo`: a mock cluster, a generated scenario and the
 *  processor in one process, with a live feed of the badge events
 *  (cmd_demo.c). */
int bp_cmd_demo(int argc, char **argv);

/** `badgeproc consume`: prints a topic's records as JSON lines
 *  (cmd_consume.c). */
int bp_cmd_consume(int argc, char **argv);

/** `badgeproc state`: prints what the state store holds, read-only
 *  (cmd_state.c). */
int bp_cmd_state(int argc, char **argv);

/** `badgeproc explain`: the timeline of one freelancer with every
 *  requirement evaluated, and whether a badge was held at a time
 *  (cmd_explain.c). */
int bp_cmd_explain(int argc, char **argv);

/** `badgeproc audit`: replays the inputs and compares with the published
 *  badge events (cmd_audit.c). */
int bp_cmd_audit(int argc, char **argv);

/** `badgeproc what-if`: replays history under two rule sets and lists the
 *  badges that would change (cmd_what_if.c). */
int bp_cmd_what_if(int argc, char **argv);

/** `badgeproc convert`: input events from JSON Lines, framed dumps, Avro
 *  container files or the input topics to any of the three file forms
 *  (cmd_convert.c). */
int bp_cmd_convert(int argc, char **argv);

#endif
