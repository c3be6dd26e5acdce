/*
 * bp_source_avro.c - the Avro input files of the file source (see
 * bp_source.h): framed-record dumps (bp_dump.h) and object container
 * files (bp_ocf.h).
 *
 * Both hand the codec nothing it has not validated: a dump record goes
 * through the same pipeline as a Kafka record (frame, schema id, bounded
 * validation, resolution), and a container file's datum is first found by
 * walking it with the validator against the file's writer schema
 * (bp_avro_plan_measure(), since datums carry no length), then decoded with
 * that schema as writer (bp_codec_decode_event_with(), which validates the
 * body again on its own). A container file whose schema is a union of
 * event records (a file of mixed types) is read branch by branch: each
 * datum is the branch index, then a record of that branch.
 *
 * A record that does not decode is reported and skipped: a dump record's
 * length says where the next begins, and a container file goes on after
 * the rest of the block, from the next block (its sync marker checked).
 * A framing error stops the file (bp_input_fatal()).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bp_avro_bin.h"
#include "bp_codec.h"
#include "bp_dump.h"
#include "bp_ocf.h"
#include "bp_source_int.h"
#include "bp_tool.h"

/* Most branches of a container file's union schema. */
#define BP_OCF_BRANCHES_MAX 16

typedef struct avro_input_s {
        bp_codec_t *codec;
        /* framed */
        bp_dump_reader_t *dump;
        /* container file */
        bp_ocf_reader_t   *ocf;
        bp_schema_entry_t *file;                          /* its schema */
        bp_schema_entry_t *branches[BP_OCF_BRANCHES_MAX]; /* union only */
        size_t             branch_cnt;
        const uint8_t     *p, *end; /* the datums left in the block */
        int64_t            left;    /* how many the block claims are left */
        uint64_t           recno;   /* datums read from the file */
} avro_input_t;

static void avro_close(bp_input_t *in) {
        avro_input_t *a = in->kind;
        size_t        i;

        if (!a)
                return;
        /* Entries hold resolution programs into the codec: first. */
        for (i = 0; i < a->branch_cnt; i++)
                bp_schema_entry_destroy(a->branches[i]);
        bp_schema_entry_destroy(a->file);
        bp_ocf_reader_destroy(a->ocf);
        bp_dump_reader_destroy(a->dump);
        bp_codec_destroy(a->codec);
        free(a);
}

/* Decoding errors that are not the record's fault stop the run: out of
 * memory, a schema registry that cannot be reached. */
static bool is_fatal(bp_err_t err) {
        return err == BP_ERR_NOMEM || err == BP_ERR_IO;
}

/* --- framed-record dumps --- */

static int framed_next(bp_input_t *in, bp_event_t *ev, bp_cause_t *cause) {
        avro_input_t    *a = in->kind;
        const uint8_t   *rec;
        size_t           len;
        char             errstr[512], where[80];
        bp_record_kind_t kind;
        bp_err_t         err;
        int              rc;

        while ((rc = bp_dump_reader_next(a->dump, &rec, &len, errstr,
                                         sizeof(errstr))) != 0) {
                snprintf(where, sizeof(where),
                         "record %" PRIu64 " at byte %" PRIu64,
                         bp_dump_reader_recno(a->dump),
                         bp_dump_reader_offset(a->dump));
                if (rc < 0)
                        return bp_input_fatal(in, where, errstr);
                in->read++;
                in->src->stats.read++;
                err = bp_codec_kind_of(a->codec, rec, len, &kind, errstr,
                                       sizeof(errstr));
                if (err == BP_OK && kind >= (bp_record_kind_t)BP_EV__CNT) {
                        snprintf(errstr, sizeof(errstr),
                                 "a %s record is not an input event",
                                 bp_codec_record_name(kind));
                        err = BP_ERR_INVALID;
                }
                if (err == BP_OK)
                        err = bp_codec_decode_event(
                            a->codec, (bp_event_type_t)kind, rec, len, ev,
                            errstr, sizeof(errstr));
                if (is_fatal(err))
                        return bp_input_fatal(in, where, errstr);
                if (err != BP_OK) {
                        bp_input_reject(in, where, errstr);
                        continue;
                }
                cause->offset = (int64_t)(in->read - 1);
                return 1;
        }
        return 0;
}

/* --- object container files --- */

/* Reports what is left of a block once its datums are read, or the
 * datums it claims beyond its bytes, and empties the block. */
static void block_leftovers(bp_input_t *in, avro_input_t *a) {
        char errstr[128], where[80];

        snprintf(where, sizeof(where), "block %" PRIu64 " at byte %" PRIu64,
                 bp_ocf_reader_blockno(a->ocf), bp_ocf_reader_offset(a->ocf));
        if (a->left > 0 && a->p == a->end) {
                snprintf(errstr, sizeof(errstr),
                         "the block claims %" PRId64
                         " more records than it holds",
                         a->left);
                bp_input_reject(in, where, errstr);
        } else if (a->left == 0 && a->p != a->end) {
                snprintf(errstr, sizeof(errstr),
                         "%zu bytes after the last record of the block",
                         (size_t)(a->end - a->p));
                bp_input_reject(in, where, errstr);
        }
        a->p    = a->end;
        a->left = 0;
}

/* Takes the next datum of the block and decodes it into *ev. A datum
 * whose end cannot be found takes the rest of the block with it. */
static bp_err_t ocf_datum(avro_input_t *a, bp_event_t *ev, char *errstr,
                          size_t errstr_size) {
        bp_schema_entry_t *entry = a->file;
        const uint8_t     *body  = a->p, *q;
        size_t             used;
        int64_t            branch;
        bp_err_t           err;

        err = bp_avro_plan_measure(a->file->plan, a->p, (size_t)(a->end - a->p),
                                   &used, errstr, errstr_size);
        if (err != BP_OK) {
                size_t n = strlen(errstr);

                snprintf(errstr + n, errstr_size - n,
                         "; the rest of the block (%" PRId64
                         " records) is skipped",
                         a->left - 1);
                a->p    = a->end;
                a->left = 0;
                return err;
        }
        a->p += used;
        a->left--;
        if (a->branch_cnt) {
                /* The walk has checked the index against the union;
                 * checking again costs nothing. */
                q = body;
                if (bp_avro_read_long(&q, body + used, &branch) || branch < 0 ||
                    (size_t)branch >= a->branch_cnt) {
                        snprintf(errstr, errstr_size, "bad union index");
                        return BP_ERR_INVALID;
                }
                entry = a->branches[branch];
                used -= (size_t)(q - body);
                body = q;
        }
        return bp_codec_decode_event_with(a->codec, entry, body, used, ev,
                                          errstr, errstr_size);
}

static int ocf_next(bp_input_t *in, bp_event_t *ev, bp_cause_t *cause) {
        avro_input_t *a = in->kind;
        char          errstr[600], where[120];
        size_t        len;
        bp_err_t      err;
        int           rc;

        for (;;) {
                if (a->left == 0 || a->p == a->end) {
                        block_leftovers(in, a);
                        rc = bp_ocf_reader_next(a->ocf, &a->p, &len, &a->left,
                                                errstr, sizeof(errstr));
                        snprintf(where, sizeof(where),
                                 "block %" PRIu64 " at byte %" PRIu64,
                                 bp_ocf_reader_blockno(a->ocf),
                                 bp_ocf_reader_offset(a->ocf));
                        if (rc <= 0)
                                return rc ? bp_input_fatal(in, where, errstr)
                                          : 0;
                        a->end = a->p + len;
                        continue;
                }
                a->recno++;
                in->read++;
                in->src->stats.read++;
                snprintf(where, sizeof(where),
                         "record %" PRIu64 " in block %" PRIu64
                         " at byte %" PRIu64,
                         a->recno, bp_ocf_reader_blockno(a->ocf),
                         bp_ocf_reader_offset(a->ocf));
                err = ocf_datum(a, ev, errstr, sizeof(errstr));
                if (is_fatal(err))
                        return bp_input_fatal(in, where, errstr);
                if (err != BP_OK) {
                        bp_input_reject(in, where, errstr);
                        continue;
                }
                cause->offset = (int64_t)(a->recno - 1);
                return 1;
        }
}

/* Checks that schema is one of the input events. */
static int event_schema(bp_input_t *in, avro_schema_t schema) {
        bp_record_kind_t kind;
        char             errstr[300];

        if (bp_codec_kind_of_schema(schema, &kind) == BP_OK &&
            kind < (bp_record_kind_t)BP_EV__CNT)
                return 0;
        snprintf(errstr, sizeof(errstr),
                 "the file's schema %s is not an input event record "
                 "(ProfileUpdated, ContractCompleted, InvitationSent, "
                 "PartnerDecision) nor a union of them",
                 avro_schema_type_name(schema));
        return bp_input_fatal(in, "header", errstr);
}

/* Reads the header and compiles the file's writer schema, and each
 * branch of a union. */
static int ocf_open(bp_input_t *in, avro_input_t *a) {
        avro_schema_t schema, branch;
        char          errstr[600];
        size_t        i;

        if (!(a->ocf = bp_ocf_reader_open(in->fd, errstr, sizeof(errstr))))
                return bp_input_fatal(in, "header", errstr);
        schema = bp_ocf_reader_schema(a->ocf);
        if (!(a->file = bp_schema_entry_new(schema, errstr, sizeof(errstr))))
                return bp_input_fatal(in, "header", errstr);
        if (avro_typeof(schema) != AVRO_UNION)
                return event_schema(in, schema);
        if (avro_schema_union_size(schema) > BP_OCF_BRANCHES_MAX) {
                snprintf(errstr, sizeof(errstr),
                         "a union of more than %d types", BP_OCF_BRANCHES_MAX);
                return bp_input_fatal(in, "header", errstr);
        }
        for (i = 0; i < avro_schema_union_size(schema); i++) {
                branch = avro_schema_union_branch(schema, (int)i);
                if (event_schema(in, branch))
                        return -1;
                a->branches[i] =
                    bp_schema_entry_new(branch, errstr, sizeof(errstr));
                if (!a->branches[i])
                        return bp_input_fatal(in, "header", errstr);
                a->branch_cnt++;
        }
        return 0;
}

int bp_input_avro_open(bp_input_t *in) {
        const bp_source_opts_t *o     = in->src->opts;
        avro_input_t           *a     = calloc(1, sizeof(*a));
        bp_codec_conf_t         cconf = {0};
        char                    errstr[600];

        in->kind  = a;
        in->close = avro_close;
        if (!a) {
                bp_tool_fatal(in->src->cmd, "out of memory", NULL, NULL, NULL);
                return -1;
        }
        /* A container file carries its writer schema: no ids to look up. */
        cconf.no_schema_ids = in->format == BP_SOURCE_FMT_AVRO;
        cconf.schema_map    = o->kafka.schema_map;
        cconf.registry_url  = o->kafka.registry;
        if (!(a->codec = bp_codec_new(&cconf, errstr, sizeof(errstr)))) {
                bp_tool_fatal(in->src->cmd, "cannot load schemas", NULL, NULL,
                              errstr);
                return -1;
        }
        if (in->format == BP_SOURCE_FMT_AVRO) {
                in->next = ocf_next;
                return ocf_open(in, a);
        }
        in->next = framed_next;
        if (!(a->dump = bp_dump_reader_new(in->fd))) {
                bp_tool_fatal(in->src->cmd, "out of memory", NULL, NULL, NULL);
                return -1;
        }
        return 0;
}
