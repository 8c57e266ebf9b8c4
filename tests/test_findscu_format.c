/* findscu --format: CSV/TSV cells and quoting, the columns, the sink and its
 * output (atomic --output, write failures). */
#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <dq/dataset.h>
#include <dq/find.h>

#include "findscu_format.h"
#include "findscu_out.h"
#include "tmp_path.h"

#define V(a, b) DQ_VR_CODE(a, b)

static char cellbuf[4096];

/* The cell text of element tag in ds, NUL-terminated (static). */
static const char *cell(const dq_dataset *ds, uint32_t tag, fs_format_stats *st)
{
    dq_buffer out, scratch;
    dq_buffer_init(&out);
    dq_buffer_init(&scratch);
    fs_format_stats local = {0};
    cr_assert_eq(fs_cell_text(dq_dataset_find(ds, tag), &out, &scratch, st ? st : &local, NULL), 0);
    snprintf(cellbuf, sizeof cellbuf, "%.*s", (int)out.len, (const char *)out.data);
    dq_buffer_free(&out);
    dq_buffer_free(&scratch);
    return cellbuf;
}

static const char *quoted(const char *s, fs_format f)
{
    dq_buffer out;
    dq_buffer_init(&out);
    cr_assert_eq(fs_csv_cell(&out, (const uint8_t *)s, strlen(s), f, NULL), 0);
    snprintf(cellbuf, sizeof cellbuf, "%.*s", (int)out.len, (const char *)out.data);
    dq_buffer_free(&out);
    return cellbuf;
}

/* RFC 4180 for CSV: quoted when a cell holds '"', ',', CR or LF, '"'
 * doubled; TSV: backslash, tab, LF, CR as two characters each. */
Test(findscu_format, csv_quoting_and_tsv_escapes)
{
    static const struct {
        const char *cell, *csv, *tsv;
    } v[] = {
        {"", "", ""},
        {"DOE^JOHN", "DOE^JOHN", "DOE^JOHN"},
        {"CT\\SR", "CT\\SR", "CT\\\\SR"},
        {"a,b", "\"a,b\"", "a,b"},
        {"say \"hi\"", "\"say \"\"hi\"\"\"", "say \"hi\""},
        {"line1\r\nline2", "\"line1\r\nline2\"", "line1\\r\\nline2"},
        {"a\tb", "a\tb", "a\\tb"},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        cr_assert_str_eq(quoted(v[i].cell, FS_FORMAT_CSV), v[i].csv, "%s", v[i].cell);
        cr_assert_str_eq(quoted(v[i].cell, FS_FORMAT_TSV), v[i].tsv, "%s", v[i].cell);
    }
}

Test(findscu_format, text_cells_in_utf8)
{
    dq_dataset *ds = dq_dataset_new();
    /* ISO 2022 IR 87: the three component groups, each decoded. */
    dq_dataset_set_string(ds, DQ_TAG(0x0008, 0x0005), 0, "\\ISO 2022 IR 87", NULL);
    static const char h31[] = "Yamada^Tarou=\x1b$B;3ED\x1b(B^\x1b$BB@O:\x1b(B=\x1b$B$d$^$@\x1b(B^"
                              "\x1b$B$?$m$&\x1b(B";
    dq_dataset_set_bytes(ds, DQ_TAG(0x0010, 0x0010), V('P', 'N'), h31, sizeof h31 - 1, NULL);
    cr_assert_str_eq(cell(ds, DQ_TAG(0x0010, 0x0010), NULL),
                     "Yamada^Tarou=山田^太郎=やまだ^たろう");
    /* Empty trailing groups left out, as pydicom shows the name. */
    dq_dataset_set_bytes(ds, DQ_TAG(0x0010, 0x1001), V('P', 'N'), "A^B=\\C==", 9, NULL);
    cr_assert_str_eq(cell(ds, DQ_TAG(0x0010, 0x1001), NULL), "A^B\\C");
    /* Multi-valued text joined with '\\', each value trimmed. */
    dq_dataset_set_bytes(ds, DQ_TAG(0x0008, 0x0061), V('C', 'S'), "CT\\SR ", 6, NULL);
    cr_assert_str_eq(cell(ds, DQ_TAG(0x0008, 0x0061), NULL), "CT\\SR");
    /* A VR without character set: ISO 8859-1 whatever the set. */
    dq_dataset_set_bytes(ds, DQ_TAG(0x0008, 0x0060), V('C', 'S'), "\xc4 ", 2, NULL);
    cr_assert_str_eq(cell(ds, DQ_TAG(0x0008, 0x0060), NULL), "Ä");
    /* Empty and absent: nothing. */
    dq_dataset_set_empty(ds, DQ_TAG(0x0010, 0x0020), V('L', 'O'), NULL);
    cr_assert_str_eq(cell(ds, DQ_TAG(0x0010, 0x0020), NULL), "");
    cr_assert_str_eq(cell(ds, DQ_TAG(0x0010, 0x0030), NULL), "");
    dq_dataset_free(ds);

    ds = dq_dataset_new();
    dq_dataset_set_string(ds, DQ_TAG(0x0008, 0x0005), 0, "ISO_IR 126", NULL);
    dq_dataset_set_bytes(ds, DQ_TAG(0x0010, 0x0010), V('P', 'N'),
                         "\xc4\xe9\xef\xed\xf5\xf3\xe9\xef\xf2", 9, NULL);
    cr_assert_str_eq(cell(ds, DQ_TAG(0x0010, 0x0010), NULL), "Διονυσιος");
    /* LT keeps its backslashes (one value) and its leading spaces. */
    dq_dataset_set_bytes(ds, DQ_TAG(0x0010, 0x4000), V('L', 'T'), "  a\\b\\xFF", 9, NULL);
    cr_assert_str_eq(cell(ds, DQ_TAG(0x0010, 0x4000), NULL), "  a\\b\\xFF");
    dq_dataset_free(ds);
}

/* An undecodable byte becomes U+FFFD and is counted, never dropped; a
 * literal "\\x41" in the text stays as it is. */
Test(findscu_format, undecodable_bytes_replaced_and_counted)
{
    dq_dataset *ds = dq_dataset_new();
    dq_dataset_set_string(ds, DQ_TAG(0x0008, 0x0005), 0, "ISO_IR 192", NULL);
    dq_dataset_set_bytes(ds, DQ_TAG(0x0010, 0x0010), V('P', 'N'), "M\xfcller\xff^J", 10, NULL);
    fs_format_stats st = {0};
    cr_assert_str_eq(cell(ds, DQ_TAG(0x0010, 0x0010), &st), "M\xef\xbf\xbdller\xef\xbf\xbd^J");
    cr_assert_eq(st.replaced_bytes, 2);
    dq_dataset_set_bytes(ds, DQ_TAG(0x0010, 0x4000), V('L', 'T'), "\\x41 \xc3\xa9\xc3", 8, NULL);
    cr_assert_str_eq(cell(ds, DQ_TAG(0x0010, 0x4000), &st), "\\x41 é\xef\xbf\xbd");
    cr_assert_eq(st.replaced_bytes, 3);
    dq_dataset_free(ds);
}

Test(findscu_format, number_and_byte_cells)
{
    dq_dataset *ds = dq_dataset_new();
    uint16_t us[] = {1, 65535};
    dq_dataset_set_bytes(ds, DQ_TAG(0x0028, 0x0010), V('U', 'S'), us, sizeof us, NULL);
    cr_assert_str_eq(cell(ds, DQ_TAG(0x0028, 0x0010), NULL), "1\\65535");
    int32_t sl = -42;
    dq_dataset_set_bytes(ds, DQ_TAG(0x0018, 0x6020), V('S', 'L'), &sl, 4, NULL);
    cr_assert_str_eq(cell(ds, DQ_TAG(0x0018, 0x6020), NULL), "-42");
    double fd[] = {0.1, 1e300, -2.5};
    dq_dataset_set_bytes(ds, DQ_TAG(0x0018, 0x9087), V('F', 'D'), fd, sizeof fd, NULL);
    cr_assert_str_eq(cell(ds, DQ_TAG(0x0018, 0x9087), NULL), "0.1\\1e+300\\-2.5");
    float fl = 0.1f;
    dq_dataset_set_bytes(ds, DQ_TAG(0x0018, 0x1316), V('F', 'L'), &fl, 4, NULL);
    cr_assert_str_eq(cell(ds, DQ_TAG(0x0018, 0x1316), NULL), "0.1");
    uint64_t uv = UINT64_MAX;
    dq_dataset_set_bytes(ds, DQ_TAG(0x0009, 0x1001), V('U', 'V'), &uv, 8, NULL);
    cr_assert_str_eq(cell(ds, DQ_TAG(0x0009, 0x1001), NULL), "18446744073709551615");
    uint16_t at[] = {0x0010, 0x0010};
    dq_dataset_set_bytes(ds, DQ_TAG(0x0020, 0x5000), V('A', 'T'), at, 4, NULL);
    cr_assert_str_eq(cell(ds, DQ_TAG(0x0020, 0x5000), NULL), "00100010");
    dq_dataset_set_bytes(ds, DQ_TAG(0x0009, 0x1002), V('O', 'B'), "\x00\xff\x10\x20", 4, NULL);
    cr_assert_str_eq(cell(ds, DQ_TAG(0x0009, 0x1002), NULL), "AP8QIA==");
    dq_dataset_set_bytes(ds, DQ_TAG(0x0009, 0x1003), V('U', 'N'), "abc", 3, NULL);
    cr_assert_str_eq(cell(ds, DQ_TAG(0x0009, 0x1003), NULL), "YWJj");
    dq_dataset_free(ds);
}

static fs_options opts(const char **keys, size_t n, const char *columns)
{
    fs_options o;
    memset(&o, 0, sizeof o);
    o.keywords = keys;
    o.n_keywords = n;
    o.columns = columns;
    o.format = FS_FORMAT_CSV;
    return o;
}

static void expect_columns(const fs_columns *c, const char *const *names, size_t n)
{
    cr_assert_eq(c->n, n, "%zu columns", c->n);
    for (size_t i = 0; i < n; i++)
        cr_assert_str_eq(c->col[i].name, names[i]);
}

/* Default columns: the -k keys in order, once, by keyword (or tag), items'
 * elements as Seq[i].Keyword, sequences themselves not. */
Test(findscu_format, default_columns_from_keys)
{
    const char *keys[] = {"QueryRetrieveLevel=STUDY",
                          "(0010,0010)=",
                          "PatientID=X",
                          "PatientName=DOE*",
                          "(0009,1001)=",
                          "ScheduledProcedureStepSequence[0].Modality=CT",
                          "ReferencedStudySequence=",
                          "OtherPatientIDsSequence[0]="};
    fs_options o = opts(keys, 8, NULL);
    fs_columns c;
    dq_error err;
    cr_assert_eq(fs_columns_build(&c, &o, NULL, &err), 0, "%s", err.message);
    const char *want[] = {"QueryRetrieveLevel", "PatientName", "PatientID", "(0009,1001)",
                          "ScheduledProcedureStepSequence[0].Modality"};
    expect_columns(&c, want, 5);
    fs_columns_free(&c);
}

/* -f: the file's elements after the -k keys, in the file's order. */
Test(findscu_format, default_columns_from_file)
{
    dq_dataset *file = dq_dataset_new();
    const char *fkeys[] = {"PatientName=",
                           "StudyDate=",
                           "PatientID=A",
                           "ScheduledProcedureStepSequence[0].Modality=",
                           "ScheduledProcedureStepSequence[1].ScheduledStationAETitle=",
                           "ReferencedStudySequence="};
    for (size_t i = 0; i < 6; i++)
        cr_assert_eq(dq_dataset_set_key(file, fkeys[i], NULL), 0);
    const char *keys[] = {"PatientID=B"};
    fs_options o = opts(keys, 1, NULL);
    o.file = "query.dcm";
    fs_columns c;
    cr_assert_eq(fs_columns_build(&c, &o, file, NULL), 0);
    const char *want[] = {"PatientID", "StudyDate", "PatientName",
                          "ScheduledProcedureStepSequence[0].Modality",
                          "ScheduledProcedureStepSequence[1].ScheduledStationAETitle"};
    expect_columns(&c, want, 5);
    fs_columns_free(&c);
    dq_dataset_free(file);
}

Test(findscu_format, explicit_columns)
{
    fs_options o = opts(NULL, 0, " PatientName, (0010,0020),(0009,1001) ,Seq[0].X");
    fs_columns c;
    dq_error err;
    cr_assert_eq(fs_columns_build(&c, &o, NULL, &err), -1);
    cr_assert_str_eq(err.message,
                     "Invalid column 'Seq[0].X' in --columns: invalid query key 'Seq[0].X': "
                     "unknown keyword 'Seq'");
    fs_columns_free(&c);
    o.columns = " PatientName, (0010,0020),(0009,1001) ,ScheduledProcedureStepSequence[2]."
                "Modality,PatientName";
    cr_assert_eq(fs_columns_build(&c, &o, NULL, &err), 0, "%s", err.message);
    const char *want[] = {"PatientName", "PatientID", "(0009,1001)",
                          "ScheduledProcedureStepSequence[2].Modality"};
    expect_columns(&c, want, 4);
    fs_columns_free(&c);
    static const struct {
        const char *list, *msg;
    } bad[] = {
        {"PatientNam", "Invalid column 'PatientNam' in --columns: invalid query key 'PatientNam': "
                       "unknown keyword 'PatientNam'"},
        {"PatientName,,PatientID", "Invalid --columns 'PatientName,,PatientID': an empty column "
                                   "name"},
        {"ReferencedStudySequence",
         "Invalid column 'ReferencedStudySequence' in --columns: a sequence's values are columns "
         "of their own, as Sequence[i].Keyword"},
        {"OtherPatientIDsSequence[0]",
         "Invalid column 'OtherPatientIDsSequence[0]' in --columns: a sequence's values are "
         "columns of their own, as Sequence[i].Keyword"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        o.columns = bad[i].list;
        cr_assert_eq(fs_columns_build(&c, &o, NULL, &err), -1, "%s", bad[i].list);
        cr_assert_str_eq(err.message, bad[i].msg);
        cr_assert_eq(err.kind, DQ_ERR_ARGUMENT);
        fs_columns_free(&c);
    }
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "%s", path);
    static char buf[65536];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = 0;
    fclose(f);
    return buf;
}

/* A fresh folder dir and the path of `name` in it. */
static void tmp_in_dir(char *dir, size_t dcap, char *path, size_t pcap, const char *name)
{
    cr_assert_not_null(dq_test_tmp_template(dir, dcap, "dq-format"));
    cr_assert_not_null(mkdtemp(dir));
    snprintf(path, pcap, "%s/%s", dir, name);
}

static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* The folder holds only the final file once closed, and nothing under that
 * name before (a reader never sees half a document). */
static size_t entries(const char *dir)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "ls -A '%s' | wc -l", dir);
    FILE *p = popen(cmd, "r");
    size_t n = 0;
    cr_assert_eq(fscanf(p, "%zu", &n), 1);
    pclose(p);
    return n;
}

Test(findscu_format, csv_sink_writes_header_and_rows_atomically)
{
    char dir[512], path[600];
    tmp_in_dir(dir, sizeof dir, path, sizeof path, "out.csv");
    fs_out *out;
    dq_error err;
    cr_assert_eq(fs_out_open(&out, path, &err), 0, "%s", err.message);
    cr_assert(!exists(path));
    cr_assert_eq(entries(dir), 1, "the temporary file");
    const char *keys[] = {"PatientName=", "ModalitiesInStudy=", "StudyDescription="};
    fs_options o = opts(keys, 3, NULL);
    fs_columns c;
    cr_assert_eq(fs_columns_build(&c, &o, NULL, NULL), 0);
    fs_sink *s = fs_sink_format_new(FS_FORMAT_CSV, out, &c, &err);
    cr_assert_not_null(s, "%s", err.message);
    dq_dataset *id = dq_dataset_new();
    dq_dataset_set_string(id, DQ_TAG(0x0010, 0x0010), 0, "DOE^JOHN", NULL);
    dq_dataset_set_string(id, DQ_TAG(0x0008, 0x0061), 0, "CT\\SR", NULL);
    dq_dataset_set_string(id, DQ_TAG(0x0008, 0x1030), 0, "Head, \"with\" contrast", NULL);
    dq_find_response rsp = {.index = 1, .pending = true, .identifier = id};
    cr_assert_eq(s->response(s, NULL, &rsp, &err), 0);
    dq_dataset_remove(id, DQ_TAG(0x0008, 0x1030));
    cr_assert_eq(s->response(s, NULL, &rsp, &err), 0);
    dq_find_response final = {.index = 3, .pending = false};
    cr_assert_eq(s->response(s, NULL, &final, &err), 0);
    cr_assert(!exists(path));
    cr_assert_eq(fs_sink_format_finish(s, &err), 0);
    cr_assert_eq(fs_out_close(out, true, &err), 0, "%s", err.message);
    cr_assert_eq(fs_sink_format_stats(s)->records, 2);
    s->destroy(s);
    cr_assert_str_eq(slurp(path), "PatientName,ModalitiesInStudy,StudyDescription\r\n"
                                  "DOE^JOHN,CT\\SR,\"Head, \"\"with\"\" contrast\"\r\n"
                                  "DOE^JOHN,CT\\SR,\r\n");
    cr_assert_eq(entries(dir), 1, "only the final file");
    struct stat st;
    cr_assert_eq(stat(path, &st), 0);
    mode_t mask = umask(0);
    umask(mask);
    cr_assert_eq(st.st_mode & 0777, 0666 & ~mask, "created as creat(2) would: %o",
                 st.st_mode & 0777);
    dq_dataset_free(id);
    unlink(path);
    rmdir(dir);
}

Test(findscu_format, output_not_kept_leaves_nothing)
{
    char dir[512], path[600];
    tmp_in_dir(dir, sizeof dir, path, sizeof path, "out.json");
    fs_out *out;
    cr_assert_eq(fs_out_open(&out, path, NULL), 0);
    cr_assert_eq(dq_buffer_append(fs_out_buffer(out), "[", 1, NULL), 0);
    cr_assert_eq(fs_out_record_done(out, true), 0);
    cr_assert_eq(fs_out_close(out, false, NULL), 0);
    cr_assert_eq(entries(dir), 0);
    rmdir(dir);
}

Test(findscu_format, output_folder_missing_or_unusable)
{
    char dir[512], path[700];
    tmp_in_dir(dir, sizeof dir, path, sizeof path, "no/such/out.csv");
    fs_out *out = (fs_out *)1;
    dq_error err;
    cr_assert_eq(fs_out_open(&out, path, &err), -1);
    cr_assert_null(out);
    char want[800];
    snprintf(want, sizeof want, "Cannot write to '%s': [Errno 2] No such file or directory", path);
    cr_assert_str_eq(err.message, want);
    cr_assert_eq(err.sys_errno, ENOENT);
    cr_assert_eq(err.kind, DQ_ERR_IO);
    /* A folder as the output. */
    cr_assert_eq(fs_out_open(&out, dir, &err), -1);
    snprintf(want, sizeof want, "Cannot write to '%s': [Errno 21] Is a directory", dir);
    cr_assert_str_eq(err.message, want);
    /* A folder nobody may write to (root may write anywhere: /proc refuses). */
    const char *ro = "/proc/dq-findscu-out.csv";
    if (geteuid() != 0) {
        snprintf(path, sizeof path, "%s/ro", dir);
        cr_assert_eq(mkdir(path, 0555), 0);
        snprintf(path, sizeof path, "%s/ro/out.csv", dir);
        ro = path;
    }
    cr_assert_eq(fs_out_open(&out, ro, &err), -1);
    cr_assert(strncmp(err.message, "Cannot write to '", 17) == 0, "%s", err.message);
    cr_assert_neq(err.sys_errno, 0);
    snprintf(path, sizeof path, "%s/ro", dir);
    rmdir(path);
    rmdir(dir);
}

/* A reader that went away (| head -1): EPIPE is kept, nothing more written,
 * no signal. */
Test(findscu_format, closed_pipe_is_a_remembered_error)
{
    int fds[2];
    cr_assert_eq(pipe(fds), 0);
    cr_assert_eq(dup2(fds[1], STDOUT_FILENO), STDOUT_FILENO);
    close(fds[1]);
    close(fds[0]);
    signal(SIGPIPE, SIG_IGN);
    fs_out *out;
    cr_assert_eq(fs_out_open(&out, NULL, NULL), 0);
    cr_assert_str_eq(fs_out_name(out), "standard output");
    cr_assert_eq(dq_buffer_append(fs_out_buffer(out), "{}\n", 3, NULL), 0);
    cr_assert_eq(fs_out_record_done(out, false), -1, "a pipe gets each record at once");
    cr_assert_eq(fs_out_error(out), EPIPE);
    cr_assert_eq(dq_buffer_append(fs_out_buffer(out), "{}\n", 3, NULL), 0);
    cr_assert_eq(fs_out_record_done(out, true), -1);
    dq_error err;
    cr_assert_eq(fs_out_close(out, true, &err), -1);
    cr_assert_eq(err.sys_errno, EPIPE);
}

/* The document of n identical records in format f, as the file holds it. */
static char *document(fs_format f, size_t n)
{
    char dir[512], path[600];
    tmp_in_dir(dir, sizeof dir, path, sizeof path, "doc");
    fs_out *out;
    dq_error err;
    cr_assert_eq(fs_out_open(&out, path, &err), 0, "%s", err.message);
    fs_sink *s = fs_sink_format_new(f, out, NULL, &err);
    cr_assert_not_null(s, "%s", err.message);
    dq_dataset *id = dq_dataset_new();
    dq_dataset_set_string(id, DQ_TAG(0x0010, 0x0010), 0, "DOE^JOHN", NULL);
    dq_find_response rsp = {.index = 1, .pending = true, .identifier = id};
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(s->response(s, NULL, &rsp, &err), 0, "%s", err.message);
    cr_assert_eq(fs_sink_format_finish(s, &err), 0);
    cr_assert_eq(fs_out_close(out, true, &err), 0, "%s", err.message);
    cr_assert_eq(fs_sink_format_stats(s)->records, n);
    s->destroy(s);
    dq_dataset_free(id);
    char *text = strdup(slurp(path));
    unlink(path);
    rmdir(dir);
    return text;
}

#define REC "{\"00100010\":{\"vr\":\"PN\",\"Value\":[{\"Alphabetic\":\"DOE^JOHN\"}]}}"
#define XREC                                                                                    \
    "<NativeDicomModel xml:space=\"preserve\"><DicomAttribute tag=\"00100010\" vr=\"PN\" "      \
    "keyword=\"PatientName\"><PersonName number=\"1\"><Alphabetic><FamilyName>DOE</FamilyName>" \
    "<GivenName>JOHN</GivenName></Alphabetic></PersonName></DicomAttribute></NativeDicomModel>"

/* Valid documents whatever the number of records, 0 included (a failed
 * association still leaves one). */
Test(findscu_format, json_ndjson_xml_documents)
{
    char *d = document(FS_FORMAT_JSON, 0);
    cr_assert_str_eq(d, "[]\n");
    free(d);
    d = document(FS_FORMAT_JSON, 2);
    cr_assert_str_eq(d, "[\n" REC ",\n" REC "\n]\n");
    free(d);
    d = document(FS_FORMAT_NDJSON, 0);
    cr_assert_str_eq(d, "");
    free(d);
    d = document(FS_FORMAT_NDJSON, 2);
    cr_assert_str_eq(d, REC "\n" REC "\n");
    free(d);
    d = document(FS_FORMAT_XML, 0);
    cr_assert_str_eq(d, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<NativeDicomModels>\n"
                        "</NativeDicomModels>\n");
    free(d);
    d = document(FS_FORMAT_XML, 1);
    cr_assert_str_eq(d, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<NativeDicomModels>\n" XREC
                        "\n</NativeDicomModels>\n");
    free(d);
    d = document(FS_FORMAT_TSV, 0);
    cr_assert_str_eq(d, "\n", "no columns: an empty header line");
    free(d);
}
