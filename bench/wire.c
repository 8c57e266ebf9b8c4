/* bench/wire.c: raw DICOM encoding helpers for the benchmark peers (see wire.h). */
#include "wire.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

/* ---- transfer syntaxes ---------------------------------------------------- */

static const char *const ts_uids[DQ_BENCH_TS_COUNT] = {
    "1.2.840.10008.1.2", "1.2.840.10008.1.2.1", "1.2.840.10008.1.2.2", "1.2.840.10008.1.2.1.99"};
static const char *const ts_names[DQ_BENCH_TS_COUNT] = {"implicit", "explicit", "big", "deflate"};

const char *dq_bench_ts_uid(dq_bench_ts ts)
{
    return ts < DQ_BENCH_TS_COUNT ? ts_uids[ts] : "?";
}
const char *dq_bench_ts_name(dq_bench_ts ts)
{
    return ts < DQ_BENCH_TS_COUNT ? ts_names[ts] : "?";
}

int dq_bench_ts_parse(const char *s)
{
    for (int i = 0; i < DQ_BENCH_TS_COUNT; i++)
        if (strcmp(s, ts_names[i]) == 0 || strcmp(s, ts_uids[i]) == 0)
            return i;
    return -1;
}

size_t dq_bench_ts_parse_list(const char *s, dq_bench_ts out[DQ_BENCH_TS_COUNT])
{
    size_t n = 0;
    char word[64];
    while (*s) {
        size_t w = strcspn(s, ",");
        if (w == 0 || w >= sizeof word)
            return 0;
        memcpy(word, s, w);
        word[w] = '\0';
        int ts = dq_bench_ts_parse(word);
        if (ts < 0 || n == DQ_BENCH_TS_COUNT)
            return 0;
        for (size_t i = 0; i < n; i++)
            if (out[i] == (dq_bench_ts)ts)
                return 0;
        out[n++] = (dq_bench_ts)ts;
        s += w;
        if (*s == ',')
            s++;
    }
    return n;
}

/* ---- buffer --------------------------------------------------------------- */

void dq_bench_buf_reserve(dq_bench_buf *b, size_t n)
{
    if (b->cap - b->len >= n)
        return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap - b->len < n) {
        if (cap > SIZE_MAX / 2) {
            fprintf(stderr, "bench: buffer size overflow\n");
            exit(2);
        }
        cap *= 2;
    }
    uint8_t *p = realloc(b->p, cap);
    if (!p) {
        fprintf(stderr, "bench: out of memory (%zu bytes)\n", cap);
        exit(2);
    }
    b->p = p;
    b->cap = cap;
}

void dq_bench_buf_free(dq_bench_buf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

void dq_bench_put(dq_bench_buf *b, const void *data, size_t n)
{
    dq_bench_buf_reserve(b, n);
    if (n)
        memcpy(b->p + b->len, data, n);
    b->len += n;
}

void dq_bench_put8(dq_bench_buf *b, unsigned v)
{
    uint8_t x = (uint8_t)v;
    dq_bench_put(b, &x, 1);
}

void dq_bench_put16be(dq_bench_buf *b, unsigned v)
{
    uint8_t x[2] = {(uint8_t)(v >> 8), (uint8_t)v};
    dq_bench_put(b, x, 2);
}

void dq_bench_put32be(dq_bench_buf *b, uint32_t v)
{
    uint8_t x[4];
    dq_bench_set32be(x, v);
    dq_bench_put(b, x, 4);
}

void dq_bench_put16le(dq_bench_buf *b, unsigned v)
{
    uint8_t x[2];
    dq_bench_set16le(x, v);
    dq_bench_put(b, x, 2);
}

void dq_bench_put32le(dq_bench_buf *b, uint32_t v)
{
    uint8_t x[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    dq_bench_put(b, x, 4);
}

void dq_bench_set32be(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

void dq_bench_set16le(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

uint16_t dq_bench_get16be(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}
uint32_t dq_bench_get32be(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
uint16_t dq_bench_get16le(const uint8_t *p)
{
    return (uint16_t)(p[1] << 8 | p[0]);
}
uint32_t dq_bench_get32le(const uint8_t *p)
{
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/* ---- data set elements ---------------------------------------------------- */

/* Explicit VR: these VRs have 2 reserved bytes and a 32-bit length (PS3.5 7.1.2). */
static bool long_length_vr(const char vr[2])
{
    static const char *const longs[] = {"OB", "OD", "OF", "OL", "OV", "OW", "SQ",
                                        "SV", "UC", "UN", "UR", "UT", "UV"};
    for (size_t i = 0; i < sizeof longs / sizeof longs[0]; i++)
        if (vr[0] == longs[i][0] && vr[1] == longs[i][1])
            return true;
    return false;
}

static void put_element_header(dq_bench_buf *b, dq_bench_ts ts, uint32_t tag, const char vr[2],
                               uint32_t len)
{
    bool be = ts == DQ_BENCH_TS_EXPLICIT_BE;
    if (be) {
        dq_bench_put16be(b, tag >> 16);
        dq_bench_put16be(b, tag & 0xFFFF);
    } else {
        dq_bench_put16le(b, tag >> 16);
        dq_bench_put16le(b, tag & 0xFFFF);
    }
    if (ts == DQ_BENCH_TS_IMPLICIT_LE) {
        dq_bench_put32le(b, len);
        return;
    }
    dq_bench_put(b, vr, 2);
    if (long_length_vr(vr)) {
        dq_bench_put16le(b, 0);
        be ? dq_bench_put32be(b, len) : dq_bench_put32le(b, len);
    } else {
        be ? dq_bench_put16be(b, len) : dq_bench_put16le(b, len);
    }
}

size_t dq_bench_put_element(dq_bench_buf *b, dq_bench_ts ts, uint32_t tag, const char vr[2],
                            const void *value, size_t len)
{
    size_t padded = len + (len & 1);
    put_element_header(b, ts, tag, vr, (uint32_t)padded);
    size_t at = b->len;
    dq_bench_put(b, value, len);
    if (len & 1)
        dq_bench_put8(b, (vr[0] == 'U' && vr[1] == 'I') ? 0 : ' ');
    return at;
}

size_t dq_bench_put_sequence(dq_bench_buf *b, dq_bench_ts ts, uint32_t tag,
                             const uint8_t *const *items, const size_t *item_len, size_t n_items)
{
    size_t total = 0;
    for (size_t i = 0; i < n_items; i++)
        total += 8 + item_len[i];
    put_element_header(b, ts, tag, "SQ", (uint32_t)total);
    size_t first = b->len + 8;
    bool be = ts == DQ_BENCH_TS_EXPLICIT_BE;
    for (size_t i = 0; i < n_items; i++) {
        /* Item tag (FFFE,E000) and its length, in the data set's byte order. */
        if (be) {
            dq_bench_put16be(b, 0xFFFE);
            dq_bench_put16be(b, 0xE000);
            dq_bench_put32be(b, (uint32_t)item_len[i]);
        } else {
            dq_bench_put16le(b, 0xFFFE);
            dq_bench_put16le(b, 0xE000);
            dq_bench_put32le(b, (uint32_t)item_len[i]);
        }
        dq_bench_put(b, items[i], item_len[i]);
    }
    return first;
}

/* ---- command sets --------------------------------------------------------- */

bool dq_bench_parse_command(const uint8_t *p, size_t len, dq_bench_command *out, const char **why)
{
    out->command_field = out->message_id = out->responded_to = -1;
    out->dataset_type = out->status = -1;
    out->sop_class[0] = '\0';
    size_t off = 0;
    while (off < len) {
        if (len - off < 8) {
            *why = "command set: truncated element header";
            return false;
        }
        uint16_t group = dq_bench_get16le(p + off);
        uint16_t elem = dq_bench_get16le(p + off + 2);
        uint32_t vlen = dq_bench_get32le(p + off + 4);
        off += 8;
        if (group != 0x0000) {
            *why = "command set: element outside group 0000";
            return false;
        }
        if (vlen > len - off) {
            *why = "command set: value length past the end";
            return false;
        }
        const uint8_t *v = p + off;
        long *target = NULL;
        switch (elem) {
        case 0x0100: target = &out->command_field; break;
        case 0x0110: target = &out->message_id; break;
        case 0x0120: target = &out->responded_to; break;
        case 0x0800: target = &out->dataset_type; break;
        case 0x0900: target = &out->status; break;
        case 0x0002: {
            size_t n = vlen < sizeof out->sop_class ? vlen : sizeof out->sop_class - 1;
            memcpy(out->sop_class, v, n);
            while (n > 0 && (out->sop_class[n - 1] == '\0' || out->sop_class[n - 1] == ' '))
                n--;
            out->sop_class[n] = '\0';
            break;
        }
        default: break;
        }
        if (target) {
            if (vlen != 2) {
                *why = "command set: US element whose length is not 2";
                return false;
            }
            *target = dq_bench_get16le(v);
        }
        off += vlen;
    }
    return true;
}

static void put_cmd_us(dq_bench_buf *b, unsigned elem, unsigned v)
{
    dq_bench_put16le(b, 0x0000);
    dq_bench_put16le(b, elem);
    dq_bench_put32le(b, 2);
    dq_bench_put16le(b, v);
}

size_t dq_bench_put_command(dq_bench_buf *b, const char *sop_class, unsigned command_field,
                            long message_id, long responded_to, unsigned dataset_type, long status,
                            long priority)
{
    size_t start = b->len;
    /* Group length first, filled in at the end. */
    dq_bench_put16le(b, 0x0000);
    dq_bench_put16le(b, 0x0000);
    dq_bench_put32le(b, 4);
    dq_bench_put32le(b, 0);
    size_t body = b->len;
    size_t id_at = (size_t)-1;
    if (sop_class && *sop_class) {
        size_t n = strlen(sop_class);
        dq_bench_put16le(b, 0x0000);
        dq_bench_put16le(b, 0x0002);
        dq_bench_put32le(b, (uint32_t)(n + (n & 1)));
        dq_bench_put(b, sop_class, n);
        if (n & 1)
            dq_bench_put8(b, 0);
    }
    put_cmd_us(b, 0x0100, command_field);
    if (message_id >= 0) {
        put_cmd_us(b, 0x0110, (unsigned)message_id);
        id_at = b->len - 2;
    }
    if (responded_to >= 0) {
        put_cmd_us(b, 0x0120, (unsigned)responded_to);
        id_at = b->len - 2;
    }
    if (priority >= 0)
        put_cmd_us(b, 0x0700, (unsigned)priority);
    put_cmd_us(b, 0x0800, dataset_type);
    if (status >= 0)
        put_cmd_us(b, 0x0900, (unsigned)status);
    uint32_t glen = (uint32_t)(b->len - body);
    uint8_t *g = b->p + start + 8;
    g[0] = (uint8_t)glen;
    g[1] = (uint8_t)(glen >> 8);
    g[2] = (uint8_t)(glen >> 16);
    g[3] = (uint8_t)(glen >> 24);
    return id_at;
}

/* ---- PDUs ----------------------------------------------------------------- */

void dq_bench_put_pdv(dq_bench_buf *b, unsigned ctx_id, bool command, bool last,
                      const uint8_t *data, size_t len)
{
    dq_bench_put32be(b, (uint32_t)(len + 2));
    dq_bench_put8(b, ctx_id);
    dq_bench_put8(b, (command ? 1u : 0u) | (last ? 2u : 0u));
    dq_bench_put(b, data, len);
}

void dq_bench_put_fragments(dq_bench_buf *b, unsigned ctx_id, bool command, const uint8_t *data,
                            size_t len, uint32_t max_pdu)
{
    /* A PDU of one PDV carries max_pdu - 6 bytes of data (PDV length + ctx + header). */
    size_t room =
        (max_pdu == 0 || max_pdu > 0x7FFFFFFFu) ? (size_t)0x7FFFFFF0u : (size_t)max_pdu - 6;
    do {
        size_t n = len < room ? len : room;
        bool last = n == len;
        dq_bench_buf_reserve(b, 12 + n);
        dq_bench_put8(b, DQ_BENCH_PDU_DATA);
        dq_bench_put8(b, 0);
        dq_bench_put32be(b, (uint32_t)(n + 6));
        dq_bench_put_pdv(b, ctx_id, command, last, data, n);
        data += n;
        len -= n;
    } while (len > 0);
}

/* ---- sockets -------------------------------------------------------------- */

bool dq_bench_write_all(int fd, const void *data, size_t len)
{
    const uint8_t *p = data;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return false;
        }
        p += n;
        len -= (size_t)n;
    }
    return true;
}

int dq_bench_read_full(int fd, void *data, size_t len, int timeout_ms)
{
    uint8_t *p = data;
    size_t got = 0;
    while (got < len) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        int r = poll(&pfd, 1, timeout_ms);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (r == 0) {
            errno = ETIMEDOUT;
            return -1;
        }
        ssize_t n = read(fd, p + got, len - got);
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            return -1;
        }
        if (n == 0) {
            if (got == 0)
                return 0;
            errno = ECONNRESET;
            return -1;
        }
        got += (size_t)n;
    }
    return 1;
}

int dq_bench_read_pdu(int fd, dq_bench_buf *b, uint32_t max_len, int timeout_ms, const char **why)
{
    b->len = 0;
    dq_bench_buf_reserve(b, 6);
    int r = dq_bench_read_full(fd, b->p, 6, timeout_ms);
    if (r <= 0) {
        *why = r == 0 ? "peer closed the connection" : strerror(errno);
        return r;
    }
    uint32_t len = dq_bench_get32be(b->p + 2);
    if (b->p[0] < DQ_BENCH_PDU_ASSOC_RQ || b->p[0] > DQ_BENCH_PDU_ABORT) {
        *why = "unknown PDU type";
        return -1;
    }
    if (len > max_len) {
        *why = "PDU longer than the maximum accepted";
        return -1;
    }
    b->len = 6;
    dq_bench_buf_reserve(b, len);
    r = dq_bench_read_full(fd, b->p + 6, len, timeout_ms);
    if (r <= 0) {
        *why = r == 0 ? "peer closed the connection inside a PDU" : strerror(errno);
        return -1;
    }
    b->len = 6 + (size_t)len;
    return 1;
}

void dq_bench_socket_setup(int fd)
{
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    signal(SIGPIPE, SIG_IGN);
}

/* One stream reused for every call: deflateInit allocates ~300 KB, far too
 * much to repeat per response. */
static z_stream zs;
static int zs_level = -100;

bool dq_bench_deflate(dq_bench_buf *out, const uint8_t *in, size_t len, int level)
{
    if (zs_level != level) {
        if (zs_level != -100)
            deflateEnd(&zs);
        memset(&zs, 0, sizeof zs);
        if (deflateInit2(&zs, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
            return false;
        zs_level = level;
    } else if (deflateReset(&zs) != Z_OK) {
        return false;
    }
    uLong bound = deflateBound(&zs, (uLong)len);
    dq_bench_buf_reserve(out, bound);
    zs.next_in = (Bytef *)(uintptr_t)in;
    zs.avail_in = (uInt)len;
    zs.next_out = out->p + out->len;
    zs.avail_out = (uInt)bound;
    if (deflate(&zs, Z_FINISH) != Z_STREAM_END)
        return false;
    size_t n = bound - zs.avail_out;
    out->len += n;
    /* PS3.5 A.5: an odd-length deflated stream gets one trailing NUL. */
    if (n & 1)
        dq_bench_put8(out, 0);
    return true;
}

void dq_bench_deflate_end(void)
{
    if (zs_level != -100)
        deflateEnd(&zs);
    zs_level = -100;
}
