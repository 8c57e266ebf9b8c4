/* findscu: Ctrl-C handling on the library's TCP transport (see findscu_net.h). */
#include "findscu_net.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
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
    int handled;          /* interrupts already acted on */
    bool find_active, cancel_sent;
    uint8_t pctx_id;
    uint16_t message_id;
    double cancel_deadline;
};
typedef struct fs_net net;

/* findscu makes one connection: its Ctrl-C state lives here, not in the
 * transport, so it outlives the association that frees the transport. */
static net the_net;

/* A C-CANCEL-FIND-RQ for the C-FIND in flight, as one P-DATA-TF PDU. */
static int send_cancel(net *c, dq_transport *t, dq_error *err)
{
    dq_dimse_command cmd;
    memset(&cmd, 0, sizeof cmd);
    cmd.command_field = DQ_DIMSE_CMD_C_CANCEL_FIND_RQ;
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
            /* The cancel gets its own 10 s bound, whatever -tn says. */
            double saved = dq_transport_timeout(t);
            dq_transport_set_timeout(t, 10);
            rc = dq_transport_write_all(t, pdu, sizeof hdr + b.len, err);
            dq_transport_set_timeout(t, saved);
            free(pdu);
        }
    }
    dq_buffer_free(&b);
    return rc;
}

/* The library transport's interrupt check (dq_transport_interrupt). */
static int net_check(void *user, dq_transport *t, dq_transport_step step, double *wait_max,
                     dq_error *err)
{
    net *c = user;
    switch (step) {
    case DQ_TRANSPORT_STEP_CONNECT_WAIT:
        fs_log_flush();
        if (n_interrupts)
            return dq_error_set(err, DQ_ERR_CANCELLED, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
                                "interrupted"), -1;
        return 0;
    case DQ_TRANSPORT_STEP_READ: {
        int irq = (int)n_interrupts;
        if (irq > c->handled) {
            c->handled = irq;
            if (irq == 1 && c->find_active && !c->cancel_sent) {
                FS_INFO("Sending C-CANCEL");
                if (send_cancel(c, t, err) != 0)
                    return -1;
                c->cancel_sent = true;
                c->cancel_deadline = now_s() + FS_CANCEL_WAIT;
            } else if (irq >= 2 || !c->find_active) {
                return dq_error_set(err, DQ_ERR_CANCELLED, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
                                    "interrupted"), -1;
            }
        }
        return 0;
    }
    case DQ_TRANSPORT_STEP_READ_WAIT:
        if (c->cancel_sent && c->cancel_deadline > 0) {
            double left = c->cancel_deadline - now_s();
            if (left <= 0) {
                dq_error_set(err, DQ_ERR_TIMEOUT, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
                             "no response to the C-CANCEL within %g s", FS_CANCEL_WAIT);
                err->detail[0] = DQ_TIMEOUT_DIMSE; /* pynetdicom waits for it as DIMSE */
                return -1;
            }
            *wait_max = left;
        }
        /* About to block: let the user see everything logged so far. */
        fs_log_flush();
        return 0;
    case DQ_TRANSPORT_STEP_WRITE_WAIT:
        break; /* writes finish whole PDUs: a cancel never cuts into one */
    }
    return 0;
}

int fs_net_connect(dq_transport **out, fs_net **handle, const char *host, uint16_t port, double timeout,
                   dq_error *err)
{
    *out = NULL;
    *handle = NULL;
    memset(&the_net, 0, sizeof the_net);
    dq_transport_interrupt irq = {.wake_fd = wake_pipe[0], .check = net_check, .user = &the_net};
    if (dq_transport_connect_tcp_irq(out, host, port, timeout, &irq, err) == 0) {
        *handle = &the_net;
        return 0;
    }
    /* Python's wording for the failure ("[Errno 111] Connection refused"). */
    if (err->kind == DQ_ERR_TIMEOUT) {
        dq_error_set(err, DQ_ERR_TIMEOUT, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG, "timed out");
    } else if (err->kind == DQ_ERR_CONNECT && err->sys_errno == 0) {
        int g = err->detail[0]; /* resolver: "[Errno -2] Name or service not known" */
        dq_error_set(err, DQ_ERR_CONNECT, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG, "[Errno %d] %s",
                     g, gai_strerror(g));
    } else if (err->kind == DQ_ERR_CONNECT) {
        int e = err->sys_errno;
        dq_error_set(err, DQ_ERR_CONNECT, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG, "[Errno %d] %s", e,
                     strerror(e));
        err->sys_errno = e;
    }
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
