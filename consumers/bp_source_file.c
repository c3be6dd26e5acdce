/*
 * bp_source_file.c - the file source of the history tools (see
 * bp_source.h): the input files, their forms, and the merge of several.
 *
 * Each --input is opened as one bp_input_t (a directory as one per file
 * in it, in name order) in the form --input-format gives, or that its
 * first bytes show under auto. JSON Lines files are read here, with the
 * loop `replay` always had: a bounded line reader, the JSON Lines parser,
 * a rejection line for every line that is not an event (a line over the
 * limit stops the file instead). Dumps and
 * container files are bp_source_avro.c's.
 *
 * The merge keeps the next event of every file at hand and hands out the
 * one with the smallest (occurred_at, file position); the file it came
 * from reads its next event only when the caller asks for another, since
 * the caller borrows the event until then.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bp_jsonl.h"
#include "bp_line_reader.h"
#include "bp_ocf.h"
#include "bp_progress.h"
#include "bp_source_int.h"
#include "bp_tool.h"

/* Most files one source reads (each holds a descriptor and a decoder). */
#define BP_SOURCE_FILES_MAX 256

typedef struct files_source_s {
        bp_source_t  base;
        bp_input_t **inputs; /* BP_SOURCE_FILES_MAX of them */
        size_t       cnt;
        bp_input_t  *last; /* handed out its head last time */
        bool         started;
        /* On a terminal: events read and their rate (the whole is not
         * known in events, so there is no ETA). NULL: off. */
        bp_progress_t *progress;
} files_source_t;

/* Prints `where: msg` about in, prefixed by its path when with_path. */
static void input_say(bp_input_t *in, bool with_path, const char *where,
                      const char *msg) {
        /* Inputs belong to a files source: the progress line makes way. */
        bp_progress_clear(((files_source_t *)in->src)->progress);
        if (with_path)
                fprintf(stderr, "%s:%s: %s\n", in->path, where, msg);
        else
                fprintf(stderr, "%s: %s\n", where, msg);
}

void bp_input_reject(bp_input_t *in, const char *where, const char *msg) {
        in->src->stats.rejected++;
        input_say(in, in->named, where, msg);
}

int bp_input_fatal(bp_input_t *in, const char *where, const char *msg) {
        /* A stop names the file, even the only one, but for stdin. */
        input_say(in, strcmp(in->path, "-") != 0, where, msg);
        bp_tool_fatal(in->src->cmd, "unreadable input", "input", in->path, msg);
        return -1;
}

/* --- JSON Lines --- */

typedef struct jsonl_input_s {
        bp_line_reader_t  *reader;
        bp_jsonl_parser_t *parser;
} jsonl_input_t;

static void jsonl_close(bp_input_t *in) {
        jsonl_input_t *j = in->kind;

        if (!j)
                return;
        bp_line_reader_destroy(j->reader);
        bp_jsonl_parser_destroy(j->parser);
        free(j);
}

static bool is_blank(const char *line, size_t len) {
        size_t i;

        for (i = 0; i < len; i++)
                if (line[i] != ' ' && line[i] != '\t')
                        return false;
        return true;
}

static int jsonl_next(bp_input_t *in, bp_event_t *ev, bp_cause_t *cause) {
        jsonl_input_t *j = in->kind;
        const char    *line;
        size_t         len;
        char           errstr[512], where[40];
        int            rc;
        bp_err_t       err;

        while ((rc = bp_line_reader_next(j->reader, &line, &len)) != 0) {
                if (rc == BP_ERR_IO) {
                        bp_tool_fatal(in->src->cmd, "cannot read input",
                                      "input", in->path, strerror(errno));
                        return -1;
                }
                in->read = bp_line_reader_lineno(j->reader);
                in->src->stats.read++;
                snprintf(where, sizeof(where), "line %" PRIu64, in->read);
                /* Not JSON Lines (a binary file, /dev/zero): the file
                 * stops here, as one whose framing is broken. */
                if (rc == BP_ERR_TOO_LARGE)
                        return bp_input_fatal(in, where, BP_LINE_TOO_LONG_MSG);
                if (is_blank(line, len))
                        continue;
                err = bp_jsonl_parser_parse(j->parser, line, len, ev, errstr,
                                            sizeof(errstr));
                if (err == BP_ERR_NOMEM) {
                        bp_tool_fatal(in->src->cmd, "out of memory", NULL, NULL,
                                      NULL);
                        return -1;
                }
                if (err != BP_OK) {
                        bp_input_reject(in, where, errstr);
                        continue;
                }
                cause->offset = (int64_t)(in->read - 1);
                return 1;
        }
        return 0;
}

static int jsonl_open(bp_input_t *in) {
        jsonl_input_t *j = calloc(1, sizeof(*j));

        in->kind  = j;
        in->next  = jsonl_next;
        in->close = jsonl_close;
        if (j) {
                j->reader = bp_line_reader_new(in->fd, BP_LINE_MAX_DEFAULT);
                j->parser = bp_jsonl_parser_new();
        }
        if (j && j->reader && j->parser)
                return 0;
        bp_tool_fatal(in->src->cmd, "out of memory", NULL, NULL, NULL);
        return -1;
}

/* --- opening --- */

/* The form of in under auto, from its first bytes: "Obj\x01" is a
 * container file; a NUL byte first (a dump record's length is far below
 * 16 MiB) is a dump; anything else JSON Lines. -1 when the file cannot
 * be looked into without consuming it (a pipe). */
static int sniff(bp_input_t *in) {
        uint8_t b[BP_OCF_MAGIC_SIZE];
        ssize_t n = pread(in->fd, b, sizeof(b), 0);

        if (n < 0) {
                bp_tool_fatal(in->src->cmd,
                              "--input-format auto needs a file it can "
                              "look into; name the format",
                              "input", in->path, strerror(errno));
                return -1;
        }
        if (n == BP_OCF_MAGIC_SIZE && memcmp(b, BP_OCF_MAGIC, n) == 0)
                in->format = BP_SOURCE_FMT_AVRO;
        else if (n > 0 && b[0] == 0)
                in->format = BP_SOURCE_FMT_FRAMED;
        else
                in->format = BP_SOURCE_FMT_JSONL;
        return 0;
}

static void input_close(bp_input_t *in) {
        if (!in)
                return;
        if (in->close)
                in->close(in);
        if (in->own_fd)
                close(in->fd);
        free(in->path);
        free(in);
}

/* Opens path as input number index of fs. 0, or -1 after logging. */
static int input_open(files_source_t *fs, const char *path) {
        bp_source_t *src = &fs->base;
        bp_input_t  *in  = calloc(1, sizeof(*in));

        if (!in || !(in->path = strdup(path))) {
                free(in);
                bp_tool_fatal(src->cmd, "out of memory", NULL, NULL, NULL);
                return -1;
        }
        fs->inputs[fs->cnt++] = in;
        in->src               = src;
        in->index             = (int)(fs->cnt - 1);
        in->format            = src->opts->format;
        in->fd                = STDIN_FILENO;
        if (strcmp(path, "-") != 0) {
                if ((in->fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
                        bp_tool_fatal(src->cmd, "cannot open input", "input",
                                      path, strerror(errno));
                        return -1;
                }
                in->own_fd = true;
        }
        if (in->format == BP_SOURCE_FMT_AUTO && sniff(in))
                return -1;
        return in->format == BP_SOURCE_FMT_JSONL ? jsonl_open(in)
                                                 : bp_input_avro_open(in);
}

static int by_name(const void *a, const void *b) {
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Opens the regular files of directory dir (not those whose name starts
 * with '.') in name order. 0, or -1 after logging. */
static int open_dir(files_source_t *fs, const char *dir, DIR *d) {
        struct dirent *de;
        struct stat    st;
        char         **names = calloc(BP_SOURCE_FILES_MAX, sizeof(*names));
        char           path[4096];
        size_t         cnt = 0, i;
        int            rc  = -1;

        if (!names) {
                bp_tool_fatal(fs->base.cmd, "out of memory", NULL, NULL, NULL);
                return -1;
        }
        while ((de = readdir(d))) {
                snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
                if (de->d_name[0] == '.' || stat(path, &st) != 0 ||
                    !S_ISREG(st.st_mode))
                        continue;
                if (fs->cnt + cnt >= BP_SOURCE_FILES_MAX) {
                        bp_tool_fatal(fs->base.cmd, "too many input files",
                                      "input", dir, NULL);
                        goto out;
                }
                if (!(names[cnt++] = strdup(path))) {
                        bp_tool_fatal(fs->base.cmd, "out of memory", NULL, NULL,
                                      NULL);
                        goto out;
                }
        }
        qsort(names, cnt, sizeof(*names), by_name);
        for (i = 0; i < cnt; i++)
                if (input_open(fs, names[i]))
                        goto out;
        rc = 0;
out:
        for (i = 0; i < cnt; i++)
                free(names[i]);
        free(names);
        return rc;
}

/* Opens one --input: a file, "-" or a directory. 0, or -1 after logging. */
static int open_arg(files_source_t *fs, const char *arg) {
        DIR *d = strcmp(arg, "-") ? opendir(arg) : NULL;
        int  rc;

        if (!d) {
                if (fs->cnt >= BP_SOURCE_FILES_MAX) {
                        bp_tool_fatal(fs->base.cmd, "too many input files",
                                      "input", arg, NULL);
                        return -1;
                }
                return input_open(fs, arg);
        }
        rc = open_dir(fs, arg, d);
        closedir(d);
        return rc;
}

/* --- the merge --- */

/* Reads in's next event into its head. 0, or -1 on a fatal error. */
static int refill(bp_input_t *in) {
        int rc = in->next(in, &in->head, &in->head_cause);

        in->has_head = rc == 1;
        if (rc != 1)
                return rc;
        in->head_cause.event_id  = in->head.event_id;
        in->head_cause.topic     = bp_event_type_name(in->head.type);
        in->head_cause.partition = in->index;
        return 0;
}

static int files_next(bp_source_t *src, bp_event_t *ev, bp_cause_t *cause) {
        files_source_t *fs   = (files_source_t *)src;
        bp_input_t     *best = NULL;
        size_t          i;

        if (!fs->started) {
                fs->started = true;
                for (i = 0; i < fs->cnt; i++)
                        if (refill(fs->inputs[i]) < 0)
                                return -1;
        } else if (fs->last && refill(fs->last) < 0) {
                return -1;
        }
        /* Inputs are in command line order: the first of equal times
         * wins. */
        for (i = 0; i < fs->cnt; i++)
                if (fs->inputs[i]->has_head &&
                    (!best ||
                     fs->inputs[i]->head.occurred_at < best->head.occurred_at))
                        best = fs->inputs[i];
        fs->last = best;
        if (!best)
                return 0;
        *ev    = best->head;
        *cause = best->head_cause;
        src->stats.events++;
        bp_progress_update(fs->progress, src->stats.events, 0);
        return 1;
}

static void files_close(bp_source_t *src) {
        files_source_t *fs = (files_source_t *)src;
        size_t          i;

        bp_progress_destroy(fs->progress);
        for (i = 0; i < fs->cnt; i++)
                input_close(fs->inputs[i]);
        free(fs->inputs);
        free(fs);
}

bp_source_t *bp_source_files_open(const char *cmd, bp_source_opts_t *o) {
        files_source_t *fs = calloc(1, sizeof(*fs));
        size_t          i;

        if (fs)
                fs->inputs = calloc(BP_SOURCE_FILES_MAX, sizeof(*fs->inputs));
        if (!fs || !fs->inputs) {
                free(fs);
                bp_tool_fatal(cmd, "out of memory", NULL, NULL, NULL);
                return NULL;
        }
        fs->base.cmd   = cmd;
        fs->base.opts  = o;
        fs->base.next  = files_next;
        fs->base.close = files_close;
        fs->progress   = bp_progress_new(cmd, "events", 0);
        for (i = 0; i < o->input_cnt; i++)
                if (open_arg(fs, o->inputs[i])) {
                        files_close(&fs->base);
                        return NULL;
                }
        /* One JSON Lines file keeps the rejection lines replay always
         * wrote; otherwise they say which file. */
        for (i = 0; i < fs->cnt; i++)
                fs->inputs[i]->named =
                    fs->cnt > 1 || fs->inputs[i]->format != BP_SOURCE_FMT_JSONL;
        return &fs->base;
}
