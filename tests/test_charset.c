/* Specific Character Set: the charset files pydicom ships display the names
 * its FileInfo.txt gives; query values encode back to the same bytes. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>

#include "dq/dq.h"
#include "tmp_path.h"

#define PN DQ_VR_CODE('P', 'N')

#define CHARSETS "/usr/lib/python3/dist-packages/pydicom/data/charset_files/"

static void expect_name(const char *file, const char *want)
{
    dq_dataset *ds;
    dq_error err;
    cr_assert_eq(dq_part10_read_file(file, NULL, NULL, &ds, NULL, &err), 0, "%s", err.message);
    const dq_element *pn = dq_dataset_find(ds, DQ_TAG(0x0010, 0x0010));
    cr_assert_not_null(pn);
    char buf[256];
    size_t n = dq_element_utf8(pn, buf, sizeof buf);
    cr_assert_lt(n, sizeof buf);
    cr_assert_str_eq(buf, want, "%s", file);
    dq_dataset_free(ds);
}

Test(charset, single_byte_sets)
{
    expect_name(CHARSETS "chrFren.dcm", "Buc^Jérôme");
    expect_name(CHARSETS "chrGerm.dcm", "Äneas^Rüdiger");
    expect_name(CHARSETS "chrGreek.dcm", "Διονυσιος");
    expect_name(CHARSETS "chrRuss.dcm", "Люкceмбypг");
    expect_name(CHARSETS "chrArab.dcm", "قباني^لنزار");
    expect_name(CHARSETS "chrHbrw.dcm", "שרון^דבורה");
}

Test(charset, utf8_and_gb18030)
{
    expect_name(CHARSETS "chrX1.dcm", "Wang^XiaoDong=王^小東=");
    expect_name(CHARSETS "chrX2.dcm", "Wang^XiaoDong=王^小东=");
}

Test(charset, iso2022_code_extensions)
{
    expect_name(CHARSETS "chrH31.dcm", "Yamada^Tarou=山田^太郎=やまだ^たろう");
    expect_name(CHARSETS "chrH32.dcm", "ﾔﾏﾀﾞ^ﾀﾛｳ=山田^太郎=やまだ^たろう");
    expect_name(CHARSETS "chrI2.dcm", "Hong^Gildong=洪^吉洞=홍^길동");
}

Test(charset, sequence_items_inherit_or_override)
{
    dq_dataset *ds;
    for (int i = 0; i < 2; i++) {
        const char *f = i ? CHARSETS "chrSQEncoding1.dcm" : CHARSETS "chrSQEncoding.dcm";
        cr_assert_eq(dq_part10_read_file(f, NULL, NULL, &ds, NULL, NULL), 0);
        const dq_element *seq = dq_dataset_at(ds, dq_dataset_count(ds) - 1);
        cr_assert_eq(dq_element_item_count(seq), 1);
        const dq_element *pn = dq_dataset_find(dq_element_item(seq, 0), DQ_TAG(0x0010, 0x0010));
        char buf[128];
        dq_element_utf8(pn, buf, sizeof buf);
        cr_assert_str_eq(buf, "ﾔﾏﾀﾞ^ﾀﾛｳ=山田^太郎=やまだ^たろう", "%s", f);
        dq_dataset_free(ds);
    }
}

static void expect_encoding(const char *cs, const char *utf8, const char *want, size_t want_len)
{
    dq_buffer b = {0}, back = {0};
    dq_error err;
    cr_assert_eq(dq_charset_from_utf8(cs, PN, utf8, strlen(utf8), false, &b, NULL, &err), 0, "%s",
                 err.message);
    cr_assert_eq(b.len, want_len, "%s: %zu bytes", cs, b.len);
    cr_assert_eq(memcmp(b.data, want, want_len), 0, "%s: bytes differ", cs);
    cr_assert_eq(dq_charset_to_utf8(cs, (const char *)b.data, b.len, &back, &err), 0);
    dq_buffer_append(&back, "", 1, NULL);
    cr_assert_str_eq((const char *)back.data, utf8);
    dq_buffer_free(&b);
    dq_buffer_free(&back);
}

Test(charset, encode_query_values)
{
    expect_encoding("ISO_IR 100", "Buc^Jérôme", "Buc^J\xe9r\xf4me", 10);
    expect_encoding("\\ISO 2022 IR 87", "Yamada^Tarou=山田^太郎",
                    "Yamada^Tarou=\x1b$B;3ED\x1b(B^\x1b$BB@O:\x1b(B", 34);
    static const char i2[] =
        "Hong^Gildong=\x1b$)C\xfb\xf3^\x1b$)C\xd1\xce\xd4\xd7=\x1b$)C\xc8\xab^\x1b$)C\xb1\xe6\xb5\xbf";
    expect_encoding("\\ISO 2022 IR 149", "Hong^Gildong=洪^吉洞=홍^길동", i2, sizeof i2 - 1);
    /* GB 2312 in G1 (ISO 2022 IR 58): EUC-CN bytes after ESC $ ) A */
    expect_encoding("\\ISO 2022 IR 58", "Wang^XiaoDong=王^小东",
                    "Wang^XiaoDong=\x1b$)A\xcd\xf5^\x1b$)A\xd0\xa1\xb6\xab", 29);
    expect_encoding("ISO 2022 IR 100", "Buc^Jérôme", "Buc^J\xe9r\xf4me", 10);
    expect_encoding("GB18030", "Wang^XiaoDong=王^小东", "Wang^XiaoDong=\xcd\xf5^\xd0\xa1\xb6\xab",
                    21);
}

/* JIS X 0212 (ISO 2022 IR 159): U+4E02 and U+4E28 are only in 0212, row 16
 * cells 1 and 9 -> bytes 0x30 0x21 / 0x30 0x29 after ESC $ ( D; 山 is JIS X
 * 0208 0x3B 0x33 after ESC $ B. Each ASCII run (delimiters) follows ESC ( B. */
Test(charset, encode_iso2022_ir159)
{
    expect_encoding("\\ISO 2022 IR 159", "丨", "\x1b$(D0)\x1b(B", 9);
    expect_encoding("\\ISO 2022 IR 87\\ISO 2022 IR 159", "Yamada^丂丨=山丨^x",
                    "Yamada^\x1b$(D0!0)\x1b(B=\x1b$B;3\x1b$(D0)\x1b(B^x", 35);
    expect_encoding("ISO 2022 IR 6\\ISO 2022 IR 87\\ISO 2022 IR 159", "丨\\山",
                    "\x1b$(D0)\x1b(B\\\x1b$B;3\x1b(B", 18);
    /* hand-written bytes decode: 0212 pair, delimiter, 0208 pair */
    dq_buffer b = {0};
    static const char in[] = "\x1b$(D0!\x1b(B^\x1b$B;3\x1b(B";
    cr_assert_eq(
        dq_charset_to_utf8("\\ISO 2022 IR 87\\ISO 2022 IR 159", in, sizeof in - 1, &b, NULL), 0);
    dq_buffer_append(&b, "", 1, NULL);
    cr_assert_str_eq((const char *)b.data, "丂^山");
    /* a 0212-only character with no IR 159 in the set is an error, not '?' */
    dq_error err;
    dq_buffer_reset(&b);
    cr_assert_eq(dq_charset_from_utf8("\\ISO 2022 IR 87", PN, "丨", 3, false, &b, NULL, &err), -1);
    cr_assert_eq(err.kind, DQ_ERR_ARGUMENT);
    /* and a 0208 character with only IR 159 */
    cr_assert_eq(dq_charset_from_utf8("\\ISO 2022 IR 159", PN, "山", 3, false, &b, NULL, &err), -1);
    cr_assert_eq(err.kind, DQ_ERR_ARGUMENT);
    dq_buffer_free(&b);
}

Test(charset, dataset_encode_text_ir159)
{
    dq_dataset *ds = dq_dataset_new();
    dq_dataset_set_key(ds, "SpecificCharacterSet=\\ISO 2022 IR 87\\ISO 2022 IR 159", NULL);
    dq_dataset_set_key(ds, "PatientName=丨^山", NULL);
    cr_assert_eq(dq_dataset_encode_keys(ds, NULL, NULL, NULL), 0);
    size_t len;
    const uint8_t *v = dq_element_value(dq_dataset_find(ds, DQ_TAG(0x0010, 0x0010)), &len);
    cr_assert_eq(len, 18);
    cr_assert_eq(memcmp(v, "\x1b$(D0)\x1b(B^\x1b$B;3\x1b(B", 18), 0);
    dq_dataset_free(ds);
}

Test(charset, invalid_bytes_are_escaped_not_dropped)
{
    dq_buffer b = {0};
    cr_assert_eq(dq_charset_to_utf8("ISO_IR 192",
                                    "A\xff"
                                    "B",
                                    3, &b, NULL),
                 0);
    dq_buffer_append(&b, "", 1, NULL);
    cr_assert_str_eq((const char *)b.data, "A\\xFFB");
    dq_buffer_reset(&b);
    dq_error err;
    cr_assert_eq(dq_charset_to_utf8("ISO_IR 999", "\xe9", 1, &b, &err), -1);
    cr_assert_eq(err.kind, DQ_ERR_UNSUPPORTED);
    dq_buffer_append(&b, "", 1, NULL);
    cr_assert_str_eq((const char *)b.data, "é"); /* pydicom: the default encoding stands in */
    dq_buffer_reset(&b);
    cr_assert_eq(dq_charset_from_utf8("ISO_IR 100", PN, "山", 3, false, &b, NULL, &err), -1);
    cr_assert_eq(err.kind, DQ_ERR_ARGUMENT);
    dq_buffer_free(&b);
}

/* Without a Specific Character Set (or with ISO_IR 6) pydicom decodes text
 * with its default encoding, ISO 8859-1, so wlmscpfs's "M\xDCLLER^HANS" is
 * MÜLLER^HANS in pynetdicom's log; so are bytes outside every designated set
 * in ISO 2022 text, and the values of VRs without a character set (CS...). */
Test(charset, no_specific_character_set_reads_as_latin1)
{
    static const struct {
        const char *cs, *bytes, *utf8;
    } v[] = {
        {"", "M\xdcLLER^HANS", "MÜLLER^HANS"},
        {"ISO_IR 6", "x\xe9\xff", "xéÿ"},
        {"\\ISO 2022 IR 87", "\xe9^\x1b$B;3\x1b(B", "é^山"},
        {"ISO 2022 IR 6", "A\xa0", "A\u00a0"},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        dq_buffer b = {0};
        cr_assert_eq(dq_charset_to_utf8(v[i].cs, v[i].bytes, strlen(v[i].bytes), &b, NULL), 0);
        dq_buffer_append(&b, "", 1, NULL);
        cr_expect_str_eq((const char *)b.data, v[i].utf8, "'%s'", v[i].cs);
        dq_buffer_free(&b);
    }
    /* through the data set: the dump of a worklist answer without (0008,0005) */
    dq_dataset *ds = dq_dataset_new();
    dq_dataset_set_bytes(ds, DQ_TAG(0x0010, 0x0010), PN, "M\xdcLLER^HANS ", 12, NULL);
    dq_dataset_set_bytes(ds, DQ_TAG(0x0008, 0x0060), DQ_VR_CODE('C', 'S'), "\xc4", 1, NULL);
    dq_buffer d = {0};
    cr_assert_eq(dq_dataset_dump_buffer(ds, &d, "", NULL), 0);
    dq_buffer_append(&d, "", 1, NULL);
    cr_expect(strstr((const char *)d.data, "PN [MÜLLER^HANS]") != NULL, "%s", d.data);
    cr_expect(strstr((const char *)d.data, "CS [Ä]") != NULL, "%s", d.data);
    char buf[64];
    dq_element_utf8(dq_dataset_find(ds, DQ_TAG(0x0010, 0x0010)), buf, sizeof buf);
    cr_expect_str_eq(buf, "MÜLLER^HANS");
    dq_buffer_free(&d);
    dq_dataset_free(ds);
}

Test(charset, control_byte_inside_a_two_byte_run_does_not_hang, .timeout = 5)
{
    dq_buffer b = {0};
    static const char text[] = "\x1b$B;3\x01"
                               "ED\x1b(B";
    cr_assert_eq(dq_charset_to_utf8("\\ISO 2022 IR 87", text, sizeof text - 1, &b, NULL), 0);
    cr_assert_gt(b.len, 0);
    dq_buffer_free(&b);
}

Test(charset, dataset_encode_text)
{
    dq_dataset *ds = dq_dataset_new();
    dq_dataset_set_key(ds, "SpecificCharacterSet=ISO_IR 144", NULL);
    dq_dataset_set_key(ds, "PatientName=Люкceмбypг", NULL);
    cr_assert_eq(dq_dataset_encode_keys(ds, NULL, NULL, NULL), 0);
    size_t len;
    const uint8_t *v = dq_element_value(dq_dataset_find(ds, DQ_TAG(0x0010, 0x0010)), &len);
    cr_assert_eq(len, 10);
    cr_assert_eq(memcmp(v,
                        "\xbb\xee\xda"
                        "ce\xdc\xd1yp\xd3",
                        10),
                 0);
    dq_dataset_free(ds);
}

/* charset.c keeps up to 8 iconv descriptors per thread. Cycling through more
 * sets than that evicts and reopens them; a failed conversion must not
 * change what the next one on the same descriptor produces. */
Test(charset, descriptor_cache_eviction_and_failures)
{
    static const struct {
        const char *cs, *utf8, *bytes;
    } v[] = {
        {"ISO_IR 100", "é", "\xe9"}, {"ISO_IR 101", "ł", "\xb3"}, {"ISO_IR 109", "ĉ", "\xe6"},
        {"ISO_IR 110", "ā", "\xe0"}, {"ISO_IR 144", "Д", "\xb4"}, {"ISO_IR 127", "ب", "\xc8"},
        {"ISO_IR 126", "Δ", "\xc4"}, {"ISO_IR 138", "ש", "\xf9"}, {"ISO_IR 148", "ş", "\xfe"},
        {"ISO_IR 166", "ก", "\xa1"}, {"ISO_IR 203", "€", "\xa4"}, {"GB18030", "王", "\xcd\xf5"},
    };
    for (int round = 0; round < 3; round++)
        for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
            expect_encoding(v[i].cs, v[i].utf8, v[i].bytes, strlen(v[i].bytes));

    /* Fail on a character IR 87 lacks, then encode again. */
    dq_buffer b = {0};
    dq_error err;
    cr_assert_neq(
        dq_charset_from_utf8("\\ISO 2022 IR 87", PN, "山€", strlen("山€"), false, &b, NULL, &err),
        0);
    dq_buffer_free(&b);
    expect_encoding("\\ISO 2022 IR 87", "山", "\x1b$B;3\x1b(B", 8);
    /* Decoding resets too: a truncated two-byte character, then a clean one. */
    dq_buffer d = {0};
    cr_assert_eq(dq_charset_to_utf8("\\ISO 2022 IR 87", "\x1b$B;", 4, &d, &err), 0);
    dq_buffer_free(&d);
    expect_name(CHARSETS "chrH31.dcm", "Yamada^Tarou=山田^太郎=やまだ^たろう");
}

/* Each thread has its own descriptors (iconv_t is not thread-safe); under
 * ASan the per-thread caches must also be freed when the threads exit. */
static void *convert_many(void *arg)
{
    const char *cs = arg;
    for (int i = 0; i < 2000; i++) {
        dq_buffer b = {0}, back = {0};
        if (dq_charset_from_utf8(cs, PN, "Buc^Jérôme=山田", strlen("Buc^Jérôme=山田"), false, &b,
                                 NULL, NULL) ||
            dq_charset_to_utf8(cs, (const char *)b.data, b.len, &back, NULL) ||
            dq_buffer_append(&back, "", 1, NULL) ||
            strcmp((const char *)back.data, "Buc^Jérôme=山田") != 0)
            return (void *)1;
        dq_buffer_free(&b);
        dq_buffer_free(&back);
    }
    return NULL;
}

Test(charset, descriptors_are_per_thread)
{
    const char *sets[] = {"ISO_IR 192", "GB18030", "ISO_IR 192", "GB18030"};
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        cr_assert_eq(pthread_create(&t[i], NULL, convert_many, (void *)sets[i]), 0);
    for (int i = 0; i < 4; i++) {
        void *r;
        pthread_join(t[i], &r);
        cr_assert_null(r, "thread %d (%s) converted wrongly", i, sets[i]);
    }
}

/* What findscu sends for a -k value typed in UTF-8 must be what pydicom
 * (pynetdicom's findscu) writes for the same str value: tests/data/
 * encode_ref.py runs pydicom's writer on every case. The names are the
 * charset files' own (the Chinese ones with their trailing '=', which pydicom
 * drops); then IR 159, mixed sets, replacement, non-charset VRs. ISO 2022
 * IR 58 is left out: pydicom 2.3 writes it without ESC $ ) A, which no
 * reader (pydicom included) decodes back; we designate it
 * (encode_query_values). */
static const struct {
    const char *cs, *vr, *value;
} PYDICOM_CASES[] = {
    {"ISO_IR 100", "PN", "Buc^Jérôme"},
    {"ISO_IR 100", "PN", "Äneas^Rüdiger"},
    {"ISO_IR 126", "PN", "Διονυσιος"},
    {"ISO_IR 144", "PN", "Люкceмбypг"},
    {"ISO_IR 127", "PN", "قباني^لنزار"},
    {"ISO_IR 138", "PN", "שרון^דבורה"},
    {"\\ISO 2022 IR 87", "PN", "Yamada^Tarou=山田^太郎=やまだ^たろう"},
    {"ISO 2022 IR 6\\ISO 2022 IR 87", "PN", "やまだ^たろう"},
    {"ISO 2022 IR 13\\ISO 2022 IR 87", "PN", "ﾔﾏﾀﾞ^ﾀﾛｳ=山田^太郎=やまだ^たろう"},
    {"\\ISO 2022 IR 149", "PN", "Hong^Gildong=洪^吉洞=홍^길동"},
    {"\\ISO 2022 IR 149", "PN", "김희중"},
    {"ISO_IR 192", "PN", "Wang^XiaoDong=王^小東="},
    {"GB18030", "PN", "Wang^XiaoDong=王^小东="},
    {"GBK", "PN", "Wang^XiaoDong=王^小东"},
    {"\\ISO 2022 IR 87\\ISO 2022 IR 159", "PN", "Yamada^丂丨=山丨^x"},
    {"ISO 2022 IR 6\\ISO 2022 IR 159", "PN", "丨"},
    {"ISO 2022 IR 6\\ISO 2022 IR 87\\ISO 2022 IR 159", "PN", "丨\\山"},
    {"\\ISO 2022 IR 87", "LO", "山田 太郎"},
    {"\\ISO 2022 IR 87", "LO", "Tarou\\太郎"},
    {"\\ISO 2022 IR 149", "LO", "김희중 abc"},
    {"ISO 2022 IR 13\\ISO 2022 IR 87", "LO", "ｱｲｳabc山"},
    {"ISO 2022 IR 100\\ISO 2022 IR 87", "PN", "Jérôme^山=x"},
    {"ISO 2022 IR 6\\ISO 2022 IR 126", "SH", "Δx"},
    {"ISO_IR 100", "LT", "a\\é^b"},
    {"ISO_IR 192", "UT", "王\\x"},
    {"ISO_IR 192\\ISO 2022 IR 87", "PN", "山"},
    {"-", "PN", "Jérôme"},
    {"-", "LO", "Ä\\Ö"},
    {"-", "PN", "Δ"},
    {"ISO_IR 100", "PN", "Διονυσιος"},
    {"ISO_IR 126", "LO", "Buc^Jérôme"},
    {"\\ISO 2022 IR 87", "PN", "山€"},
    {"ISO 2022 IR 13\\ISO 2022 IR 87", "PN", "Δ"},
    {"-", "PN",
     "\xff"
     "x"},
    {"ISO_IR 999", "PN", "é"},
    {"ISO_IR 192", "PN", "A=="},
    {"ISO_IR 192", "PN", "=B^"},
    {"ISO_IR 126", "CS", "é"},
    {"-", "CS", "Δ"},
    {"ISO_IR 126", "DA", "2026Δ"},
};

Test(charset, values_encode_as_pydicom_writes_them, .timeout = 60)
{
    size_t n = sizeof PYDICOM_CASES / sizeof PYDICOM_CASES[0];
    char path[512], cmd[1024];
    snprintf(path, sizeof path, "%s/dq-encode-ref-%d.tsv", dq_test_tmpdir(), (int)getpid());
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%s\t%s\t%s\n", PYDICOM_CASES[i].cs, PYDICOM_CASES[i].vr,
                PYDICOM_CASES[i].value);
    fclose(f);
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 '%s/tests/data/encode_ref.py' '%s'", DQ_SOURCE_DIR,
             path);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    char line[1024];
    for (size_t i = 0; i < n; i++) {
        cr_assert_not_null(fgets(line, sizeof line, p), "encode_ref.py stopped at case %zu", i);
        line[strcspn(line, "\n")] = 0;
        const char *cs = strcmp(PYDICOM_CASES[i].cs, "-") ? PYDICOM_CASES[i].cs : "";
        const char *v = PYDICOM_CASES[i].value;
        dq_vr vr = DQ_VR_CODE(PYDICOM_CASES[i].vr[0], PYDICOM_CASES[i].vr[1]);
        dq_buffer b = {0};
        dq_error err;
        unsigned flags = 0;
        int rc = dq_charset_from_utf8(cs, vr, v, strlen(v), true, &b, &flags, &err);
        if (strcmp(line, "!") == 0) {
            cr_expect_eq(rc, -1, "%s %s '%s': pydicom refuses, we encoded", cs, PYDICOM_CASES[i].vr,
                         v);
            cr_expect_eq(err.kind, DQ_ERR_ARGUMENT);
        } else {
            cr_assert_eq(rc, 0, "%s '%s': %s", cs, v, err.message);
            if (b.len % 2)
                dq_buffer_append(&b, " ", 1, NULL); /* the writer's padding */
            char hex[512] = "";
            for (size_t k = 0; k < b.len && 2 * k + 3 < sizeof hex; k++)
                snprintf(hex + 2 * k, 3, "%02x", b.data[k]);
            bool warned = strstr(line, " W") != NULL;
            line[strcspn(line, " ")] = 0;
            cr_expect_str_eq(hex, line, "case %zu: %s %s '%s'", i, cs, PYDICOM_CASES[i].vr, v);
            cr_expect_eq((flags & DQ_CHARSET_REPLACED) != 0, warned, "case %zu: replacement flag",
                         i);
        }
        dq_buffer_free(&b);
    }
    pclose(p);
    unlink(path);
}

/* The status is 0 or -1; what the encoder had to do comes back in *flags. */
Test(charset, from_utf8_reports_replacement_and_unknown_set_in_flags)
{
    dq_buffer b = {0};
    dq_error err;
    unsigned flags = 99;
    cr_assert_eq(
        dq_charset_from_utf8("ISO_IR 100", PN, "Jérôme", strlen("Jérôme"), false, &b, &flags, &err),
        0, "%s", err.message);
    cr_assert_eq(flags, 0);
    dq_buffer_reset(&b);
    cr_assert_eq(dq_charset_from_utf8("ISO_IR 100", PN, "山", 3, true, &b, &flags, &err), 0);
    cr_assert_eq(flags, DQ_CHARSET_REPLACED);
    cr_assert_eq(b.len, 1);
    cr_assert_eq(b.data[0], '?');
    dq_buffer_reset(&b);
    cr_assert_eq(dq_charset_from_utf8("NO SUCH SET", PN, "abc", 3, true, &b, &flags, &err), 0);
    cr_assert(flags & DQ_CHARSET_UNKNOWN);
    flags = 99;
    cr_assert_eq(dq_charset_from_utf8("ISO_IR 100", PN, "山", 3, false, &b, &flags, &err), -1);
    cr_assert_eq(err.kind, DQ_ERR_ARGUMENT);
    cr_assert_eq(dq_charset_from_utf8("ISO_IR 100", PN, "x", 1, true, &b, NULL, &err), 0,
                 "flags may be NULL");
    dq_buffer_free(&b);
}
