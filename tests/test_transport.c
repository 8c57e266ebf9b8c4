/* Transport over loopback TCP: buffered reads, timeouts, end of stream,
 * connect failures, a plugged-in implementation. */
#include <criterion/criterion.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dq/transport.h"
#include "loopback.h"

/* Connects a transport to a fresh listener; returns the server side fd. */
static int pair(dq_transport **t)
{
    uint16_t port;
    int lfd = listen_any(&port);
    dq_error e;
    cr_assert_eq(dq_transport_connect_tcp(t, "127.0.0.1", port, 2.0, &e), 0, "%s", e.message);
    int s = accept(lfd, NULL, NULL);
    cr_assert(s >= 0);
    close(lfd);
    return s;
}

Test(transport, need_collects_bytes_across_writes_and_reads_large)
{
    dq_transport *t;
    int s = pair(&t);
    dq_transport_set_timeout(t, 2.0);
    const char *msg = "0123456789abcdef";
    for (int i = 0; i < 16; i++)
        cr_assert_eq(write(s, msg + i, 1), 1);
    const uint8_t *p;
    dq_error e;
    cr_assert_eq(dq_transport_need(t, 6, &p, &e), 0, "%s", e.message);
    cr_assert_eq(memcmp(p, "012345", 6), 0);
    dq_transport_consume(t, 6);
    cr_assert_eq(dq_transport_need(t, 10, &p, &e), 0, "%s", e.message);
    cr_assert_eq(memcmp(p, "6789abcdef", 10), 0);
    dq_transport_consume(t, 10);
    cr_assert_eq(dq_transport_buffered(t), 0);

    /* A 1 MB block arrives in far fewer reads than a 6-byte-at-a-time reader would make. */
    static uint8_t big[1 << 20];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (uint8_t)(i * 7);
    dq_transport_stats before, after;
    dq_transport_stats_get(t, &before);
    /* A child writes it so neither side can block on a full socket buffer. */
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        size_t sent = 0;
        while (sent < sizeof big) {
            ssize_t n = write(s, big + sent, sizeof big - sent);
            if (n <= 0)
                _exit(1);
            sent += (size_t)n;
        }
        _exit(0);
    }
    cr_assert_eq(dq_transport_need(t, sizeof big, &p, &e), 0, "%s", e.message);
    cr_assert_eq(memcmp(p, big, sizeof big), 0);
    dq_transport_stats_get(t, &after);
    cr_assert_eq(after.bytes_read - before.bytes_read, sizeof big);
    cr_assert_lt(after.read_calls - before.read_calls, 200);
    dq_transport_consume(t, sizeof big);
    int st;
    waitpid(pid, &st, 0);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    close(s);
    dq_transport_close(t);
}

Test(transport, write_all_and_read_exact)
{
    dq_transport *t;
    int s = pair(&t);
    dq_error e;
    cr_assert_eq(dq_transport_write_all(t, "hello", 5, &e), 0);
    char buf[8] = {0};
    cr_assert_eq(read(s, buf, 5), 5);
    cr_assert_str_eq(buf, "hello");
    cr_assert_eq(write(s, "world", 5), 5);
    memset(buf, 0, sizeof buf);
    cr_assert_eq(dq_transport_read_exact(t, buf, 5, &e), 0);
    cr_assert_str_eq(buf, "world");
    close(s);
    dq_transport_close(t);
}

Test(transport, read_timeout_is_fractional)
{
    dq_transport *t;
    int s = pair(&t);
    dq_transport_set_timeout(t, 0.15);
    cr_assert_float_eq(dq_transport_timeout(t), 0.15, 1e-9);
    const uint8_t *p;
    dq_error e;
    double t0 = now();
    cr_assert_eq(dq_transport_need(t, 1, &p, &e), -1);
    double dt = now() - t0;
    cr_assert_eq(e.kind, DQ_ERR_TIMEOUT);
    cr_assert(dt >= 0.14 && dt < 1.0, "waited %f s", dt);
    close(s);
    dq_transport_close(t);
}

Test(transport, end_of_stream_reports_closed_with_partial_count)
{
    dq_transport *t;
    int s = pair(&t);
    dq_transport_set_timeout(t, 2.0);
    cr_assert_eq(write(s, "abc", 3), 3);
    close(s);
    const uint8_t *p;
    dq_error e;
    cr_assert_eq(dq_transport_need(t, 6, &p, &e), -1);
    cr_assert_eq(e.kind, DQ_ERR_CLOSED);
    cr_assert_eq(e.offset, 3);
    /* Writing to a closed peer is an error value, never SIGPIPE. */
    int rc = 0;
    for (int i = 0; i < 50 && rc == 0; i++)
        rc = dq_transport_write_all(t, "xxxxxxxx", 8, &e);
    cr_assert_eq(rc, -1);
    cr_assert(e.kind == DQ_ERR_CLOSED || e.kind == DQ_ERR_IO);
    dq_transport_close(t);
}

Test(transport, buffer_cap_is_enforced)
{
    dq_transport *t;
    int s = pair(&t);
    dq_transport_set_max_buffer(t, 100000);
    const uint8_t *p;
    dq_error e;
    cr_assert_eq(dq_transport_need(t, 200000, &p, &e), -1);
    cr_assert_eq(e.kind, DQ_ERR_LIMIT);
    close(s);
    dq_transport_close(t);
}

Test(transport, connect_refused_and_bad_host)
{
    uint16_t port;
    int lfd = listen_any(&port);
    close(lfd); /* nothing listens there now */
    dq_transport *t = (dq_transport *)1;
    dq_error e;
    cr_assert_eq(dq_transport_connect_tcp(&t, "127.0.0.1", port, 1.0, &e), -1);
    cr_assert_eq(e.kind, DQ_ERR_CONNECT);
    cr_assert_eq(e.sys_errno, ECONNREFUSED);
    cr_assert_null(t);
    cr_assert_eq(dq_transport_connect_tcp(&t, "no-such-host.invalid", 104, 1.0, &e), -1);
    cr_assert_eq(e.kind, DQ_ERR_CONNECT);
    cr_assert_eq(dq_transport_connect_tcp(&t, "", 104, 1.0, &e), -1);
    cr_assert_eq(e.kind, DQ_ERR_ARGUMENT);
}

Test(transport, tcp_nodelay_is_set)
{
    /* Find our client socket among the open fds: the one that is not the
     * accepted server side and has a peer. */
    dq_transport *t;
    int s = pair(&t);
    int found = 0;
    for (int fd = 3; fd < 64; fd++) {
        if (fd == s)
            continue;
        int v = 0;
        socklen_t l = sizeof v;
        struct sockaddr_in a;
        socklen_t al = sizeof a;
        if (getpeername(fd, (struct sockaddr *)&a, &al) == 0 &&
            getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &v, &l) == 0 && v)
            found = 1;
    }
    cr_assert(found, "no connected socket with TCP_NODELAY");
    close(s);
    dq_transport_close(t);
}

/* A plugged-in implementation: an in-memory script of chunks. */
typedef struct mem_ctx {
    const char *chunks[4];
    int next;
    int closed;
    char written[64];
    size_t nwritten;
} mem_ctx;

static ssize_t mem_read(void *v, void *buf, size_t cap, double timeout, dq_error *err)
{
    (void)timeout;
    mem_ctx *m = v;
    if (!m->chunks[m->next])
        return dq_fail(err, DQ_ERR_CLOSED, 0, 0, "eof");
    size_t n = strlen(m->chunks[m->next]);
    if (n > cap)
        n = cap;
    memcpy(buf, m->chunks[m->next++], n);
    return (ssize_t)n;
}

static int mem_write(void *v, const void *buf, size_t len, double timeout, dq_error *err)
{
    (void)timeout;
    (void)err;
    mem_ctx *m = v;
    memcpy(m->written + m->nwritten, buf, len);
    m->nwritten += len;
    return 0;
}

static void mem_close(void *v)
{
    ((mem_ctx *)v)->closed = 1;
}

Test(transport, pluggable_implementation)
{
    static const dq_transport_ops ops = {mem_read, mem_write, mem_close};
    mem_ctx m = {.chunks = {"ab", "cdef", "g", NULL}};
    dq_transport *t = dq_transport_new(&ops, &m);
    cr_assert_not_null(t);
    const uint8_t *p;
    dq_error e;
    cr_assert_eq(dq_transport_need(t, 7, &p, &e), 0);
    cr_assert_eq(memcmp(p, "abcdefg", 7), 0);
    dq_transport_consume(t, 7);
    cr_assert_eq(dq_transport_need(t, 1, &p, &e), -1);
    cr_assert_eq(e.kind, DQ_ERR_CLOSED);
    cr_assert_eq(dq_transport_write_all(t, "xyz", 3, &e), 0);
    cr_assert_eq(m.nwritten, 3);
    dq_transport_close(t);
    cr_assert_eq(m.closed, 1);
}

/* ---- interrupts (dq_transport_interrupt): what findscu's Ctrl-C uses ------ */

typedef struct irq_probe {
    int calls[4];        /* per dq_transport_step */
    int cancel_after;    /* READ steps before check() cancels (0: never) */
    double bound;        /* READ_WAIT: *wait_max to ask for (< 0: none) */
    int timeout_after;   /* READ_WAIT steps before check() times out (0: never) */
    dq_cancel_kind kind; /* what the cancel reports in detail[0] */
} irq_probe;

static int probe_check(void *user, dq_transport *t, dq_transport_step step, double *wait_max,
                       dq_error *err)
{
    irq_probe *p = user;
    (void)t;
    int n = ++p->calls[step];
    if (step == DQ_TRANSPORT_STEP_READ && p->cancel_after && n == p->cancel_after) {
        dq_error_set(err, DQ_ERR_CANCELLED, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG, "probe cancelled");
        err->detail[0] = (int)p->kind;
        return -1;
    }
    if (step == DQ_TRANSPORT_STEP_READ_WAIT) {
        if (p->timeout_after && n >= p->timeout_after)
            return dq_fail(err, DQ_ERR_TIMEOUT, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
                           "probe deadline");
        if (p->bound >= 0)
            *wait_max = p->bound;
    }
    return 0;
}

static int pair_irq(dq_transport **t, const dq_transport_interrupt *irq)
{
    uint16_t port;
    int lfd = listen_any(&port);
    dq_error e;
    cr_assert_eq(dq_transport_connect_tcp_irq(t, "127.0.0.1", port, 2.0, irq, &e), 0, "%s",
                 e.message);
    int s = accept(lfd, NULL, NULL);
    cr_assert(s >= 0);
    close(lfd);
    return s;
}

Test(transport, wake_fd_ends_a_blocked_read_through_check)
{
    int pfd[2];
    cr_assert_eq(pipe2(pfd, O_NONBLOCK), 0);
    irq_probe probe = {.cancel_after = 2, .bound = -1};
    dq_transport_interrupt irq = {.wake_fd = pfd[0], .check = probe_check, .user = &probe};
    dq_transport *t;
    int s = pair_irq(&t, &irq);
    dq_transport_set_timeout(t, 3.0); /* a missed wake fails as a timeout, not a hang */
    pid_t child = fork();
    cr_assert(child >= 0);
    if (child == 0) {
        usleep(200 * 1000);
        _exit(write(pfd[1], "x", 1) == 1 ? 0 : 1);
    }
    const uint8_t *p;
    dq_error e;
    double t0 = now();
    cr_assert_eq(dq_transport_need(t, 1, &p, &e), -1);
    double dt = now() - t0;
    waitpid(child, NULL, 0);
    cr_assert_eq(e.kind, DQ_ERR_CANCELLED, "%s", e.message);
    cr_assert_str_eq(e.message, "probe cancelled");
    cr_assert(dt >= 0.15 && dt < 1.5, "woke after %f s", dt);
    cr_assert_eq(probe.calls[DQ_TRANSPORT_STEP_READ], 2);
    cr_assert_geq(probe.calls[DQ_TRANSPORT_STEP_READ_WAIT], 1);
    char left;
    cr_assert_eq(read(pfd[0], &left, 1), -1, "the wake pipe was drained");
    close(s);
    close(pfd[0]);
    close(pfd[1]);
    dq_transport_close(t);
}

Test(transport, check_can_shorten_a_wait_and_end_it)
{
    irq_probe probe = {.bound = 0.1, .timeout_after = 3};
    dq_transport_interrupt irq = {.wake_fd = -1, .check = probe_check, .user = &probe};
    dq_transport *t;
    int s = pair_irq(&t, &irq);
    dq_transport_set_timeout(t, 5.0);
    const uint8_t *p;
    dq_error e;
    double t0 = now();
    cr_assert_eq(dq_transport_need(t, 1, &p, &e), -1);
    double dt = now() - t0;
    cr_assert_eq(e.kind, DQ_ERR_TIMEOUT);
    cr_assert_str_eq(e.message, "probe deadline");
    /* Two bounded waits of 0.1 s, then check() ends it: far below the 5 s timeout. */
    cr_assert(dt >= 0.18 && dt < 1.5, "ended after %f s", dt);
    cr_assert_eq(probe.calls[DQ_TRANSPORT_STEP_READ_WAIT], 3);
    close(s);
    dq_transport_close(t);
}

/* The contract the association's cancel handling relies on: a read that
 * check() ends keeps what was buffered, reports the kind it was given, and
 * the next read goes on where it was. */
Test(transport, a_read_ended_by_check_keeps_its_bytes_and_can_resume)
{
    irq_probe probe = {.cancel_after = 2, .bound = -1, .kind = DQ_CANCEL_REQUEST};
    dq_transport_interrupt irq = {.wake_fd = -1, .check = probe_check, .user = &probe};
    dq_transport *t;
    int s = pair_irq(&t, &irq);
    dq_transport_set_timeout(t, 3.0);
    cr_assert_eq(send(s, "abc", 3, 0), 3);
    const uint8_t *p;
    dq_error e;
    /* READ step 1 reads "abc"; step 2 (more wanted) is cancelled. */
    cr_assert_eq(dq_transport_need(t, 6, &p, &e), -1);
    cr_assert_eq(e.kind, DQ_ERR_CANCELLED, "%s", e.message);
    cr_assert_eq(e.detail[0], DQ_CANCEL_REQUEST);
    cr_assert_eq(dq_transport_buffered(t), 3, "nothing consumed");
    cr_assert_eq(send(s, "def", 3, 0), 3);
    cr_assert_eq(dq_transport_need(t, 6, &p, &e), 0, "%s", e.message);
    cr_assert_eq(memcmp(p, "abcdef", 6), 0);
    dq_transport_stats st;
    dq_transport_stats_get(t, &st);
    cr_assert_eq(st.bytes_written, 0, "check() only reports");
    close(s);
    dq_transport_close(t);
}
