/* replay_scp: a C-FIND SCP that answers every query with N canned matches as
 * fast as the socket takes them, so the client under test is the bottleneck.
 *
 * Independent of libdq on purpose (it measures libdq): PDUs, command sets and
 * identifiers are encoded here from raw bytes (wire.c, identifier.c).
 *
 *   replay_scp [-p PORT] [-n N] [-s small|large] [-t TS[,TS...]] [-m M]
 *              [--fork] [--latency MS] [--max-pdu BYTES] [--batch BYTES]
 *              [--deflate-level L] [--timeout MS] [-q]
 *
 * -p 0 picks a free port. The first line on stdout is always "port P".
 * Then, unless -q, one line per C-FIND and per association end, e.g.
 *   find assoc=1 msgid=1 ts=explicit pending=1000 status=0x0000
 *   end assoc=1 how=release
 * Every C-FIND-RQ of an association is answered (message IDs 1, 2, 3, ...),
 * each with its N matches and a final Success, and gets its own line.
 * -t is the transfer syntax preference (implicit, explicit, big, deflate),
 * first that the client proposes wins; syntaxes not listed are refused.
 * -m serves M associations, then exits (0 = forever); one after the other,
 * unless --fork: then each accepted connection is served by a child process,
 * so associations run at the same time (numbered in the order they were
 * accepted; each report line is one write(), so lines of concurrent children
 * never mix; with -m the parent exits after all M children ended).
 * --latency MS models a peer's per-response processing time (a database
 * look-up per match): MS milliseconds of sleep before each response, pending
 * and final alike, and each response is sent on its own, not batched. */
#include "identifier.h"
#include "wire.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONTEXTS 128
#define MAX_ASSOC_RQ 65536u       /* an A-ASSOCIATE-RQ larger than this is refused */
#define MAX_INCOMING_PDU 1048576u /* whatever max we announce, never buffer more */
#define MAX_COMMAND_SET 65536u

typedef struct options {
    int port;
    unsigned long n;
    bool large;
    dq_bench_ts pref[DQ_BENCH_TS_COUNT];
    size_t n_pref;
    unsigned long associations;
    uint32_t max_pdu;
    size_t batch;
    int deflate_level;
    int timeout_ms;
    long latency_ms; /* 0: no sleep before responses */
    bool fork;
    bool quiet;
} options;

typedef struct context {
    unsigned id;
    int ts; /* accepted transfer syntax, -1 when refused */
    char abstract[65];
} context;

typedef struct assoc {
    int fd;
    unsigned long number;
    uint32_t peer_max_pdu; /* 0 = unlimited */
    context ctx[MAX_CONTEXTS];
    size_t n_ctx;
    dq_bench_buf in;  /* the PDU being read */
    dq_bench_buf cmd; /* command set being reassembled */
    unsigned msg_ctx; /* presentation context of the message being reassembled */
    bool cmd_done, ds_pending, ds_done;
} assoc;

static const options *opt;
static dq_bench_identifier templates[DQ_BENCH_TS_COUNT];

static void usage(FILE *f)
{
    fprintf(f, "usage: replay_scp [-p PORT] [-n N] [-s small|large] [-t TS[,TS...]] [-m M]\n"
               "                  [--fork] [--latency MS] [--max-pdu BYTES] [--batch BYTES]\n"
               "                  [--deflate-level L] [--timeout MS] [-q]\n"
               "  TS: implicit, explicit, big, deflate (preference order; default\n"
               "      explicit,implicit,big,deflate)\n"
               "  --fork: a child process per association (concurrent associations)\n"
               "  --latency MS: sleep MS ms before each response (a peer's processing time)\n");
}

static unsigned long parse_ulong(const char *s, const char *what)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || end == s || *end || s[0] == '-') {
        fprintf(stderr, "replay_scp: bad %s '%s'\n", what, s);
        exit(2);
    }
    return v;
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void say(const char *fmt, ...)
{
    if (opt->quiet)
        return;
    /* One write() per line: with --fork, children share stdout, and a line
     * written in one piece (far below PIPE_BUF) never interleaves with
     * another child's. */
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    size_t len = (size_t)n < sizeof line ? (size_t)n : sizeof line - 1;
    (void)dq_bench_write_all(STDOUT_FILENO, line, len);
}

/* --latency: sleeps until now + latency_ms on the monotonic clock. An absolute
 * deadline makes the sleep exact across EINTR (a relative sleep restarted
 * after a signal would sleep too long). */
static void response_delay(void)
{
    if (opt->latency_ms == 0)
        return;
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    t.tv_sec += opt->latency_ms / 1000;
    t.tv_nsec += (opt->latency_ms % 1000) * 1000000L;
    if (t.tv_nsec >= 1000000000L) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000L;
    }
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL) == EINTR) {
    }
}

/* ---- association negotiation ---------------------------------------------- */

static int choose_ts(const char (*ts)[65], size_t n)
{
    for (size_t p = 0; p < opt->n_pref; p++)
        for (size_t i = 0; i < n; i++)
            if (strcmp(ts[i], dq_bench_ts_uid(opt->pref[p])) == 0)
                return (int)opt->pref[p];
    return -1;
}

/* Copies a UID sub-item value (trailing NUL/space trimmed). */
static void copy_uid(char out[65], const uint8_t *p, size_t len)
{
    size_t n = len < 64 ? len : 64;
    memcpy(out, p, n);
    while (n > 0 && (out[n - 1] == '\0' || out[n - 1] == ' '))
        n--;
    out[n] = '\0';
}

/* Parses a presentation context item's body (after the 4-byte item header). */
static bool parse_context(assoc *a, const uint8_t *p, size_t len, const char **why)
{
    if (len < 4) {
        *why = "presentation context item too short";
        return false;
    }
    if (a->n_ctx == MAX_CONTEXTS) {
        *why = "too many presentation contexts";
        return false;
    }
    context *c = &a->ctx[a->n_ctx];
    c->id = p[0];
    c->abstract[0] = '\0';
    char ts[32][65];
    size_t n_ts = 0;
    for (size_t off = 4; off < len;) {
        if (len - off < 4) {
            *why = "presentation context sub-item header truncated";
            return false;
        }
        uint8_t type = p[off];
        size_t sl = dq_bench_get16be(p + off + 2);
        if (sl > len - off - 4) {
            *why = "presentation context sub-item longer than its item";
            return false;
        }
        if (type == 0x30)
            copy_uid(c->abstract, p + off + 4, sl);
        else if (type == 0x40 && n_ts < 32)
            copy_uid(ts[n_ts++], p + off + 4, sl);
        off += 4 + sl;
    }
    c->ts = choose_ts((const char(*)[65])ts, n_ts);
    a->n_ctx++;
    return true;
}

static bool parse_user_info(assoc *a, const uint8_t *p, size_t len, const char **why)
{
    for (size_t off = 0; off < len;) {
        if (len - off < 4) {
            *why = "user information sub-item header truncated";
            return false;
        }
        uint8_t type = p[off];
        size_t sl = dq_bench_get16be(p + off + 2);
        if (sl > len - off - 4) {
            *why = "user information sub-item longer than its item";
            return false;
        }
        if (type == 0x51) {
            if (sl != 4) {
                *why = "maximum length sub-item is not 4 bytes";
                return false;
            }
            a->peer_max_pdu = dq_bench_get32be(p + off + 4);
        }
        off += 4 + sl;
    }
    return true;
}

static bool parse_assoc_rq(assoc *a, uint8_t called[16], uint8_t calling[16], const char **why)
{
    const uint8_t *p = a->in.p + 6;
    size_t len = a->in.len - 6;
    if (len < 68) {
        *why = "A-ASSOCIATE-RQ shorter than its fixed fields";
        return false;
    }
    memcpy(called, p + 4, 16);
    memcpy(calling, p + 20, 16);
    a->peer_max_pdu = 0;
    a->n_ctx = 0;
    for (size_t off = 68; off < len;) {
        if (len - off < 4) {
            *why = "A-ASSOCIATE-RQ item header truncated";
            return false;
        }
        uint8_t type = p[off];
        size_t il = dq_bench_get16be(p + off + 2);
        if (il > len - off - 4) {
            *why = "A-ASSOCIATE-RQ item longer than the PDU";
            return false;
        }
        const uint8_t *body = p + off + 4;
        if (type == 0x20 && !parse_context(a, body, il, why))
            return false;
        if (type == 0x50 && !parse_user_info(a, body, il, why))
            return false;
        off += 4 + il;
    }
    return true;
}

static void put_item_header(dq_bench_buf *b, unsigned type, size_t len)
{
    dq_bench_put8(b, type);
    dq_bench_put8(b, 0);
    dq_bench_put16be(b, (unsigned)len);
}

static bool send_assoc_ac(assoc *a, const uint8_t called[16], const uint8_t calling[16])
{
    dq_bench_buf b = {0};
    dq_bench_put8(&b, DQ_BENCH_PDU_ASSOC_AC);
    dq_bench_put8(&b, 0);
    dq_bench_put32be(&b, 0); /* length, set below */
    dq_bench_put16be(&b, 1); /* protocol version */
    dq_bench_put16be(&b, 0);
    dq_bench_put(&b, called, 16);
    dq_bench_put(&b, calling, 16);
    static const uint8_t zeros[32];
    dq_bench_put(&b, zeros, 32);
    put_item_header(&b, 0x10, strlen(DQ_BENCH_APP_CONTEXT));
    dq_bench_put(&b, DQ_BENCH_APP_CONTEXT, strlen(DQ_BENCH_APP_CONTEXT));
    for (size_t i = 0; i < a->n_ctx; i++) {
        const context *c = &a->ctx[i];
        /* Refused contexts still carry a transfer syntax sub-item; its value is ignored. */
        const char *ts = dq_bench_ts_uid(c->ts >= 0 ? (dq_bench_ts)c->ts : DQ_BENCH_TS_IMPLICIT_LE);
        size_t tl = strlen(ts);
        put_item_header(&b, 0x21, 4 + 4 + tl);
        dq_bench_put8(&b, c->id);
        dq_bench_put8(&b, 0);
        dq_bench_put8(&b, c->ts >= 0 ? 0 : 4); /* 4: transfer syntaxes not supported */
        dq_bench_put8(&b, 0);
        put_item_header(&b, 0x40, tl);
        dq_bench_put(&b, ts, tl);
    }
    static const char version[] = "DQ_REPLAY_SCP";
    size_t uid_len = strlen(DQ_BENCH_IMPL_UID);
    put_item_header(&b, 0x50, 8 + 4 + uid_len + 4 + strlen(version));
    put_item_header(&b, 0x51, 4);
    dq_bench_put32be(&b, opt->max_pdu);
    put_item_header(&b, 0x52, uid_len);
    dq_bench_put(&b, DQ_BENCH_IMPL_UID, uid_len);
    put_item_header(&b, 0x55, strlen(version));
    dq_bench_put(&b, version, strlen(version));
    dq_bench_set32be(b.p + 2, (uint32_t)(b.len - 6));
    bool ok = dq_bench_write_all(a->fd, b.p, b.len);
    dq_bench_buf_free(&b);
    return ok;
}

static void send_simple_pdu(int fd, unsigned type, unsigned b9, unsigned b10)
{
    uint8_t pdu[10] = {(uint8_t)type, 0, 0, 0, 0, 4, 0, 0, (uint8_t)b9, (uint8_t)b10};
    (void)dq_bench_write_all(fd, pdu, sizeof pdu);
}

static void send_abort(int fd)
{
    send_simple_pdu(fd, DQ_BENCH_PDU_ABORT, 2, 0);
}

static const context *find_context(const assoc *a, unsigned id)
{
    for (size_t i = 0; i < a->n_ctx; i++)
        if (a->ctx[i].id == id)
            return a->ctx[i].ts >= 0 ? &a->ctx[i] : NULL;
    return NULL;
}

/* ---- message reassembly --------------------------------------------------- */

typedef enum event {
    EV_NONE,    /* PDU consumed, no complete message yet */
    EV_MESSAGE, /* a->cmd holds a complete command (and its data set was received) */
    EV_RELEASE, /* A-RELEASE-RQ */
    EV_ABORT,   /* A-ABORT, or the peer went away */
    EV_ERROR,   /* protocol error: we abort */
} event;

/* Feeds the P-DATA-TF in a->in into the reassembly state. At most one complete
 * message per PDU is reported (a C-FIND client sends one message at a time). */
static event feed_pdata(assoc *a, const char **why)
{
    const uint8_t *p = a->in.p + 6;
    size_t len = a->in.len - 6;
    event ev = EV_NONE;
    for (size_t off = 0; off < len;) {
        if (len - off < 6) {
            *why = "PDV header truncated";
            return EV_ERROR;
        }
        uint32_t il = dq_bench_get32be(p + off);
        if (il < 2 || il > len - off - 4) {
            *why = "PDV length out of range";
            return EV_ERROR;
        }
        unsigned ctx = p[off + 4], mch = p[off + 5];
        const uint8_t *data = p + off + 6;
        size_t dl = il - 2;
        if (!find_context(a, ctx)) {
            *why = "PDV on a presentation context that was not accepted";
            return EV_ERROR;
        }
        if (mch & 1) {
            if (a->cmd_done || a->cmd.len + dl > MAX_COMMAND_SET) {
                *why =
                    a->cmd_done ? "command fragment after the last one" : "command set too large";
                return EV_ERROR;
            }
            a->msg_ctx = ctx;
            dq_bench_put(&a->cmd, data, dl);
            if (mch & 2) {
                a->cmd_done = true;
                dq_bench_command c;
                if (!dq_bench_parse_command(a->cmd.p, a->cmd.len, &c, why))
                    return EV_ERROR;
                a->ds_pending = c.dataset_type != DQ_BENCH_NO_DATASET;
            }
        } else {
            if (!a->cmd_done || !a->ds_pending) {
                *why = "data set fragment without a command announcing one";
                return EV_ERROR;
            }
            if (mch & 2)
                a->ds_done = true;
        }
        if (a->cmd_done && (!a->ds_pending || a->ds_done)) {
            if (off + 4 + il != len) {
                *why = "PDVs of a second message in the same PDU";
                return EV_ERROR;
            }
            ev = EV_MESSAGE;
        }
        off += 4 + il;
    }
    return ev;
}

static void message_reset(assoc *a)
{
    a->cmd.len = 0;
    a->cmd_done = a->ds_pending = a->ds_done = false;
}

/* Reads one PDU and turns it into an event. */
static event next_event(assoc *a, const char **why)
{
    int r = dq_bench_read_pdu(a->fd, &a->in, MAX_INCOMING_PDU, opt->timeout_ms, why);
    if (r == 0)
        return EV_ABORT;
    if (r < 0)
        return EV_ERROR;
    switch (a->in.p[0]) {
    case DQ_BENCH_PDU_DATA: return feed_pdata(a, why);
    case DQ_BENCH_PDU_RELEASE_RQ: return EV_RELEASE;
    case DQ_BENCH_PDU_ABORT: return EV_ABORT;
    default: *why = "unexpected PDU type after association"; return EV_ERROR;
    }
}

/* ---- serving a C-FIND ----------------------------------------------------- */

typedef enum outcome { OUT_DONE, OUT_CANCELLED, OUT_RELEASE, OUT_ABORT, OUT_ERROR } outcome;

/* Between batches: has the client said something? Only C-CANCEL-RQ is expected. */
static outcome poll_client(assoc *a, unsigned msgid, const char **why)
{
    for (;;) {
        struct pollfd pfd = {.fd = a->fd, .events = POLLIN};
        int r = poll(&pfd, 1, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return OUT_DONE;
        event ev = next_event(a, why);
        if (ev == EV_NONE)
            continue;
        if (ev == EV_ABORT)
            return OUT_ABORT;
        if (ev == EV_RELEASE) {
            *why = "A-RELEASE-RQ while a C-FIND is outstanding";
            return OUT_ERROR;
        }
        if (ev == EV_ERROR)
            return OUT_ERROR;
        dq_bench_command c;
        if (!dq_bench_parse_command(a->cmd.p, a->cmd.len, &c, why))
            return OUT_ERROR;
        message_reset(a);
        if (c.command_field == DQ_BENCH_C_CANCEL_RQ && c.responded_to == (long)msgid)
            return OUT_CANCELLED;
        *why = "unexpected DIMSE message while a C-FIND is outstanding";
        return OUT_ERROR;
    }
}

static bool flush(assoc *a, dq_bench_buf *out)
{
    bool ok = dq_bench_write_all(a->fd, out->p, out->len);
    out->len = 0;
    return ok;
}

static outcome serve_find(assoc *a, const dq_bench_command *rq, const context *ctx,
                          unsigned long *sent, const char **why)
{
    dq_bench_ts ts = (dq_bench_ts)ctx->ts;
    const char *sop = rq->sop_class[0] ? rq->sop_class : ctx->abstract;
    unsigned msgid = (unsigned)rq->message_id;
    dq_bench_identifier *id = &templates[ts];

    /* The pending command is the same for every response: fragment it once. */
    dq_bench_buf cmd = {0}, cmd_wire = {0}, out = {0}, deflated = {0};
    dq_bench_put_command(&cmd, sop, DQ_BENCH_C_FIND_RSP, -1, msgid, 0x0000, DQ_BENCH_STATUS_PENDING,
                         -1);
    dq_bench_put_fragments(&cmd_wire, ctx->id, true, cmd.p, cmd.len, a->peer_max_pdu);
    dq_bench_buf_reserve(&out, opt->batch + cmd_wire.len + 2 * id->bytes.len + 4096);

    outcome result = OUT_DONE;
    *sent = 0;
    for (unsigned long i = 1; i <= opt->n; i++) {
        response_delay();
        dq_bench_identifier_set(id, (uint32_t)i);
        dq_bench_put(&out, cmd_wire.p, cmd_wire.len);
        const uint8_t *ds = id->bytes.p;
        size_t ds_len = id->bytes.len;
        if (ts == DQ_BENCH_TS_DEFLATED_LE) {
            deflated.len = 0;
            if (!dq_bench_deflate(&deflated, ds, ds_len, opt->deflate_level)) {
                *why = "deflate failed";
                result = OUT_ERROR;
                break;
            }
            ds = deflated.p;
            ds_len = deflated.len;
        }
        dq_bench_put_fragments(&out, ctx->id, false, ds, ds_len, a->peer_max_pdu);
        (*sent)++;
        if (out.len >= opt->batch || i == opt->n || opt->latency_ms) {
            if (!flush(a, &out)) {
                *why = strerror(errno);
                result = OUT_ABORT;
                break;
            }
            result = poll_client(a, msgid, why);
            if (result != OUT_DONE)
                break;
        }
    }
    if (result == OUT_DONE || result == OUT_CANCELLED) {
        unsigned status = result == OUT_DONE ? DQ_BENCH_STATUS_SUCCESS : DQ_BENCH_STATUS_CANCEL;
        response_delay();
        cmd.len = 0;
        out.len = 0;
        dq_bench_put_command(&cmd, sop, DQ_BENCH_C_FIND_RSP, -1, msgid, DQ_BENCH_NO_DATASET, status,
                             -1);
        dq_bench_put_fragments(&out, ctx->id, true, cmd.p, cmd.len, a->peer_max_pdu);
        if (!flush(a, &out)) {
            *why = strerror(errno);
            result = OUT_ABORT;
        }
    }
    dq_bench_buf_free(&cmd);
    dq_bench_buf_free(&cmd_wire);
    dq_bench_buf_free(&out);
    dq_bench_buf_free(&deflated);
    return result;
}

/* ---- one association ------------------------------------------------------ */

static void serve(assoc *a)
{
    const char *why = "";
    const char *how = "error";
    int r = dq_bench_read_pdu(a->fd, &a->in, MAX_ASSOC_RQ, opt->timeout_ms, &why);
    if (r == 0) {
        how = "no-request";
        goto done;
    }
    if (r < 0) {
        send_abort(a->fd);
        goto done;
    }
    if (a->in.p[0] != DQ_BENCH_PDU_ASSOC_RQ) {
        why = "first PDU is not an A-ASSOCIATE-RQ";
        send_abort(a->fd);
        goto done;
    }
    uint8_t called[16], calling[16];
    if (!parse_assoc_rq(a, called, calling, &why)) {
        send_abort(a->fd);
        goto done;
    }
    if (!send_assoc_ac(a, called, calling)) {
        why = strerror(errno);
        goto done;
    }
    message_reset(a);
    for (;;) {
        event ev = next_event(a, &why);
        if (ev == EV_NONE)
            continue;
        if (ev == EV_ABORT) {
            how = "abort";
            goto done;
        }
        if (ev == EV_ERROR) {
            send_abort(a->fd);
            goto done;
        }
        if (ev == EV_RELEASE) {
            send_simple_pdu(a->fd, DQ_BENCH_PDU_RELEASE_RP, 0, 0);
            how = "release";
            /* The requestor closes the connection; give it a moment to do so. */
            uint8_t scratch[64];
            while (dq_bench_read_full(a->fd, scratch, sizeof scratch, 1000) > 0) {
            }
            goto done;
        }
        dq_bench_command c;
        if (!dq_bench_parse_command(a->cmd.p, a->cmd.len, &c, &why)) {
            send_abort(a->fd);
            goto done;
        }
        unsigned ctx_id = a->msg_ctx;
        message_reset(a);
        if (c.command_field == DQ_BENCH_C_CANCEL_RQ)
            continue; /* a cancel that arrived after we finished: nothing to do */
        const context *ctx = find_context(a, ctx_id);
        if (c.command_field != DQ_BENCH_C_FIND_RQ || c.message_id < 0 || !ctx) {
            why = "only C-FIND-RQ is served";
            send_abort(a->fd);
            goto done;
        }
        unsigned long sent = 0;
        outcome o = serve_find(a, &c, ctx, &sent, &why);
        say("find assoc=%lu msgid=%ld ts=%s pending=%lu status=%s\n", a->number, c.message_id,
            dq_bench_ts_name((dq_bench_ts)ctx->ts), sent,
            o == OUT_DONE        ? "0x0000"
            : o == OUT_CANCELLED ? "0xFE00"
                                 : "none");
        if (o == OUT_ABORT) {
            how = "abort";
            goto done;
        }
        if (o == OUT_ERROR) {
            send_abort(a->fd);
            goto done;
        }
    }
done:
    if (strcmp(how, "release") == 0 || strcmp(how, "abort") == 0)
        say("end assoc=%lu how=%s\n", a->number, how);
    else
        say("end assoc=%lu how=%s why=%s\n", a->number, how, why);
}

/* ---- options ----------------------------------------------------------------- */

/* Options that take a number and check its range; returns false when `a` is
 * not one of them. Exits with status 2 on a bad value. */
static bool parse_number_option(const char *a, const char *v, options *o)
{
    if (strcmp(a, "-p") == 0) {
        unsigned long p = parse_ulong(v, "port");
        if (p > 65535) {
            fprintf(stderr, "replay_scp: bad port '%s'\n", v);
            exit(2);
        }
        o->port = (int)p;
    } else if (strcmp(a, "-n") == 0) {
        o->n = parse_ulong(v, "count");
        if (o->n > 99999999ul) {
            fprintf(stderr, "replay_scp: -n at most 99999999\n");
            exit(2);
        }
    } else if (strcmp(a, "-m") == 0) {
        o->associations = parse_ulong(v, "association count");
    } else if (strcmp(a, "--max-pdu") == 0) {
        unsigned long m = parse_ulong(v, "max PDU");
        if (m != 0 && (m < 64 || m > 0xFFFFFFFFul)) {
            fprintf(stderr, "replay_scp: --max-pdu 0 or 64..4294967295\n");
            exit(2);
        }
        o->max_pdu = (uint32_t)m;
    } else if (strcmp(a, "--batch") == 0) {
        o->batch = parse_ulong(v, "batch size");
        if (o->batch == 0 || o->batch > (64u << 20)) {
            fprintf(stderr, "replay_scp: --batch 1..67108864\n");
            exit(2);
        }
    } else if (strcmp(a, "--deflate-level") == 0) {
        unsigned long l = parse_ulong(v, "deflate level");
        if (l > 9) {
            fprintf(stderr, "replay_scp: --deflate-level 0..9\n");
            exit(2);
        }
        o->deflate_level = (int)l;
    } else if (strcmp(a, "--timeout") == 0 || strcmp(a, "--latency") == 0) {
        bool timeout = strcmp(a, "--timeout") == 0;
        unsigned long t = parse_ulong(v, timeout ? "timeout" : "latency");
        if (timeout ? t == 0 || t > 3600000ul : t > 60000ul) {
            fprintf(stderr, "replay_scp: %s\n",
                    timeout ? "--timeout 1..3600000 ms" : "--latency 0..60000 ms");
            exit(2);
        }
        if (timeout)
            o->timeout_ms = (int)t;
        else
            o->latency_ms = (long)t;
    } else {
        return false;
    }
    return true;
}

/* Fills o from argv; exits on -h (0) and on errors (2). */
static void parse_options(int argc, char **argv, options *o)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            exit(0);
        } else if (strcmp(a, "-q") == 0) {
            o->quiet = true;
            continue;
        } else if (strcmp(a, "--fork") == 0) {
            o->fork = true;
            continue;
        } else if (!v) {
            usage(stderr);
            exit(2);
        } else if (strcmp(a, "-s") == 0) {
            if (strcmp(v, "small") && strcmp(v, "large")) {
                fprintf(stderr, "replay_scp: -s small or large\n");
                exit(2);
            }
            o->large = strcmp(v, "large") == 0;
        } else if (strcmp(a, "-t") == 0) {
            o->n_pref = dq_bench_ts_parse_list(v, o->pref);
            if (o->n_pref == 0) {
                fprintf(stderr, "replay_scp: bad transfer syntax list '%s'\n", v);
                exit(2);
            }
        } else if (!parse_number_option(a, v, o)) {
            fprintf(stderr, "replay_scp: unknown option '%s'\n", a);
            usage(stderr);
            exit(2);
        }
        i++;
    }
}

/* ---- connections ------------------------------------------------------------- */

/* Binds a loopback listener; prints "port P" (also with -q: scripts and tests
 * read the port from it). Returns the socket, -1 on failure. */
static int listen_on(int port)
{
    int ls = socket(AF_INET, SOCK_STREAM, 0);
    if (ls < 0) {
        perror("replay_scp: socket");
        return -1;
    }
    int one = 1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t sl = sizeof sa;
    if (bind(ls, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(ls, 64) < 0 ||
        getsockname(ls, (struct sockaddr *)&sa, &sl) < 0) {
        perror("replay_scp: bind/listen");
        close(ls);
        return -1;
    }
    printf("port %u\n", (unsigned)ntohs(sa.sin_port));
    fflush(stdout);
    return ls;
}

/* Serves one accepted connection in this process, then closes it. */
static void serve_connection(assoc *a, int fd, unsigned long number)
{
    dq_bench_socket_setup(fd);
    /* A client that stops reading must not hang us forever. */
    struct timeval tv = {.tv_sec = opt->timeout_ms / 1000,
                         .tv_usec = (opt->timeout_ms % 1000) * 1000};
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    a->fd = fd;
    a->number = number;
    message_reset(a);
    serve(a);
    close(fd);
}

/* --fork: a child serves the connection and exits; the parent goes back to
 * accept(). Returns false when no child could be started. */
static bool fork_connection(assoc *a, int ls, int fd, unsigned long number)
{
    pid_t parent = getpid();
    fflush(stdout); /* nothing buffered may be written twice */
    pid_t pid = fork();
    if (pid < 0)
        return false;
    if (pid > 0) {
        close(fd);
        return true;
    }
    close(ls);
    /* The benchmark stops the SCP with one kill: its children follow it. */
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent)
        _exit(0);
    serve_connection(a, fd, number);
    _exit(0);
}

/* Reaps ended children; with `all`, waits until none is left. */
static void reap_children(unsigned long *running, bool all)
{
    while (*running > 0) {
        int status;
        pid_t r = waitpid(-1, &status, all ? 0 : WNOHANG);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        (*running)--;
    }
}

static void accept_loop(int ls, assoc *a)
{
    unsigned long running = 0;
    for (unsigned long served = 0; opt->associations == 0 || served < opt->associations;) {
        int fd = accept(ls, NULL, NULL);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            perror("replay_scp: accept");
            break;
        }
        served++;
        if (opt->fork) {
            reap_children(&running, false);
            if (fork_connection(a, ls, fd, served)) {
                running++;
                continue;
            }
            perror("replay_scp: fork (serving in the parent)");
        }
        serve_connection(a, fd, served);
    }
    reap_children(&running, true);
}

int main(int argc, char **argv)
{
    static options o = {.port = 11112,
                        .n = 1000,
                        .pref = {DQ_BENCH_TS_EXPLICIT_LE, DQ_BENCH_TS_IMPLICIT_LE,
                                 DQ_BENCH_TS_EXPLICIT_BE, DQ_BENCH_TS_DEFLATED_LE},
                        .n_pref = 4,
                        .max_pdu = 16384,
                        .batch = 65536,
                        .deflate_level = 1,
                        .timeout_ms = 30000};
    parse_options(argc, argv, &o);
    opt = &o;
    for (int t = 0; t < DQ_BENCH_TS_COUNT; t++)
        dq_bench_identifier_build(&templates[t], (dq_bench_ts)t, o.large);

    int ls = listen_on(o.port);
    if (ls < 0)
        return 1;
    assoc a = {0};
    accept_loop(ls, &a);
    close(ls);
    dq_bench_buf_free(&a.in);
    dq_bench_buf_free(&a.cmd);
    for (int t = 0; t < DQ_BENCH_TS_COUNT; t++)
        dq_bench_identifier_free(&templates[t]);
    dq_bench_deflate_end();
    return 0;
}
