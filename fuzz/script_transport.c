/* The scripted in-memory transport (see script_transport.h). */
#include "script_transport.h"

#include <stdlib.h>
#include <string.h>

typedef struct script {
    const uint8_t *data;
    size_t len, pos, chunk;
} script;

static ssize_t script_read(void *ctx, void *buf, size_t cap, double timeout, dq_error *err)
{
    (void)timeout;
    script *s = ctx;
    if (s->pos >= s->len)
        return dq_fail(err, DQ_ERR_CLOSED, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG, "end of script");
    size_t n = s->len - s->pos;
    if (n > cap)
        n = cap;
    if (s->chunk && n > s->chunk)
        n = s->chunk;
    memcpy(buf, s->data + s->pos, n);
    s->pos += n;
    return (ssize_t)n;
}

static int script_write(void *ctx, const void *buf, size_t len, double timeout, dq_error *err)
{
    (void)ctx;
    (void)timeout;
    (void)err;
    /* Touch every byte so ASan checks what the library hands us. */
    volatile uint8_t sink = 0;
    const uint8_t *p = buf;
    for (size_t i = 0; i < len; i++)
        sink ^= p[i];
    (void)sink;
    return 0;
}

static void script_close(void *ctx)
{
    free(ctx);
}

static const dq_transport_ops script_ops = {script_read, script_write, script_close};

dq_transport *dq_fuzz_script_transport(const uint8_t *data, size_t len, size_t chunk)
{
    script *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->data = data;
    s->len = len;
    s->chunk = chunk;
    dq_transport *t = dq_transport_new(&script_ops, s);
    if (!t)
        free(s);
    return t;
}

size_t dq_fuzz_chunk_for(uint8_t selector)
{
    static const size_t sizes[8] = {0, 1, 2, 5, 13, 64, 1000, 16384};
    return sizes[selector & 7];
}
