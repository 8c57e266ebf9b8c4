/* Private to the data layer (src/data/): the data set model's structures and
 * the arena, shared by the files that implement include/dq/dataset.h
 * (dataset.c, codec.c, part10.c, keypath.c, dump.c, charset.c, vr.c). */
#ifndef DQ_DATASET_IMPL_H
#define DQ_DATASET_IMPL_H

#include <stdalign.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dq/dataset.h"
#include "vr_impl.h"

/* ---- tag structure ------------------------------------------------------- */

/* What PS3.5 says of every group, which no dictionary keyword names: element
 * 0000 of a group is its group length (7.2), and elements 0010-00FF of an
 * odd group are its private creators (7.8.1). */
#define DQ_GROUP_LENGTH_ELEMENT 0x0000u
#define DQ_PRIVATE_CREATOR_FIRST 0x0010u
#define DQ_PRIVATE_CREATOR_LAST 0x00FFu
/* Groups named through one of their elements: items and delimiters (PS3.5
 * 7.5), File Meta Information (PS3.10 7.1). */
#define DQ_ITEM_GROUP DQ_TAG_GROUP(DQ_TAG_Item)
#define DQ_FILE_META_GROUP DQ_TAG_GROUP(DQ_TAG_FileMetaInformationGroupLength)

/* ---- multi-valued text ---------------------------------------------------- */

/* Narrows [*p, *end) to its index-th '\'-separated value (PS3.5 6.4);
 * false when it has fewer values. Inline: element accessors are hot. */
static inline bool dq_nth_value(const char **p, const char **end, size_t index)
{
    const char *s = *p;
    for (size_t i = 0;; i++) {
        const char *bs = memchr(s, '\\', (size_t)(*end - s));
        if (i == index) {
            *p = s;
            if (bs)
                *end = bs;
            return true;
        }
        if (!bs)
            return false;
        s = bs + 1;
    }
}

/* ---- arena: bump allocation in growing blocks, freed all at once ---------- */

typedef struct dq_arena_block {
    struct dq_arena_block *next;
    size_t size, used;
    /* data follows, max_align_t aligned */
} dq_arena_block;

typedef struct dq_arena {
    dq_arena_block *head;  /* current block (newest) */
    dq_arena_block *first; /* kept on reset */
    size_t total_bytes;    /* bytes taken from malloc */
    size_t mallocs;        /* malloc calls made */
    void *last;            /* the most recent allocation, for in-place growth */
    size_t last_size;
} dq_arena;

/* Every allocation (and a block's data, after its header) is aligned so. */
#define DQ_ARENA_ALIGN alignof(max_align_t)
#define DQ_ARENA_HDR ((sizeof(dq_arena_block) + DQ_ARENA_ALIGN - 1) & ~(DQ_ARENA_ALIGN - 1))

void dq_arena_init(dq_arena *a, void *first_block, size_t first_size);
/* Aligned to max_align_t; NULL when out of memory. Never returns memory for 0
 * bytes as NULL. */
void *dq_arena_alloc(dq_arena *a, size_t n);

/* The bump of dq_arena_alloc: rn bytes (already rounded to DQ_ARENA_ALIGN)
 * from the current block, or NULL when it has no room. */
static inline void *dq_arena_bump(dq_arena *a, size_t rn)
{
    dq_arena_block *b = a->head;
    if (!b || b->size - b->used < rn)
        return NULL;
    void *p = (char *)b + DQ_ARENA_HDR + b->used;
    b->used += rn;
    a->last = p;
    a->last_size = rn;
    return p;
}

/* dq_arena_alloc inline, for the decoder's per-element allocations (an
 * element, its value): the call and the checks of the general case cost as
 * much as the bump itself. n of 0 or too large to round, or a full block,
 * go to dq_arena_alloc, which handles them (and so has the same results). */
static inline void *dq_arena_alloc_fast(dq_arena *a, size_t n)
{
    if (n - 1 < SIZE_MAX - DQ_ARENA_ALIGN) {
        void *p = dq_arena_bump(a, (n + DQ_ARENA_ALIGN - 1) & ~(DQ_ARENA_ALIGN - 1));
        if (p)
            return p;
    }
    return dq_arena_alloc(a, n);
}
/* Grows the allocation p (of old_n bytes) to n bytes; in place when p was the
 * last allocation and the block has room, else copies. */
void *dq_arena_grow(dq_arena *a, void *p, size_t old_n, size_t n);
/* Makes sure the next allocations up to n bytes fit without more mallocs. */
bool dq_arena_reserve(dq_arena *a, size_t n);
void dq_arena_reset(dq_arena *a);
void dq_arena_destroy(dq_arena *a);

/* ---- the model ------------------------------------------------------------ */

struct dq_element {
    uint32_t tag;
    dq_vr vr;
    uint8_t undefined_length; /* encapsulated pixel data kept raw (items + delimiter) */
    uint8_t typed_utf8;       /* text as typed (dq_dataset_set_key): UTF-8, not yet in the
                                 data set's character set (dq_dataset_encode_keys) */
    uint32_t len;
    uint8_t *value; /* little-endian byte order; NULL when len 0 */
    dq_dataset *owner;
    dq_dataset **items; /* SQ only */
    size_t nitems, items_cap;
};

struct dq_dataset {
    dq_arena *arena;    /* the root's */
    dq_element *parent; /* NULL for a root */
    dq_element **elems; /* ascending tag order */
    size_t n, cap;
    bool is_root;
};

/* A new element of ds (value empty, in no array yet); NULL when out of
 * memory. */
static inline dq_element *dq_ds_new_element(dq_dataset *ds, uint32_t tag, dq_vr vr)
{
    dq_element *el = dq_arena_alloc_fast(ds->arena, sizeof *el);
    if (el)
        *el = (dq_element){.tag = tag, .vr = vr, .owner = ds};
    return el;
}

/* A new element (value empty) inserted in tag order, replacing any element
 * with the same tag. NULL when out of memory. */
dq_element *dq_ds_put(dq_dataset *ds, uint32_t tag, dq_vr vr);
/* dq_ds_append's other cases: the first element, a full array, a tag not
 * above the last one. */
dq_element *dq_ds_append_slow(dq_dataset *ds, uint32_t tag, dq_vr vr);

/* Appends when tag is above the last tag, else inserts in order. Duplicate
 * tags: the later one wins. Inline: decoding appends every element, almost
 * always in order into an array with room. */
static inline dq_element *dq_ds_append(dq_dataset *ds, uint32_t tag, dq_vr vr)
{
    if (ds->n && ds->n < ds->cap && ds->elems[ds->n - 1]->tag < tag) {
        dq_element *el = dq_ds_new_element(ds, tag, vr);
        if (el)
            ds->elems[ds->n++] = el;
        return el;
    }
    return dq_ds_append_slow(ds, tag, vr);
}

/* Room in ds's element array for n elements (doubling from 16, or n if
 * more); false when out of memory. */
bool dq_ds_reserve(dq_dataset *ds, size_t n);

/* A new item appended to seq. */
dq_dataset *dq_ds_new_item(dq_element *seq);

/* Sets the value (copied into the arena; bytes NULL: len bytes for the
 * caller to fill). -1 when out of memory or len does not fit the 32-bit
 * length (0xFFFFFFFF is the undefined length). Inline: decoding sets every
 * element's value. */
static inline int dq_el_set_value(dq_element *el, const void *bytes, size_t len)
{
    if (len > UINT32_MAX - 1)
        return -1;
    el->len = (uint32_t)len;
    el->value = NULL;
    if (len) {
        el->value = dq_arena_alloc_fast(el->owner->arena, len);
        if (!el->value)
            return -1;
        if (bytes)
            memcpy(el->value, bytes, len);
    }
    return 0;
}

/* Little-endian helpers. */
static inline uint16_t dq_le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}
static inline uint32_t dq_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static inline uint16_t dq_be16(const uint8_t *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}
static inline uint32_t dq_be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

/* Inflates raw deflate (RFC 1951) input into out, failing with DQ_ERR_LIMIT
 * once more than max_out bytes would be produced. */
int dq_inflate_raw(const uint8_t *in, size_t len, size_t max_out, dq_buffer *out, dq_error *err);
int dq_deflate_raw(const uint8_t *in, size_t len, dq_buffer *out, dq_error *err);

/* The Specific Character Set (0008,0005) value in effect for ds (searching
 * enclosing data sets), as raw text; empty when none. */
dq_str dq_ds_charset(const dq_dataset *ds);

/* Decodes elements from buf[0..len) into ds (appending) with the given
 * encoding. stop_group != 0: stop (successfully) at the first element whose
 * group differs from it (for the Part 10 meta). *consumed gets the bytes read.
 * base_offset is added to error offsets. */
int dq_decode_raw(dq_dataset *ds, const uint8_t *buf, size_t len, bool implicit, bool big_endian,
                  const dq_limits *limits, uint16_t stop_group, size_t base_offset,
                  size_t *consumed, dq_error *err);
/* Inflates buf[0..len) (Deflated Explicit VR Little Endian, PS3.5 A.5) and
 * decodes the result into ds; the inflated size is capped by max_input. */
int dq_decode_deflated(dq_dataset *ds, const uint8_t *buf, size_t len, const dq_limits *limits,
                       dq_error *err);
/* Encodes ds (appending to out) with the given encoding. skip_group != 0:
 * elements of that group are not written. */
int dq_encode_raw(const dq_dataset *ds, bool implicit, bool big_endian, uint16_t skip_group,
                  dq_buffer *out, dq_error *err);

/* The whole raw value of a text element converted to UTF-8 with the
 * character set in effect (no trimming), appended to out. */
int dq_el_utf8_raw(const dq_element *el, dq_buffer *out);

/* dq_charset_to_utf8, but a byte no set decodes becomes U+FFFD (counted in
 * *replaced) instead of "\xNN", so the output is text a JSON or XML reader
 * takes. replaced NULL: "\xNN" as dq_charset_to_utf8. */
int dq_charset_to_utf8_repl(const char *specific_charset, const char *text, size_t len,
                            dq_buffer *out, size_t *replaced, dq_error *err);

/* Converts command-line text to a value of element el's VR (keypath.c):
 * text VRs as is, numbers from decimal, byte VRs from hex, AT from tags;
 * '\' separates values. `arg` names the argument in messages. */
int dq_el_set_from_text(dq_element *el, const char *text, const char *arg, dq_error *err);

#endif
