/* findscu's output sinks: the -w Part 10 files and the log dump. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <dq/dataset.h>
#include <dq/find.h>

#include "findscu_log.h"
#include "findscu_sink.h"
#include "tmp_path.h"

Test(findscu_sink, new_uid_is_a_2_25_uuid)
{
    char a[80], b[80];
    cr_assert_eq(fs_new_uid(a, sizeof a, NULL), 0);
    cr_assert_eq(fs_new_uid(b, sizeof b, NULL), 0);
    cr_assert(strncmp(a, "2.25.", 5) == 0, "%s", a);
    cr_assert_leq(strlen(a), 64, "a UID has at most 64 characters: %s", a);
    cr_assert_gt(strlen(a), 5 + 20, "a 128-bit number has many digits: %s", a);
    cr_assert(a[5] != '0', "no leading zero (PS3.5 9.1): %s", a);
    for (const char *p = a + 5; *p; p++)
        cr_assert(*p >= '0' && *p <= '9', "%s", a);
    cr_assert_str_neq(a, b, "fresh every time");
    char tiny[10];
    cr_assert_eq(fs_new_uid(tiny, sizeof tiny, NULL), -1);
}

/* PS3.5 B.2's example, and the extremes of 128 bits. */
Test(findscu_sink, uuid_to_decimal_uid)
{
    static const struct {
        uint8_t uuid[16];
        const char *uid;
    } v[] = {
        {{0xf8, 0x1d, 0x4f, 0xae, 0x7d, 0xec, 0x11, 0xd0, 0xa7, 0x65, 0x00, 0xa0, 0xc9, 0x1e, 0x6b,
          0xf6},
         "2.25.329800735698586629295641978511506172918"},
        {{0}, "2.25.0"},
        {{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 10}, "2.25.10"},
        {{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x3b, 0x9a, 0xca, 0x00}, "2.25.1000000000"},
        {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
          0xff},
         "2.25.340282366920938463463374607431768211455"},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        char buf[80];
        cr_assert_eq(fs_uid_from_uuid(v[i].uuid, buf, sizeof buf, NULL), 0);
        cr_assert_str_eq(buf, v[i].uid);
    }
}

static dq_dataset *seed_identifier(void)
{
    dq_dataset *ds = dq_dataset_new();
    cr_assert_not_null(ds);
    cr_assert_eq(dq_dataset_set_key(ds, "QueryRetrieveLevel=PATIENT", NULL), 0);
    cr_assert_eq(dq_dataset_set_key(ds, "PatientName=CompressedSamples^CT1", NULL), 0);
    return ds;
}

Test(findscu_sink, part10_sink_names_files_and_writes_meta)
{
    char dir[512];
    cr_assert_not_null(dq_test_tmp_template(dir, sizeof dir, "dq-cli-sink"));
    cr_assert_not_null(mkdtemp(dir));
    fs_sink *s = fs_sink_part10_new(dir);
    cr_assert_not_null(s);
    dq_dataset *id = seed_identifier();
    fs_query_info info = {
        .model_uid = "1.2.840.10008.5.1.4.1.2.2.1", .ts = DQ_TS_EXPLICIT_LE, .pctx_id = 9};
    dq_find_response pending = {.index = 1, .pending = true, .identifier = id};
    pending.status.code = 0xFF00;
    dq_find_response final = {.index = 3, .pending = false, .identifier = NULL};
    final.status.code = 0x0000;
    dq_error err;
    cr_assert_eq(s->response(s, &info, &pending, &err), 0, "%s", err.message);
    pending.index = 2;
    cr_assert_eq(s->response(s, &info, &pending, &err), 0, "%s", err.message);
    cr_assert_eq(s->response(s, &info, &final, &err), 0);

    char path[600];
    for (int i = 1; i <= 3; i++) {
        snprintf(path, sizeof path, "%s/rsp%06d.dcm", dir, i);
        if (i == 3) {
            cr_assert_neq(access(path, F_OK), 0, "nothing for the final response");
            continue;
        }
        dq_dataset *meta = NULL, *body = NULL;
        dq_transfer_syntax ts;
        cr_assert_eq(dq_part10_read_file(path, NULL, &meta, &body, &ts, &err), 0, "%s",
                     err.message);
        cr_assert_eq(ts, DQ_TS_EXPLICIT_LE, "the accepted transfer syntax");
        dq_str v;
        cr_assert_eq(dq_dataset_get_string(meta, DQ_TAG(0x0002, 0x0002), &v, NULL), 0);
        cr_assert(v.len == strlen(info.model_uid) && !memcmp(v.ptr, info.model_uid, v.len),
                  "Media Storage SOP Class = the query model");
        cr_assert_eq(dq_dataset_get_string(meta, DQ_TAG(0x0002, 0x0003), &v, NULL), 0);
        cr_assert(v.len > 5 && !memcmp(v.ptr, "2.25.", 5));
        cr_assert_eq(dq_dataset_get_string(body, DQ_TAG(0x0010, 0x0010), &v, NULL), 0);
        cr_assert(v.len == 21 && !memcmp(v.ptr, "CompressedSamples^CT1", 21));
        /* DCMTK reads it as a conformant file. */
        char cmd[700];
        snprintf(cmd, sizeof cmd, "dcmdump -q %s > /dev/null 2>&1", path);
        cr_expect_eq(system(cmd), 0, "dcmdump rejects %s", path);
        dq_dataset_free(meta);
        dq_dataset_free(body);
        unlink(path);
    }
    s->destroy(s);
    dq_dataset_free(id);
    rmdir(dir);
}

Test(findscu_sink, log_sink_dumps_pending_identifiers)
{
    char buf[4096] = "";
    FILE *f = fmemopen(buf, sizeof buf - 1, "w");
    fs_options o;
    memset(&o, 0, sizeof o);
    o.log_type = 'v';
    fs_log_setup(&o, f);
    fs_sink *s = fs_sink_log_new();
    dq_dataset *id = seed_identifier();
    fs_query_info info = {.model_uid = "1.2.840.10008.5.1.4.1.2.1.1", .ts = DQ_TS_IMPLICIT_LE};
    dq_find_response rsp = {.index = 1, .pending = true, .identifier = id};
    cr_assert_eq(s->response(s, &info, &rsp, NULL), 0);
    rsp.pending = false;
    rsp.identifier = NULL;
    cr_assert_eq(s->response(s, &info, &rsp, NULL), 0);
    fclose(f);
    cr_assert_str_eq(buf, "I: \n"
                          "I: # Response Identifier\n"
                          "I: (0008,0052) CS [PATIENT]                                # 1 "
                          "QueryRetrieveLevel\n"
                          "I: (0010,0010) PN [CompressedSamples^CT1]                  # 1 "
                          "PatientName\n"
                          "I: \n");
    s->destroy(s);
    dq_dataset_free(id);
}

Test(findscu_sink, quiet_logs_nothing)
{
    char buf[256] = "";
    FILE *f = fmemopen(buf, sizeof buf - 1, "w");
    fs_options o;
    memset(&o, 0, sizeof o);
    o.log_type = 'q';
    o.log_level = FS_LEVEL_DEBUG; /* -ll cannot bring output back after -q */
    fs_log_setup(&o, f);
    FS_ERROR("x");
    FS_INFO("y");
    fclose(f);
    cr_assert_str_eq(buf, "");
    memset(&o, 0, sizeof o);
    o.log_type = 'd';
    o.log_level = FS_LEVEL_ERROR;
    memset(buf, 0, sizeof buf);
    f = fmemopen(buf, sizeof buf - 1, "w");
    fs_log_setup(&o, f);
    FS_INFO("hidden");
    FS_ERROR("shown %d", 1);
    FS_WARN("w");
    fclose(f);
    cr_assert_str_eq(buf, "E: shown 1\n", "-ll wins over -d");
}

/* A file that cannot be written is named once, as Python's OSError words it
 * (the library's own message already names the path). */
Test(findscu_sink, write_failure_names_the_file_once)
{
    char dir[96], blocker[128];
    cr_assert_not_null(dq_test_tmp_template(dir, sizeof dir, "dq-cli-sink"));
    cr_assert_not_null(mkdtemp(dir));
    snprintf(blocker, sizeof blocker, "%s/rsp000001.dcm", dir);
    cr_assert_eq(mkdir(blocker, 0700), 0);
    fs_sink *s = fs_sink_part10_new(dir);
    dq_dataset *id = seed_identifier();
    fs_query_info info = {.model_uid = "1.2.840.10008.5.1.4.1.2.1.1", .ts = DQ_TS_IMPLICIT_LE};
    dq_find_response rsp = {.index = 1, .pending = true, .identifier = id};
    dq_error err;
    dq_error_clear(&err);
    cr_assert_eq(s->response(s, &info, &rsp, &err), -1);
    char want[256];
    snprintf(want, sizeof want, "[Errno 21] Is a directory: '%s'", blocker);
    cr_assert_str_eq(err.message, want);
    s->destroy(s);
    dq_dataset_free(id);
    rmdir(blocker);
    rmdir(dir);
}

/* --output-directory: missing levels created; a file, a path through a file
 * or an unwritable directory refused with the reason. */
Test(findscu_sink, output_directory_prepare)
{
    char dir[96], deep[128], file[128], through[160];
    cr_assert_not_null(dq_test_tmp_template(dir, sizeof dir, "dq-cli-sink"));
    cr_assert_not_null(mkdtemp(dir));
    snprintf(deep, sizeof deep, "%s/a/b/c", dir);
    dq_error err;
    dq_error_clear(&err);
    cr_assert_eq(fs_output_dir_prepare(deep, &err), 0, "%s", err.message);
    struct stat st;
    cr_assert(stat(deep, &st) == 0 && S_ISDIR(st.st_mode));
    cr_assert_eq(fs_output_dir_prepare(deep, &err), 0, "an existing directory is fine");
    char trailing[160];
    snprintf(trailing, sizeof trailing, "%s/", deep);
    cr_assert_eq(fs_output_dir_prepare(trailing, &err), 0, "a trailing slash is fine");

    snprintf(file, sizeof file, "%s/f", dir);
    FILE *f = fopen(file, "w");
    cr_assert_not_null(f);
    fclose(f);
    snprintf(through, sizeof through, "%s/x", file);
    const char *bad[] = {file, through};
    for (size_t i = 0; i < 2; i++) {
        cr_assert_eq(fs_output_dir_prepare(bad[i], &err), -1, "%s", bad[i]);
        cr_assert_eq(err.sys_errno, ENOTDIR, "%s: %s", bad[i], err.message);
        char want[256];
        snprintf(want, sizeof want,
                 "Cannot create the output directory '%s': [Errno 20] Not a directory", bad[i]);
        cr_assert_str_eq(err.message, want);
    }
    cr_assert_eq(fs_output_dir_prepare("", &err), -1);
    cr_assert_eq(fs_output_dir_prepare("/sys", &err), -1, "sysfs takes no files, even from root");
    cr_assert_eq(err.sys_errno, EACCES, "%s", err.message);

    unlink(file);
    rmdir(deep);
    snprintf(deep, sizeof deep, "%s/a/b", dir);
    rmdir(deep);
    snprintf(deep, sizeof deep, "%s/a", dir);
    rmdir(deep);
    cr_assert_eq(rmdir(dir), 0, "the probe file was removed");
}
