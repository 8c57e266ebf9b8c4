/* dq: error values and the library's one status convention.
 *
 * Convention (every public function in include/dq/):
 *  - A function that can fail takes a `dq_error *err` (may be NULL) last and
 *    returns int: 0 on success, -1 on failure with *err filled (kind, byte
 *    offset, tag, errno, detail, message). Nothing else: no positive codes, no
 *    dq_error_kind as a return value. A third outcome ("need more bytes",
 *    "no more items", flags) is an out-parameter, never a return value.
 *  - Functions that return a pointer return NULL on failure (with *err filled
 *    when they take one); functions that return a size or count say so where
 *    they are declared (e.g. a transport's read returns the count or -1).
 *  - Lookups and predicates (NULL when unknown, bool) cannot fail.
 * Errors are plain values: no allocation, nothing to free.
 *
 * Inside the library a failure is written `return dq_fail(err, kind, ...);`.
 */
#ifndef DQ_ERROR_H
#define DQ_ERROR_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum dq_error_kind {
    DQ_OK = 0,
    DQ_ERR_NOMEM,       /* allocation failed */
    DQ_ERR_ARGUMENT,    /* the caller passed something invalid */
    DQ_ERR_MALFORMED,   /* input bytes do not follow the encoding */
    DQ_ERR_LIMIT,       /* input exceeds a configured cap (size, depth, count) */
    DQ_ERR_UNSUPPORTED, /* valid but not handled (e.g. unknown transfer syntax) */
    DQ_ERR_NOT_FOUND,   /* lookup found nothing */
    DQ_ERR_IO,          /* file or socket error (errno in `sys_errno`) */
    DQ_ERR_CONNECT,     /* TCP connection could not be made */
    DQ_ERR_TIMEOUT,     /* a network, ACSE or DIMSE timeout expired */
    DQ_ERR_CLOSED,      /* the peer closed the connection */
    DQ_ERR_REJECTED,    /* association rejected (A-ASSOCIATE-RJ) */
    DQ_ERR_ABORTED,     /* association aborted (A-ABORT / A-P-ABORT) */
    DQ_ERR_PROTOCOL,    /* the peer violated the protocol */
    DQ_ERR_CANCELLED,   /* the caller cancelled the operation */
    DQ_ERR_AUTH,        /* the peer did not confirm our user identity though we
                         * required it (PS3.7 D.3.3.7) */
    DQ_ERR_TLS,         /* the TLS layer failed: handshake, certificate, record (dq/tls.h) */
} dq_error_kind;

/* DQ_ERR_TIMEOUT: which wait expired, in detail[0] (so callers word it
 * without parsing the message). */
typedef enum dq_timeout_kind {
    DQ_TIMEOUT_UNSPECIFIED = 0,
    DQ_TIMEOUT_CONNECT, /* the TCP connection */
    DQ_TIMEOUT_NETWORK, /* one read or write (the network timeout) */
    DQ_TIMEOUT_ACSE,    /* the answer to an A-ASSOCIATE-RQ or A-RELEASE-RQ */
    DQ_TIMEOUT_DIMSE,   /* a DIMSE message */
    DQ_TIMEOUT_CANCEL,  /* the final response after a C-CANCEL (a bound the caller set) */
} dq_timeout_kind;

/* DQ_ERR_CANCELLED: what the caller asked for, in detail[0]. A transport's
 * interrupt check (dq/transport.h) reports one of these; the association
 * layer (dq/assoc.h, dq_assoc_set_cancel_handler) decides what it means. */
typedef enum dq_cancel_kind {
    DQ_CANCEL_ABORT = 0, /* stop now: the association is aborted */
    DQ_CANCEL_REQUEST,   /* ask the peer to stop the request in progress, keep going */
} dq_cancel_kind;

/* What the peer sent instead of a PDU, when something is known: in
 * detail[0] of the framing's DQ_ERR_MALFORMED, and in detail[2] of the
 * DQ_ERR_PROTOCOL the association fails with (dq/assoc.h). */
typedef enum dq_malformed_kind {
    DQ_MALFORMED_UNSPECIFIED = 0,
    DQ_MALFORMED_TLS_RECORD, /* a TLS record (RFC 8446 5.1): the peer expects TLS */
} dq_malformed_kind;

#define DQ_ERROR_NO_OFFSET ((size_t)-1)
#define DQ_ERROR_NO_TAG 0xFFFFFFFFu

typedef struct dq_error {
    dq_error_kind kind;
    size_t offset;     /* byte offset into the input, or DQ_ERROR_NO_OFFSET */
    uint32_t tag;      /* (gggg,eeee) as 0xggggeeee, or DQ_ERROR_NO_TAG */
    int sys_errno;     /* errno for DQ_ERR_IO / DQ_ERR_CONNECT, else 0 */
    int detail[3];     /* kind-specific numbers, e.g. A-ASSOCIATE-RJ result/source/reason */
    char message[256]; /* human readable, no trailing newline */
} dq_error;

/* Sets the error and fails: fills *err (if not NULL) and returns -1, so a
 * function following the convention above writes
 * `return dq_fail(err, DQ_ERR_MALFORMED, off, tag, "bad length %u", n);`. */
int dq_fail(dq_error *err, dq_error_kind kind, size_t offset, uint32_t tag, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* Fills *err (if not NULL) and returns nothing: for the places that record an
 * error without returning -1 (a function returning NULL or a size, an error
 * remembered while cleaning up, a field such as detail[] set afterwards). */
void dq_error_set(dq_error *err, dq_error_kind kind, size_t offset, uint32_t tag, const char *fmt,
                  ...) __attribute__((format(printf, 5, 6)));
/* Resets *err to DQ_OK with an empty message. */
void dq_error_clear(dq_error *err);
/* Prepends "prefix: " to the message (for adding context on the way up). */
void dq_error_prefix(dq_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A short name for a kind, e.g. "malformed". */
const char *dq_error_kind_name(dq_error_kind kind);

#ifdef __cplusplus
}
#endif
#endif
