/* dq: byte transport under the DICOM Upper Layer.
 *
 * A transport is a small vtable (read some bytes, write bytes, close) plus a
 * receive buffer owned by this module. TCP is built in; TLS or an in-memory
 * pipe can be plugged in with dq_transport_new() without touching the
 * protocol code above it (dq/tls.h is such a transport).
 *
 * Reading is buffered: the buffer is filled with large reads and callers get
 * pointers into it (dq_transport_need/consume), so a PDU is copied once, from
 * the kernel into the buffer, and parsed in place.
 *
 * Timeouts are fractional seconds; a value <= 0 means "wait forever". */
#ifndef DQ_TRANSPORT_H
#define DQ_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "dq/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dq_transport dq_transport;

/* What a transport implementation provides. `ctx` is the pointer given to
 * dq_transport_new(). Every function reports failures through *err (never
 * NULL here) using DQ_ERR_IO, DQ_ERR_TIMEOUT (detail[0] DQ_TIMEOUT_NETWORK for
 * the TCP transport) or DQ_ERR_CLOSED. */
typedef struct dq_transport_ops {
    /* Reads at least 1 and at most cap bytes, waiting at most `timeout`
     * seconds for the first byte. Returns the count, or -1 with *err set
     * (DQ_ERR_CLOSED on orderly end of stream). */
    ssize_t (*read)(void *ctx, void *buf, size_t cap, double timeout, dq_error *err);
    /* Writes all len bytes, each wait bounded by `timeout`. 0 or -1. */
    int (*write)(void *ctx, const void *buf, size_t len, double timeout, dq_error *err);
    /* Releases the connection and ctx. Called once, by dq_transport_close(). */
    void (*close)(void *ctx);
} dq_transport_ops;

/* Largest receive buffer dq_transport_need() will grow to by default: a cap
 * so a hostile length field cannot make us allocate without bound. */
#define DQ_TRANSPORT_DEFAULT_MAX_BUFFER ((size_t)64 * 1024 * 1024)

/* Opens a TCP connection to host:port (name or address, IPv4 or IPv6),
 * waiting at most connect_timeout seconds; sets TCP_NODELAY so each PDU
 * leaves at once. Errors: DQ_ERR_CONNECT (sys_errno set), DQ_ERR_TIMEOUT
 * (detail[0] DQ_TIMEOUT_CONNECT). */
int dq_transport_connect_tcp(dq_transport **out, const char *host, uint16_t port,
                             double connect_timeout, dq_error *err);

/* Waking a blocked TCP transport for something other than the peer (e.g.
 * Ctrl-C): the caller's check() runs at each step below and may end the
 * operation by returning -1 with *err set, which the read/write/connect then
 * returns as is: DQ_ERR_TIMEOUT (a bound of the caller's, with its
 * dq_timeout_kind in detail[0]) or DQ_ERR_CANCELLED with a dq_cancel_kind in
 * detail[0] (dq/error.h) saying what the user wants; the layer above decides
 * what that means (dq/assoc.h: dq_assoc_set_cancel_handler). A read ended
 * this way has consumed nothing: what was buffered stays, and the caller may
 * simply read again. Every wait also polls wake_fd (the non-blocking read
 * end of a self-pipe a signal handler writes to; -1: none): when it becomes
 * readable (or a signal interrupts the wait) it is drained and a read or
 * write tries again from its first step; a connect runs check() again.
 * check() may shorten the coming wait to *wait_max seconds (-1 on entry: no
 * bound); the wait then just ends and check() runs again. check() only
 * reports: it does not read or write t. */
typedef enum dq_transport_step {
    DQ_TRANSPORT_STEP_CONNECT_WAIT,  /* waiting for the TCP handshake (t is NULL) */
    DQ_TRANSPORT_STEP_READ,          /* before every receive attempt (may not block) */
    DQ_TRANSPORT_STEP_READ_WAIT,     /* nothing to receive: about to wait */
    DQ_TRANSPORT_STEP_WRITE_WAIT,    /* the send buffer is full: about to wait */
    DQ_TRANSPORT_STEP_HANDSHAKE_WAIT /* a TLS handshake waits for the peer (t is NULL;
                                        dq/tls.h): like CONNECT_WAIT, nothing to retry */
} dq_transport_step;

typedef struct dq_transport_interrupt {
    int wake_fd;
    int (*check)(void *user, dq_transport *t, dq_transport_step step, double *wait_max,
                 dq_error *err);
    void *user; /* passed to check(); must outlive the transport */
} dq_transport_interrupt;

/* dq_transport_connect_tcp() with an interrupt source (copied; NULL: none).
 * Also: a resolver failure (DQ_ERR_CONNECT, sys_errno 0) puts the EAI_* code
 * in err->detail[0]; a timeout has sys_errno ETIMEDOUT. */
int dq_transport_connect_tcp_irq(dq_transport **out, const char *host, uint16_t port,
                                 double connect_timeout, const dq_transport_interrupt *irq,
                                 dq_error *err);

/* Wraps a caller-supplied implementation (e.g. TLS). The transport takes
 * ownership of ctx: ops->close(ctx) runs in dq_transport_close(). */
dq_transport *dq_transport_new(const dq_transport_ops *ops, void *ctx);

/* Per-read (and per-write) network timeout in seconds; <= 0: none. */
void dq_transport_set_timeout(dq_transport *t, double seconds);
double dq_transport_timeout(const dq_transport *t);
/* Caps how far dq_transport_need() may grow the buffer. */
void dq_transport_set_max_buffer(dq_transport *t, size_t max_bytes);

/* Makes at least n contiguous received bytes available at *data (pointing
 * into the transport's buffer, valid until the next call on t), reading as
 * needed with large reads. Returns 0, or -1 with *err set: DQ_ERR_CLOSED
 * (end of stream; err->offset = bytes that were buffered), DQ_ERR_TIMEOUT,
 * DQ_ERR_IO, DQ_ERR_LIMIT (n above the buffer cap). */
int dq_transport_need(dq_transport *t, size_t n, const uint8_t **data, dq_error *err);
/* Drops n bytes from the front of the buffer (n <= what need() returned). */
void dq_transport_consume(dq_transport *t, size_t n);
/* Bytes received and not yet consumed. */
size_t dq_transport_buffered(const dq_transport *t);

/* Copies exactly n bytes out (a convenience over need+consume). */
int dq_transport_read_exact(dq_transport *t, void *dst, size_t n, dq_error *err);

/* Writes all len bytes in as few system calls as the kernel allows (callers
 * pass a whole PDU). 0 or -1 with *err set. */
int dq_transport_write_all(dq_transport *t, const void *buf, size_t len, dq_error *err);

/* Counters for benchmarks and tests. */
typedef struct dq_transport_stats {
    uint64_t bytes_read, bytes_written;
    uint64_t read_calls, write_calls;
    uint64_t bytes_moved; /* unconsumed bytes shifted to the buffer's front (a copy) */
} dq_transport_stats;
void dq_transport_stats_get(const dq_transport *t, dq_transport_stats *out);

/* Closes the connection at once and frees everything; NULL is fine. */
void dq_transport_close(dq_transport *t);

#ifdef __cplusplus
}
#endif
#endif
