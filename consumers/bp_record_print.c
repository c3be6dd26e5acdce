/*
 * bp_record_print.c - any Kafka record of our topics as one JSON line.
 *
 * See bp_record_print.h for the line shapes. Keys and header values are
 * arbitrary bytes and not NUL-terminated: they are copied into a scratch
 * buffer that the printer keeps (so it stops allocating once it has seen
 * the largest one), and shown as JSON strings unless a NUL byte forces
 * base64.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bp_jsonl.h"
#include "bp_record_print.h"

struct bp_record_printer_s {
        bp_codec_t *codec;
        bool        with_kafka;
        bp_buf_t    scratch; /* NUL-terminated copies of keys and headers */
};

/* The dead-letter headers, in the order they are printed. */
static const char *const dlq_headers[] = {"dlq.error", "dlq.topic",
                                          "dlq.partition", "dlq.offset"};
#define DLQ_HEADER_CNT (sizeof(dlq_headers) / sizeof(dlq_headers[0]))

bp_record_printer_t *bp_record_printer_new(bp_codec_t *codec, bool with_kafka) {
        bp_record_printer_t *printer = calloc(1, sizeof(*printer));

        if (!printer)
                return NULL;
        printer->codec      = codec;
        printer->with_kafka = with_kafka;
        return printer;
}

void bp_record_printer_destroy(bp_record_printer_t *printer) {
        if (!printer)
                return;
        bp_buf_free(&printer->scratch);
        free(printer);
}

static bp_err_t put_base64(bp_buf_t *out, const void *data, size_t len) {
        static const char    alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                          "abcdefghijklmnopqrstuvwxyz"
                                          "0123456789+/";
        const unsigned char *p          = data;
        char                 quad[4];
        uint32_t             v;
        size_t               i, n;

        if (bp_buf_reserve(out, (len + 2) / 3 * 4 + 2))
                return BP_ERR_NOMEM;
        bp_buf_append_byte(out, '"');
        for (i = 0; i < len; i += 3) {
                n = len - i < 3 ? len - i : 3;
                v = (uint32_t)p[i] << 16;
                if (n > 1)
                        v |= (uint32_t)p[i + 1] << 8;
                if (n > 2)
                        v |= p[i + 2];
                quad[0] = alphabet[(v >> 18) & 63];
                quad[1] = alphabet[(v >> 12) & 63];
                quad[2] = n > 1 ? alphabet[(v >> 6) & 63] : '=';
                quad[3] = n > 2 ? alphabet[v & 63] : '=';
                bp_buf_append(out, quad, 4);
        }
        return bp_buf_append_byte(out, '"');
}

/* Appends "name":<bytes as a JSON string>, or "name_base64":"..." when the
 * bytes hold a NUL, or "name":null when data is NULL. */
static bp_err_t put_bytes_field(bp_record_printer_t *printer, bp_buf_t *out,
                                const char *name, const void *data,
                                size_t len) {
        if (!data)
                return bp_buf_printf(out, "\"%s\":null", name);
        if (memchr(data, '\0', len)) {
                if (bp_buf_printf(out, "\"%s_base64\":", name))
                        return BP_ERR_NOMEM;
                return put_base64(out, data, len);
        }
        bp_buf_reset(&printer->scratch);
        if (bp_buf_append(&printer->scratch, data, len) ||
            bp_buf_append_byte(&printer->scratch, '\0') ||
            bp_buf_printf(out, "\"%s\":", name))
                return BP_ERR_NOMEM;
        return bp_jsonl_put_string(out, (const char *)printer->scratch.data);
}

/* Appends "kafka":{...} (no separator before it). */
static bp_err_t put_kafka(bp_record_printer_t      *printer,
                          const rd_kafka_message_t *rkm, bp_buf_t *out) {
        rd_kafka_timestamp_type_t tstype;
        int64_t                   ts = rd_kafka_message_timestamp(rkm, &tstype);

        if (bp_buf_append_str(out, "\"kafka\":{\"topic\":") ||
            bp_jsonl_put_string(out, rd_kafka_topic_name(rkm->rkt)) ||
            bp_buf_printf(out, ",\"partition\":%" PRId32 ",\"offset\":%" PRId64,
                          rkm->partition, rkm->offset))
                return BP_ERR_NOMEM;
        if (tstype == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
                ? bp_buf_append_str(out, ",\"timestamp\":null")
                : bp_buf_printf(out, ",\"timestamp\":%" PRId64, ts))
                return BP_ERR_NOMEM;
        if (bp_buf_append_byte(out, ',') ||
            put_bytes_field(printer, out, "key", rkm->key, rkm->key_len) ||
            bp_buf_append_byte(out, '}'))
                return BP_ERR_NOMEM;
        return BP_OK;
}

/* Appends ",\"value_base64\":...,\"kafka\":{...}}\n": the common tail of
 * the lines that are not EVENTS.md lines. */
static bp_err_t put_tail(bp_record_printer_t      *printer,
                         const rd_kafka_message_t *rkm, bp_buf_t *out) {
        if (bp_buf_append_str(out, ",\"value_base64\":") ||
            (rkm->payload ? put_base64(out, rkm->payload, rkm->len)
                          : bp_buf_append_str(out, "null")) ||
            bp_buf_append_byte(out, ',') || put_kafka(printer, rkm, out) ||
            bp_buf_append_str(out, "}\n"))
                return BP_ERR_NOMEM;
        return BP_OK;
}

/* Appends one dlq.* header as a field: partition and offset as numbers
 * when they are, everything else as a string, a missing one as null. */
static bp_err_t put_dlq_field(bp_record_printer_t *printer, bp_buf_t *out,
                              rd_kafka_headers_t *hdrs, const char *name) {
        const void *val = NULL;
        size_t      len = 0;
        char       *end;
        long long   num;

        if (bp_buf_append_byte(out, ','))
                return BP_ERR_NOMEM;
        if (rd_kafka_header_get_last(hdrs, name, &val, &len) || !val)
                return bp_buf_printf(out, "\"%s\":null", name);
        if (strcmp(name, "dlq.partition") == 0 ||
            strcmp(name, "dlq.offset") == 0) {
                bp_buf_reset(&printer->scratch);
                if (bp_buf_append(&printer->scratch, val, len) ||
                    bp_buf_append_byte(&printer->scratch, '\0'))
                        return BP_ERR_NOMEM;
                errno = 0;
                num   = strtoll((const char *)printer->scratch.data, &end, 10);
                if (len > 0 && !errno && !*end &&
                    end == (const char *)printer->scratch.data + len)
                        return bp_buf_printf(out, "\"%s\":%lld", name, num);
        }
        return put_bytes_field(printer, out, name, val, len);
}

static int is_dlq_header(const char *name) {
        size_t i;

        for (i = 0; i < DLQ_HEADER_CNT; i++)
                if (strcmp(name, dlq_headers[i]) == 0)
                        return 1;
        return 0;
}

/* Appends ,"headers":[{"key":..,"value":..},...] for the headers other
 * than the dlq.* ones, in record order; nothing when there are none. */
static bp_err_t put_other_headers(bp_record_printer_t *printer, bp_buf_t *out,
                                  rd_kafka_headers_t *hdrs) {
        const char *name;
        const void *val;
        size_t      len, i, n = 0;

        for (i = 0; !rd_kafka_header_get_all(hdrs, i, &name, &val, &len); i++) {
                if (is_dlq_header(name))
                        continue;
                if (bp_buf_append_str(out, n++ ? ",{\"key\":"
                                               : ",\"headers\":[{\"key\":") ||
                    bp_jsonl_put_string(out, name) ||
                    bp_buf_append_byte(out, ',') ||
                    put_bytes_field(printer, out, "value", val, len) ||
                    bp_buf_append_byte(out, '}'))
                        return BP_ERR_NOMEM;
        }
        return n ? bp_buf_append_byte(out, ']') : BP_OK;
}

static bp_err_t put_dead_letter(bp_record_printer_t      *printer,
                                const rd_kafka_message_t *rkm,
                                rd_kafka_headers_t *hdrs, bp_buf_t *out) {
        size_t i;

        if (bp_buf_append_str(out, "{\"type\":\"dead-letter\""))
                return BP_ERR_NOMEM;
        for (i = 0; i < DLQ_HEADER_CNT; i++)
                if (put_dlq_field(printer, out, hdrs, dlq_headers[i]))
                        return BP_ERR_NOMEM;
        if (put_other_headers(printer, out, hdrs))
                return BP_ERR_NOMEM;
        return put_tail(printer, rkm, out);
}

static bp_err_t put_undecodable(bp_record_printer_t      *printer,
                                const rd_kafka_message_t *rkm,
                                const char *reason, bp_buf_t *out) {
        if (bp_buf_append_str(out, "{\"type\":\"undecodable\",\"error\":") ||
            bp_jsonl_put_string(out, reason))
                return BP_ERR_NOMEM;
        return put_tail(printer, rkm, out);
}

/* Appends the "kafka" object to the EVENTS.md line that starts at start:
 * its closing "}\n" becomes ",\"kafka\":{...}}\n". */
static bp_err_t append_kafka(bp_record_printer_t      *printer,
                             const rd_kafka_message_t *rkm, bp_buf_t *out,
                             size_t start) {
        if (out->len < start + 2 || out->data[out->len - 1] != '\n' ||
            out->data[out->len - 2] != '}')
                return BP_ERR_INVALID;
        out->len -= 2;
        if (bp_buf_append_byte(out, ',') || put_kafka(printer, rkm, out) ||
            bp_buf_append_str(out, "}\n"))
                return BP_ERR_NOMEM;
        return BP_OK;
}

/* Decodes an event or badge record of kind and writes its EVENTS.md line;
 * on a decoding error, errstr says why and out is unchanged. */
static bp_err_t put_decoded(bp_record_printer_t      *printer,
                            const rd_kafka_message_t *rkm,
                            bp_record_kind_t kind, bp_buf_t *out, char *errstr,
                            size_t errstr_size) {
        bp_badge_event_t badge;
        bp_event_t       ev;
        bp_err_t         err;

        errstr[0] = '\0';
        if (kind == BP_REC_BADGE_GRANTED || kind == BP_REC_BADGE_REVOKED) {
                err = bp_codec_decode_badge(printer->codec, rkm->payload,
                                            rkm->len, &badge, errstr,
                                            errstr_size);
                if (!err)
                        err = bp_jsonl_write_badge(out, &badge);
        } else {
                err = bp_codec_decode_event(printer->codec,
                                            (bp_event_type_t)kind, rkm->payload,
                                            rkm->len, &ev, errstr, errstr_size);
                if (!err)
                        err = bp_jsonl_write_event(out, &ev);
        }
        /* The writer refuses only what the decoder's checks let through by
         * mistake; it says so without a message of its own. */
        if (err == BP_ERR_INVALID && !errstr[0])
                snprintf(errstr, errstr_size,
                         "decoded, but has no JSON Lines form");
        return err;
}

/* Writes rkm's line when it is not a dead letter. */
static bp_err_t put_record(bp_record_printer_t      *printer,
                           const rd_kafka_message_t *rkm, bp_buf_t *out,
                           bp_record_shape_t *shape) {
        size_t           start = out->len;
        bp_record_kind_t kind;
        char             errstr[512];
        bp_err_t         err;

        *shape = BP_RECORD_UNDECODABLE;
        if (!rkm->payload)
                return put_undecodable(printer, rkm, "no value (tombstone)",
                                       out);
        err = bp_codec_kind_of(printer->codec, rkm->payload, rkm->len, &kind,
                               errstr, sizeof(errstr));
        if (err)
                return put_undecodable(printer, rkm, errstr, out);
        if (kind == BP_REC_FREELANCER_STATE) {
                *shape = BP_RECORD_STATE;
                if (bp_buf_append_str(out, "{\"type\":\"freelancer-state\""))
                        return BP_ERR_NOMEM;
                return put_tail(printer, rkm, out);
        }
        err = put_decoded(printer, rkm, kind, out, errstr, sizeof(errstr));
        if (err == BP_ERR_NOMEM)
                return err;
        if (err) {
                out->len = start;
                return put_undecodable(printer, rkm, errstr, out);
        }
        *shape =
            kind >= BP_REC_BADGE_GRANTED ? BP_RECORD_BADGE : BP_RECORD_EVENT;
        return printer->with_kafka ? append_kafka(printer, rkm, out, start)
                                   : BP_OK;
}

bp_err_t bp_record_printer_write(bp_record_printer_t      *printer,
                                 const rd_kafka_message_t *rkm, bp_buf_t *out,
                                 bp_record_shape_t *shape) {
        rd_kafka_headers_t *hdrs  = NULL;
        size_t              start = out->len;
        const void         *val;
        size_t              len;
        bp_err_t            err;

        if (rd_kafka_message_headers(rkm, &hdrs) ==
                RD_KAFKA_RESP_ERR_NO_ERROR &&
            rd_kafka_header_get_last(hdrs, "dlq.error", &val, &len) ==
                RD_KAFKA_RESP_ERR_NO_ERROR) {
                *shape = BP_RECORD_DEAD_LETTER;
                err    = put_dead_letter(printer, rkm, hdrs, out);
        } else {
                err = put_record(printer, rkm, out, shape);
        }
        if (err)
                out->len = start;
        return err;
}
