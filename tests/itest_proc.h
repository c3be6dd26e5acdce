/*
 * itest_proc.h - helpers of the runtime integration tests written in C:
 * run the badgeproc binary as a child process with a time bound, follow
 * its key=value log, and judge the badge events it published against the
 * replay oracle.
 *
 * Everything here fails the running cmocka test on an unexpected error
 * (so callers need no error paths), and every wait is bounded: a child
 * that outlives its bound is killed with SIGKILL and the test fails.
 * $BP_BIN names the binary and $BP_SRC the source tree (ctest sets both);
 * children run in $BP_SRC, where the codec finds schemas/.
 */
#ifndef ITEST_PROC_H
#define ITEST_PROC_H

#include <stddef.h>
#include <sys/types.h>

/** The most arguments a child may be given. */
#define ITEST_ARGS_MAX 32

/** A new empty temporary directory (mkdtemp under /tmp) in dir, which
 *  must hold 64 bytes. */
void itest_tmpdir(char *dir, const char *what);

/** Removes dir and everything below it. */
void itest_rmdir(const char *dir);

/**
 * Starts $BP_BIN with args (NULL-terminated, without argv[0]) in $BP_SRC,
 * stdin from /dev/null, stdout to out_path and stderr to err_path
 * (either NULL: /dev/null). Returns the child's pid.
 */
pid_t itest_spawn(const char *const *args, const char *out_path,
                  const char *err_path);

/**
 * Waits at most timeout_ms for pid to exit and returns its exit status;
 * on timeout kills it and fails the test. A child killed by a signal is
 * a failure too.
 */
int itest_wait(pid_t pid, int timeout_ms, const char *what);

/** Kills pid with SIGKILL and reaps it, whatever its state; for clean-up
 *  after a failure. pid <= 0 is a no-op. */
void itest_kill(pid_t pid);

/** itest_spawn() then itest_wait(): the exit status. */
int itest_run(const char *const *args, const char *out_path,
              const char *err_path, int timeout_ms);

/** The file's content, NUL-terminated; the caller frees it. */
char *itest_slurp(const char *path);

/**
 * The runner's last reported value of counter field ("applied",
 * "batches", "aborted" ...) in its log at log_path: the last progress or
 * stopped line. 0 before any.
 */
long itest_log_counter(const char *log_path, const char *field);

/* Prints the last n lines of a log to stderr: what a failed wait shows,
 * since the log's directory is removed after the case. */
void itest_print_tail(const char *log_path, int n);

/** Lines of the log at log_path that contain needle. */
int itest_log_count(const char *log_path, const char *needle);

/**
 * Waits until the running runner pid has reported field >= min, then
 * until none of its counters has moved for quiet_ms (the batch in flight
 * is committed by then: commit.interval.ms is far shorter), and returns
 * -1. If the runner exits first, reaps it and returns its exit status.
 * Fails the test after timeout_ms.
 */
int itest_wait_settled(pid_t pid, const char *log_path, const char *field,
                       long min, int quiet_ms, int timeout_ms);

/** Waits until the log at log_path has at least n lines containing
 *  needle; fails after timeout_ms. */
void itest_wait_log(const char *log_path, const char *needle, int n,
                    int timeout_ms);

/** Sends SIGTERM to the runner and expects exit status 0 within 30 s. */
void itest_stop(pid_t pid);

/** What a comparison of published badge events with the oracle found. */
typedef struct itest_verdict_s {
        size_t published; /* lines read from badge-events */
        size_t expected;  /* lines of the replay */
        size_t distinct;  /* distinct event_ids published */
        size_t repeated;  /* published - distinct */
} itest_verdict_t;

/**
 * Judges got_path (badge events as `badgeproc consume` prints them)
 * against want_path (a replay): every replayed event_id published, no
 * other; the first copy of each event equal to the replay's but for
 * cause, and the first copies in the replay's order per freelancer; every
 * further copy of an event_id identical to its first (an exact
 * redelivery of a batch that was aborted: the mock cluster shows aborted
 * data). Fails the test otherwise; fills *v.
 */
void itest_judge(const char *got_path, const char *want_path,
                 itest_verdict_t *v);

/**
 * Who holds which badge at the end of the badge events in path: for each
 * (freelancer, partner), the event with the highest badge_version, kept
 * when it is a grant. Returns the sorted "freelancer partner" lines, one
 * string; the caller frees it. Redeliveries do not change it.
 */
char *itest_holders(const char *path);

#endif
