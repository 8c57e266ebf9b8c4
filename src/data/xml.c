/* The Native DICOM Model (PS3.19 Annex A.1) writer: the shared walk
 * (textout.c) spelt as XML 1.0. include/dq/json.h says what each element
 * becomes. */
#include <stdio.h>
#include <string.h>

#include "textout_impl.h"

/* Is the UTF-8 sequence at s[0..n) (at least one byte) a character XML 1.0
 * cannot hold (2.2 Char: controls but tab, LF, CR; U+FFFE, U+FFFF)? *len
 * gets the length of what to skip. */
static bool xml_invalid(const unsigned char *s, size_t n, size_t *len)
{
    *len = 1;
    if (s[0] < 0x20)
        return s[0] != '\t' && s[0] != '\n' && s[0] != '\r';
    if (s[0] == 0xEF && n >= 3 && s[1] == 0xBF && (s[2] == 0xBE || s[2] == 0xBF)) {
        *len = 3;
        return true;
    }
    return false;
}

/* Bytes xml_text looks at: controls, markup, and 0xEF (U+FFFE, U+FFFF). */
static const bool xml_special[256] = {
    [0x00] = 1, [0x01] = 1, [0x02] = 1, [0x03] = 1, [0x04] = 1, [0x05] = 1, [0x06] = 1, [0x07] = 1,
    [0x08] = 1, [0x09] = 1, [0x0A] = 1, [0x0B] = 1, [0x0C] = 1, [0x0D] = 1, [0x0E] = 1, [0x0F] = 1,
    [0x10] = 1, [0x11] = 1, [0x12] = 1, [0x13] = 1, [0x14] = 1, [0x15] = 1, [0x16] = 1, [0x17] = 1,
    [0x18] = 1, [0x19] = 1, [0x1A] = 1, [0x1B] = 1, [0x1C] = 1, [0x1D] = 1, [0x1E] = 1, [0x1F] = 1,
    ['&'] = 1,  ['<'] = 1,  ['>'] = 1,  ['"'] = 1,  [0xEF] = 1};

/* Text for element content or an attribute value: & < > " escaped, CR as a
 * character reference (a parser would fold CR LF to LF), tab and LF too in
 * attributes (they would become spaces); characters XML cannot hold become
 * U+FFFD and are counted. */
static void xml_text(dq_tw *w, const char *s, size_t n, bool attribute)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        size_t j = i, skip;
        while (j < n && !xml_special[u[j]])
            j++;
        dq_tw_put(w, s + i, j - i);
        if (j == n)
            break;
        unsigned char c = u[j];
        if (xml_invalid(u + j, n - j, &skip)) {
            w->st->replaced_bytes++;
            dq_tw_put(w, "\xEF\xBF\xBD", 3);
        } else if (c == 0xEF || (c == '\n' && !attribute) || (c == '\t' && !attribute)) {
            dq_tw_put(w, &u[j], 1);
        } else {
            char ref[8];
            const char *r = c == '&'   ? "&amp;"
                            : c == '<' ? "&lt;"
                            : c == '>' ? "&gt;"
                            : c == '"' ? "&quot;"
                                       : (snprintf(ref, sizeof ref, "&#%u;", c), ref);
            dq_tw_puts(w, r);
        }
        i = j + skip;
    }
}

/* PS3.19 A.1: a private element's tag is written "gggg00ee", its block
 * named by privateCreator (as DCMTK's dcm2xml does); without a Private
 * Creator in the data set the whole tag stays, so nothing is lost. */
static void x_element_open(dq_tw *w, const dq_element *el, const char *vr)
{
    uint32_t tag = dq_element_tag(el);
    dq_str creator;
    bool has_creator = dq_tw_private_creator(w, el, &creator);
    char hex[8];
    dq_tw_puts(w, "<DicomAttribute tag=\"");
    dq_tw_hex8(hex, has_creator ? tag & 0xFFFF00FFu : tag);
    dq_tw_put(w, hex, 8);
    dq_tw_puts(w, "\" vr=\"");
    xml_text(w, vr, strlen(vr), true);
    dq_tw_put(w, "\"", 1);
    const char *kw = dq_tw_keyword(tag);
    if (kw[0]) {
        dq_tw_puts(w, " keyword=\"");
        dq_tw_puts(w, kw);
        dq_tw_put(w, "\"", 1);
    }
    if (has_creator) {
        dq_tw_puts(w, " privateCreator=\"");
        xml_text(w, creator.ptr, creator.len, true);
        dq_tw_put(w, "\"", 1);
    }
    dq_tw_put(w, ">", 1);
}

/* "<Value number="n">", or "<Value number="n"/>" when empty. */
static void open_numbered(dq_tw *w, const char *name, size_t index, bool empty)
{
    dq_tw_put(w, "<", 1);
    dq_tw_puts(w, name);
    dq_tw_puts(w, " number=\"");
    dq_tw_size(w, index + 1);
    dq_tw_puts(w, empty ? "\"/>" : "\">");
}

static void x_value(dq_tw *w, size_t index, dq_tw_kind kind, const char *s, size_t n)
{
    open_numbered(w, "Value", index, kind == DQ_TW_NULL);
    if (kind == DQ_TW_NULL)
        return;
    xml_text(w, s, n, false);
    dq_tw_puts(w, "</Value>");
}

/* PS3.19 A.1: each group's components in their own elements, empty ones
 * left out. */
static void x_person_name(dq_tw *w, size_t index, const dq_str groups[3])
{
    static const char *const gopen[3] = {"<Alphabetic>", "<Ideographic>", "<Phonetic>"};
    static const char *const gclose[3] = {"</Alphabetic>", "</Ideographic>", "</Phonetic>"};
    static const char *const copen[5] = {"<FamilyName>", "<GivenName>", "<MiddleName>",
                                         "<NamePrefix>", "<NameSuffix>"};
    static const char *const cclose[5] = {"</FamilyName>", "</GivenName>", "</MiddleName>",
                                          "</NamePrefix>", "</NameSuffix>"};
    open_numbered(w, "PersonName", index, false);
    for (int g = 0; g < 3; g++) {
        if (!groups[g].len)
            continue;
        dq_tw_puts(w, gopen[g]);
        const char *p = groups[g].ptr, *end = p + groups[g].len;
        for (int c = 0; c < 5; c++) {
            const char *caret = c < 4 ? memchr(p, '^', (size_t)(end - p)) : NULL;
            const char *ce = caret ? caret : end;
            if (ce > p) {
                dq_tw_puts(w, copen[c]);
                xml_text(w, p, (size_t)(ce - p), false);
                dq_tw_puts(w, cclose[c]);
            }
            if (!caret)
                break;
            p = caret + 1;
        }
        dq_tw_puts(w, gclose[g]);
    }
    dq_tw_puts(w, "</PersonName>");
}

static void x_binary(dq_tw *w, const uint8_t *p, size_t n)
{
    dq_tw_puts(w, "<InlineBinary>");
    dq_tw_base64(w, p, n);
    dq_tw_puts(w, "</InlineBinary>");
}

static void x_item_open(dq_tw *w, size_t index)
{
    open_numbered(w, "Item", index, false);
}

/* No .values: an attribute's values and items stand in it (PS3.19 A.1). */
static const dq_tw_ops xml_ops = {
    .element = {x_element_open, DQ_TW_TEXT("</DicomAttribute>")},
    .item = {x_item_open, DQ_TW_TEXT("</Item>")},
    .value = x_value,
    .person_name = x_person_name,
    .binary = x_binary,
};

int dq_xml_append(dq_buffer *out, const dq_dataset *ds, dq_text_stats *st, dq_error *err)
{
    return dq_tw_write(&xml_ops, "<NativeDicomModel xml:space=\"preserve\">", "</NativeDicomModel>",
                       out, ds, st, err);
}

int dq_xml_text_append(dq_buffer *out, const char *s, size_t n, bool attribute, dq_text_stats *st,
                       dq_error *err)
{
    return dq_tw_escape(xml_text, attribute, out, s, n, st, err);
}
