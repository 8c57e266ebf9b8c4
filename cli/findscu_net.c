/* findscu: TCP transport with Ctrl-C handling (see findscu_net.h). */
#include "findscu_net.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <dq/assoc.h>
#include <dq/pdu.h>

#include "findscu_log.h"

static volatile sig_atomic_t n_interrupts;
static int wake_pipe[2] = {-1, -1};

static void on_sigint(int sig)
{
    (void)sig;
    n_interrupts++;
    int saved = errno;
    if (wake_pipe[1] >= 0) {
        ssize_t w = write(wake_pipe[1], "x", 1);
        (void)w;
    }
    if (n_interrupts >= 3) {
        /* Something is stuck outside our waits: leave now. */
        static const char msg[] = "E: Aborting Association\n";
        ssize_t w = write(STDERR_FILENO, msg, sizeof msg - 1);
        (void)w;
        _exit(130);
    }
    errno = saved;
}

void fs_net_install_sigint(void)
{
    if (wake_pipe[0] < 0 && pipe(wake_pipe) == 0) {
        for (int i = 0; i < 2; i++) {
            fcntl(wake_pipe[i], F_SETFL, fcntl(wake_pipe[i], F_GETFL) | O_NONBLOCK);
            fcntl(wake_pipe[i], F_SETFD, FD_CLOEXEC);
        }
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
}

int fs_net_interrupts(void)
{
    return (int)n_interrupts;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct fs_net {
    int fd;
    int handled;          /* interrupts already acted on */
    bool find_active, cancel_sent;
    uint8_t pctx_id;
    uint16_t message_id;
    double cancel_deadline;
};
typedef struct fs_net net;

static int send_all(int fd, const uint8_t *p, size_t len, double timeout, dq_error *err)
{
    double deadline = timeout > 0 ? now_s() + timeout : 0;
    while (len > 0) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n > 0) {
            p += n;
            len -= (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            int ms = -1;
            if (deadline > 0) {
                double left = deadline - now_s();
                if (left <= 0)
                    return dq_error_set(err, DQ_ERR_TIMEOUT, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
                                        "network timeout: could not send for %g s", timeout),
                           -1;
                ms = (int)(left * 1000.0) + 1;
            }
            struct pollfd pf = {.fd = fd, .events = POLLOUT};
            poll(&pf, 1, ms);
            continue;
        }
        int e = errno;
        dq_error_set(err, e == EPIPE || e == ECONNRESET ? DQ_ERR_CLOSED : DQ_ERR_IO,
                     DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG, "send failed: %s", strerror(e));
        err->sys_errno = e;
        return -1;
    }
    return 0;
}

/* A C-CANCEL-FIND-RQ for the C-FIND in flight, as one P-DATA-TF PDU. */
static int send_cancel(net *c, dq_error *err)
{
    dq_dimse_command cmd;
    memset(&cmd, 0, sizeof cmd);
    cmd.command_field = DQ_DIMSE_C_CANCEL_RQ;
    cmd.message_id_responded = c->message_id;
    cmd.has_message_id_responded = true;
    cmd.data_set_type = DQ_DIMSE_NO_DATA_SET;
    dq_buffer b;
    dq_buffer_init(&b);
    uint8_t hdr[DQ_PDU_PDATA_HEADER_SIZE];
    int rc = -1;
    if (dq_dimse_command_encode(&cmd, &b, err) == 0 &&
        dq_pdu_pdata_header(hdr, c->pctx_id, true, true, b.len, err) == DQ_OK) {
        uint8_t *pdu = malloc(sizeof hdr + b.len);
        if (pdu) {
            memcpy(pdu, hdr, sizeof hdr);
            memcpy(pdu + sizeof hdr, b.data, b.len);
            rc = send_all(c->fd, pdu, sizeof hdr + b.len, 10, err);
            free(pdu);
        }
    }
    dq_buffer_free(&b);
    return rc;
}

static ssize_t net_read(void *ctx, void *buf, size_t cap, double timeout, dq_error *err)
{
    net *c = ctx;
    double deadline = timeout > 0 ? now_s() + timeout : 0;
    for (;;) {
        int irq = (int)n_interrupts;
        if (irq > c->handled) {
            c->handled = irq;
            if (irq == 1 && c->find_active && !c->cancel_sent) {
                FS_INFO("Sending C-CANCEL");
                if (send_cancel(c, err) != 0)
                    return -1;
                c->cancel_sent = true;
                c->cancel_deadline = now_s() + FS_CANCEL_WAIT;
            } else if (irq >= 2 || !c->find_active) {
                dq_error_set(err, DQ_ERR_CANCELLED, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
                             "interrupted");
                return -1;
            }
        }
        ssize_t n = recv(c->fd, buf, cap, 0);
        if (n > 0)
            return n;
        if (n == 0) {
            dq_error_set(err, DQ_ERR_CLOSED, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
                         "the peer closed the connection");
            return -1;
        }
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) {
            int e = errno;
            dq_error_set(err, e == ECONNRESET ? DQ_ERR_CLOSED : DQ_ERR_IO, DQ_ERROR_NO_OFFSET,
                         DQ_ERROR_NO_TAG, "receive failed: %s", strerror(e));
            err->sys_errno = e;
            return -1;
        }
        double until = deadline;
        bool cancel_wait = c->cancel_sent && c->cancel_deadline > 0;
        if (cancel_wait && (until <= 0 || c->cancel_deadline < until))
            until = c->cancel_deadline;
        int ms = -1;
        if (until > 0) {
            double left = until - now_s();
            if (left <= 0) {
                if (cancel_wait && until == c->cancel_deadline)
                    dq_error_set(err, DQ_ERR_TIMEOUT, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
                                 "no response to the C-CANCEL within %g s", FS_CANCEL_WAIT);
                else
                    dq_error_set(err, DQ_ERR_TIMEOUT, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
                                 "network timeout: nothing received for %g s", timeout);
                return -1;
            }
            ms = (int)(left * 1000.0) + 1;
        }
        /* About to block: let the user see everything logged so far. */
        fs_log_flush();
        struct pollfd pf[2] = {{.fd = c->fd, .events = POLLIN}, {.fd = wake_pipe[0], .events = POLLIN}};
        int r = poll(pf, wake_pipe[0] >= 0 ? 2 : 1, ms);
        if (r > 0 && wake_pipe[0] >= 0 && (pf[1].revents & POLLIN)) {
            char drain[16];
            while (read(wake_pipe[0], drain, sizeof drain) > 0) {
            }
        }
    }
}

static int net_write(void *ctx, const void *buf, size_t len, double timeout, dq_error *err)
{
    net *c = ctx;
    return send_all(c->fd, buf, len, timeout, err);
}

static void net_close(void *ctx)
{
    net *c = ctx;
    if (c->fd >= 0)
        close(c->fd);
    free(c);
}

static const dq_transport_ops NET_OPS = {net_read, net_write, net_close};

/* Non-blocking connect bounded by the deadline; 0 or an errno value. */
static int connect_one(int fd, const struct sockaddr *sa, socklen_t len, double deadline)
{
    if (connect(fd, sa, len) == 0)
        return 0;
    if (errno != EINPROGRESS)
        return errno;
    for (;;) {
        int ms = -1;
        if (deadline > 0) {
            double left = deadline - now_s();
            if (left <= 0)
                return ETIMEDOUT;
            ms = (int)(left * 1000.0) + 1;
        }
        fs_log_flush();
        struct pollfd pf = {.fd = fd, .events = POLLOUT};
        int r = poll(&pf, 1, ms);
        if (r < 0 && errno == EINTR) {
            if (n_interrupts)
                return EINTR;
            continue;
        }
        if (r > 0)
            break;
    }
    int soerr = 0;
    socklen_t sl = sizeof soerr;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0)
        return errno;
    return soerr;
}

int fs_net_connect(dq_transport **out, fs_net **handle, const char *host, uint16_t port, double timeout,
                   dq_error *err)
{
    *out = NULL;
    *handle = NULL;
    char service[8];
    snprintf(service, sizeof service, "%u", port);
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int g = getaddrinfo(host, service, &hints, &res);
    if (g != 0) {
        /* Python reports resolver failures as "[Errno -2] Name or service not known". */
        dq_error_set(err, DQ_ERR_CONNECT, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG, "[Errno %d] %s",
                     g, gai_strerror(g));
        return -1;
    }
    double deadline = timeout > 0 ? now_s() + timeout : 0;
    int last = ECONNREFUSED;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
                        ai->ai_protocol);
        if (fd < 0) {
            last = errno;
            continue;
        }
        int e = connect_one(fd, ai->ai_addr, ai->ai_addrlen, deadline);
        if (e == 0) {
            int one = 1;
            /* Whole PDUs go out at once: no Nagle delay against delayed ACKs. */
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            net *c = calloc(1, sizeof *c);
            dq_transport *t = c ? dq_transport_new(&NET_OPS, c) : NULL;
            if (!t) {
                free(c);
                close(fd);
                freeaddrinfo(res);
                dq_error_set(err, DQ_ERR_NOMEM, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
                             "out of memory");
                return -1;
            }
            c->fd = fd;
            freeaddrinfo(res);
            *out = t;
            *handle = c;
            return 0;
        }
        close(fd);
        last = e;
        if (e == ETIMEDOUT || e == EINTR)
            break;
    }
    freeaddrinfo(res);
    if (last == ETIMEDOUT) {
        dq_error_set(err, DQ_ERR_TIMEOUT, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG, "timed out");
        return -1;
    }
    if (last == EINTR) {
        dq_error_set(err, DQ_ERR_CANCELLED, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG, "interrupted");
        return -1;
    }
    dq_error_set(err, DQ_ERR_CONNECT, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG, "[Errno %d] %s", last,
                 strerror(last));
    err->sys_errno = last;
    return -1;
}

void fs_net_set_find(fs_net *n, bool active, uint8_t pctx_id, uint16_t message_id)
{
    n->find_active = active;
    n->pctx_id = pctx_id;
    n->message_id = message_id;
}

bool fs_net_cancel_sent(const fs_net *n)
{
    return n->cancel_sent;
}

void fs_net_mark_cancel_sent(fs_net *n)
{
    n->cancel_sent = true;
    n->handled = (int)n_interrupts;
    n->cancel_deadline = now_s() + FS_CANCEL_WAIT;
}
