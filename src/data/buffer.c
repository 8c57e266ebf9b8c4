/* dq_buffer: the growable byte buffer encoders append to (include/dq/dataset.h).
 * Amortised doubling; every failure is DQ_ERR_NOMEM with the size asked for. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dq/dataset.h"

void dq_buffer_init(dq_buffer *b)
{
    memset(b, 0, sizeof *b);
}

void dq_buffer_free(dq_buffer *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

void dq_buffer_reset(dq_buffer *b)
{
    b->len = 0;
}

int dq_buffer_reserve(dq_buffer *b, size_t extra, dq_error *err)
{
    if (extra <= b->cap - b->len)
        return 0;
    if (extra > SIZE_MAX / 2 - b->len)
        return dq_fail(err, DQ_ERR_NOMEM, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
                       "buffer size overflow");
    size_t cap = b->cap ? b->cap : 256;
    while (cap - b->len < extra)
        cap *= 2;
    return dq_buffer_set_capacity(b, cap, err);
}

int dq_buffer_set_capacity(dq_buffer *b, size_t cap, dq_error *err)
{
    if (cap < b->len)
        cap = b->len;
    uint8_t *p = realloc(b->data, cap ? cap : 1);
    if (!p)
        return dq_fail(err, DQ_ERR_NOMEM, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
                       "out of memory growing a buffer to %zu bytes", cap);
    b->data = p;
    b->cap = cap;
    return 0;
}

int dq_buffer_append(dq_buffer *b, const void *bytes, size_t n, dq_error *err)
{
    if (n == 0)
        return 0;
    if (dq_buffer_reserve(b, n, err))
        return -1;
    memcpy(b->data + b->len, bytes, n);
    b->len += n;
    return 0;
}
