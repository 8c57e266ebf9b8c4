/* The value walk shared by the DICOM JSON (json.c) and Native DICOM Model
 * (xml.c) writers: textout_impl.h says what it hands a writer. Both models
 * describe the same things (PS3.18 F.2, PS3.19 A.1): per element its tag and
 * VR, then its values (text decoded to UTF-8 with the Specific Character Set,
 * numbers, person names split into groups, attribute tags), its items, or
 * its bytes. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "textout_impl.h"

#define V(a, b) DQ_VR_CODE(a, b)

void dq_tw_put_slow(dq_tw *w, const void *p, size_t n)
{
    if (!w->failed && dq_buffer_append(w->out, p, n, NULL))
        w->failed = true;
}

void dq_tw_base64(dq_tw *w, const uint8_t *p, size_t n)
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t need = (n + 2) / 3 * 4;
    if (w->failed || dq_buffer_reserve(w->out, need, NULL)) {
        w->failed = true;
        return;
    }
    char *o = (char *)w->out->data + w->out->len;
    size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
        *o++ = b64[v >> 18];
        *o++ = b64[(v >> 12) & 63];
        *o++ = b64[(v >> 6) & 63];
        *o++ = b64[v & 63];
    }
    if (i < n) {
        uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0);
        *o++ = b64[v >> 18];
        *o++ = b64[(v >> 12) & 63];
        *o++ = i + 1 < n ? b64[(v >> 6) & 63] : '=';
        *o++ = '=';
    }
    w->out->len += need;
}

/* "00".."FF": a byte's two uppercase hex digits at once. */
#define HEX_ROW(h)                                                                            \
    {h, '0'}, {h, '1'}, {h, '2'}, {h, '3'}, {h, '4'}, {h, '5'}, {h, '6'}, {h, '7'}, {h, '8'}, \
        {h, '9'}, {h, 'A'}, {h, 'B'}, {h, 'C'}, {h, 'D'}, {h, 'E'},                           \
    {                                                                                         \
        h, 'F'                                                                                \
    }
const char dq_tw_hex_pairs[256][2] = {HEX_ROW('0'), HEX_ROW('1'), HEX_ROW('2'), HEX_ROW('3'),
                                      HEX_ROW('4'), HEX_ROW('5'), HEX_ROW('6'), HEX_ROW('7'),
                                      HEX_ROW('8'), HEX_ROW('9'), HEX_ROW('A'), HEX_ROW('B'),
                                      HEX_ROW('C'), HEX_ROW('D'), HEX_ROW('E'), HEX_ROW('F')};
#undef HEX_ROW

void dq_tw_size(dq_tw *w, size_t v)
{
    char t[24];
    size_t i = sizeof t;
    do
        t[--i] = (char)('0' + v % 10);
    while (v /= 10);
    dq_tw_put(w, t + i, sizeof t - i);
}

const char *dq_tw_keyword(uint32_t tag)
{
    if (DQ_TAG_GROUP(tag) & 1)
        return "";
    const dq_dict_entry *de = dq_dict_find(tag);
    return de ? de->keyword : "";
}

/* ---- text ---------------------------------------------------------------- */

/* The value's bytes as UTF-8: the bytes themselves when they are ASCII with
 * no ISO 2022 escape (nearly always), else converted into w->scratch with the
 * character set in effect (cs; the non-charset VRs are ISO 8859-1, as
 * pydicom reads them). */
static dq_str utf8_of(dq_tw *w, const char *cs, bool uses_charset, const uint8_t *p, size_t n)
{
    size_t i = 0;
    /* Eight bytes at a time: no high bit, no ESC (the test for a zero byte
     * in x ^ 0x1B.. is the usual (x - 0x01..) & ~x & 0x80.. one). */
    for (uint64_t x; i + 8 <= n; i += 8) {
        memcpy(&x, p + i, 8);
        uint64_t e = x ^ 0x1B1B1B1B1B1B1B1Bull;
        if ((x | ((e - 0x0101010101010101ull) & ~e)) & 0x8080808080808080ull)
            break;
    }
    while (i < n && p[i] < 0x80 && p[i] != 0x1B)
        i++;
    if (i == n)
        return (dq_str){(const char *)p, n};
    dq_buffer_reset(&w->scratch);
    dq_error e;
    dq_error_clear(&e);
    /* An unknown term is converted as ISO 8859-1 and reported; only running
     * out of memory stops the walk. */
    if (dq_charset_to_utf8_repl(uses_charset ? cs : "", (const char *)p, n, &w->scratch,
                                &w->st->replaced_bytes, &e) &&
        e.kind == DQ_ERR_NOMEM)
        w->failed = true;
    return (dq_str){w->scratch.data ? (const char *)w->scratch.data : "", w->scratch.len};
}

/* Opens the values of an element; false when the writer has no opener
 * (XML: values stand in the element directly), and then element.close, not
 * values.close, ends the element. */
static bool open_values(dq_tw *w)
{
    const dq_tw_text *open = &w->ops->values.open;
    if (!open->n)
        return false;
    dq_tw_text_put(w, open);
    return true;
}

static bool is_pad(char c)
{
    return c == ' ' || c == '\0';
}

/* One value of a text element trimmed as dq_element_string trims it:
 * trailing spaces and NULs, leading spaces too unless they are significant
 * (LT ST UT, PS3.5 6.2). */
static dq_str trim(dq_str s, bool keep_leading)
{
    while (s.len && is_pad(s.ptr[s.len - 1]))
        s.len--;
    if (!keep_leading)
        while (s.len && s.ptr[0] == ' ') {
            s.ptr++;
            s.len--;
        }
    return s;
}

static bool all_digits(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] < '0' || p[i] > '9')
            return false;
    return n > 0;
}

/* A DS or IS value (PS3.5 6.2: [+-] digits, DS also a fraction and an
 * exponent) rewritten in JSON's number syntax (RFC 8259 6: no '+', no
 * leading zeros, digits on both sides of '.') into buf; 0 when it is not
 * one. The decimal digits are kept, so nothing is lost. */
static size_t json_number(const char *p, size_t n, bool integer, char *buf, size_t cap)
{
    size_t i = 0, o = 0;
    bool neg = n && p[0] == '-';
    if (n && (p[0] == '+' || p[0] == '-'))
        i++;
    size_t ib = i;
    while (i < n && p[i] >= '0' && p[i] <= '9')
        i++;
    size_t ie = i, fb = i, fe = i;
    if (!integer && i < n && p[i] == '.') {
        fb = ++i;
        while (i < n && p[i] >= '0' && p[i] <= '9')
            i++;
        fe = i;
    }
    if (ie == ib && fe == fb)
        return 0; /* no digits */
    size_t eb = n;
    if (!integer && i < n && (p[i] == 'e' || p[i] == 'E')) {
        eb = ++i;
        if (i < n && (p[i] == '+' || p[i] == '-'))
            i++;
        if (!all_digits(p + i, n - i))
            return 0;
        i = n;
    }
    if (i != n || n + 3 > cap)
        return 0;
    if (neg)
        buf[o++] = '-';
    while (ib + 1 < ie && p[ib] == '0')
        ib++;
    if (ib == ie)
        buf[o++] = '0';
    memcpy(buf + o, p + ib, ie - ib);
    o += ie - ib;
    if (fe > fb) {
        buf[o++] = '.';
        memcpy(buf + o, p + fb, fe - fb);
        o += fe - fb;
    }
    if (eb < n) {
        buf[o++] = 'e';
        memcpy(buf + o, p + eb, n - eb);
        o += n - eb;
    }
    return o;
}

/* A PN value split at '=' into its three groups (a fourth '=' and what
 * follows stay in the phonetic group). */
static void pn_value(dq_tw *w, size_t index, dq_str v)
{
    dq_str g[3] = {{"", 0}, {"", 0}, {"", 0}};
    const char *p = v.ptr, *end = v.ptr + v.len;
    for (int k = 0; k < 3; k++) {
        const char *eq = k < 2 ? memchr(p, '=', (size_t)(end - p)) : NULL;
        g[k] = (dq_str){p, (size_t)((eq ? eq : end) - p)};
        if (!eq)
            break;
        p = eq + 1;
    }
    w->ops->person_name(w, index, g);
}

static void text_value(dq_tw *w, const dq_element *el, size_t index, dq_str v)
{
    char num[72];
    if (v.len == 0) {
        w->ops->value(w, index, DQ_TW_NULL, "", 0);
    } else if (el->vr == V('P', 'N')) {
        pn_value(w, index, v);
    } else if (el->vr == V('D', 'S') || el->vr == V('I', 'S')) {
        size_t n = json_number(v.ptr, v.len, el->vr == V('I', 'S'), num, sizeof num);
        if (n) {
            w->ops->value(w, index, DQ_TW_NUMBER, num, n);
        } else {
            w->st->bad_numbers++;
            w->ops->value(w, index, DQ_TW_STRING, v.ptr, v.len);
        }
    } else {
        w->ops->value(w, index, DQ_TW_STRING, v.ptr, v.len);
    }
}

/* A text element: decoded once as a whole (so a multi-byte character whose
 * second byte is 0x5C is not split), then split at '\' (PS3.5 6.4; LT ST UT
 * UR are one value), each value trimmed. Returns open_values' answer, false
 * when there is no value. */
static bool text_values(dq_tw *w, const dq_element *el, const dq_vr_info *vi, const char *cs)
{
    dq_str all = utf8_of(w, cs, vi->uses_charset, el->value, el->len);
    bool single = vi->single_valued, keep_leading = vi->leading_spaces;
    all = trim(all, true);
    if (!keep_leading && trim(all, false).len == 0)
        all.len = 0;
    if (all.len == 0 || w->failed)
        return false; /* only padding: empty, as pydicom reads it */
    bool wrapped = open_values(w);
    const char *p = all.ptr, *end = all.ptr + all.len;
    for (size_t index = 0; !w->failed; index++) {
        const char *bs = single ? NULL : memchr(p, '\\', (size_t)(end - p));
        dq_str v = trim((dq_str){p, (size_t)((bs ? bs : end) - p)}, keep_leading);
        text_value(w, el, index, v);
        if (!bs)
            break;
        p = bs + 1;
    }
    return wrapped;
}

/* ---- binary numbers -------------------------------------------------------- */

/* The shortest of %.{lo..hi}g that reads back as d (as float when single). */
static size_t float_text(double d, bool single, char *buf, size_t cap)
{
    int lo = single ? 6 : 15, hi = single ? 9 : 17;
    for (int prec = lo; prec <= hi; prec++) {
        int n = snprintf(buf, cap, "%.*g", prec, d);
        if (prec == hi || (single ? strtof(buf, NULL) == (float)d : strtod(buf, NULL) == d))
            return (size_t)n;
    }
    return 0;
}

static void number_value(dq_tw *w, const dq_element *el, size_t index)
{
    char tmp[48];
    size_t n;
    dq_tw_kind kind = DQ_TW_NUMBER;
    dq_vr vr = el->vr;
    if (vr == V('F', 'L') || vr == V('F', 'D')) {
        double d = 0;
        dq_element_double(el, index, &d, NULL);
        if (isfinite(d)) {
            n = float_text(d, vr == V('F', 'L'), tmp, sizeof tmp);
        } else {
            /* JSON has no NaN or infinity: the names JavaScript gives them. */
            kind = DQ_TW_STRING;
            n = (size_t)snprintf(tmp, sizeof tmp, "%s",
                                 isnan(d) ? "NaN"
                                 : d < 0  ? "-Infinity"
                                          : "Infinity");
        }
    } else if (vr == V('A', 'T')) {
        uint32_t t = 0;
        dq_element_attribute_tag(el, index, &t, NULL);
        kind = DQ_TW_STRING;
        n = (size_t)snprintf(tmp, sizeof tmp, "%08X", (unsigned)t);
    } else if (vr == V('U', 'V')) {
        const uint8_t *p = el->value + index * 8;
        unsigned long long u = 0;
        for (int b = 7; b >= 0; b--)
            u = u << 8 | p[b];
        n = (size_t)snprintf(tmp, sizeof tmp, "%llu", u);
    } else {
        int64_t v = 0;
        dq_element_int(el, index, &v, NULL);
        n = (size_t)snprintf(tmp, sizeof tmp, "%lld", (long long)v);
    }
    w->ops->value(w, index, kind, tmp, n);
}

/* ---- elements and data sets --------------------------------------------- */

static void walk_ds(dq_tw *w, const dq_dataset *ds);

static void walk_element(dq_tw *w, const dq_element *el, const char *cs)
{
    const dq_vr_info *vi = dq_vr_props(el->vr);
    const dq_tw_ops *ops = w->ops;
    bool wrapped = false; /* values opened: values.close ends them and the element */
    ops->element.open(w, el, vi ? vi->code : "UN");
    if (vi && vi->vr_class == DQ_VR_CLASS_SEQUENCE) {
        if (el->nitems)
            wrapped = open_values(w);
        for (size_t k = 0; k < el->nitems && !w->failed; k++) {
            ops->item.open(w, k);
            walk_ds(w, el->items[k]);
            dq_tw_text_put(w, &ops->item.close);
        }
    } else if (el->len == 0) {
        /* empty: no value at all (PS3.18 F.2.5) */
    } else if (!vi || vi->vr_class == DQ_VR_CLASS_BYTES || el->undefined_length) {
        ops->binary(w, el->value, el->len);
    } else if (vi->vr_class == DQ_VR_CLASS_NUMBER) {
        size_t vm = vi->value_size ? el->len / vi->value_size : 0;
        if (vm)
            wrapped = open_values(w);
        for (size_t i = 0; i < vm && !w->failed; i++)
            number_value(w, el, i);
    } else {
        wrapped = text_values(w, el, vi, cs);
    }
    dq_tw_text_put(w, wrapped ? &ops->values.close : &ops->element.close);
}

/* The Specific Character Set in effect for ds, NUL-terminated as
 * dq_charset_to_utf8 takes it. */
static void charset_of(const dq_dataset *ds, char cs[256])
{
    dq_str c = dq_ds_charset(ds);
    size_t cl = c.len < 255 ? c.len : 255;
    if (cl)
        memcpy(cs, c.ptr, cl);
    cs[cl] = 0;
}

static void walk_ds(dq_tw *w, const dq_dataset *ds)
{
    char cs[256];
    charset_of(ds, cs);
    /* PS3.18 F.2.2: "Group Length (gggg,0000) attributes shall not be
     * included" (DCMTK leaves them out of its XML too). */
    for (size_t i = 0; i < ds->n && !w->failed; i++)
        if (DQ_TAG_ELEMENT(ds->elems[i]->tag) != 0x0000)
            walk_element(w, ds->elems[i], cs);
}

int dq_tw_write(const dq_tw_ops *ops, const char *open, const char *close, dq_buffer *out,
                const dq_dataset *ds, dq_text_stats *st, dq_error *err)
{
    dq_tw w = {.ops = ops, .out = out, .err = err};
    w.st = st ? st : &w.own;
    dq_buffer_init(&w.scratch);
    dq_tw_puts(&w, open);
    walk_ds(&w, ds);
    dq_tw_puts(&w, close);
    dq_buffer_free(&w.scratch);
    if (w.failed)
        return dq_fail(err, DQ_ERR_NOMEM, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
                       "out of memory writing a data set as text");
    return 0;
}

int dq_tw_escape(void (*put)(dq_tw *w, const char *s, size_t n, bool flag), bool flag,
                 dq_buffer *out, const char *s, size_t n, dq_text_stats *st, dq_error *err)
{
    dq_tw w = {.out = out, .err = err};
    w.st = st ? st : &w.own;
    /* The writers' memcpy fast path needs memory behind out->data. */
    if (dq_buffer_reserve(out, n + 2, err))
        return -1;
    put(&w, s, n, flag);
    if (w.failed)
        return dq_fail(err, DQ_ERR_NOMEM, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
                       "out of memory writing text");
    return 0;
}

bool dq_tw_private_creator(dq_tw *w, const dq_element *el, dq_str *out)
{
    uint16_t g = DQ_TAG_GROUP(el->tag), e = DQ_TAG_ELEMENT(el->tag);
    if (!(g & 1) || g < 0x0009 || e < 0x1000)
        return false;
    const dq_element *cr = dq_dataset_find(el->owner, DQ_TAG(g, e >> 8));
    if (!cr || !cr->len || !(dq_vr_is_text(cr->vr) || cr->vr == V('U', 'N')))
        return false;
    char cs[256];
    charset_of(el->owner, cs);
    *out = trim(utf8_of(w, cs, true, cr->value, cr->len), false);
    return !w->failed;
}
