/* The DICOM JSON Model writer (PS3.18 F.2): every rule include/dq/json.h
 * lists, on data sets built through the API with known bytes. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dq/dq.h"

#define VR(a, b) DQ_VR_CODE(a, b)

static dq_text_stats stats;

/* ds as JSON, NUL-terminated, malloc'd; frees ds. */
static char *json_of(dq_dataset *ds)
{
    dq_buffer b = {0};
    dq_error err;
    memset(&stats, 0, sizeof stats);
    cr_assert_eq(dq_json_append(&b, ds, &stats, &err), 0, "%s", err.message);
    dq_buffer_append(&b, "", 1, NULL);
    dq_dataset_free(ds);
    return (char *)b.data;
}

static dq_dataset *one_string(uint32_t tag, dq_vr vr, const char *value)
{
    dq_dataset *ds = dq_dataset_new();
    cr_assert_eq(dq_dataset_set_string(ds, tag, vr, value, NULL), 0);
    return ds;
}

static dq_dataset *one_bytes(uint32_t tag, dq_vr vr, const void *p, size_t n)
{
    dq_dataset *ds = dq_dataset_new();
    cr_assert_eq(dq_dataset_set_bytes(ds, tag, vr, p, n, NULL), 0);
    return ds;
}

static void expect(dq_dataset *ds, const char *want)
{
    char *got = json_of(ds);
    cr_assert_str_eq(got, want);
    free(got);
}

Test(json, empty_data_set_and_empty_element)
{
    expect(dq_dataset_new(), "{}");
    dq_dataset *ds = dq_dataset_new();
    dq_dataset_set_empty(ds, DQ_TAG(0x0010, 0x0010), VR('P', 'N'), NULL);
    dq_dataset_set_empty(ds, DQ_TAG(0x0010, 0x0020), 0, NULL);
    expect(ds, "{\"00100010\":{\"vr\":\"PN\"},\"00100020\":{\"vr\":\"LO\"}}");
    /* only padding is empty too */
    expect(one_string(DQ_TAG(0x0008, 0x0050), VR('S', 'H'), "    "),
           "{\"00080050\":{\"vr\":\"SH\"}}");
}

Test(json, strings_trimmed_split_and_escaped)
{
    expect(one_string(DQ_TAG(0x0008, 0x0008), VR('C', 'S'), "ORIGINAL\\PRIMARY \\ AXIAL"),
           "{\"00080008\":{\"vr\":\"CS\",\"Value\":[\"ORIGINAL\",\"PRIMARY\",\"AXIAL\"]}}");
    /* an empty value among several is null (PS3.18 F.2.5) */
    expect(one_string(DQ_TAG(0x0008, 0x0008), VR('C', 'S'), "A\\\\B"),
           "{\"00080008\":{\"vr\":\"CS\",\"Value\":[\"A\",null,\"B\"]}}");
    /* LT is one value: '\' kept; quotes, backslash and controls escaped */
    expect(one_string(DQ_TAG(0x4000, 0x4000), VR('L', 'T'), "  a\"b\\c\n\td\x01\x1f"),
           "{\"40004000\":{\"vr\":\"LT\",\"Value\":[\"  a\\\"b\\\\c\\n\\td\\u0001\\u001f\"]}}");
}

Test(json, tag_keys_are_uppercase_hex)
{
    expect(one_string(DQ_TAG(0x0029, 0x10AB), VR('L', 'O'), "x"),
           "{\"002910AB\":{\"vr\":\"LO\",\"Value\":[\"x\"]}}");
}

Test(json, ds_and_is_as_json_numbers)
{
    expect(one_string(DQ_TAG(0x0018, 0x0050), VR('D', 'S'), " +1.50\\-.5\\007\\1e+03\\2.\\-0"),
           "{\"00180050\":{\"vr\":\"DS\",\"Value\":[1.50,-0.5,7,1e+03,2,-0]}}");
    cr_assert_eq(stats.bad_numbers, 0);
    expect(one_string(DQ_TAG(0x0020, 0x0013), VR('I', 'S'), "+12\\ -3 \\0"),
           "{\"00200013\":{\"vr\":\"IS\",\"Value\":[12,-3,0]}}");
}

Test(json, bad_ds_is_kept_as_strings_and_counted)
{
    expect(one_string(DQ_TAG(0x0018, 0x0050), VR('D', 'S'), "1.5\\abc\\NaN\\1e\\."),
           "{\"00180050\":{\"vr\":\"DS\",\"Value\":[1.5,\"abc\",\"NaN\",\"1e\",\".\"]}}");
    cr_assert_eq(stats.bad_numbers, 4);
    expect(one_string(DQ_TAG(0x0020, 0x0013), VR('I', 'S'), "1.0"),
           "{\"00200013\":{\"vr\":\"IS\",\"Value\":[\"1.0\"]}}");
    cr_assert_eq(stats.bad_numbers, 1);
}

Test(json, binary_numbers)
{
    uint16_t us[] = {1, 65535};
    expect(one_bytes(DQ_TAG(0x0028, 0x0010), VR('U', 'S'), us, sizeof us),
           "{\"00280010\":{\"vr\":\"US\",\"Value\":[1,65535]}}");
    int16_t ss[] = {-32768};
    expect(one_bytes(DQ_TAG(0x0028, 0x0106), VR('S', 'S'), ss, sizeof ss),
           "{\"00280106\":{\"vr\":\"SS\",\"Value\":[-32768]}}");
    uint32_t ul[] = {4294967295u};
    expect(one_bytes(DQ_TAG(0x0008, 0x1160), VR('U', 'L'), ul, sizeof ul),
           "{\"00081160\":{\"vr\":\"UL\",\"Value\":[4294967295]}}");
    uint64_t uv[] = {18446744073709551615ull};
    expect(one_bytes(DQ_TAG(0x0009, 0x1001), VR('U', 'V'), uv, sizeof uv),
           "{\"00091001\":{\"vr\":\"UV\",\"Value\":[18446744073709551615]}}");
    int64_t sv[] = {INT64_MIN};
    expect(one_bytes(DQ_TAG(0x0009, 0x1001), VR('S', 'V'), sv, sizeof sv),
           "{\"00091001\":{\"vr\":\"SV\",\"Value\":[-9223372036854775808]}}");
}

/* FD and FL print the shortest digits that read back to the same value. */
Test(json, floats_round_trip)
{
    double fd[] = {0.1, 1.0 / 3, 1e300, -2.5e-310, 5e-324};
    char *got = json_of(one_bytes(DQ_TAG(0x0018, 0x9087), VR('F', 'D'), fd, sizeof fd));
    const char *p = strchr(got, '[') + 1;
    for (size_t i = 0; i < 5; i++) {
        char *end;
        double d = strtod(p, &end);
        cr_assert_eq(d, fd[i], "%s", got);
        p = end + 1;
    }
    cr_assert(strstr(got, "[0.1,0.3333333333333333,1e+300,"), "%s", got);
    free(got);
    float fl[] = {0.1f, 3.4028235e38f};
    expect(one_bytes(DQ_TAG(0x0018, 0x9089), VR('F', 'L'), fl, sizeof fl),
           "{\"00189089\":{\"vr\":\"FL\",\"Value\":[0.1,3.4028235e+38]}}");
    double odd[] = {NAN, INFINITY, -INFINITY};
    expect(one_bytes(DQ_TAG(0x0018, 0x9087), VR('F', 'D'), odd, sizeof odd),
           "{\"00189087\":{\"vr\":\"FD\",\"Value\":[\"NaN\",\"Infinity\",\"-Infinity\"]}}");
}

Test(json, attribute_tags_as_hex)
{
    uint16_t at[] = {0x0010, 0x0010, 0x7FE0, 0x0010};
    expect(one_bytes(DQ_TAG(0x0020, 0x5000), VR('A', 'T'), at, sizeof at),
           "{\"00205000\":{\"vr\":\"AT\",\"Value\":[\"00100010\",\"7FE00010\"]}}");
}

Test(json, person_names_by_group)
{
    expect(one_string(DQ_TAG(0x0010, 0x0010), VR('P', 'N'), "Doe^John\\=Ideo\\A==Phon\\"),
           "{\"00100010\":{\"vr\":\"PN\",\"Value\":[{\"Alphabetic\":\"Doe^John\"},"
           "{\"Ideographic\":\"Ideo\"},{\"Alphabetic\":\"A\",\"Phonetic\":\"Phon\"},null]}}");
}

Test(json, bytes_as_inline_binary)
{
    expect(one_bytes(DQ_TAG(0x7FE0, 0x0010), VR('O', 'B'), "Man", 3),
           "{\"7FE00010\":{\"vr\":\"OB\",\"InlineBinary\":\"TWFu\"}}");
    expect(one_bytes(DQ_TAG(0x0009, 0x1010), VR('U', 'N'), "Ma\0\0", 4),
           "{\"00091010\":{\"vr\":\"UN\",\"InlineBinary\":\"TWEAAA==\"}}");
    expect(one_bytes(DQ_TAG(0x0028, 0x1201), VR('O', 'W'), "M\0", 2),
           "{\"00281201\":{\"vr\":\"OW\",\"InlineBinary\":\"TQA=\"}}");
}

Test(json, sequences_nest)
{
    dq_dataset *ds = dq_dataset_new();
    dq_element *seq = dq_dataset_set_sequence(ds, DQ_TAG(0x0008, 0x1110), NULL);
    dq_dataset *item = dq_element_add_item(seq, NULL);
    dq_dataset_set_string(item, DQ_TAG(0x0008, 0x1150), VR('U', 'I'), "1.2", NULL);
    dq_element_add_item(seq, NULL);
    dq_dataset_set_sequence(ds, DQ_TAG(0x0008, 0x1111), NULL);
    expect(ds, "{\"00081110\":{\"vr\":\"SQ\",\"Value\":[{\"00081150\":{\"vr\":\"UI\",\"Value\":"
               "[\"1.2\"]}},{}]},\"00081111\":{\"vr\":\"SQ\"}}");
}

/* PS3.18 F.2.2: group lengths are not part of the model. */
Test(json, group_lengths_left_out)
{
    uint32_t len = 8;
    dq_dataset *ds = dq_dataset_new();
    dq_dataset_set_bytes(ds, DQ_TAG(0x0010, 0x0000), VR('U', 'L'), &len, 4, NULL);
    dq_dataset_set_string(ds, DQ_TAG(0x0010, 0x0020), VR('L', 'O'), "ID", NULL);
    dq_dataset_set_bytes(ds, DQ_TAG(0x0011, 0x0000), VR('U', 'L'), &len, 4, NULL);
    expect(ds, "{\"00100020\":{\"vr\":\"LO\",\"Value\":[\"ID\"]}}");
}

Test(json, private_creator_and_elements_kept)
{
    dq_dataset *ds = dq_dataset_new();
    dq_dataset_set_string(ds, DQ_TAG(0x0009, 0x0010), VR('L', 'O'), "ACME 1.1", NULL);
    dq_dataset_set_string(ds, DQ_TAG(0x0009, 0x1001), VR('L', 'O'), "secret", NULL);
    expect(ds, "{\"00090010\":{\"vr\":\"LO\",\"Value\":[\"ACME 1.1\"]},"
               "\"00091001\":{\"vr\":\"LO\",\"Value\":[\"secret\"]}}");
}

/* Text is UTF-8 whatever the character set; ISO 2022 switches per value. */
Test(json, character_sets_to_utf8)
{
    dq_dataset *ds = dq_dataset_new();
    dq_dataset_set_string(ds, DQ_TAG(0x0008, 0x0005), VR('C', 'S'), "\\ISO 2022 IR 87", NULL);
    static const char pn[] = "Yamada^Tarou=\x1b$B;3ED\x1b(B^\x1b$BB@O:\x1b(B";
    dq_dataset_set_bytes(ds, DQ_TAG(0x0010, 0x0010), VR('P', 'N'), pn, strlen(pn), NULL);
    expect(ds, "{\"00080005\":{\"vr\":\"CS\",\"Value\":[null,\"ISO 2022 IR 87\"]},"
               "\"00100010\":{\"vr\":\"PN\",\"Value\":[{\"Alphabetic\":\"Yamada^Tarou\","
               "\"Ideographic\":\"山田^太郎\"}]}}");
    cr_assert_eq(stats.replaced_bytes, 0);
    ds = dq_dataset_new();
    dq_dataset_set_string(ds, DQ_TAG(0x0008, 0x0005), VR('C', 'S'), "ISO_IR 126", NULL);
    dq_dataset_set_bytes(ds, DQ_TAG(0x0010, 0x0010), VR('P', 'N'), "\xc4\xe9\xef", 3, NULL);
    expect(ds, "{\"00080005\":{\"vr\":\"CS\",\"Value\":[\"ISO_IR 126\"]},"
               "\"00100010\":{\"vr\":\"PN\",\"Value\":[{\"Alphabetic\":\"Διο\"}]}}");
}

/* A byte the set cannot decode becomes U+FFFD and is counted. */
Test(json, undecodable_bytes_replaced_and_counted)
{
    dq_dataset *ds = dq_dataset_new();
    dq_dataset_set_string(ds, DQ_TAG(0x0008, 0x0005), VR('C', 'S'), "ISO_IR 192", NULL);
    dq_dataset_set_bytes(ds, DQ_TAG(0x0010, 0x0010), VR('P', 'N'),
                         "a\xff"
                         "b\xc3",
                         4, NULL);
    expect(ds, "{\"00080005\":{\"vr\":\"CS\",\"Value\":[\"ISO_IR 192\"]},"
               "\"00100010\":{\"vr\":\"PN\",\"Value\":[{\"Alphabetic\":\"a\xef\xbf\xbd"
               "b\xef\xbf\xbd\"}]}}");
    cr_assert_eq(stats.replaced_bytes, 2);
}

/* UTF-8 lead bytes F5-F7 start no character (RFC 3629: nothing above
 * U+10FFFF), though glibc's iconv decodes them: each byte is replaced, never
 * copied into the JSON (fuzz_json found the raw bytes in the output). */
Test(json, utf8_lead_bytes_above_f4_replaced)
{
    dq_dataset *ds = dq_dataset_new();
    dq_dataset_set_string(ds, DQ_TAG(0x0008, 0x0005), VR('C', 'S'), "ISO_IR 192", NULL);
    dq_dataset_set_bytes(ds, DQ_TAG(0x0010, 0x0010), VR('P', 'N'),
                         "a\xf5\x9d\x8d\x9a\xf4\x8f\xbf\xbf", 9, NULL);
    expect(ds, "{\"00080005\":{\"vr\":\"CS\",\"Value\":[\"ISO_IR 192\"]},"
               "\"00100010\":{\"vr\":\"PN\",\"Value\":[{\"Alphabetic\":\"a\xef\xbf\xbd"
               "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xf4\x8f\xbf\xbf\"}]}}");
    cr_assert_eq(stats.replaced_bytes, 4);
}

/* Items inherit the enclosing Specific Character Set unless they have one. */
Test(json, items_use_the_character_set_in_effect)
{
    dq_dataset *ds = dq_dataset_new();
    dq_dataset_set_string(ds, DQ_TAG(0x0008, 0x0005), VR('C', 'S'), "ISO_IR 100", NULL);
    dq_element *seq = dq_dataset_set_sequence(ds, DQ_TAG(0x0040, 0x0275), NULL);
    dq_dataset *a = dq_element_add_item(seq, NULL), *b = dq_element_add_item(seq, NULL);
    dq_dataset_set_bytes(a, DQ_TAG(0x0010, 0x0010), VR('P', 'N'), "\xe9", 1, NULL);
    dq_dataset_set_string(b, DQ_TAG(0x0008, 0x0005), VR('C', 'S'), "ISO_IR 126", NULL);
    dq_dataset_set_bytes(b, DQ_TAG(0x0010, 0x0010), VR('P', 'N'), "\xe9", 1, NULL);
    char *got = json_of(ds);
    cr_assert(strstr(got, "{\"Alphabetic\":\"é\"}"), "%s", got);
    cr_assert(strstr(got, "{\"Alphabetic\":\"ι\"}"), "%s", got);
    free(got);
}

/* Appending streams: a second object follows the first, stats add up. */
Test(json, appends_and_accumulates)
{
    dq_buffer b = {0};
    dq_text_stats st = {0};
    dq_dataset *ds = one_string(DQ_TAG(0x0020, 0x0013), VR('I', 'S'), "x");
    cr_assert_eq(dq_json_append(&b, ds, &st, NULL), 0);
    cr_assert_eq(dq_json_append(&b, ds, &st, NULL), 0);
    cr_assert_eq(dq_json_append(&b, ds, NULL, NULL), 0);
    dq_buffer_append(&b, "", 1, NULL);
    cr_assert_str_eq((char *)b.data, "{\"00200013\":{\"vr\":\"IS\",\"Value\":[\"x\"]}}"
                                     "{\"00200013\":{\"vr\":\"IS\",\"Value\":[\"x\"]}}"
                                     "{\"00200013\":{\"vr\":\"IS\",\"Value\":[\"x\"]}}");
    cr_assert_eq(st.bad_numbers, 2);
    dq_buffer_free(&b);
    dq_dataset_free(ds);
}

/* Members only, for a caller with members of its own: a comma before the
 * first one unless the object has just opened. */
Test(json, members_after_the_callers_own)
{
    dq_dataset *ds = one_string(DQ_TAG(0x0010, 0x0020), VR('L', 'O'), "ID1");
    dq_buffer b = {0};
    cr_assert_eq(dq_buffer_append(&b, "{\"_row\":7", 9, NULL), 0);
    cr_assert_eq(dq_json_append_members(&b, ds, NULL, NULL), 0);
    cr_assert_eq(dq_buffer_append(&b, "}{", 2, NULL), 0);
    cr_assert_eq(dq_json_append_members(&b, ds, NULL, NULL), 0);
    dq_buffer_append(&b, "}", 2, NULL);
    cr_assert_str_eq((char *)b.data, "{\"_row\":7,\"00100020\":{\"vr\":\"LO\",\"Value\":[\"ID1\"]}}"
                                     "{\"00100020\":{\"vr\":\"LO\",\"Value\":[\"ID1\"]}}");
    dq_buffer_free(&b);
    dq_dataset_free(ds);
}

Test(json, string_escaped)
{
    dq_buffer b = {0};
    const char s[] = "a\"b\\c\n\x01\xc3\xa9";
    cr_assert_eq(dq_json_string_append(&b, s, sizeof s - 1, NULL), 0);
    dq_buffer_append(&b, "", 1, NULL);
    cr_assert_str_eq((char *)b.data, "\"a\\\"b\\\\c\\n\\u0001\xc3\xa9\"");
    dq_buffer_free(&b);
}
