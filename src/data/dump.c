/* The data set dump in pynetdicom's layout (pretty_dataset/pretty_element),
 * so findscu's log lines match pynetdicom's byte for byte:
 *   "(gggg,eeee) VR " + value left-aligned in 40 characters + " # VM keyword"
 * Values are rendered as pydicom's str() renders them: text trimmed, numbers
 * in decimal, floats like Python's repr, tags as "(gggg, eeee)", UN as a
 * Python bytes literal; OB/OD/OF/OL/OW/OV of up to 13 bytes as hex bytes and
 * longer ones as "(N bytes of binary data)". pynetdicom indents items but not
 * the SQ line itself, and so do we.
 * The second layout, DQ_DUMP_TREE (dicomdump's default), is an indented tree
 * in the manner of DCMTK's dcmdump with long values cut; it reuses the value
 * rendering above and lives at the end of this file. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dataset_impl.h"

#define V(a, b) DQ_VR_CODE(a, b)
#define INDENT "  "

typedef struct out {
    dq_buffer line;
    dq_dump_line_fn fn;
    void *ctx;
    dq_error *err;
    int failed;
} dout;

static void add(dout *o, const void *p, size_t n)
{
    if (dq_buffer_append(&o->line, p, n, o->err))
        o->failed = 1;
}
static void adds(dout *o, const char *s)
{
    add(o, s, strlen(s));
}

/* Python's repr() of a float: the shortest digits that read back exactly,
 * scientific notation when the exponent is < -4 or >= 16, else positional
 * with at least one decimal ("1.0"). */
static void py_float(dout *o, double d)
{
    char buf[64];
    if (isnan(d)) {
        adds(o, "nan");
        return;
    }
    if (isinf(d)) {
        adds(o, d < 0 ? "-inf" : "inf");
        return;
    }
    int prec;
    for (prec = 1; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*e", prec - 1, d);
        if (strtod(buf, NULL) == d)
            break;
    }
    /* buf = [-]D.DDDDe[+-]XX */
    char *e = strchr(buf, 'e');
    int exp10 = atoi(e + 1);
    char digits[24];
    size_t nd = 0;
    bool neg = buf[0] == '-';
    for (char *p = buf + neg; p < e; p++)
        if (*p != '.')
            digits[nd++] = *p;
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;
    digits[nd] = 0;
    if (neg)
        adds(o, "-");
    if (exp10 < -4 || exp10 >= 16) {
        add(o, digits, 1);
        if (nd > 1) {
            adds(o, ".");
            add(o, digits + 1, nd - 1);
        }
        snprintf(buf, sizeof buf, "e%c%02d", exp10 < 0 ? '-' : '+', abs(exp10));
        adds(o, buf);
    } else if (exp10 < 0) {
        adds(o, "0.");
        for (int i = 0; i < -exp10 - 1; i++)
            adds(o, "0");
        add(o, digits, nd);
    } else {
        size_t intd = (size_t)exp10 + 1;
        for (size_t i = 0; i < intd; i++)
            add(o, i < nd ? &digits[i] : "0", 1);
        adds(o, ".");
        if (nd > intd)
            add(o, digits + intd, nd - intd);
        else
            adds(o, "0");
    }
}

/* Python's repr() of a bytes object. */
static void py_bytes(dout *o, const uint8_t *p, size_t n)
{
    bool sq = memchr(p, '\'', n) != NULL, dq = memchr(p, '"', n) != NULL;
    char quote = sq && !dq ? '"' : '\'';
    char tmp[8];
    adds(o, "b");
    add(o, &quote, 1);
    for (size_t i = 0; i < n; i++) {
        uint8_t c = p[i];
        if (c == quote || c == '\\') {
            tmp[0] = '\\';
            tmp[1] = (char)c;
            add(o, tmp, 2);
        } else if (c == '\t') {
            adds(o, "\\t");
        } else if (c == '\n') {
            adds(o, "\\n");
        } else if (c == '\r') {
            adds(o, "\\r");
        } else if (c < 0x20 || c >= 0x7F) {
            snprintf(tmp, sizeof tmp, "\\x%02x", c);
            adds(o, tmp);
        } else {
            add(o, &c, 1);
        }
    }
    add(o, &quote, 1);
}

static bool is_pad(char c)
{
    return c == ' ' || c == '\0';
}

/* Text as pydicom 2 presents it (what str() of the value gives):
 *   AE DS IS: each value stripped both sides (pydicom's own choice: PS3.5
 *       calls leading spaces insignificant in CS LO SH PN too);
 *   LO SH LT ST UT UC (the VRs that use the character set, but PN): each
 *       value stripped on the right; LT ST UT UR are one value (PS3.5 6.2);
 *   PN: the whole value stripped on the right, empty trailing '=' groups
 *       dropped from each name;
 *   others (CS DA DT TM AS UI UR): the whole value stripped on the right. */
__attribute__((always_inline)) static inline void text_value(dout *o, const dq_element *el)
{
    dq_vr vr = el->vr;
    dq_buffer b;
    dq_buffer_init(&b);
    if (dq_el_utf8_raw(el, &b)) {
        o->failed = 1;
        dq_buffer_free(&b);
        return;
    }
    const char *p = (const char *)b.data, *end = p + b.len;
    if (!p)
        p = end = "";
    while (end > p && is_pad(end[-1]))
        end--;
    bool both = vr == V('A', 'E') || vr == V('D', 'S') || vr == V('I', 'S');
    const dq_vr_info *vi = dq_vr_props(vr);
    bool right = vi && vi->uses_charset && vr != V('P', 'N');
    bool single = vi && vi->single_valued;
    bool first = true;
    while (p <= end) {
        const char *bs = single ? NULL : memchr(p, '\\', (size_t)(end - p));
        const char *ve = bs ? bs : end, *vs = p;
        if (both)
            while (vs < ve && *vs == ' ')
                vs++;
        if (both || right)
            while (ve > vs && is_pad(ve[-1]))
                ve--;
        if (vr == V('P', 'N'))
            while (ve > vs && ve[-1] == '=')
                ve--;
        if (!first)
            adds(o, "\\");
        first = false;
        add(o, vs, (size_t)(ve - vs));
        if (!bs)
            break;
        p = bs + 1;
    }
    dq_buffer_free(&b);
}

/* Forced inline (and text_value with it): the tree layout calls it too,
 * which made the compiler stop inlining it into element_line, and a call per
 * element cost the pynetdicom layout (findscu -v's hot path) 0.2-0.5%. */
__attribute__((always_inline)) static inline void value_text(dout *o, const dq_element *el)
{
    dq_vr vr = el->vr;
    size_t vm = dq_element_vm(el);
    char tmp[64];
    const dq_vr_info *vi = dq_vr_props(vr);
    if (vi && vi->vr_class == DQ_VR_CLASS_BYTES && vr != V('U', 'N')) {
        if (el->len <= 13) {
            adds(o, "[");
            for (size_t i = 0; i < el->len; i++) {
                snprintf(tmp, sizeof tmp, i ? " %02x" : "%02x", el->value[i]);
                adds(o, tmp);
            }
            adds(o, "]");
        } else {
            snprintf(tmp, sizeof tmp, "(%u bytes of binary data)", el->len);
            adds(o, tmp);
        }
        return;
    }
    adds(o, "[");
    if (dq_vr_is_text(vr)) {
        text_value(o, el);
    } else if (vr == V('U', 'N')) {
        py_bytes(o, el->value, el->len);
    } else {
        for (size_t i = 0; i < vm; i++) {
            if (i)
                adds(o, "\\");
            if (vr == V('F', 'L') || vr == V('F', 'D')) {
                double d = 0;
                dq_element_double(el, i, &d, NULL);
                py_float(o, d);
            } else if (vr == V('A', 'T')) {
                uint32_t t = 0;
                dq_element_attribute_tag(el, i, &t, NULL);
                snprintf(tmp, sizeof tmp, "(%04x, %04x)", DQ_TAG_GROUP(t),
                         DQ_TAG_ELEMENT(t)); /* pydicom 2 str(Tag) */
                adds(o, tmp);
            } else if (vr == V('U', 'V')) {
                const uint8_t *p = el->value + i * 8;
                unsigned long long u = 0;
                for (int b = 7; b >= 0; b--)
                    u = u << 8 | p[b];
                snprintf(tmp, sizeof tmp, "%llu", u);
                adds(o, tmp);
            } else {
                int64_t v = 0;
                dq_element_int(el, i, &v, NULL);
                snprintf(tmp, sizeof tmp, "%lld", (long long)v);
                adds(o, tmp);
            }
        }
    }
    adds(o, "]");
}

/* Characters (UTF-8 code points) in s[0..n), as Python's len(str). */
static size_t code_points(const uint8_t *s, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += (s[i] & 0xC0) != 0x80;
    return c;
}

static void emit(dout *o)
{
    if (o->failed)
        return;
    add(o, "", 1); /* NUL for the callback's convenience */
    if (o->failed)
        return;
    o->fn(o->ctx, (const char *)o->line.data, o->line.len - 1);
    dq_buffer_reset(&o->line);
}

/* "(GGGG,EEEE) VR " by hand: this runs for every element of every response
 * in -v, where snprintf was the largest cost. */
static inline void tag_vr(dout *o, const dq_element *el)
{
    char tmp[16];
    static const char hex[] = "0123456789ABCDEF";
    char *t = tmp;
    *t++ = '(';
    for (int shift = 28; shift >= 0; shift -= 4) {
        *t++ = hex[(el->tag >> shift) & 0xF];
        if (shift == 16)
            *t++ = ',';
    }
    *t++ = ')';
    *t++ = ' ';
    *t++ = (char)(el->vr >> 8);
    *t++ = (char)el->vr;
    *t++ = ' ';
    add(o, tmp, (size_t)(t - tmp));
}

static void element_line(dout *o, const dq_element *el, unsigned indent)
{
    char tmp[64];
    dq_buffer_reset(&o->line);
    for (unsigned i = 0; i < indent; i++)
        adds(o, INDENT);
    tag_vr(o, el);
    size_t start = o->line.len;
    size_t vm = dq_element_vm(el);
    if (el->vr == V('S', 'Q')) {
        snprintf(tmp, sizeof tmp, "(Sequence with %zu item%s)", el->nitems,
                 el->nitems == 1 ? "" : "s");
        adds(o, tmp);
    } else if (vm == 0) {
        adds(o, "(no value available)");
    } else {
        value_text(o, el);
    }
    if (o->failed)
        return;
    size_t width = code_points(o->line.data + start, o->line.len - start);
    static const char spaces[] = "                                        "; /* 40 */
    if (width < 40)
        add(o, spaces, 40 - width);
    const char *kw = "";
    const dq_dict_entry *de = (DQ_TAG_GROUP(el->tag) & 1) ? NULL : dq_dict_find(el->tag);
    if (de && DQ_TAG_ELEMENT(el->tag) != DQ_GROUP_LENGTH_ELEMENT)
        kw = de->keyword;
    else if (de && el->tag == DQ_TAG_FileMetaInformationGroupLength)
        kw = de->keyword;
    snprintf(tmp, sizeof tmp, " # %zu ", vm);
    adds(o, tmp);
    adds(o, kw);
    emit(o);
}

static void dump_ds(dout *o, const dq_dataset *ds, unsigned indent)
{
    for (size_t i = 0; i < ds->n && !o->failed; i++) {
        const dq_element *el = ds->elems[i];
        if (el->vr == V('S', 'Q')) {
            element_line(o, el, 0); /* pynetdicom does not indent SQ lines */
            for (size_t k = 0; k < el->nitems && !o->failed; k++) {
                char tmp[48];
                dq_buffer_reset(&o->line);
                for (unsigned j = 0; j < indent + 1; j++)
                    adds(o, INDENT);
                snprintf(tmp, sizeof tmp, "(Sequence item #%zu)", k + 1);
                adds(o, tmp);
                emit(o);
                dump_ds(o, el->items[k], indent + 2);
            }
        } else {
            element_line(o, el, indent);
        }
    }
}

int dq_dataset_dump(const dq_dataset *ds, dq_dump_line_fn fn, void *ctx, dq_error *err)
{
    dout o = {.fn = fn, .ctx = ctx, .err = err};
    dq_buffer_init(&o.line);
    dump_ds(&o, ds, 0);
    dq_buffer_free(&o.line);
    if (o.failed)
        return dq_fail(err, DQ_ERR_NOMEM, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
                       "out of memory while dumping");
    return 0;
}

/* ---- the tree layout (DQ_DUMP_TREE; include/dq/dataset.h describes it) ---- */

typedef struct tree {
    dout o;
    dq_buffer scratch; /* reused for escaping: no allocation per element */
    size_t max;        /* value characters before the cut */
} tree;

/* Bytes streams in hex units of the VR's size (little-endian words, as
 * dcmdump shows OW), '\'-separated. Only the units that fit in max characters
 * are written, then "..." if any are left: a 64 MiB pixel data value costs
 * as much as a short one. */
static void hex_units(dout *o, const dq_element *el, size_t max)
{
    static const char hex[] = "0123456789abcdef";
    const dq_vr_info *vi = dq_vr_info_get(el->vr);
    size_t unit = vi && vi->unit_size ? vi->unit_size : 1, width = 0;
    if (el->len % unit)
        unit = 1; /* a hostile odd-length OW: bytes, not words */
    for (size_t i = 0; i + unit <= el->len && !o->failed; i += unit) {
        char tmp[24], *t = tmp;
        if (i)
            *t++ = '\\';
        if (width + (size_t)(t - tmp) + 2 * unit > max) {
            adds(o, "...");
            return;
        }
        for (size_t b = unit; b-- > 0;) {
            *t++ = hex[el->value[i + b] >> 4];
            *t++ = hex[el->value[i + b] & 0xF];
        }
        add(o, tmp, (size_t)(t - tmp));
        width += (size_t)(t - tmp);
    }
}

/* Control characters from start on as C escapes, so a text value (LT with
 * line breaks, hostile bytes) stays on its line. */
static void escape_controls(tree *t, size_t start)
{
    dout *o = &t->o;
    const uint8_t *p = o->line.data + start;
    size_t n = o->line.len - start, i = 0;
    while (i < n && p[i] >= 0x20 && p[i] != 0x7F)
        i++;
    if (i == n)
        return;
    dq_buffer_reset(&t->scratch);
    if (dq_buffer_append(&t->scratch, p + i, n - i, o->err)) {
        o->failed = 1;
        return;
    }
    o->line.len = start + i;
    for (size_t k = 0; k < t->scratch.len; k++) {
        uint8_t c = t->scratch.data[k];
        char tmp[8];
        if (c >= 0x20 && c != 0x7F)
            add(o, &c, 1);
        else if (c == '\n' || c == '\r' || c == '\t')
            add(o, c == '\n' ? "\\n" : c == '\r' ? "\\r" : "\\t", 2);
        else
            add(o, tmp, (size_t)snprintf(tmp, sizeof tmp, "\\x%02x", c));
    }
}

/* Cuts the text from start on after max code points, marking the cut. */
static void shorten(dout *o, size_t start, size_t max)
{
    size_t cps = 0;
    for (size_t i = start; i < o->line.len; i++)
        if ((o->line.data[i] & 0xC0) != 0x80 && cps++ == max) {
            o->line.len = i;
            adds(o, "...");
            return;
        }
}

static void tree_value(tree *t, const dq_element *el, size_t vm)
{
    dout *o = &t->o;
    size_t start = o->line.len;
    const dq_vr_info *vi = dq_vr_info_get(el->vr);
    dq_vr_class cls = vi ? vi->vr_class : DQ_VR_CLASS_BYTES;
    char tmp[48];
    if (cls == DQ_VR_CLASS_SEQUENCE) {
        snprintf(tmp, sizeof tmp, "(Sequence with %zu item%s)", el->nitems,
                 el->nitems == 1 ? "" : "s");
        adds(o, tmp);
        return;
    }
    if (vm == 0) {
        adds(o, "(no value available)");
        return;
    }
    if (cls == DQ_VR_CLASS_BYTES) {
        hex_units(o, el, t->max);
        return;
    }
    value_text(o, el);
    if (cls == DQ_VR_CLASS_TEXT && !o->failed)
        escape_controls(t, start);
    if (!o->failed)
        shorten(o, start, t->max);
}

/* The keyword, or what kind of element the dictionary cannot name
 * (PS3.5 7.2 group lengths, 7.8.1 private creators and private elements). */
static const char *tree_keyword(uint32_t tag)
{
    const dq_dict_entry *de = dq_dict_find(tag);
    if (de && de->keyword[0])
        return de->keyword;
    if (DQ_TAG_ELEMENT(tag) == DQ_GROUP_LENGTH_ELEMENT)
        return "GroupLength";
    if (DQ_TAG_GROUP(tag) & 1)
        return DQ_TAG_ELEMENT(tag) >= DQ_PRIVATE_CREATOR_FIRST &&
                       DQ_TAG_ELEMENT(tag) <= DQ_PRIVATE_CREATOR_LAST
                   ? "PrivateCreator"
                   : "Private";
    return "Unknown";
}

static void tree_element(tree *t, const dq_element *el, unsigned depth)
{
    static const char spaces[] = "                                        "; /* 40 */
    dout *o = &t->o;
    char tmp[64];
    dq_buffer_reset(&o->line);
    for (unsigned i = 0; i < depth; i++)
        adds(o, INDENT);
    tag_vr(o, el);
    size_t start = o->line.len, vm = dq_element_vm(el);
    tree_value(t, el, vm);
    if (o->failed)
        return;
    size_t width = code_points(o->line.data + start, o->line.len - start);
    if (width < 40)
        add(o, spaces, 40 - width);
    if (el->vr == V('S', 'Q'))
        snprintf(tmp, sizeof tmp, " #   -, %zu ", el->nitems);
    else
        snprintf(tmp, sizeof tmp, " # %3u, %zu ", el->len, vm);
    adds(o, tmp);
    adds(o, tree_keyword(el->tag));
    emit(o);
}

static void tree_ds(tree *t, const dq_dataset *ds, unsigned depth)
{
    for (size_t i = 0; i < ds->n && !t->o.failed; i++) {
        const dq_element *el = ds->elems[i];
        tree_element(t, el, depth);
        for (size_t k = 0; k < el->nitems && !t->o.failed; k++) {
            char tmp[80];
            size_t n = el->items[k]->n;
            dq_buffer_reset(&t->o.line);
            for (unsigned j = 0; j <= depth; j++)
                adds(&t->o, INDENT);
            snprintf(tmp, sizeof tmp, "(Item #%zu, %zu element%s)", k + 1, n, n == 1 ? "" : "s");
            adds(&t->o, tmp);
            emit(&t->o);
            tree_ds(t, el->items[k], depth + 2);
        }
    }
}

int dq_dataset_dump_with(const dq_dataset *ds, const dq_dump_options *opts, dq_dump_line_fn fn,
                         void *ctx, dq_error *err)
{
    if (!opts || opts->style == DQ_DUMP_PYNETDICOM)
        return dq_dataset_dump(ds, fn, ctx, err);
    if (opts->style != DQ_DUMP_TREE)
        return dq_fail(err, DQ_ERR_ARGUMENT, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
                       "unknown dump style %d", (int)opts->style);
    tree t = {.o = {.fn = fn, .ctx = ctx, .err = err},
              .max = opts->max_value_chars ? opts->max_value_chars : DQ_DUMP_MAX_VALUE_DEFAULT};
    tree_ds(&t, ds, 0);
    dq_buffer_free(&t.o.line);
    dq_buffer_free(&t.scratch);
    if (t.o.failed)
        return dq_fail(err, DQ_ERR_NOMEM, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
                       "out of memory while dumping");
    return 0;
}

typedef struct file_ctx {
    FILE *f;
    const char *prefix;
} file_ctx;

static void to_file(void *ctx, const char *line, size_t len)
{
    file_ctx *fc = ctx;
    fputs(fc->prefix, fc->f);
    fwrite(line, 1, len, fc->f);
    fputc('\n', fc->f);
}

int dq_dataset_dump_file_with(const dq_dataset *ds, const dq_dump_options *opts, FILE *f,
                              const char *prefix, dq_error *err)
{
    file_ctx fc = {f, prefix ? prefix : ""};
    return dq_dataset_dump_with(ds, opts, to_file, &fc, err);
}

int dq_dataset_dump_file(const dq_dataset *ds, FILE *f, const char *prefix, dq_error *err)
{
    return dq_dataset_dump_file_with(ds, NULL, f, prefix, err);
}

typedef struct buf_ctx {
    dq_buffer *out;
    const char *prefix;
    int failed;
} buf_ctx;

static void to_buffer(void *ctx, const char *line, size_t len)
{
    buf_ctx *bc = ctx;
    if (dq_buffer_append(bc->out, bc->prefix, strlen(bc->prefix), NULL) ||
        dq_buffer_append(bc->out, line, len, NULL) || dq_buffer_append(bc->out, "\n", 1, NULL))
        bc->failed = 1;
}

int dq_dataset_dump_buffer(const dq_dataset *ds, dq_buffer *out, const char *prefix, dq_error *err)
{
    buf_ctx bc = {out, prefix ? prefix : "", 0};
    if (dq_dataset_dump(ds, to_buffer, &bc, err))
        return -1;
    if (bc.failed)
        return dq_fail(err, DQ_ERR_NOMEM, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
                       "out of memory while dumping");
    return 0;
}
