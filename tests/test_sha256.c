/*
 * test_sha256.c - SHA-256 against the FIPS 180-4 example vectors.
 *
 * The digest names the rules in force and the ids of published events, so
 * a wrong digest would silently change both: the standard's own examples
 * pin it, including the one-million-'a' message fed in small chunks so that
 * every block boundary case of bp_sha256_update() is crossed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "bp_sha256.h"

static void test_sha256_vectors(void **state) {
        /* FIPS 180-4 examples (NIST CSRC) and the long-message vector. */
        static const struct {
                const char *chunk;
                size_t      repeat;
                const char *hex;
        } cases[] = {
            {"", 1,
             "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85"
             "5"},
            {"abc", 1,
             "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015a"
             "d"},
            {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 1,
             "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c"
             "1"},
            /* One million 'a', fed as 10-byte chunks to cross block
             * boundaries at every offset. */
            {"aaaaaaaaaa", 100000,
             "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd"
             "0"},
        };
        size_t i, r;

        (void)state;
        for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                bp_sha256_t h;
                uint8_t     digest[32];
                char        hex[65];

                bp_sha256_init(&h);
                for (r = 0; r < cases[i].repeat; r++)
                        bp_sha256_update(&h, cases[i].chunk,
                                         strlen(cases[i].chunk));
                bp_sha256_final(&h, digest);
                bp_hex(digest, 32, hex);
                assert_string_equal(hex, cases[i].hex);
        }
}

static void test_hex_prefix(void **state) {
        const uint8_t bytes[] = {0x00, 0x0f, 0xa5, 0xff};
        char          hex[9];

        (void)state;
        bp_hex(bytes, 3, hex);
        assert_string_equal(hex, "000fa5");
        bp_hex(bytes, 0, hex);
        assert_string_equal(hex, "");
}

int main(void) {
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_sha256_vectors),
            cmocka_unit_test(test_hex_prefix),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
