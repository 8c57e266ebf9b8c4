/* drain_client: the floor for the findscu benchmark. It associates, sends a
 * Study Root C-FIND-RQ, then only drains the responses: it follows PDU and
 * PDV framing and reads each response's command set for its status, but never
 * looks at the identifiers. Whatever a real client spends on top of this is
 * the client's own cost.
 *
 *   drain_client [-t TS[,TS...]] [-pdu BYTES] [-n EXPECTED] [--cancel K]
 *                [-r REPEAT] [--queries Q] [--timeout MS] [-q] HOST PORT
 *
 * -t  transfer syntaxes proposed, in order, in one presentation context
 *     (implicit, explicit, big, deflate; default explicit,implicit)
 * -n  exit 1 unless exactly EXPECTED pending responses arrive (per query)
 * --cancel K  send C-CANCEL-RQ after the K-th pending response
 * -r  run REPEAT associations one after the other (default 1)
 * --queries Q  Q C-FINDs one after the other on each association (message
 *     IDs 1..Q), as a batch client does; stops (exit 1) at a final status
 *     other than Success (default 1)
 * Prints per association: "pending=N status=0xSSSS ts=NAME bytes=B" (not with
 * -q), N and B summed over its queries, the last query's final status; with
 * --queries, " queries=Q" (how many got their final response) is appended.
 * Exit: 0 ok, 1 protocol/network failure or unexpected count, 2 usage. */
#include "wire.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define STUDY_ROOT_FIND "1.2.840.10008.5.1.4.1.2.2.1"
#define READ_CHUNK (256u * 1024u)
#define MAX_COMMAND_SET 65536u
/* With -pdu 0 (unlimited) a PDU may still not exceed this: we buffer whole PDUs. */
#define UNLIMITED_PDU_CAP (64u << 20)

typedef struct options {
    const char *host, *port;
    dq_bench_ts ts[DQ_BENCH_TS_COUNT];
    size_t n_ts;
    uint32_t max_pdu;
    long expected;
    long cancel_after;
    unsigned long repeat;
    unsigned long queries;
    int timeout_ms;
    bool quiet;
} options;

typedef struct result {
    unsigned long pending;
    unsigned long queries; /* answered with a final status */
    unsigned msgid;        /* of the query being drained */
    long status;
    unsigned long long data_bytes;
    dq_bench_ts ts;
} result;

static const options *opt;

static int fail(const char *what, const char *why)
{
    fprintf(stderr, "drain_client: %s: %s\n", what, why);
    return -1;
}

static int connect_to(const char *host, const char *port)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res;
    int e = getaddrinfo(host, port, &hints, &res);
    if (e) {
        fail("resolve", gai_strerror(e));
        return -1;
    }
    int fd = -1;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (fd < 0)
            continue;
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
            break;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0)
        fail("connect", strerror(errno));
    else
        dq_bench_socket_setup(fd);
    return fd;
}

static void put_item_header(dq_bench_buf *b, unsigned type, size_t len)
{
    dq_bench_put8(b, type);
    dq_bench_put8(b, 0);
    dq_bench_put16be(b, (unsigned)len);
}

static void put_ae(dq_bench_buf *b, const char *ae)
{
    char field[16];
    memset(field, ' ', sizeof field);
    memcpy(field, ae, strlen(ae) < 16 ? strlen(ae) : 16);
    dq_bench_put(b, field, 16);
}

static void build_assoc_rq(dq_bench_buf *b)
{
    b->len = 0;
    dq_bench_put8(b, DQ_BENCH_PDU_ASSOC_RQ);
    dq_bench_put8(b, 0);
    dq_bench_put32be(b, 0);
    dq_bench_put16be(b, 1);
    dq_bench_put16be(b, 0);
    put_ae(b, "ANY-SCP");
    put_ae(b, "DRAIN");
    static const uint8_t zeros[32];
    dq_bench_put(b, zeros, 32);
    put_item_header(b, 0x10, strlen(DQ_BENCH_APP_CONTEXT));
    dq_bench_put(b, DQ_BENCH_APP_CONTEXT, strlen(DQ_BENCH_APP_CONTEXT));
    size_t ctx_len = 4 + 4 + strlen(STUDY_ROOT_FIND);
    for (size_t i = 0; i < opt->n_ts; i++)
        ctx_len += 4 + strlen(dq_bench_ts_uid(opt->ts[i]));
    put_item_header(b, 0x20, ctx_len);
    dq_bench_put8(b, 1);
    dq_bench_put8(b, 0);
    dq_bench_put8(b, 0);
    dq_bench_put8(b, 0);
    put_item_header(b, 0x30, strlen(STUDY_ROOT_FIND));
    dq_bench_put(b, STUDY_ROOT_FIND, strlen(STUDY_ROOT_FIND));
    for (size_t i = 0; i < opt->n_ts; i++) {
        const char *uid = dq_bench_ts_uid(opt->ts[i]);
        put_item_header(b, 0x40, strlen(uid));
        dq_bench_put(b, uid, strlen(uid));
    }
    static const char version[] = "DQ_DRAIN";
    size_t uid_len = strlen(DQ_BENCH_IMPL_UID);
    put_item_header(b, 0x50, 8 + 4 + uid_len + 4 + strlen(version));
    put_item_header(b, 0x51, 4);
    dq_bench_put32be(b, opt->max_pdu);
    put_item_header(b, 0x52, uid_len);
    dq_bench_put(b, DQ_BENCH_IMPL_UID, uid_len);
    put_item_header(b, 0x55, strlen(version));
    dq_bench_put(b, version, strlen(version));
    dq_bench_set32be(b->p + 2, (uint32_t)(b->len - 6));
}

/* Finds the accepted transfer syntax of context 1 and the SCP's max PDU. */
static int parse_assoc_ac(const dq_bench_buf *b, dq_bench_ts *ts, uint32_t *peer_max)
{
    if (b->p[0] == DQ_BENCH_PDU_ASSOC_RJ)
        return fail("associate", "association rejected");
    if (b->p[0] != DQ_BENCH_PDU_ASSOC_AC)
        return fail("associate", "answer is not A-ASSOCIATE-AC");
    const uint8_t *p = b->p + 6;
    size_t len = b->len - 6;
    if (len < 68)
        return fail("associate", "A-ASSOCIATE-AC too short");
    int found = -1;
    *peer_max = 0;
    for (size_t off = 68; off < len;) {
        if (len - off < 4)
            return fail("associate", "item header truncated");
        uint8_t type = p[off];
        size_t il = dq_bench_get16be(p + off + 2);
        if (il > len - off - 4)
            return fail("associate", "item longer than the PDU");
        const uint8_t *body = p + off + 4;
        if (type == 0x21 && il >= 8 && body[0] == 1) {
            if (body[2] != 0)
                return fail("associate", "presentation context refused");
            size_t sl = dq_bench_get16be(body + 6);
            if (body[4] != 0x40 || sl > il - 8 || sl > 64)
                return fail("associate", "bad transfer syntax sub-item");
            char uid[65];
            memcpy(uid, body + 8, sl);
            while (sl > 0 && (uid[sl - 1] == '\0' || uid[sl - 1] == ' '))
                sl--;
            uid[sl] = '\0';
            found = dq_bench_ts_parse(uid);
            if (found < 0)
                return fail("associate", "accepted transfer syntax was not proposed");
        } else if (type == 0x50) {
            for (size_t so = 0; so + 4 <= il;) {
                size_t sl = dq_bench_get16be(body + so + 2);
                if (sl > il - so - 4)
                    return fail("associate", "user information sub-item too long");
                if (body[so] == 0x51 && sl == 4)
                    *peer_max = dq_bench_get32be(body + so + 4);
                so += 4 + sl;
            }
        }
        off += 4 + il;
    }
    if (found < 0)
        return fail("associate", "no answer for presentation context 1");
    *ts = (dq_bench_ts)found;
    return 0;
}

static void build_find_rq(dq_bench_buf *b, dq_bench_ts ts, uint32_t peer_max, unsigned msgid)
{
    dq_bench_buf cmd = {0}, ds = {0}, z = {0};
    dq_bench_put_command(&cmd, STUDY_ROOT_FIND, DQ_BENCH_C_FIND_RQ, (long)msgid, -1, 0x0001, -1, 0);
    dq_bench_ts enc = ts == DQ_BENCH_TS_DEFLATED_LE ? DQ_BENCH_TS_EXPLICIT_LE : ts;
    dq_bench_put_element(&ds, enc, 0x00080020, "DA", "", 0);
    dq_bench_put_element(&ds, enc, 0x00080052, "CS", "STUDY", 5);
    dq_bench_put_element(&ds, enc, 0x00100010, "PN", "", 0);
    dq_bench_put_element(&ds, enc, 0x00100020, "LO", "", 0);
    dq_bench_put_element(&ds, enc, 0x0020000D, "UI", "", 0);
    const dq_bench_buf *send = &ds;
    if (ts == DQ_BENCH_TS_DEFLATED_LE) {
        if (!dq_bench_deflate(&z, ds.p, ds.len, 6)) {
            fprintf(stderr, "drain_client: deflate failed\n");
            exit(1);
        }
        send = &z;
    }
    b->len = 0;
    dq_bench_put_fragments(b, 1, true, cmd.p, cmd.len, peer_max);
    dq_bench_put_fragments(b, 1, false, send->p, send->len, peer_max);
    dq_bench_buf_free(&cmd);
    dq_bench_buf_free(&ds);
    dq_bench_buf_free(&z);
}

static bool send_cancel(int fd, uint32_t peer_max, unsigned msgid)
{
    dq_bench_buf cmd = {0}, wire = {0};
    dq_bench_put_command(&cmd, NULL, DQ_BENCH_C_CANCEL_RQ, -1, (long)msgid, DQ_BENCH_NO_DATASET, -1,
                         -1);
    dq_bench_put_fragments(&wire, 1, true, cmd.p, cmd.len, peer_max);
    bool ok = dq_bench_write_all(fd, wire.p, wire.len);
    dq_bench_buf_free(&cmd);
    dq_bench_buf_free(&wire);
    return ok;
}

/* The hot loop: reads big chunks and walks PDU/PDV headers in place.
 * Returns 0 when the final response arrived, -1 on failure. */
static int drain(int fd, dq_bench_buf *buf, uint32_t peer_max, result *res)
{
    size_t have = 0, pos = 0;
    dq_bench_buf cmd = {0};
    int rc = -1;
    bool done = false, cancel_sent = false;
    size_t cap = buf->cap;
    while (!done) {
        /* Need a PDU header, then the whole PDU, in the buffer. */
        size_t need = 6;
        if (have - pos >= 6)
            need = 6 + (size_t)dq_bench_get32be(buf->p + pos + 2);
        if (have - pos >= 6 && need - 6 > (opt->max_pdu ? opt->max_pdu : UNLIMITED_PDU_CAP)) {
            fail("receive", "PDU larger than our maximum PDU length");
            goto out;
        }
        if (have - pos < need) {
            if (pos > 0) {
                memmove(buf->p, buf->p + pos, have - pos);
                have -= pos;
                pos = 0;
            }
            if (need > cap) {
                dq_bench_buf_reserve(buf, need);
                cap = buf->cap;
            }
            struct pollfd pfd = {.fd = fd, .events = POLLIN};
            int r = poll(&pfd, 1, opt->timeout_ms);
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0) {
                fail("receive", r == 0 ? "timeout" : strerror(errno));
                goto out;
            }
            ssize_t n = read(fd, buf->p + have, cap - have);
            if (n < 0 && (errno == EINTR || errno == EAGAIN))
                continue;
            if (n <= 0) {
                fail("receive", n == 0 ? "peer closed the connection" : strerror(errno));
                goto out;
            }
            have += (size_t)n;
            continue;
        }
        const uint8_t *pdu = buf->p + pos;
        size_t body = need - 6;
        pos += need;
        if (pdu[0] == DQ_BENCH_PDU_ABORT) {
            fail("receive", "association aborted by the SCP");
            goto out;
        }
        if (pdu[0] != DQ_BENCH_PDU_DATA) {
            fail("receive", "unexpected PDU while waiting for responses");
            goto out;
        }
        for (size_t off = 6; off < 6 + body;) {
            if (6 + body - off < 6) {
                fail("receive", "PDV header truncated");
                goto out;
            }
            uint32_t il = dq_bench_get32be(pdu + off);
            if (il < 2 || il > 6 + body - off - 4) {
                fail("receive", "PDV length out of range");
                goto out;
            }
            unsigned mch = pdu[off + 5];
            const uint8_t *data = pdu + off + 6;
            size_t dl = il - 2;
            off += 4 + il;
            if (!(mch & 1)) {
                res->data_bytes += dl;
                continue;
            }
            if (cmd.len + dl > MAX_COMMAND_SET) {
                fail("receive", "command set too large");
                goto out;
            }
            dq_bench_put(&cmd, data, dl);
            if (!(mch & 2))
                continue;
            dq_bench_command c;
            const char *why;
            if (!dq_bench_parse_command(cmd.p, cmd.len, &c, &why)) {
                fail("receive", why);
                goto out;
            }
            cmd.len = 0;
            if (c.command_field != DQ_BENCH_C_FIND_RSP || c.status < 0) {
                fail("receive", "message is not a C-FIND-RSP with a status");
                goto out;
            }
            if (c.status == 0xFF00 || c.status == 0xFF01) {
                res->pending++;
                if (opt->cancel_after >= 0 && !cancel_sent &&
                    res->pending >= (unsigned long)opt->cancel_after) {
                    if (!send_cancel(fd, peer_max, res->msgid)) {
                        fail("cancel", strerror(errno));
                        goto out;
                    }
                    cancel_sent = true;
                }
            } else {
                res->status = c.status;
                done = true;
            }
        }
    }
    if (pos != have) {
        fail("receive", "bytes after the final response");
        goto out;
    }
    rc = 0;
out:
    dq_bench_buf_free(&cmd);
    return rc;
}

static int release(int fd, dq_bench_buf *buf)
{
    static const uint8_t rq[10] = {DQ_BENCH_PDU_RELEASE_RQ, 0, 0, 0, 0, 4, 0, 0, 0, 0};
    if (!dq_bench_write_all(fd, rq, sizeof rq))
        return fail("release", strerror(errno));
    for (;;) {
        const char *why;
        int r = dq_bench_read_pdu(fd, buf, 1u << 20, opt->timeout_ms, &why);
        if (r <= 0)
            return fail("release", r == 0 ? "peer closed before A-RELEASE-RP" : why);
        if (buf->p[0] == DQ_BENCH_PDU_RELEASE_RP)
            return 0;
        if (buf->p[0] == DQ_BENCH_PDU_ABORT)
            return fail("release", "association aborted");
    }
}

/* --queries: one C-FIND after the other, each drained to its final response. */
static int queries(int fd, dq_bench_buf *buf, uint32_t peer_max, result *res)
{
    for (unsigned long q = 1; q <= opt->queries; q++) {
        res->msgid = (unsigned)q;
        build_find_rq(buf, res->ts, peer_max, res->msgid);
        if (!dq_bench_write_all(fd, buf->p, buf->len))
            return fail("find", strerror(errno));
        buf->len = 0;
        if (drain(fd, buf, peer_max, res) < 0)
            return -1;
        res->queries++;
        if (res->status != 0x0000)
            break;
    }
    return 0;
}

static int one_association(dq_bench_buf *buf, result *res)
{
    int fd = connect_to(opt->host, opt->port);
    if (fd < 0)
        return -1;
    int rc = -1;
    const char *why;
    uint32_t peer_max = 0;
    build_assoc_rq(buf);
    if (!dq_bench_write_all(fd, buf->p, buf->len)) {
        fail("associate", strerror(errno));
        goto out;
    }
    int r = dq_bench_read_pdu(fd, buf, 65536, opt->timeout_ms, &why);
    if (r <= 0) {
        fail("associate", r == 0 ? "peer closed the connection" : why);
        goto out;
    }
    if (parse_assoc_ac(buf, &res->ts, &peer_max) < 0)
        goto out;
    if (queries(fd, buf, peer_max, res) < 0 || release(fd, buf) < 0)
        goto out;
    rc = 0;
out:
    close(fd);
    return rc;
}

static unsigned long parse_ulong(const char *s, const char *what)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 0);
    if (errno || end == s || *end || s[0] == '-') {
        fprintf(stderr, "drain_client: bad %s '%s'\n", what, s);
        exit(2);
    }
    return v;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: drain_client [-t TS[,TS...]] [-pdu BYTES] [-n EXPECTED] [--cancel K]\n"
               "                    [-r REPEAT] [--queries Q] [--timeout MS] [-q] HOST PORT\n");
}

int main(int argc, char **argv)
{
    static options o = {.ts = {DQ_BENCH_TS_EXPLICIT_LE, DQ_BENCH_TS_IMPLICIT_LE},
                        .n_ts = 2,
                        .max_pdu = 16384,
                        .expected = -1,
                        .cancel_after = -1,
                        .repeat = 1,
                        .queries = 1,
                        .timeout_ms = 30000};
    const char *pos[2];
    int n_pos = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            return 0;
        }
        if (strcmp(a, "-q") == 0) {
            o.quiet = true;
            continue;
        }
        if (a[0] != '-') {
            if (n_pos == 2) {
                usage(stderr);
                return 2;
            }
            pos[n_pos++] = a;
            continue;
        }
        if (!v) {
            usage(stderr);
            return 2;
        }
        i++;
        if (strcmp(a, "-t") == 0) {
            o.n_ts = dq_bench_ts_parse_list(v, o.ts);
            if (o.n_ts == 0) {
                fprintf(stderr, "drain_client: bad transfer syntax list '%s'\n", v);
                return 2;
            }
        } else if (strcmp(a, "-pdu") == 0) {
            unsigned long m = parse_ulong(v, "max PDU");
            if (m != 0 && (m < 64 || m > (16ul << 20))) {
                fprintf(stderr, "drain_client: -pdu 0 (unlimited) or 64..16777216\n");
                return 2;
            }
            o.max_pdu = (uint32_t)m;
        } else if (strcmp(a, "-n") == 0) {
            o.expected = (long)parse_ulong(v, "expected count");
        } else if (strcmp(a, "--cancel") == 0) {
            o.cancel_after = (long)parse_ulong(v, "cancel count");
        } else if (strcmp(a, "-r") == 0) {
            o.repeat = parse_ulong(v, "repeat count");
        } else if (strcmp(a, "--queries") == 0) {
            o.queries = parse_ulong(v, "query count");
            if (o.queries == 0 || o.queries > 65535) {
                fprintf(stderr, "drain_client: --queries 1..65535 (message IDs are 16 bits)\n");
                return 2;
            }
        } else if (strcmp(a, "--timeout") == 0) {
            unsigned long t = parse_ulong(v, "timeout");
            if (t == 0 || t > 3600000ul) {
                fprintf(stderr, "drain_client: --timeout 1..3600000 ms\n");
                return 2;
            }
            o.timeout_ms = (int)t;
        } else {
            fprintf(stderr, "drain_client: unknown option '%s'\n", a);
            usage(stderr);
            return 2;
        }
    }
    if (n_pos != 2) {
        usage(stderr);
        return 2;
    }
    o.host = pos[0];
    o.port = pos[1];
    opt = &o;

    dq_bench_buf buf = {0};
    /* One buffer for the whole run: a read chunk plus one whole PDU. */
    dq_bench_buf_reserve(&buf, READ_CHUNK + (o.max_pdu ? o.max_pdu : 0) + 6);
    int status = 0;
    for (unsigned long i = 0; i < o.repeat; i++) {
        result res = {.status = -1};
        if (one_association(&buf, &res) < 0) {
            status = 1;
            break;
        }
        if (!o.quiet && o.queries == 1)
            printf("pending=%lu status=0x%04lX ts=%s bytes=%llu\n", res.pending,
                   (unsigned long)res.status, dq_bench_ts_name(res.ts), res.data_bytes);
        else if (!o.quiet)
            printf("pending=%lu status=0x%04lX ts=%s bytes=%llu queries=%lu\n", res.pending,
                   (unsigned long)res.status, dq_bench_ts_name(res.ts), res.data_bytes,
                   res.queries);
        if (res.queries < o.queries) {
            fprintf(stderr, "drain_client: query %lu ended with status 0x%04lX\n", res.queries,
                    (unsigned long)res.status);
            status = 1;
            break;
        }
        unsigned long want = (unsigned long)o.expected * res.queries;
        if (o.expected >= 0 && res.pending != want) {
            fprintf(stderr, "drain_client: expected %lu pending responses, got %lu\n", want,
                    res.pending);
            status = 1;
            break;
        }
    }
    dq_bench_buf_free(&buf);
    dq_bench_deflate_end();
    return status;
}
