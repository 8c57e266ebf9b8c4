/* Error values: see include/dq/error.h. */
#include "dq/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void error_vset(dq_error *err, dq_error_kind kind, size_t offset, uint32_t tag,
                       const char *fmt, va_list ap)
{
    memset(err, 0, sizeof *err);
    err->kind = kind;
    err->offset = offset;
    err->tag = tag;
    vsnprintf(err->message, sizeof err->message, fmt, ap);
}

void dq_error_set(dq_error *err, dq_error_kind kind, size_t offset, uint32_t tag, const char *fmt,
                  ...)
{
    if (!err)
        return;
    va_list ap;
    va_start(ap, fmt);
    error_vset(err, kind, offset, tag, fmt, ap);
    va_end(ap);
}

int dq_fail(dq_error *err, dq_error_kind kind, size_t offset, uint32_t tag, const char *fmt, ...)
{
    if (!err)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    error_vset(err, kind, offset, tag, fmt, ap);
    va_end(ap);
    return -1;
}

void dq_error_clear(dq_error *err)
{
    if (!err)
        return;
    /* Called on hot paths: the fields, not the 256-byte message buffer. */
    err->kind = DQ_OK;
    err->offset = DQ_ERROR_NO_OFFSET;
    err->tag = DQ_ERROR_NO_TAG;
    err->sys_errno = 0;
    memset(err->detail, 0, sizeof err->detail);
    err->message[0] = 0;
}

void dq_error_prefix(dq_error *err, const char *fmt, ...)
{
    if (!err)
        return;
    char prefix[128];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    /* Build "prefix: old" by hand: truncation is intended, not a bug. */
    char out[sizeof err->message];
    size_t n = 0, cap = sizeof out - 1;
    for (const char *parts[3] = {prefix, ": ", err->message}, **p = parts; p < parts + 3; p++)
        for (const char *s = *p; *s && n < cap; s++)
            out[n++] = *s;
    out[n] = 0;
    memcpy(err->message, out, n + 1);
}

const char *dq_error_kind_name(dq_error_kind kind)
{
    switch (kind) {
    case DQ_OK: return "ok";
    case DQ_ERR_NOMEM: return "out of memory";
    case DQ_ERR_ARGUMENT: return "invalid argument";
    case DQ_ERR_MALFORMED: return "malformed";
    case DQ_ERR_LIMIT: return "limit exceeded";
    case DQ_ERR_UNSUPPORTED: return "unsupported";
    case DQ_ERR_NOT_FOUND: return "not found";
    case DQ_ERR_IO: return "I/O error";
    case DQ_ERR_CONNECT: return "connection failed";
    case DQ_ERR_TIMEOUT: return "timeout";
    case DQ_ERR_CLOSED: return "connection closed";
    case DQ_ERR_REJECTED: return "association rejected";
    case DQ_ERR_ABORTED: return "association aborted";
    case DQ_ERR_PROTOCOL: return "protocol error";
    case DQ_ERR_CANCELLED: return "cancelled";
    case DQ_ERR_AUTH: return "authentication";
    case DQ_ERR_TLS: return "TLS failure";
    }
    return "unknown error";
}
