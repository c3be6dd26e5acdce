/*
 * bp_line_reader.c - bounded line reader (see bp_line_reader.h).
 *
 * One buffer of max_line + 1 + BP_LINE_CHUNK bytes holds the unconsumed
 * input buf[start..end). Lines are returned in place; when the tail of
 * the buffer gets short, the unconsumed bytes move to its front. Since a
 * line is only kept while it is at most max_line long, the buffer always
 * has at least a chunk free to read into. A longer line stops the reader
 * for good (see bp_line_reader.h for why it does not skip to the next
 * newline): it reads nothing more and says so at every call.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bp_line_reader.h"

_Static_assert(BP_LINE_MAX_DEFAULT == 1048576,
               "BP_LINE_TOO_LONG_MSG names the limit");

/* Bytes asked of read() at a time, at least. */
#define BP_LINE_CHUNK (64 * 1024)

struct bp_line_reader_s {
        int      fd;
        size_t   max_line;
        char    *buf;
        size_t   cap;
        size_t   start;    /* first unconsumed byte */
        size_t   end;      /* end of the bytes read */
        size_t   scan;     /* buf[start..scan) holds no newline */
        int      eof;      /* read() returned 0 */
        int      too_long; /* stopped at an over-long line */
        uint64_t lineno;
};

bp_line_reader_t *bp_line_reader_new(int fd, size_t max_line) {
        bp_line_reader_t *r;

        if (max_line == 0 || max_line > SIZE_MAX / 2)
                return NULL;
        r = calloc(1, sizeof(*r));
        if (!r)
                return NULL;
        r->fd       = fd;
        r->max_line = max_line;
        r->cap      = max_line + 1 + BP_LINE_CHUNK;
        r->buf      = malloc(r->cap);
        if (!r->buf) {
                free(r);
                return NULL;
        }
        return r;
}

void bp_line_reader_destroy(bp_line_reader_t *r) {
        if (!r)
                return;
        free(r->buf);
        free(r);
}

uint64_t bp_line_reader_lineno(const bp_line_reader_t *r) {
        return r->lineno;
}

/* Reads more input after buf[end], first moving the unconsumed bytes to
 * the front when less than a chunk is free. 0 on success or end of input,
 * BP_ERR_IO on error. */
static int fill(bp_line_reader_t *r) {
        ssize_t n;

        if (r->cap - r->end < BP_LINE_CHUNK && r->start > 0) {
                memmove(r->buf, r->buf + r->start, r->end - r->start);
                r->end -= r->start;
                r->scan -= r->start;
                r->start = 0;
        }
        do
                n = read(r->fd, r->buf + r->end, r->cap - r->end);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return BP_ERR_IO;
        if (n == 0)
                r->eof = 1;
        r->end += (size_t)n;
        return 0;
}

/* Stops the reader at the over-long line it is in. */
static int stop_long(bp_line_reader_t *r, const char **line, size_t *len) {
        if (!r->too_long) {
                r->too_long = 1;
                r->lineno++;
        }
        *line = NULL;
        *len  = r->max_line + 1;
        return BP_ERR_TOO_LARGE;
}

/* Hands out buf[start..start+n) as a line and consumes next bytes. */
static int give(bp_line_reader_t *r, size_t n, size_t next, const char **line,
                size_t *len) {
        *line = r->buf + r->start;
        if (n > 0 && (*line)[n - 1] == '\r')
                n--;
        *len     = n;
        r->start = r->scan = next;
        r->lineno++;
        return 1;
}

int bp_line_reader_next(bp_line_reader_t *r, const char **line, size_t *len) {
        const char *nl;
        size_t      n;

        if (r->too_long)
                return stop_long(r, line, len);
        for (;;) {
                nl = memchr(r->buf + r->scan, '\n', r->end - r->scan);
                if (nl) {
                        n = (size_t)(nl - (r->buf + r->start));
                        if (n > r->max_line)
                                return stop_long(r, line, len);
                        return give(r, n, (size_t)(nl - r->buf) + 1, line, len);
                }
                r->scan = r->end;
                if (r->end - r->start > r->max_line)
                        return stop_long(r, line, len);
                if (r->eof) {
                        if (r->start == r->end)
                                return 0;
                        return give(r, r->end - r->start, r->end, line, len);
                }
                if (fill(r) != 0)
                        return BP_ERR_IO;
        }
}
