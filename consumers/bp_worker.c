/*
 * bp_worker.c - a background thread that runs one job at a time (see
 * bp_worker.h).
 *
 * A mutex and one condition variable carry the hand-over both ways: the
 * submitter sets a job and signals; the thread runs it with the mutex
 * released, stores the outcome, clears the job and signals back. For the
 * store writer: LMDB allows a write transaction on any thread as long as
 * it begins and ends on that thread (the environment is opened
 * MDB_NOTLS), and readers on other threads never wait for it.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bp_worker.h"

struct bp_worker_s {
        pthread_t        thread;
        pthread_mutex_t  mu;
        pthread_cond_t   cv;
        bp_worker_job_fn fn; /* the job in flight; NULL when idle */
        void            *arg;
        bool             stop;
        bp_err_t         err; /* the last job's outcome, until waited for */
        char             errstr[512];
};

static void *worker_main(void *opaque) {
        bp_worker_t *w = opaque;
        pthread_mutex_lock(&w->mu);
        for (;;) {
                while (!w->fn && !w->stop)
                        pthread_cond_wait(&w->cv, &w->mu);
                if (!w->fn)
                        break; /* stop, nothing left to run */
                pthread_mutex_unlock(&w->mu);
                char     errstr[sizeof(w->errstr)] = "";
                bp_err_t err = w->fn(w->arg, errstr, sizeof(errstr));
                pthread_mutex_lock(&w->mu);
                w->err = err;
                memcpy(w->errstr, errstr, sizeof(errstr));
                w->fn = NULL;
                pthread_cond_broadcast(&w->cv);
        }
        pthread_mutex_unlock(&w->mu);
        return NULL;
}

bp_worker_t *bp_worker_new(char *errstr, size_t errstr_size) {
        bp_worker_t *w = calloc(1, sizeof(*w));
        int          rc;
        if (!w) {
                snprintf(errstr, errstr_size, "out of memory");
                return NULL;
        }
        pthread_mutex_init(&w->mu, NULL);
        pthread_cond_init(&w->cv, NULL);
        if ((rc = pthread_create(&w->thread, NULL, worker_main, w))) {
                snprintf(errstr, errstr_size,
                         "cannot start a worker thread: %s", strerror(rc));
                pthread_cond_destroy(&w->cv);
                pthread_mutex_destroy(&w->mu);
                free(w);
                return NULL;
        }
        return w;
}

void bp_worker_submit(bp_worker_t *w, bp_worker_job_fn fn, void *arg) {
        pthread_mutex_lock(&w->mu);
        /* One job at a time: the caller waited for the previous one. */
        while (w->fn)
                pthread_cond_wait(&w->cv, &w->mu);
        w->fn  = fn;
        w->arg = arg;
        pthread_cond_broadcast(&w->cv);
        pthread_mutex_unlock(&w->mu);
}

bp_err_t bp_worker_wait(bp_worker_t *w, char *errstr, size_t errstr_size) {
        bp_err_t err;
        pthread_mutex_lock(&w->mu);
        while (w->fn)
                pthread_cond_wait(&w->cv, &w->mu);
        err = w->err;
        if (err)
                snprintf(errstr, errstr_size, "%s", w->errstr);
        w->err = BP_OK; /* reported once */
        pthread_mutex_unlock(&w->mu);
        return err;
}

bool bp_worker_busy(bp_worker_t *w) {
        bool busy;
        pthread_mutex_lock(&w->mu);
        busy = w->fn != NULL;
        pthread_mutex_unlock(&w->mu);
        return busy;
}

void bp_worker_destroy(bp_worker_t *w) {
        if (!w)
                return;
        pthread_mutex_lock(&w->mu);
        w->stop = true;
        pthread_cond_broadcast(&w->cv);
        pthread_mutex_unlock(&w->mu);
        /* The thread runs the job in flight to its end, then leaves. */
        pthread_join(w->thread, NULL);
        pthread_cond_destroy(&w->cv);
        pthread_mutex_destroy(&w->mu);
        free(w);
}
