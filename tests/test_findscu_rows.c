/* findscu --batch output: row records in every format, error and count
 * records, blocks committed from several threads, --ordered and its
 * window, stop, --resume (torn ends, CSV quoted line breaks, headers) and
 * write failures. */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <dq/dataset.h>
#include <dq/find.h>

#include "findscu_rows.h"
#include "tmp_path.h"

#define V(a, b) DQ_VR_CODE(a, b)

/* ---- helpers -------------------------------------------------------------- */

static char dir[512];

static void make_dir(void)
{
    cr_assert(dq_test_tmp_template(dir, sizeof dir, "rows"));
    cr_assert(mkdtemp(dir));
}

static void remove_dir(void)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(findscu_rows, .init = make_dir, .fini = remove_dir);

static char *path_of(const char *name)
{
    static char p[4][600];
    static int k;
    char *r = p[k++ % 4];
    snprintf(r, sizeof p[0], "%s/%s", dir, name);
    return r;
}

/* The whole file (malloc'd, NUL-terminated); NULL when it does not exist. */
static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        fwrite(chunk, 1, n, m);
    fclose(f);
    fclose(m);
    return buf;
}

static void spit(const char *path, const char *s)
{
    FILE *f = fopen(path, "wb");
    cr_assert(f);
    fputs(s, f);
    fclose(f);
}

static void expect_file(const char *path, const char *want)
{
    char *got = slurp(path);
    cr_assert(got, "%s missing", path);
    cr_assert_str_eq(got, want);
    free(got);
}

/* PatientName = name (the one column of the CSV/TSV tests). */
static dq_dataset *patient(const char *name)
{
    dq_dataset *ds = dq_dataset_new();
    cr_assert_eq(dq_dataset_set_string(ds, DQ_TAG(0x0010, 0x0010), V('P', 'N'), name, NULL), 0);
    return ds;
}

static fs_columns *name_column(void)
{
    static fs_columns c;
    fs_options o = {.columns = "PatientName"};
    cr_assert_eq(fs_columns_build(&c, &o, NULL, NULL), 0);
    return &c;
}

static void respond(fs_sink *s, const dq_dataset *ds)
{
    dq_find_response rsp = {.pending = true, .identifier = ds};
    cr_assert_eq(s->response(s, NULL, &rsp, NULL), 0);
}

/* Row `row` with matches named names[0..n), then an error record when msg. */
static void run_row(fs_sink *s, size_t row, const char *const *names, size_t n, int status,
                    const char *msg)
{
    fs_rows_sink_begin_row(s, row);
    for (size_t i = 0; i < n; i++) {
        dq_dataset *ds = patient(names[i]);
        respond(s, ds);
        dq_dataset_free(ds);
    }
    dq_find_response final = {.pending = false};
    cr_assert_eq(s->response(s, NULL, &final, NULL), 0);
    cr_assert_eq(fs_rows_sink_matches(s), n);
    if (msg)
        cr_assert_eq(fs_rows_sink_error_record(s, status, msg, NULL), 0);
    dq_error err;
    cr_assert_eq(fs_rows_sink_commit(s, &err), 0, "%s", err.message);
}

static fs_rows *open_rows(fs_format fmt, const char *out, bool count, bool ordered, size_t window,
                          bool resume)
{
    fs_rows_config cfg = {
        .fmt = fmt,
        .output = out,
        .columns = (fmt == FS_FORMAT_CSV || fmt == FS_FORMAT_TSV) && !count ? name_column() : NULL,
        .count = count,
        .ordered = ordered,
        .window = window,
        .resume = resume};
    fs_rows *r;
    dq_error err;
    cr_assert_eq(fs_rows_open(&r, &cfg, &err), 0, "%s", err.message);
    return r;
}

static void close_rows(fs_rows *r, fs_sink *s)
{
    if (s)
        s->destroy(s);
    dq_error err;
    cr_assert_eq(fs_rows_close(r, true, &err), 0, "%s", err.message);
}

/* The rows 1..4 of the format tests: two matches, none, a failure after a
 * match, a failure without a final status. */
static void four_rows(fs_rows *r)
{
    fs_sink *s = fs_rows_sink_new(r, NULL);
    const char *two[] = {"A,1", "B\"2"};
    run_row(s, 1, two, 2, -1, NULL);
    run_row(s, 2, NULL, 0, -1, NULL);
    run_row(s, 3, two, 1, 0xA700, "Out of \"resources\"\nsee log");
    run_row(s, 4, NULL, 0, -1, "DIMSE timeout");
    close_rows(r, s);
}

/* ---- the formats ------------------------------------------------------------ */

#define PN(v) "\"00100010\":{\"vr\":\"PN\",\"Value\":[{\"Alphabetic\":\"" v "\"}]}"

/* four_rows' records in JSON: NDJSON has them a line each, JSON in an array. */
static const char *const JSON_RECORDS[] = {
    "{\"_row\":1," PN("A,1") "}",
    "{\"_row\":1," PN("B\\\"2") "}",
    "{\"_row\":3," PN("A,1") "}",
    "{\"_row\":3,\"_status\":\"0xA700\",\"_error\":\"Out of \\\"resources\\\"\\nsee log\"}",
    "{\"_row\":4,\"_error\":\"DIMSE timeout\"}",
};

/* JSON_RECORDS joined by sep between start and end (static). */
static const char *json_records(const char *start, const char *sep, const char *end)
{
    static char buf[2048];
    snprintf(buf, sizeof buf, "%s", start);
    for (size_t i = 0; i < 5; i++) {
        strcat(buf, JSON_RECORDS[i]);
        strcat(buf, i < 4 ? sep : end);
    }
    return buf;
}

Test(findscu_rows, ndjson_row_first_and_error_records)
{
    const char *p = path_of("out.ndjson");
    four_rows(open_rows(FS_FORMAT_NDJSON, p, false, false, 0, false));
    expect_file(p, json_records("", "\n", "\n"));
}

Test(findscu_rows, json_array_separators)
{
    const char *p = path_of("out.json");
    four_rows(open_rows(FS_FORMAT_JSON, p, false, false, 0, false));
    expect_file(p, json_records("[\n", ",\n", "\n]\n"));
}

Test(findscu_rows, json_without_records_is_an_empty_array)
{
    const char *p = path_of("empty.json");
    fs_rows *r = open_rows(FS_FORMAT_JSON, p, false, false, 0, false);
    fs_sink *s = fs_rows_sink_new(r, NULL);
    run_row(s, 1, NULL, 0, -1, NULL);
    close_rows(r, s);
    expect_file(p, "[]\n");
}

/* CSV/TSV: _row first, _status and _error last, every line as wide. */
Test(findscu_rows, csv_and_tsv_row_column_first_status_and_error_last)
{
    static const struct {
        fs_format fmt;
        const char *want;
    } v[] = {
        {FS_FORMAT_CSV, "_row,PatientName,_status,_error\r\n1,\"A,1\",,\r\n1,\"B\"\"2\",,\r\n"
                        "3,\"A,1\",,\r\n3,,0xA700,\"Out of \"\"resources\"\"\nsee log\"\r\n"
                        "4,,,DIMSE timeout\r\n"},
        {FS_FORMAT_TSV, "_row\tPatientName\t_status\t_error\n1\tA,1\t\t\n1\tB\"2\t\t\n"
                        "3\tA,1\t\t\n3\t\t0xA700\tOut of \"resources\"\\nsee log\n"
                        "4\t\t\tDIMSE timeout\n"},
    };
    for (size_t i = 0; i < 2; i++) {
        const char *p = path_of("out.csv");
        four_rows(open_rows(v[i].fmt, p, false, false, 0, false));
        expect_file(p, v[i].want);
    }
}

/* One <NativeDicomModel> with PatientName name, a line. */
static const char *ndm(const char *name)
{
    static char buf[2][512];
    static int k;
    char *b = buf[k++ % 2];
    snprintf(b, sizeof buf[0],
             "<NativeDicomModel xml:space=\"preserve\"><DicomAttribute tag=\"00100010\" "
             "vr=\"PN\" keyword=\"PatientName\"><PersonName number=\"1\"><Alphabetic>"
             "<FamilyName>%s</FamilyName></Alphabetic></PersonName></DicomAttribute>"
             "</NativeDicomModel>\n",
             name);
    return b;
}

Test(findscu_rows, xml_row_wrapper_and_error_element)
{
    const char *p = path_of("out.xml");
    four_rows(open_rows(FS_FORMAT_XML, p, false, false, 0, false));
    char want[4096];
    const char *a = ndm("A,1"), *b = ndm("B&quot;2");
    snprintf(want, sizeof want,
             "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<NativeDicomModels>\n"
             "<Row number=\"1\">\n%s%s</Row>\n"
             "<Row number=\"3\">\n%s<Error status=\"0xA700\">Out of &quot;resources&quot;\n"
             "see log</Error>\n</Row>\n"
             "<Row number=\"4\">\n<Error>DIMSE timeout</Error>\n</Row>\n"
             "</NativeDicomModels>\n",
             a, b, a);
    expect_file(p, want);
}

Test(findscu_rows, count_records_every_format)
{
    static const struct {
        fs_format fmt;
        const char *want;
    } v[] = {
        {FS_FORMAT_JSON,
         "[\n{\"_row\":1,\"_count\":2},\n{\"_row\":2,\"_count\":0},\n"
         "{\"_row\":3,\"_status\":\"0xA700\",\"_error\":\"Out of \\\"resources\\\"\\n"
         "see log\"},\n{\"_row\":4,\"_error\":\"DIMSE timeout\"}\n]\n"},
        {FS_FORMAT_NDJSON, "{\"_row\":1,\"_count\":2}\n{\"_row\":2,\"_count\":0}\n"
                           "{\"_row\":3,\"_status\":\"0xA700\",\"_error\":\"Out of "
                           "\\\"resources\\\"\\nsee log\"}\n{\"_row\":4,\"_error\":\"DIMSE "
                           "timeout\"}\n"},
        {FS_FORMAT_CSV, "_row,_count,_status,_error\r\n1,2,,\r\n2,0,,\r\n"
                        "3,,0xA700,\"Out of \"\"resources\"\"\nsee log\"\r\n4,,,DIMSE timeout\r\n"},
        {FS_FORMAT_TSV, "_row\t_count\t_status\t_error\n1\t2\t\t\n2\t0\t\t\n"
                        "3\t\t0xA700\tOut of \"resources\"\\nsee log\n4\t\t\tDIMSE timeout\n"},
        {FS_FORMAT_XML, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<NativeDicomModels>\n"
                        "<Row number=\"1\" count=\"2\"/>\n<Row number=\"2\" count=\"0\"/>\n"
                        "<Row number=\"3\">\n<Error status=\"0xA700\">Out of "
                        "&quot;resources&quot;\nsee log</Error>\n</Row>\n"
                        "<Row number=\"4\">\n<Error>DIMSE timeout</Error>\n</Row>\n"
                        "</NativeDicomModels>\n"},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        const char *p = path_of("count.out");
        fs_rows *r = open_rows(v[i].fmt, p, true, false, 0, false);
        four_rows(r);
        expect_file(p, v[i].want);
    }
}

/* ---- several threads ----------------------------------------------------------- */

#define THREADS 4
#define ROWS 120

typedef struct worker {
    fs_rows *rows;
    size_t first; /* rows first, first + THREADS, ... */
    bool ordered_wait;
} worker;

/* Row k has k % 3 matches named "k-i", row k % 10 == 7 fails. */
static void *work(void *arg)
{
    worker *w = arg;
    fs_sink *s = fs_rows_sink_new(w->rows, NULL);
    for (size_t k = w->first; k <= ROWS; k += THREADS) {
        if (w->ordered_wait && !fs_rows_wait_turn(w->rows, k))
            break;
        char names[3][16];
        const char *np[3];
        for (size_t i = 0; i < k % 3; i++) {
            snprintf(names[i], sizeof names[i], "%zu-%zu", k, i);
            np[i] = names[i];
        }
        run_row(s, k, np, k % 3, 0xC000, k % 10 == 7 ? "failed" : NULL);
    }
    s->destroy(s);
    return NULL;
}

static void run_threads(fs_rows *r, bool ordered)
{
    pthread_t t[THREADS];
    worker w[THREADS];
    for (size_t i = 0; i < THREADS; i++) {
        w[i] = (worker){.rows = r, .first = i + 1, .ordered_wait = ordered};
        cr_assert_eq(pthread_create(&t[i], NULL, work, &w[i]), 0);
    }
    for (size_t i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    close_rows(r, NULL);
}

/* A strict parse of the output by Python's json/csv modules: every record
 * once, "_row" first, a row's records together (and in order when asked). */
static void check_with_python(const char *path, const char *kind, bool ordered)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "python3 - '%s' %s %d <<'EOF'\n"
             "import sys, json, csv\n"
             "path, kind, ordered = sys.argv[1], sys.argv[2], sys.argv[3] == '1'\n"
             "recs = []\n"
             "if kind == 'json':\n"
             "    for o in json.load(open(path)):\n"
             "        assert list(o)[0] == '_row', o\n"
             "        recs.append((o['_row'], o.get('00100010', {}).get('Value', [{}])[0]"
             ".get('Alphabetic'), o.get('_error')))\n"
             "else:\n"
             "    rd = csv.reader(open(path, newline=''))\n"
             "    assert next(rd) == ['_row', 'PatientName', '_status', '_error']\n"
             "    for c in rd:\n"
             "        assert len(c) == 4, c\n"
             "        recs.append((int(c[0]), c[1] or None, c[3] or None))\n"
             "want = []\n"
             "for k in range(1, %d + 1):\n"
             "    want += [(k, '%%d-%%d' %% (k, i), None) for i in range(k %% 3)]\n"
             "    want += [(k, None, 'failed')] if k %% 10 == 7 else []\n"
             "rows = [r[0] for r in recs]\n"
             "assert sorted(recs, key=repr) == sorted(want, key=repr), (len(recs), len(want))\n"
             "seen = []\n"
             "for k in rows:\n"
             "    assert not seen or seen[-1] == k or k not in seen, k\n"
             "    seen.append(k)\n"
             "assert not ordered or recs == want\n"
             "EOF",
             path, kind, ordered, ROWS);
    cr_assert_eq(system(cmd), 0, "python3 rejected %s", path);
}

Test(findscu_rows, json_blocks_from_four_threads)
{
    const char *p = path_of("threads.json");
    run_threads(open_rows(FS_FORMAT_JSON, p, false, false, 0, false), false);
    check_with_python(p, "json", false);
}

Test(findscu_rows, csv_blocks_from_four_threads)
{
    const char *p = path_of("threads.csv");
    run_threads(open_rows(FS_FORMAT_CSV, p, false, false, 0, false), false);
    check_with_python(p, "csv", false);
}

Test(findscu_rows, ordered_from_four_threads)
{
    const char *p = path_of("ordered.json");
    run_threads(open_rows(FS_FORMAT_JSON, p, false, true, 2 * THREADS, false), true);
    check_with_python(p, "json", true);
}

/* Blocks committed in shuffled order come out in row order; a skipped row
 * lets the order pass. */
Test(findscu_rows, ordered_shuffled_commits_and_skip)
{
    const char *p = path_of("shuffled.ndjson");
    fs_rows *r = open_rows(FS_FORMAT_NDJSON, p, true, true, 8, false);
    static const size_t order[] = {5, 2, 8, 1, 7, 3, 6};
    fs_sink *s = fs_rows_sink_new(r, NULL);
    for (size_t i = 0; i < 7; i++) {
        const char *one[] = {"X"};
        run_row(s, order[i], one, 1, -1, NULL);
        if (order[i] == 3) {
            char *mid = slurp(p); /* 1..3 are written, 5.. wait for 4 */
            cr_assert_str_eq(mid, "{\"_row\":1,\"_count\":1}\n{\"_row\":2,\"_count\":1}\n"
                                  "{\"_row\":3,\"_count\":1}\n");
            free(mid);
        }
    }
    fs_rows_skip(r, 4);
    close_rows(r, s);
    expect_file(p,
                "{\"_row\":1,\"_count\":1}\n{\"_row\":2,\"_count\":1}\n{\"_row\":3,\"_count\":1}\n"
                "{\"_row\":5,\"_count\":1}\n{\"_row\":6,\"_count\":1}\n{\"_row\":7,\"_count\":1}\n"
                "{\"_row\":8,\"_count\":1}\n");
}

typedef struct waiter {
    fs_rows *rows;
    size_t row;
    atomic_int state; /* 0 waiting, 1 may go, 2 stopped */
} waiter;

static void *wait_turn(void *arg)
{
    waiter *w = arg;
    atomic_store(&w->state, fs_rows_wait_turn(w->rows, w->row) ? 1 : 2);
    return NULL;
}

static void start_waiter(pthread_t *t, waiter *w, fs_rows *r, size_t row)
{
    *w = (waiter){.rows = r, .row = row};
    cr_assert_eq(pthread_create(t, NULL, wait_turn, w), 0);
    usleep(100 * 1000);
}

static void expect_state(waiter *w, int want)
{
    for (int i = 0; i < 1000 && atomic_load(&w->state) != want; i++)
        usleep(10 * 1000);
    cr_assert_eq(atomic_load(&w->state), want, "row %zu", w->row);
}

/* Window 2: row 3 may start once row 1 is written, row 5 once 2 and 3 are
 * passed (committed or skipped); rows below the window go at once. */
Test(findscu_rows, window_blocks_until_earlier_rows_commit_or_skip)
{
    fs_rows *r = open_rows(FS_FORMAT_NDJSON, path_of("w.ndjson"), false, true, 2, false);
    cr_assert(fs_rows_wait_turn(r, 2));
    pthread_t t;
    waiter w;
    start_waiter(&t, &w, r, 3);
    cr_assert_eq(atomic_load(&w.state), 0, "row 3 did not wait");
    fs_sink *s = fs_rows_sink_new(r, NULL);
    run_row(s, 1, NULL, 0, -1, NULL);
    expect_state(&w, 1);
    pthread_join(t, NULL);
    start_waiter(&t, &w, r, 5);
    fs_rows_skip(r, 2);
    usleep(50 * 1000);
    cr_assert_eq(atomic_load(&w.state), 0, "row 5 went with row 3 unwritten");
    fs_rows_sink_begin_row(s, 3);
    fs_rows_sink_discard(s); /* as skipped */
    expect_state(&w, 1);
    pthread_join(t, NULL);
    close_rows(r, s);
}

/* Stop wakes a waiter with false; the blocks after the first gap are not
 * written, a skip after the stop no longer closes the gap. */
Test(findscu_rows, stop_wakes_waiters_and_drops_rows_after_a_gap)
{
    const char *p = path_of("stop.ndjson");
    fs_rows *r = open_rows(FS_FORMAT_NDJSON, p, true, true, 3, false);
    fs_sink *s = fs_rows_sink_new(r, NULL);
    run_row(s, 1, NULL, 0, -1, NULL);
    run_row(s, 3, NULL, 0, -1, NULL);
    pthread_t t;
    waiter w;
    start_waiter(&t, &w, r, 5);
    cr_assert_eq(atomic_load(&w.state), 0);
    fs_rows_stop(r);
    expect_state(&w, 2);
    pthread_join(t, NULL);
    cr_assert_not(fs_rows_wait_turn(r, 2));
    fs_rows_skip(r, 2);
    close_rows(r, s);
    expect_file(p, "{\"_row\":1,\"_count\":0}\n");
}

/* ---- --resume ------------------------------------------------------------------ */

static void expect_open_error(const fs_rows_config *cfg, dq_error_kind kind, const char *part)
{
    fs_rows *r;
    dq_error err;
    cr_assert_eq(fs_rows_open(&r, cfg, &err), -1);
    cr_assert_eq(err.kind, kind, "%s", err.message);
    cr_assert(strstr(err.message, part), "%s", err.message);
}

static size_t file_size(const char *p)
{
    struct stat st;
    cr_assert_eq(stat(p, &st), 0);
    return (size_t)st.st_size;
}

/* Rows 1..9 whole, row 10's block torn: both ways a crash leaves it. */
Test(findscu_rows, resume_ndjson_cuts_the_torn_last_row)
{
    char rows9[4096] = "";
    for (int k = 1; k <= 9; k++) {
        char l[128];
        snprintf(l, sizeof l, "{\"_row\":%d," PN("P%d") "}\n{\"_row\":%d,\"_count\":1}\n", k, k, k);
        strcat(rows9, l);
    }
    static const char *const torn[] = {
        "{\"_row\":10," PN("P10") "}\n{\"_row\":10,\"00100", /* half a line */
        "{\"_row\":10," PN("P10") "}\n",                     /* some records */
    };
    for (size_t i = 0; i < 2; i++) {
        const char *p = path_of("resume.ndjson");
        char whole[8192];
        snprintf(whole, sizeof whole, "%s%s", rows9, torn[i]);
        spit(p, whole);
        fs_rows *r = open_rows(FS_FORMAT_NDJSON, p, false, false, 0, true);
        cr_assert_eq(fs_rows_resumed(r), 9);
        for (size_t k = 1; k <= 12; k++)
            cr_assert_eq(fs_rows_done(r, k), k <= 9, "row %zu", k);
        cr_assert_eq(file_size(p), strlen(rows9), "the torn row is cut off");
        fs_sink *s = fs_rows_sink_new(r, NULL);
        const char *a[] = {"P10"}, *b[] = {"P11"};
        run_row(s, 10, a, 1, -1, NULL);
        run_row(s, 11, b, 1, -1, NULL);
        close_rows(r, s);
        char want[8192];
        snprintf(want, sizeof want, "%s{\"_row\":10," PN("P10") "}\n{\"_row\":11," PN("P11") "}\n",
                 rows9);
        expect_file(p, want);
    }
}

/* CSV cells may hold line breaks inside quotes (RFC 4180 2.6): they do not
 * end a record; the last row, torn inside such a cell, is cut off. */
Test(findscu_rows, resume_csv_with_quoted_line_breaks)
{
    const char *p = path_of("resume.csv");
    const char *head = "_row,PatientName,_status,_error\r\n"
                       "1,\"A\r\n2,B\",,\r\n"
                       "2,,0xA700,\"x\"\"\n3\"\r\n"
                       "3,\"C,\"\"\",,\r\n";
    char whole[1024];
    snprintf(whole, sizeof whole, "%s%s", head, "4,\"D\r\n5,");
    spit(p, whole);
    fs_rows *r = open_rows(FS_FORMAT_CSV, p, false, false, 0, true);
    cr_assert_eq(fs_rows_resumed(r), 2, "rows 1 and 2 (3 is the last block)");
    cr_assert(fs_rows_done(r, 1) && fs_rows_done(r, 2));
    cr_assert(!fs_rows_done(r, 3) && !fs_rows_done(r, 4) && !fs_rows_done(r, 5));
    fs_sink *s = fs_rows_sink_new(r, NULL);
    const char *c[] = {"C"};
    run_row(s, 3, c, 1, -1, NULL);
    close_rows(r, s);
    expect_file(p, "_row,PatientName,_status,_error\r\n"
                   "1,\"A\r\n2,B\",,\r\n"
                   "2,,0xA700,\"x\"\"\n3\"\r\n"
                   "3,C,,\r\n");
}

Test(findscu_rows, resume_header_mismatch_names_both)
{
    const char *p = path_of("other.csv");
    spit(p, "_row,PatientID,_status,_error\r\n1,X,,\r\n");
    fs_rows_config cfg = {
        .fmt = FS_FORMAT_CSV, .output = p, .columns = name_column(), .resume = true};
    expect_open_error(&cfg, DQ_ERR_ARGUMENT, "'_row,PatientID,_status,_error'");
    cfg.columns = name_column();
    expect_open_error(&cfg, DQ_ERR_ARGUMENT, "'_row,PatientName,_status,_error'");
    fs_columns_free(name_column());
    expect_file(p, "_row,PatientID,_status,_error\r\n1,X,,\r\n"); /* untouched */
}

Test(findscu_rows, resume_needs_a_file_of_lines)
{
    fs_rows_config cfg = {.fmt = FS_FORMAT_JSON, .output = path_of("x.json"), .resume = true};
    expect_open_error(&cfg, DQ_ERR_ARGUMENT, "--resume needs --output FILE");
    cfg.fmt = FS_FORMAT_XML;
    expect_open_error(&cfg, DQ_ERR_ARGUMENT, "--resume needs --output FILE");
    cfg.fmt = FS_FORMAT_NDJSON;
    cfg.output = NULL;
    expect_open_error(&cfg, DQ_ERR_ARGUMENT, "--resume needs --output FILE");
}

Test(findscu_rows, resume_rejects_a_file_that_is_not_rows)
{
    const char *p = path_of("foreign.ndjson");
    spit(p, "{\"00100010\":{}}\n");
    fs_rows_config cfg = {.fmt = FS_FORMAT_NDJSON, .output = p, .resume = true};
    expect_open_error(&cfg, DQ_ERR_ARGUMENT, "record 1 (byte 0) does not start with its row");
    spit(p, "{\"_row\":1,\"_count\":0}\n{\"_row\":100000001,\"_count\":0}\n");
    expect_open_error(&cfg, DQ_ERR_LIMIT, "record 2 has row number 100000001, above 100000000");
    spit(p, "{\"_row\":99999999999999999999999,\"_count\":0}\n");
    expect_open_error(&cfg, DQ_ERR_ARGUMENT, "record 1 (byte 0) does not start with its row");
}

Test(findscu_rows, resume_missing_or_torn_header_starts_fresh)
{
    const char *p = path_of("new.tsv");
    fs_rows *r = open_rows(FS_FORMAT_TSV, p, false, false, 0, true);
    cr_assert_eq(fs_rows_resumed(r), 0);
    close_rows(r, NULL);
    expect_file(p, "_row\tPatientName\t_status\t_error\n");
    spit(p, "_row\tPati");
    r = open_rows(FS_FORMAT_TSV, p, false, false, 0, true);
    close_rows(r, NULL);
    expect_file(p, "_row\tPatientName\t_status\t_error\n");
}

/* --resume with --ordered: the rows of the file do not hold the order up. */
Test(findscu_rows, resume_ordered_passes_done_rows)
{
    const char *p = path_of("ro.ndjson");
    spit(p, "{\"_row\":2,\"_count\":1}\n{\"_row\":1,\"_count\":1}\n{\"_row\":3,\"_count\":1}\n");
    fs_rows *r = open_rows(FS_FORMAT_NDJSON, p, true, true, 1, true);
    cr_assert(fs_rows_done(r, 1) && fs_rows_done(r, 2) && !fs_rows_done(r, 3));
    cr_assert(fs_rows_wait_turn(r, 3)); /* window 1: only when 1 and 2 are passed */
    fs_sink *s = fs_rows_sink_new(r, NULL);
    run_row(s, 3, NULL, 0, -1, NULL);
    close_rows(r, s);
    expect_file(
        p, "{\"_row\":2,\"_count\":1}\n{\"_row\":1,\"_count\":1}\n{\"_row\":3,\"_count\":0}\n");
}

/* ---- the output ------------------------------------------------------------------ */

/* NDJSON/CSV/TSV --output is the file itself, each row in it once
 * committed; JSON keeps the temporary file and its rename. */
Test(findscu_rows, lines_written_directly_json_atomically)
{
    const char *p = path_of("direct.ndjson"), *q = path_of("atomic.json");
    fs_rows *r = open_rows(FS_FORMAT_NDJSON, p, true, false, 0, false);
    fs_rows *j = open_rows(FS_FORMAT_JSON, q, true, false, 0, false);
    fs_sink *s = fs_rows_sink_new(r, NULL), *t = fs_rows_sink_new(j, NULL);
    run_row(s, 1, NULL, 0, -1, NULL);
    run_row(t, 1, NULL, 0, -1, NULL);
    expect_file(p, "{\"_row\":1,\"_count\":0}\n");
    cr_assert_null(slurp(q));
    close_rows(r, s);
    close_rows(j, t);
    expect_file(q, "[\n{\"_row\":1,\"_count\":0}\n]\n");
}

Test(findscu_rows, write_failure_is_reported)
{
    fs_rows *r = open_rows(FS_FORMAT_NDJSON, "/dev/full", true, false, 0, false);
    cr_assert_eq(fs_rows_error(r), 0);
    fs_sink *s = fs_rows_sink_new(r, NULL);
    run_row(s, 1, NULL, 0, -1, NULL);
    cr_assert_eq(fs_rows_error(r), ENOSPC);
    s->destroy(s);
    dq_error err;
    cr_assert_eq(fs_rows_close(r, true, &err), -1);
    cr_assert_eq(err.sys_errno, ENOSPC);
}

Test(findscu_rows, stats_sum_the_workers)
{
    fs_rows *r = open_rows(FS_FORMAT_JSON, path_of("st.json"), false, false, 0, false);
    fs_sink *a = fs_rows_sink_new(r, NULL), *b = fs_rows_sink_new(r, NULL);
    const char *two[] = {"A", "B"};
    run_row(a, 1, two, 2, -1, NULL);
    run_row(b, 2, two, 1, 0xA700, "Fehler: \xe4"); /* a peer's Latin-1 comment */
    cr_assert_eq(fs_rows_stats(r)->records, 4);
    cr_assert_eq(fs_rows_stats(r)->replaced_bytes, 1);
    a->destroy(a);
    close_rows(r, b);
    char *got = slurp(path_of("st.json"));
    cr_assert(
        strstr(got, "{\"_row\":2,\"_status\":\"0xA700\",\"_error\":\"Fehler: \xEF\xBF\xBD\"}"),
        "%s", got);
    free(got);
}

/* ---- a row in parts (its queries on several workers) ---------------------- */

/* Row 1's part: matches named names[0..n), then an error record when msg,
 * saved from sink s. */
static void save_part(fs_sink *s, const char *const *names, size_t n, const char *msg,
                      fs_rows_part *p)
{
    fs_rows_sink_begin_row(s, 1);
    for (size_t i = 0; i < n; i++) {
        dq_dataset *ds = patient(names[i]);
        respond(s, ds);
        dq_dataset_free(ds);
    }
    if (msg)
        cr_assert_eq(fs_rows_sink_error_record(s, 0xC000, msg, NULL), 0);
    fs_rows_sink_save_part(s, p);
    cr_assert_eq(fs_rows_sink_matches(s), 0, "the sink is emptied for the next part");
}

static const char *const ABC[] = {"A,1", "B\"2", "C"};

/* Row 1 as three parts (A; nothing; B, C and the error record) saved by two
 * sinks and joined by a third, then row 2 (A) whole. */
static void write_in_parts(fs_rows *r, const char *msg)
{
    fs_sink *a = fs_rows_sink_new(r, NULL), *b = fs_rows_sink_new(r, NULL),
            *c = fs_rows_sink_new(r, NULL);
    fs_rows_part p[3] = {0};
    save_part(a, ABC, 1, NULL, &p[0]);
    save_part(b, NULL, 0, NULL, &p[1]);
    save_part(a, ABC + 1, 2, msg, &p[2]);
    fs_rows_part *pp[] = {&p[0], &p[1], &p[2]};
    fs_rows_sink_begin_row(c, 1);
    dq_error err;
    cr_assert_eq(fs_rows_sink_commit_parts(c, pp, 3, &err), 0, "%s", err.message);
    run_row(b, 2, ABC, 1, -1, NULL);
    for (size_t i = 0; i < 3; i++)
        fs_rows_part_free(&p[i]);
    a->destroy(a);
    b->destroy(b);
    close_rows(r, c);
}

/* The same rows, each written whole by one sink. */
static void write_whole(fs_rows *r, const char *msg)
{
    fs_sink *s = fs_rows_sink_new(r, NULL);
    run_row(s, 1, ABC, 3, 0xC000, msg);
    run_row(s, 2, ABC, 1, -1, NULL);
    close_rows(r, s);
}

/* A row joined from parts is the row written whole, byte for byte: JSON
 * separators between parts, one XML <Row> around them, one count record
 * with the parts' matches summed (or the error record instead), in every
 * format. */
Test(findscu_rows, parts_join_into_the_whole_row)
{
    static const fs_format fmts[] = {FS_FORMAT_JSON, FS_FORMAT_NDJSON, FS_FORMAT_CSV, FS_FORMAT_TSV,
                                     FS_FORMAT_XML};
    for (size_t f = 0; f < sizeof fmts / sizeof fmts[0]; f++)
        for (int count = 0; count < 2; count++)
            for (int err = 0; err < 2; err++) {
                const char *msg = err ? "Unable to process" : NULL;
                char *pa = path_of("parts"), *wh = path_of("whole");
                write_in_parts(open_rows(fmts[f], pa, count, false, 4, false), msg);
                write_whole(open_rows(fmts[f], wh, count, false, 4, false), msg);
                char *got = slurp(pa), *want = slurp(wh);
                cr_assert(got && want);
                cr_expect_str_eq(got, want, "format %d count %d error %d", (int)fmts[f], count,
                                 err);
                if (count && !err)
                    cr_expect(strstr(got, "3"), "the count of the parts' matches: %s", got);
                free(got);
                free(want);
            }
}
