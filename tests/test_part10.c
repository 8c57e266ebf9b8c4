/* Part 10 files: what we write (preamble, meta, identity) is read back by us
 * and by DCMTK; files with and without preamble/meta are read. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dq/dq.h"
#include "tmp_path.h"

#define FILES "/usr/lib/python3/dist-packages/pydicom/data/test_files/"

static void explicit_bytes(const dq_dataset *ds, dq_buffer *b)
{
    dq_buffer_reset(b);
    cr_assert_eq(dq_dataset_encode(ds, DQ_TS_EXPLICIT_LE, b, NULL), 0);
}

Test(part10, write_layout_and_meta)
{
    dq_dataset *ds = dq_dataset_new();
    dq_dataset_set_key(ds, "QueryRetrieveLevel=PATIENT", NULL);
    dq_dataset_set_key(ds, "PatientName=CompressedSamples^CT1", NULL);
    dq_buffer b = {0};
    cr_assert_eq(
        dq_part10_encode(ds, DQ_TS_EXPLICIT_LE, "1.2.840.10008.5.1.4.1.2.1.1", "1.2.3.4", &b, NULL),
        0);
    for (int i = 0; i < 128; i++)
        cr_assert_eq(b.data[i], 0);
    cr_assert_eq(memcmp(b.data + 128, "DICM", 4), 0);
    /* (0002,0000) UL 4 <len> then (0002,0001) OB 00 00 0002 00 01 */
    static const uint8_t head[] = {0x02, 0x00, 0x00, 0x00, 'U', 'L', 4, 0};
    cr_assert_eq(memcmp(b.data + 132, head, 8), 0);
    uint32_t gl = b.data[140] | b.data[141] << 8 | b.data[142] << 16 | (uint32_t)b.data[143] << 24;
    static const uint8_t ver[] = {0x02, 0x00, 0x01, 0x00, 'O', 'B', 0, 0, 2, 0, 0, 0, 0x00, 0x01};
    cr_assert_eq(memcmp(b.data + 144, ver, sizeof ver), 0);
    dq_dataset *meta, *back;
    dq_transfer_syntax ts;
    dq_error err;
    cr_assert_eq(dq_part10_decode(b.data, b.len, NULL, &meta, &back, &ts, &err), 0, "%s",
                 err.message);
    cr_assert_eq(ts, DQ_TS_EXPLICIT_LE);
    /* the group length covers exactly the meta elements after it */
    dq_buffer m = {0};
    dq_dataset_remove(meta, DQ_TAG(0x0002, 0x0000));
    explicit_bytes(meta, &m);
    cr_assert_eq(gl, m.len);
    dq_str s;
    cr_assert_eq(dq_dataset_get_string(meta, DQ_TAG(0x0002, 0x0012), &s, NULL), 0);
    cr_assert_eq(s.len, strlen(DQ_IMPLEMENTATION_CLASS_UID));
    cr_assert_eq(memcmp(s.ptr, DQ_IMPLEMENTATION_CLASS_UID, s.len), 0);
    cr_assert_eq(dq_dataset_get_string(meta, DQ_TAG(0x0002, 0x0013), &s, NULL), 0);
    cr_assert_eq(memcmp(s.ptr, "DQ_010", 6), 0);
    cr_assert_eq(dq_dataset_get_string(meta, DQ_TAG(0x0002, 0x0003), &s, NULL), 0);
    cr_assert_eq(memcmp(s.ptr, "1.2.3.4", 7), 0);
    dq_buffer a = {0};
    explicit_bytes(ds, &a);
    explicit_bytes(back, &m);
    cr_assert_eq(a.len, m.len);
    cr_assert_eq(memcmp(a.data, m.data, a.len), 0);
    dq_buffer_free(&a);
    dq_buffer_free(&m);
    dq_buffer_free(&b);
    dq_dataset_free(meta);
    dq_dataset_free(back);
    dq_dataset_free(ds);
}

Test(part10, round_trip_in_all_four_syntaxes_and_dcmtk_reads_them, .timeout = 60)
{
    dq_dataset *ds;
    dq_error err;
    cr_assert_eq(dq_part10_read_file(FILES "MR_small_bigendian.dcm", NULL, NULL, &ds, NULL, &err),
                 0, "%s", err.message);
    dq_buffer orig = {0}, again = {0};
    explicit_bytes(ds, &orig);
    for (int t = 0; t < 4; t++) {
        char path[512];
        cr_assert_not_null(dq_test_tmp_template(path, sizeof path, "dq_part10"));
        int fd = mkstemp(path);
        cr_assert_geq(fd, 0);
        close(fd);
        cr_assert_eq(dq_part10_write_file(path, ds, (dq_transfer_syntax)t, NULL, NULL, &err), 0,
                     "%s", err.message);
        dq_dataset *back;
        dq_transfer_syntax ts;
        cr_assert_eq(dq_part10_read_file(path, NULL, NULL, &back, &ts, &err), 0, "%s", err.message);
        cr_assert_eq(ts, (dq_transfer_syntax)t);
        explicit_bytes(back, &again);
        cr_assert_eq(again.len, orig.len, "%s", dq_ts_name(ts));
        cr_assert_eq(memcmp(again.data, orig.data, orig.len), 0, "%s", dq_ts_name(ts));
        dq_dataset_free(back);
        char cmd[1280];
        snprintf(cmd, sizeof cmd,
                 "dcmdump -q '%s' | grep -q 'DQ_010' && dcmdump -q '%s' | grep -q 'PatientName'",
                 path, path);
        cr_assert_eq(system(cmd), 0, "dcmdump cannot read our %s file", dq_ts_name(ts));
        unlink(path);
    }
    dq_buffer_free(&orig);
    dq_buffer_free(&again);
    dq_dataset_free(ds);
}

static void read_as(const char *file, dq_transfer_syntax want_ts, const char *want_name)
{
    dq_dataset *ds;
    dq_transfer_syntax ts;
    dq_error err;
    cr_assert_eq(dq_part10_read_file(file, NULL, NULL, &ds, &ts, &err), 0, "%s: %s", file,
                 err.message);
    cr_assert_eq(ts, want_ts, "%s: %s", file, dq_ts_name(ts));
    if (want_name) {
        dq_str s;
        cr_assert_eq(dq_dataset_get_string(ds, DQ_TAG(0x0010, 0x0010), &s, NULL), 0);
        cr_assert_eq(s.len, strlen(want_name));
        cr_assert_eq(memcmp(s.ptr, want_name, s.len), 0, "%s: %.*s", file, (int)s.len, s.ptr);
    }
    dq_dataset_free(ds);
}

Test(part10, files_with_and_without_preamble_and_meta)
{
    read_as(FILES "CT_small.dcm", DQ_TS_EXPLICIT_LE, "CompressedSamples^CT1");
    read_as(FILES "MR_small_implicit.dcm", DQ_TS_IMPLICIT_LE, "CompressedSamples^MR1");
    read_as(FILES "MR_small_bigendian.dcm", DQ_TS_EXPLICIT_BE, "CompressedSamples^MR1");
    read_as(FILES "image_dfl.dcm", DQ_TS_DEFLATED_LE, NULL);
    read_as(FILES "ExplVR_BigEndNoMeta.dcm", DQ_TS_EXPLICIT_BE, NULL);
    read_as(FILES "ExplVR_LitEndNoMeta.dcm", DQ_TS_EXPLICIT_LE, NULL);
    read_as(FILES "no_meta_group_length.dcm", DQ_TS_IMPLICIT_LE, NULL);
    /* "DICM" without the preamble */
    FILE *f = fopen(FILES "CT_small.dcm", "rb");
    static uint8_t buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    dq_dataset *ds;
    cr_assert_eq(dq_part10_decode(buf + 128, n - 128, NULL, NULL, &ds, NULL, NULL), 0);
    cr_assert_not_null(dq_dataset_find(ds, DQ_TAG(0x0010, 0x0010)));
    dq_dataset_free(ds);
}

Test(part10, truncated_file_errors)
{
    dq_dataset *ds;
    dq_error err;
    cr_assert_eq(dq_part10_read_file(FILES "rtplan_truncated.dcm", NULL, NULL, &ds, NULL, &err),
                 -1);
    cr_assert_eq(err.kind, DQ_ERR_MALFORMED);
    cr_assert_null(ds);
    cr_assert_eq(dq_part10_read_file("/nonexistent/x.dcm", NULL, NULL, &ds, NULL, &err), -1);
    cr_assert_eq(err.kind, DQ_ERR_IO);
}

/* fopen() opens a directory for reading: the error must say what read()
 * would (EISDIR), not "short read". */
Test(part10, reading_a_directory_says_so)
{
    char dir[512];
    cr_assert_not_null(dq_test_tmp_template(dir, sizeof dir, "dq-part10"));
    cr_assert_not_null(mkdtemp(dir));
    dq_dataset *meta = NULL, *ds = NULL;
    dq_error err;
    cr_assert_eq(dq_part10_read_file(dir, NULL, &meta, &ds, NULL, &err), -1);
    cr_assert_eq(err.kind, DQ_ERR_IO);
    cr_assert_eq(err.sys_errno, EISDIR, "%s", err.message);
    cr_assert(strstr(err.message, "Is a directory"), "%s", err.message);
    cr_assert_null(ds);
    rmdir(dir);
}

/* cli/dicomdump: prints the file with the dump (the tree layout by default;
 * tests/test_dicomdump.c has the layouts); a bad file exits 1. */
Test(dicomdump, prints_files_and_fails_on_bad_ones, .timeout = 30)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "'%s/cli/dicomdump' '%s' 2>&1", DQ_BINARY_DIR, FILES "CT_small.dcm");
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    char line[512];
    int n = 0, found = 0;
    while (fgets(line, sizeof line, p)) {
        n++;
        if (!strcmp(
                line,
                "(0010,0010) PN [CompressedSamples^CT1]                  #  22, 1 PatientName\n"))
            found = 1;
    }
    cr_assert_eq(pclose(p), 0);
    cr_assert(found, "PatientName line missing");
    cr_assert_gt(n, 50);
    snprintf(cmd, sizeof cmd, "'%s/cli/dicomdump' '%s' >/dev/null 2>&1", DQ_BINARY_DIR,
             FILES "rtplan_truncated.dcm");
    int st = system(cmd);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 1);
}
