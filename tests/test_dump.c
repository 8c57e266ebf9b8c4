/* Real files nobody here wrote (Debian's python3-pydicom test files):
 *  - each decodes, and its element list (tag, VR, length, text values,
 *    integers) matches what DCMTK's dcmdump prints for it;
 *  - our dump matches, line for line, the pynetdicom layout computed from
 *    pydicom's own reading of the file (tests/data/pretty_ref.py). */
#include <criterion/criterion.h>
#include <dirent.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dq/dq.h"

#define V(a, b) DQ_VR_CODE(a, b)
#define PYDICOM_DATA "/usr/lib/python3/dist-packages/pydicom/data"

typedef struct row {
    uint32_t tag;
    char vr[3];
    long len;    /* -1: not compared */
    char *value; /* text between [ ] or NULL */
} row;

typedef struct rows {
    row *r;
    size_t n, cap;
} rows;

static void push(rows *rs, row r)
{
    if (rs->n == rs->cap) {
        rs->cap = rs->cap ? rs->cap * 2 : 64;
        rs->r = realloc(rs->r, rs->cap * sizeof *rs->r);
    }
    rs->r[rs->n++] = r;
}

static void free_rows(rows *rs)
{
    for (size_t i = 0; i < rs->n; i++)
        free(rs->r[i].value);
    free(rs->r);
}

/* Our model flattened in document order (items' elements after their SQ). */
static void flatten(const dq_dataset *ds, rows *rs)
{
    for (size_t i = 0; i < dq_dataset_count(ds); i++) {
        const dq_element *e = dq_dataset_at(ds, i);
        row r = {.tag = dq_element_tag(e), .len = -1};
        dq_vr vr = dq_element_vr(e);
        r.vr[0] = (char)(vr >> 8);
        r.vr[1] = (char)vr;
        size_t len;
        const uint8_t *v = dq_element_value(e, &len);
        if (vr != V('S', 'Q') && !(r.tag == DQ_TAG(0x7FE0, 0x0010) && len && v && v[0] == 0xFE))
            r.len = (long)len;
        const dq_vr_info *vi = dq_vr_info_get(vr);
        if (vi && vi->vr_class == DQ_VR_CLASS_TEXT && len) {
            while (len && (v[len - 1] == ' ' || v[len - 1] == 0))
                len--; /* dcmdump shows some values without their padding */
            r.value = strndup((const char *)v, len);
        }
        if (vr == V('L', 'T') || vr == V('S', 'T') || vr == V('U', 'T'))
            free(r.value); /* not compared: see dcmdump_rows */
        else
            push(rs, r);
        for (size_t k = 0; k < dq_element_item_count(e); k++)
            flatten(dq_element_item(e, k), rs);
    }
}

/* dcmdump's data set lines: "(gggg,eeee) VR value # len, vm keyword". */
static bool dcmdump_rows(const char *path, rows *rs)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "dcmdump -q +uc +L '%s' 2>/dev/null", path);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    regex_t re;
    cr_assert_eq(
        regcomp(&re, "^ *\\(([0-9a-f]{4}),([0-9a-f]{4})\\) ([A-Za-z?]{2}) (.*) # *([0-9]+|u/l),",
                REG_EXTENDED),
        0);
    char *line = NULL;
    size_t cap = 0;
    bool in_data = false, saw_header = false;
    rows meta = {0};
    while (getline(&line, &cap, p) > 0) {
        if (strncmp(line, "# Dicom-Data-Set", 16) == 0) {
            in_data = saw_header = true;
            continue;
        }
        regmatch_t m[6];
        if (regexec(&re, line, 6, m, 0))
            continue;
        row r = {.len = -1};
        r.tag = (uint32_t)strtoul(line + m[1].rm_so, NULL, 16) << 16 |
                (uint32_t)strtoul(line + m[2].rm_so, NULL, 16);
        memcpy(r.vr, line + m[3].rm_so, 2);
        if (DQ_TAG_GROUP(r.tag) == 0xFFFE || !strcmp(r.vr, "na") || !strcmp(r.vr, "pi"))
            continue;
        if (line[m[5].rm_so] != 'u' && strcmp(r.vr, "SQ"))
            r.len = strtol(line + m[5].rm_so, NULL, 10);
        const char *val = line + m[4].rm_so;
        size_t vl = (size_t)(m[4].rm_eo - m[4].rm_so);
        while (vl && val[vl - 1] == ' ')
            vl--;
        if (vl >= 2 && val[0] == '[' && val[vl - 1] == ']') {
            size_t n = vl - 2;
            while (n && (val[n] == ' ' || val[n] == 0))
                n--;
            r.value = strndup(val + 1, n);
        }
        /* LT/ST/UT values may hold line breaks, which split dcmdump's lines */
        if (!strcmp(r.vr, "LT") || !strcmp(r.vr, "ST") || !strcmp(r.vr, "UT")) {
            free(r.value);
            continue;
        }
        push(in_data ? rs : &meta, r);
    }
    free(line);
    regfree(&re);
    int status = pclose(p);
    if (!saw_header) { /* no meta: every line was the data set */
        *rs = meta;
        meta = (rows){0};
    }
    free_rows(&meta);
    return status == 0;
}

/* Rows sorted by tag, then length, then value: dcmdump lists elements in
 * file order, we (like pydicom) keep them in tag order, and a few files have
 * items out of order. */
static int cmp_row(const void *x, const void *y)
{
    const row *a = x, *b = y;
    if (a->tag != b->tag)
        return a->tag < b->tag ? -1 : 1;
    if (a->len != b->len)
        return a->len < b->len ? -1 : 1;
    return strcmp(a->value ? a->value : "", b->value ? b->value : "");
}

static int compare_file(const char *path)
{
    dq_dataset *ds;
    dq_error err;
    rows ours = {0}, theirs = {0};
    bool dcm_ok = dcmdump_rows(path, &theirs);
    int rc = dq_part10_read_file(path, NULL, NULL, &ds, NULL, &err);
    if (!dcm_ok || rc) {
        /* Both must agree the file is broken (truncated/garbled ones). */
        cr_expect(!dcm_ok || rc == 0, "%s: dcmdump reads it, we fail: %s", path, err.message);
        free_rows(&theirs);
        if (rc == 0)
            dq_dataset_free(ds);
        return 0;
    }
    flatten(ds, &ours);
    qsort(ours.r, ours.n, sizeof *ours.r, cmp_row);
    qsort(theirs.r, theirs.n, sizeof *theirs.r, cmp_row);
    cr_expect_eq(ours.n, theirs.n, "%s: %zu elements, dcmdump %zu", path, ours.n, theirs.n);
    for (size_t i = 0; i < ours.n && i < theirs.n; i++) {
        row *a = &ours.r[i], *b = &theirs.r[i];
        cr_expect_eq(a->tag, b->tag, "%s #%zu: (%08X) vs dcmdump (%08X)", path, i, a->tag, b->tag);
        if (a->tag != b->tag)
            break;
        /* "OB or OW" pixel data: we resolve it as pydicom does (BitsAllocated),
         * DCMTK says OB for encapsulated data. */
        bool pixel = a->tag == DQ_TAG(0x7FE0, 0x0010);
        if (strcmp(a->vr, "UN") && !pixel)
            cr_expect_str_eq(a->vr, b->vr, "%s (%08X): VR %s, dcmdump %s", path, a->tag, a->vr,
                             b->vr);
        if (a->len >= 0 && b->len >= 0 && (strcmp(a->vr, "UN") == 0) == (strcmp(b->vr, "UN") == 0))
            cr_expect(a->len == b->len || a->len + 1 == b->len,
                      "%s (%08X): length %ld, dcmdump %ld", path, a->tag, a->len,
                      b->len); /* odd values: dcmdump may count the pad */
        if (a->value && b->value && !strcmp(a->vr, b->vr) && strcmp(a->vr, "UI"))
            cr_expect_str_eq(a->value, b->value, "%s (%08X): [%s] vs dcmdump [%s]", path, a->tag,
                             a->value, b->value);
    }
    free_rows(&ours);
    free_rows(&theirs);
    dq_dataset_free(ds);
    return 1;
}

static int each_file(const char *dir, int (*fn)(const char *))
{
    struct dirent **names;
    int n = scandir(dir, &names, NULL, alphasort), done = 0;
    cr_assert_geq(n, 0, "%s missing (python3-pydicom)", dir);
    for (int i = 0; i < n; i++) {
        const char *nm = names[i]->d_name;
        size_t l = strlen(nm);
        if (l > 4 && strcmp(nm + l - 4, ".dcm") == 0) {
            char path[1024];
            snprintf(path, sizeof path, "%s/%s", dir, nm);
            done += fn(path);
        }
        free(names[i]);
    }
    free(names);
    return done;
}

Test(dcmdump, test_files_match_dcmdump, .timeout = 120)
{
    int n = each_file(PYDICOM_DATA "/test_files", compare_file);
    cr_assert_geq(n, 60, "only %d files compared", n);
}

Test(dcmdump, charset_files_match_dcmdump, .timeout = 60)
{
    int n = each_file(PYDICOM_DATA "/charset_files", compare_file);
    cr_assert_geq(n, 15);
}

/* Files whose pydicom reading differs for reasons outside the dump: pydicom
 * has a private dictionary (chrJapMulti*, chrKoreanMulti), reads truncated or
 * broken files leniently (MR_truncated, rtplan_truncated, SC_rgb_jpeg), or
 * misreads a bare data set (no_meta). */
static const char *const skip_pretty[] = {
    "chrJapMulti.dcm",  "chrJapMultiExplicitIR6.dcm", "chrKoreanMulti.dcm",
    "MR_truncated.dcm", "rtplan_truncated.dcm",       "SC_rgb_jpeg.dcm",
    "no_meta.dcm",
};

static void collect(void *ctx, const char *line, size_t len)
{
    dq_buffer *b = ctx;
    dq_buffer_append(b, line, len, NULL);
    dq_buffer_append(b, "\n", 1, NULL);
}

/* pretty_ref.py's output for a whole directory: "=== path" then lines. */
static char *reference;

static void load_reference(const char *dir)
{
    char cmd[1200];
    snprintf(cmd, sizeof cmd,
             "/usr/bin/python3 '%s/tests/data/pretty_ref.py' '%s'/*.dcm 2>/dev/null", DQ_SOURCE_DIR,
             dir);
    FILE *p = popen(cmd, "r");
    dq_buffer all = {0};
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0)
        dq_buffer_append(&all, buf, n, NULL);
    cr_assert_eq(pclose(p), 0, "pretty_ref.py failed on %s", dir);
    dq_buffer_append(&all, "", 1, NULL);
    free(reference);
    reference = (char *)all.data;
}

static int compare_pretty(const char *path)
{
    const char *base = strrchr(path, '/') + 1;
    for (size_t i = 0; i < sizeof skip_pretty / sizeof *skip_pretty; i++)
        if (!strcmp(base, skip_pretty[i]))
            return 0;
    char marker[1100];
    snprintf(marker, sizeof marker, "=== %s\n", path);
    const char *start = strstr(reference, marker);
    cr_assert_not_null(start, "no reference for %s", path);
    start += strlen(marker);
    const char *end = strstr(start, "=== ");
    if (!end)
        end = start + strlen(start);
    dq_buffer want = {0}, got = {0};
    dq_buffer_append(&want, start, (size_t)(end - start), NULL);
    dq_dataset *ds;
    dq_error err;
    cr_assert_eq(dq_part10_read_file(path, NULL, NULL, &ds, NULL, &err), 0, "%s", err.message);
    cr_assert_eq(dq_dataset_dump(ds, collect, &got, &err), 0);
    dq_buffer_append(&want, "", 1, NULL);
    dq_buffer_append(&got, "", 1, NULL);
    cr_expect_str_eq((char *)got.data, (char *)want.data, "%s: dump differs", path);
    dq_buffer_free(&want);
    dq_buffer_free(&got);
    dq_dataset_free(ds);
    return 1;
}

Test(pretty, test_files_match_pynetdicom_layout, .timeout = 300)
{
    load_reference(PYDICOM_DATA "/test_files");
    int n = each_file(PYDICOM_DATA "/test_files", compare_pretty);
    cr_assert_geq(n, 55);
}

Test(pretty, charset_files_match_pynetdicom_layout, .timeout = 120)
{
    load_reference(PYDICOM_DATA "/charset_files");
    int n = each_file(PYDICOM_DATA "/charset_files", compare_pretty);
    cr_assert_geq(n, 14);
}

static void lines(const dq_dataset *ds, dq_buffer *b)
{
    dq_buffer_reset(b);
    cr_assert_eq(dq_dataset_dump(ds, collect, b, NULL), 0);
    dq_buffer_append(b, "", 1, NULL);
}

Test(pretty, layout_details)
{
    dq_dataset *ds = dq_dataset_new();
    dq_buffer b = {0};
    static const uint8_t small[4] = {0x00, 0xFF, 0xEA, 0x08};
    static uint8_t large[14];
    dq_dataset_set_bytes(ds, DQ_TAG(0x7FE0, 0x0010), V('O', 'W'), small, 4, NULL);
    dq_dataset_set_bytes(ds, DQ_TAG(0x0009, 0x1002), V('O', 'B'), large, 14, NULL);
    dq_dataset_set_key(ds, "BeamSequence[0].BeamLimitingDeviceSequence[0].NumberOfLeafJawPairs=1",
                       NULL);
    dq_dataset_set_key(ds, "(0018,9089)=0.1\\1e-05\\1e16", NULL);
    lines(ds, &b);
    cr_assert_str_eq(
        (char *)b.data,
        "(0009,1002) OB (14 bytes of binary data)                # 1 \n"
        "(0018,9089) FD [0.1\\1e-05\\1e+16]                        # 3 DiffusionGradientOrientation\n"
        "(300A,00B0) SQ (Sequence with 1 item)                   # 1 BeamSequence\n"
        "  (Sequence item #1)\n"
        "(300A,00B6) SQ (Sequence with 1 item)                   # 1 BeamLimitingDeviceSequence\n"
        "      (Sequence item #1)\n"
        "        (300A,00BC) IS [1]                                      # 1 NumberOfLeafJawPairs\n"
        "(7FE0,0010) OW [00 ff ea 08]                            # 1 PixelData\n");
    dq_buffer_free(&b);
    dq_dataset_free(ds);
}

/* ---- the tree layout (DQ_DUMP_TREE) ------------------------------------------ */

static void tree_lines(const dq_dataset *ds, size_t max, dq_buffer *b)
{
    dq_dump_options opts = {.style = DQ_DUMP_TREE, .max_value_chars = max};
    dq_buffer_reset(b);
    cr_assert_eq(dq_dataset_dump_with(ds, &opts, collect, b, NULL), 0);
    dq_buffer_append(b, "", 1, NULL);
}

static dq_dataset *keys(const char *const *k, size_t n)
{
    dq_dataset *ds = dq_dataset_new();
    dq_error err;
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(dq_dataset_set_key(ds, k[i], &err), 0, "%s: %s", k[i], err.message);
    return ds;
}

Test(tree, nesting_items_and_empty_sequences)
{
    static const char *const k[] = {
        "BeamSequence[1].BeamLimitingDeviceSequence[0].NumberOfLeafJawPairs=1",
        "BeamSequence[1].BeamLimitingDeviceSequence[0].RTBeamLimitingDeviceType=ASYMX",
        "BeamSequence[0].BeamNumber=7",
        "ReferencedStudySequence=",
        "ReferencedPatientSequence[0]=",
        "PatientName=Citizen^Jan",
    };
    dq_dataset *ds = keys(k, 6);
    dq_buffer b = {0};
    tree_lines(ds, 0, &b);
    cr_assert_str_eq(
        (char *)b.data,
        "(0008,1110) SQ (Sequence with 0 items)                  #   -, 0 ReferencedStudySequence\n"
        "(0008,1120) SQ (Sequence with 1 item)                   #   -, 1 ReferencedPatientSequence\n"
        "  (Item #1, 0 elements)\n"
        "(0010,0010) PN [Citizen^Jan]                            #  11, 1 PatientName\n"
        "(300A,00B0) SQ (Sequence with 2 items)                  #   -, 2 BeamSequence\n"
        "  (Item #1, 1 element)\n"
        "    (300A,00C0) IS [7]                                      #   1, 1 BeamNumber\n"
        "  (Item #2, 1 element)\n"
        "    (300A,00B6) SQ (Sequence with 1 item)                   #   -, 1 BeamLimitingDeviceSequence\n"
        "      (Item #1, 2 elements)\n"
        "        (300A,00B8) CS [ASYMX]                                  #   5, 1 RTBeamLimitingDeviceType\n"
        "        (300A,00BC) IS [1]                                      #   1, 1 NumberOfLeafJawPairs\n");
    dq_buffer_free(&b);
    dq_dataset_free(ds);
}

/* Long byte streams are cut after the whole units that fit in 64 characters
 * (or max_value_chars), the length in bytes stays; short ones are whole. */
Test(tree, long_binary_values_cut_with_their_length)
{
    dq_dataset *ds = dq_dataset_new();
    static uint8_t v[1000];
    for (size_t i = 0; i < sizeof v; i++)
        v[i] = (uint8_t)i;
    dq_dataset_set_bytes(ds, DQ_TAG(0x0009, 0x0010), V('L', 'O'), "ACME 1.1", 8, NULL);
    dq_dataset_set_bytes(ds, DQ_TAG(0x0009, 0x1001), V('U', 'N'), v, sizeof v, NULL);
    dq_dataset_set_bytes(ds, DQ_TAG(0x0009, 0x1002), V('O', 'B'), v + 1, 3, NULL);
    dq_dataset_set_bytes(ds, DQ_TAG(0x0009, 0x1003), V('O', 'L'), v, 8, NULL);
    dq_dataset_set_bytes(ds, DQ_TAG(0x0009, 0x1004), V('O', 'W'), v, 7, NULL); /* odd: bytes */
    dq_dataset_set_bytes(ds, DQ_TAG(0x7FE0, 0x0010), V('O', 'W'), v, sizeof v, NULL);
    dq_buffer b = {0};
    tree_lines(ds, 0, &b);
    cr_assert_str_eq(
        (char *)b.data,
        "(0009,0010) LO [ACME 1.1]                               #   8, 1 PrivateCreator\n"
        "(0009,1001) UN 00\\01\\02\\03\\04\\05\\06\\07\\08\\09\\0a\\0b\\0c\\0d\\0e\\0f\\10\\11\\12\\13\\14... # 1000, 1 Private\n"
        "(0009,1002) OB 01\\02\\03                                 #   3, 1 Private\n"
        "(0009,1003) OL 03020100\\07060504                        #   8, 1 Private\n"
        "(0009,1004) OW 00\\01\\02\\03\\04\\05\\06                     #   7, 1 Private\n"
        "(7FE0,0010) OW 0100\\0302\\0504\\0706\\0908\\0b0a\\0d0c\\0f0e\\1110\\1312\\1514\\1716\\1918... # 1000, 1 PixelData\n");
    tree_lines(ds, 10, &b);
    cr_assert(
        strstr((char *)b.data,
               "(0009,1001) UN 00\\01\\02...                              # 1000, 1 Private\n"),
        "%s", (char *)b.data);
    tree_lines(ds, SIZE_MAX, &b);
    const char *un = strstr((char *)b.data, "(0009,1001) UN 00\\01\\02");
    cr_assert_not_null(un);
    cr_assert_eq(strchr(un, '\n') - un, 15 + 1000 * 3 - 1 + strlen(" # 1000, 1 Private"));
    cr_assert_null(strstr((char *)b.data, "..."));
    dq_buffer_free(&b);
    dq_dataset_free(ds);
}

/* Text in UTF-8 per Specific Character Set, multi-valued, control characters
 * escaped, long text cut after 64 characters (code points, not bytes). */
Test(tree, text_and_numbers)
{
    dq_dataset *ds = dq_dataset_new();
    dq_dataset_set_string(ds, DQ_TAG(0x0008, 0x0005), V('C', 'S'), "ISO_IR 100", NULL);
    dq_dataset_set_bytes(ds, DQ_TAG(0x0010, 0x0010), V('P', 'N'), "M\xfcller^Ren\xe9 ", 12, NULL);
    dq_dataset_set_string(ds, DQ_TAG(0x0008, 0x0008), V('C', 'S'), "ORIGINAL\\PRIMARY\\AXIAL",
                          NULL);
    dq_dataset_set_string(ds, DQ_TAG(0x0010, 0x4000), V('L', 'T'), "line 1\r\nline\t2\x01", NULL);
    char e[101];
    memset(e, 0xe9, 100); /* 100 x e-acute: 200 bytes in UTF-8 */
    e[100] = 0;
    dq_dataset_set_string(ds, DQ_TAG(0x0008, 0x1030), V('L', 'O'), e, NULL);
    dq_dataset_set_key(ds, "Rows=512", NULL);
    dq_dataset_set_key(ds, "(0018,9089)=0.1\\1e-05\\1e16", NULL);
    dq_dataset_set_key(ds, "(0028,0009)=(0018,1063)", NULL);
    dq_dataset_set_key(ds, "(0028,1101)=4096\\0\\16", NULL);
    dq_buffer b = {0};
    tree_lines(ds, 0, &b);
    char want[2048], cut[160] = "";
    for (int i = 0; i < 63; i++)
        strcat(cut, "\xc3\xa9");
    snprintf(
        want, sizeof want,
        "(0008,0005) CS [ISO_IR 100]                             #  10, 1 SpecificCharacterSet\n"
        "(0008,0008) CS [ORIGINAL\\PRIMARY\\AXIAL]                 #  22, 3 ImageType\n"
        "(0008,1030) LO [%s... # 100, 1 StudyDescription\n"
        "(0010,0010) PN [M\xc3\xbcller^Ren\xc3\xa9]                            #  12, 1 PatientName\n"
        "(0010,4000) LT [line 1\\r\\nline\\t2\\x01]                  #  15, 1 PatientComments\n"
        "(0018,9089) FD [0.1\\1e-05\\1e+16]                        #  24, 3 DiffusionGradientOrientation\n"
        "(0028,0009) AT [(0018, 1063)]                           #   4, 1 FrameIncrementPointer\n"
        "(0028,0010) US [512]                                    #   2, 1 Rows\n"
        "(0028,1101) US [4096\\0\\16]                              #   6, 3 RedPaletteColorLookupTableDescriptor\n",
        cut);
    cr_assert_str_eq((char *)b.data, want);
    dq_buffer_free(&b);
    dq_dataset_free(ds);
}

Test(tree, keywords_the_dictionary_lacks_and_empty_values)
{
    dq_dataset *ds = dq_dataset_new();
    dq_dataset_set_int(ds, DQ_TAG(0x0008, 0x0000), V('U', 'L'), 42, NULL);
    dq_dataset_set_empty(ds, DQ_TAG(0x0008, 0x0050), V('S', 'H'), NULL);
    dq_dataset_set_empty(ds, DQ_TAG(0x0009, 0x0010), V('L', 'O'), NULL);
    dq_dataset_set_bytes(ds, DQ_TAG(0x0008, 0x0003), V('U', 'N'), "ab", 2, NULL);
    dq_buffer b = {0};
    tree_lines(ds, 0, &b);
    cr_assert_str_eq(
        (char *)b.data,
        "(0008,0000) UL [42]                                     #   4, 1 GroupLength\n"
        "(0008,0003) UN 61\\62                                    #   2, 1 Unknown\n"
        "(0008,0050) SH (no value available)                     #   0, 0 AccessionNumber\n"
        "(0009,0010) LO (no value available)                     #   0, 0 PrivateCreator\n");
    dq_dump_options bad = {.style = (dq_dump_style)7};
    dq_error err;
    cr_assert_eq(dq_dataset_dump_with(ds, &bad, collect, &b, &err), -1);
    cr_assert_eq(err.kind, DQ_ERR_ARGUMENT);
    dq_buffer_free(&b);
    dq_dataset_free(ds);
}

/* On every file: the pynetdicom style through dq_dataset_dump_with is
 * dq_dataset_dump byte for byte; every tree line is an element at an even
 * level or an item line at an odd one, and no value is longer than 64
 * characters (+ "..."). */
static int compare_tree(const char *path)
{
    dq_dataset *ds;
    dq_error err;
    if (dq_part10_read_file(path, NULL, NULL, &ds, NULL, &err))
        return 0;
    dq_buffer a = {0}, b = {0};
    dq_dump_options pyn = {.style = DQ_DUMP_PYNETDICOM};
    cr_assert_eq(dq_dataset_dump(ds, collect, &a, NULL), 0);
    cr_assert_eq(dq_dataset_dump_with(ds, &pyn, collect, &b, NULL), 0);
    cr_assert(a.len == b.len && !memcmp(a.data, b.data, a.len), "%s: pynetdicom style differs",
              path);
    tree_lines(ds, 0, &b);
    regex_t re;
    cr_assert_eq(
        regcomp(
            &re,
            "^( *)\\(([0-9A-F]{4}),([0-9A-F]{4})\\) ([A-Z]{2}) (.*) # +([0-9]+|-), ([0-9]+) [A-Za-z0-9]+$",
            REG_EXTENDED),
        0);
    for (char *line = (char *)b.data, *nl; (nl = strchr(line, '\n')); line = nl + 1) {
        *nl = 0;
        regmatch_t m[8];
        if (strstr(line, "(Item #")) {
            cr_expect_eq(strspn(line, " ") % 4, 2, "%s: %s", path, line);
            continue;
        }
        cr_assert_eq(regexec(&re, line, 8, m, 0), 0, "%s: bad line %s", path, line);
        cr_expect_eq(m[1].rm_eo % 4, 0, "%s: %s", path, line);
        size_t value = (size_t)(m[5].rm_eo - m[5].rm_so);
        while (value && line[m[5].rm_so + value - 1] == ' ')
            value--;
        cr_expect_leq(value, 64 + 3 + 80, "%s: %s", path, line); /* + "...", UTF-8 bytes */
    }
    regfree(&re);
    dq_buffer_free(&a);
    dq_buffer_free(&b);
    dq_dataset_free(ds);
    return 1;
}

Test(tree, every_test_file, .timeout = 120)
{
    int n = each_file(PYDICOM_DATA "/test_files", compare_tree);
    n += each_file(PYDICOM_DATA "/charset_files", compare_tree);
    cr_assert_geq(n, 75);
}

/* One data element line of a tree: indentation, tag, VR, length, VM. */
typedef struct tree_row {
    int indent;
    uint32_t tag;
    char vr[3];
    long len, vm; /* -1: "-" / "u/l" */
} tree_row;

/* Rows of "INDENT(gggg,eeee) VR value # len, vm keyword" lines, items and
 * delimiters (FFFE,xxxx) skipped; from the data set part when there is one. */
static size_t parse_tree(FILE *f, tree_row *out, size_t cap)
{
    regex_t re;
    cr_assert_eq(
        regcomp(
            &re,
            "^( *)\\(([0-9A-Fa-f]{4}),([0-9A-Fa-f]{4})\\) (..) .* # +([0-9]+|-|u/l), *([0-9]+) ",
            REG_EXTENDED),
        0);
    char *line = NULL;
    size_t lcap = 0, n = 0;
    while (getline(&line, &lcap, f) > 0) {
        regmatch_t m[7];
        if (!strncmp(line, "# Dicom-Data-Set", 16))
            n = 0; /* drop the meta dcmdump printed first */
        if (regexec(&re, line, 7, m, 0) || n == cap)
            continue;
        tree_row r = {.indent = m[1].rm_eo, .len = -1};
        r.tag = (uint32_t)strtoul(line + m[2].rm_so, NULL, 16) << 16 |
                (uint32_t)strtoul(line + m[3].rm_so, NULL, 16);
        memcpy(r.vr, line + m[4].rm_so, 2);
        if (DQ_TAG_GROUP(r.tag) == 0xFFFE)
            continue;
        if (line[m[5].rm_so] >= '0' && line[m[5].rm_so] <= '9')
            r.len = strtol(line + m[5].rm_so, NULL, 10);
        r.vm = strtol(line + m[6].rm_so, NULL, 10);
        out[n++] = r;
    }
    free(line);
    regfree(&re);
    return n;
}

/* Well-formed files with nested sequences, long values and private
 * elements, and no line breaks in text (which split dcmdump's lines, not
 * ours): our tree's element lines, in order, have dcmdump's indentation,
 * tag, VR, length (dcmdump counts an odd value's pad) and VM. */
Test(tree, structure_matches_dcmdump, .timeout = 60)
{
    static const char *const files[] = {"CT_small.dcm", "rtplan.dcm",   "rtstruct.dcm",
                                        "rtdose.dcm",   "MR_small.dcm", "UN_sequence.dcm"};
    enum { CAP = 4096 };
    tree_row *ours = malloc(CAP * sizeof *ours), *theirs = malloc(CAP * sizeof *theirs);
    size_t total = 0;
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        char path[512], cmd[1024];
        snprintf(path, sizeof path, PYDICOM_DATA "/test_files/%s", files[i]);
        snprintf(cmd, sizeof cmd, "dcmdump -q '%s' 2>/dev/null", path);
        FILE *p = popen(cmd, "r");
        size_t nt = parse_tree(p, theirs, CAP);
        cr_assert_eq(pclose(p), 0, "dcmdump %s", path);
        dq_dataset *ds;
        dq_error err;
        cr_assert_eq(dq_part10_read_file(path, NULL, NULL, &ds, NULL, &err), 0, "%s", err.message);
        dq_buffer b = {0};
        tree_lines(ds, 0, &b);
        FILE *f = fmemopen(b.data, b.len - 1, "r");
        size_t no = parse_tree(f, ours, CAP);
        fclose(f);
        cr_assert_eq(no, nt, "%s: %zu elements, dcmdump %zu", files[i], no, nt);
        total += no;
        for (size_t k = 0; k < no; k++) {
            tree_row *a = &ours[k], *t = &theirs[k];
            cr_assert_eq(a->tag, t->tag, "%s #%zu: (%08X) vs dcmdump (%08X)", files[i], k, a->tag,
                         t->tag);
            cr_expect_eq(a->indent, t->indent, "%s (%08X): indent %d, dcmdump %d", files[i], a->tag,
                         a->indent, t->indent);
            cr_expect_str_eq(a->vr, t->vr, "%s (%08X)", files[i], a->tag);
            if (strcmp(a->vr, "SQ")) {
                cr_expect(a->len == t->len || a->len + 1 == t->len,
                          "%s (%08X): length %ld, dcmdump %ld", files[i], a->tag, a->len, t->len);
                cr_expect_eq(a->vm, t->vm, "%s (%08X): VM %ld, dcmdump %ld", files[i], a->tag,
                             a->vm, t->vm);
            }
        }
        dq_buffer_free(&b);
        dq_dataset_free(ds);
    }
    free(ours);
    free(theirs);
    cr_assert_gt(total, 500);
}
