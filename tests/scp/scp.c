/* The scripted test SCP: see scp.h. Raw sockets and hand-written PDU bytes,
 * independent of libdq on purpose. Exits non-zero when the client did
 * something the script did not expect, so tests see it. */
#include "scp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "../tmp_path.h"

typedef struct scp {
    int fd;
    FILE *rec;
    uint32_t maxpdu;
    char ts[65];
    char forcets[65];    /* answer this syntax whatever was proposed */
    int result_for[256]; /* -1: default */
    size_t split, chunk, pdvmax;
    int onepdu;
    int timeout_ms;
    uint8_t *userid_rsp; /* the AC's User Identity sub-item (59H) value; NULL: none */
    size_t userid_rsp_len;
    /* from the A-ASSOCIATE-RQ */
    int n_pc;
    uint8_t pc_id[128];
    char pc_as[128][65];
    char pc_ts[128][65]; /* the one we accept */
    char called[17], calling[17];
    /* last DIMSE message */
    uint16_t last_msg_id;
    char last_sop[65];
    uint8_t last_pctx;
} scp;

/* ---- small helpers -------------------------------------------------------- */

static void rec(scp *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void vrec(scp *s, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
static void vrec(scp *s, const char *fmt, va_list ap)
{
    vfprintf(s->rec, fmt, ap);
    fputc('\n', s->rec);
    fflush(s->rec);
}

static void rec(scp *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vrec(s, fmt, ap);
    va_end(ap);
}

/* Records an error line and fails (-1), as dq_fail does for a dq_error. */
static int rec_fail(scp *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int rec_fail(scp *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vrec(s, fmt, ap);
    va_end(ap);
    return -1;
}

static void rec_hex(scp *s, const char *key, const uint8_t *p, size_t n)
{
    fprintf(s->rec, "%s ", key);
    for (size_t i = 0; i < n; i++)
        fprintf(s->rec, "%02x", p[i]);
    fputc('\n', s->rec);
    fflush(s->rec);
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

static void put16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static unsigned get16(const uint8_t *p)
{
    return (unsigned)p[0] << 8 | p[1];
}

static int write_raw(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Writes honouring `split` and `chunk`; pauses between pieces so they
 * arrive as separate reads. */
static int out(scp *s, const uint8_t *p, size_t n)
{
    if (s->chunk > 0) {
        for (size_t off = 0; off < n; off += s->chunk) {
            size_t k = n - off < s->chunk ? n - off : s->chunk;
            if (write_raw(s->fd, p + off, k) < 0)
                return -1;
            sleep_ms(1);
        }
        return 0;
    }
    if (s->split > 0 && s->split < n) {
        if (write_raw(s->fd, p, s->split) < 0)
            return -1;
        sleep_ms(2);
        return write_raw(s->fd, p + s->split, n - s->split);
    }
    return write_raw(s->fd, p, n);
}

/* Reads exactly n bytes; 0, or -1 on EOF/error/timeout. */
static int in(scp *s, uint8_t *p, size_t n)
{
    while (n > 0) {
        struct pollfd pf = {.fd = s->fd, .events = POLLIN};
        int r = poll(&pf, 1, s->timeout_ms);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        ssize_t got = recv(s->fd, p, n, 0);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return -1;
        p += got;
        n -= (size_t)got;
    }
    return 0;
}

/* Reads one PDU into a malloc'd buffer; NULL on EOF/error. */
static uint8_t *read_pdu(scp *s, size_t *size)
{
    uint8_t h[6];
    if (in(s, h, 6) < 0)
        return NULL;
    uint32_t len = get32(h + 2);
    if (len > (64u << 20))
        return NULL;
    uint8_t *p = malloc(6 + (size_t)len);
    if (!p)
        return NULL;
    memcpy(p, h, 6);
    if (in(s, p + 6, len) < 0) {
        free(p);
        return NULL;
    }
    *size = 6 + (size_t)len;
    return p;
}

static void copy_str(char *dst, size_t cap, const uint8_t *p, size_t n)
{
    while (n > 0 && (p[n - 1] == 0 || p[n - 1] == ' '))
        n--;
    size_t i0 = 0;
    while (i0 < n && p[i0] == ' ')
        i0++;
    n -= i0;
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, p + i0, n);
    dst[n] = 0;
}

/* ---- association ---------------------------------------------------------- */

static int parse_rq(scp *s, const uint8_t *p, size_t size)
{
    if (size < 74 || p[0] != 0x01)
        return rec_fail(s, "error not an A-ASSOCIATE-RQ");
    rec_hex(s, "rq_hex", p, size);
    rec(s, "protocol_version %u", get16(p + 6));
    copy_str(s->called, sizeof s->called, p + 10, 16);
    copy_str(s->calling, sizeof s->calling, p + 26, 16);
    rec(s, "called_ae %s", s->called);
    rec(s, "calling_ae %s", s->calling);
    s->n_pc = 0;
    size_t pos = 74;
    while (pos + 4 <= size) {
        unsigned type = p[pos], len = get16(p + pos + 2);
        const uint8_t *v = p + pos + 4;
        if (pos + 4 + len > size)
            return rec_fail(s, "error item overruns the PDU");
        char str[65];
        if (type == 0x10) {
            copy_str(str, sizeof str, v, len);
            rec(s, "app_context %s", str);
        } else if (type == 0x20 && len >= 4 && s->n_pc < 128) {
            int i = s->n_pc++;
            s->pc_id[i] = v[0];
            s->pc_as[i][0] = s->pc_ts[i][0] = 0;
            char tss[1024] = "";
            size_t q = 4;
            while (q + 4 <= len) {
                unsigned st = v[q], sl = get16(v + q + 2);
                if (q + 4 + sl > len)
                    return rec_fail(s, "error sub-item overruns");
                copy_str(str, sizeof str, v + q + 4, sl);
                if (st == 0x30)
                    snprintf(s->pc_as[i], sizeof s->pc_as[i], "%s", str);
                if (st == 0x40) {
                    if (!s->pc_ts[i][0] || (s->ts[0] && !strcmp(str, s->ts)))
                        snprintf(s->pc_ts[i], sizeof s->pc_ts[i], "%s", str);
                    size_t l = strlen(tss);
                    snprintf(tss + l, sizeof tss - l, "%s%s", l ? "," : "", str);
                }
                q += 4 + sl;
            }
            if (s->forcets[0])
                snprintf(s->pc_ts[i], sizeof s->pc_ts[i], "%s", s->forcets);
            rec(s, "pctx %u %s %s", v[0], s->pc_as[i], tss);
        } else if (type == 0x50) {
            size_t q = 0;
            while (q + 4 <= len) {
                unsigned st = v[q], sl = get16(v + q + 2);
                const uint8_t *w = v + q + 4;
                if (q + 4 + sl > len)
                    return rec_fail(s, "error user sub-item overruns");
                if (st == 0x51 && sl == 4)
                    rec(s, "max_pdu %u", (unsigned)get32(w));
                else if (st == 0x52) {
                    copy_str(str, sizeof str, w, sl);
                    rec(s, "impl_uid %s", str);
                } else if (st == 0x55) {
                    copy_str(str, sizeof str, w, sl);
                    rec(s, "impl_version %s", str);
                } else if (st == 0x56 && sl >= 2) {
                    unsigned ul = get16(w);
                    if (2 + ul > sl)
                        return rec_fail(s, "error ext neg overruns");
                    copy_str(str, sizeof str, w + 2, ul);
                    fprintf(s->rec, "ext_neg %s ", str);
                    for (size_t k = 2 + ul; k < sl; k++)
                        fprintf(s->rec, "%02x", w[k]);
                    fputc('\n', s->rec);
                } else {
                    char key[32];
                    snprintf(key, sizeof key, "user_item_%02x", st);
                    rec_hex(s, key, w, sl);
                }
                q += 4 + sl;
            }
        } else {
            rec(s, "item %02x", type);
        }
        pos += 4 + len;
    }
    rec(s, "n_pctx %d", s->n_pc);
    return 0;
}

static size_t put_item(uint8_t *p, unsigned type, const void *v, size_t n)
{
    p[0] = (uint8_t)type;
    p[1] = 0;
    put16(p + 2, (unsigned)n);
    memcpy(p + 4, v, n);
    return 4 + n;
}

static int send_ac(scp *s)
{
    static uint8_t b[65536];
    memset(b, 0, 74);
    b[0] = 0x02;
    put16(b + 6, 1);
    char ae[17];
    snprintf(ae, sizeof ae, "%-16s", s->called);
    memcpy(b + 10, ae, 16);
    snprintf(ae, sizeof ae, "%-16s", s->calling);
    memcpy(b + 26, ae, 16);
    size_t pos = 74;
    pos += put_item(b + pos, 0x10, "1.2.840.10008.3.1.1.1", 21);
    for (int i = 0; i < s->n_pc; i++) {
        int r = s->result_for[s->pc_id[i]];
        if (r < 0)
            r = 0;
        uint8_t *it = b + pos;
        it[0] = 0x21;
        it[1] = 0;
        it[4] = s->pc_id[i];
        it[5] = 0;
        it[6] = (uint8_t)r;
        it[7] = 0;
        size_t l = 4 + put_item(it + 8, 0x40, s->pc_ts[i], r == 0 ? strlen(s->pc_ts[i]) : 0);
        put16(it + 2, (unsigned)l);
        pos += 4 + l;
    }
    uint8_t *ui = b + pos;
    size_t ul = 0;
    uint8_t ml[4];
    put32(ml, s->maxpdu);
    ul += put_item(ui + 4 + ul, 0x51, ml, 4);
    ul += put_item(ui + 4 + ul, 0x52, "1.2.826.0.1.3680043.9.7433.1.1", 30);
    ul += put_item(ui + 4 + ul, 0x55, "DQ_TEST_SCP", 11);
    if (s->userid_rsp)
        ul += put_item(ui + 4 + ul, 0x59, s->userid_rsp, s->userid_rsp_len);
    ui[0] = 0x50;
    ui[1] = 0;
    put16(ui + 2, (unsigned)ul);
    pos += 4 + ul;
    put32(b + 2, (uint32_t)(pos - 6));
    return out(s, b, pos);
}

static int send_small(scp *s, unsigned type, unsigned b7, unsigned b8, unsigned b9)
{
    uint8_t b[10] = {(uint8_t)type, 0, 0, 0, 0, 4, 0, (uint8_t)b7, (uint8_t)b8, (uint8_t)b9};
    return out(s, b, 10);
}

/* ---- DIMSE ------------------------------------------------------------------ */

static size_t cmd_elem(uint8_t *p, unsigned el, const void *v, size_t n)
{
    p[0] = 0;
    p[1] = 0;
    p[2] = (uint8_t)el;
    p[3] = (uint8_t)(el >> 8);
    p[4] = (uint8_t)n;
    p[5] = (uint8_t)(n >> 8);
    p[6] = (uint8_t)(n >> 16);
    p[7] = (uint8_t)(n >> 24);
    memcpy(p + 8, v, n);
    return 8 + n;
}

static size_t cmd_us(uint8_t *p, unsigned el, unsigned v)
{
    uint8_t b[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    return cmd_elem(p, el, b, 2);
}

/* A C-FIND-RSP command set (implicit VR LE, group length first). */
static size_t build_find_rsp(scp *s, uint8_t *p, unsigned status, int has_data)
{
    size_t n = 12;
    char uid[66];
    size_t ul = strlen(s->last_sop);
    memcpy(uid, s->last_sop, ul);
    if (ul % 2)
        uid[ul++] = 0;
    n += cmd_elem(p + n, 0x0002, uid, ul);
    n += cmd_us(p + n, 0x0100, 0x8020);
    n += cmd_us(p + n, 0x0120, s->last_msg_id);
    n += cmd_us(p + n, 0x0800, has_data ? 0x0000 : 0x0101);
    n += cmd_us(p + n, 0x0900, status);
    uint8_t gl[4] = {(uint8_t)(n - 12), (uint8_t)((n - 12) >> 8), 0, 0};
    cmd_elem(p, 0x0000, gl, 4);
    return n;
}

/* Appends P-DATA-TF PDUs carrying one fragment stream (command or data). */
static size_t pack_pdvs(scp *s, uint8_t *dst, const uint8_t *v, size_t n, int command)
{
    size_t pos = 0, off = 0;
    do {
        size_t k = n - off < s->pdvmax ? n - off : s->pdvmax;
        if (k == 0 && n > 0)
            k = 1;
        int last = off + k == n;
        dst[pos] = 0x04;
        dst[pos + 1] = 0;
        put32(dst + pos + 2, (uint32_t)(k + 6));
        put32(dst + pos + 6, (uint32_t)(k + 2));
        dst[pos + 10] = s->last_pctx;
        dst[pos + 11] = (uint8_t)((command ? 1 : 0) | (last ? 2 : 0));
        memcpy(dst + pos + 12, v + off, k);
        pos += 12 + k;
        off += k;
    } while (off < n);
    return pos;
}

static uint8_t *unhex(const char *h, size_t *n)
{
    size_t l = strlen(h) / 2;
    uint8_t *b = malloc(l + 1);
    for (size_t i = 0; i < l; i++) {
        unsigned v;
        sscanf(h + 2 * i, "%2x", &v);
        b[i] = (uint8_t)v;
    }
    *n = l;
    return b;
}

/* One C-FIND-RSP (and identifier) as bytes: separate PDUs, or with
 * onepdu both PDVs in a single PDU (only when each fits one PDV). */
static size_t build_rsp_pdus(scp *s, uint8_t *dst, unsigned status, const uint8_t *data, size_t dn)
{
    uint8_t cmd[256];
    size_t cn = build_find_rsp(s, cmd, status, data != NULL);
    if (s->onepdu && data && cn <= s->pdvmax && dn <= s->pdvmax) {
        size_t total = (4 + 2 + cn) + (4 + 2 + dn);
        dst[0] = 0x04;
        dst[1] = 0;
        put32(dst + 2, (uint32_t)total);
        size_t p = 6;
        put32(dst + p, (uint32_t)(cn + 2));
        dst[p + 4] = s->last_pctx;
        dst[p + 5] = 0x03;
        memcpy(dst + p + 6, cmd, cn);
        p += 6 + cn;
        put32(dst + p, (uint32_t)(dn + 2));
        dst[p + 4] = s->last_pctx;
        dst[p + 5] = 0x02;
        memcpy(dst + p + 6, data, dn);
        return p + 6 + dn;
    }
    size_t pos = pack_pdvs(s, dst, cmd, cn, 1);
    if (data)
        pos += pack_pdvs(s, dst + pos, data, dn, 0);
    return pos;
}

static size_t rsp_bound(scp *s, size_t dn)
{
    /* command (< 256 bytes) + data, and a 12-byte header per fragment */
    size_t body = 256 + dn, frag = s->pdvmax ? s->pdvmax : 1;
    return 1024 + body + 12 * (body / frag + 4);
}

static int send_find_rsp(scp *s, unsigned status, const char *hex)
{
    size_t dn = 0;
    uint8_t *data = hex && *hex ? unhex(hex, &dn) : NULL;
    uint8_t *b = malloc(rsp_bound(s, dn));
    size_t n = build_rsp_pdus(s, b, status, data, dn);
    int r = out(s, b, n);
    free(b);
    free(data);
    return r;
}

static int send_find_rsp_n(scp *s, long count, unsigned status, const char *hex)
{
    size_t dn = 0;
    uint8_t *data = unhex(hex, &dn);
    uint8_t *one = malloc(rsp_bound(s, dn));
    size_t n1 = build_rsp_pdus(s, one, status, data, dn);
    /* Batches of ~1 MiB so the client is never starved by small writes. */
    size_t per = n1 >= (1u << 20) ? 1 : (1u << 20) / n1;
    uint8_t *batch = malloc(per * n1);
    for (size_t i = 0; i < per; i++)
        memcpy(batch + i * n1, one, n1);
    int r = 0;
    for (long left = count; left > 0 && r == 0;) {
        size_t k = (size_t)left < per ? (size_t)left : per;
        r = write_raw(s->fd, batch, k * n1);
        left -= (long)k;
    }
    free(batch);
    free(one);
    free(data);
    return r;
}

/* Reads PDUs until a whole message: records it. */
static int recv_msg(scp *s)
{
    uint8_t *cmd = NULL, *data = NULL;
    size_t cn = 0, dn = 0;
    int cmd_done = 0, data_done = 0, want_data = -1, npdu = 0;
    while (!(cmd_done && (want_data == 0 || data_done))) {
        size_t size;
        uint8_t *p = read_pdu(s, &size);
        if (!p) {
            rec(s, "error eof in recv-msg");
            free(cmd);
            free(data);
            return -1;
        }
        npdu++;
        if (p[0] != 0x04) {
            rec(s, "pdu %02x", p[0]);
            rec(s, "error expected P-DATA-TF");
            free(p);
            free(cmd);
            free(data);
            return -1;
        }
        rec(s, "pdata_len %zu", size);
        size_t pos = 6;
        while (pos + 6 <= size) {
            uint32_t l = get32(p + pos);
            if (l < 2 || pos + 4 + l > size)
                break;
            uint8_t ctl = p[pos + 5];
            s->last_pctx = p[pos + 4];
            const uint8_t *v = p + pos + 6;
            size_t vn = l - 2;
            if (ctl & 1) {
                cmd = realloc(cmd, cn + vn + 1);
                memcpy(cmd + cn, v, vn);
                cn += vn;
                if (ctl & 2)
                    cmd_done = 1;
            } else {
                data = realloc(data, dn + vn + 1);
                memcpy(data + dn, v, vn);
                dn += vn;
                if (ctl & 2)
                    data_done = 1;
            }
            pos += 4 + l;
        }
        free(p);
        if (cmd_done && want_data < 0) {
            /* walk the command: find (0000,0800), (0000,0110), (0000,0002), (0000,0100) */
            want_data = 1;
            for (size_t q = 0; q + 8 <= cn;) {
                unsigned el = (unsigned)cmd[q + 2] | (unsigned)cmd[q + 3] << 8;
                uint32_t l = (uint32_t)cmd[q + 4] | (uint32_t)cmd[q + 5] << 8 |
                             (uint32_t)cmd[q + 6] << 16 | (uint32_t)cmd[q + 7] << 24;
                if (q + 8 + l > cn)
                    break;
                const uint8_t *v = cmd + q + 8;
                unsigned us = l >= 2 ? (unsigned)v[0] | (unsigned)v[1] << 8 : 0;
                if (el == 0x0800)
                    want_data = us != 0x0101;
                if (el == 0x0110) {
                    s->last_msg_id = (uint16_t)us;
                    rec(s, "msg_id %u", us);
                }
                if (el == 0x0120)
                    rec(s, "msg_id_responded %u", us);
                if (el == 0x0100)
                    rec(s, "command_field %04x", us);
                if (el == 0x0700)
                    rec(s, "priority %u", us);
                if (el == 0x0002) {
                    copy_str(s->last_sop, sizeof s->last_sop, v, l);
                    rec(s, "sop_class %s", s->last_sop);
                }
                q += 8 + l;
            }
        }
    }
    rec(s, "pctx_used %u", s->last_pctx);
    rec(s, "msg_pdus %d", npdu);
    rec_hex(s, "cmd_hex", cmd, cn);
    if (want_data)
        rec_hex(s, "data_hex", data, dn);
    free(cmd);
    free(data);
    return 0;
}

/* ---- the script --------------------------------------------------------------- */

static int run_line(scp *s, char *line)
{
    char *hash = strchr(line, '#');
    if (hash)
        *hash = 0;
    /* Split in place into up to four tokens: no length limits (hex can be long). */
    char *tok[4] = {"", "", "", ""};
    int n = 0;
    for (char *save = NULL, *t = strtok_r(line, " \t\r", &save); t && n < 4;
         t = strtok_r(NULL, " \t\r", &save))
        tok[n++] = t;
    if (n == 0)
        return 0;
    const char *cmd = tok[0], *a = tok[1], *b = tok[2], *c = tok[3];
    if (!strcmp(cmd, "set")) {
        if (!strcmp(a, "maxpdu"))
            s->maxpdu = (uint32_t)strtoul(b, NULL, 0);
        else if (!strcmp(a, "ts"))
            snprintf(s->ts, sizeof s->ts, "%s", b);
        else if (!strcmp(a, "forcets"))
            snprintf(s->forcets, sizeof s->forcets, "%s", b);
        else if (!strcmp(a, "result"))
            s->result_for[atoi(b) & 255] = atoi(c);
        else if (!strcmp(a, "split"))
            s->split = strtoul(b, NULL, 0);
        else if (!strcmp(a, "chunk"))
            s->chunk = strtoul(b, NULL, 0);
        else if (!strcmp(a, "onepdu"))
            s->onepdu = atoi(b);
        else if (!strcmp(a, "pdvmax"))
            s->pdvmax = strtoul(b, NULL, 0);
        else if (!strcmp(a, "timeout"))
            s->timeout_ms = atoi(b);
        else if (!strcmp(a, "userid-ac")) {
            free(s->userid_rsp);
            s->userid_rsp = unhex(b, &s->userid_rsp_len);
        } else
            return rec_fail(s, "error unknown setting %s", a);
        return 0;
    }
    if (!strcmp(cmd, "accept") || !strcmp(cmd, "reject") || !strcmp(cmd, "read-rq")) {
        size_t size;
        uint8_t *p = read_pdu(s, &size);
        if (!p)
            return rec_fail(s, "error no A-ASSOCIATE-RQ");
        int r = parse_rq(s, p, size);
        free(p);
        if (r < 0)
            return -1;
        if (!strcmp(cmd, "accept"))
            return send_ac(s);
        if (!strcmp(cmd, "reject"))
            return send_small(s, 0x03, (unsigned)atoi(a), (unsigned)atoi(b), (unsigned)atoi(c));
        return 0;
    }
    if (!strcmp(cmd, "abort"))
        return send_small(s, 0x07, 0, (unsigned)atoi(a), (unsigned)atoi(b));
    if (!strcmp(cmd, "recv-msg"))
        return recv_msg(s);
    if (!strcmp(cmd, "find-rsp"))
        return send_find_rsp(s, (unsigned)strtoul(a, NULL, 0), n >= 3 ? b : NULL);
    if (!strcmp(cmd, "find-rsp-n"))
        return send_find_rsp_n(s, atol(a), (unsigned)strtoul(b, NULL, 0), c);
    if (!strcmp(cmd, "release")) {
        size_t size;
        uint8_t *p = read_pdu(s, &size);
        if (!p)
            return rec_fail(s, "error no A-RELEASE-RQ");
        rec(s, "pdu %02x", p[0]);
        int ok = p[0] == 0x05;
        free(p);
        if (!ok)
            return rec_fail(s, "error expected A-RELEASE-RQ");
        return send_small(s, 0x06, 0, 0, 0);
    }
    if (!strcmp(cmd, "send-release-rq"))
        return send_small(s, 0x05, 0, 0, 0);
    if (!strcmp(cmd, "send-release-rp"))
        return send_small(s, 0x06, 0, 0, 0);
    if (!strcmp(cmd, "recv-pdu")) {
        size_t size;
        uint8_t *p = read_pdu(s, &size);
        if (!p)
            return rec_fail(s, "error eof in recv-pdu");
        rec(s, "pdu %02x", p[0]);
        if (p[0] == 0x07 && size >= 10)
            rec(s, "abort_source %u reason %u", p[8], p[9]);
        free(p);
        return 0;
    }
    if (!strcmp(cmd, "send")) {
        size_t bn;
        uint8_t *bytes = unhex(a, &bn);
        int r = out(s, bytes, bn);
        free(bytes);
        return r;
    }
    if (!strcmp(cmd, "garbage")) {
        size_t gn = strtoul(a, NULL, 0);
        uint8_t *g = malloc(gn ? gn : 1);
        for (size_t i = 0; i < gn; i++)
            g[i] = (uint8_t)(0xEE ^ (i * 37));
        g[0] = 0xEE;
        int r = out(s, g, gn);
        free(g);
        return r;
    }
    if (!strcmp(cmd, "oversized")) {
        uint8_t h[6 + 1024];
        memset(h, 0x55, sizeof h);
        h[0] = 0x04;
        h[1] = 0;
        put32(h + 2, (uint32_t)strtoul(a, NULL, 0));
        return out(s, h, sizeof h);
    }
    if (!strcmp(cmd, "delay")) {
        sleep_ms(atoi(a));
        return 0;
    }
    /* wait-close: read until the requestor closes; an A-ABORT makes us close
     * first, as a real acceptor does (AA-3), which ends the requestor's ARTIM
     * wait. hold: the same, but never close (the requestor's ARTIM expires). */
    if (!strcmp(cmd, "wait-close") || !strcmp(cmd, "hold")) {
        bool hold = !strcmp(cmd, "hold");
        for (;;) {
            size_t size;
            uint8_t *p = read_pdu(s, &size);
            if (!p)
                break;
            rec(s, "pdu %02x", p[0]);
            bool is_abort = p[0] == 0x07;
            if (is_abort && size >= 10)
                rec(s, "abort_source %u reason %u", p[8], p[9]);
            free(p);
            if (is_abort && !hold) {
                rec(s, "closed-after-abort");
                close(s->fd);
                s->fd = -1;
                return 0;
            }
        }
        rec(s, "eof");
        return 0;
    }
    if (!strcmp(cmd, "close")) {
        close(s->fd);
        s->fd = -1;
        return 0;
    }
    return rec_fail(s, "error unknown command %s", cmd);
}

int dq_test_scp_serve(int listen_fd, const char *script, int connections, const char *record)
{
    FILE *rf = fopen(record, "a");
    if (!rf)
        return 2;
    int status = 0;
    for (int conn = 0; conn < connections; conn++) {
        scp *s = calloc(1, sizeof *s);
        s->rec = rf;
        s->maxpdu = 16384;
        s->pdvmax = 16372;
        s->timeout_ms = 10000;
        for (int i = 0; i < 256; i++)
            s->result_for[i] = -1;
        struct pollfd pf = {.fd = listen_fd, .events = POLLIN};
        if (poll(&pf, 1, 20000) <= 0) {
            rec(s, "error no connection");
            free(s);
            status = 3;
            break;
        }
        s->fd = accept(listen_fd, NULL, NULL);
        if (s->fd < 0) {
            free(s);
            status = 3;
            break;
        }
        int one = 1;
        setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        rec(s, "connection %d", conn);
        char *copy = strdup(script);
        for (char *save = NULL, *line = strtok_r(copy, "\n", &save); line;
             line = strtok_r(NULL, "\n", &save)) {
            if (run_line(s, line) < 0) {
                rec(s, "failed %s", line);
                status = 1;
                break;
            }
        }
        free(copy);
        if (s->fd >= 0)
            close(s->fd);
        rec(s, "done %d", conn);
        free(s->userid_rsp);
        free(s);
        if (status)
            break;
    }
    fclose(rf);
    return status;
}

/* ---- the parent side ------------------------------------------------------------ */

int dq_test_scp_start(dq_test_scp *s, const char *script, int connections)
{
    memset(s, 0, sizeof *s);
    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (lfd < 0)
        return -1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t l = sizeof a;
    if (bind(lfd, (struct sockaddr *)&a, sizeof a) < 0 || listen(lfd, 16) < 0 ||
        getsockname(lfd, (struct sockaddr *)&a, &l) < 0) {
        close(lfd);
        return -1;
    }
    s->port = ntohs(a.sin_port);
    int rfd = dq_test_tmp_template(s->record_path, sizeof s->record_path, "dq_test_scp")
                  ? mkstemp(s->record_path)
                  : -1;
    if (rfd < 0) {
        close(lfd);
        return -1;
    }
    close(rfd);
    fflush(NULL);
    s->pid = fork();
    if (s->pid < 0) {
        close(lfd);
        return -1;
    }
    if (s->pid == 0) {
        signal(SIGPIPE, SIG_IGN);
        int r = dq_test_scp_serve(lfd, script, connections, s->record_path);
        close(lfd);
        _exit(r);
    }
    close(lfd);
    return 0;
}

int dq_test_scp_finish(dq_test_scp *s, double timeout)
{
    if (s->pid <= 0)
        return -1;
    int st = 0;
    for (double waited = 0; waited < timeout; waited += 0.01) {
        pid_t r = waitpid(s->pid, &st, WNOHANG);
        if (r == s->pid) {
            s->pid = 0;
            return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
        }
        sleep_ms(10);
    }
    kill(s->pid, SIGKILL);
    waitpid(s->pid, &st, 0);
    s->pid = 0;
    return -1;
}

char *dq_test_scp_record(const dq_test_scp *s)
{
    FILE *f = fopen(s->record_path, "r");
    if (!f)
        return strdup("");
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)(n > 0 ? n : 0) + 1);
    size_t got = fread(b, 1, (size_t)(n > 0 ? n : 0), f);
    b[got] = 0;
    fclose(f);
    return b;
}

const char *dq_test_scp_get(const char *record, const char *key, int nth, char *buf, size_t cap)
{
    size_t kl = strlen(key);
    for (const char *p = record; p && *p;) {
        const char *eol = strchr(p, '\n');
        size_t ll = eol ? (size_t)(eol - p) : strlen(p);
        if (ll > kl && !strncmp(p, key, kl) && p[kl] == ' ' && nth-- == 0) {
            size_t vl = ll - kl - 1;
            if (vl >= cap)
                vl = cap - 1;
            memcpy(buf, p + kl + 1, vl);
            buf[vl] = 0;
            return buf;
        }
        p = eol ? eol + 1 : NULL;
    }
    return NULL;
}

void dq_test_scp_cleanup(dq_test_scp *s)
{
    if (s->pid > 0)
        dq_test_scp_finish(s, 0);
    if (s->record_path[0])
        unlink(s->record_path);
}
