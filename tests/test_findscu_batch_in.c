/* findscu --batch: the CSV/TSV input reader (cli/findscu_batch_in.h). */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <dq/dataset.h>
#include <dq/dict.h>

#include "findscu_batch_in.h"
#include "findscu_format.h"
#include "tmp_path.h"

static fs_batch_in *open_text(const char *text, fs_batch_format fmt)
{
    fs_batch_in *in = NULL;
    dq_error err;
    int rc = fs_batch_in_open_mem(&in, text, strlen(text), "t.csv", fmt, &err);
    cr_assert_eq(rc, 0, "%s", err.message);
    return in;
}

static fs_batch_in *open_bytes(const void *data, size_t len, const char *name)
{
    fs_batch_in *in = NULL;
    dq_error err;
    int rc = fs_batch_in_open_mem(&in, data, len, name, FS_BATCH_AUTO, &err);
    cr_assert_eq(rc, 0, "%s", err.message);
    return in;
}

/* The open's error for a bad input. */
static dq_error open_fails(const char *text, size_t len)
{
    fs_batch_in *in = (fs_batch_in *)1;
    dq_error err;
    cr_assert_eq(fs_batch_in_open_mem(&in, text, len, "bad.csv", FS_BATCH_AUTO, &err), -1, "%s",
                 text);
    cr_assert_null(in);
    cr_assert(strstr(err.message, "bad.csv"), "%s", err.message);
    return err;
}

/* The text of cell i of a row, as it would be applied. */
static const char *cell(const fs_batch_row *r, size_t i)
{
    cr_assert(i < r->ncells);
    return (const char *)r->text.data + r->cell[i].value;
}

/* Reads the next row, which must exist. */
static void next(fs_batch_in *in, fs_batch_row *r)
{
    dq_error err;
    cr_assert_eq(fs_batch_in_next(in, r, &err), 1);
}

static void at_end(fs_batch_in *in, fs_batch_row *r)
{
    dq_error err;
    cr_assert_eq(fs_batch_in_next(in, r, &err), 0);
}

Test(findscu_batch_in, header_key_paths)
{
    fs_batch_in *in =
        open_text("PatientID,\"(0008,0020)\",ReferencedStudySequence[0].ReferencedSOPInstanceUID\n",
                  FS_BATCH_AUTO);
    cr_assert_eq(fs_batch_in_format(in), FS_BATCH_CSV);
    cr_assert_eq(fs_batch_in_columns(in), 3);
    cr_assert_str_eq(fs_batch_in_column_name(in, 0), "PatientID");
    cr_assert_str_eq(fs_batch_in_column_name(in, 1), "(0008,0020)");
    cr_assert_str_eq(fs_batch_in_column_name(in, 2),
                     "ReferencedStudySequence[0].ReferencedSOPInstanceUID");
    cr_assert_null(fs_batch_in_column_name(in, 3));
    fs_batch_row r;
    fs_batch_row_init(&r);
    at_end(in, &r); /* header only: no rows */
    fs_batch_row_free(&r);
    fs_batch_in_close(in);

    in = open_text("PatientID\tStudyDate\r\n", FS_BATCH_AUTO);
    cr_assert_eq(fs_batch_in_format(in), FS_BATCH_TSV);
    cr_assert_str_eq(fs_batch_in_column_name(in, 1), "StudyDate");
    fs_batch_in_close(in);
    /* Asked for CSV, a tab is part of the name. */
    fs_batch_in *bad = NULL;
    dq_error err;
    cr_assert_eq(fs_batch_in_open_mem(&bad, "PatientID\tStudyDate\n", 20, "x", FS_BATCH_CSV, &err),
                 -1);
}

Test(findscu_batch_in, bad_headers)
{
    static const struct {
        const char *text;
        size_t len;
        const char *want[2]; /* in the message */
    } v[] = {
        {"PatientID,StudyDat\n1,2\n", 23, {"column 2 (StudyDat)", "unknown keyword"}},
        {"PatientID,,StudyDate\n", 21, {"column 2 is empty", ""}},
        {",PatientID\n", 11, {"column 1 is empty", ""}},
        {"PatientID,\"\"\n", 13, {"column 2 is empty", ""}},
        {"PatientID,StudyDate,\"(0010,0020)\"\n",
         34,
         {"column 3 ((0010,0020))", "same key as column 1 (PatientID)"}},
        {"", 0, {"empty file", ""}},
        {"\xEF\xBB\xBF", 3, {"empty file", ""}},
        {"\n", 1, {"header line is empty", ""}},
        {"\"PatientID\n", 11, {"not closed", ""}},
        {"Patient\xff\n", 9, {"column 1: invalid UTF-8", ""}},
        /* A tag holds a comma: in CSV it is quoted, and the message says so. */
        {"PatientID,(0010,0020)\n", 22, {"column 2 ((0010)", "quoted"}},
        {"PatientID,Seq[\n", 15, {"column 2 (Seq[)", ""}},
    };
    dq_error e;
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        e = open_fails(v[i].text, v[i].len);
        cr_assert_eq(e.kind, DQ_ERR_ARGUMENT);
        for (int k = 0; k < 2; k++)
            cr_assert(strstr(e.message, v[i].want[k]), "%s", e.message);
    }

    fs_batch_in *in = NULL;
    cr_assert_eq(fs_batch_in_open(&in, "/nonexistent/batch.csv", FS_BATCH_AUTO, &e), -1);
    cr_assert_eq(e.kind, DQ_ERR_IO);
    cr_assert_eq(e.sys_errno, ENOENT);
    cr_assert(strstr(e.message, "/nonexistent/batch.csv"), "%s", e.message);
    /* A directory opens but cannot be read. */
    cr_assert_eq(fs_batch_in_open(&in, dq_test_tmpdir(), FS_BATCH_AUTO, &e), -1);
    cr_assert_eq(e.kind, DQ_ERR_IO);
    cr_assert_eq(e.sys_errno, EISDIR);
}

Test(findscu_batch_in, too_many_columns)
{
    size_t n = FS_BATCH_MAX_COLUMNS + 1;
    char *text = malloc(n * 12 + 1), *p = text;
    for (size_t i = 0; i < n; i++)
        p += sprintf(p, "(0009,%04zx)%c", i, i + 1 < n ? ',' : '\n');
    dq_error e = open_fails(text, strlen(text));
    cr_assert(strstr(e.message, "more than"), "%s", e.message);
    free(text);
}

Test(findscu_batch_in, csv_quoting)
{
    fs_batch_in *in = open_text("\xEF\xBB\xBFPatientName,PatientID,StudyDescription\r\n"
                                "\"DOE^JOHN\",\"a,b\",\"say \"\"hi\"\"\"\r\n"
                                "\r\n"
                                "X,\"two\r\nlines\",\"three\nlines\nhere\"\r\n"
                                "last,row,ok",
                                FS_BATCH_AUTO);
    cr_assert_str_eq(fs_batch_in_column_name(in, 0), "PatientName"); /* BOM skipped */
    fs_batch_row r;
    fs_batch_row_init(&r);
    next(in, &r);
    cr_assert_str_eq(r.problem, "");
    cr_assert_eq(r.number, 1);
    cr_assert_eq(r.line, 2);
    cr_assert_str_eq(cell(&r, 0), "DOE^JOHN");
    cr_assert_str_eq(cell(&r, 1), "a,b");
    cr_assert_str_eq(cell(&r, 2), "say \"hi\"");
    next(in, &r); /* the blank line counts as a line, not a row */
    cr_assert_eq(r.number, 2);
    cr_assert_eq(r.line, 4);
    cr_assert_str_eq(cell(&r, 1), "two\r\nlines");
    cr_assert_str_eq(cell(&r, 2), "three\nlines\nhere");
    next(in, &r); /* no line end at the end of the file */
    cr_assert_eq(r.number, 3);
    cr_assert_eq(r.line, 8);
    cr_assert_str_eq(cell(&r, 2), "ok");
    at_end(in, &r);
    at_end(in, &r);
    fs_batch_row_free(&r);
    fs_batch_in_close(in);
}

Test(findscu_batch_in, csv_bad_rows)
{
    static const char text[] = "PatientID,PatientName,StudyDate\n"
                               "1,2,3,4,5\n"
                               "1,A\xc3(,3\n"
                               "\"x\"y,2\n"
                               "1,\"bad\0\",3\n"
                               "ok\n"
                               "1,\"open\n...";
    fs_batch_in *in = NULL;
    dq_error err;
    cr_assert_eq(fs_batch_in_open_mem(&in, text, sizeof text - 1, "t.csv", FS_BATCH_CSV, &err), 0);
    fs_batch_row r;
    fs_batch_row_init(&r);
    next(in, &r);
    cr_assert_str_eq(r.problem, "row 1: 5 cells, the header has 3");
    dq_dataset *ds = dq_dataset_new();
    cr_assert_eq(fs_batch_row_apply(in, &r, ds, &err), -1); /* a problem row is not applied */
    cr_assert(strstr(err.message, "row 1: 5 cells"), "%s", err.message);
    dq_dataset_free(ds);
    next(in, &r);
    cr_assert_str_eq(r.problem, "row 2, column 2 (PatientName): invalid UTF-8 at byte 2");
    next(in, &r);
    cr_assert_str_eq(r.problem, "row 3, column 1 (PatientID): text after the closing quote");
    next(in, &r);
    cr_assert_str_eq(r.problem, "row 4, column 2 (PatientName): a NUL byte at byte 4");
    next(in, &r);
    cr_assert_str_eq(r.problem, "");
    cr_assert_eq(r.ncells, 1); /* fewer cells: the others are empty */
    next(in, &r);
    cr_assert_str_eq(r.problem, "row 6, column 2 (PatientName): the quoted field opened on "
                                "line 7 is not closed at the end of the input");
    at_end(in, &r);
    fs_batch_row_free(&r);
    fs_batch_in_close(in);
}

/* What findscu --format tsv writes reads back as the same text. */
Test(findscu_batch_in, tsv_escapes_round_trip)
{
    static const char *const values[] = {"tab\there",  "lf\nand\r\ncrlf", "back\\slash",
                                         "trailing\\", "\"q\"",           "a,b"};
    dq_buffer doc = {0};
    dq_buffer_append(&doc, "PatientName\tPatientID\n", 22, NULL);
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        fs_csv_cell(&doc, (const uint8_t *)values[i], strlen(values[i]), FS_FORMAT_TSV, NULL);
        dq_buffer_append(&doc, "\tx\n", 3, NULL);
    }
    /* Written by hand: an unknown escape and a lone backslash stay as they are. */
    dq_buffer_append(&doc, "CT\\SR\\x\tA\\\n", 11, NULL);
    fs_batch_in *in = open_bytes(doc.data, doc.len, "t.tsv");
    fs_batch_row r;
    fs_batch_row_init(&r);
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        next(in, &r);
        cr_assert_str_eq(r.problem, "");
        cr_assert_str_eq(cell(&r, 0), values[i]);
        cr_assert_str_eq(cell(&r, 1), "x");
    }
    next(in, &r);
    cr_assert_str_eq(cell(&r, 0), "CT\\SR\\x");
    cr_assert_str_eq(cell(&r, 1), "A\\");
    at_end(in, &r);
    fs_batch_row_free(&r);
    fs_batch_in_close(in);
    dq_buffer_free(&doc);
}

/* The template: -k PatientName=TEMPLATE -k StudyDate=20200101 -k PatientID=. */
static dq_dataset *template_ds(void)
{
    dq_dataset *ds = dq_dataset_new();
    cr_assert_eq(dq_dataset_set_key(ds, "PatientName=TEMPLATE", NULL), 0);
    cr_assert_eq(dq_dataset_set_key(ds, "StudyDate=20200101", NULL), 0);
    cr_assert_eq(dq_dataset_set_key(ds, "PatientID=", NULL), 0);
    return ds;
}

/* The value of tag in ds after applying the next row ("<absent>" if none). */
static const char *applied(fs_batch_in *in, fs_batch_row *r, uint32_t tag)
{
    static char out[128];
    dq_dataset *ds = template_ds();
    dq_error err;
    next(in, r);
    cr_assert_eq(fs_batch_row_apply(in, r, ds, &err), 0, "%s", err.message);
    const dq_element *el = dq_dataset_find(ds, tag);
    size_t len = 0;
    const uint8_t *v = el ? dq_element_value(el, &len) : NULL;
    snprintf(out, sizeof out, "%.*s", (int)len, !el ? "<absent>" : v ? (const char *)v : "");
    dq_dataset_free(ds);
    return out;
}

Test(findscu_batch_in, empty_cell_keeps_quoted_empty_clears)
{
    for (int f = 0; f < 2; f++) {
        const char *text = f ? "PatientID\tStudyDate\tPatientName\n123\t\"\"\n123\t\tN\n"
                               "\"\"\t19990101\t\n"
                             : "PatientID,StudyDate,PatientName\n123,\"\"\n123,,N\n"
                               "\"\",19990101,\n";
        fs_batch_in *in = open_text(text, FS_BATCH_AUTO);
        fs_batch_row r;
        fs_batch_row_init(&r);
        cr_assert_str_eq(applied(in, &r, DQ_TAG_StudyDate), "");         /* "" : set empty */
        cr_assert_str_eq(applied(in, &r, DQ_TAG_StudyDate), "20200101"); /* empty: kept */
        cr_assert_str_eq(applied(in, &r, DQ_TAG_PatientID), "");
        at_end(in, &r);
        fs_batch_in_close(in);

        /* The values themselves, and the keys no cell names, on one data set. */
        in = open_text(text, FS_BATCH_AUTO);
        dq_dataset *ds = template_ds();
        next(in, &r);
        cr_assert_eq(fs_batch_row_apply(in, &r, ds, NULL), 0);
        dq_str s;
        cr_assert_eq(dq_dataset_get_string(ds, DQ_TAG_PatientID, &s, NULL), 0);
        cr_assert_eq(s.len, 3);
        cr_assert_eq(dq_dataset_get_string(ds, DQ_TAG_PatientName, &s, NULL), 0);
        cr_assert_eq(s.len, 8); /* TEMPLATE: the missing cell keeps it */
        cr_assert_not_null(dq_dataset_find(ds, DQ_TAG_StudyDate));
        dq_dataset_free(ds);
        fs_batch_row_free(&r);
        fs_batch_in_close(in);
    }
}

/* Applies the one data row of text to a new data set; returns the status,
 * the message in msg. */
static int apply_one(const char *text, char *msg, size_t cap)
{
    fs_batch_in *in = open_text(text, FS_BATCH_AUTO);
    fs_batch_row r;
    fs_batch_row_init(&r);
    next(in, &r);
    dq_dataset *ds = dq_dataset_new();
    dq_error err;
    dq_error_clear(&err);
    int rc = fs_batch_row_apply(in, &r, ds, &err);
    snprintf(msg, cap, "%s", err.message);
    dq_dataset_free(ds);
    fs_batch_row_free(&r);
    fs_batch_in_close(in);
    return rc;
}

/* Text of n copies of the UTF-8 character ch after prefix. */
static char *repeat(const char *prefix, const char *ch, size_t n, const char *suffix)
{
    size_t k = strlen(ch);
    char *s = malloc(strlen(prefix) + n * k + strlen(suffix) + 1), *p = s;
    p += sprintf(p, "%s", prefix);
    for (size_t i = 0; i < n; i++, p += k)
        memcpy(p, ch, k);
    strcpy(p, suffix);
    return s;
}

Test(findscu_batch_in, value_length_per_vr_table)
{
    const dq_vr_info *lo = dq_vr_info_get(DQ_VR_LO), *da = dq_vr_info_get(DQ_VR_DA);
    cr_assert(lo && lo->max_length && lo->max_in_chars);
    char msg[256];
    /* LO counts characters: the maximum of 2-byte characters fits, one more does not. */
    char *ok = repeat("PatientID,PatientName\n", "\xc3\xa9", lo->max_length, ",1\n");
    cr_assert_eq(apply_one(ok, msg, sizeof msg), 0, "%s", msg);
    char *bad = repeat("PatientName,PatientID\n1,", "a", lo->max_length + 1, "\n");
    cr_assert_eq(apply_one(bad, msg, sizeof msg), -1);
    cr_assert(strstr(msg, "row 1, column 2 (PatientID)") && strstr(msg, "LO allows"), "%s", msg);
    free(ok);
    free(bad);
    /* Per value of a multi-valued key: two values of the maximum each. */
    char *two = repeat("OtherPatientIDs\n", "b", lo->max_length, "");
    char *two2 = repeat(two, "\\", 1, "");
    char *multi = repeat(two2, "c", lo->max_length, "\n");
    cr_assert_eq(apply_one(multi, msg, sizeof msg), 0, "%s", msg);
    free(two);
    free(two2);
    free(multi);
    /* DA: a range is two dates (PS3.4 C.2.2.2.5.1); one longer date is not. */
    cr_assert_eq(apply_one("StudyDate\n20200101-20201231\n", msg, sizeof msg), 0, "%s", msg);
    char *date = repeat("StudyDate\n", "1", da->max_length + 1, "\n");
    cr_assert_eq(apply_one(date, msg, sizeof msg), -1);
    cr_assert(strstr(msg, "DA allows"), "%s", msg);
    free(date);
    /* What dq_dataset_set_key refuses, named by row and column. */
    cr_assert_eq(apply_one("PatientID,ReferencedStudySequence\n1,x\n", msg, sizeof msg), -1);
    cr_assert(strstr(msg, "row 1, column 2 (ReferencedStudySequence)") &&
                  strstr(msg, "sequence takes no value"),
              "%s", msg);
    cr_assert_eq(apply_one("Rows\n70000\n", msg, sizeof msg), -1);
    cr_assert(strstr(msg, "row 1, column 1 (Rows)"), "%s", msg);
    /* A sequence column set empty, an item path with a value. */
    cr_assert_eq(
        apply_one("ReferencedStudySequence[0].ReferencedSOPInstanceUID\n1.2.3\n", msg, sizeof msg),
        0, "%s", msg);
    cr_assert_eq(apply_one("ReferencedStudySequence\n\"\"\n", msg, sizeof msg), 0, "%s", msg);
}

Test(findscu_batch_in, row_longer_than_cap)
{
    /* One unquoted row and one quoted one over the cap (the quoted one with
     * line ends inside), each followed by a good row. */
    dq_buffer doc = {0};
    dq_buffer_append(&doc, "PatientID,PatientName\n", 22, NULL);
    dq_buffer_reserve(&doc, 2 * FS_BATCH_MAX_ROW + 100, NULL);
    memset(doc.data + doc.len, 'a', FS_BATCH_MAX_ROW + 1);
    doc.len += FS_BATCH_MAX_ROW + 1;
    dq_buffer_append(&doc, ",x\n1,ok\n2,\"", 11, NULL);
    for (size_t i = 0; i < FS_BATCH_MAX_ROW / 4; i++)
        dq_buffer_append(&doc, "b\nb,", 4, NULL);
    dq_buffer_append(&doc, "\"\n3,ok\n", 7, NULL);
    fs_batch_in *in = open_bytes(doc.data, doc.len, "big.csv");
    fs_batch_row r;
    fs_batch_row_init(&r);
    next(in, &r);
    cr_assert_str_eq(r.problem, "row 1: longer than 1048576 bytes");
    cr_assert_lt(r.text.cap, 3 * FS_BATCH_MAX_ROW); /* the rest was not kept */
    next(in, &r);
    cr_assert_str_eq(r.problem, "");
    cr_assert_str_eq(cell(&r, 0), "1");
    cr_assert_eq(r.line, 3);
    next(in, &r);
    cr_assert_str_eq(r.problem, "row 3: longer than 1048576 bytes");
    next(in, &r);
    cr_assert_str_eq(r.problem, "");
    cr_assert_str_eq(cell(&r, 0), "3");
    cr_assert_eq(r.line, 5 + FS_BATCH_MAX_ROW / 4);
    at_end(in, &r);
    fs_batch_row_free(&r);
    fs_batch_in_close(in);
    dq_buffer_free(&doc);
}

/* 1,000,000 rows from a file (CRLF, quoted cells across read boundaries):
 * every row read in order, and the row's buffers no larger at the end than
 * after 1,000 rows. */
Test(findscu_batch_in, million_rows_streamed, .timeout = 120)
{
    char path[512];
    cr_assert_not_null(dq_test_tmp_template(path, sizeof path, "dq-batch"));
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    FILE *f = fdopen(fd, "w");
    fprintf(f, "PatientID,PatientName,StudyDate\r\n");
    const size_t rows = 1000000;
    for (size_t i = 1; i <= rows; i++)
        fprintf(f, "%zu,\"DOE, %zu\",%s\r\n", i, i % 7, i % 3 ? "20200101" : "");
    cr_assert_eq(fclose(f), 0);

    fs_batch_in *in = NULL;
    dq_error err;
    cr_assert_eq(fs_batch_in_open(&in, path, FS_BATCH_AUTO, &err), 0, "%s", err.message);
    unlink(path);
    fs_batch_row r;
    fs_batch_row_init(&r);
    size_t n = 0, text_cap = 0, cell_cap = 0;
    int rc;
    char want[32];
    while ((rc = fs_batch_in_next(in, &r, &err)) == 1) {
        n++;
        snprintf(want, sizeof want, "%zu", n);
        if (strcmp(cell(&r, 0), want) != 0 || r.problem[0] || r.number != n || r.line != n + 1)
            cr_assert_fail("row %zu: %s %s", n, cell(&r, 0), r.problem);
        if (n == 1000) {
            text_cap = r.text.cap;
            cell_cap = r.cell_cap;
        }
    }
    cr_assert_eq(rc, 0, "%s", err.message);
    cr_assert_eq(n, rows);
    cr_assert_eq(r.text.cap, text_cap);
    cr_assert_eq(r.cell_cap, cell_cap);
    fs_batch_row_free(&r);
    fs_batch_in_close(in);
}

/* stdin ("-"), fed through a pipe. */
Test(findscu_batch_in, stdin_pipe)
{
    int p[2];
    cr_assert_eq(pipe(p), 0);
    const char text[] = "PatientID\tPatientName\nA\tB\n";
    cr_assert_eq(write(p[1], text, sizeof text - 1), (ssize_t)(sizeof text - 1));
    close(p[1]);
    int saved = dup(STDIN_FILENO);
    dup2(p[0], STDIN_FILENO);
    close(p[0]);
    fs_batch_in *in = NULL;
    dq_error err;
    cr_assert_eq(fs_batch_in_open(&in, "-", FS_BATCH_AUTO, &err), 0, "%s", err.message);
    cr_assert_eq(fs_batch_in_format(in), FS_BATCH_TSV);
    fs_batch_row r;
    fs_batch_row_init(&r);
    next(in, &r);
    cr_assert_str_eq(cell(&r, 1), "B");
    at_end(in, &r);
    fs_batch_row_free(&r);
    fs_batch_in_close(in);
    dup2(saved, STDIN_FILENO);
    close(saved);
}
