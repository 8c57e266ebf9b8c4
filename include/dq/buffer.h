/* dq: a growable byte buffer, the one output type of every encoder (data
 * sets, Part 10, command sets, PDUs) and of text conversion. */
#ifndef DQ_BUFFER_H
#define DQ_BUFFER_H

#include <stddef.h>
#include <stdint.h>

#include "dq/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Plain malloc'd bytes; encoders append to it. Zero-initialise
 * (dq_buffer b = {0};) or call dq_buffer_init; release with dq_buffer_free. */
typedef struct dq_buffer {
    uint8_t *data;
    size_t len;
    size_t cap;
} dq_buffer;

void dq_buffer_init(dq_buffer *b);
void dq_buffer_free(dq_buffer *b);
/* Makes room for `extra` more bytes (amortised doubling). 0 or -1
 * (DQ_ERR_NOMEM). */
int dq_buffer_reserve(dq_buffer *b, size_t extra, dq_error *err);
/* Resizes the memory to exactly `cap` bytes (never below len), for a
 * caller that knows its size better than doubling does. 0 or -1. */
int dq_buffer_set_capacity(dq_buffer *b, size_t cap, dq_error *err);
int dq_buffer_append(dq_buffer *b, const void *bytes, size_t n, dq_error *err);
/* Sets len to 0 and keeps the memory. */
void dq_buffer_reset(dq_buffer *b);

#ifdef __cplusplus
}
#endif
#endif
