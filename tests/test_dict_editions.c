/* Regeneration from another edition: the generator and library build from
 * the 2013 standard with no code change, and this test shows what the 2013
 * tables lack compared with the current ones (from `dicomgen --dump`). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#define DICOMGEN DQ_BINARY_DIR "/gen/dicomgen"

typedef struct rows {
    char **key;  /* first column */
    char **line; /* whole line */
    size_t n;
} rows;

static rows dump(const char *dir, const char *what)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s --standard %s --dump %s 2>/dev/null", DICOMGEN, dir, what);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    rows r = {0};
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int header = 1;
    while ((len = getline(&line, &cap, p)) > 0) {
        if (line[len - 1] == '\n')
            line[len - 1] = 0;
        if (header) {
            header = 0;
            continue;
        }
        r.key = realloc(r.key, (r.n + 1) * sizeof *r.key);
        r.line = realloc(r.line, (r.n + 1) * sizeof *r.line);
        r.line[r.n] = strdup(line);
        r.key[r.n] = strndup(line, strcspn(line, "\t"));
        r.n++;
    }
    free(line);
    cr_assert_eq(pclose(p), 0, "%s failed", cmd);
    cr_assert_gt(r.n, 0);
    return r;
}

static const char *find(const rows *r, const char *key)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->key[i], key) == 0)
            return r->line[i];
    return NULL;
}

/* Keys of `a` missing from `b`, printed (first few) and counted. */
static size_t missing(const char *what, const rows *a, const rows *b)
{
    size_t n = 0;
    for (size_t i = 0; i < a->n; i++)
        if (!find(b, a->key[i])) {
            if (n < 5)
                fprintf(stderr, "  %s only in current: %s\n", what, a->line[i]);
            n++;
        }
    return n;
}

static void free_rows(rows *r)
{
    for (size_t i = 0; i < r->n; i++) {
        free(r->key[i]);
        free(r->line[i]);
    }
    free(r->key);
    free(r->line);
}

Test(dict_editions, what_2013_lacks)
{
    rows cur_el = dump(DICOM_STANDARD_DIR, "elements"),
         old_el = dump(DQ_STANDARD_2013_DIR, "elements");
    rows cur_uid = dump(DICOM_STANDARD_DIR, "uids"), old_uid = dump(DQ_STANDARD_2013_DIR, "uids");
    rows cur_vr = dump(DICOM_STANDARD_DIR, "vrs"), old_vr = dump(DQ_STANDARD_2013_DIR, "vrs");

    size_t el = missing("element", &cur_el, &old_el);
    size_t gone = missing("element (2013 only)", &old_el, &cur_el);
    size_t uid = missing("UID", &cur_uid, &old_uid);
    size_t vr = missing("VR", &cur_vr, &old_vr);
    size_t changed = 0;
    for (size_t i = 0; i < old_el.n; i++) {
        const char *now = find(&cur_el, old_el.key[i]);
        if (now && strcmp(now, old_el.line[i]) != 0) {
            fprintf(stderr, "  changed: %s\n       -> %s\n", old_el.line[i], now);
            changed++;
        }
    }
    fprintf(stderr,
            "2013 vs current: 2013 lacks %zu elements, %zu UIDs, %zu VRs; %zu elements changed; "
            "%zu elements only in 2013\n",
            el, uid, vr, changed, gone);

    /* Elements added after 2013 (e.g. by the 2014 DICOMweb and UR supplements). */
    cr_assert_geq(el, 100);
    cr_assert_not_null(find(&cur_el, "(0002,0017)")); /* SendingApplicationEntityTitle */
    cr_assert_null(find(&old_el, "(0002,0017)"));
    cr_assert_null(find(&old_el, "(0008,0120)")); /* URNCodeValue */
    /* PS3.6 retires, never deletes. */
    cr_assert_eq(gone, 0);
    /* UT became UR when the UR VR arrived. */
    cr_assert(strstr(find(&old_el, "(0008,1190)"), "\tUT\t"));
    cr_assert(strstr(find(&cur_el, "(0008,1190)"), "\tUR\t"));
    /* VRs added after 2013 */
    cr_assert_null(find(&old_vr, "UR"));
    cr_assert_null(find(&old_vr, "UC"));
    cr_assert_null(find(&old_vr, "OL"));
    cr_assert_not_null(find(&cur_vr, "UR"));
    cr_assert_geq(vr, 3);
    /* A SOP class added after 2013: Parametric Map Storage */
    cr_assert_not_null(find(&cur_uid, "1.2.840.10008.5.1.4.1.1.30"));
    cr_assert_null(find(&old_uid, "1.2.840.10008.5.1.4.1.1.30"));
    cr_assert_geq(uid, 5);

    free_rows(&cur_el);
    free_rows(&old_el);
    free_rows(&cur_uid);
    free_rows(&old_uid);
    free_rows(&cur_vr);
    free_rows(&old_vr);
}

static int sh(const char *cmd)
{
    fprintf(stderr, "+ %s\n", cmd);
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Configure and build a second tree from the 2013 XML, then run the
 * edition-independent dictionary tests in it. */
Test(dict_editions, builds_and_passes_from_2013, .timeout = 900)
{
    const char *tree = DQ_BINARY_DIR "/edition-2013";
    char cmd[2048];
    snprintf(
        cmd, sizeof cmd,
        "cmake -S %s -B %s -DDICOM_STANDARD_DIR=%s -DCMAKE_BUILD_TYPE=RelWithDebInfo >%s.log 2>&1",
        DQ_SOURCE_DIR, tree, DQ_STANDARD_2013_DIR, tree);
    cr_assert_eq(sh(cmd), 0, "configure failed, see %s.log", tree);
    snprintf(cmd, sizeof cmd,
             "cmake --build %s -j2 --target test_dict test_vr test_uid test_version >>%s.log 2>&1",
             tree, tree);
    cr_assert_eq(sh(cmd), 0, "build failed, see %s.log", tree);
    static const char *const tests[] = {"test_dict", "test_vr", "test_uid", "test_version"};
    for (size_t i = 0; i < sizeof tests / sizeof *tests; i++) {
        /* env -i: a Criterion test run from a Criterion test must not inherit
         * the parent runner's environment. */
        snprintf(cmd, sizeof cmd, "env -i PATH=/usr/bin:/bin %s/tests/%s --jobs 1 >>%s.log 2>&1",
                 tree, tests[i], tree);
        cr_assert_eq(sh(cmd), 0, "%s failed on the 2013 tables, see %s.log", tests[i], tree);
    }
    /* The library says which edition it was built from. */
    snprintf(cmd, sizeof cmd,
             "grep -q 'DICOM PS3.6 2013 - Data Dictionary' %s/generated/dq_gen_dict.c", tree);
    cr_assert_eq(sh(cmd), 0);
}
