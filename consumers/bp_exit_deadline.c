/*
 * bp_exit_deadline.c - the stop's deadline (bp_exit_deadline.h): a thread
 * waiting on a condition variable for the stop to finish, with the
 * monotonic clock so that a change of the wall clock does not move it.
 * _exit() and not exit(): the threads still inside the client library
 * must not run atexit handlers or destructors under it. The store loses
 * nothing by it: its committed transactions are in the file, and what
 * was not yet written comes back from the changelog at the next start.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "bp_exit_deadline.h"
#include "bp_log.h"

struct bp_exit_deadline_s {
        pthread_t       thread;
        pthread_mutex_t lock;
        pthread_cond_t  cond;
        struct timespec at;
        bool            done;
        int             timeout_ms;
        const char     *phase;
};

static void *watch(void *arg) {
        bp_exit_deadline_t *d  = arg;
        int                 rc = 0;

        pthread_mutex_lock(&d->lock);
        while (!d->done && rc != ETIMEDOUT)
                rc = pthread_cond_timedwait(&d->cond, &d->lock, &d->at);
        if (!d->done) {
                BP_LOG(BP_LOG_ERROR, "shutdown_forced",
                       "phase=%s timeout_ms=%d status=1 "
                       "reason=\"the stop did not finish in "
                       "shutdown.timeout.ms; the state store restores what "
                       "it missed from the changelog at the next start\"",
                       d->phase, d->timeout_ms);
                _exit(1);
        }
        pthread_mutex_unlock(&d->lock);
        return NULL;
}

bp_exit_deadline_t *bp_exit_deadline_start(int timeout_ms, const char *phase) {
        bp_exit_deadline_t *d = calloc(1, sizeof(*d));
        pthread_condattr_t  attr;

        if (!d)
                return NULL;
        d->timeout_ms = timeout_ms;
        d->phase      = phase;
        clock_gettime(CLOCK_MONOTONIC, &d->at);
        d->at.tv_sec += timeout_ms / 1000;
        d->at.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
        if (d->at.tv_nsec >= 1000000000L) {
                d->at.tv_sec++;
                d->at.tv_nsec -= 1000000000L;
        }
        pthread_mutex_init(&d->lock, NULL);
        pthread_condattr_init(&attr);
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
        pthread_cond_init(&d->cond, &attr);
        pthread_condattr_destroy(&attr);
        if (pthread_create(&d->thread, NULL, watch, d)) {
                pthread_cond_destroy(&d->cond);
                pthread_mutex_destroy(&d->lock);
                free(d);
                return NULL;
        }
        return d;
}

void bp_exit_deadline_phase(bp_exit_deadline_t *d, const char *phase) {
        if (!d)
                return;
        pthread_mutex_lock(&d->lock);
        d->phase = phase;
        pthread_mutex_unlock(&d->lock);
}

void bp_exit_deadline_stop(bp_exit_deadline_t *d) {
        if (!d)
                return;
        pthread_mutex_lock(&d->lock);
        d->done = true;
        pthread_cond_signal(&d->cond);
        pthread_mutex_unlock(&d->lock);
        pthread_join(d->thread, NULL);
        pthread_cond_destroy(&d->cond);
        pthread_mutex_destroy(&d->lock);
        free(d);
}
