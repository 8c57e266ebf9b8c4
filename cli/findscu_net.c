/* findscu: Ctrl-C handling on the library's TCP transport (see findscu_net.h). */
#include "findscu_net.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "findscu_log.h"

/* Written by the handler, read by every thread: a lock-free atomic, which
 * is async-signal-safe (C11 7.14.1.1) and race-free across threads. */
static atomic_int n_interrupts;
_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "the SIGINT counter must be lock-free");

/* One wake pipe per connection that may be open at once (findscu --jobs
 * runs up to FS_NET_MAX connections in threads): a wait drains its own
 * pipe, so one pipe shared by every thread would wake only one of them.
 * The pipes live until exit, so the handler never writes to a closed (and
 * maybe reused) descriptor. */
static int wake_pipes[FS_NET_MAX][2];
static size_t n_wake_pipes;

static void on_sigint(int sig)
{
    (void)sig;
    int saved = errno;
    int n = atomic_fetch_add(&n_interrupts, 1) + 1;
    for (size_t i = 0; i < n_wake_pipes; i++) {
        ssize_t w = write(wake_pipes[i][1], "x", 1);
        (void)w;
    }
    if (n >= 3) {
        /* Something is stuck outside our waits: leave now. */
        static const char msg[] = "E: Aborting Association\n";
        ssize_t w = write(STDERR_FILENO, msg, sizeof msg - 1);
        (void)w;
        _exit(130);
    }
    errno = saved;
}

void fs_net_install_sigint(size_t connections)
{
    if (connections > FS_NET_MAX)
        connections = FS_NET_MAX;
    while (n_wake_pipes < connections && pipe(wake_pipes[n_wake_pipes]) == 0) {
        for (int i = 0; i < 2; i++) {
            int fd = wake_pipes[n_wake_pipes][i];
            fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
            fcntl(fd, F_SETFD, FD_CLOEXEC);
        }
        n_wake_pipes++;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
}

int fs_net_interrupts(void)
{
    return atomic_load(&n_interrupts);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct fs_net {
    int wake_fd;            /* this connection's wake pipe (read end), -1: none */
    int handled;            /* interrupts already reported to the library */
    double cancel_deadline; /* > 0: the C-CANCEL went out, the final response is due by then */
};
typedef struct fs_net net;

/* A connection's Ctrl-C state lives here, not in the transport, so it
 * outlives the association that frees the transport. */
static net nets[FS_NET_MAX];

fs_net *fs_net_slot(size_t i)
{
    return i < FS_NET_MAX ? &nets[i] : NULL;
}

/* A Ctrl-C not yet reported: the first asks for a cancel (the library sends
 * a C-CANCEL if a C-FIND is waiting, else aborts), any later one for an
 * abort. 0 when there is none. */
static int report_interrupt(net *c, dq_error *err)
{
    int irq = atomic_load(&n_interrupts);
    if (irq <= c->handled)
        return 0;
    c->handled = irq;
    dq_error_set(err, DQ_ERR_CANCELLED, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG, "interrupted");
    err->detail[0] = irq == 1 ? DQ_CANCEL_REQUEST : DQ_CANCEL_ABORT;
    return -1;
}

/* The library transport's interrupt check (dq_transport_interrupt). */
static int net_check(void *user, dq_transport *t, dq_transport_step step, double *wait_max,
                     dq_error *err)
{
    (void)t;
    net *c = user;
    switch (step) {
    case DQ_TRANSPORT_STEP_CONNECT_WAIT:
    case DQ_TRANSPORT_STEP_HANDSHAKE_WAIT: /* Ctrl-C ends the TLS handshake at once too */
        fs_log_flush();
        if (atomic_load(&n_interrupts))
            return dq_fail(err, DQ_ERR_CANCELLED, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
                           "interrupted");
        return 0;
    case DQ_TRANSPORT_STEP_READ: return report_interrupt(c, err);
    case DQ_TRANSPORT_STEP_READ_WAIT:
        if (c->cancel_deadline > 0) {
            double left = c->cancel_deadline - now_s();
            if (left <= 0) {
                dq_error_set(err, DQ_ERR_TIMEOUT, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
                             "no response to the C-CANCEL within %g s", FS_CANCEL_WAIT);
                err->detail[0] = DQ_TIMEOUT_CANCEL;
                return -1;
            }
            *wait_max = left;
        }
        /* About to block: let the user see everything logged so far. */
        fs_log_flush();
        return 0;
    case DQ_TRANSPORT_STEP_WRITE_WAIT:
        break; /* writes finish whole PDUs: an interrupt never cuts into one */
    }
    return 0;
}

int fs_net_connect(dq_transport **out, fs_net *n, const char *host, uint16_t port, double timeout,
                   const dq_tls_config *tls, dq_tls_info *info, dq_error *err)
{
    *out = NULL;
    size_t slot = (size_t)(n - nets);
    memset(n, 0, sizeof *n);
    n->wake_fd = slot < n_wake_pipes ? wake_pipes[slot][0] : -1;
    dq_transport_interrupt irq = {.wake_fd = n->wake_fd, .check = net_check, .user = n};
    int rc = tls ? dq_transport_connect_tls(out, host, port, timeout, &irq, tls, info, err)
                 : dq_transport_connect_tcp_irq(out, host, port, timeout, &irq, err);
    if (rc == 0)
        return 0;
    /* Python's wording for the failure ("[Errno 111] Connection refused"). */
    if (err->kind == DQ_ERR_TIMEOUT) {
        dq_error_set(err, DQ_ERR_TIMEOUT, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG, "timed out");
    } else if (err->kind == DQ_ERR_CONNECT && err->sys_errno == 0) {
        int g = err->detail[0]; /* resolver: "[Errno -2] Name or service not known" */
        dq_error_set(err, DQ_ERR_CONNECT, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG, "[Errno %d] %s", g,
                     gai_strerror(g));
    } else if (err->kind == DQ_ERR_CONNECT) {
        int e = err->sys_errno;
        dq_error_set(err, DQ_ERR_CONNECT, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG, "[Errno %d] %s", e,
                     strerror(e));
        err->sys_errno = e;
    }
    return -1;
}

bool fs_net_take_cancel(fs_net *n)
{
    if (n->handled > 0 || atomic_load(&n_interrupts) < 1)
        return false;
    n->handled = 1;
    return true;
}

void fs_net_cancel_sent(fs_net *n)
{
    n->cancel_deadline = now_s() + FS_CANCEL_WAIT;
}
