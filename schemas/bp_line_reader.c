/*
 * bp_line_reader.c - bounded line reader (see bp_line_reader.h).
 *
 * One buffer of max_line + 1 + BP_LINE_CHUNK bytes holds the unconsumed
 * input buf[start..end). Lines are returned in place; when the tail of
 * the buffer gets short, the unconsumed bytes move to its front. Since a
 * line is only kept while it is at most max_line long, the buffer always
 * has at least a chunk free to read into. A longer line switches the
 * reader to skipping: bytes are read and dropped up to the next newline,
 * and only their count is kept.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bp_line_reader.h"

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
        int      skipping; /* dropping the rest of an over-long line */
        size_t   skipped;  /* bytes of it dropped so far */
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

/* Drops input up to and including the next newline (or the end). */
static int skip_line(bp_line_reader_t *r, const char **line, size_t *len) {
        const char *nl;

        for (;;) {
                nl = memchr(r->buf + r->start, '\n', r->end - r->start);
                if (nl || r->eof)
                        break;
                r->skipped += r->end - r->start;
                r->start = r->end = r->scan = 0;
                if (fill(r) != 0)
                        return BP_ERR_IO;
        }
        if (nl) {
                r->skipped += (size_t)(nl - (r->buf + r->start));
                r->start = r->scan = (size_t)(nl - r->buf) + 1;
        } else {
                r->skipped += r->end - r->start;
                r->start = r->scan = r->end;
        }
        *line       = NULL;
        *len        = r->skipped;
        r->skipping = 0;
        r->skipped  = 0;
        r->lineno++;
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

        for (;;) {
                if (r->skipping)
                        return skip_line(r, line, len);
                nl = memchr(r->buf + r->scan, '\n', r->end - r->scan);
                if (nl) {
                        n = (size_t)(nl - (r->buf + r->start));
                        if (n > r->max_line) {
                                r->skipping = 1;
                                continue;
                        }
                        return give(r, n, (size_t)(nl - r->buf) + 1, line, len);
                }
                r->scan = r->end;
                if (r->end - r->start > r->max_line) {
                        r->skipping = 1;
                        continue;
                }
                if (r->eof) {
                        if (r->start == r->end)
                                return 0;
                        return give(r, r->end - r->start, r->end, line, len);
                }
                if (fill(r) != 0)
                        return BP_ERR_IO;
        }
}
