/* findscu --format: columns, cells and the format sink (findscu_format.h). */
#include "findscu_format.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dq/dict.h>
#include <dq/json.h>

/* ---- columns ----------------------------------------------------------------- */

int fs_column_name(const dq_keypath *kp, dq_buffer *out, dq_error *err)
{
    for (size_t i = 0; i < kp->n; i++) {
        const dq_keypath_step *s = &kp->step[i];
        const dq_dict_entry *de = dq_dict_find(s->tag);
        /* A repeating group's keyword names the whole (60xx,...) range. */
        bool keyword = de && de->mask == 0xFFFFFFFFu && de->keyword[0];
        char t[48];
        int w = keyword ? snprintf(t, sizeof t, "%s", i ? "." : "")
                        : snprintf(t, sizeof t, "%s(%04X,%04X)", i ? "." : "", DQ_TAG_GROUP(s->tag),
                                   DQ_TAG_ELEMENT(s->tag));
        if (dq_buffer_append(out, t, (size_t)w, err) ||
            (keyword && dq_buffer_append(out, de->keyword, strlen(de->keyword), err)))
            return -1;
        if (s->index >= 0) {
            w = snprintf(t, sizeof t, "[%ld]", s->index);
            if (dq_buffer_append(out, t, (size_t)w, err))
                return -1;
        }
    }
    return 0;
}

static bool same_path(const dq_keypath *a, const dq_keypath *b)
{
    if (a->n != b->n)
        return false;
    for (size_t i = 0; i < a->n; i++)
        if (a->step[i].tag != b->step[i].tag || a->step[i].index != b->step[i].index)
            return false;
    return true;
}

/* Names an element or an item, not a value a cell can hold? */
static bool names_sequence(const dq_keypath *kp)
{
    const dq_keypath_step *last = &kp->step[kp->n - 1];
    const dq_dict_entry *de = dq_dict_find(last->tag);
    return last->index >= 0 || (de && de->vr[0] == DQ_VR_CODE('S', 'Q'));
}

/* Adds kp unless already a column. */
static int add_column(fs_columns *c, const dq_keypath *kp, dq_error *err)
{
    for (size_t i = 0; i < c->n; i++)
        if (same_path(&c->col[i].path, kp))
            return 0;
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 16;
        fs_column *n = realloc(c->col, cap * sizeof *n);
        if (!n)
            return dq_fail(err, DQ_ERR_NOMEM, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG, "out of memory");
        c->col = n;
        c->cap = cap;
    }
    dq_buffer name;
    dq_buffer_init(&name);
    if (fs_column_name(kp, &name, err) || dq_buffer_append(&name, "", 1, err)) {
        dq_buffer_free(&name);
        return -1;
    }
    c->col[c->n].name = (char *)name.data;
    c->col[c->n].path = *kp;
    c->n++;
    return 0;
}

/* --columns: entries separated by ',' outside "(gggg,eeee)", spaces around
 * them ignored. */
static int columns_from_list(fs_columns *c, const char *list, dq_error *err)
{
    const char *p = list;
    for (;;) {
        const char *e = p;
        int depth = 0;
        while (*e && (*e != ',' || depth > 0)) {
            depth += *e == '(' ? 1 : *e == ')' ? -1 : 0;
            e++;
        }
        const char *a = p, *b = e;
        while (a < b && (*a == ' ' || *a == '\t'))
            a++;
        while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
            b--;
        char entry[512];
        snprintf(entry, sizeof entry, "%.*s", (int)(b - a), a);
        dq_keypath kp;
        if (a == b)
            return dq_fail(err, DQ_ERR_ARGUMENT, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
                           "Invalid --columns '%s': an empty column name", list);
        if (dq_keypath_parse(entry, &kp, err)) {
            dq_error_prefix(err, "Invalid column '%s' in --columns", entry);
            return -1;
        }
        if (names_sequence(&kp))
            return dq_fail(err, DQ_ERR_ARGUMENT, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
                           "Invalid column '%s' in --columns: a sequence's values are columns "
                           "of their own, as Sequence[i].Keyword",
                           entry);
        if (add_column(c, &kp, err))
            return -1;
        if (!*e)
            return 0;
        p = e + 1;
    }
}

/* The elements of ds (an -f file's query) in order, items as Seq[i].; kp
 * holds the path of ds itself. */
static int columns_from_dataset(fs_columns *c, const dq_dataset *ds, dq_keypath *kp, dq_error *err)
{
    if (kp->n + 1 >= DQ_KEYPATH_MAX_STEPS)
        return 0;
    for (size_t i = 0; i < dq_dataset_count(ds); i++) {
        const dq_element *el = dq_dataset_at(ds, i);
        kp->step[kp->n] = (dq_keypath_step){.tag = dq_element_tag(el), .index = -1};
        kp->n++;
        int rc = 0;
        if (dq_element_vr(el) != DQ_VR_CODE('S', 'Q')) {
            rc = add_column(c, kp, err);
        } else {
            for (size_t k = 0; rc == 0 && k < dq_element_item_count(el); k++) {
                kp->step[kp->n - 1].index = (long)k;
                rc = columns_from_dataset(c, dq_element_item(el, k), kp, err);
            }
        }
        kp->n--;
        if (rc)
            return -1;
    }
    return 0;
}

int fs_columns_build(fs_columns *c, const fs_options *o, const dq_dataset *identifier,
                     dq_error *err)
{
    memset(c, 0, sizeof *c);
    if (o->columns)
        return columns_from_list(c, o->columns, err);
    for (size_t i = 0; i < o->n_keywords; i++) {
        const char *k = o->keywords[i], *eq = strchr(k, '=');
        char path[512];
        snprintf(path, sizeof path, "%.*s", (int)(eq ? (size_t)(eq - k) : strlen(k)), k);
        dq_keypath kp;
        /* The identifier was built from these keys: they parse. */
        if (dq_keypath_parse(path, &kp, NULL) == 0 && !names_sequence(&kp) &&
            add_column(c, &kp, err))
            return -1;
    }
    if (o->file && identifier) {
        dq_keypath kp = {.n = 0};
        return columns_from_dataset(c, identifier, &kp, err);
    }
    return 0;
}

void fs_columns_free(fs_columns *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->col[i].name);
    free(c->col);
    memset(c, 0, sizeof *c);
}

/* ---- cells ---------------------------------------------------------------------- */

#define VR_SQ DQ_VR_CODE('S', 'Q')

/* The Specific Character Set in effect for el: its data set's, else the
 * nearest enclosing one's (PS3.5 6.1.2.5); "" when none. */
static void charset_of(const dq_element *el, char *buf, size_t cap)
{
    buf[0] = '\0';
    for (const dq_dataset *ds = dq_element_dataset(el); ds;) {
        const dq_element *cs = dq_dataset_find(ds, DQ_TAG(0x0008, 0x0005));
        if (cs) {
            size_t n;
            const uint8_t *v = dq_element_value(cs, &n);
            while (n && (v[n - 1] == ' ' || v[n - 1] == '\0'))
                n--;
            snprintf(buf, cap, "%.*s", (int)n, (const char *)v);
            return;
        }
        const dq_element *parent = dq_dataset_parent(ds);
        ds = parent ? dq_element_dataset(parent) : NULL;
    }
}

/* Appends the decoder's output for a run of bytes without '\\': so every
 * "\xNN" in it is the library marking an undecodable byte, which becomes
 * U+FFFD here and is counted. */
static int put_unescaped(dq_buffer *out, const dq_buffer *dec, fs_format_stats *st, dq_error *err)
{
    const uint8_t *p = dec->data, *end = dec->data + dec->len;
    while (p < end) {
        const uint8_t *bs = memchr(p, '\\', (size_t)(end - p));
        if (!bs)
            return dq_buffer_append(out, p, (size_t)(end - p), err);
        if (dq_buffer_append(out, p, (size_t)(bs - p), err))
            return -1;
        if (end - bs >= 4 && bs[1] == 'x') {
            if (dq_buffer_append(out, "\xEF\xBF\xBD", 3, err))
                return -1;
            st->replaced_bytes++;
            p = bs + 4;
        } else {
            if (dq_buffer_append(out, bs, 1, err))
                return -1;
            p = bs + 1;
        }
    }
    return 0;
}

/* One text value (padding trimmed) to UTF-8 in charset cs. A value holds a
 * '\\' only in the single-valued VRs (LT ST UT); it is copied as is and the
 * runs between are decoded (a '\\' is also an ISO 2022 reset point). */
static int put_text(dq_buffer *out, const char *cs, dq_str v, dq_buffer *scratch,
                    fs_format_stats *st, dq_error *err)
{
    const char *p = v.ptr, *end = v.ptr + v.len;
    for (;;) {
        const char *bs = memchr(p, '\\', (size_t)(end - p));
        const char *run_end = bs ? bs : end;
        dq_buffer_reset(scratch);
        /* -1 here is an unknown term: the text is still there as ISO 8859-1. */
        dq_charset_to_utf8(cs, p, (size_t)(run_end - p), scratch, NULL);
        if (put_unescaped(out, scratch, st, err))
            return -1;
        if (!bs)
            return 0;
        if (dq_buffer_append(out, "\\", 1, err))
            return -1;
        p = bs + 1;
    }
}

/* Shortest decimal that reads back as the same double (or float). */
static int put_real(dq_buffer *out, double d, bool single, dq_error *err)
{
    char t[40];
    int w = 0;
    for (int prec = 1; prec <= 17; prec++) {
        w = snprintf(t, sizeof t, "%.*g", prec, d);
        double back = strtod(t, NULL);
        if (single ? (float)back == (float)d : back == d)
            break;
    }
    return dq_buffer_append(out, t, (size_t)w, err);
}

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Bytes as base64 (RFC 4648), as DICOM JSON's InlineBinary. */
static int put_base64(dq_buffer *out, const uint8_t *v, size_t n, dq_error *err)
{
    if (dq_buffer_reserve(out, (n + 2) / 3 * 4, err))
        return -1;
    uint8_t *o = out->data + out->len;
    size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t x = (uint32_t)v[i] << 16 | (uint32_t)v[i + 1] << 8 | v[i + 2];
        *o++ = (uint8_t)B64[x >> 18];
        *o++ = (uint8_t)B64[x >> 12 & 63];
        *o++ = (uint8_t)B64[x >> 6 & 63];
        *o++ = (uint8_t)B64[x & 63];
    }
    if (i < n) {
        uint32_t x = (uint32_t)v[i] << 16 | (i + 1 < n ? (uint32_t)v[i + 1] << 8 : 0);
        *o++ = (uint8_t)B64[x >> 18];
        *o++ = (uint8_t)B64[x >> 12 & 63];
        *o++ = i + 1 < n ? (uint8_t)B64[x >> 6 & 63] : '=';
        *o++ = '=';
    }
    out->len = (size_t)(o - out->data);
    return 0;
}

/* Binary number value i: integers in decimal, FL/FD shortest round trip,
 * AT as 8 hex digits (DICOM JSON's form). */
static int put_number(dq_buffer *out, const dq_element *el, const dq_vr_info *vi, size_t i,
                      dq_error *err)
{
    char t[32];
    int w;
    if (vi->vr == DQ_VR_CODE('A', 'T')) {
        uint32_t tag = 0;
        dq_element_attribute_tag(el, i, &tag, NULL);
        w = snprintf(t, sizeof t, "%08X", tag);
    } else if (vi->vr == DQ_VR_CODE('F', 'L') || vi->vr == DQ_VR_CODE('F', 'D')) {
        double d = 0;
        dq_element_double(el, i, &d, NULL);
        return put_real(out, d, vi->vr == DQ_VR_CODE('F', 'L'), err);
    } else {
        int64_t x = 0;
        if (dq_element_int(el, i, &x, NULL) == 0) {
            w = snprintf(t, sizeof t, "%lld", (long long)x);
        } else {
            /* UV above INT64_MAX: the 8 little-endian bytes as they are. */
            size_t n;
            const uint8_t *v = dq_element_value(el, &n);
            uint64_t u = 0;
            for (size_t k = 0; k < 8 && (i + 1) * 8 <= n; k++)
                u |= (uint64_t)v[i * 8 + k] << (8 * k);
            w = snprintf(t, sizeof t, "%llu", (unsigned long long)u);
        }
    }
    return dq_buffer_append(out, t, (size_t)w, err);
}

int fs_cell_text(const dq_element *el, dq_buffer *out, dq_buffer *scratch, fs_format_stats *st,
                 dq_error *err)
{
    if (!el)
        return 0;
    const dq_vr_info *vi = dq_vr_info_get(dq_element_vr(el));
    size_t len, vm = dq_element_vm(el);
    const uint8_t *v = dq_element_value(el, &len);
    if (!vi || vi->vr_class == DQ_VR_CLASS_SEQUENCE || vm == 0)
        return 0;
    if (vi->vr_class == DQ_VR_CLASS_BYTES)
        return put_base64(out, v, len, err);
    char cs[256] = "";
    if (vi->vr_class == DQ_VR_CLASS_TEXT && vi->uses_charset)
        charset_of(el, cs, sizeof cs);
    for (size_t i = 0; i < vm; i++) {
        if (i && dq_buffer_append(out, "\\", 1, err))
            return -1;
        if (vi->vr_class == DQ_VR_CLASS_NUMBER) {
            if (put_number(out, el, vi, i, err))
                return -1;
            continue;
        }
        dq_str s;
        if (dq_element_string(el, i, &s, NULL))
            break;
        /* The other text VRs are ISO 8859-1 whatever the set (as pydicom). */
        size_t start = out->len;
        if (put_text(out, cs, s, scratch, st, err))
            return -1;
        /* A PN's empty trailing groups ("Wang^XiaoDong=王^小東="): the same
         * name (PS3.5 6.2.1), shown without them as pydicom shows it. */
        while (vi->vr == DQ_VR_CODE('P', 'N') && out->len > start && out->data[out->len - 1] == '=')
            out->len--;
    }
    return 0;
}

int fs_csv_cell(dq_buffer *out, const uint8_t *s, size_t n, fs_format fmt, dq_error *err)
{
    if (fmt == FS_FORMAT_TSV) {
        if (dq_buffer_reserve(out, 2 * n, err))
            return -1;
        uint8_t *o = out->data + out->len;
        for (size_t i = 0; i < n; i++) {
            uint8_t c = s[i];
            char e = c == '\\' ? '\\' : c == '\t' ? 't' : c == '\n' ? 'n' : c == '\r' ? 'r' : 0;
            if (e) {
                *o++ = '\\';
                *o++ = (uint8_t)e;
            } else {
                *o++ = c;
            }
        }
        out->len = (size_t)(o - out->data);
        return 0;
    }
    bool quote = false;
    for (size_t i = 0; i < n && !quote; i++)
        quote = s[i] == '"' || s[i] == ',' || s[i] == '\r' || s[i] == '\n';
    if (!quote)
        return dq_buffer_append(out, s, n, err);
    if (dq_buffer_reserve(out, 2 * n + 2, err))
        return -1;
    uint8_t *o = out->data + out->len;
    *o++ = '"';
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"')
            *o++ = '"';
        *o++ = s[i];
    }
    *o++ = '"';
    out->len = (size_t)(o - out->data);
    return 0;
}

/* ---- the sink ---------------------------------------------------------------------- */

static int put_text_of(dq_buffer *out, const char *s, dq_error *err)
{
    return dq_buffer_append(out, s, strlen(s), err);
}

typedef struct format_state {
    fs_out *out;
    fs_columns columns; /* rec.columns points here */
    fs_records rec;
} format_state;

void fs_records_init(fs_records *r, fs_format fmt, const fs_columns *columns, bool batch)
{
    memset(r, 0, sizeof *r);
    r->fmt = fmt;
    r->columns = columns;
    r->batch = batch;
    dq_buffer_init(&r->cell);
    dq_buffer_init(&r->scratch);
}

void fs_records_free(fs_records *r)
{
    dq_buffer_free(&r->cell);
    dq_buffer_free(&r->scratch);
}

/* The end of a CSV/TSV line: RFC 4180 ends CSV lines with CRLF; TSV lines
 * end with LF. */
int fs_records_eol(fs_format fmt, dq_buffer *out, dq_error *err)
{
    return fmt == FS_FORMAT_TSV ? dq_buffer_append(out, "\n", 1, err)
                                : dq_buffer_append(out, "\r\n", 2, err);
}

/* Row numbers in decimal without snprintf (one per batch record). */
static int put_size(dq_buffer *out, size_t n, dq_error *err)
{
    char t[24], *p = t + sizeof t;
    do {
        *--p = (char)('0' + n % 10);
        n /= 10;
    } while (n);
    return dq_buffer_append(out, p, (size_t)(t + sizeof t - p), err);
}

/* One CSV/TSV line: the header (ds NULL) or a record's cells; in a batch
 * the row's number first and the empty _status, _error cells last. */
static int put_row(fs_records *r, dq_buffer *out, size_t row, const dq_dataset *ds, dq_error *err)
{
    char sep = r->fmt == FS_FORMAT_TSV ? '\t' : ',';
    if (r->batch && (ds ? put_size(out, row, err) : put_text_of(out, "_row", err)))
        return -1;
    for (size_t i = 0; i < r->columns->n; i++) {
        const fs_column *c = &r->columns->col[i];
        dq_buffer_reset(&r->cell);
        if ((i || r->batch) && dq_buffer_append(out, &sep, 1, err))
            return -1;
        if (ds) {
            if (fs_cell_text(dq_keypath_find(ds, &c->path), &r->cell, &r->scratch, &r->stats, err))
                return -1;
        } else if (dq_buffer_append(&r->cell, c->name, strlen(c->name), err)) {
            return -1;
        }
        if (fs_csv_cell(out, r->cell.data, r->cell.len, r->fmt, err))
            return -1;
    }
    if (r->batch) {
        const char *tail = r->fmt == FS_FORMAT_TSV ? "\t\t" : ",,";
        if (put_text_of(out,
                        ds                        ? tail
                        : r->fmt == FS_FORMAT_TSV ? "\t_status\t_error"
                                                  : ",_status,_error",
                        err))
            return -1;
    }
    return fs_records_eol(r->fmt, out, err);
}

int fs_records_text(fs_records *r, dq_buffer *out, const char *s, size_t n, dq_error *err)
{
    return put_text(out, "ISO_IR 192", (dq_str){.ptr = s, .len = n}, &r->scratch, &r->stats, err);
}

int fs_records_header(fs_records *r, dq_buffer *out, dq_error *err)
{
    return put_row(r, out, 0, NULL, err);
}

/* "{" or, in a batch, "{"_row":N" and the members: the row number is the
 * first member at the cost of a few bytes, the data set is not rewritten. */
static int put_json(fs_records *r, dq_buffer *out, size_t row, const dq_dataset *ds,
                    dq_text_stats *ts, dq_error *err)
{
    if (!r->batch)
        return dq_json_append(out, ds, ts, err);
    if (put_text_of(out, "{\"_row\":", err) || put_size(out, row, err) ||
        dq_json_append_members(out, ds, ts, err))
        return -1;
    return dq_buffer_append(out, "}", 1, err);
}

int fs_records_put(fs_records *r, dq_buffer *out, size_t row, const dq_dataset *ds, dq_error *err)
{
    size_t before = out->len;
    dq_text_stats ts = {0};
    int rc;
    switch (r->fmt) {
    case FS_FORMAT_JSON: rc = put_json(r, out, row, ds, &ts, err); break;
    case FS_FORMAT_NDJSON:
        rc = put_json(r, out, row, ds, &ts, err);
        if (rc == 0)
            rc = dq_buffer_append(out, "\n", 1, err);
        break;
    case FS_FORMAT_XML:
        rc = dq_xml_append(out, ds, &ts, err);
        if (rc == 0)
            rc = dq_buffer_append(out, "\n", 1, err);
        break;
    default: rc = put_row(r, out, row, ds, err); break;
    }
    r->stats.replaced_bytes += ts.replaced_bytes;
    r->stats.bad_numbers += ts.bad_numbers;
    if (rc == 0)
        r->stats.records++;
    else
        out->len = before; /* no half record in the document */
    return rc;
}

static int format_response(fs_sink *s, const fs_query_info *info, const dq_find_response *rsp,
                           dq_error *err)
{
    (void)info;
    format_state *fs = s->state;
    if (!rsp->pending || !rsp->identifier || rsp->identifier_error || fs_out_error(fs->out))
        return 0;
    dq_buffer *out = fs_out_buffer(fs->out);
    size_t before = out->len;
    /* The array stays open while matches arrive. */
    bool first = fs->rec.stats.records == 0;
    int rc = 0;
    if (fs->rec.fmt == FS_FORMAT_JSON)
        rc = dq_buffer_append(out, first ? "\n" : ",\n", first ? 1 : 2, err);
    if (rc == 0)
        rc = fs_records_put(&fs->rec, out, 0, rsp->identifier, err);
    if (rc != 0)
        out->len = before;
    fs_out_record_done(fs->out, fs->rec.fmt == FS_FORMAT_NDJSON);
    return rc;
}

static void format_destroy(fs_sink *s)
{
    if (!s)
        return;
    format_state *fs = s->state;
    if (fs) {
        fs_columns_free(&fs->columns);
        fs_records_free(&fs->rec);
        free(fs);
    }
    free(s);
}

fs_sink *fs_sink_format_new(fs_format fmt, fs_out *out, fs_columns *columns, dq_error *err)
{
    fs_sink *s = calloc(1, sizeof *s);
    format_state *fs = calloc(1, sizeof *fs);
    if (!s || !fs) {
        free(s);
        free(fs);
        dq_fail(err, DQ_ERR_NOMEM, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG, "out of memory");
        return NULL;
    }
    fs->out = out;
    if (columns) {
        fs->columns = *columns;
        memset(columns, 0, sizeof *columns);
    }
    fs_records_init(&fs->rec, fmt, &fs->columns, false);
    s->name = "format";
    s->response = format_response;
    s->destroy = format_destroy;
    s->state = fs;
    /* The document's start now: a run that fails before any match still
     * leaves a valid document. */
    int rc = 0;
    if (fmt == FS_FORMAT_CSV || fmt == FS_FORMAT_TSV)
        rc = fs_records_header(&fs->rec, fs_out_buffer(out), err);
    else if (fmt == FS_FORMAT_JSON)
        rc = dq_buffer_append(fs_out_buffer(out), "[", 1, err);
    else if (fmt == FS_FORMAT_XML)
        rc = put_text_of(fs_out_buffer(out), DQ_XML_DECLARATION "<" DQ_XML_WRAPPER ">\n", err);
    if (rc != 0) {
        format_destroy(s);
        return NULL;
    }
    fs_out_record_done(out, false);
    return s;
}

int fs_sink_format_finish(fs_sink *s, dq_error *err)
{
    format_state *fs = s->state;
    dq_buffer *out = fs_out_buffer(fs->out);
    int rc = 0;
    if (fs->rec.fmt == FS_FORMAT_JSON)
        rc = put_text_of(out, fs->rec.stats.records ? "\n]\n" : "]\n", err);
    else if (fs->rec.fmt == FS_FORMAT_XML)
        rc = put_text_of(out, "</" DQ_XML_WRAPPER ">\n", err);
    if (rc == 0)
        fs_out_record_done(fs->out, true);
    return rc;
}

int fs_sink_format_error(const fs_sink *s)
{
    const format_state *fs = s->state;
    return fs_out_error(fs->out);
}

const fs_format_stats *fs_sink_format_stats(const fs_sink *s)
{
    const format_state *fs = s->state;
    return &fs->rec.stats;
}
