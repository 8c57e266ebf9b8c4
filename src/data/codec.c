/* Encoding and decoding data sets in Implicit VR LE, Explicit VR LE/BE and
 * Deflated Explicit VR LE. Input is hostile: every length is checked against
 * what is left of the enclosing region and against dq_limits before it is
 * used, and nesting is bounded, so neither recursion nor allocation follows a
 * declared length blindly. */
#include <string.h>

#include "dataset_impl.h"

#define V(a, b) DQ_VR_CODE(a, b)

typedef struct rd {
    const uint8_t *buf;
    size_t len, pos, base;
    bool be, implicit;
    const dq_limits *lim;
    size_t items, elements;
    uint16_t stop_group;
    dq_error *err;
} rd;

/* be is a constant where parse_dataset's loop inlines these (see there). */
static inline uint16_t get16(const uint8_t *p, bool be)
{
    return be ? dq_be16(p) : dq_le16(p);
}
static inline uint32_t get32(const uint8_t *p, bool be)
{
    return be ? dq_be32(p) : dq_le32(p);
}
static uint16_t r16(const rd *r, size_t at)
{
    return get16(r->buf + at, r->be);
}
static uint32_t r32(const rd *r, size_t at)
{
    return get32(r->buf + at, r->be);
}

#define FAIL(r, kind, off, tag, ...) dq_fail((r)->err, kind, (r)->base + (off), tag, __VA_ARGS__)

static void swap_units(uint8_t *p, size_t len, unsigned unit)
{
    if (unit < 2)
        return;
    for (size_t i = 0; i + unit <= len; i += unit)
        for (unsigned a = 0, b = unit - 1; a < b; a++, b--) {
            uint8_t t = p[i + a];
            p[i + a] = p[i + b];
            p[i + b] = t;
        }
}

static int parse_dataset(rd *r, dq_dataset *ds, size_t end, bool undefined, unsigned depth);

/* Items of a sequence in [pos, end); undefined: until (FFFE,E0DD). */
static int parse_sequence(rd *r, dq_element *seq, size_t end, bool undefined, unsigned depth)
{
    if (depth >= r->lim->max_depth)
        return FAIL(r, DQ_ERR_LIMIT, r->pos, seq->tag, "sequences nested deeper than %u",
                    r->lim->max_depth);
    for (;;) {
        if (!undefined && r->pos == end)
            return 0;
        size_t off = r->pos;
        if (end - off < 8)
            return FAIL(r, DQ_ERR_MALFORMED, off, seq->tag,
                        undefined ? "undefined-length sequence never ends"
                                  : "truncated item header in sequence");
        uint32_t tag = DQ_TAG(r16(r, off), r16(r, off + 2));
        uint32_t len = r32(r, off + 4);
        r->pos += 8;
        if (tag == DQ_TAG_SequenceDelimitationItem) {
            if (!undefined)
                return FAIL(r, DQ_ERR_MALFORMED, off, seq->tag,
                            "sequence delimiter in a defined-length sequence");
            return 0;
        }
        if (tag != DQ_TAG_Item)
            return FAIL(r, DQ_ERR_MALFORMED, off, seq->tag,
                        "expected an item tag (FFFE,E000), found (%04X,%04X)", DQ_TAG_GROUP(tag),
                        DQ_TAG_ELEMENT(tag));
        if (++r->items > r->lim->max_items)
            return FAIL(r, DQ_ERR_LIMIT, off, seq->tag, "more than %zu items", r->lim->max_items);
        dq_dataset *item = dq_ds_new_item(seq);
        if (!item)
            return FAIL(r, DQ_ERR_NOMEM, off, seq->tag, "out of memory");
        if (len == DQ_UNDEFINED_LENGTH) {
            if (parse_dataset(r, item, end, true, depth + 1))
                return -1;
        } else {
            if (len > end - r->pos)
                return FAIL(r, DQ_ERR_MALFORMED, off, seq->tag,
                            "item length %u exceeds the %zu bytes left", len, end - r->pos);
            if (parse_dataset(r, item, r->pos + len, false, depth + 1))
                return -1;
        }
    }
}

/* Encapsulated pixel data: fragments as items up to (FFFE,E0DD), kept raw. */
static int parse_encapsulated(rd *r, dq_element *el, size_t end)
{
    size_t start = r->pos;
    for (;;) {
        size_t off = r->pos;
        if (end - off < 8)
            return FAIL(r, DQ_ERR_MALFORMED, off, el->tag, "encapsulated data never ends");
        uint32_t tag = DQ_TAG(r16(r, off), r16(r, off + 2));
        uint32_t len = r32(r, off + 4);
        r->pos += 8;
        if (tag == DQ_TAG_SequenceDelimitationItem)
            break;
        if (tag != DQ_TAG_Item)
            return FAIL(r, DQ_ERR_MALFORMED, off, el->tag,
                        "expected a fragment item, found (%04X,%04X)", DQ_TAG_GROUP(tag),
                        DQ_TAG_ELEMENT(tag));
        if (len > end - r->pos)
            return FAIL(r, DQ_ERR_MALFORMED, off, el->tag,
                        "fragment length %u exceeds the %zu bytes left", len, end - r->pos);
        if (++r->items > r->lim->max_items)
            return FAIL(r, DQ_ERR_LIMIT, off, el->tag, "more than %zu fragments",
                        r->lim->max_items);
        r->pos += len;
    }
    size_t n = r->pos - 8 - start;
    if (n > r->lim->max_element_length)
        return FAIL(r, DQ_ERR_LIMIT, start, el->tag, "encapsulated value above %u bytes",
                    r->lim->max_element_length);
    if (dq_el_set_value(el, r->buf + start, n))
        return FAIL(r, DQ_ERR_NOMEM, start, el->tag, "out of memory");
    el->undefined_length = 1;
    return 0;
}

/* The VR and value length of the element at off, whose 8 bytes are known to
 * be there (PS3.5 7.1.1-7.1.3); r->pos moves past the header. be is r->be. */
__attribute__((always_inline)) static inline int read_vr_length(rd *r, const dq_dataset *ds,
                                                                size_t end, size_t off,
                                                                uint32_t tag, bool be,
                                                                dq_vr *vr_out, uint32_t *len_out)
{
    const uint8_t *p = r->buf + off;
    if (r->implicit) {
        *vr_out = dq_vr_for_tag(tag, ds);
        *len_out = get32(p + 4, be);
        r->pos += 8;
        return 0;
    }
    /* A VR is two upper-case letters; their offsets from 'A' index the VR
     * table directly (one range check for both the error and the lookup). */
    unsigned a = (unsigned)p[4] - 'A', b = (unsigned)p[5] - 'A';
    if (a >= 26 || b >= 26)
        return FAIL(r, DQ_ERR_MALFORMED, off + 4, tag, "invalid VR bytes %02X %02X", p[4], p[5]);
    dq_vr vr = DQ_VR_CODE(p[4], p[5]);
    const dq_vr_info *vi = dq_vr_props_letters(a, b);
    /* PS3.5 7.1.2: VRs unknown to us use the 4-byte length form. */
    if (!vi || vi->long_length) {
        if (end - off < 12)
            return FAIL(r, DQ_ERR_MALFORMED, off, tag, "truncated element header");
        *len_out = get32(p + 8, be);
        r->pos += 12;
        if (!vi)
            vr = V('U', 'N');
    } else {
        *len_out = get16(p + 6, be);
        r->pos += 8;
    }
    *vr_out = vr;
    return 0;
}

/* An undefined-length value: encapsulated pixel data or a sequence. */
__attribute__((always_inline)) static inline int
parse_undefined_value(rd *r, dq_element *el, dq_vr vr, size_t end, size_t off, unsigned depth)
{
    if (vr == V('O', 'B') || vr == V('O', 'W'))
        return parse_encapsulated(r, el, end);
    if (vr != V('S', 'Q') && vr != V('U', 'N') && !r->implicit)
        return FAIL(r, DQ_ERR_MALFORMED, off, el->tag, "undefined length on a %c%c element",
                    (char)(vr >> 8), (char)vr);
    /* An undefined-length UN (or unknown tag in implicit VR) is a
     * sequence encoded as Implicit VR LE (PS3.5 6.2.2 note). */
    bool was_implicit = r->implicit, was_be = r->be;
    if (vr == V('U', 'N')) {
        r->implicit = true;
        r->be = false;
    }
    el->vr = V('S', 'Q');
    int rc = parse_sequence(r, el, end, true, depth);
    r->implicit = was_implicit;
    r->be = was_be;
    return rc;
}

/* A value of defined length len at r->pos: checked against what is left and
 * the limit, then kept (byte-swapped to LE) or parsed as a sequence. be is
 * r->be. */
__attribute__((always_inline)) static inline int
parse_defined_value(rd *r, const dq_dataset *ds, dq_element *el, dq_vr vr, size_t end, size_t off,
                    uint32_t len, unsigned depth, bool be)
{
    uint32_t tag = el->tag;
    if (len > end - r->pos)
        return FAIL(r, DQ_ERR_MALFORMED, off, tag, "value length %u exceeds the %zu bytes left",
                    len, end - r->pos);
    if (len > r->lim->max_element_length)
        return FAIL(r, DQ_ERR_LIMIT, off, tag, "value length %u above the limit %u", len,
                    r->lim->max_element_length);
    if (vr == V('U', 'N') && !r->implicit) {
        /* A UN the dictionary knows gets its real VR back, as pydicom
         * reads it (a sequence inside is Implicit VR LE, PS3.5 6.2.2). */
        dq_vr known = dq_vr_for_tag(tag, ds);
        if (known != V('U', 'N'))
            el->vr = vr = known;
        if (vr == V('S', 'Q')) {
            bool was_be = r->be;
            r->implicit = true;
            r->be = false;
            int rc = parse_sequence(r, el, r->pos + len, false, depth);
            r->implicit = false;
            r->be = was_be;
            return rc;
        }
    }
    if (vr == V('S', 'Q'))
        return parse_sequence(r, el, r->pos + len, false, depth);
    if (dq_el_set_value(el, r->buf + r->pos, len))
        return FAIL(r, DQ_ERR_NOMEM, off, tag, "out of memory");
    if (be)
        swap_units(el->value, len, dq_vr_swap_unit(vr));
    r->pos += len;
    return 0;
}

/* Elements in [pos, end); undefined: until (FFFE,E00D). A stop_group ends the
 * data set at the first element of another group. be is r->be, a constant
 * in each of parse_dataset's two copies. */
__attribute__((always_inline)) static inline int
parse_elements(rd *r, dq_dataset *ds, size_t end, bool undefined, unsigned depth, bool be)
{
    for (;;) {
        if (!undefined && r->pos == end)
            return 0;
        size_t off = r->pos;
        if (r->stop_group && end - off >= 2 && get16(r->buf + off, be) != r->stop_group)
            return 0;
        if (end - off < 8) {
            if (undefined)
                return FAIL(r, DQ_ERR_MALFORMED, off, DQ_ERROR_NO_TAG,
                            "undefined-length item never ends");
            return FAIL(r, DQ_ERR_MALFORMED, off, DQ_ERROR_NO_TAG,
                        "truncated element header (%zu bytes left)", end - off);
        }
        uint16_t group = get16(r->buf + off, be);
        uint32_t tag = DQ_TAG(group, get16(r->buf + off + 2, be));
        if (group == DQ_ITEM_GROUP) {
            r->pos += 8;
            if (tag == DQ_TAG_ItemDelimitationItem && undefined)
                return 0;
            return FAIL(r, DQ_ERR_MALFORMED, off, tag, "unexpected (%04X,%04X) in a data set",
                        group, DQ_TAG_ELEMENT(tag));
        }
        dq_vr vr = 0;
        uint32_t len = 0;
        if (read_vr_length(r, ds, end, off, tag, be, &vr, &len))
            return -1;
        if (++r->elements > r->lim->max_elements)
            return FAIL(r, DQ_ERR_LIMIT, off, tag, "more than %zu elements", r->lim->max_elements);
        dq_element *el = dq_ds_append(ds, tag, vr);
        if (!el)
            return FAIL(r, DQ_ERR_NOMEM, off, tag, "out of memory");
        if (len == DQ_UNDEFINED_LENGTH
                ? parse_undefined_value(r, el, vr, end, off, depth)
                : parse_defined_value(r, ds, el, vr, end, off, len, depth, be))
            return -1;
    }
}

/* The byte order is the same for every element of a data set: only a
 * sequence inside switches it (a UN sequence is Implicit VR LE, PS3.5 6.2.2),
 * and back before its element is done. So the loop is compiled once per byte
 * order, and reading a tag or a length tests none. */
static int parse_dataset(rd *r, dq_dataset *ds, size_t end, bool undefined, unsigned depth)
{
    if (r->be)
        return parse_elements(r, ds, end, undefined, depth, true);
    return parse_elements(r, ds, end, undefined, depth, false);
}

/* The decoders' caps (include/dq/dataset.h documents each one). */
void dq_limits_default(dq_limits *out)
{
    out->max_input = (size_t)256 << 20;
    out->max_element_length = (uint32_t)256 << 20;
    out->max_depth = 64;
    out->max_items = 1000000;
    out->max_elements = 10000000;
}

int dq_decode_raw(dq_dataset *ds, const uint8_t *buf, size_t len, bool implicit, bool big_endian,
                  const dq_limits *limits, uint16_t stop_group, size_t base_offset,
                  size_t *consumed, dq_error *err)
{
    dq_limits def;
    if (!limits) {
        dq_limits_default(&def);
        limits = &def;
    }
    rd r = {.buf = buf,
            .len = len,
            .base = base_offset,
            .be = big_endian,
            .implicit = implicit,
            .lim = limits,
            .stop_group = stop_group,
            .err = err};
    if (len > limits->max_input)
        return FAIL(&r, DQ_ERR_LIMIT, 0, DQ_ERROR_NO_TAG, "input of %zu bytes above the limit %zu",
                    len, limits->max_input);
    /* Values are copied once; reserving for them up front keeps the number
     * of mallocs per data set constant. */
    if (len > 2048 && !dq_arena_reserve(ds->arena, len + len / 2))
        return FAIL(&r, DQ_ERR_NOMEM, 0, DQ_ERROR_NO_TAG, "out of memory");
    /* Room for the top-level elements up front, guessed from the size (an
     * element of a C-FIND identifier takes some 20 bytes): the array grown
     * later is copied, as the elements were allocated after it. */
    size_t guess = len / 16 < 64 ? len / 16 : 64;
    if (!dq_ds_reserve(ds, guess))
        return FAIL(&r, DQ_ERR_NOMEM, 0, DQ_ERROR_NO_TAG, "out of memory");
    int rc = parse_dataset(&r, ds, len, false, 0);
    if (consumed)
        *consumed = r.pos;
    return rc;
}

int dq_decode_deflated(dq_dataset *ds, const uint8_t *buf, size_t len, const dq_limits *limits,
                       dq_error *err)
{
    dq_limits def;
    if (!limits) {
        dq_limits_default(&def);
        limits = &def;
    }
    dq_buffer inflated;
    dq_buffer_init(&inflated);
    int rc = dq_inflate_raw(buf, len, limits->max_input, &inflated, err);
    if (rc == 0)
        rc = dq_decode_raw(ds, inflated.data, inflated.len, false, false, limits, 0, 0, NULL, err);
    dq_buffer_free(&inflated);
    return rc < 0 ? -1 : 0;
}

int dq_dataset_decode_into(dq_dataset *ds, const uint8_t *buf, size_t len, dq_transfer_syntax ts,
                           const dq_limits *limits, dq_error *err)
{
    if (!ds || !ds->is_root || (!buf && len))
        return dq_fail(err, DQ_ERR_ARGUMENT, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
                       "decode needs a root data set and a buffer");
    dq_dataset_clear(ds);
    switch (ts) {
    case DQ_TS_IMPLICIT_LE:
        return dq_decode_raw(ds, buf, len, true, false, limits, 0, 0, NULL, err);
    case DQ_TS_EXPLICIT_LE:
        return dq_decode_raw(ds, buf, len, false, false, limits, 0, 0, NULL, err);
    case DQ_TS_EXPLICIT_BE:
        return dq_decode_raw(ds, buf, len, false, true, limits, 0, 0, NULL, err);
    case DQ_TS_DEFLATED_LE: return dq_decode_deflated(ds, buf, len, limits, err);
    default:
        return dq_fail(err, DQ_ERR_UNSUPPORTED, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
                       "unknown transfer syntax");
    }
}

int dq_dataset_decode(const uint8_t *buf, size_t len, dq_transfer_syntax ts,
                      const dq_limits *limits, dq_dataset **out, dq_error *err)
{
    *out = NULL;
    dq_dataset *ds = dq_dataset_new();
    if (!ds)
        return dq_fail(err, DQ_ERR_NOMEM, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG, "out of memory");
    if (dq_dataset_decode_into(ds, buf, len, ts, limits, err)) {
        dq_dataset_free(ds);
        return -1;
    }
    *out = ds;
    return 0;
}

/* ---- encoding ------------------------------------------------------------------ */

typedef struct wr {
    dq_buffer *out;
    bool be, implicit;
    uint16_t skip_group;
    dq_error *err;
} wr;

static void put16(wr *w, uint16_t v)
{
    uint8_t *p = w->out->data + w->out->len;
    if (w->be) {
        p[0] = (uint8_t)(v >> 8);
        p[1] = (uint8_t)v;
    } else {
        p[0] = (uint8_t)v;
        p[1] = (uint8_t)(v >> 8);
    }
    w->out->len += 2;
}

static void put32_at(wr *w, size_t at, uint32_t v)
{
    uint8_t *p = w->out->data + at;
    for (int i = 0; i < 4; i++)
        p[w->be ? 3 - i : i] = (uint8_t)(v >> (8 * i));
}

static void put32(wr *w, uint32_t v)
{
    put32_at(w, w->out->len, v);
    w->out->len += 4;
}

/* Writes tag/VR/length; returns the offset of the length field for patching
 * (the 32-bit forms only). */
static int put_header(wr *w, uint32_t tag, dq_vr vr, uint32_t len, size_t *len_at)
{
    if (dq_buffer_reserve(w->out, 12, w->err))
        return -1;
    put16(w, DQ_TAG_GROUP(tag));
    put16(w, DQ_TAG_ELEMENT(tag));
    if (w->implicit || DQ_TAG_GROUP(tag) == DQ_ITEM_GROUP) {
        if (len_at)
            *len_at = w->out->len;
        put32(w, len);
        return 0;
    }
    const dq_vr_info *vi = dq_vr_info_get(vr);
    uint8_t *p = w->out->data + w->out->len;
    p[0] = (uint8_t)(vr >> 8);
    p[1] = (uint8_t)vr;
    w->out->len += 2;
    if (!vi || vi->long_length) {
        p[2] = p[3] = 0;
        w->out->len += 2;
        if (len_at)
            *len_at = w->out->len;
        put32(w, len);
        return 0;
    }
    if (len > 0xFFFF)
        return dq_fail(w->err, DQ_ERR_ARGUMENT, DQ_ERROR_NO_OFFSET, tag,
                       "value of %u bytes does not fit the 16-bit length of %c%c", len,
                       (char)(vr >> 8), (char)vr);
    put16(w, (uint16_t)len);
    return 0;
}

static int encode_ds(wr *w, const dq_dataset *ds);

static int encode_element(wr *w, const dq_element *el)
{
    if (el->vr == V('S', 'Q')) {
        /* Implicit VR: a sequence under a tag the dictionary does not call
         * SQ (private, unknown, or read as a sequence because its length was
         * undefined) is only read back as a sequence with an undefined
         * length, so it is written that way (fuzz_roundtrip). */
        bool undefined = w->implicit && dq_vr_for_tag(el->tag, el->owner) != V('S', 'Q');
        size_t seq_len_at, start;
        if (put_header(w, el->tag, el->vr, undefined ? DQ_UNDEFINED_LENGTH : 0, &seq_len_at))
            return -1;
        start = w->out->len;
        for (size_t i = 0; i < el->nitems; i++) {
            size_t item_len_at;
            if (put_header(w, DQ_TAG_Item, 0, 0, &item_len_at))
                return -1;
            size_t istart = w->out->len;
            if (encode_ds(w, el->items[i]))
                return -1;
            put32_at(w, item_len_at, (uint32_t)(w->out->len - istart));
        }
        if (undefined) {
            if (dq_buffer_reserve(w->out, 8, w->err))
                return -1;
            put16(w, DQ_TAG_GROUP(DQ_TAG_SequenceDelimitationItem));
            put16(w, DQ_TAG_ELEMENT(DQ_TAG_SequenceDelimitationItem));
            put32(w, 0);
        } else {
            put32_at(w, seq_len_at, (uint32_t)(w->out->len - start));
        }
        return 0;
    }
    if (el->undefined_length) {
        if (put_header(w, el->tag, el->vr, DQ_UNDEFINED_LENGTH, NULL) ||
            dq_buffer_append(w->out, el->value, el->len, w->err) ||
            dq_buffer_reserve(w->out, 8, w->err))
            return -1;
        put16(w, DQ_TAG_GROUP(DQ_TAG_SequenceDelimitationItem));
        put16(w, DQ_TAG_ELEMENT(DQ_TAG_SequenceDelimitationItem));
        put32(w, 0);
        return 0;
    }
    uint32_t padded = el->len + (el->len & 1u);
    if (put_header(w, el->tag, el->vr, padded, NULL) || dq_buffer_reserve(w->out, padded, w->err))
        return -1;
    uint8_t *p = w->out->data + w->out->len;
    if (el->len)
        memcpy(p, el->value, el->len);
    if (el->len & 1u) {
        const dq_vr_info *vi = dq_vr_info_get(el->vr);
        p[el->len] = vi ? vi->pad : 0;
    }
    /* Swap after padding, over the padded length: the decoder swaps what it
     * reads the same way, so a stray partial unit (a UL of 19 bytes) round
     * trips (fuzz_roundtrip). */
    if (w->be)
        swap_units(p, padded, dq_vr_swap_unit(el->vr));
    w->out->len += padded;
    return 0;
}

static int encode_ds(wr *w, const dq_dataset *ds)
{
    size_t gl_at = 0, gl_start = 0;
    uint16_t gl_group = 0;
    bool gl_open = false;
    for (size_t i = 0; i < ds->n; i++) {
        const dq_element *el = ds->elems[i];
        uint16_t g = DQ_TAG_GROUP(el->tag);
        if (w->skip_group && g == w->skip_group)
            continue;
        if (gl_open && g != gl_group) {
            put32_at(w, gl_at, (uint32_t)(w->out->len - gl_start));
            gl_open = false;
        }
        if (DQ_TAG_ELEMENT(el->tag) == DQ_GROUP_LENGTH_ELEMENT && g != DQ_ITEM_GROUP) {
            /* Group length: recomputed from what follows in the group. */
            if (put_header(w, el->tag, V('U', 'L'), 4, NULL) ||
                dq_buffer_reserve(w->out, 4, w->err))
                return -1;
            gl_at = w->out->len;
            put32(w, 0);
            gl_start = w->out->len;
            gl_group = g;
            gl_open = true;
            continue;
        }
        if (encode_element(w, el))
            return -1;
    }
    if (gl_open)
        put32_at(w, gl_at, (uint32_t)(w->out->len - gl_start));
    return 0;
}

int dq_encode_raw(const dq_dataset *ds, bool implicit, bool big_endian, uint16_t skip_group,
                  dq_buffer *out, dq_error *err)
{
    wr w = {
        .out = out, .be = big_endian, .implicit = implicit, .skip_group = skip_group, .err = err};
    size_t start = out->len;
    if (encode_ds(&w, ds)) {
        out->len = start;
        return -1;
    }
    return 0;
}

int dq_dataset_encode(const dq_dataset *ds, dq_transfer_syntax ts, dq_buffer *out, dq_error *err)
{
    switch (ts) {
    case DQ_TS_IMPLICIT_LE: return dq_encode_raw(ds, true, false, 0, out, err);
    case DQ_TS_EXPLICIT_LE: return dq_encode_raw(ds, false, false, 0, out, err);
    case DQ_TS_EXPLICIT_BE: return dq_encode_raw(ds, false, true, 0, out, err);
    case DQ_TS_DEFLATED_LE: {
        dq_buffer plain;
        dq_buffer_init(&plain);
        int rc = dq_encode_raw(ds, false, false, 0, &plain, err);
        if (rc == 0)
            rc = dq_deflate_raw(plain.data, plain.len, out, err);
        dq_buffer_free(&plain);
        return rc;
    }
    default:
        return dq_fail(err, DQ_ERR_UNSUPPORTED, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
                       "unknown transfer syntax");
    }
}
