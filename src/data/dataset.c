/* The data set model: elements in tag order, sequences of items, all in one
 * arena per root; typed accessors and setters. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dataset_impl.h"

#define V(a, b) DQ_VR_CODE(a, b)
#define FIRST_BLOCK 4096

/* ---- the model ---------------------------------------------------------------------- */

typedef struct root {
    dq_dataset ds;
    dq_arena arena;
    max_align_t block[]; /* the arena's first block */
} root;

dq_dataset *dq_dataset_new(void)
{
    root *r = malloc(sizeof(root) + FIRST_BLOCK);
    if (!r)
        return NULL;
    memset(&r->ds, 0, sizeof r->ds);
    dq_arena_init(&r->arena, r->block, FIRST_BLOCK);
    r->arena.total_bytes = sizeof(root) + FIRST_BLOCK;
    r->arena.mallocs = 1;
    r->ds.arena = &r->arena;
    r->ds.is_root = true;
    return &r->ds;
}

void dq_dataset_free(dq_dataset *ds)
{
    if (!ds || !ds->is_root)
        return;
    root *r = (root *)ds;
    dq_arena_destroy(&r->arena);
    free(r);
}

void dq_dataset_clear(dq_dataset *ds)
{
    if (!ds || !ds->is_root)
        return;
    dq_arena_reset(ds->arena);
    ds->elems = NULL;
    ds->n = ds->cap = 0;
}

void dq_dataset_memory(const dq_dataset *ds, size_t *bytes, size_t *mallocs)
{
    while (ds && !ds->is_root)
        ds = ds->parent->owner;
    if (bytes)
        *bytes = ds ? ds->arena->total_bytes : 0;
    if (mallocs)
        *mallocs = ds ? ds->arena->mallocs : 0;
}

size_t dq_dataset_count(const dq_dataset *ds)
{
    return ds ? ds->n : 0;
}

const dq_element *dq_dataset_at(const dq_dataset *ds, size_t i)
{
    return ds && i < ds->n ? ds->elems[i] : NULL;
}

/* Index of the first element with tag >= tag. */
static size_t lower_bound(const dq_dataset *ds, uint32_t tag)
{
    size_t lo = 0, hi = ds->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ds->elems[mid]->tag < tag)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

const dq_element *dq_dataset_find(const dq_dataset *ds, uint32_t tag)
{
    if (!ds || ds->n == 0)
        return NULL;
    size_t i = lower_bound(ds, tag);
    return i < ds->n && ds->elems[i]->tag == tag ? ds->elems[i] : NULL;
}

const dq_element *dq_dataset_parent(const dq_dataset *ds)
{
    return ds ? ds->parent : NULL;
}

bool dq_dataset_remove(dq_dataset *ds, uint32_t tag)
{
    if (!ds || ds->n == 0)
        return false;
    size_t i = lower_bound(ds, tag);
    if (i >= ds->n || ds->elems[i]->tag != tag)
        return false;
    memmove(ds->elems + i, ds->elems + i + 1, (ds->n - i - 1) * sizeof *ds->elems);
    ds->n--;
    return true;
}

bool dq_ds_reserve(dq_dataset *ds, size_t n)
{
    if (n <= ds->cap)
        return true;
    size_t cap = ds->cap ? ds->cap * 2 : 16;
    if (cap < n)
        cap = n;
    if (cap > SIZE_MAX / sizeof *ds->elems)
        return false;
    dq_element **p = dq_arena_grow(ds->arena, ds->elems, ds->cap * sizeof *p, cap * sizeof *p);
    if (!p)
        return false;
    ds->elems = p;
    ds->cap = cap;
    return true;
}

static bool grow_elems(dq_dataset *ds)
{
    return dq_ds_reserve(ds, ds->n + 1);
}

dq_element *dq_ds_put(dq_dataset *ds, uint32_t tag, dq_vr vr)
{
    size_t i = lower_bound(ds, tag);
    dq_element *el = dq_ds_new_element(ds, tag, vr);
    if (!el)
        return NULL;
    if (i < ds->n && ds->elems[i]->tag == tag) {
        ds->elems[i] = el;
        return el;
    }
    if (!grow_elems(ds))
        return NULL;
    memmove(ds->elems + i + 1, ds->elems + i, (ds->n - i) * sizeof *ds->elems);
    ds->elems[i] = el;
    ds->n++;
    return el;
}

dq_element *dq_ds_append_slow(dq_dataset *ds, uint32_t tag, dq_vr vr)
{
    if (ds->n && ds->elems[ds->n - 1]->tag >= tag)
        return dq_ds_put(ds, tag, vr);
    dq_element *el = dq_ds_new_element(ds, tag, vr);
    if (!el || !grow_elems(ds))
        return NULL;
    ds->elems[ds->n++] = el;
    return el;
}

dq_dataset *dq_ds_new_item(dq_element *seq)
{
    dq_arena *a = seq->owner->arena;
    if (seq->nitems == seq->items_cap) {
        size_t cap = seq->items_cap ? seq->items_cap * 2 : 4;
        dq_dataset **p = dq_arena_grow(a, seq->items, seq->items_cap * sizeof *p, cap * sizeof *p);
        if (!p)
            return NULL;
        seq->items = p;
        seq->items_cap = cap;
    }
    dq_dataset *item = dq_arena_alloc_fast(a, sizeof *item);
    if (!item)
        return NULL;
    memset(item, 0, sizeof *item);
    item->arena = a;
    item->parent = seq;
    seq->items[seq->nitems++] = item;
    return item;
}

uint32_t dq_element_tag(const dq_element *el)
{
    return el->tag;
}
dq_vr dq_element_vr(const dq_element *el)
{
    return el->vr;
}
const dq_dataset *dq_element_dataset(const dq_element *el)
{
    return el->owner;
}

const uint8_t *dq_element_value(const dq_element *el, size_t *len)
{
    if (len)
        *len = el->len;
    return el->value;
}

size_t dq_element_item_count(const dq_element *el)
{
    return el->nitems;
}

dq_dataset *dq_element_item(const dq_element *el, size_t i)
{
    return i < el->nitems ? el->items[i] : NULL;
}

/* Bytes per value of a binary number VR (AT 4), 0 when not a fixed-size number. */
static unsigned number_size(dq_vr vr)
{
    const dq_vr_info *vi = dq_vr_props(vr);
    return vi ? vi->value_size : 0;
}

/* Leading spaces are kept where PS3.5 calls them significant (LT ST UT) and
 * in UR, which may have none (PS3.5 6.2): pydicom keeps them there too. */
static inline dq_str trim_vi(const dq_vr_info *vi, const char *p, size_t n)
{
    while (n && (p[n - 1] == ' ' || p[n - 1] == '\0'))
        n--;
    if (vi && !vi->leading_spaces && !vi->single_valued)
        while (n && *p == ' ') {
            p++;
            n--;
        }
    return (dq_str){p, n};
}

static dq_str trim(dq_vr vr, const char *p, size_t n)
{
    return trim_vi(dq_vr_props(vr), p, n);
}

/* One VR lookup per element: this runs for every element dumped. */
size_t dq_element_vm(const dq_element *el)
{
    if (el->vr == V('S', 'Q'))
        return el->nitems;
    if (el->len == 0)
        return 0;
    const dq_vr_info *vi = dq_vr_props(el->vr);
    if (vi && vi->vr_class == DQ_VR_CLASS_TEXT) {
        dq_str all = trim_vi(vi, (const char *)el->value, el->len);
        if (all.len == 0)
            return 0;
        if (vi->single_valued)
            return 1;
        size_t vm = 1;
        for (size_t i = 0; i < el->len; i++)
            vm += el->value[i] == '\\';
        return vm;
    }
    if (vi && vi->value_size)
        return el->len / vi->value_size;
    return 1;
}

/* ---- typed accessors ------------------------------------------------------------------- */

int dq_element_string(const dq_element *el, size_t index, dq_str *out, dq_error *err)
{
    const dq_vr_info *vi = dq_vr_props(el->vr);
    if (!vi || vi->vr_class != DQ_VR_CLASS_TEXT)
        return dq_fail(err, DQ_ERR_ARGUMENT, DQ_ERROR_NO_OFFSET, el->tag, "element is not text");
    /* An empty value has a NULL pointer: no arithmetic on it (UB). */
    const char *p = el->value ? (const char *)el->value : "";
    const char *end = p + (el->value ? el->len : 0);
    if (vi->single_valued ? index > 0 : !dq_nth_value(&p, &end, index))
        goto none;
    *out = trim_vi(vi, p, (size_t)(end - p));
    return 0;
none:
    return dq_fail(err, DQ_ERR_NOT_FOUND, DQ_ERROR_NO_OFFSET, el->tag, "no value %zu", index);
}

static int text_number(const dq_element *el, size_t index, bool integer, int64_t *iv, double *dv,
                       dq_error *err)
{
    dq_str s;
    if (dq_element_string(el, index, &s, err))
        return -1;
    char tmp[72];
    if (s.len == 0 || s.len >= sizeof tmp)
        return dq_fail(err, DQ_ERR_MALFORMED, DQ_ERROR_NO_OFFSET, el->tag,
                       "value %zu is not a number", index);
    memcpy(tmp, s.ptr, s.len);
    tmp[s.len] = 0;
    char *end;
    errno = 0;
    if (integer) {
        long long v = strtoll(tmp, &end, 10);
        if (*end || errno)
            return dq_fail(err, DQ_ERR_MALFORMED, DQ_ERROR_NO_OFFSET, el->tag,
                           "value \"%s\" is not an integer", tmp);
        *iv = v;
    } else {
        double v = strtod(tmp, &end);
        if (*end || errno)
            return dq_fail(err, DQ_ERR_MALFORMED, DQ_ERROR_NO_OFFSET, el->tag,
                           "value \"%s\" is not a number", tmp);
        *dv = v;
    }
    return 0;
}

static int binary_at(const dq_element *el, size_t index, const uint8_t **p, dq_error *err)
{
    unsigned sz = number_size(el->vr);
    if (!sz)
        return dq_fail(err, DQ_ERR_ARGUMENT, DQ_ERROR_NO_OFFSET, el->tag,
                       "element is not a number");
    if (index >= el->len / sz)
        return dq_fail(err, DQ_ERR_NOT_FOUND, DQ_ERROR_NO_OFFSET, el->tag, "no value %zu", index);
    *p = el->value + index * sz;
    return 0;
}

static uint64_t le64(const uint8_t *p)
{
    return (uint64_t)dq_le32(p) | ((uint64_t)dq_le32(p + 4) << 32);
}

int dq_element_int(const dq_element *el, size_t index, int64_t *out, dq_error *err)
{
    if (el->vr == V('I', 'S'))
        return text_number(el, index, true, out, NULL, err);
    const uint8_t *p;
    if (el->vr == V('F', 'L') || el->vr == V('F', 'D') || el->vr == V('A', 'T'))
        return dq_fail(err, DQ_ERR_ARGUMENT, DQ_ERROR_NO_OFFSET, el->tag,
                       "element is not an integer");
    if (binary_at(el, index, &p, err))
        return -1;
    switch (el->vr) {
    case V('U', 'S'): *out = dq_le16(p); break;
    case V('S', 'S'): *out = (int16_t)dq_le16(p); break;
    case V('U', 'L'): *out = dq_le32(p); break;
    case V('S', 'L'): *out = (int32_t)dq_le32(p); break;
    case V('S', 'V'): *out = (int64_t)le64(p); break;
    default: {
        uint64_t v = le64(p);
        if (v > INT64_MAX)
            return dq_fail(err, DQ_ERR_LIMIT, DQ_ERROR_NO_OFFSET, el->tag, "value above INT64_MAX");
        *out = (int64_t)v;
    }
    }
    return 0;
}

int dq_element_double(const dq_element *el, size_t index, double *out, dq_error *err)
{
    if (el->vr == V('D', 'S') || el->vr == V('I', 'S'))
        return text_number(el, index, false, NULL, out, err);
    if (el->vr == V('F', 'L') || el->vr == V('F', 'D')) {
        const uint8_t *p;
        if (binary_at(el, index, &p, err))
            return -1;
        if (el->vr == V('F', 'L')) {
            uint32_t u = dq_le32(p);
            float f;
            memcpy(&f, &u, 4);
            *out = f;
        } else {
            uint64_t u = le64(p);
            memcpy(out, &u, 8);
        }
        return 0;
    }
    if (el->vr == V('U', 'V')) {
        const uint8_t *p;
        if (binary_at(el, index, &p, err))
            return -1;
        *out = (double)le64(p);
        return 0;
    }
    int64_t v;
    if (dq_element_int(el, index, &v, err))
        return -1;
    *out = (double)v;
    return 0;
}

int dq_element_attribute_tag(const dq_element *el, size_t index, uint32_t *out, dq_error *err)
{
    const uint8_t *p;
    if (el->vr != V('A', 'T'))
        return dq_fail(err, DQ_ERR_ARGUMENT, DQ_ERROR_NO_OFFSET, el->tag, "element is not AT");
    if (binary_at(el, index, &p, err))
        return -1;
    *out = DQ_TAG(dq_le16(p), dq_le16(p + 2));
    return 0;
}

int dq_element_person_name(const dq_element *el, size_t index, dq_person_name *out, dq_error *err)
{
    if (el->vr != V('P', 'N'))
        return dq_fail(err, DQ_ERR_ARGUMENT, DQ_ERROR_NO_OFFSET, el->tag, "element is not PN");
    dq_str s;
    if (dq_element_string(el, index, &s, err))
        return -1;
    memset(out, 0, sizeof *out);
    const char *p = s.ptr, *end = s.ptr + s.len;
    for (int g = 0; g < 3 && p <= end; g++) {
        const char *ge = memchr(p, '=', (size_t)(end - p));
        if (!ge)
            ge = end;
        const char *c = p;
        for (int k = 0; k < 5 && c <= ge; k++) {
            const char *ce = memchr(c, '^', (size_t)(ge - c));
            if (!ce)
                ce = ge;
            out->group[g][k] = (dq_str){c, (size_t)(ce - c)};
            c = ce + 1;
        }
        p = ge + 1;
    }
    return 0;
}

int dq_dataset_get_string(const dq_dataset *ds, uint32_t tag, dq_str *out, dq_error *err)
{
    const dq_element *el = dq_dataset_find(ds, tag);
    if (!el)
        return dq_fail(err, DQ_ERR_NOT_FOUND, DQ_ERROR_NO_OFFSET, tag, "no such element");
    return dq_element_string(el, 0, out, err);
}

int dq_dataset_get_int(const dq_dataset *ds, uint32_t tag, int64_t *out, dq_error *err)
{
    const dq_element *el = dq_dataset_find(ds, tag);
    if (!el)
        return dq_fail(err, DQ_ERR_NOT_FOUND, DQ_ERROR_NO_OFFSET, tag, "no such element");
    return dq_element_int(el, 0, out, err);
}

dq_str dq_ds_charset(const dq_dataset *ds)
{
    for (const dq_dataset *d = ds; d; d = d->parent ? d->parent->owner : NULL) {
        const dq_element *cs = dq_dataset_find(d, DQ_TAG_SpecificCharacterSet);
        if (cs)
            return trim(V('C', 'S'), cs->value ? (const char *)cs->value : "", cs->len);
    }
    return (dq_str){"", 0};
}

/* ---- setters -------------------------------------------------------------------------- */

static int nomem(dq_error *err, uint32_t tag)
{
    return dq_fail(err, DQ_ERR_NOMEM, DQ_ERROR_NO_OFFSET, tag, "out of memory");
}

static dq_vr pick_vr(const dq_dataset *ds, uint32_t tag, dq_vr vr)
{
    return vr ? vr : dq_vr_for_tag(tag, ds);
}

int dq_dataset_set_bytes(dq_dataset *ds, uint32_t tag, dq_vr vr, const void *value, size_t len,
                         dq_error *err)
{
    if (len > UINT32_MAX - 1)
        return dq_fail(err, DQ_ERR_ARGUMENT, DQ_ERROR_NO_OFFSET, tag, "value too long");
    dq_element *el = dq_ds_put(ds, tag, pick_vr(ds, tag, vr));
    if (!el || dq_el_set_value(el, value, len) < 0)
        return nomem(err, tag);
    return 0;
}

int dq_dataset_set_string(dq_dataset *ds, uint32_t tag, dq_vr vr, const char *value, dq_error *err)
{
    vr = pick_vr(ds, tag, vr);
    if (dq_vr_is_text(vr) || vr == V('U', 'N') || !value || !*value)
        return dq_dataset_set_bytes(ds, tag, vr, value, value ? strlen(value) : 0, err);
    dq_element *el = dq_ds_put(ds, tag, vr);
    if (!el)
        return nomem(err, tag);
    return dq_el_set_from_text(el, value, value, err);
}

int dq_dataset_set_int(dq_dataset *ds, uint32_t tag, dq_vr vr, int64_t v, dq_error *err)
{
    vr = pick_vr(ds, tag, vr);
    uint8_t b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)((uint64_t)v >> (8 * i));
    unsigned sz = number_size(vr);
    if (vr == V('I', 'S')) {
        char t[24];
        snprintf(t, sizeof t, "%lld", (long long)v);
        return dq_dataset_set_bytes(ds, tag, vr, t, strlen(t), err);
    }
    if (!sz || vr == V('F', 'L') || vr == V('F', 'D') || vr == V('A', 'T'))
        return dq_fail(err, DQ_ERR_ARGUMENT, DQ_ERROR_NO_OFFSET, tag, "VR is not an integer VR");
    if (!dq_vr_int_fits(vr, v))
        return dq_fail(err, DQ_ERR_ARGUMENT, DQ_ERROR_NO_OFFSET, tag, "%lld does not fit the VR",
                       (long long)v);
    return dq_dataset_set_bytes(ds, tag, vr, b, sz, err);
}

int dq_dataset_set_empty(dq_dataset *ds, uint32_t tag, dq_vr vr, dq_error *err)
{
    return dq_dataset_set_bytes(ds, tag, vr, NULL, 0, err);
}

dq_element *dq_dataset_set_sequence(dq_dataset *ds, uint32_t tag, dq_error *err)
{
    dq_element *el = dq_ds_put(ds, tag, V('S', 'Q'));
    if (!el)
        nomem(err, tag);
    return el;
}

dq_element *dq_dataset_find_sequence(dq_dataset *ds, uint32_t tag)
{
    dq_element *el = (dq_element *)dq_dataset_find(ds, tag);
    return el && el->vr == V('S', 'Q') ? el : NULL;
}

dq_dataset *dq_element_add_item(dq_element *seq, dq_error *err)
{
    if (seq->vr != V('S', 'Q')) {
        dq_error_set(err, DQ_ERR_ARGUMENT, DQ_ERROR_NO_OFFSET, seq->tag, "not a sequence");
        return NULL;
    }
    dq_dataset *item = dq_ds_new_item(seq);
    if (!item)
        nomem(err, seq->tag);
    return item;
}

/* ---- copy ------------------------------------------------------------------------------ */

static int copy_into(dq_dataset *dst, const dq_dataset *src)
{
    for (size_t i = 0; i < src->n; i++) {
        const dq_element *s = src->elems[i];
        dq_element *d = dq_ds_append(dst, s->tag, s->vr);
        if (!d || dq_el_set_value(d, s->value, s->len) < 0)
            return -1;
        d->undefined_length = s->undefined_length;
        d->typed_utf8 = s->typed_utf8;
        for (size_t k = 0; k < s->nitems; k++) {
            dq_dataset *item = dq_ds_new_item(d);
            if (!item || copy_into(item, s->items[k]))
                return -1;
        }
    }
    return 0;
}

dq_dataset *dq_dataset_copy(const dq_dataset *ds, dq_error *err)
{
    dq_dataset *c = dq_dataset_new();
    if (!c || copy_into(c, ds)) {
        dq_dataset_free(c);
        nomem(err, DQ_ERROR_NO_TAG);
        return NULL;
    }
    return c;
}
