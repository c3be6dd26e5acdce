/*
 * config_fixture.c - configurations built from text in memory (see
 * config_fixture.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config_fixture.h"

bp_err_t config_load(const char *text, size_t text_len, const char *const *sets,
                     bp_config_t **confp, char *errstr, size_t errstr_size) {
        FILE    *fp      = NULL;
        size_t   set_cnt = 0;
        bp_err_t err;

        while (sets && set_cnt < CONFIG_FIXTURE_MAX_SETS && sets[set_cnt])
                set_cnt++;
        if (text) {
                fp = fmemopen((void *)text, text_len, "r");
                assert_non_null(fp);
        }
        err = bp_config_read(confp, "t.conf", fp, sets, set_cnt, errstr,
                             errstr_size);
        if (fp)
                fclose(fp);
        return err;
}

bp_config_t *config_load_ok(const char *text, const char *const *sets) {
        bp_config_t *conf = NULL;
        char         errstr[512];
        bp_err_t err = config_load(text, text ? strlen(text) : 0, sets, &conf,
                                   errstr, sizeof(errstr));
        if (err)
                fail_msg("unexpected error: %s", errstr);
        assert_non_null(conf);
        return conf;
}

void config_load_fails(const char *text, const char *const *sets,
                       const char *message) {
        bp_config_t *conf = (bp_config_t *)&conf;
        char         errstr[512];
        bp_err_t err = config_load(text, text ? strlen(text) : 0, sets, &conf,
                                   errstr, sizeof(errstr));

        if (err != BP_ERR_CONFIG || strcmp(errstr, message) != 0)
                fail_msg("%s: got %d \"%s\"\n  want \"%s\"",
                         text ? text : sets[0], err, err ? errstr : "",
                         message);
        assert_null(conf);
}

const char *config_kafka_get(const bp_config_t *conf, const char *name) {
        size_t i;
        for (i = 0; i < conf->kafka_cnt; i++)
                if (strcmp(conf->kafka[i].key, name) == 0)
                        return conf->kafka[i].value;
        return NULL;
}

char *config_dump(const bp_config_t *conf) {
        char  *text = NULL;
        size_t len  = 0;
        FILE  *out  = open_memstream(&text, &len);
        assert_non_null(out);
        bp_config_dump(conf, out);
        fclose(out);
        return text;
}
