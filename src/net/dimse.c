/* DIMSE messaging: command sets (Implicit VR Little Endian, group length
 * first), fragmentation into P-DATA-TF PDUs within the peer's maximum, and
 * the receive loop with the DIMSE timeout around the reassembler
 * (dimse_rx.c). */
#include "assoc_impl.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdatomic.h>
#include <string.h>

/* ---- command sets --------------------------------------------------------------- */

const char *dq_dimse_command_name(uint16_t cf)
{
    /* The generated PS3.7 names; the C-CANCEL-*-RQ messages of C-FIND, C-GET
     * and C-MOVE share 0FFFH, so their name says no service (PS3.7 9.3.2.3). */
    const dq_dimse_spec *m = dq_dimse_spec_for(cf);
    if (m && m->kind == DQ_DIMSE_KIND_CANCEL_RQ)
        return "C-CANCEL-RQ";
    return m ? m->name : NULL;
}

/* The command elements the query services use (PS3.7 E.1-1), in tag order.
 * One table for both directions: the encoder writes them in this order, the
 * decoder meets them in this order (command sets are sorted) and finds each
 * with a cursor, so neither looks a tag up. `has` is where the optional
 * element's flag is, NO_FLAG for the two every command set carries. */
typedef enum cmd_kind { CMD_US, CMD_UI, CMD_LO, CMD_AT } cmd_kind;

#define NO_FLAG 0xFFFF
#define FIELD(m) ((uint16_t)offsetof(dq_dimse_command, m))

typedef struct cmd_element {
    uint32_t tag;
    uint8_t kind;
    uint16_t value, has;
} cmd_element;

static const cmd_element CMD_ELEMENTS[] = {
    {DQ_TAG_AffectedSOPClassUID, CMD_UI, FIELD(affected_sop_class_uid), NO_FLAG},
    {DQ_TAG_CommandField, CMD_US, FIELD(command_field), NO_FLAG},
    {DQ_TAG_MessageID, CMD_US, FIELD(message_id), FIELD(has_message_id)},
    {DQ_TAG_MessageIDBeingRespondedTo, CMD_US, FIELD(message_id_responded),
     FIELD(has_message_id_responded)},
    {DQ_TAG_Priority, CMD_US, FIELD(priority), FIELD(has_priority)},
    {DQ_TAG_CommandDataSetType, CMD_US, FIELD(data_set_type), NO_FLAG},
    {DQ_TAG_Status, CMD_US, FIELD(status), FIELD(has_status)},
    {DQ_TAG_OffendingElement, CMD_AT, FIELD(offending_elements), NO_FLAG},
    {DQ_TAG_ErrorComment, CMD_LO, FIELD(error_comment), NO_FLAG},
    {DQ_TAG_ErrorID, CMD_US, FIELD(error_id), FIELD(has_error_id)},
};
#define N_CMD_ELEMENTS (sizeof CMD_ELEMENTS / sizeof CMD_ELEMENTS[0])
#define MAX_OFFENDING (sizeof((dq_dimse_command *)0)->offending_elements / sizeof(uint32_t))

#define CMD_VALUE(c, f, type) ((type *)((char *)(c) + (f)->value))
#define CMD_FLAG(c, f) ((bool *)((char *)(c) + (f)->has))

static int put_el(dq_buffer *b, uint32_t tag, const void *v, size_t n, dq_error *err)
{
    uint16_t g = DQ_TAG_GROUP(tag), el = DQ_TAG_ELEMENT(tag);
    uint8_t h[8] = {(uint8_t)g, (uint8_t)(g >> 8), (uint8_t)el,        (uint8_t)(el >> 8),
                    (uint8_t)n, (uint8_t)(n >> 8), (uint8_t)(n >> 16), (uint8_t)(n >> 24)};
    if (dq_buffer_append(b, h, 8, err) < 0 || dq_buffer_append(b, v, n, err) < 0)
        return -1;
    return 0;
}

/* UI and LO values are padded to even length (UI with NUL, LO with space). */
static int put_text(dq_buffer *b, uint32_t tag, const char *s, char pad, dq_error *err)
{
    char tmp[66];
    size_t n = strlen(s);
    if (n > 64)
        return dq_fail(err, DQ_ERR_ARGUMENT, DQ_ERROR_NO_OFFSET, tag, "value longer than 64 bytes");
    memcpy(tmp, s, n);
    if (n % 2)
        tmp[n++] = pad;
    return put_el(b, tag, tmp, n, err);
}

/* Offending Element (0000,0901): AT values, each group then element. */
static int put_at(dq_buffer *b, uint32_t tag, const dq_dimse_command *c, dq_error *err)
{
    uint8_t at[MAX_OFFENDING * 4];
    size_t n = c->n_offending_elements > MAX_OFFENDING ? MAX_OFFENDING : c->n_offending_elements;
    for (size_t i = 0; i < n; i++) {
        uint32_t t = c->offending_elements[i];
        at[4 * i] = (uint8_t)(t >> 16);
        at[4 * i + 1] = (uint8_t)(t >> 24);
        at[4 * i + 2] = (uint8_t)t;
        at[4 * i + 3] = (uint8_t)(t >> 8);
    }
    return n ? put_el(b, tag, at, 4 * n, err) : 0;
}

static int put_command_element(dq_buffer *b, const dq_dimse_command *c, const cmd_element *f,
                               dq_error *err)
{
    const char *text = CMD_VALUE(c, f, const char);
    switch ((cmd_kind)f->kind) {
    case CMD_UI: return text[0] ? put_text(b, f->tag, text, 0, err) : 0;
    case CMD_LO: return text[0] ? put_text(b, f->tag, text, ' ', err) : 0;
    case CMD_AT: return put_at(b, f->tag, c, err);
    case CMD_US: break;
    }
    if (f->has != NO_FLAG && !*CMD_FLAG(c, f))
        return 0;
    /* Read only now: a text field's offset need not be 2-aligned. */
    uint16_t us = *CMD_VALUE(c, f, const uint16_t);
    uint8_t x[2] = {(uint8_t)us, (uint8_t)(us >> 8)};
    return put_el(b, f->tag, x, 2, err);
}

int dq_dimse_command_encode(const dq_dimse_command *c, dq_buffer *out, dq_error *err)
{
    size_t start = out->len;
    uint8_t zero[4] = {0};
    /* Placeholder group length, patched below. Elements in tag order. */
    if (put_el(out, DQ_TAG_CommandGroupLength, zero, 4, err) < 0)
        return -1;
    for (size_t i = 0; i < N_CMD_ELEMENTS; i++)
        if (put_command_element(out, c, &CMD_ELEMENTS[i], err) < 0)
            return -1;
    uint32_t gl = (uint32_t)(out->len - start - 12);
    uint8_t *g = out->data + start + 8;
    g[0] = (uint8_t)gl;
    g[1] = (uint8_t)(gl >> 8);
    g[2] = (uint8_t)(gl >> 16);
    g[3] = (uint8_t)(gl >> 24);
    return 0;
}

static void copy_text(char *dst, const uint8_t *v, uint32_t n)
{
    while (n > 0 && (v[n - 1] == 0 || v[n - 1] == ' '))
        n--;
    if (n > 64)
        n = 64;
    memcpy(dst, v, n);
    dst[n] = 0;
}

/* One command element (PS3.7 E.1) into *c. A US value is taken only when
 * it is 2 bytes long; *valid says whether it was. */
__attribute__((always_inline)) static inline void take_command_element(dq_dimse_command *c,
                                                                       const cmd_element *f,
                                                                       const uint8_t *v, uint32_t n,
                                                                       bool *valid)
{
    *valid = true;
    switch ((cmd_kind)f->kind) {
    case CMD_UI:
    case CMD_LO: copy_text(CMD_VALUE(c, f, char), v, n); return;
    case CMD_AT:
        for (uint32_t i = 0; i + 4 <= n && c->n_offending_elements < MAX_OFFENDING; i += 4)
            c->offending_elements[c->n_offending_elements++] =
                DQ_TAG(v[i] | v[i + 1] << 8, v[i + 2] | v[i + 3] << 8);
        return;
    case CMD_US: break;
    }
    *CMD_VALUE(c, f, uint16_t) = n >= 2 ? (uint16_t)(v[0] | v[1] << 8) : 0;
    *valid = n == 2;
    if (f->has != NO_FLAG)
        *CMD_FLAG(c, f) = *valid;
}

/* The elements every command set must carry with a valid value: those
 * without a has_ flag, as bits of CMD_ELEMENTS indexes. */
/* The elements every command set must carry: bits of CMD_ELEMENTS indexes,
 * worked out from the table once (the compiler does not fold the loop, and
 * every received message asks). */
static uint32_t required_bits(void)
{
    static _Atomic uint32_t memo; /* 0 until computed: some element is required */
    uint32_t bits = atomic_load_explicit(&memo, memory_order_relaxed);
    if (bits)
        return bits;
    for (size_t i = 0; i < N_CMD_ELEMENTS; i++)
        if (CMD_ELEMENTS[i].kind == CMD_US && CMD_ELEMENTS[i].has == NO_FLAG)
            bits |= 1u << i;
    atomic_store_explicit(&memo, bits, memory_order_relaxed);
    return bits;
}

static int check_required(uint32_t seen, dq_error *err)
{
    uint32_t required = required_bits();
    if ((seen & required) == required)
        return 0;
    for (size_t i = 0; i < N_CMD_ELEMENTS; i++) {
        const cmd_element *f = &CMD_ELEMENTS[i];
        if (f->kind == CMD_US && f->has == NO_FLAG && !(seen & (1u << i))) {
            const dq_dict_entry *de = dq_dict_find(f->tag);
            return dq_fail(err, DQ_ERR_MALFORMED, DQ_ERROR_NO_OFFSET, f->tag,
                           "command set without a valid %s (%04X,%04X)", de ? de->name : "element",
                           DQ_TAG_GROUP(f->tag), DQ_TAG_ELEMENT(f->tag));
        }
    }
    return 0;
}

int dq_dimse_command_decode(const uint8_t *buf, size_t len, dq_dimse_command *c, dq_error *err)
{
    memset(c, 0, sizeof *c);
    c->data_set_type = DQ_DIMSE_NO_DATA_SET;
    uint32_t seen = 0; /* bit i: CMD_ELEMENTS[i] taken with a valid value */
    size_t pos = 0, k = 0;
    while (pos < len) {
        if (len - pos < 8)
            return dq_fail(err, DQ_ERR_MALFORMED, pos, DQ_ERROR_NO_TAG,
                           "command set: truncated element header");
        const uint8_t *p = buf + pos;
        uint32_t tag = DQ_TAG(p[0] | p[1] << 8, p[2] | p[3] << 8);
        uint32_t n =
            (uint32_t)p[4] | (uint32_t)p[5] << 8 | (uint32_t)p[6] << 16 | (uint32_t)p[7] << 24;
        if (DQ_TAG_GROUP(tag) != DQ_TAG_GROUP(DQ_TAG_CommandGroupLength))
            return dq_fail(err, DQ_ERR_MALFORMED, pos, tag,
                           "command set: element outside group 0000");
        if (n > len - pos - 8)
            return dq_fail(err, DQ_ERR_MALFORMED, pos, tag,
                           "command set: value length %u overruns the %zu byte command",
                           (unsigned)n, len);
        /* The cursor follows the sorted input; a repeated or out-of-order
         * tag starts it over. Elements not in the table are skipped. */
        if (k > 0 && CMD_ELEMENTS[k - 1].tag >= tag)
            k = 0;
        while (k < N_CMD_ELEMENTS && CMD_ELEMENTS[k].tag < tag)
            k++;
        if (k < N_CMD_ELEMENTS && CMD_ELEMENTS[k].tag == tag) {
            bool valid;
            take_command_element(c, &CMD_ELEMENTS[k], p + 8, n, &valid);
            seen = valid ? seen | 1u << k : seen & ~(1u << k);
            k++;
        }
        pos += 8 + (size_t)n;
    }
    return check_required(seen, err);
}

/* ---- sending ------------------------------------------------------------------------ */

/* Largest PDV value per PDU: the peer's maximum PDU length minus the PDV
 * item header (4-byte length, context ID, control byte). 0 = unlimited, for
 * which we still cut at 4 MiB to bound our own buffer. */
static size_t max_fragment(const dq_assoc *a)
{
    size_t m = a->peer_max_pdu;
    if (m == 0 || m > (4u << 20))
        m = 4u << 20;
    return m > 6 ? m - 6 : 1;
}

/* A message's PDUs are built back to back in a->tx and sent together (one
 * transport write) while they fit in this much; a larger message leaves in
 * pieces of about this size, so a->tx stays bounded (max_fragment). */
#define TX_BATCH_MAX ((size_t)4 << 20)

static int flush_tx(dq_assoc *a, dq_error *err)
{
    int rc = dq_assoc_pdata_send(a, a->tx.data, a->tx.len, err);
    a->tx.len = 0;
    return rc;
}

/* Appends one stream (command set or data set) to a->tx as P-DATA-TF PDUs
 * of one PDV each, cut at the peer's maximum: the command and the data set
 * never share a PDV (PS3.8 E.1), nor, here, a PDU. */
static int put_stream(dq_assoc *a, uint8_t pctx, bool command, const uint8_t *v, size_t n,
                      dq_error *err)
{
    size_t frag = max_fragment(a), off = 0;
    do {
        size_t k = n - off < frag ? n - off : frag;
        size_t size = DQ_PDU_PDATA_HEADER_SIZE + k;
        if (a->tx.len > 0 && a->tx.len + size > TX_BATCH_MAX && flush_tx(a, err) < 0)
            return -1;
        if (dq_buffer_reserve(&a->tx, size, err) < 0)
            return -1;
        uint8_t *p = a->tx.data + a->tx.len;
        if (dq_pdu_pdata_header(p, pctx, command, off + k == n, k, err) < 0)
            return -1;
        memcpy(p + DQ_PDU_PDATA_HEADER_SIZE, v + off, k);
        a->tx.len += size;
        off += k;
    } while (off < n);
    return 0;
}

int dq_dimse_send(dq_assoc *a, uint8_t pctx_id, const dq_dimse_command *cmd, const uint8_t *data,
                  size_t data_len, dq_error *err)
{
    dq_error scratch;
    if (!err)
        err = &scratch;
    if (a->ul.state != DQ_UL_STA6 && a->ul.state != DQ_UL_STA8)
        return dq_fail(err, DQ_ERR_ARGUMENT, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
                       "no established association to send on (%s)", dq_ul_state_name(a->ul.state));
    if (a->pctx_ts[pctx_id] == DQ_TS_UNKNOWN)
        return dq_fail(err, DQ_ERR_ARGUMENT, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
                       "presentation context %u was not accepted", pctx_id);
    dq_dimse_command c = *cmd;
    if (!data)
        c.data_set_type = DQ_DIMSE_NO_DATA_SET;
    else if (c.data_set_type == DQ_DIMSE_NO_DATA_SET)
        c.data_set_type = DQ_DIMSE_DATA_SET_PRESENT;
    a->tx_cmd.len = 0;
    if (dq_dimse_command_encode(&c, &a->tx_cmd, err) < 0)
        return -1;
    a->tx.len = 0;
    if (put_stream(a, pctx_id, true, a->tx_cmd.data, a->tx_cmd.len, err) < 0 ||
        (data && put_stream(a, pctx_id, false, data, data_len, err) < 0) || flush_tx(a, err) < 0) {
        dq_assoc_fail(a, err);
        return -1;
    }
    if (a->on_event) {
        dq_dimse_message m = {pctx_id, c,        a->tx_cmd.data,     a->tx_cmd.len,
                              data,    data_len, a->pctx_ts[pctx_id]};
        dq_assoc_event e = {.type = DQ_ASSOC_EV_DIMSE_SENT, .dimse = &m};
        a->on_event(a->user, &e);
    }
    return 0;
}

/* ---- receiving ------------------------------------------------------------------------ */

/* Ends the association for a DIMSE-level protocol violation: A-ABORT. */
static int dimse_violation(dq_assoc *a, dq_error *err)
{
    if (err->kind == DQ_ERR_NOMEM) { /* ours, not the peer's */
        dq_assoc_fail(a, err);
        return -1;
    }
    if (err->kind != DQ_ERR_LIMIT) /* a cap hit stays a limit error */
        err->kind = DQ_ERR_PROTOCOL;
    dq_error_prefix(err, "DIMSE");
    dq_assoc_fail(a, err);
    return -1;
}

/* Reads the next PDU (until the DIMSE deadline) and hands it to the
 * reassembler if it is a P-DATA-TF; anything else the peer sends meanwhile
 * (A-ABORT, A-RELEASE-RQ, garbage) ends the association. 0, or -1 with *err. */
static int next_pdata(dq_assoc *a, double deadline, dq_error *err)
{
    const uint8_t *pdu;
    size_t len;
    dq_error why;
    dq_error_clear(&why);
    bool invalid;
    if (dq_assoc_read_pdu(a, deadline, DQ_TIMEOUT_DIMSE, &pdu, &len, &invalid, &why) < 0) {
        *err = why;
        if (why.kind == DQ_ERR_CLOSED) {
            /* Evt17: A-P-ABORT; report the close itself. */
            dq_assoc_unexpected(a, DQ_UL_EVT17, NULL, 0, NULL, NULL);
            dq_error_prefix(err, "while waiting for a DIMSE message");
        } else {
            dq_assoc_fail(a, err);
        }
        return -1;
    }
    dq_ul_event ev = invalid ? DQ_UL_EVT19 : dq_ul_event_for_pdu(pdu, len);
    if (ev == DQ_UL_EVT10 && dq_dimse_rx_feed(&a->rx, pdu, len, &why) < 0)
        ev = DQ_UL_EVT19;
    else if (ev != DQ_UL_EVT10 && ev != DQ_UL_EVT19 && dq_pdu_validate(pdu, len, &why) < 0)
        ev = DQ_UL_EVT19;
    if (ev != DQ_UL_EVT10)
        return dq_assoc_unexpected(a, ev, pdu, len, ev == DQ_UL_EVT19 ? &why : NULL, err);
    dq_ul_output o;
    if (dq_assoc_ul_event(a, ev, pdu, len, &o, err) < 0)
        return -1;
    a->in_pdu = true;
    return 0;
}

/* The read loop around the reassembler (dq/dimse_rx.h): PDUs in until a
 * whole message is out. A P-DATA-TF may hold the end of one message and the
 * start of the next: its remaining PDVs wait in the reassembler (a->in_pdu)
 * for the next call. */
static int read_message(dq_assoc *a, dq_dimse_message *msg, dq_error *err)
{
    double deadline = a->dimse_timeout > 0 ? dq_assoc_now() + a->dimse_timeout : 0;
    for (;;) {
        if (!a->in_pdu && next_pdata(a, deadline, err) < 0)
            return -1;
        bool complete;
        if (dq_dimse_rx_next(&a->rx, msg, &complete, err) < 0)
            return dimse_violation(a, err);
        if (complete) {
            /* Most messages end their PDU: release it on the next call
             * without asking the reassembler again. */
            a->in_pdu = dq_dimse_rx_has_input(&a->rx);
            return 0;
        }
        a->in_pdu = false;
    }
}

int dq_dimse_recv(dq_assoc *a, dq_dimse_message *msg, dq_error *err)
{
    dq_error scratch;
    if (!err)
        err = &scratch;
    if (a->ul.state != DQ_UL_STA6 && a->ul.state != DQ_UL_STA7) {
        memset(msg, 0, sizeof *msg);
        return dq_fail(err, DQ_ERR_ARGUMENT, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
                       "no established association to receive on (%s)",
                       dq_ul_state_name(a->ul.state));
    }
    if (read_message(a, msg, err) < 0) {
        memset(msg, 0, sizeof *msg);
        return -1;
    }
    a->stats.messages_received++;
    if (a->on_event) {
        dq_assoc_event e = {.type = DQ_ASSOC_EV_DIMSE_RECEIVED, .dimse = msg};
        a->on_event(a->user, &e);
    }
    return 0;
}
