/*
 * bp_test_avro.c - helpers for the Avro validation tests (see
 * bp_test_avro.h). Bodies are encoded by hand from the Avro
 * specification, so the tests do not take the encoder under test on
 * trust; avro-c's reader then says what a body really is.
 */
#include <errno.h>
#include <malloc.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bp_avro_validate.h"
#include "bp_codec.h"
#include "bp_test_avro.h"

avro_schema_t bp_test_schema(int i) {
        avro_schema_t schema = NULL;
        const char   *json   = bp_test_schema_json[i];

        if (avro_schema_from_json_length(json, strlen(json), &schema))
                fail_msg("schema %d: %s", i, avro_strerror());
        return schema;
}

bp_avro_plan_t *bp_test_plan(avro_schema_t schema) {
        char            err[256] = "";
        bp_avro_plan_t *plan     = bp_avro_plan_new(schema, err, sizeof(err));

        if (!plan)
                fail_msg("plan: %s", err);
        return plan;
}

void bp_tbuf_raw(bp_tbuf_t *t, const void *p, size_t n) {
        assert_true(t->n + n <= sizeof(t->b));
        memcpy(t->b + t->n, p, n);
        t->n += n;
}

void bp_tbuf_long(bp_tbuf_t *t, int64_t v) {
        /* Zig-zag, then 7 bits at a time, low group first. */
        uint64_t u = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
        uint8_t  b;

        do {
                b = (uint8_t)(u & 0x7f);
                u >>= 7;
                if (u)
                        b |= 0x80;
                bp_tbuf_raw(t, &b, 1);
        } while (u);
}

void bp_tbuf_str(bp_tbuf_t *t, const char *s) {
        bp_tbuf_long(t, (int64_t)strlen(s));
        bp_tbuf_raw(t, s, strlen(s));
}

void bp_tbuf_double(bp_tbuf_t *t, double d) {
        uint64_t u;
        uint8_t  b[8];
        int      i;

        memcpy(&u, &d, 8);
        for (i = 0; i < 8; i++) /* little-endian on the wire */
                b[i] = (uint8_t)(u >> (8 * i));
        bp_tbuf_raw(t, b, 8);
}

static void bp_test_head(bp_tbuf_t *t) {
        bp_tbuf_str(t, "e-000001");
        bp_tbuf_str(t, "f-42");
        bp_tbuf_long(t, 1700000001000);
}

void bp_test_profile_body(bp_tbuf_t *t, int ncerts) {
        int i;

        bp_test_head(t);
        bp_tbuf_long(t, 7);   /* profile_version */
        bp_tbuf_long(t, 0);   /* ACTIVE */
        bp_tbuf_long(t, 100); /* profile_completeness */
        bp_tbuf_long(t, 0);   /* PUBLIC */
        bp_tbuf_long(t, 3);   /* FLUENT */
        bp_tbuf_long(t, 1);   /* job_success_score: int */
        bp_tbuf_long(t, 92);
        bp_tbuf_long(t, 0); /* NATIVE */
        bp_tbuf_long(t, 1); /* signup_partner_id: string */
        bp_tbuf_str(t, "acme");
        if (ncerts) {
                bp_tbuf_long(t, ncerts);
                for (i = 0; i < ncerts; i++) {
                        bp_tbuf_str(t, i % 2 ? "acme-developer" : "acme-admin");
                        bp_tbuf_long(t, i % 2); /* null, then a long */
                        if (i % 2)
                                bp_tbuf_long(t, 1800000000000);
                }
        }
        bp_tbuf_long(t, 0);
}

/* Two blocks, the second with a negative count and its byte size. */
static void bp_test_contract_body(bp_tbuf_t *t, int variant) {
        bp_tbuf_t block = {.n = 0};

        bp_test_head(t);
        bp_tbuf_str(t, "c-9");
        if (variant) {
                bp_tbuf_long(t, 2);
                bp_tbuf_str(t, "acme-crm");
                bp_tbuf_str(t, "sql");
                bp_tbuf_str(&block, "r\xc3\xa9sum\xc3\xa9 \xe2\x9c\x93 "
                                    "\xf0\x9f\x98\x80");
                bp_tbuf_long(t, -1);
                bp_tbuf_long(t, (int64_t)block.n);
                bp_tbuf_raw(t, block.b, block.n);
        }
        bp_tbuf_long(t, 0);
        bp_tbuf_long(t, variant ? 1 : 0);
        if (variant)
                bp_tbuf_double(t, 4.5);
}

static void bp_test_kitchen_body(bp_tbuf_t *t, int variant) {
        static const uint8_t four[4]  = {1, 2, 3, 4};
        static const uint8_t fbits[4] = {0, 0, 0xc0, 0x3f}; /* 1.5f */
        bp_tbuf_t            block    = {.n = 0};

        bp_tbuf_raw(t, "\x01", 1); /* flag */
        bp_tbuf_long(t, -2147483647 - 1);
        bp_tbuf_long(t, INT64_MAX);
        bp_tbuf_raw(t, fbits, 4);
        bp_tbuf_double(t, -0.25);
        bp_tbuf_long(t, 3); /* blob: bytes may hold NULs */
        bp_tbuf_raw(t, "\x00\xff\x00", 3);
        bp_tbuf_raw(t, four, 4);
        bp_tbuf_long(t, 2);       /* BLUE */
        bp_tbuf_str(&block, "a"); /* tags: one block of 2, with its size */
        bp_tbuf_long(&block, 1);
        bp_tbuf_str(&block, "b");
        bp_tbuf_long(&block, INT64_MIN);
        bp_tbuf_long(t, -2);
        bp_tbuf_long(t, (int64_t)block.n);
        bp_tbuf_raw(t, block.b, block.n);
        bp_tbuf_long(t, 0);
        bp_tbuf_long(t, 1); /* groups: {"g": ["x", "y"]} */
        bp_tbuf_str(t, "g");
        bp_tbuf_long(t, 2);
        bp_tbuf_str(t, "x");
        bp_tbuf_str(t, "y");
        bp_tbuf_long(t, 0);
        bp_tbuf_long(t, 0);
        bp_tbuf_str(t, "inner"); /* inner.label; inner.empty has nothing */
        bp_tbuf_long(t, variant % 4);
        if (variant % 4 == 1)
                bp_tbuf_str(t, "chosen");
        else if (variant % 4 == 2)
                bp_tbuf_str(t, "");
        else if (variant % 4 == 3)
                bp_tbuf_raw(t, four, 4);
}

/* A tree of the given depth, each node with `fan` children. */
static void bp_test_tree_body(bp_tbuf_t *t, int depth, int fan) {
        int i;

        bp_tbuf_long(t, depth);
        if (depth > 0) {
                bp_tbuf_long(t, fan);
                for (i = 0; i < fan; i++)
                        bp_test_tree_body(t, depth - 1, fan);
        }
        bp_tbuf_long(t, 0);
}

void bp_test_valid_body(int i, int variant, bp_tbuf_t *t) {
        int k;

        t->n = 0;
        switch (i) {
        case BP_TS_PROFILE:
                bp_test_profile_body(t, variant % 3 == 0 ? 0 : 1 + variant % 3);
                break;
        case BP_TS_CONTRACT:
                bp_test_contract_body(t, variant % 2);
                break;
        case BP_TS_DECISION:
                bp_test_head(t);
                bp_tbuf_str(t, "acme");
                bp_tbuf_long(t, variant % 3);
                bp_tbuf_long(t, variant % 2);
                bp_tbuf_long(t, variant % 2);
                if (variant % 2)
                        bp_tbuf_str(t, "fit for \xe2\x9c\x93 work");
                break;
        case BP_TS_KITCHEN:
                bp_test_kitchen_body(t, variant);
                break;
        case BP_TS_TREE:
                bp_test_tree_body(t, 1 + variant % 3, 2);
                break;
        case BP_TS_LIST:
                for (k = 0; k < 1 + variant % 5; k++) {
                        bp_tbuf_long(t, k * 1000);
                        bp_tbuf_long(t, k < variant % 5 ? 1 : 0);
                }
                break;
        case BP_TS_NULLS:
                bp_tbuf_long(t, 3);
                bp_tbuf_long(t, -2); /* a block of 2 nulls: 0 bytes */
                bp_tbuf_long(t, 0);
                bp_tbuf_long(t, 0);
                break;
        case BP_TS_STRING:
                bp_tbuf_str(t, variant ? "hello" : "");
                break;
        }
}

/* Reads body with avro-c into a generic value of schema. */
static int bp_test_avro_c_read(avro_schema_t schema, const uint8_t *body,
                               size_t len, avro_value_t *value,
                               avro_value_iface_t **iface, char *why,
                               size_t why_size) {
        avro_reader_t reader = NULL;
        uint8_t       extra;
        int           rc = -1;

        *iface = avro_generic_class_from_schema(schema);
        if (!*iface || avro_generic_value_new(*iface, value)) {
                snprintf(why, why_size, "%s", avro_strerror());
                avro_value_iface_decref(*iface);
                *iface = NULL;
                return -1;
        }
        reader = avro_reader_memory((const char *)body, (int64_t)len);
        if (avro_value_read(reader, value)) {
                snprintf(why, why_size, "%s", avro_strerror());
                goto out;
        }
        /* The memory reader cannot say where it stands, so read one
         * more byte: it must not be there. */
        if (avro_read(reader, &extra, 1) == 0) {
                snprintf(why, why_size, "bytes left over");
                goto out;
        }
        rc = 0;
out:
        avro_reader_free(reader);
        return rc;
}

int bp_test_avro_c_decodes(avro_schema_t schema, const uint8_t *body,
                           size_t len, char *why, size_t why_size) {
        avro_value_iface_t *iface;
        avro_value_t        value;
        int                 rc;

        rc = bp_test_avro_c_read(schema, body, len, &value, &iface, why,
                                 why_size);
        if (iface) {
                avro_value_decref(&value);
                avro_value_iface_decref(iface);
        }
        return rc;
}

int bp_test_avro_c_reencode(avro_schema_t schema, const uint8_t *body,
                            size_t len, bp_tbuf_t *out) {
        avro_value_iface_t *iface;
        avro_value_t        value;
        avro_writer_t       writer;
        char                why[256];
        int                 rc;

        rc = bp_test_avro_c_read(schema, body, len, &value, &iface, why,
                                 sizeof(why));
        if (rc == 0) {
                writer = avro_writer_memory((const char *)out->b,
                                            (int64_t)sizeof(out->b));
                rc     = avro_value_write(writer, &value) ? -1 : 0;
                out->n = (size_t)avro_writer_tell(writer);
                avro_writer_free(writer);
        }
        if (iface) {
                avro_value_decref(&value);
                avro_value_iface_decref(iface);
        }
        return rc;
}

#if defined(__SANITIZE_ADDRESS__)
#define BP_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define BP_TEST_ASAN 1
#endif
#endif

#ifdef BP_TEST_ASAN
/* ASan replaces malloc, so glibc's mallinfo2 sees nothing; its own
 * allocator keeps the count instead. */
size_t __sanitizer_get_current_allocated_bytes(void);

size_t bp_test_heap_in_use(void) {
        return __sanitizer_get_current_allocated_bytes();
}

const char *bp_test_heap_measure(void) {
        return "__sanitizer_get_current_allocated_bytes (ASan)";
}
#else
size_t bp_test_heap_in_use(void) {
        struct mallinfo2 mi = mallinfo2();

        return mi.uordblks + mi.hblkhd; /* arena in use + mmapped blocks */
}

const char *bp_test_heap_measure(void) {
        return "mallinfo2 (glibc)";
}
#endif

uint64_t bp_test_rand(uint64_t *state) {
        uint64_t x = *state;

        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        *state = x;
        return x * 0x2545F4914F6CDD1Dull;
}

/* See bp_test_avro.h. */
void bp_test_mutate(bp_tbuf_t *t, uint64_t *rng) {
        static const uint8_t picks[] = {0x00, 0x01, 0x02, 0x7f, 0x80,
                                        0x81, 0xfe, 0xff, 0x3f, 0x40};
        int                  edits   = 1 + (int)(bp_test_rand(rng) % 4), e;

        for (e = 0; e < edits; e++) {
                uint64_t r    = bp_test_rand(rng);
                size_t   at   = t->n ? (size_t)(r >> 8) % t->n : 0;
                size_t   room = sizeof(t->b) - t->n;

                switch (r % 8) {
                case 0: /* flip a bit */
                        if (t->n)
                                t->b[at] ^= (uint8_t)(1u << ((r >> 40) % 8));
                        break;
                case 1: /* a byte that means something to a varint */
                        if (t->n)
                                t->b[at] = picks[(r >> 40) % sizeof(picks)];
                        break;
                case 2: /* any byte */
                        if (t->n)
                                t->b[at] = (uint8_t)(r >> 40);
                        break;
                case 3: /* truncate */
                        t->n = t->n ? (size_t)(r >> 8) % t->n : 0;
                        break;
                case 4: /* extend */
                        if (room >= 8)
                                while ((r >>= 3) % 8 && room--)
                                        t->b[t->n++] = (uint8_t)(r >> 16);
                        break;
                case 5: /* insert a byte */
                        if (room) {
                                memmove(t->b + at + 1, t->b + at, t->n - at);
                                t->b[at] = (uint8_t)(r >> 40);
                                t->n++;
                        }
                        break;
                case 6: /* delete a byte */
                        if (t->n) {
                                memmove(t->b + at, t->b + at + 1,
                                        t->n - at - 1);
                                t->n--;
                        }
                        break;
                default: /* plant a large varint over what is there */
                        if (t->n >= at + 4)
                                memcpy(t->b + at, "\xfe\xff\xff\x7f", 4);
                        break;
                }
        }
}

/* See bp_test_avro.h. */
bp_codec_t *bp_test_codec(void) {
        char            map[1024], errstr[512];
        const char     *src  = getenv("BP_SRC");
        bp_codec_conf_t conf = {0};
        bp_codec_t     *codec;

        snprintf(map, sizeof(map), "%s/schemas/schema-map.txt",
                 src ? src : "..");
        conf.schema_map = map;
        if (!(codec = bp_codec_new(&conf, errstr, sizeof(errstr))))
                fail_msg("bp_codec_new: %s", errstr);
        return codec;
}
