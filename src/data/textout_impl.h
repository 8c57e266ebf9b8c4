/* Private to the data layer: the value walk the JSON and XML writers
 * (json.c, xml.c; include/dq/json.h) share. The walk decides what every
 * element holds (which values, decoded to UTF-8, trimmed, numbers checked,
 * person names split, items, bytes); a writer only says how each piece is
 * spelt, through dq_tw_ops. Nothing is allocated per element: text that
 * needs converting goes through the walk's one scratch buffer. */
#ifndef DQ_TEXTOUT_IMPL_H
#define DQ_TEXTOUT_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dataset_impl.h"
#include "dq/json.h"

typedef struct dq_tw dq_tw;

/* What one value is. */
typedef enum dq_tw_kind {
    DQ_TW_STRING, /* UTF-8 text, to be escaped by the writer */
    DQ_TW_NUMBER, /* a number in JSON's syntax, written as is */
    DQ_TW_NULL,   /* an empty value among several */
} dq_tw_kind;

/* A piece of a writer's text that never varies ("}", "</Item>"), with its
 * length counted by the compiler: DQ_TW_TEXT("...") (at most
 * DQ_TW_TEXT_MAX bytes: compilers warn of a longer one). dq_tw_text_put
 * appends it with one fixed-size copy: no strlen, no call per piece. */
#define DQ_TW_TEXT_MAX 24
typedef struct dq_tw_text {
    char s[DQ_TW_TEXT_MAX];
    uint8_t n;
} dq_tw_text;
#define DQ_TW_TEXT(lit)      \
    {                        \
        lit, sizeof(lit) - 1 \
    }

/* How a writer spells each piece: the calls append to w->out through
 * dq_tw_put (which records a failure in w->failed); the fixed pieces are
 * text (a piece left out of the table is empty). index counts from 0. */
typedef struct dq_tw_ops {
    struct {
        /* vr: the VR code ("UN" when the VR is not in PS3.5's table). */
        void (*open)(dq_tw *w, const dq_element *el, const char *vr);
        dq_tw_text close;
    } element;
    /* Around the values (or items) of an element that has at least one:
     * values.close ends the element too (in place of element.close), so
     * that an element costs one piece at its end. A writer without
     * values.open (XML) has its values straight in the element. */
    struct {
        dq_tw_text open, close;
    } values;
    struct {
        void (*open)(dq_tw *w, size_t index);
        dq_tw_text close;
    } item;
    void (*value)(dq_tw *w, size_t index, dq_tw_kind kind, const char *s, size_t n);
    /* A PN value's alphabetic, ideographic and phonetic groups (UTF-8,
     * components still '^'-separated); an empty name is a DQ_TW_NULL value. */
    void (*person_name)(dq_tw *w, size_t index, const dq_str groups[3]);
    /* A byte VR's whole value (never empty), for base64 (dq_tw_base64). */
    void (*binary)(dq_tw *w, const uint8_t *p, size_t n);
} dq_tw_ops;

struct dq_tw {
    const dq_tw_ops *ops;
    dq_buffer *out;
    dq_buffer scratch; /* decoded text of the current value */
    dq_text_stats *st; /* never NULL inside the walk (&own when the caller gave none) */
    dq_text_stats own;
    dq_error *err;
    bool failed;
};

/* Appends open, every element of ds (and its items) through ops, then
 * close, to out; st may be NULL. 0, or -1 with *err (out of memory). */
int dq_tw_write(const dq_tw_ops *ops, const char *open, const char *close, dq_buffer *out,
                const dq_dataset *ds, dq_text_stats *st, dq_error *err);

/* Runs put(w, s, n) on a walk without a data set (the writers' escaping
 * for a caller's own text). 0, or -1 with *err (out of memory). */
int dq_tw_escape(void (*put)(dq_tw *w, const char *s, size_t n, bool flag), bool flag,
                 dq_buffer *out, const char *s, size_t n, dq_text_stats *st, dq_error *err);

/* Appends bytes to w->out; a failure is recorded in w->failed. Inline with
 * the common case first: writers append a few bytes at a time, and a call
 * into dq_buffer_append per piece was most of a JSON object's cost. */
void dq_tw_put_slow(dq_tw *w, const void *p, size_t n);
static inline void dq_tw_put(dq_tw *w, const void *p, size_t n)
{
    dq_buffer *b = w->out;
    if (n <= b->cap - b->len) {
        memcpy(b->data + b->len, p, n);
        b->len += n;
    } else {
        dq_tw_put_slow(w, p, n);
    }
}
static inline void dq_tw_text_put(dq_tw *w, const dq_tw_text *t)
{
    dq_buffer *b = w->out;
    if (sizeof t->s <= b->cap - b->len) {
        memcpy(b->data + b->len, t->s, sizeof t->s); /* the whole array: a fixed-size copy */
        b->len += t->n;
    } else {
        dq_tw_put_slow(w, t->s, t->n);
    }
}
static inline void dq_tw_puts(dq_tw *w, const char *s)
{
    dq_tw_put(w, s, strlen(s));
}
/* Writes a tag as 8 uppercase hex digits at dst (no NUL); appends a count
 * in decimal (no snprintf: these run for every element). */
extern const char dq_tw_hex_pairs[256][2];
static inline char *dq_tw_hex8(char *dst, uint32_t v)
{
    memcpy(dst, dq_tw_hex_pairs[v >> 24], 2);
    memcpy(dst + 2, dq_tw_hex_pairs[(v >> 16) & 0xFF], 2);
    memcpy(dst + 4, dq_tw_hex_pairs[(v >> 8) & 0xFF], 2);
    memcpy(dst + 6, dq_tw_hex_pairs[v & 0xFF], 2);
    return dst + 8;
}
void dq_tw_size(dq_tw *w, size_t v);
/* Appends p[0..n) base64-encoded (RFC 4648, with padding). */
void dq_tw_base64(dq_tw *w, const uint8_t *p, size_t n);
/* The Private Creator (gggg,00xx) value of a private element (gggg,xxee),
 * decoded to UTF-8 and trimmed; false when el is not a private element or
 * its creator is absent. The view is valid until the next value. */
bool dq_tw_private_creator(dq_tw *w, const dq_element *el, dq_str *out);
/* The dictionary keyword of a standard element, "" for none (private
 * elements, unknown tags). */
const char *dq_tw_keyword(uint32_t tag);

#endif
