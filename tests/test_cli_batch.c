/* findscu's batch queries (--batch, --cancel, --repeat, --abort) end to
 * end: against the scripted SCP (tests/scp), one script per connection so a
 * batch that loses its association goes on on the next one, and against the
 * benchmark's replay SCP for --cancel. Scripts for 100+ rows are built here
 * in loops. Each row r's query has PatientID "P%04d" (from the CSV) and its
 * one match PatientID "ID%04d", so every record and every received query can
 * be traced to its row. */
#include <criterion/criterion.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <dq/dict.h>
#include <dq/dimse_tables.h>
#include <dq/pdu.h>

#include "cli_run.h"
#include "replay_peer.h"
#include "scp.h"
#include "tmp_path.h"

/* ---- text built in loops ---------------------------------------------------- */

typedef struct text {
    char *s;
    size_t n, cap;
} text;

static void tadd(text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void tadd(text *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int need = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    cr_assert_geq(need, 0);
    if (t->n + (size_t)need + 1 > t->cap) {
        t->cap = (t->n + (size_t)need + 1) * 2;
        t->s = realloc(t->s, t->cap);
        cr_assert_not_null(t->s);
    }
    va_start(ap, fmt);
    vsnprintf(t->s + t->n, t->cap - t->n, fmt, ap);
    va_end(ap);
    t->n += (size_t)need;
}

/* The identifier of row r's match: PatientID "ID%04d" in Implicit VR Little
 * Endian (the scripted SCP accepts the first proposed syntax, which is
 * that one), as hex: tag (group, element LE), 4-byte length, value. */
static void match_hex(char *buf, size_t cap, int r)
{
    char v[8];
    snprintf(v, sizeof v, "ID%04d", r % 10000);
    unsigned g = DQ_TAG_PatientID >> 16, e = DQ_TAG_PatientID & 0xFFFFu;
    int n = snprintf(buf, cap, "%02x%02x%02x%02x%02x000000", g & 0xFF, g >> 8, e & 0xFF, e >> 8,
                     (unsigned)strlen(v));
    for (size_t i = 0; v[i] && (size_t)n + 2 < cap; i++)
        n += snprintf(buf + n, cap - (size_t)n, "%02x", (unsigned char)v[i]);
}

/* Script lines answering rows from..to: one pending match each, then Success. */
static void answer_rows(text *t, int from, int to)
{
    char hex[64];
    for (int r = from; r <= to; r++) {
        match_hex(hex, sizeof hex, r);
        tadd(t, "recv-msg\nfind-rsp 0xFF00 %s\nfind-rsp 0x0000\n", hex);
    }
}

/* ---- a peer with one script per connection -------------------------------- */

/* Like peer_start, but connection i runs scripts[i]; the record marks each
 * with a line "script i" (dq_test_scp_serve numbers every one "connection 0"). */
static void peer_start_n(peer *p, const char *const *scripts, int n)
{
    memset(p, 0, sizeof *p);
    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    cr_assert_geq(lfd, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t l = sizeof a;
    cr_assert(bind(lfd, (struct sockaddr *)&a, sizeof a) == 0 && listen(lfd, 16) == 0 &&
              getsockname(lfd, (struct sockaddr *)&a, &l) == 0);
    p->scp.port = ntohs(a.sin_port);
    snprintf(p->port, sizeof p->port, "%u", p->scp.port);
    cr_assert_not_null(
        dq_test_tmp_template(p->scp.record_path, sizeof p->scp.record_path, "dq_test_scp"));
    int rfd = mkstemp(p->scp.record_path);
    cr_assert_geq(rfd, 0);
    close(rfd);
    fflush(NULL);
    p->scp.pid = fork();
    cr_assert_geq(p->scp.pid, 0);
    if (p->scp.pid == 0) {
        signal(SIGPIPE, SIG_IGN);
        for (int i = 0; i < n; i++) {
            FILE *f = fopen(p->scp.record_path, "a");
            if (!f)
                _exit(2);
            fprintf(f, "script %d\n", i);
            fclose(f);
            int rc = dq_test_scp_serve(lfd, scripts[i], 1, p->scp.record_path);
            if (rc != 0)
                _exit(rc);
        }
        _exit(0);
    }
    close(lfd);
}

/* findscu 127.0.0.1 <port> args... against a started peer, then the peer
 * finished (its record read). *took: findscu's wall time. */
static void run_against(peer *p, result *r, const char *const *args, const char *sigint_after,
                        double *took)
{
    const char *argv[64] = {"127.0.0.1", p->port};
    size_t n = 2;
    for (size_t i = 0; args[i]; i++) {
        cr_assert_lt(n, 63);
        argv[n++] = args[i];
    }
    argv[n] = NULL;
    double t0 = mono_now();
    run_findscu(r, argv, sigint_after, NULL);
    if (took)
        *took = mono_now() - t0;
    peer_finish(p);
}

/* Stops a peer that should have seen nothing (it would wait 20 s for a
 * connection) and reads its record. */
static void peer_stop(peer *p)
{
    p->exit = dq_test_scp_finish(&p->scp, 0.3);
    p->record = dq_test_scp_record(&p->scp);
}

/* The record of connection i (malloc'd): from "script i" to the next one. */
static char *section(const char *record, int i)
{
    char mark[32];
    snprintf(mark, sizeof mark, "script %d\n", i);
    const char *s = strstr(record, mark);
    if (!s)
        return strdup("");
    s += strlen(mark);
    const char *e = strstr(s, "\nscript ");
    return strndup(s, e ? (size_t)(e - s) + 1 : strlen(s));
}

/* How many lines of a record start with "key ". */
static int count_key(const char *rec, const char *key)
{
    int n = 0;
    size_t kl = strlen(key);
    for (const char *p = rec; p && *p;) {
        if (!strncmp(p, key, kl) && p[kl] == ' ')
            n++;
        p = strchr(p, '\n');
        p = p ? p + 1 : NULL;
    }
    return n;
}

static const char *nth(const char *rec, const char *key, int i)
{
    static char buf[8][8192];
    static int slot;
    slot = (slot + 1) % 8;
    return dq_test_scp_get(rec, key, i, buf[slot], sizeof buf[slot]);
}

/* The value of a top-level element of an Implicit VR Little Endian data set
 * given as hex (trailing spaces cut), into out; false when absent. */
static bool element_value(const char *hex, uint32_t tag, char *out, size_t cap)
{
    size_t n = hex ? strlen(hex) / 2 : 0;
    uint8_t *b = malloc(n + 1);
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        sscanf(hex + 2 * i, "%2x", &v);
        b[i] = (uint8_t)v;
    }
    bool found = false;
    for (size_t q = 0; q + 8 <= n;) {
        uint32_t t = (uint32_t)(b[q] | b[q + 1] << 8) << 16 | (uint32_t)(b[q + 2] | b[q + 3] << 8);
        uint32_t l = (uint32_t)b[q + 4] | (uint32_t)b[q + 5] << 8 | (uint32_t)b[q + 6] << 16 |
                     (uint32_t)b[q + 7] << 24;
        if (l > n - q - 8)
            break; /* undefined length or truncated: our queries have neither */
        if (t == tag) {
            size_t k = l < cap - 1 ? l : cap - 1;
            memcpy(out, b + q + 8, k);
            while (k > 0 && out[k - 1] == ' ')
                k--;
            out[k] = 0;
            found = true;
            break;
        }
        q += 8 + l;
    }
    free(b);
    return found;
}

/* The PatientID of the i-th query a record section holds ("" when none). */
static const char *query_patient_id(const char *sec, int i)
{
    static char v[64];
    v[0] = 0;
    if (!element_value(nth(sec, "data_hex", i), DQ_TAG_PatientID, v, sizeof v))
        v[0] = 0;
    return v;
}

/* ---- input files and the records -------------------------------------------- */

typedef struct files {
    char dir[128];
} files;

static void files_init(files *f)
{
    cr_assert_not_null(dq_test_tmp_template(f->dir, sizeof f->dir, "dq-batch"));
    cr_assert_not_null(mkdtemp(f->dir));
}

/* dir/name (static rotating buffer). */
static const char *path_of(files *f, const char *name)
{
    static char buf[4][512];
    static int slot;
    slot = (slot + 1) % 4;
    snprintf(buf[slot], sizeof buf[slot], "%s/%s", f->dir, name);
    return buf[slot];
}

static const char *file_with(files *f, const char *name, const char *content)
{
    const char *p = path_of(f, name);
    FILE *fp = fopen(p, "wb");
    cr_assert_not_null(fp);
    cr_assert_eq(fwrite(content, 1, strlen(content), fp), strlen(content));
    fclose(fp);
    return p;
}

/* A --batch CSV: header PatientID, rows 1..n with "P%04d". */
static const char *rows_csv(files *f, const char *name, int n)
{
    text t = {0};
    tadd(&t, "PatientID\n");
    for (int r = 1; r <= n; r++)
        tadd(&t, "P%04d\n", r);
    const char *p = file_with(f, name, t.s);
    free(t.s);
    return p;
}

static void files_free(files *f)
{
    DIR *d = opendir(f->dir);
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            unlink(path_of(f, e->d_name));
    if (d)
        closedir(d);
    rmdir(f->dir);
}

/* How many lines of out start with the NDJSON record prefix of row r. */
static int row_lines(const char *out, int r)
{
    char pre[32];
    snprintf(pre, sizeof pre, "{\"_row\":%d,", r);
    int n = 0;
    size_t pl = strlen(pre);
    for (const char *p = out; p && *p;) {
        if (!strncmp(p, pre, pl))
            n++;
        p = strchr(p, '\n');
        p = p ? p + 1 : NULL;
    }
    return n;
}

/* The line of out (without its line end) that starts with row r's prefix
 * and holds needle; NULL when none. */
static const char *row_line_with(const char *out, int r, const char *needle)
{
    static char line[4096];
    char pre[32];
    snprintf(pre, sizeof pre, "{\"_row\":%d,", r);
    for (const char *p = out; p && *p;) {
        const char *e = strchr(p, '\n');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        if (l < sizeof line && !strncmp(p, pre, strlen(pre))) {
            memcpy(line, p, l);
            line[l] = 0;
            if (strstr(line, needle))
                return line;
        }
        p = e ? e + 1 : NULL;
    }
    return NULL;
}

/* Row r has exactly its one match record. */
static void expect_row_match(const char *out, int r)
{
    char id[16];
    snprintf(id, sizeof id, "\"ID%04d\"", r);
    cr_expect_eq(row_lines(out, r), 1, "row %d: %d records", r, row_lines(out, r));
    cr_expect_not_null(row_line_with(out, r, id), "row %d: no record with its match %s", r, id);
}

/* The last part of a long log, for messages. */
static const char *tail(const char *s)
{
    size_t n = strlen(s);
    return n > 3000 ? s + n - 3000 : s;
}

static int count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

static const char *const QUERY[] = {"-P", "-k", "QueryRetrieveLevel=PATIENT"};

/* args: QUERY, then the NULL-terminated extra. */
static void with_query(const char **argv, const char *const *extra)
{
    size_t n = 0;
    for (size_t i = 0; i < sizeof QUERY / sizeof QUERY[0]; i++)
        argv[n++] = QUERY[i];
    for (size_t i = 0; extra[i]; i++)
        argv[n++] = extra[i];
    argv[n] = NULL;
}

/* ---- one run: its files, its peer, findscu's result ----------------------------- */

typedef struct batch {
    files f;       /* f.dir "" when the run has no files */
    char csv[512]; /* the --batch CSV, "" when none */
    peer p;
    result r;
    double took; /* findscu's wall time */
} batch;

/* The script of one association that answers rows from..to, then releases
 * (malloc'd). */
static char *answering(int from, int to)
{
    text t = {0};
    tadd(&t, "accept\n");
    answer_rows(&t, from, to);
    tadd(&t, "release\nwait-close\n");
    return t.s;
}

/* A fresh directory with rows.csv of rows 1..rows (rows_csv). */
static void batch_files(batch *b, int rows)
{
    memset(b, 0, sizeof *b);
    files_init(&b->f);
    snprintf(b->csv, sizeof b->csv, "%s", rows_csv(&b->f, "rows.csv", rows));
}

/* A peer running scripts[i] on connection i, and findscu QUERY [--batch CSV
 * --format ndjson, when b has a CSV] extra... (NULL-terminated, may be NULL)
 * against it; SIGINT once stderr holds sigint_after (when not NULL). */
static void batch_run(batch *b, const char *const *scripts, int n, const char *const *extra,
                      const char *sigint_after)
{
    const char *args[32], *argv[40];
    size_t k = 0;
    if (b->csv[0]) {
        args[k++] = "--batch";
        args[k++] = b->csv;
        args[k++] = "--format";
        args[k++] = "ndjson";
    }
    for (size_t i = 0; extra && extra[i]; i++) {
        cr_assert_lt(k, 31);
        args[k++] = extra[i];
    }
    args[k] = NULL;
    with_query(argv, args);
    peer_start_n(&b->p, scripts, n);
    run_against(&b->p, &b->r, argv, sigint_after, &b->took);
}

/* batch_files, then batch_run without SIGINT. */
static void batch_case(batch *b, int rows, const char *const *scripts, int n,
                       const char *const *extra)
{
    batch_files(b, rows);
    batch_run(b, scripts, n, extra, NULL);
}

/* Frees one run's result and peer (the files stay for another run). */
static void batch_next(batch *b)
{
    result_free(&b->r);
    peer_free(&b->p);
}

static void batch_free(batch *b)
{
    batch_next(b);
    if (b->f.dir[0])
        files_free(&b->f);
}

/* ---- 1. the peer aborts in the middle of a row ------------------------------- */

/* Rows 1-56 answered; row 57 gets one pending match, then A-ABORT; the
 * second connection answers rows 58-N. Row 57 fails and is not sent again;
 * the others complete; exit 3. */
Test(cli_batch, abort_mid_row_goes_on_on_a_new_association, .timeout = 60)
{
    enum { N = 120, K = 57 };
    text s1 = {0};
    char hex[64];
    match_hex(hex, sizeof hex, K);
    tadd(&s1, "accept\n");
    answer_rows(&s1, 1, K - 1);
    tadd(&s1, "recv-msg\nfind-rsp 0xFF00 %s\nabort 2 0\nwait-close\n", hex);
    char *s2 = answering(K + 1, N);
    const char *scripts[] = {s1.s, s2};
    batch b;
    batch_case(&b, N, scripts, 2, NULL);
    cr_expect_eq(b.r.status, 3, "exit %d: %s", b.r.status, b.r.err);
    cr_expect_eq(b.p.exit, 0, "the peer's scripts did not run to their end:\n%s", b.p.record);
    cr_expect(strstr(b.r.err, "E: Row 57: association aborted"), "%s", b.r.err);
    for (int row = 1; row <= N; row++)
        if (row != K)
            expect_row_match(b.r.out, row);
    /* Row 57: the match that arrived before the A-ABORT, then its error
     * record (findscu_rows.c writes the matches that arrived, then the
     * error; docs/formats.md "after the matches that did arrive"). */
    cr_expect_eq(row_lines(b.r.out, K), 2, "row 57's records:\n%s", b.r.out);
    char id[16];
    snprintf(id, sizeof id, "\"ID%04d\"", K);
    cr_expect_not_null(row_line_with(b.r.out, K, id), "row 57's match is not written:\n%s",
                       b.r.out);
    const char *e = row_line_with(b.r.out, K, "\"_error\":\"association aborted");
    cr_expect_not_null(e, "row 57 has no error record:\n%s", b.r.out);
    cr_expect(e && !strstr(e, "_status"), "no final status came, no _status: %s", e);
    if (e)
        cr_log_info("row 57's error record: %s", e);
    const char *match_at = strstr(b.r.out, "\"ID0057\""),
               *error_at = strstr(b.r.out, "{\"_row\":57,\"_error\"");
    cr_expect(match_at && error_at && match_at < error_at,
              "row 57's match comes before its error record");
    cr_expect_eq(count_lines(b.r.out), N + 1);
    /* Connection 1 got rows 1-57 as message IDs 1-57; connection 2 exactly
     * rows 58-N as message IDs 1.. (row 57 not retried). */
    char *c1 = section(b.p.record, 0), *c2 = section(b.p.record, 1);
    cr_expect_eq(count_key(c1, "msg_id"), K);
    cr_expect_eq(count_key(c2, "msg_id"), N - K, "%d", count_key(c2, "msg_id"));
    for (int i = 0; i < N - K; i++) {
        char want_id[16], want_pid[16];
        snprintf(want_id, sizeof want_id, "%d", i + 1);
        snprintf(want_pid, sizeof want_pid, "P%04d", K + 1 + i);
        cr_expect_str_eq(nth(c2, "msg_id", i), want_id);
        cr_expect_str_eq(query_patient_id(c2, i), want_pid, "connection 2, message %d", i + 1);
    }
    cr_expect_str_eq(query_patient_id(c1, K - 1), "P0057");
    cr_log_info("abort at row 57 of %d: %.2f s", N, b.took);
    free(c1);
    free(c2);
    free(s1.s);
    free(s2);
    batch_free(&b);
}

/* ---- 2. the peer stops answering ---------------------------------------------- */

/* Row 4 is received and never answered (hold): -td 1 ends it with a DIMSE
 * timeout (an error record), findscu aborts that association and rows 5-10
 * run on a second one; exit 3, in a few seconds. */
Test(cli_batch, dimse_timeout_goes_on_on_a_new_association, .timeout = 60)
{
    enum { N = 10, K = 4 };
    text s1 = {0};
    tadd(&s1, "accept\n");
    answer_rows(&s1, 1, K - 1);
    tadd(&s1, "recv-msg\nhold\n");
    char *s2 = answering(K + 1, N);
    const char *scripts[] = {s1.s, s2};
    batch b;
    batch_case(&b, N, scripts, 2, (const char *[]){"-td", "1", NULL});
    cr_expect_eq(b.r.status, 3, "exit %d: %s", b.r.status, b.r.err);
    cr_expect_eq(b.p.exit, 0, "%s", b.p.record);
    cr_expect(strstr(b.r.err, "E: Row 4: DIMSE timeout reached while waiting for message response"),
              "%s", b.r.err);
    cr_expect_not_null(row_line_with(b.r.out, K,
                                     "\"_error\":\"DIMSE timeout reached while waiting for message "
                                     "response\"}"),
                       "%s", b.r.out);
    cr_expect_eq(row_lines(b.r.out, K), 1);
    for (int row = 1; row <= N; row++)
        if (row != K)
            expect_row_match(b.r.out, row);
    char *c1 = section(b.p.record, 0), *c2 = section(b.p.record, 1);
    /* the stalled association ended with findscu's A-ABORT */
    char abort_pdu[16];
    snprintf(abort_pdu, sizeof abort_pdu, "%02x", DQ_PDU_ABORT);
    cr_expect_str_eq(nth(c1, "pdu", 0), abort_pdu, "%s", c1);
    cr_expect_eq(count_key(c2, "msg_id"), N - K);
    cr_expect_str_eq(query_patient_id(c2, 0), "P0005");
    cr_expect_lt(b.took, 8.0, "took %.1f s", b.took);
    cr_log_info("DIMSE timeout at row 4: %.2f s", b.took);
    free(c1);
    free(c2);
    free(s1.s);
    free(s2);
    batch_free(&b);
}

/* ---- 3. Ctrl-C and --resume ---------------------------------------------------- */

/* The sorted lines of a file (malloc'd array of malloc'd strings). */
static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char **sorted_lines(const char *s, int *n)
{
    int cap = count_lines(s) + 1, k = 0;
    char **v = calloc((size_t)cap, sizeof *v);
    for (const char *p = s; *p;) {
        const char *e = strchr(p, '\n');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        v[k++] = strndup(p, l);
        p = e ? e + 1 : p + l;
    }
    qsort(v, (size_t)k, sizeof *v, cmp_str);
    *n = k;
    return v;
}

static void free_lines(char **v, int n)
{
    for (int i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* SIGINT while row 21 is in flight (its pending match arrived, its final
 * response not): C-CANCEL for it, the output holds rows 1-20 only (whole
 * lines), exit 130. --resume against a fresh peer runs the rest; the file
 * then has the lines of an uninterrupted run, each once. */
Test(cli_batch, ctrl_c_then_resume, .timeout = 60)
{
    enum { N = 40, K = 21 };
    batch b;
    batch_files(&b, N);
    char *out1 = strdup(path_of(&b.f, "out.ndjson")), *out2 = strdup(path_of(&b.f, "full.ndjson"));
    char hex[64];
    match_hex(hex, sizeof hex, K);
    text s = {0};
    tadd(&s, "accept\n");
    answer_rows(&s, 1, K - 1);
    /* row 21: one match, then wait for the C-CANCEL and end with Cancel */
    tadd(&s, "recv-msg\nfind-rsp 0xFF00 %s\nrecv-msg\nfind-rsp 0xFE00\nrelease\nwait-close\n", hex);
    const char *scripts[] = {s.s};
    /* at -d the log sink dumps each match: row 21's is in the log */
    batch_run(&b, scripts, 1, (const char *[]){"--output", out1, "-d", NULL}, "[ID0021]");
    cr_expect_eq(b.r.status, 130, "exit %d: %s", b.r.status, tail(b.r.err));
    cr_expect_eq(b.p.exit, 0, "%s", b.p.record);
    char cancel[16];
    snprintf(cancel, sizeof cancel, "%04x", DQ_DIMSE_CMD_C_CANCEL_FIND_RQ);
    cr_expect_eq(count_key(b.p.record, "command_field"), K + 1);
    cr_expect_str_eq(nth(b.p.record, "command_field", K), cancel, "the peer saw no C-CANCEL");
    cr_expect_str_eq(nth(b.p.record, "msg_id_responded", 0), "21");
    char *first = slurp(out1);
    cr_expect_eq(count_lines(first), K - 1, "%s", first);
    cr_expect(first[0] == 0 || first[strlen(first) - 1] == '\n', "a partial last line");
    for (int row = 1; row < K; row++)
        expect_row_match(first, row);
    cr_expect_eq(row_lines(first, K), 0, "the interrupted row is written:\n%s", first);
    batch_next(&b);

    /* --resume: the file's last row (20) is cut off and run again, as a
     * block torn by a crash would be (docs/formats.md: findscu cannot tell
     * a whole last block from a torn one), so rows 20-40 run, as message
     * IDs 1-21, and the file ends up with each row once. */
    char *s2 = answering(K - 1, N);
    scripts[0] = s2;
    batch_run(&b, scripts, 1, (const char *[]){"--output", out1, "--resume", NULL}, NULL);
    cr_expect_eq(b.r.status, 0, "exit %d: %s", b.r.status, b.r.err);
    cr_expect_eq(b.p.exit, 0, "%s", b.p.record);
    cr_expect(strstr(b.r.err, "I: Resuming: 19 rows already in "), "%s", b.r.err);
    cr_expect_eq(count_key(b.p.record, "msg_id"), N - K + 2);
    cr_expect_str_eq(query_patient_id(b.p.record, 0), "P0020");
    cr_expect_str_eq(query_patient_id(b.p.record, 1), "P0021");
    batch_next(&b);

    /* the same batch uninterrupted */
    char *s3 = answering(1, N);
    scripts[0] = s3;
    batch_run(&b, scripts, 1, (const char *[]){"--output", out2, NULL}, NULL);
    cr_expect_eq(b.r.status, 0, "%s", b.r.err);
    char *resumed = slurp(out1), *full = slurp(out2);
    int na, nb;
    char **a = sorted_lines(resumed, &na), **c = sorted_lines(full, &nb);
    cr_expect_eq(na, N, "%s", resumed);
    cr_expect_eq(nb, N);
    for (int i = 0; i < na && i < nb; i++)
        cr_expect_str_eq(a[i], c[i]);
    for (int i = 1; i < na; i++)
        cr_expect_str_neq(a[i - 1], a[i], "a row written twice");
    for (int row = 1; row <= N; row++)
        expect_row_match(resumed, row);
    free_lines(a, na);
    free_lines(c, nb);
    free(first);
    free(resumed);
    free(full);
    free(out1);
    free(out2);
    free(s.s);
    free(s2);
    free(s3);
    batch_free(&b);
}

/* ---- 4. --cancel N ------------------------------------------------------------- */

/* Waits for the replay SCP to exit on its own after its -m associations. */
static void replay_wait(replay *s)
{
    int st = 0;
    bool exited = false;
    for (int i = 0; i < 200 && !exited; i++) {
        exited = waitpid(s->pid, &st, WNOHANG) == s->pid;
        if (!exited)
            usleep(50 * 1000);
    }
    if (!exited) {
        kill(s->pid, SIGKILL);
        waitpid(s->pid, &st, 0);
    }
    fclose(s->out);
    cr_expect(exited && WIFEXITED(st) && WEXITSTATUS(st) == 0, "replay_scp failed (status %d)", st);
}

/* --cancel 5 on a 2-row batch against 1,000 matches a query: C-CANCEL
 * (PS3.7 9.3.2.3) after the 5th; what was already on its way is written too. The replay SCP
 * deflates every large identifier at level 9 (slow on purpose) and looks
 * for a C-CANCEL after each response, so it sees the C-CANCEL long before
 * the 1,000th (sending plain identifiers it often has sent all 1,000 before
 * the C-CANCEL arrives, and ends with Success: a race in the peer, not in
 * findscu). Observed: 5 to ~160 records a row. */
Test(cli_batch, cancel_5_against_replay_scp, .timeout = 60)
{
    files f;
    files_init(&f);
    const char *csv = file_with(&f, "rows.csv", "StudyDate\n20240101\n20240102\n");
    replay s;
    replay_start(&s, (const char *[]){"-n", "1000", "-m", "1", "-t", "deflate", "-s", "large",
                                      "--deflate-level", "9", "--batch", "1", NULL});
    const char *argv[] = {"127.0.0.1", s.port_arg, "-S",       "-k", "QueryRetrieveLevel=STUDY",
                          "--batch",   csv,        "--cancel", "5",  "--format",
                          "ndjson",    NULL};
    result r;
    run_findscu(&r, argv, NULL, NULL);
    cr_expect_eq(r.status, 0, "exit %d: %s", r.status, r.err);
    for (int row = 1; row <= 2; row++) {
        char line[256];
        replay_line(&s, line, sizeof line);
        unsigned long msgid = 0, pending = 0;
        char status[16] = "";
        cr_assert_eq(sscanf(line, "find assoc=1 msgid=%lu ts=deflate pending=%lu status=%15s",
                            &msgid, &pending, status),
                     3, "%s", line);
        cr_expect_eq(msgid, (unsigned long)row);
        /* the replay SCP reports 0xFE00 only when the C-CANCEL reached it */
        cr_expect_str_eq(status, "0xFE00", "the peer saw no C-CANCEL: %s", line);
        int got = row_lines(r.out, row);
        cr_expect_eq((unsigned long)got, pending, "row %d: %d records, the peer sent %lu", row, got,
                     pending);
        cr_expect(got >= 5 && got < 1000, "row %d: %d records", row, got);
        cr_log_info("--cancel 5, row %d: %d records (the peer sent %lu)", row, got, pending);
    }
    char line[256];
    replay_line(&s, line, sizeof line);
    cr_expect_str_eq(line, "end assoc=1 how=release");
    replay_wait(&s);
    result_free(&r);
    files_free(&f);
}

/* The same against the scripted SCP, deterministic: 5 pending responses,
 * then the peer waits for the C-CANCEL (recorded), sends 3 more (those on
 * their way) and Cancel. 8 records, exit 0: Cancel after --cancel is not a
 * failure. */
Test(cli_batch, cancel_5_scripted_peer_sees_c_cancel, .timeout = 60)
{
    char hex[64];
    match_hex(hex, sizeof hex, 1);
    text s = {0};
    tadd(&s, "accept\nrecv-msg\nfind-rsp-n 5 0xFF00 %s\nrecv-msg\nfind-rsp-n 3 0xFF00 %s\n", hex,
         hex);
    tadd(&s, "find-rsp 0xFE00\nrelease\nwait-close\n");
    const char *scripts[] = {s.s};
    batch b;
    batch_case(&b, 1, scripts, 1, (const char *[]){"--cancel", "5", NULL});
    cr_expect_eq(b.r.status, 0, "exit %d: %s", b.r.status, b.r.err);
    cr_expect_eq(b.p.exit, 0, "%s", b.p.record);
    char cancel[16];
    snprintf(cancel, sizeof cancel, "%04x", DQ_DIMSE_CMD_C_CANCEL_FIND_RQ);
    cr_expect_str_eq(nth(b.p.record, "command_field", 1), cancel);
    cr_expect_str_eq(nth(b.p.record, "msg_id_responded", 0), "1");
    cr_expect_eq(row_lines(b.r.out, 1), 8, "%s", b.r.out);
    cr_expect_eq(count_lines(b.r.out), 8);
    free(s.s);
    batch_free(&b);
}

/* ---- 5. --repeat and --abort ---------------------------------------------------- */

/* One row's query (PatientID P0001) with --repeat 3 and --format ndjson,
 * against a peer running script. */
static void repeat_3(batch *b, const char *script)
{
    const char *scripts[] = {script};
    batch_run(
        b, scripts, 1,
        (const char *[]){"-k", "PatientID=P0001", "--repeat", "3", "--format", "ndjson", NULL},
        NULL);
}

Test(cli_batch, repeat_3_on_one_association, .timeout = 60)
{
    text s = {0};
    tadd(&s, "accept\n");
    for (int i = 0; i < 3; i++)
        answer_rows(&s, 1, 1);
    tadd(&s, "release\nwait-close\n");
    batch b = {0};
    repeat_3(&b, s.s);
    cr_expect_eq(b.r.status, 0, "exit %d: %s", b.r.status, b.r.err);
    cr_expect_eq(b.p.exit, 0, "%s", b.p.record);
    cr_expect_eq(count_key(b.p.record, "connection"), 1, "one association");
    cr_expect_eq(count_key(b.p.record, "msg_id"), 3);
    char find_rq[16];
    snprintf(find_rq, sizeof find_rq, "%04x", DQ_DIMSE_CMD_C_FIND_RQ);
    for (int i = 0; i < 3; i++) {
        char want[16];
        snprintf(want, sizeof want, "%d", i + 1);
        cr_expect_str_eq(nth(b.p.record, "msg_id", i), want);
        cr_expect_str_eq(nth(b.p.record, "command_field", i), find_rq);
        cr_expect_str_eq(query_patient_id(b.p.record, i), "P0001");
    }
    /* every repetition's record carries the query's _row */
    cr_expect_eq(row_lines(b.r.out, 1), 3, "%s", b.r.out);
    char rel[16];
    snprintf(rel, sizeof rel, "%02x", DQ_PDU_RELEASE_RQ);
    cr_expect_str_eq(nth(b.p.record, "pdu", 0), rel, "released");
    free(s.s);
    batch_free(&b);
}

/* --abort: the association ends with A-ABORT (PS3.8 7.3), never
 * A-RELEASE-RQ (PS3.8 7.2). */
Test(cli_batch, abort_instead_of_release, .timeout = 60)
{
    text s = {0};
    tadd(&s, "accept\n");
    answer_rows(&s, 1, 2);
    tadd(&s, "wait-close\n");
    const char *scripts[] = {s.s};
    batch b;
    batch_case(&b, 2, scripts, 1, (const char *[]){"--abort", NULL});
    cr_expect_eq(b.r.status, 0, "exit %d: %s", b.r.status, b.r.err);
    cr_expect_eq(b.p.exit, 0, "%s", b.p.record);
    char ab[16];
    snprintf(ab, sizeof ab, "%02x", DQ_PDU_ABORT);
    cr_expect_eq(count_key(b.p.record, "pdu"), 1, "%s", b.p.record);
    cr_expect_str_eq(nth(b.p.record, "pdu", 0), ab);
    cr_expect(strstr(b.p.record, "\nclosed-after-abort\n"), "%s", b.p.record);
    expect_row_match(b.r.out, 1);
    expect_row_match(b.r.out, 2);
    free(s.s);
    batch_free(&b);
}

/* ---- 6. UPS --------------------------------------------------------------------- */

/* -U: each C-FIND-RQ's Affected SOP Class is UPS Pull's and its identifier
 * holds the row's value. */
Test(cli_batch, ups_batch, .timeout = 60)
{
    enum { N = 3 };
    batch b;
    batch_files(&b, N);
    char *s = answering(1, N);
    const char *scripts[] = {s};
    peer_start_n(&b.p, scripts, 1);
    /* no QUERY: -U sets the level and the model */
    const char *argv[] = {"-U", "--batch", b.csv, "--format", "ndjson", NULL};
    run_against(&b.p, &b.r, argv, NULL, NULL);
    cr_expect_eq(b.r.status, 0, "exit %d: %s", b.r.status, b.r.err);
    cr_expect_eq(b.p.exit, 0, "%s", b.p.record);
    cr_expect_eq(count_key(b.p.record, "sop_class"), N);
    for (int i = 0; i < N; i++) {
        char want[16];
        snprintf(want, sizeof want, "P%04d", i + 1);
        cr_expect_str_eq(nth(b.p.record, "sop_class", i), DQ_UID_UnifiedProcedureStepPull);
        cr_expect_str_eq(query_patient_id(b.p.record, i), want);
        expect_row_match(b.r.out, i + 1);
    }
    free(s);
    batch_free(&b);
}

/* ---- 7. bad input ------------------------------------------------------------------ */

/* A header naming an unknown key, an empty file: exit 2 before any
 * connection (the peer saw nothing). */
Test(cli_batch, unusable_file_is_exit_2_before_connecting, .timeout = 60)
{
    files f;
    files_init(&f);
    const char *cases[][2] = {
        {"unknown.csv", "NoSuchKeyword\nx\n"},
        {"empty.csv", ""},
    };
    for (size_t i = 0; i < 2; i++) {
        const char *csv = file_with(&f, cases[i][0], cases[i][1]);
        const char *scripts[] = {"accept\nrecv-msg\nfind-rsp 0x0000\nrelease\nwait-close\n"};
        peer p;
        peer_start_n(&p, scripts, 1);
        const char *argv[16];
        with_query(argv, (const char *[]){"--batch", csv, "--format", "ndjson", NULL});
        const char *full[20] = {"127.0.0.1", p.port};
        for (size_t k = 0; argv[k]; k++)
            full[k + 2] = argv[k];
        result r;
        run_findscu(&r, full, NULL, NULL);
        peer_stop(&p);
        cr_expect_eq(r.status, 2, "%s: exit %d: %s", cases[i][0], r.status, r.err);
        cr_expect(strstr(r.err, cases[i][0]), "the E: line names the file: %s", r.err);
        cr_expect_eq(count_key(p.record, "connection"), 0, "%s: the peer saw %s", cases[i][0],
                     p.record);
        cr_expect_str_eq(r.out, "");
        result_free(&r);
        peer_free(&p);
    }
    files_free(&f);
}

/* A row with more cells than the header is an error record (never sent);
 * the others run. */
Test(cli_batch, row_with_extra_cells_is_an_error_record, .timeout = 60)
{
    batch b;
    batch_files(&b, 0);
    /* rows.csv rewritten: row 2 has one cell too many */
    file_with(&b.f, "rows.csv", "PatientID\nP0001\nP0002,extra\nP0003\n");
    text s = {0};
    tadd(&s, "accept\n");
    answer_rows(&s, 1, 1);
    answer_rows(&s, 3, 3);
    tadd(&s, "release\nwait-close\n");
    const char *scripts[] = {s.s};
    batch_run(&b, scripts, 1, NULL, NULL);
    cr_expect_eq(b.r.status, 3, "exit %d: %s", b.r.status, b.r.err);
    cr_expect_eq(b.p.exit, 0, "%s", b.p.record);
    cr_expect(strstr(b.r.err, "E: Row 2: "), "%s", b.r.err);
    cr_expect_eq(count_key(b.p.record, "msg_id"), 2);
    cr_expect_str_eq(query_patient_id(b.p.record, 0), "P0001");
    cr_expect_str_eq(query_patient_id(b.p.record, 1), "P0003");
    expect_row_match(b.r.out, 1);
    expect_row_match(b.r.out, 3);
    cr_expect_eq(row_lines(b.r.out, 2), 1, "%s", b.r.out);
    cr_expect_not_null(row_line_with(b.r.out, 2, "{\"_row\":2,\"_error\":\""), "%s", b.r.out);
    free(s.s);
    batch_free(&b);
}

/* ---- 8. exit statuses ---------------------------------------------------------------- */

Test(cli_batch, all_rows_fine_is_exit_0, .timeout = 60)
{
    enum { N = 5 };
    char *s = answering(1, N);
    const char *scripts[] = {s};
    batch b;
    batch_case(&b, N, scripts, 1, NULL);
    cr_expect_eq(b.r.status, 0, "exit %d: %s", b.r.status, b.r.err);
    cr_expect_eq(count_lines(b.r.out), N);
    for (int row = 1; row <= N; row++)
        expect_row_match(b.r.out, row);
    free(s);
    batch_free(&b);
}

/* Row 2's final status is a Failure (0xC000): its error record has
 * "_status":"0xC000" (docs/formats.md: 0x and four uppercase digits), the
 * batch goes on, exit 3. */
Test(cli_batch, failure_status_is_an_error_record_and_exit_3, .timeout = 60)
{
    text s = {0};
    tadd(&s, "accept\n");
    answer_rows(&s, 1, 1);
    tadd(&s, "recv-msg\nfind-rsp 0xC000\n");
    answer_rows(&s, 3, 3);
    tadd(&s, "release\nwait-close\n");
    const char *scripts[] = {s.s};
    batch b;
    batch_case(&b, 3, scripts, 1, NULL);
    cr_expect_eq(b.r.status, 3, "exit %d: %s", b.r.status, b.r.err);
    cr_expect_eq(b.p.exit, 0, "%s", b.p.record);
    cr_expect(strstr(b.r.err, "E: Row 2: query failed with status 0xC000"), "%s", b.r.err);
    cr_expect_not_null(row_line_with(b.r.out, 2, "{\"_row\":2,\"_status\":\"0xC000\",\"_error\":"),
                       "%s", b.r.out);
    cr_expect_eq(row_lines(b.r.out, 2), 1);
    expect_row_match(b.r.out, 1);
    expect_row_match(b.r.out, 3);
    cr_expect_eq(count_key(b.p.record, "connection"), 1, "the batch stays on its association");
    batch_next(&b);

    /* CSV: _row, the key columns (-k QueryRetrieveLevel, the header's
     * PatientID) empty, _status, _error (docs/formats.md) */
    peer_start_n(&b.p, scripts, 1);
    const char *argv[16];
    with_query(argv, (const char *[]){"--batch", b.csv, "--format", "csv", NULL});
    run_against(&b.p, &b.r, argv, NULL, NULL);
    cr_expect_eq(b.r.status, 3, "exit %d: %s", b.r.status, b.r.err);
    cr_expect(strstr(b.r.out, "\n2,,,0xC000,"), "%s", b.r.out);
    free(s.s);
    batch_free(&b);
}

/* No association at all (a closed port: connection refused): exit 1. */
Test(cli_batch, no_association_is_exit_1, .timeout = 60)
{
    files f;
    files_init(&f);
    const char *csv = rows_csv(&f, "rows.csv", 3);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t l = sizeof a;
    cr_assert(bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
              getsockname(fd, (struct sockaddr *)&a, &l) == 0);
    char port[16];
    snprintf(port, sizeof port, "%u", ntohs(a.sin_port));
    close(fd); /* bound, never listening, now closed: nothing accepts there */
    const char *argv[] = {"127.0.0.1", port, "-P",       "-k",     "QueryRetrieveLevel=PATIENT",
                          "--batch",   csv,  "--format", "ndjson", NULL};
    result r;
    double t0 = mono_now();
    run_findscu(&r, argv, NULL, NULL);
    double took = mono_now() - t0;
    cr_expect_eq(r.status, 1, "exit %d: %s", r.status, r.err);
    cr_expect(strstr(r.err, "Connection refused"), "%s", r.err);
    cr_expect_str_eq(r.out, "");
    cr_expect_lt(took, 5.0, "no reconnecting when there never was an association");
    result_free(&r);
    files_free(&f);
}

/* The peer aborts row 3 and is gone: Ctrl-C during the back-off between
 * reconnection attempts ends the batch at once with 130, rows 1-3 written
 * (row 3 as its error record). */
Test(cli_batch, ctrl_c_while_reconnecting_is_exit_130, .timeout = 60)
{
    batch b;
    batch_files(&b, 10);
    text s = {0};
    tadd(&s, "accept\n");
    answer_rows(&s, 1, 2);
    tadd(&s, "recv-msg\nabort 2 0\nwait-close\n");
    const char *scripts[] = {s.s};
    batch_run(&b, scripts, 1, NULL, "W: Association lost: trying again in 1 s");
    cr_expect_eq(b.r.status, 130, "exit %d: %s", b.r.status, b.r.err);
    cr_expect_lt(b.took, 5.0, "took %.1f s", b.took);
    expect_row_match(b.r.out, 1);
    expect_row_match(b.r.out, 2);
    cr_expect_not_null(row_line_with(b.r.out, 3, "\"_error\":\"association aborted"), "%s",
                       b.r.out);
    cr_expect_eq(count_lines(b.r.out), 3, "%s", b.r.out);
    free(s.s);
    batch_free(&b);
}

/* --repeat: each failed repetition is its own E: line and error record
 * (docs/findscu-behaviour.md section 13), the others' matches are written
 * with the same _row, exit 3. */
Test(cli_batch, repeat_each_failed_repetition_is_an_error_record, .timeout = 60)
{
    text s = {0};
    tadd(&s, "accept\nrecv-msg\nfind-rsp 0xC000\nrecv-msg\nfind-rsp 0xC001\n");
    answer_rows(&s, 1, 1);
    tadd(&s, "release\nwait-close\n");
    batch b = {0};
    repeat_3(&b, s.s);
    cr_expect_eq(b.r.status, 3, "exit %d: %s", b.r.status, b.r.err);
    cr_expect_eq(b.p.exit, 0, "%s", b.p.record);
    cr_expect(strstr(b.r.err, "E: Row 1: query failed with status 0xC000"), "%s", b.r.err);
    cr_expect(strstr(b.r.err, "E: Row 1: query failed with status 0xC001"), "%s", b.r.err);
    cr_expect_not_null(row_line_with(b.r.out, 1, "\"_status\":\"0xC000\""), "%s", b.r.out);
    cr_expect_not_null(row_line_with(b.r.out, 1, "\"_status\":\"0xC001\""), "%s", b.r.out);
    cr_expect_not_null(row_line_with(b.r.out, 1, "\"ID0001\""), "%s", b.r.out);
    cr_expect_eq(row_lines(b.r.out, 1), 3, "%s", b.r.out);
    free(s.s);
    batch_free(&b);
}

/* ---- --strict and the batch's own log lines ---------------------------------- */

/* A single query: pynetdicom exits 0 whatever the C-FIND's outcome; with
 * --strict a Failure status, and an abort before the final response, are
 * exit 3; a Success stays 0. */
Test(cli_batch, strict_single_query, .timeout = 60)
{
    static const struct {
        const char *script;
        bool strict;
        int want;
    } cases[] = {
        {"accept\nrecv-msg\nfind-rsp 0xC000\nrelease\nwait-close\n", false, 0},
        {"accept\nrecv-msg\nfind-rsp 0xC000\nrelease\nwait-close\n", true, 3},
        {"accept\nrecv-msg\nabort 0 0\nwait-close\n", false, 0},
        {"accept\nrecv-msg\nabort 0 0\nwait-close\n", true, 3},
        {"accept\nrecv-msg\nfind-rsp 0x0000\nrelease\nwait-close\n", true, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *scripts[] = {cases[i].script};
        batch b = {0};
        batch_run(&b, scripts, 1,
                  cases[i].strict ? (const char *[]){"-k", "PatientID=1", "--strict", NULL}
                                  : (const char *[]){"-k", "PatientID=1", NULL},
                  NULL);
        cr_expect_eq(b.r.status, cases[i].want, "case %zu: exit %d: %s", i, b.r.status, b.r.err);
        batch_free(&b);
    }
}

/* --batch with --format: the per-query lines are details (-d), the batch
 * says where it is: "I: Batch finished: ..." at the default level, nothing
 * at -q, the per-query lines as D: at -d. */
Test(cli_batch, batch_log_lines, .timeout = 60)
{
    enum { N = 3 };
    batch b;
    batch_files(&b, N);
    char *s = answering(1, N);
    const char *scripts[] = {s};
    const char *levels[] = {NULL, "-q", "-d"};
    for (size_t i = 0; i < 3; i++) {
        batch_run(&b, scripts, 1, (const char *[]){levels[i] ? levels[i] : "--ordered", NULL},
                  NULL);
        cr_expect_eq(b.r.status, 0, "exit %d: %s", b.r.status, b.r.err);
        bool finished =
            strstr(b.r.err, "I: Batch finished: 3 rows done, 3 matches, 0 failed") != NULL;
        if (i == 1) {
            cr_expect_str_eq(b.r.err, "", "-q: nothing on stderr");
        } else {
            cr_expect(finished, "%s", b.r.err);
            cr_expect_null(strstr(b.r.err, "I: Sending Find Request"), "%s", b.r.err);
        }
        if (i == 2)
            cr_expect(strstr(b.r.err, "D: Sending Find Request: MsgID 3"), "%s", b.r.err);
        batch_next(&b);
    }
    free(s);
    files_free(&b.f); /* each run's result and peer are freed in the loop */
}

/* --jobs against a peer that serves one association at a time (the
 * scripted SCP): whichever worker's association is answered first runs a
 * row; the other's is answered only once the first releases (a worker with
 * nothing left to take releases before it waits); rejected, that worker
 * retires and gives its row back, and a worker reconnects to run it. Each
 * row gets one match (the same answer whatever the row), exit 0. */
Test(cli_batch, retired_worker_gives_its_row_back, .timeout = 60)
{
    /* One row per association: the answer waits 300 ms, so that each
     * worker has taken its row before the first row is done (else one
     * worker may run both rows on its association, which is right too, but
     * not what this peer's scripts expect). */
    char hex[64];
    match_hex(hex, sizeof hex, 1);
    text t = {0};
    tadd(&t,
         "accept\nrecv-msg\ndelay 300\nfind-rsp 0xFF00 %s\nfind-rsp 0x0000\nrelease\n"
         "wait-close\n",
         hex);
    const char *one = t.s;
    const char *scripts[] = {one, "reject 1 1 3\nwait-close\n", one};
    batch b;
    batch_case(&b, 2, scripts, 3, (const char *[]){"--jobs", "2", NULL});
    cr_expect_eq(b.r.status, 0, "exit %d: %s", b.r.status, b.r.err);
    cr_expect(strstr(b.r.err, "could not be made: going on with fewer"), "%s", b.r.err);
    cr_expect_eq(row_lines(b.r.out, 1), 1, "%s", b.r.out);
    cr_expect_eq(row_lines(b.r.out, 2), 1, "%s", b.r.out);
    cr_expect_eq(b.p.exit, 0, "every script ran: %s", b.p.record);
    batch_next(&b);

    /* Two rows, --jobs 16: two associations, not sixteen (a third
     * connection would find no script and fail the peer). */
    const char *each[] = {one, one};
    batch_run(&b, each, 2, (const char *[]){"--jobs", "16", NULL}, NULL);
    cr_expect_eq(b.r.status, 0, "exit %d: %s", b.r.status, b.r.err);
    cr_expect_eq(row_lines(b.r.out, 1) + row_lines(b.r.out, 2), 2, "%s", b.r.out);
    cr_expect_eq(count_key(b.p.record, "script"), 2, "%s", b.p.record);
    free(t.s);
    batch_free(&b);
}

/* ---- --expand on --jobs associations ------------------------------------------ */

/* An Implicit VR Little Endian element as hex, its value padded to an even
 * length (with NUL: the values here are UIDs and PatientIDs, PS3.5 6.2). */
static void put_element(text *t, uint32_t tag, const char *v)
{
    size_t n = strlen(v), even = n + (n & 1);
    unsigned g = tag >> 16, e = tag & 0xFFFFu;
    tadd(t, "%02x%02x%02x%02x%02x%02x0000", g & 0xFF, g >> 8, e & 0xFF, e >> 8,
         (unsigned)(even & 0xFF), (unsigned)(even >> 8));
    for (size_t i = 0; i < even; i++)
        tadd(t, "%02x", i < n ? (unsigned char)v[i] : 0);
}

/* A STUDY match: PatientID and StudyInstanceUID (malloc'd hex). */
static char *study_match(const char *pid, const char *uid)
{
    text t = {0};
    put_element(&t, DQ_TAG_PatientID, pid);
    put_element(&t, DQ_TAG_StudyInstanceUID, uid);
    return t.s;
}

/* The StudyInstanceUID of the i-th query of a record section. */
static const char *query_study_uid(const char *sec, int i)
{
    static char v[72];
    if (!element_value(nth(sec, "data_hex", i), DQ_TAG_StudyInstanceUID, v, sizeof v))
        v[0] = 0;
    return v;
}

/* -S STUDY --expand series, the study query's two matches: findscu args. */
static const char *const EXPAND[] = {"-S",
                                     "-k",
                                     "QueryRetrieveLevel=STUDY",
                                     "-k",
                                     "StudyInstanceUID=",
                                     "--expand",
                                     "series",
                                     "--format",
                                     "ndjson"};

static void run_expand(batch *b, const char *const *scripts, int n, const char *jobs)
{
    const char *argv[16];
    size_t k = 0;
    for (size_t i = 0; i < sizeof EXPAND / sizeof EXPAND[0]; i++)
        argv[k++] = EXPAND[i];
    argv[k++] = "--jobs";
    argv[k++] = jobs;
    argv[k] = NULL;
    peer_start_n(&b->p, scripts, n);
    run_against(&b->p, &b->r, argv, NULL, &b->took);
}

/* --expand with --jobs 2 and no --batch: the study query's two children
 * run on two associations (the first association's answer to its child
 * waits 300 ms, so the other worker has taken the other child by then;
 * this peer serves one association at a time, so the first worker, idle
 * while the other connects, releases its association). The records are in
 * the walk's order whichever worker ran what: equal to --jobs 1's, where one
 * association carries the three queries. */
Test(cli_batch, expand_children_run_on_the_jobs_associations, .timeout = 60)
{
    char *s1 = study_match("P1", "1.2.3.1"), *s2 = study_match("P2", "1.2.3.2");
    char m1[64], m2[64];
    match_hex(m1, sizeof m1, 11);
    match_hex(m2, sizeof m2, 12);
    text first = {0}, second = {0}, one = {0};
    tadd(&first,
         "accept\nrecv-msg\nfind-rsp 0xFF00 %s\nfind-rsp 0xFF00 %s\nfind-rsp 0x0000\n"
         "recv-msg\ndelay 300\nfind-rsp 0xFF00 %s\nfind-rsp 0x0000\nrelease\nwait-close\n",
         s1, s2, m1);
    tadd(&second, "accept\nrecv-msg\nfind-rsp 0xFF00 %s\nfind-rsp 0x0000\nrelease\nwait-close\n",
         m2);
    const char *two[] = {first.s, second.s};
    batch b = {0};
    run_expand(&b, two, 2, "2");
    cr_expect_eq(b.r.status, 0, "exit %d: %s", b.r.status, b.r.err);
    cr_expect_eq(b.p.exit, 0, "every script ran: %s", b.p.record);
    char *c0 = section(b.p.record, 0), *c1 = section(b.p.record, 1);
    cr_expect_eq(count_key(c0, "data_hex"), 2, "%s", c0);
    cr_expect_eq(count_key(c1, "data_hex"), 1, "%s", c1);
    /* Which worker took which child is the scheduler's: the children's
     * answers (m1 from the first association, m2 from the other) follow
     * their studies' order in the records either way. */
    bool swapped = !strcmp(query_study_uid(c0, 1), "1.2.3.2");
    cr_expect_str_eq(query_study_uid(c0, 1), swapped ? "1.2.3.2" : "1.2.3.1", "%s", c0);
    cr_expect_str_eq(query_study_uid(c1, 0), swapped ? "1.2.3.1" : "1.2.3.2", "%s", c1);
    char *parallel = strdup(b.r.out ? b.r.out : "");
    free(c0);
    free(c1);
    batch_next(&b);

    tadd(&one,
         "accept\nrecv-msg\nfind-rsp 0xFF00 %s\nfind-rsp 0xFF00 %s\nfind-rsp 0x0000\n"
         "recv-msg\nfind-rsp 0xFF00 %s\nfind-rsp 0x0000\n"
         "recv-msg\nfind-rsp 0xFF00 %s\nfind-rsp 0x0000\nrelease\nwait-close\n",
         s1, s2, swapped ? m2 : m1, swapped ? m1 : m2);
    const char *single[] = {one.s};
    run_expand(&b, single, 1, "1");
    cr_expect_eq(b.r.status, 0, "exit %d: %s", b.r.status, b.r.err);
    cr_expect_eq(count_lines(b.r.out), 4, "%s", b.r.out);
    cr_expect_str_eq(parallel, b.r.out, "--jobs 2:\n%s--jobs 1:\n%s", parallel, b.r.out);
    const char *order[] = {"1.2.3.1", "1.2.3.2", swapped ? "ID0012" : "ID0011",
                           swapped ? "ID0011" : "ID0012"};
    const char *at = b.r.out;
    for (size_t i = 0; i < 4 && at; i++)
        cr_expect_not_null(at = strstr(at, order[i]), "%s after the records before: %s", order[i],
                           b.r.out);
    free(parallel);
    free(s1);
    free(s2);
    free(first.s);
    free(second.s);
    free(one.s);
    batch_next(&b);
}

/* --expand --jobs 2, and the association that runs one of the children is
 * aborted after its match: that child's match and its error record stay in
 * the child's place in the walk, the other child's records are whole, exit
 * 3 (a failed query). */
Test(cli_batch, expand_child_aborted_on_one_association, .timeout = 60)
{
    char *s1 = study_match("P1", "1.2.3.1"), *s2 = study_match("P2", "1.2.3.2");
    char m1[64], m2[64];
    match_hex(m1, sizeof m1, 11);
    match_hex(m2, sizeof m2, 12);
    text first = {0}, second = {0};
    tadd(&first,
         "accept\nrecv-msg\nfind-rsp 0xFF00 %s\nfind-rsp 0xFF00 %s\nfind-rsp 0x0000\n"
         "recv-msg\ndelay 300\nfind-rsp 0xFF00 %s\nfind-rsp 0x0000\nrelease\nwait-close\n",
         s1, s2, m1);
    tadd(&second, "accept\nrecv-msg\nfind-rsp 0xFF00 %s\nabort 2 0\nwait-close\n", m2);
    const char *two[] = {first.s, second.s};
    batch b = {0};
    run_expand(&b, two, 2, "2");
    cr_expect_eq(b.r.status, 3, "exit %d: %s", b.r.status, b.r.err);
    cr_expect_eq(b.p.exit, 0, "every script ran: %s", b.p.record);
    cr_expect(strstr(b.r.err, "E: Row 1: association aborted"), "%s", b.r.err);
    char *c1 = section(b.p.record, 1);
    bool swapped = !strcmp(query_study_uid(c1, 0), "1.2.3.1"); /* the aborted child is the first */
    free(c1);
    const char *order[] = {"1.2.3.1", "1.2.3.2", swapped ? "ID0012" : "ID0011",
                           swapped ? "\"_error\":\"association aborted" : "ID0012",
                           swapped ? "ID0011" : "\"_error\":\"association aborted"};
    const char *at = b.r.out;
    for (size_t i = 0; i < 5 && at; i++)
        cr_expect_not_null(at = strstr(at, order[i]), "%s in the walk's order: %s", order[i],
                           b.r.out);
    cr_expect_eq(count_lines(b.r.out), 5, "%s", b.r.out);
    free(s1);
    free(s2);
    free(first.s);
    free(second.s);
    batch_next(&b);
}

/* The last "needle" in s, NULL when none. */
static const char *last_of(const char *s, const char *needle)
{
    const char *last = NULL;
    for (const char *p = s; p && (p = strstr(p, needle)); p++)
        last = p;
    return last;
}

/* A worker with an association and nothing to take while another worker's
 * query runs (its matches may queue more) keeps the association 5 s, then
 * releases it (a peer may drop an idle association). Two rows on --jobs 2
 * against a replay SCP answering each query after 4 s a response (one
 * match, then Success: 8 s a query): the STUDY row and the SERIES row end
 * together, the STUDY row's one child runs on one worker for 8 s, and the
 * other worker's release comes 5 s into it, before the child's final
 * response (without the release it would come after, when the run ends). */
Test(cli_batch, idle_association_released_after_5_s, .timeout = 90)
{
    files f;
    files_init(&f);
    const char *csv = file_with(&f, "rows.csv", "QueryRetrieveLevel\nSTUDY\nSERIES\n");
    replay s;
    replay_start(&s, (const char *[]){"-n", "1", "-m", "2", "--fork", "--latency", "4000", NULL});
    const char *argv[] = {
        "127.0.0.1", s.port_arg, "-S",     "-k", "StudyInstanceUID=", "--batch", csv, "--jobs",
        "2",         "--expand", "series", NULL};
    result r;
    double t0 = mono_now();
    run_findscu(&r, argv, NULL, NULL);
    double took = mono_now() - t0;
    cr_expect_eq(r.status, 0, "exit %d: %s", r.status, r.err);
    int accepted = 0;
    for (const char *p = r.err; (p = strstr(p, "I: Association Accepted")); p++)
        accepted++;
    cr_expect_eq(accepted, 2, "%s", r.err);
    const char *release = strstr(r.err, "I: Releasing Association");
    const char *final = last_of(r.err, "I: Find SCP Result");
    cr_expect(release && final && release < final,
              "the idle association is released before the child's final response:\n%s", r.err);
    cr_expect_geq(took, 15.0, "two rounds of 8 s: %.1f s", took);
    replay_wait(&s);
    result_free(&r);
    files_free(&f);
}
