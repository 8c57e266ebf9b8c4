/* Codecs: hand-computed bytes in each transfer syntax (encode == expected,
 * decode(expected) == model), undefined lengths, round trips, and hostile
 * input (truncation at every byte, huge lengths, deep nesting, item floods,
 * a deflate bomb), plus the O(1)-allocations property. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "dq/dq.h"

#define V(a, b) DQ_VR_CODE(a, b)

/* (0008,0052) CS PATIENT, (0008,1111) SQ [ (0008,1150) UI 1.2.3 ],
 * (0010,0010) PN empty, (0028,0010) US 512 */
static dq_dataset *model(void)
{
    dq_dataset *ds = dq_dataset_new();
    cr_assert_not_null(ds);
    dq_error err;
    cr_assert_eq(dq_dataset_set_string(ds, DQ_TAG(0x0010, 0x0010), 0, "", &err), 0);
    cr_assert_eq(dq_dataset_set_int(ds, DQ_TAG(0x0028, 0x0010), 0, 512, &err), 0);
    cr_assert_eq(dq_dataset_set_string(ds, DQ_TAG(0x0008, 0x0052), 0, "PATIENT", &err), 0);
    dq_element *seq = dq_dataset_set_sequence(ds, DQ_TAG(0x0008, 0x1111), &err);
    cr_assert_not_null(seq);
    dq_dataset *item = dq_element_add_item(seq, &err);
    cr_assert_not_null(item);
    cr_assert_eq(dq_dataset_set_string(item, DQ_TAG(0x0008, 0x1150), 0, "1.2.3", &err), 0);
    return ds;
}

static const uint8_t explicit_le[] = {
    0x08, 0x00, 0x52, 0x00, 'C',  'S',  0x08, 0x00, 'P',  'A',  'T',  'I',  'E',  'N',
    'T',  ' ',  0x08, 0x00, 0x11, 0x11, 'S',  'Q',  0x00, 0x00, 0x16, 0x00, 0x00, 0x00,
    0xFE, 0xFF, 0x00, 0xE0, 0x0E, 0x00, 0x00, 0x00, 0x08, 0x00, 0x50, 0x11, 'U',  'I',
    0x06, 0x00, '1',  '.',  '2',  '.',  '3',  0x00, 0x10, 0x00, 0x10, 0x00, 'P',  'N',
    0x00, 0x00, 0x28, 0x00, 0x10, 0x00, 'U',  'S',  0x02, 0x00, 0x00, 0x02,
};

static const uint8_t implicit_le[] = {
    0x08, 0x00, 0x52, 0x00, 0x08, 0x00, 0x00, 0x00, 'P',  'A',  'T',  'I',  'E',  'N',  'T',  ' ',
    0x08, 0x00, 0x11, 0x11, 0x16, 0x00, 0x00, 0x00, 0xFE, 0xFF, 0x00, 0xE0, 0x0E, 0x00, 0x00, 0x00,
    0x08, 0x00, 0x50, 0x11, 0x06, 0x00, 0x00, 0x00, '1',  '.',  '2',  '.',  '3',  0x00, 0x10, 0x00,
    0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x28, 0x00, 0x10, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x02,
};

static const uint8_t explicit_be[] = {
    0x00, 0x08, 0x00, 0x52, 'C',  'S',  0x00, 0x08, 'P',  'A',  'T',  'I',  'E',  'N',
    'T',  ' ',  0x00, 0x08, 0x11, 0x11, 'S',  'Q',  0x00, 0x00, 0x00, 0x00, 0x00, 0x16,
    0xFF, 0xFE, 0xE0, 0x00, 0x00, 0x00, 0x00, 0x0E, 0x00, 0x08, 0x11, 0x50, 'U',  'I',
    0x00, 0x06, '1',  '.',  '2',  '.',  '3',  0x00, 0x00, 0x10, 0x00, 0x10, 'P',  'N',
    0x00, 0x00, 0x00, 0x28, 0x00, 0x10, 'U',  'S',  0x00, 0x02, 0x02, 0x00,
};

/* The same data set with undefined-length sequence and item. */
static const uint8_t explicit_le_undefined[] = {
    0x08, 0x00, 0x52, 0x00, 'C',  'S',  0x08, 0x00, 'P',  'A',  'T',  'I',  'E',  'N',
    'T',  ' ',  0x08, 0x00, 0x11, 0x11, 'S',  'Q',  0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF,
    0xFE, 0xFF, 0x00, 0xE0, 0xFF, 0xFF, 0xFF, 0xFF, 0x08, 0x00, 0x50, 0x11, 'U',  'I',
    0x06, 0x00, '1',  '.',  '2',  '.',  '3',  0x00, 0xFE, 0xFF, 0x0D, 0xE0, 0x00, 0x00,
    0x00, 0x00, 0xFE, 0xFF, 0xDD, 0xE0, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x10, 0x00,
    'P',  'N',  0x00, 0x00, 0x28, 0x00, 0x10, 0x00, 'U',  'S',  0x02, 0x00, 0x00, 0x02,
};

static void check_encodes(dq_transfer_syntax ts, const uint8_t *want, size_t n)
{
    dq_dataset *ds = model();
    dq_buffer b = {0};
    dq_error err;
    cr_assert_eq(dq_dataset_encode(ds, ts, &b, &err), 0, "%s", err.message);
    cr_assert_eq(b.len, n, "%s: %zu bytes, want %zu", dq_ts_name(ts), b.len, n);
    cr_assert_eq(memcmp(b.data, want, n), 0, "%s: bytes differ", dq_ts_name(ts));
    dq_buffer_free(&b);
    dq_dataset_free(ds);
}

/* Checks the decoded model field by field. */
static void check_model(const dq_dataset *ds)
{
    cr_assert_eq(dq_dataset_count(ds), 4);
    const dq_element *e = dq_dataset_at(ds, 0);
    dq_str s;
    cr_assert_eq(dq_element_tag(e), DQ_TAG(0x0008, 0x0052));
    cr_assert_eq(dq_element_vr(e), V('C', 'S'));
    cr_assert_eq(dq_element_string(e, 0, &s, NULL), 0);
    cr_assert_eq(s.len, 7);
    cr_assert_eq(memcmp(s.ptr, "PATIENT", 7), 0);
    e = dq_dataset_at(ds, 1);
    cr_assert_eq(dq_element_vr(e), V('S', 'Q'));
    cr_assert_eq(dq_element_item_count(e), 1);
    const dq_dataset *item = dq_element_item(e, 0);
    cr_assert_eq(dq_dataset_count(item), 1);
    cr_assert_eq(dq_dataset_parent(item), e);
    const dq_element *uid = dq_dataset_find(item, DQ_TAG(0x0008, 0x1150));
    cr_assert_not_null(uid);
    cr_assert_eq(dq_element_string(uid, 0, &s, NULL), 0);
    cr_assert_eq(s.len, 5);
    cr_assert_eq(memcmp(s.ptr, "1.2.3", 5), 0);
    e = dq_dataset_find(ds, DQ_TAG(0x0010, 0x0010));
    cr_assert_not_null(e);
    cr_assert_eq(dq_element_vm(e), 0);
    int64_t v;
    cr_assert_eq(dq_dataset_get_int(ds, DQ_TAG(0x0028, 0x0010), &v, NULL), 0);
    cr_assert_eq(v, 512);
}

static void check_decodes(dq_transfer_syntax ts, const uint8_t *bytes, size_t n)
{
    dq_dataset *ds;
    dq_error err;
    cr_assert_eq(dq_dataset_decode(bytes, n, ts, NULL, &ds, &err), 0, "%s: %s", dq_ts_name(ts),
                 err.message);
    check_model(ds);
    dq_dataset_free(ds);
}

Test(codec, known_bytes_explicit_le)
{
    check_encodes(DQ_TS_EXPLICIT_LE, explicit_le, sizeof explicit_le);
    check_decodes(DQ_TS_EXPLICIT_LE, explicit_le, sizeof explicit_le);
}
Test(codec, known_bytes_implicit_le)
{
    check_encodes(DQ_TS_IMPLICIT_LE, implicit_le, sizeof implicit_le);
    check_decodes(DQ_TS_IMPLICIT_LE, implicit_le, sizeof implicit_le);
}
Test(codec, known_bytes_explicit_be)
{
    check_encodes(DQ_TS_EXPLICIT_BE, explicit_be, sizeof explicit_be);
    check_decodes(DQ_TS_EXPLICIT_BE, explicit_be, sizeof explicit_be);
}

Test(codec, undefined_lengths_decode_and_reencode_defined)
{
    check_decodes(DQ_TS_EXPLICIT_LE, explicit_le_undefined, sizeof explicit_le_undefined);
    dq_dataset *ds;
    dq_buffer b = {0};
    cr_assert_eq(dq_dataset_decode(explicit_le_undefined, sizeof explicit_le_undefined,
                                   DQ_TS_EXPLICIT_LE, NULL, &ds, NULL),
                 0);
    cr_assert_eq(dq_dataset_encode(ds, DQ_TS_EXPLICIT_LE, &b, NULL), 0);
    cr_assert_eq(b.len, sizeof explicit_le);
    cr_assert_eq(memcmp(b.data, explicit_le, b.len), 0);
    dq_buffer_free(&b);
    dq_dataset_free(ds);
}

Test(codec, deflated_round_trip_and_zlib_cross_check)
{
    dq_dataset *ds = model(), *back;
    dq_buffer b = {0};
    cr_assert_eq(dq_dataset_encode(ds, DQ_TS_DEFLATED_LE, &b, NULL), 0);
    cr_assert_eq(b.len % 2, 0);
    /* zlib itself inflates it (raw deflate) to the explicit LE bytes */
    uint8_t plain[256];
    z_stream z = {0};
    cr_assert_eq(inflateInit2(&z, -MAX_WBITS), Z_OK);
    z.next_in = b.data;
    z.avail_in = (uInt)b.len;
    z.next_out = plain;
    z.avail_out = sizeof plain;
    cr_assert_eq(inflate(&z, Z_FINISH), Z_STREAM_END);
    cr_assert_eq(z.total_out, sizeof explicit_le);
    cr_assert_eq(memcmp(plain, explicit_le, sizeof explicit_le), 0);
    inflateEnd(&z);
    cr_assert_eq(dq_dataset_decode(b.data, b.len, DQ_TS_DEFLATED_LE, NULL, &back, NULL), 0);
    check_model(back);
    dq_buffer_free(&b);
    dq_dataset_free(back);
    dq_dataset_free(ds);
}

Test(codec, odd_lengths_padded_per_vr)
{
    dq_dataset *ds = dq_dataset_new();
    dq_buffer b = {0};
    static const uint8_t ob[3] = {1, 2, 3};
    dq_dataset_set_string(ds, DQ_TAG(0x0010, 0x0020), 0, "ABC", NULL);          /* LO: space */
    dq_dataset_set_string(ds, DQ_TAG(0x0020, 0x000D), 0, "1.2", NULL);          /* UI: NUL */
    dq_dataset_set_bytes(ds, DQ_TAG(0x0009, 0x1001), V('O', 'B'), ob, 3, NULL); /* OB: 0 */
    cr_assert_eq(dq_dataset_encode(ds, DQ_TS_EXPLICIT_LE, &b, NULL), 0);
    static const uint8_t want[] = {
        0x09, 0x00, 0x01, 0x10, 'O',  'B',  0,   0,   4,   0,   0,   0,   1,   2,
        3,    0,    0x10, 0x00, 0x20, 0x00, 'L', 'O', 4,   0,   'A', 'B', 'C', ' ',
        0x20, 0x00, 0x0D, 0x00, 'U',  'I',  4,   0,   '1', '.', '2', 0,
    };
    cr_assert_eq(b.len, sizeof want);
    cr_assert_eq(memcmp(b.data, want, sizeof want), 0);
    dq_buffer_free(&b);
    dq_dataset_free(ds);
}

Test(codec, big_endian_swaps_by_unit_and_at_as_halves)
{
    dq_dataset *ds = dq_dataset_new(), *back;
    dq_buffer b = {0};
    cr_assert_eq(dq_dataset_set_key(ds, "FrameIncrementPointer=(0018,1063)", NULL), 0); /* AT */
    cr_assert_eq(dq_dataset_set_key(ds, "AcquisitionIndex=1\\2", NULL), 0); /* US VM 2 */
    cr_assert_eq(dq_dataset_set_key(ds, "(0018,9089)=1.5\\-2", NULL), 0);   /* FD VM 3 */
    cr_assert_eq(dq_dataset_encode(ds, DQ_TS_EXPLICIT_BE, &b, NULL), 0);
    static const uint8_t at_be[] = {0x00, 0x28, 0x00, 0x09, 'A',  'T',
                                    0x00, 0x04, 0x00, 0x18, 0x10, 0x63};
    /* order: (0018,9089) FD, (0020,9518) US, (0028,0009) AT last */
    cr_assert_eq(b.len, 24 + 12 + 12);
    cr_assert_eq(memcmp(b.data + b.len - 12, at_be, sizeof at_be), 0);
    static const uint8_t us_be[] = {0x00, 0x20, 0x95, 0x18, 'U',  'S',
                                    0x00, 0x04, 0x00, 0x01, 0x00, 0x02};
    cr_assert_eq(memcmp(b.data + 24, us_be, sizeof us_be), 0);
    /* FD 1.5 big endian = 3F F8 00 .. */
    const uint8_t *fd = b.data + 8;
    cr_assert_eq(fd[0], 0x3F);
    cr_assert_eq(fd[1], 0xF8);
    cr_assert_eq(dq_dataset_decode(b.data, b.len, DQ_TS_EXPLICIT_BE, NULL, &back, NULL), 0);
    uint32_t t;
    double d;
    int64_t v;
    cr_assert_eq(
        dq_element_attribute_tag(dq_dataset_find(back, DQ_TAG(0x0028, 0x0009)), 0, &t, NULL), 0);
    cr_assert_eq(t, DQ_TAG(0x0018, 0x1063));
    cr_assert_eq(dq_element_double(dq_dataset_find(back, DQ_TAG(0x0018, 0x9089)), 1, &d, NULL), 0);
    cr_assert_eq(d, -2.0);
    cr_assert_eq(dq_element_int(dq_dataset_find(back, DQ_TAG(0x0020, 0x9518)), 1, &v, NULL), 0);
    cr_assert_eq(v, 2);
    dq_buffer_free(&b);
    dq_dataset_free(back);
    dq_dataset_free(ds);
}

/* Explicit VR BE with UN sequences inside (PS3.5 6.2.2: their items are
 * Implicit VR LE): the items read little-endian, and the element after
 * them big-endian again (the decoder's loop is compiled per byte order). */
Test(codec, big_endian_un_sequences_then_big_endian_again)
{
    static const uint8_t be[] = {
        /* (0008,1111) UN, 16 bytes: known to be SQ; an item of 8 bytes with
         * (0008,1150) empty, both Implicit VR LE */
        0x00, 0x08, 0x11, 0x11, 'U', 'N', 0, 0, 0x00, 0x00, 0x00, 0x10, /* */
        0xFE, 0xFF, 0x00, 0xE0, 0x08, 0x00, 0x00, 0x00,                 /* */
        0x08, 0x00, 0x50, 0x11, 0x00, 0x00, 0x00, 0x00,                 /* */
        /* (0009,1010) UN, undefined length: an undefined-length item with
         * (0010,0010) "AB^C" in Implicit VR LE, then the delimiters */
        0x00, 0x09, 0x10, 0x10, 'U', 'N', 0, 0, 0xFF, 0xFF, 0xFF, 0xFF,         /* */
        0xFE, 0xFF, 0x00, 0xE0, 0xFF, 0xFF, 0xFF, 0xFF,                         /* */
        0x10, 0x00, 0x10, 0x00, 0x04, 0x00, 0x00, 0x00, 'A', 'B', '^', 'C',     /* */
        0xFE, 0xFF, 0x0D, 0xE0, 0, 0, 0, 0, 0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0, /* */
        /* (0028,0010) US 512, big-endian again */
        0x00, 0x28, 0x00, 0x10, 'U', 'S', 0x00, 0x02, 0x02, 0x00};
    dq_dataset *ds;
    dq_error err;
    cr_assert_eq(dq_dataset_decode(be, sizeof be, DQ_TS_EXPLICIT_BE, NULL, &ds, &err), 0, "%s",
                 err.message);
    cr_assert_eq(dq_dataset_count(ds), 3);
    const dq_element *known = dq_dataset_find(ds, DQ_TAG(0x0008, 0x1111));
    cr_assert_eq(dq_element_vr(known), V('S', 'Q'));
    cr_assert_eq(dq_element_item_count(known), 1);
    const dq_dataset *item = dq_element_item(known, 0);
    cr_assert_eq(dq_dataset_count(item), 1);
    cr_assert_not_null(dq_dataset_find(item, DQ_TAG(0x0008, 0x1150)));
    const dq_element *priv = dq_dataset_find(ds, DQ_TAG(0x0009, 0x1010));
    cr_assert_eq(dq_element_vr(priv), V('S', 'Q'));
    cr_assert_eq(dq_element_item_count(priv), 1);
    dq_str name;
    cr_assert_eq(
        dq_element_string(dq_dataset_find(dq_element_item(priv, 0), DQ_TAG(0x0010, 0x0010)), 0,
                          &name, NULL),
        0);
    cr_assert_eq(name.len, 4);
    cr_assert_eq(memcmp(name.ptr, "AB^C", 4), 0);
    int64_t rows;
    cr_assert_eq(dq_element_int(dq_dataset_find(ds, DQ_TAG(0x0028, 0x0010)), 0, &rows, NULL), 0);
    cr_assert_eq(rows, 512);
    dq_dataset_free(ds);
}

/* A VR is two upper-case letters: the bytes just outside 'A'..'Z' are an
 * error at the VR's offset; letters PS3.5 does not define are UN with the
 * 4-byte length form (PS3.5 7.1.2). */
Test(hostile, vr_bytes_outside_the_letters_are_an_error)
{
    static const uint8_t bad[][2] = {{'@', 'A'}, {'[', 'A'}, {'A', '@'}, {'A', '['},
                                     {'a', 'E'}, {'P', 'n'}, {0, 0},     {0xFF, 'A'}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint8_t b[] = {0x10, 0x00, 0x10, 0x00, 0, 0, 0x02, 0x00, 'A', 'B'};
        b[4] = bad[i][0];
        b[5] = bad[i][1];
        dq_dataset *ds;
        dq_error err;
        cr_assert_eq(dq_dataset_decode(b, sizeof b, DQ_TS_EXPLICIT_LE, NULL, &ds, &err), -1,
                     "VR bytes %02X %02X accepted", b[4], b[5]);
        cr_assert_eq(err.kind, DQ_ERR_MALFORMED);
        cr_assert_eq(err.offset, 4);
        cr_assert_not_null(strstr(err.message, "invalid VR bytes"), "%s", err.message);
    }
    /* a private tag, so the dictionary gives no VR back */
    static const uint8_t zz[] = {0x09, 0x00, 0x10, 0x10, 'Z',  'Z', 0,
                                 0,    0x02, 0x00, 0x00, 0x00, 'A', 'B'};
    dq_dataset *ds;
    cr_assert_eq(dq_dataset_decode(zz, sizeof zz, DQ_TS_EXPLICIT_LE, NULL, &ds, NULL), 0);
    const dq_element *el = dq_dataset_find(ds, DQ_TAG(0x0009, 0x1010));
    cr_assert_eq(dq_element_vr(el), V('U', 'N'));
    size_t len;
    cr_assert_eq(memcmp(dq_element_value(el, &len), "AB", 2), 0);
    cr_assert_eq(len, 2);
    dq_dataset_free(ds);
}

Test(codec, implicit_multi_vr_uses_pixel_representation)
{
    /* (0028,0103) PixelRepresentation = 1, then (0028,0106) "US or SS" */
    static const uint8_t bytes[] = {
        0x28, 0x00, 0x03, 0x01, 0x02, 0x00, 0x00, 0x00, 0x01, 0x00,
        0x28, 0x00, 0x06, 0x01, 0x02, 0x00, 0x00, 0x00, 0xFE, 0xFF,
    };
    dq_dataset *ds;
    cr_assert_eq(dq_dataset_decode(bytes, sizeof bytes, DQ_TS_IMPLICIT_LE, NULL, &ds, NULL), 0);
    const dq_element *e = dq_dataset_find(ds, DQ_TAG(0x0028, 0x0106));
    cr_assert_eq(dq_element_vr(e), V('S', 'S'));
    int64_t v;
    cr_assert_eq(dq_element_int(e, 0, &v, NULL), 0);
    cr_assert_eq(v, -2);
    dq_dataset_free(ds);
}

Test(codec, implicit_private_sequence_keeps_undefined_length)
{
    /* (0009,1010) private, undefined length, one item with (0010,0010) "AB" */
    static const uint8_t in[] = {
        0x09, 0x00, 0x10, 0x10, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE, 0xFF, 0x00, 0xE0,
        0x0A, 0x00, 0x00, 0x00, 0x10, 0x00, 0x10, 0x00, 0x02, 0x00, 0x00, 0x00,
        'A',  'B',  0xFE, 0xFF, 0xDD, 0xE0, 0x00, 0x00, 0x00, 0x00,
    };
    dq_dataset *ds;
    cr_assert_eq(dq_dataset_decode(in, sizeof in, DQ_TS_IMPLICIT_LE, NULL, &ds, NULL), 0);
    const dq_element *e = dq_dataset_find(ds, DQ_TAG(0x0009, 0x1010));
    cr_assert_eq(dq_element_vr(e), V('S', 'Q'));
    cr_assert_eq(dq_element_item_count(e), 1);
    dq_buffer b = {0};
    cr_assert_eq(dq_dataset_encode(ds, DQ_TS_IMPLICIT_LE, &b, NULL), 0);
    cr_assert_eq(b.len, sizeof in);
    cr_assert_eq(memcmp(b.data, in, sizeof in), 0);
    dq_buffer_free(&b);
    dq_dataset_free(ds);
}

Test(codec, group_length_recomputed)
{
    dq_dataset *ds = dq_dataset_new();
    dq_dataset_set_bytes(ds, DQ_TAG(0x0010, 0x0000), V('U', 'L'), "\x63\0\0\0", 4, NULL);
    dq_dataset_set_string(ds, DQ_TAG(0x0010, 0x0010), 0, "AB", NULL);
    dq_dataset_set_string(ds, DQ_TAG(0x0010, 0x0020), 0, "1", NULL);
    dq_buffer b = {0};
    cr_assert_eq(dq_dataset_encode(ds, DQ_TS_IMPLICIT_LE, &b, NULL), 0);
    /* after it: 8+2 and 8+2 bytes */
    cr_assert_eq(b.data[8], 20);
    cr_assert_eq(b.data[9], 0);
    dq_buffer_free(&b);
    dq_dataset_free(ds);
}

/* ---- hostile input ------------------------------------------------------ */

static void all_syntaxes_reject_truncations(const uint8_t *full, size_t n, dq_transfer_syntax ts)
{
    for (size_t cut = 0; cut < n; cut++) {
        dq_dataset *ds = (dq_dataset *)1;
        dq_error err;
        int rc = dq_dataset_decode(full, cut, ts, NULL, &ds, &err);
        /* Cutting between two top-level elements leaves a valid, shorter
         * data set; everywhere else it is an error with an offset. */
        if (rc == 0) {
            cr_assert(cut == 0 || cut == 16 || cut == 16 + (ts == DQ_TS_IMPLICIT_LE ? 30 : 34) ||
                          cut == n - 10,
                      "cut at %zu accepted", cut);
            dq_dataset_free(ds);
        } else {
            cr_assert_null(ds);
            cr_assert(err.kind == DQ_ERR_MALFORMED, "cut %zu: %s", cut, err.message);
            cr_assert_neq(err.offset, DQ_ERROR_NO_OFFSET);
            cr_assert_leq(err.offset, cut);
        }
    }
}

Test(hostile, truncated_at_every_byte)
{
    all_syntaxes_reject_truncations(explicit_le, sizeof explicit_le, DQ_TS_EXPLICIT_LE);
    all_syntaxes_reject_truncations(implicit_le, sizeof implicit_le, DQ_TS_IMPLICIT_LE);
    all_syntaxes_reject_truncations(explicit_be, sizeof explicit_be, DQ_TS_EXPLICIT_BE);
}

Test(hostile, huge_declared_lengths)
{
    /* (0010,0010) LO with 32-bit length 0xFFFFFFFE in implicit VR; and an OB. */
    static const uint8_t a[] = {0x10, 0x00, 0x10, 0x00, 0xFE, 0xFF, 0xFF, 0xFF, 'A', 'B'};
    static const uint8_t b[] = {0x09, 0x00, 0x01, 0x10, 'O',  'B', 0,
                                0,    0xFE, 0xFF, 0xFF, 0xFF, 1,   2};
    static const uint8_t c[] = {0x08, 0x00, 0x11, 0x11, 'S',  'Q',  0,    0,    0xFE, 0xFF,
                                0xFF, 0xFF, 0xFE, 0xFF, 0x00, 0xE0, 0xFE, 0xFF, 0xFF, 0xFF};
    dq_dataset *ds;
    dq_error err;
    cr_assert_eq(dq_dataset_decode(a, sizeof a, DQ_TS_IMPLICIT_LE, NULL, &ds, &err), -1);
    cr_assert_eq(err.tag, DQ_TAG(0x0010, 0x0010));
    cr_assert_eq(err.offset, 0);
    cr_assert_eq(dq_dataset_decode(b, sizeof b, DQ_TS_EXPLICIT_LE, NULL, &ds, &err), -1);
    cr_assert_eq(err.kind, DQ_ERR_MALFORMED);
    cr_assert_eq(dq_dataset_decode(c, sizeof c, DQ_TS_EXPLICIT_LE, NULL, &ds, &err), -1);
    cr_assert_eq(err.kind, DQ_ERR_MALFORMED);
    /* a length within the buffer but above the configured cap */
    dq_limits lim;
    dq_limits_default(&lim);
    lim.max_element_length = 1;
    static const uint8_t d[] = {0x10, 0x00, 0x10, 0x00, 0x02, 0x00, 0x00, 0x00, 'A', 'B'};
    cr_assert_eq(dq_dataset_decode(d, sizeof d, DQ_TS_IMPLICIT_LE, &lim, &ds, &err), -1);
    cr_assert_eq(err.kind, DQ_ERR_LIMIT);
}

/* n nested undefined-length sequences, each with one undefined-length item. */
static dq_buffer nested(size_t n, bool close)
{
    dq_buffer b = {0};
    static const uint8_t open[] = {0x08, 0x00, 0x11, 0x11, 'S',  'Q',  0,    0,    0xFF, 0xFF,
                                   0xFF, 0xFF, 0xFE, 0xFF, 0x00, 0xE0, 0xFF, 0xFF, 0xFF, 0xFF};
    static const uint8_t shut[] = {0xFE, 0xFF, 0x0D, 0xE0, 0, 0, 0, 0,
                                   0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0};
    for (size_t i = 0; i < n; i++)
        dq_buffer_append(&b, open, sizeof open, NULL);
    for (size_t i = 0; close && i < n; i++)
        dq_buffer_append(&b, shut, sizeof shut, NULL);
    return b;
}

Test(hostile, deep_nesting_is_capped)
{
    dq_buffer b = nested(10000, true);
    dq_dataset *ds;
    dq_error err;
    clock_t t0 = clock();
    cr_assert_eq(dq_dataset_decode(b.data, b.len, DQ_TS_EXPLICIT_LE, NULL, &ds, &err), -1);
    cr_assert_eq(err.kind, DQ_ERR_LIMIT, "%s", err.message);
    cr_assert_lt((double)(clock() - t0) / CLOCKS_PER_SEC, 1.0);
    dq_buffer_free(&b);
    /* 64 levels are fine; never-ending undefined lengths are an error */
    b = nested(63, true);
    cr_assert_eq(dq_dataset_decode(b.data, b.len, DQ_TS_EXPLICIT_LE, NULL, &ds, &err), 0, "%s",
                 err.message);
    dq_dataset_free(ds);
    dq_buffer_free(&b);
    b = nested(5, false);
    cr_assert_eq(dq_dataset_decode(b.data, b.len, DQ_TS_EXPLICIT_LE, NULL, &ds, &err), -1);
    cr_assert_eq(err.kind, DQ_ERR_MALFORMED);
    dq_buffer_free(&b);
}

Test(hostile, millions_of_items_hit_the_cap)
{
    /* one SQ with 3,000,000 empty defined-length items (24 MB of input) */
    size_t n = 3000000;
    dq_buffer b = {0};
    static const uint8_t head[] = {0x08, 0x00, 0x11, 0x11, 'S', 'Q', 0, 0, 0xFF, 0xFF, 0xFF, 0xFF};
    static const uint8_t item[] = {0xFE, 0xFF, 0x00, 0xE0, 0, 0, 0, 0};
    dq_buffer_append(&b, head, sizeof head, NULL);
    dq_buffer_reserve(&b, n * 8, NULL);
    for (size_t i = 0; i < n; i++)
        dq_buffer_append(&b, item, 8, NULL);
    dq_dataset *ds;
    dq_error err;
    clock_t t0 = clock();
    cr_assert_eq(dq_dataset_decode(b.data, b.len, DQ_TS_EXPLICIT_LE, NULL, &ds, &err), -1);
    cr_assert_eq(err.kind, DQ_ERR_LIMIT, "%s", err.message);
    cr_assert_lt((double)(clock() - t0) / CLOCKS_PER_SEC, 5.0);
    dq_buffer_free(&b);
}

Test(hostile, deflate_bomb_is_capped)
{
    /* 1 GiB of zeros deflates to ~1 MB; the cap stops inflation at 1 MiB. */
    z_stream z = {0};
    cr_assert_eq(deflateInit2(&z, 9, Z_DEFLATED, -MAX_WBITS, 9, Z_DEFAULT_STRATEGY), Z_OK);
    dq_buffer bomb = {0};
    dq_buffer_reserve(&bomb, 2 << 20, NULL);
    static uint8_t zeros[1 << 16];
    for (int i = 0; i < (1 << 14); i++) {
        z.next_in = zeros;
        z.avail_in = sizeof zeros;
        do {
            z.next_out = bomb.data + bomb.len;
            z.avail_out = (uInt)(bomb.cap - bomb.len);
            cr_assert_neq(deflate(&z, i == (1 << 14) - 1 ? Z_FINISH : Z_NO_FLUSH), Z_STREAM_ERROR);
            bomb.len = bomb.cap - z.avail_out;
        } while (z.avail_in);
    }
    z.next_out = bomb.data + bomb.len;
    z.avail_out = (uInt)(bomb.cap - bomb.len);
    deflate(&z, Z_FINISH);
    bomb.len = bomb.cap - z.avail_out;
    deflateEnd(&z);
    dq_limits lim;
    dq_limits_default(&lim);
    lim.max_input = 1 << 20;
    dq_dataset *ds;
    dq_error err;
    clock_t t0 = clock();
    cr_assert_eq(dq_dataset_decode(bomb.data, bomb.len, DQ_TS_DEFLATED_LE, &lim, &ds, &err), -1);
    cr_assert_eq(err.kind, DQ_ERR_LIMIT, "%s", err.message);
    cr_assert_lt((double)(clock() - t0) / CLOCKS_PER_SEC, 1.0);
    /* garbage is malformed, not a crash */
    static const uint8_t junk[] = {0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x13};
    cr_assert_eq(dq_dataset_decode(junk, sizeof junk, DQ_TS_DEFLATED_LE, NULL, &ds, &err), -1);
    cr_assert_eq(err.kind, DQ_ERR_MALFORMED);
    dq_buffer_free(&bomb);
}

Test(hostile, random_bytes_never_crash)
{
    uint8_t buf[512];
    unsigned seed = 12345;
    for (int round = 0; round < 20000; round++) {
        size_t n = (size_t)(rand_r(&seed) % sizeof buf);
        for (size_t i = 0; i < n; i++)
            buf[i] = (uint8_t)rand_r(&seed);
        /* mutate a valid encoding half the time, so parsing gets deep */
        if (round & 1) {
            n = sizeof explicit_le_undefined;
            memcpy(buf, explicit_le_undefined, n);
            buf[rand_r(&seed) % n] = (uint8_t)rand_r(&seed);
        }
        for (int ts = 0; ts < 4; ts++) {
            dq_dataset *ds;
            if (dq_dataset_decode(buf, n, (dq_transfer_syntax)ts, NULL, &ds, NULL) == 0)
                dq_dataset_free(ds);
        }
    }
}

/* ---- allocations ----------------------------------------------------------- */

Test(codec, allocations_per_dataset_are_constant)
{
    /* 15 elements vs 150 elements: the arena takes the same number of
     * mallocs (one block), and a reused data set takes none. */
    dq_dataset *small = model(), *big = dq_dataset_new();
    for (int i = 0; i < 150; i++)
        dq_dataset_set_string(big, DQ_TAG(0x0011, 0x1000 + i), V('L', 'O'), "value", NULL);
    dq_buffer a = {0}, b = {0};
    dq_dataset_encode(small, DQ_TS_EXPLICIT_LE, &a, NULL);
    dq_dataset_encode(big, DQ_TS_EXPLICIT_LE, &b, NULL);
    dq_dataset *da, *db;
    size_t ma, mb, bytes;
    cr_assert_eq(dq_dataset_decode(a.data, a.len, DQ_TS_EXPLICIT_LE, NULL, &da, NULL), 0);
    cr_assert_eq(dq_dataset_decode(b.data, b.len, DQ_TS_EXPLICIT_LE, NULL, &db, NULL), 0);
    dq_dataset_memory(da, &bytes, &ma);
    dq_dataset_memory(db, &bytes, &mb);
    cr_assert_eq(ma, 1);
    cr_assert_leq(mb, 2);
    for (int i = 0; i < 100; i++)
        cr_assert_eq(dq_dataset_decode_into(db, b.data, b.len, DQ_TS_EXPLICIT_LE, NULL, NULL), 0);
    size_t mb2;
    dq_dataset_memory(db, &bytes, &mb2);
    cr_assert_eq(mb2, mb, "reuse took %zu mallocs", mb2 - mb);
    dq_dataset_free(da);
    dq_dataset_free(db);
    dq_dataset_free(small);
    dq_dataset_free(big);
    dq_buffer_free(&a);
    dq_buffer_free(&b);
}

Test(codec, transfer_syntax_table)
{
    cr_assert_eq(dq_ts_from_uid("1.2.840.10008.1.2", 17), DQ_TS_IMPLICIT_LE);
    cr_assert_eq(dq_ts_from_uid("1.2.840.10008.1.2.1\0", 20), DQ_TS_EXPLICIT_LE);
    cr_assert_eq(dq_ts_from_uid("1.2.840.10008.1.2.1.99", 22), DQ_TS_DEFLATED_LE);
    cr_assert_eq(dq_ts_from_uid("1.2.840.10008.1.2.2 ", 20), DQ_TS_EXPLICIT_BE);
    cr_assert_eq(dq_ts_from_uid("1.2.840.10008.1.2.4.50", 22), DQ_TS_UNKNOWN);
    cr_assert_str_eq(dq_ts_uid(DQ_TS_DEFLATED_LE), "1.2.840.10008.1.2.1.99");
    cr_assert(dq_ts_is_big_endian(DQ_TS_EXPLICIT_BE));
    cr_assert(dq_ts_is_implicit(DQ_TS_IMPLICIT_LE));
    cr_assert_null(dq_ts_uid(DQ_TS_UNKNOWN));
}

/* dq_buffer: doubling on reserve; an exact capacity on request (the
 * transport's receive buffer), never below what it holds. */
Test(buffer, reserve_doubles_set_capacity_is_exact)
{
    dq_buffer b = {0};
    cr_assert_eq(dq_buffer_append(&b, "abc", 3, NULL), 0);
    cr_assert_eq(b.cap, 256);
    cr_assert_eq(dq_buffer_reserve(&b, 300, NULL), 0);
    cr_assert_eq(b.cap, 512);
    cr_assert_eq(dq_buffer_set_capacity(&b, 1000, NULL), 0);
    cr_assert_eq(b.cap, 1000);
    cr_assert_eq(dq_buffer_set_capacity(&b, 1, NULL), 0);
    cr_assert_eq(b.cap, 3, "shrinks to its length, not below");
    cr_assert_eq(memcmp(b.data, "abc", 3), 0);
    dq_buffer_free(&b);
}
