/*
 * bp_rules_load.c - builds a bp_rules_t from a directory of YAML files.
 *
 * The format is EVENTS.md's "Rules files (YAML)": platform.yaml holds the
 * platform table, every other *.yaml file is one partner's rules, named
 * after its partner_id. Files are read in byte order of their names, so
 * that the first error reported does not depend on the directory's order;
 * names starting with a dot are hidden files and skipped, as a shell glob
 * would (a Kubernetes ConfigMap's ..data links, the reload guard's
 * .confirm-* files). Every value is checked (type, range, id syntax) and
 * every error carries the file, line and column of the offending node.
 *
 * What would otherwise go unnoticed is refused too, since a rules set
 * that silently lost a file drops that partner's requirements: a *.yml
 * file (the other common spelling, which this loader never reads), a
 * directory without any rules file (a mount that did not happen), and a
 * badge_id that two partners publish (their grants and revocations would
 * mix).
 *
 * Loading is all or nothing: the result is assembled in a fresh bp_rules_t
 * that is destroyed on the first error, so a caller holding older rules
 * simply keeps them. Files are read whole, at most BP_RULES_FILE_MAX bytes,
 * and parsed one event at a time by the strict reader of bp_yaml.c.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bp_buf.h"
#include "bp_event.h"
#include "bp_rules.h"
#include "bp_yaml.h"

/* Largest rules file accepted: rules are a few hundred bytes, so anything
 * this large is a mistake, not a policy. */
#define BP_RULES_FILE_MAX (1024 * 1024)
/* Largest contracts.min: far beyond any real career, small enough that
 * counts never overflow. */
#define BP_RULES_CONTRACTS_MAX 1000000

static const char bp_rules_suffix[] = ".yaml";
#define BP_RULES_SUFFIX_LEN (sizeof(bp_rules_suffix) - 1)
/* Refused, not read: one spelling, so that no file is read by one tool
 * and skipped by another. */
static const char bp_rules_suffix_yml[] = ".yml";
#define BP_RULES_SUFFIX_YML_LEN (sizeof(bp_rules_suffix_yml) - 1)

static bool bp_has_suffix(const char *name, const char *suffix,
                          size_t suffix_len) {
        size_t len = strlen(name);

        return len > suffix_len && strcmp(name + len - suffix_len, suffix) == 0;
}

/* --- platform.yaml ------------------------------------------------------ */

enum {
        BP_PK_JSS = 0,
        BP_PK_COMPLETENESS,
        BP_PK_COMPLETENESS_ELANCE,
        BP_PK_ENGLISH,
        BP_PK_PUBLIC,
        BP_PK_ACTIVE,
        BP_PK__CNT
};
static const char *const bp_platform_keys[BP_PK__CNT] = {
    "min_job_success_score",           "min_profile_completeness",
    "min_profile_completeness_elance", "min_english_level",
    "require_public_profile",          "require_active_account"};
static const bp_yaml_map_t bp_platform_map = {"platform rules",
                                              bp_platform_keys, BP_PK__CNT, 0};

static bp_err_t bp_english_value(bp_yaml_t *y, const char *key,
                                 bp_english_t *out) {
        const char *names[BP_ENGLISH__CNT];
        int         i, level;
        bp_err_t    err;

        for (i = 0; i < BP_ENGLISH__CNT; i++)
                names[i] = bp_english_name((bp_english_t)i);
        if ((err = bp_yaml_symbol(y, key, names, BP_ENGLISH__CNT, &level)))
                return err;
        *out = (bp_english_t)level;
        return BP_OK;
}

static bp_err_t bp_platform_key(bp_yaml_t *y, int key, void *target) {
        bp_platform_rules_t *p    = target;
        const char          *name = bp_platform_keys[key];

        switch (key) {
        case BP_PK_JSS:
                return bp_yaml_int(y, name, 0, 100, &p->min_job_success_score);
        case BP_PK_COMPLETENESS:
                return bp_yaml_int(y, name, 0, 100,
                                   &p->min_profile_completeness);
        case BP_PK_COMPLETENESS_ELANCE:
                return bp_yaml_int(y, name, 0, 100,
                                   &p->min_profile_completeness_elance);
        case BP_PK_ENGLISH:
                return bp_english_value(y, name, &p->min_english_level);
        case BP_PK_PUBLIC:
                return bp_yaml_bool(y, name, &p->require_public_profile);
        default:
                return bp_yaml_bool(y, name, &p->require_active_account);
        }
}

/* --- requirement bodies ------------------------------------------------- */

static const char *const bp_cert_keys[]     = {"any_of"};
static const char *const bp_contract_keys[] = {"skill", "min", "min_feedback"};
static const char *const bp_jss_keys[]      = {"min"};

static bp_err_t bp_any_of(bp_yaml_t *y, bp_requirement_t *req) {
        char      **ids;
        size_t     *cnt = &req->u.certification.any_of_cnt;
        yaml_mark_t start;
        bp_err_t    err;

        if ((err = bp_yaml_expect(y, "any_of", YAML_SEQUENCE_START_EVENT,
                                  "a non-empty list of certification ids")))
                return err;
        start = y->event.start_mark;
        for (;;) {
                if ((err = bp_yaml_next(y)))
                        return err;
                if (y->event.type == YAML_SEQUENCE_END_EVENT)
                        break;
                if (*cnt == BP_LIST_MAX)
                        return bp_yaml_error(y, y->event.start_mark,
                                             "too many ids in 'any_of' (at "
                                             "most %d)",
                                             BP_LIST_MAX);
                /* Grown one id at a time: the list is at most BP_LIST_MAX
                 * long and read once, and the array never holds a slot the
                 * input has not filled yet. */
                ids = realloc(req->u.certification.any_of,
                              (*cnt + 1) * sizeof(*ids));
                if (!ids)
                        return BP_ERR_NOMEM;
                req->u.certification.any_of = ids;
                if ((err =
                         bp_yaml_id(y, "any_of", BP_ID_MAX, false, &ids[*cnt])))
                        return err;
                (*cnt)++;
        }
        if (*cnt == 0)
                return bp_yaml_error(y, start,
                                     "bad value for 'any_of': expected a "
                                     "non-empty list of certification ids, "
                                     "got an empty list");
        return BP_OK;
}

static bp_err_t bp_cert_key(bp_yaml_t *y, int key, void *target) {
        (void)key; /* any_of is the only key */
        return bp_any_of(y, target);
}

static bp_err_t bp_contract_key(bp_yaml_t *y, int key, void *target) {
        bp_requirement_t *req  = target;
        const char       *name = bp_contract_keys[key];

        switch (key) {
        case 0:
                return bp_yaml_id(y, name, BP_ID_MAX, false,
                                  &req->u.contracts.skill);
        case 1:
                return bp_yaml_int(y, name, 0, BP_RULES_CONTRACTS_MAX,
                                   &req->u.contracts.min);
        default:
                req->u.contracts.has_min_feedback = true;
                return bp_yaml_number(y, name, 1.0, 5.0,
                                      &req->u.contracts.min_feedback);
        }
}

static bp_err_t bp_jss_key(bp_yaml_t *y, int key, void *target) {
        bp_requirement_t *req = target;

        return bp_yaml_int(y, bp_jss_keys[key], 0, 100,
                           &req->u.job_success_score.min);
}

/* Indexed by bp_requirement_type_t, whose names are the keys. */
static const char *const   bp_req_keys[] = {"certification", "contracts",
                                            "job_success_score"};
static const bp_yaml_map_t bp_req_map    = {"requirement", bp_req_keys, 3, 0};
static const bp_yaml_map_t bp_req_body_maps[] = {
    {"certification", bp_cert_keys, 1, 0x1},
    {"contracts", bp_contract_keys, 3, 0x3},
    {"job_success_score", bp_jss_keys, 1, 0x1}};
static const bp_yaml_key_fn bp_req_body_fns[] = {bp_cert_key, bp_contract_key,
                                                 bp_jss_key};

/* --- partner files ------------------------------------------------------ */

/* Appends a zeroed requirement of type to partner; the partner owns it
 * from then on, so a failure while filling it frees what was filled. */
static bp_requirement_t *bp_requirement_add(bp_partner_rules_t *partner,
                                            int                 type) {
        bp_requirement_t *reqs;

        reqs = realloc(partner->requirements,
                       (partner->requirement_cnt + 1) * sizeof(*reqs));
        if (!reqs)
                return NULL;
        partner->requirements = reqs;
        reqs += partner->requirement_cnt++;
        memset(reqs, 0, sizeof(*reqs));
        reqs->type = (bp_requirement_type_t)type;
        return reqs;
}

/* One item of requirements: a mapping with exactly one key, the type. */
static bp_err_t bp_requirement(bp_yaml_t *y, bp_partner_rules_t *partner) {
        bp_requirement_t *req;
        yaml_mark_t       start;
        int               type;
        bp_err_t          err;

        if ((err = bp_yaml_expect(y, "requirements", YAML_MAPPING_START_EVENT,
                                  "a mapping with one key (certification, "
                                  "contracts or job_success_score)")))
                return err;
        start = y->event.start_mark;
        if ((err = bp_yaml_next(y)))
                return err;
        if (y->event.type == YAML_MAPPING_END_EVENT)
                return bp_yaml_error(y, start,
                                     "empty requirement (expected one of "
                                     "certification, contracts, "
                                     "job_success_score)");
        if ((err = bp_yaml_key(y, &bp_req_map, &type)))
                return err;
        if (!(req = bp_requirement_add(partner, type)))
                return BP_ERR_NOMEM;
        if ((err = bp_yaml_next(y)) ||
            (err =
                 bp_yaml_mapping(y, bp_req_keys[type], &bp_req_body_maps[type],
                                 bp_req_body_fns[type], req)) ||
            (err = bp_yaml_next(y)))
                return err;
        if (y->event.type != YAML_MAPPING_END_EVENT)
                return bp_yaml_error(y, y->event.start_mark,
                                     "a requirement has exactly one key; "
                                     "start a new list item after '%s'",
                                     bp_req_keys[type]);
        return BP_OK;
}

static bp_err_t bp_requirements(bp_yaml_t *y, bp_partner_rules_t *partner) {
        bp_err_t err;

        if ((err = bp_yaml_expect(y, "requirements", YAML_SEQUENCE_START_EVENT,
                                  "a sequence of requirements")))
                return err;
        for (;;) {
                if ((err = bp_yaml_next(y)))
                        return err;
                if (y->event.type == YAML_SEQUENCE_END_EVENT)
                        return BP_OK;
                if (partner->requirement_cnt == BP_RULES_REQ_MAX)
                        return bp_yaml_error(y, y->event.start_mark,
                                             "too many requirements (at most "
                                             "%d)",
                                             BP_RULES_REQ_MAX);
                if ((err = bp_requirement(y, partner)))
                        return err;
        }
}

enum {
        BP_XK_PARTNER_ID = 0,
        BP_XK_BADGE_ID,
        BP_XK_EXCEPTION,
        BP_XK_REQUIREMENTS,
        BP_XK__CNT
};
static const char *const bp_partner_keys[BP_XK__CNT] = {
    "partner_id", "badge_id", "new_freelancer_exception", "requirements"};
static const bp_yaml_map_t bp_partner_map = {"partner rules", bp_partner_keys,
                                             BP_XK__CNT, 0};

/* partner_id is redundant with the file name; when given it must agree,
 * so that a copied file cannot silently speak for another partner. */
static bp_err_t bp_partner_id_check(bp_yaml_t                *y,
                                    const bp_partner_rules_t *partner) {
        char    *id = NULL;
        bp_err_t err;

        if ((err = bp_yaml_id(y, "partner_id", BP_ID_MAX, true, &id)))
                return err;
        if (strcmp(id, partner->partner_id) != 0)
                err = bp_yaml_error(y, y->event.start_mark,
                                    "partner_id '%s' does not match the file "
                                    "name (expected '%s')",
                                    id, partner->partner_id);
        free(id);
        return err;
}

static bp_err_t bp_partner_key(bp_yaml_t *y, int key, void *target) {
        bp_partner_rules_t *partner = target;

        switch (key) {
        case BP_XK_PARTNER_ID:
                return bp_partner_id_check(y, partner);
        case BP_XK_BADGE_ID:
                return bp_yaml_id(y, bp_partner_keys[key], BP_ID_MAX, false,
                                  &partner->badge_id);
        case BP_XK_EXCEPTION:
                return bp_yaml_bool(y, bp_partner_keys[key],
                                    &partner->new_freelancer_exception);
        default:
                return bp_requirements(y, partner);
        }
}

/* --- files and the directory -------------------------------------------- */

/* Parses one document whose root is a mapping of map's keys. */
static bp_err_t bp_parse_document(bp_yaml_t *y, const bp_yaml_map_t *map,
                                  bp_yaml_key_fn fn, void *target) {
        bool     empty;
        bp_err_t err;

        if ((err = bp_yaml_open_document(y, &empty)))
                return err;
        if (!empty && (err = bp_yaml_mapping(y, NULL, map, fn, target)))
                return err;
        return bp_yaml_close_document(y);
}

static bp_err_t bp_file_error(const char *path, char *errstr,
                              size_t errstr_size, bp_err_t err,
                              const char *what) {
        snprintf(errstr, errstr_size, "%s:1:1: %s", path, what);
        return err;
}

/* Reads the whole file at path into buf, refusing anything but a regular
 * file (a FIFO would block start-up) and anything over the size limit. */
static bp_err_t bp_read_file(const char *path, bp_buf_t *buf, char *errstr,
                             size_t errstr_size) {
        struct stat st;
        ssize_t     n;
        bp_err_t    err = BP_OK;
        int         fd  = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);

        if (fd == -1)
                return bp_file_error(path, errstr, errstr_size, BP_ERR_IO,
                                     strerror(errno));
        if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
                err = bp_file_error(path, errstr, errstr_size, BP_ERR_IO,
                                    "not a regular file");
                goto out;
        }
        for (;;) {
                if (bp_buf_reserve(buf, 65536) != BP_OK) {
                        err = bp_file_error(path, errstr, errstr_size,
                                            BP_ERR_NOMEM, "out of memory");
                        goto out;
                }
                n = read(fd, buf->data + buf->len, 65536);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        err = bp_file_error(path, errstr, errstr_size,
                                            BP_ERR_IO, strerror(errno));
                        goto out;
                }
                buf->len += (size_t)n;
                /* One byte beyond the limit is enough to know it is over. */
                if (n == 0 || buf->len > BP_RULES_FILE_MAX)
                        break;
        }
        if (buf->len > BP_RULES_FILE_MAX)
                err = bp_file_error(path, errstr, errstr_size, BP_ERR_TOO_LARGE,
                                    "file is larger than 1 MiB");
out:
        close(fd);
        return err;
}

/* Parses the file's text as platform.yaml or as the partner file whose id
 * is the file's stem. The partner is added to rules first, so that
 * bp_rules_destroy() frees whatever was filled in before an error. */
static bp_err_t bp_parse_file(bp_rules_t *rules, const char *path,
                              const char *name, const bp_buf_t *text,
                              char *errstr, size_t errstr_size) {
        size_t              stem_len = strlen(name) - BP_RULES_SUFFIX_LEN;
        bp_partner_rules_t *partner;
        bp_yaml_t           y;
        bp_err_t            err;

        if ((err = bp_yaml_init(&y, path, text->data, text->len, errstr,
                                errstr_size)))
                return err;
        if (strcmp(name, "platform.yaml") == 0) {
                err = bp_parse_document(&y, &bp_platform_map, bp_platform_key,
                                        &rules->platform);
                goto out;
        }
        if (!bp_yaml_is_strict_id(name, stem_len, BP_ID_MAX)) {
                err = bp_file_error(path, errstr, errstr_size, BP_ERR_RULES,
                                    "the file name is not a partner id "
                                    "(characters A-Z a-z 0-9 . _ -)");
                goto out;
        }
        partner = &rules->partners[rules->partner_cnt++];
        partner->new_freelancer_exception = true;
        if (!(partner->partner_id = strndup(name, stem_len))) {
                err = BP_ERR_NOMEM;
                goto out;
        }
        if ((err = bp_parse_document(&y, &bp_partner_map, bp_partner_key,
                                     partner)))
                goto out;
        if (!partner->badge_id) {
                /* The default badge id, "<partner_id>-expert". */
                partner->badge_id = malloc(stem_len + sizeof("-expert"));
                if (!partner->badge_id) {
                        err = BP_ERR_NOMEM;
                        goto out;
                }
                memcpy(partner->badge_id, name, stem_len);
                memcpy(partner->badge_id + stem_len, "-expert",
                       sizeof("-expert"));
        }
out:
        bp_yaml_fini(&y);
        return err;
}

static bp_err_t bp_load_file(bp_rules_t *rules, const char *dir,
                             const char *name, char *errstr,
                             size_t errstr_size) {
        size_t   dir_len = strlen(dir);
        bool     slash   = dir_len > 0 && dir[dir_len - 1] != '/';
        bp_buf_t text    = {0};
        char    *path;
        bp_err_t err;

        /* The path as given, so that messages name what the user typed. */
        if (!(path = malloc(dir_len + 1 + strlen(name) + 1)))
                return BP_ERR_NOMEM;
        sprintf(path, "%s%s%s", dir, slash ? "/" : "", name);
        if (bp_has_suffix(name, bp_rules_suffix_yml, BP_RULES_SUFFIX_YML_LEN)) {
                snprintf(errstr, errstr_size,
                         "%s:1:1: rules files end in .yaml, and a .yml file "
                         "is not read: rename it to %.*s.yaml (or remove it)",
                         path, (int)(strlen(name) - BP_RULES_SUFFIX_YML_LEN),
                         name);
                err = BP_ERR_RULES;
                goto out;
        }
        if ((err = bp_read_file(path, &text, errstr, errstr_size)))
                goto out;
        err = bp_parse_file(rules, path, name, &text, errstr, errstr_size);
out:
        if (err == BP_ERR_NOMEM && errstr && errstr_size)
                snprintf(errstr, errstr_size, "%s: out of memory", path);
        bp_buf_free(&text);
        free(path);
        return err;
}

/* A name the loader must look at: a rules file, or a .yml one that it
 * refuses. */
static bool bp_is_rules_file(const char *name) {
        return name[0] != '.' &&
               (bp_has_suffix(name, bp_rules_suffix, BP_RULES_SUFFIX_LEN) ||
                bp_has_suffix(name, bp_rules_suffix_yml,
                              BP_RULES_SUFFIX_YML_LEN));
}

static int bp_name_cmp(const void *a, const void *b) {
        return strcmp(*(char *const *)a, *(char *const *)b);
}

static void bp_names_free(char **names, size_t cnt) {
        while (cnt > 0)
                free(names[--cnt]);
        free(names);
}

/* Lists the rules files of dir, sorted by name. */
static bp_err_t bp_list_dir(const char *dir, char ***names_out, size_t *cnt_out,
                            char *errstr, size_t errstr_size) {
        DIR           *d = opendir(dir);
        struct dirent *de;
        char         **names = NULL, **grown;
        size_t         cnt = 0, cap = 0;
        bp_err_t       err = BP_OK;

        if (!d) {
                snprintf(errstr, errstr_size,
                         "%s: cannot open the rules directory: %s", dir,
                         strerror(errno));
                return BP_ERR_IO;
        }
        while ((de = readdir(d))) {
                if (!bp_is_rules_file(de->d_name))
                        continue;
                if (cnt == cap) {
                        cap   = cap ? cap * 2 : 16;
                        grown = realloc(names, cap * sizeof(*names));
                        if (!grown) {
                                err = BP_ERR_NOMEM;
                                goto out;
                        }
                        names = grown;
                }
                if (!(names[cnt] = strdup(de->d_name))) {
                        err = BP_ERR_NOMEM;
                        goto out;
                }
                cnt++;
        }
        if (cnt > 0)
                qsort(names, cnt, sizeof(*names), bp_name_cmp);
out:
        closedir(d);
        if (err) {
                snprintf(errstr, errstr_size, "%s: out of memory", dir);
                bp_names_free(names, cnt);
                return err;
        }
        *names_out = names;
        *cnt_out   = cnt;
        return BP_OK;
}

static int bp_partner_sort_cmp(const void *a, const void *b) {
        const bp_partner_rules_t *pa = a, *pb = b;
        return strcmp(pa->partner_id, pb->partner_id);
}

/* Orders partners by badge_id, then partner_id, so that the pair a
 * duplicate reports does not depend on the directory. */
static int bp_badge_cmp(const void *a, const void *b) {
        const bp_partner_rules_t *pa = *(const bp_partner_rules_t *const *)a;
        const bp_partner_rules_t *pb = *(const bp_partner_rules_t *const *)b;
        int                       c  = strcmp(pa->badge_id, pb->badge_id);

        return c ? c : strcmp(pa->partner_id, pb->partner_id);
}

/* A badge_id belongs to one partner (EVENTS.md): two partners publishing
 * one would mix their grants and revocations. Names both files. */
static bp_err_t bp_check_badge_ids(const bp_rules_t *rules, const char *dir,
                                   char *errstr, size_t errstr_size) {
        const bp_partner_rules_t **by_badge;
        size_t                     dir_len = strlen(dir), i;
        const char *slash = dir_len > 0 && dir[dir_len - 1] != '/' ? "/" : "";
        bp_err_t    err   = BP_OK;

        if (rules->partner_cnt < 2)
                return BP_OK;
        if (!(by_badge = malloc(rules->partner_cnt * sizeof(*by_badge))))
                return BP_ERR_NOMEM;
        for (i = 0; i < rules->partner_cnt; i++)
                by_badge[i] = &rules->partners[i];
        qsort(by_badge, rules->partner_cnt, sizeof(*by_badge), bp_badge_cmp);
        for (i = 1; i < rules->partner_cnt; i++) {
                const bp_partner_rules_t *a = by_badge[i - 1], *b = by_badge[i];
                if (strcmp(a->badge_id, b->badge_id) != 0)
                        continue;
                snprintf(errstr, errstr_size,
                         "%s%s%s.yaml:1:1: badge_id '%s' is also the badge of "
                         "partner '%s' (%s%s%s.yaml); a badge belongs to one "
                         "partner",
                         dir, slash, b->partner_id, b->badge_id, a->partner_id,
                         dir, slash, a->partner_id);
                err = BP_ERR_RULES;
                break;
        }
        free(by_badge);
        return err;
}

bp_rules_t *bp_rules_load_dir(const char *dir, char *errstr,
                              size_t errstr_size) {
        bp_rules_t *rules = NULL;
        char      **names = NULL;
        size_t      cnt   = 0, i;
        char        scratch[1];
        bp_err_t    err;

        /* Messages are always formatted somewhere, even when the caller
         * passed no buffer. */
        if (!errstr || errstr_size == 0) {
                errstr      = scratch;
                errstr_size = sizeof(scratch);
        }
        errstr[0] = '\0';
        if (!dir) {
                snprintf(errstr, errstr_size, "no rules directory given");
                return NULL;
        }
        if ((err = bp_list_dir(dir, &names, &cnt, errstr, errstr_size)))
                goto out;
        if (cnt == 0) {
                /* Platform defaults and no partner requirements would be
                 * valid rules, but an empty directory is far more likely
                 * a mount or a copy that did not happen. */
                snprintf(errstr, errstr_size,
                         "%s: no rules file in the rules directory (expected "
                         "platform.yaml and/or <partner_id>.yaml files)",
                         dir);
                err = BP_ERR_RULES;
                goto out;
        }
        err = BP_ERR_NOMEM;
        if (!(rules = calloc(1, sizeof(*rules))))
                goto out;
        bp_platform_rules_defaults(&rules->platform);
        /* One slot per file: at most that many partners, and a count that
         * comes from the directory, not from anything a file claims. */
        if (cnt > 0 &&
            !(rules->partners = calloc(cnt, sizeof(*rules->partners))))
                goto out;
        for (i = 0; i < cnt; i++)
                if ((err = bp_load_file(rules, dir, names[i], errstr,
                                        errstr_size)))
                        goto out;
        /* File order is not id order ("a-b.yaml" < "a.yaml" but "a" <
         * "a-b"): sort for bp_rules_partner()'s binary search. */
        if (rules->partner_cnt > 1)
                qsort(rules->partners, rules->partner_cnt,
                      sizeof(*rules->partners), bp_partner_sort_cmp);
        if ((err = bp_check_badge_ids(rules, dir, errstr, errstr_size)))
                goto out;
        bp_rules_compute_version(rules);
        err = BP_OK;
out:
        bp_names_free(names, cnt);
        if (err) {
                if (err == BP_ERR_NOMEM && errstr[0] == '\0')
                        snprintf(errstr, errstr_size, "%s: out of memory", dir);
                bp_rules_destroy(rules);
                return NULL;
        }
        return rules;
}
