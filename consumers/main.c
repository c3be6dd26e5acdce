/*
 * main.c - the badgeproc binary: one executable, one subcommand per job.
 *
 * `badgeproc NAME ARGS...` runs the command NAME from the table below with
 * argv shifted so that the command sees argv[0] = NAME. Adding a command is
 * one line in the table and its declaration in commands.h. `badgeproc
 * help NAME` is the same as `badgeproc NAME --help`.
 */
#include <stdio.h>
#include <string.h>

#include "commands.h"

#ifndef BP_VERSION
#define BP_VERSION "unknown"
#endif

typedef struct bp_command_s {
        const char *name;
        int (*run)(int argc, char **argv);
        const char *help; /* one line, shown by `badgeproc --help` */
} bp_command_t;

static const bp_command_t bp_commands[] = {
    {"demo", bp_cmd_demo,
     "see it work: mock cluster, generated events, live badge feed"},
    {"run", bp_cmd_run,
     "consume the input topics and publish badge events (the service)"},
    {"replay", bp_cmd_replay,
     "apply a JSON Lines file of events, print the badge events"},
    {"gen", bp_cmd_gen,
     "write a seeded stream of realistic input events as JSON lines"},
    {"decode", bp_cmd_decode,
     "print framed Avro records as JSON lines, or why they are rejected"},
    {"mock-cluster", bp_cmd_mock_cluster,
     "run a mock Kafka cluster on loopback until SIGINT/SIGTERM"},
    {"produce", bp_cmd_produce,
     "produce a JSON Lines file of input events to their Kafka topics"},
    {"consume", bp_cmd_consume, "print a Kafka topic's records as JSON lines"},
    {"state", bp_cmd_state,
     "print the state store's freelancers or checkpoints (read-only)"},
    {"convert", bp_cmd_convert,
     "input events between JSON Lines, framed dumps and Avro files"},
    {"explain", bp_cmd_explain,
     "why a freelancer did or did not hold a badge: timeline, every check"},
    {"audit", bp_cmd_audit,
     "compare the published badge events with a replay of the inputs"},
    {"what-if", bp_cmd_what_if,
     "which badges a rules change would grant or revoke over history"},
};

#define BP_COMMAND_CNT (sizeof(bp_commands) / sizeof(bp_commands[0]))

static void usage(FILE *out) {
        size_t i;

        fprintf(out, "usage: badgeproc COMMAND [OPTIONS]\n"
                     "       badgeproc help COMMAND | --help | --version\n"
                     "\n"
                     "Decides which freelancers hold which partner's Expert "
                     "badge.\n"
                     "\n"
                     "commands:\n");
        for (i = 0; i < BP_COMMAND_CNT; i++)
                fprintf(out, "  %-12s %s\n", bp_commands[i].name,
                        bp_commands[i].help);
        fprintf(out, "\n`badgeproc COMMAND --help` describes a command.\n");
}

static const bp_command_t *find_command(const char *name) {
        size_t i;

        for (i = 0; i < BP_COMMAND_CNT; i++)
                if (strcmp(bp_commands[i].name, name) == 0)
                        return &bp_commands[i];
        return NULL;
}

static int unknown_command(const char *name) {
        fprintf(stderr, "badgeproc: unknown command \"%s\"\n\n", name);
        usage(stderr);
        return BP_EXIT_USAGE;
}

/* `badgeproc help [NAME]`. */
static int help(int argc, char **argv) {
        static char         help_opt[] = "--help";
        const bp_command_t *cmd;
        char               *args[] = {NULL, help_opt, NULL};

        if (argc < 3) {
                usage(stdout);
                return BP_EXIT_OK;
        }
        cmd = find_command(argv[2]);
        if (!cmd)
                return unknown_command(argv[2]);
        args[0] = argv[2];
        return cmd->run(2, args);
}

int main(int argc, char **argv) {
        const bp_command_t *cmd;

        if (argc < 2) {
                usage(stderr);
                return BP_EXIT_USAGE;
        }
        if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
                usage(stdout);
                return BP_EXIT_OK;
        }
        if (strcmp(argv[1], "--version") == 0) {
                printf("badgeproc %s\n", BP_VERSION);
                return BP_EXIT_OK;
        }
        if (strcmp(argv[1], "help") == 0)
                return help(argc, argv);
        cmd = find_command(argv[1]);
        if (!cmd)
                return unknown_command(argv[1]);
        return cmd->run(argc - 1, argv + 1);
}
