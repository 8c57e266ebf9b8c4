/* Byte transport: TCP implementation and the buffered reader every
 * implementation shares. The only file in libdq that touches sockets. */
#include "dq/transport.h"
#include "transport_impl.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "dq/buffer.h"

/* Reads ask the kernel for at least this much, so a PDU header never costs
 * its own system call. */
#define DQ_TRANSPORT_READ_CHUNK ((size_t)64 * 1024)

struct dq_transport {
    const dq_transport_ops *ops;
    void *ctx;
    double timeout;
    dq_buffer rx; /* received bytes: rx.data[start..rx.len) not yet consumed */
    size_t start, max_buffer;
    dq_transport_stats stats;
};

/* ---- time --------------------------------------------------------------- */

double dq_transport_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Waits for `events` on fd until `deadline` (<= 0: forever), also waking
 * when irq's wake_fd becomes readable (drained, then irq->check runs again).
 * irq->check runs before every wait and may shorten it (*wait_max) or end
 * the operation. 0 with *ready (false: the deadline passed first), or -1
 * with *err: irq->check's error, or DQ_ERR_IO when poll fails. */
int dq_transport_wait_fd(int fd, short events, double deadline, const dq_transport_interrupt *irq,
                         dq_transport *t, dq_transport_step step, bool *ready, dq_error *err)
{
    *ready = false;
    for (;;) {
        double wait_max = -1;
        if (irq && irq->check && irq->check(irq->user, t, step, &wait_max, err) != 0)
            return -1;
        int ms = -1;
        double left = -1;
        if (deadline > 0) {
            left = deadline - dq_transport_now();
            if (left <= 0)
                return 0;
        }
        if (wait_max >= 0 && (left < 0 || wait_max < left))
            left = wait_max;
        if (left >= 0) {
            double m = left * 1000.0 + 0.999; /* round up: never spin at 0 ms */
            ms = m > 2147483647.0 ? 2147483647 : (int)m;
        }
        struct pollfd p[2] = {{.fd = fd, .events = events},
                              {.fd = irq ? irq->wake_fd : -1, .events = POLLIN}};
        int np = p[1].fd >= 0 ? 2 : 1;
        int r = poll(p, (nfds_t)np, ms);
        bool woken = (r < 0 && errno == EINTR) || (r > 0 && np == 2 && p[1].revents);
        if (r > 0 && np == 2 && (p[1].revents & POLLIN)) {
            char drain[64];
            while (read(p[1].fd, drain, sizeof drain) > 0) {
            }
        }
        if (r < 0 && errno != EINTR) {
            int e = errno;
            dq_error_set(err, DQ_ERR_IO, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG, "poll failed: %s",
                         strerror(e));
            err->sys_errno = e;
            return -1;
        }
        /* Woken: a read or write retries from the top (its READ step runs
         * check() again); a connect or handshake has nothing to retry, it
         * waits on (check() runs again first). */
        bool retry =
            step != DQ_TRANSPORT_STEP_CONNECT_WAIT && step != DQ_TRANSPORT_STEP_HANDSHAKE_WAIT;
        if ((r > 0 && p[0].revents) || (woken && irq && retry)) {
            *ready = true;
            return 0;
        }
        /* A shortened wait ended, or a signal without irq: check and wait again. */
    }
}

double dq_transport_deadline(double timeout)
{
    return timeout > 0 ? dq_transport_now() + timeout : 0;
}

int dq_transport_timed_out(dq_error *err, bool sending, double timeout)
{
    dq_error_set(err, DQ_ERR_TIMEOUT, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
                 sending ? "network timeout: could not send for %g s"
                         : "network timeout: nothing received for %g s",
                 timeout);
    err->detail[0] = DQ_TIMEOUT_NETWORK;
    return -1;
}

int dq_transport_check_read(const dq_transport_interrupt *irq, dq_transport *t, dq_error *err)
{
    double unused = -1;
    if (irq && irq->check && irq->check(irq->user, t, DQ_TRANSPORT_STEP_READ, &unused, err) != 0)
        return -1;
    return 0;
}

/* ---- TCP ------------------------------------------------------------------ */

typedef struct tcp_ctx {
    int fd;
    dq_transport *t; /* the transport wrapping this context (for irq.check) */
    bool has_irq;
    dq_transport_interrupt irq; /* copied from the caller, valid when has_irq */
} tcp_ctx;

static const dq_transport_interrupt *ctx_irq(const tcp_ctx *c)
{
    return c->has_irq ? &c->irq : NULL;
}

/* A failed recv/send: the peer gone (`closed`) or another I/O error. -1. */
static int io_fail(dq_error *err, int e, bool closed, const char *what)
{
    dq_error_set(err, closed ? DQ_ERR_CLOSED : DQ_ERR_IO, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
                 "%s failed: %s", what, strerror(e));
    err->sys_errno = e;
    return -1;
}

/* Waits until the socket is ready for `events`; the deadline passing first
 * is the network timeout (nothing received, or could not send, for
 * `timeout` s). 0 or -1. */
static int wait_ready(tcp_ctx *c, short events, double deadline, dq_transport_step step,
                      double timeout, dq_error *err)
{
    bool ready;
    if (dq_transport_wait_fd(c->fd, events, deadline, ctx_irq(c), c->t, step, &ready, err) < 0)
        return -1;
    return ready ? 0 : dq_transport_timed_out(err, events == POLLOUT, timeout);
}

static ssize_t tcp_read(void *vctx, void *buf, size_t cap, double timeout, dq_error *err)
{
    tcp_ctx *c = vctx;
    double deadline = dq_transport_deadline(timeout);
    const dq_transport_interrupt *irq = ctx_irq(c);
    for (;;) {
        if (dq_transport_check_read(irq, c->t, err) < 0)
            return -1;
        ssize_t n = recv(c->fd, buf, cap, 0);
        if (n > 0)
            return n;
        if (n == 0)
            return dq_fail(err, DQ_ERR_CLOSED, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
                           "the peer closed the connection");
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            return io_fail(err, errno, errno == ECONNRESET, "receive");
        if (wait_ready(c, POLLIN, deadline, DQ_TRANSPORT_STEP_READ_WAIT, timeout, err) < 0)
            return -1;
    }
}

static int tcp_write(void *vctx, const void *buf, size_t len, double timeout, dq_error *err)
{
    tcp_ctx *c = vctx;
    const uint8_t *p = buf;
    while (len > 0) {
        /* MSG_NOSIGNAL: a peer that went away is an error value, not SIGPIPE. */
        ssize_t n = send(c->fd, p, len, MSG_NOSIGNAL);
        if (n > 0) {
            p += n;
            len -= (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (wait_ready(c, POLLOUT, dq_transport_deadline(timeout), DQ_TRANSPORT_STEP_WRITE_WAIT,
                           timeout, err) < 0)
                return -1;
            continue;
        }
        return io_fail(err, errno, errno == EPIPE || errno == ECONNRESET, "send");
    }
    return 0;
}

static void tcp_close(void *vctx)
{
    tcp_ctx *c = vctx;
    if (c->fd >= 0)
        close(c->fd);
    free(c);
}

static const dq_transport_ops tcp_ops = {tcp_read, tcp_write, tcp_close};

/* One non-blocking connect attempt to one address, bounded by deadline.
 * 0 with *fd connected, or with *fd -1 and *why the errno this address
 * failed with (ETIMEDOUT on timeout: try the next one, or give up); -1
 * with *err when the wait itself ended (irq->check, poll failure). */
static int connect_one(const struct addrinfo *ai, double deadline,
                       const dq_transport_interrupt *irq, int *fd, int *why, dq_error *err)
{
    *fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
    if (*fd < 0) {
        *why = errno;
        return 0;
    }
    if (connect(*fd, ai->ai_addr, ai->ai_addrlen) == 0)
        return 0;
    *why = errno;
    bool ready = false;
    int soerr = 0;
    socklen_t sl = sizeof soerr;
    if (*why == EINPROGRESS) {
        if (dq_transport_wait_fd(*fd, POLLOUT, deadline, irq, NULL, DQ_TRANSPORT_STEP_CONNECT_WAIT,
                                 &ready, err) < 0) {
            close(*fd);
            *fd = -1;
            return -1;
        }
        if (ready && getsockopt(*fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 && soerr == 0)
            return 0;
        *why = !ready ? ETIMEDOUT : (soerr ? soerr : ECONNREFUSED);
    }
    close(*fd);
    *fd = -1;
    return 0;
}

int dq_transport_connect_tcp(dq_transport **out, const char *host, uint16_t port,
                             double connect_timeout, dq_error *err)
{
    return dq_transport_connect_tcp_irq(out, host, port, connect_timeout, NULL, err);
}

int dq_transport_connect_fd(int *out, const char *host, uint16_t port, double connect_timeout,
                            const dq_transport_interrupt *irq, dq_error *err)
{
    *out = -1;
    if (!host || !*host)
        return dq_fail(err, DQ_ERR_ARGUMENT, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG, "no host given");
    char service[8];
    snprintf(service, sizeof service, "%u", (unsigned)port);
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_ADDRCONFIG | AI_NUMERICSERV};
    struct addrinfo *res = NULL;
    int gr = getaddrinfo(host, service, &hints, &res);
    if (gr != 0) {
        dq_error_set(err, DQ_ERR_CONNECT, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
                     "cannot resolve %s: %s", host, gai_strerror(gr));
        err->detail[0] = gr; /* the EAI_* code, for callers that word it themselves */
        return -1;
    }
    double deadline = dq_transport_deadline(connect_timeout);
    int fd = -1, last = ECONNREFUSED;
    for (const struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
        if (connect_one(ai, deadline, irq, &fd, &last, err) < 0) {
            freeaddrinfo(res);
            return -1;
        }
        if (last == ETIMEDOUT)
            break;
    }
    freeaddrinfo(res);
    if (fd < 0) {
        dq_error_set(err, last == ETIMEDOUT ? DQ_ERR_TIMEOUT : DQ_ERR_CONNECT, DQ_ERROR_NO_OFFSET,
                     DQ_ERROR_NO_TAG, "cannot connect to %s:%u: %s", host, (unsigned)port,
                     last == ETIMEDOUT ? "connection timed out" : strerror(last));
        err->sys_errno = last;
        if (last == ETIMEDOUT)
            err->detail[0] = DQ_TIMEOUT_CONNECT;
        return -1;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    *out = fd;
    return 0;
}

int dq_transport_connect_tcp_irq(dq_transport **out, const char *host, uint16_t port,
                                 double connect_timeout, const dq_transport_interrupt *irq,
                                 dq_error *err)
{
    dq_error scratch;
    if (!err)
        err = &scratch;
    if (!out)
        return dq_fail(err, DQ_ERR_ARGUMENT, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG, "no output");
    *out = NULL;
    int fd;
    if (dq_transport_connect_fd(&fd, host, port, connect_timeout, irq, err) < 0)
        return -1;
    tcp_ctx *c = calloc(1, sizeof *c);
    if (!c) {
        close(fd);
        return dq_fail(err, DQ_ERR_NOMEM, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG, "out of memory");
    }
    c->fd = fd;
    if (irq) {
        c->has_irq = true;
        c->irq = *irq;
    }
    dq_transport *t = dq_transport_new(&tcp_ops, c);
    if (!t) {
        tcp_close(c);
        return dq_fail(err, DQ_ERR_NOMEM, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG, "out of memory");
    }
    c->t = t;
    *out = t;
    return 0;
}

/* ---- the shared buffered reader ------------------------------------------- */

dq_transport *dq_transport_new(const dq_transport_ops *ops, void *ctx)
{
    if (!ops)
        return NULL;
    dq_transport *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->ops = ops;
    t->ctx = ctx;
    t->max_buffer = DQ_TRANSPORT_DEFAULT_MAX_BUFFER;
    return t;
}

void dq_transport_set_timeout(dq_transport *t, double seconds)
{
    if (t)
        t->timeout = seconds;
}

double dq_transport_timeout(const dq_transport *t)
{
    return t ? t->timeout : 0;
}

void dq_transport_set_max_buffer(dq_transport *t, size_t max_bytes)
{
    if (t)
        t->max_buffer = max_bytes < DQ_TRANSPORT_READ_CHUNK ? DQ_TRANSPORT_READ_CHUNK : max_bytes;
}

size_t dq_transport_buffered(const dq_transport *t)
{
    return t ? t->rx.len - t->start : 0;
}

int dq_transport_need(dq_transport *t, size_t n, const uint8_t **data, dq_error *err)
{
    dq_error scratch;
    if (!err)
        err = &scratch;
    if (n > t->max_buffer)
        return dq_fail(err, DQ_ERR_LIMIT, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
                       "%zu bytes requested, above the %zu byte receive cap", n, t->max_buffer);
    dq_buffer *rx = &t->rx;
    while (rx->len - t->start < n) {
        /* Room for the rest of this request plus one large read; exactly
         * that much, as the cap bounds it, not doubled. */
        size_t want = n + DQ_TRANSPORT_READ_CHUNK;
        if (rx->cap - t->start < want) {
            size_t have = rx->len - t->start;
            if (t->start > 0 && have > 0) {
                memmove(rx->data, rx->data + t->start, have);
                t->stats.bytes_moved += have;
            }
            t->start = 0;
            rx->len = have;
            if (rx->cap < want && dq_buffer_set_capacity(rx, want, err) < 0)
                return -1;
        }
        ssize_t r = t->ops->read(t->ctx, rx->data + rx->len, rx->cap - rx->len, t->timeout, err);
        if (r < 0) {
            if (err->kind == DQ_ERR_CLOSED)
                err->offset = rx->len - t->start;
            return -1;
        }
        rx->len += (size_t)r;
        t->stats.read_calls++;
        t->stats.bytes_read += (uint64_t)r;
    }
    if (data)
        *data = rx->data + t->start;
    return 0;
}

void dq_transport_consume(dq_transport *t, size_t n)
{
    size_t have = t->rx.len - t->start;
    t->start += n < have ? n : have;
    if (t->start == t->rx.len)
        t->start = t->rx.len = 0;
}

int dq_transport_read_exact(dq_transport *t, void *dst, size_t n, dq_error *err)
{
    const uint8_t *p;
    if (dq_transport_need(t, n, &p, err) < 0)
        return -1;
    memcpy(dst, p, n);
    dq_transport_consume(t, n);
    return 0;
}

int dq_transport_write_all(dq_transport *t, const void *buf, size_t len, dq_error *err)
{
    dq_error scratch;
    if (!err)
        err = &scratch;
    if (t->ops->write(t->ctx, buf, len, t->timeout, err) < 0)
        return -1;
    t->stats.write_calls++;
    t->stats.bytes_written += len;
    return 0;
}

void dq_transport_stats_get(const dq_transport *t, dq_transport_stats *out)
{
    if (t && out)
        *out = t->stats;
}

void dq_transport_close(dq_transport *t)
{
    if (!t)
        return;
    t->ops->close(t->ctx);
    dq_buffer_free(&t->rx);
    free(t);
}
