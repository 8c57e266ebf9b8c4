/* The DICOM JSON Model (PS3.18 Annex F.2) writer: the shared walk
 * (textout.c) spelt in JSON (RFC 8259). include/dq/json.h says what each
 * element becomes. Separators are decided from the last byte written: a
 * member or array element follows '{' or '[' directly, anything else after a
 * comma, so the writer keeps no state of its own. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "textout_impl.h"

static void comma(dq_tw *w)
{
    const dq_buffer *b = w->out;
    if (b->len && b->data[b->len - 1] != '{' && b->data[b->len - 1] != '[')
        dq_tw_put(w, ",", 1);
}

/* The bytes a JSON string cannot hold as they are (RFC 8259 7). */
static const bool needs_escape[256] = {
    [0x00] = 1, [0x01] = 1, [0x02] = 1, [0x03] = 1, [0x04] = 1, [0x05] = 1, [0x06] = 1,
    [0x07] = 1, [0x08] = 1, [0x09] = 1, [0x0A] = 1, [0x0B] = 1, [0x0C] = 1, [0x0D] = 1,
    [0x0E] = 1, [0x0F] = 1, [0x10] = 1, [0x11] = 1, [0x12] = 1, [0x13] = 1, [0x14] = 1,
    [0x15] = 1, [0x16] = 1, [0x17] = 1, [0x18] = 1, [0x19] = 1, [0x1A] = 1, [0x1B] = 1,
    [0x1C] = 1, [0x1D] = 1, [0x1E] = 1, [0x1F] = 1, ['"'] = 1,  ['\\'] = 1};

/* A JSON string (RFC 8259 7): '"' and '\' escaped, control characters as
 * \n \r \t \b \f or \u00XX; the rest (valid UTF-8 from the walk) as is. */
static void json_string(dq_tw *w, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    dq_tw_put(w, "\"", 1);
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        /* Eight bytes at a time while none is below 0x20, '"' or '\\'
         * (a zero byte in x - 0x20.., x ^ 0x22.., x ^ 0x5C..). */
        for (uint64_t x; j + 8 <= n; j += 8) {
            memcpy(&x, s + j, 8);
            uint64_t q = x ^ 0x2222222222222222ull, b = x ^ 0x5C5C5C5C5C5C5C5Cull;
            if ((((x - 0x2020202020202020ull) & ~x) | ((q - 0x0101010101010101ull) & ~q) |
                 ((b - 0x0101010101010101ull) & ~b)) &
                0x8080808080808080ull)
                break;
        }
        while (j < n && !needs_escape[(unsigned char)s[j]])
            j++;
        dq_tw_put(w, s + i, j - i);
        if (j == n)
            break;
        unsigned char c = (unsigned char)s[j];
        char e[6] = {'\\', (char)c, 0, 0, 0, 0};
        size_t el = 2;
        if (c == '\n' || c == '\r' || c == '\t' || c == '\b' || c == '\f') {
            e[1] = c == '\n' ? 'n' : c == '\r' ? 'r' : c == '\t' ? 't' : c == '\b' ? 'b' : 'f';
        } else if (c < 0x20) {
            memcpy(e + 1, "u00", 3);
            e[4] = hex[c >> 4];
            e[5] = hex[c & 15];
            el = 6;
        }
        dq_tw_put(w, e, el);
        i = j + 1;
    }
    dq_tw_put(w, "\"", 1);
}

/* ,"GGGGEEEE":{"vr":"XX" in one piece: this runs for every element. */
static void j_element_open(dq_tw *w, const dq_element *el, const char *vr)
{
    char head[48], *h = head;
    const dq_buffer *b = w->out;
    if (b->len && b->data[b->len - 1] != '{' && b->data[b->len - 1] != '[')
        *h++ = ',';
    *h++ = '"';
    h = dq_tw_hex8(h, dq_element_tag(el));
    memcpy(h, "\":{\"vr\":\"", 9);
    h += 9;
    *h++ = vr[0]; /* a code from the VR table: two capital letters */
    *h++ = vr[1];
    *h++ = '"';
    dq_tw_put(w, head, (size_t)(h - head));
}

static void j_value(dq_tw *w, size_t index, dq_tw_kind kind, const char *s, size_t n)
{
    (void)index;
    comma(w);
    if (kind == DQ_TW_NUMBER)
        dq_tw_put(w, s, n);
    else if (kind == DQ_TW_NULL)
        dq_tw_puts(w, "null");
    else
        json_string(w, s, n);
}

/* PS3.18 F.2.2: an object with the groups that are present. */
static void j_person_name(dq_tw *w, size_t index, const dq_str groups[3])
{
    static const char *const names[3] = {"\"Alphabetic\":", "\"Ideographic\":", "\"Phonetic\":"};
    (void)index;
    comma(w);
    dq_tw_put(w, "{", 1);
    for (int g = 0; g < 3; g++) {
        if (!groups[g].len)
            continue;
        comma(w);
        dq_tw_puts(w, names[g]);
        json_string(w, groups[g].ptr, groups[g].len);
    }
    dq_tw_put(w, "}", 1);
}

static void j_binary(dq_tw *w, const uint8_t *p, size_t n)
{
    dq_tw_puts(w, ",\"InlineBinary\":\"");
    dq_tw_base64(w, p, n);
    dq_tw_put(w, "\"", 1);
}

static void j_item_open(dq_tw *w, size_t index)
{
    (void)index;
    comma(w);
    dq_tw_put(w, "{", 1);
}

static const dq_tw_ops json_ops = {
    .element = {j_element_open, DQ_TW_TEXT("}")},
    .values = {DQ_TW_TEXT(",\"Value\":["), DQ_TW_TEXT("]}")},
    .item = {j_item_open, DQ_TW_TEXT("}")},
    .value = j_value,
    .person_name = j_person_name,
    .binary = j_binary,
};

int dq_json_append(dq_buffer *out, const dq_dataset *ds, dq_text_stats *st, dq_error *err)
{
    return dq_tw_write(&json_ops, "{", "}", out, ds, st, err);
}

int dq_json_append_members(dq_buffer *out, const dq_dataset *ds, dq_text_stats *st, dq_error *err)
{
    return dq_tw_write(&json_ops, "", "", out, ds, st, err);
}

static void json_string_text(dq_tw *w, const char *s, size_t n, bool unused)
{
    (void)unused;
    json_string(w, s, n);
}

int dq_json_string_append(dq_buffer *out, const char *s, size_t n, dq_error *err)
{
    return dq_tw_escape(json_string_text, false, out, s, n, NULL, err);
}
