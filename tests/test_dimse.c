/* DIMSE command sets: known bytes built by hand from PS3.7 (Implicit VR
 * Little Endian, (0000,0000) group length first, elements in tag order),
 * round trips, and hostile input. The generated message tables agree with
 * what the encoder writes for C-FIND-RQ. The reassembler alone; sending: a
 * message's PDUs (one PDV each, cut at the peer's maximum) in one transport
 * write. */
#include <criterion/criterion.h>

#include <string.h>

#include "dq/assoc.h"
#include "dq/dimse_tables.h"

/* C-FIND-RQ, Message ID 7, Patient Root, priority medium, with a data set:
 * (0000,0002) UI 28 bytes (27 + NUL pad), (0000,0100) US 0x0020,
 * (0000,0110) US 7, (0000,0700) US 0, (0000,0800) US 0x0000. */
static const uint8_t find_rq[] = {
    0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x4c, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
    0x00, 0x1c, 0x00, 0x00, 0x00, '1',  '.',  '2',  '.',  '8',  '4',  '0',  '.',  '1',  '0',
    '0',  '0',  '8',  '.',  '5',  '.',  '1',  '.',  '4',  '.',  '1',  '.',  '2',  '.',  '1',
    '.',  '1',  0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x20, 0x00, 0x00, 0x00,
    0x10, 0x01, 0x02, 0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00, 0x00, 0x07, 0x02, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00,
};

Test(dimse, find_rq_known_bytes)
{
    dq_dimse_command c = {0};
    c.command_field = DQ_DIMSE_CMD_C_FIND_RQ;
    c.message_id = 7;
    c.has_message_id = true;
    c.priority = 0;
    c.has_priority = true;
    c.data_set_type = 0x0000;
    strcpy(c.affected_sop_class_uid, "1.2.840.10008.5.1.4.1.2.1.1");
    dq_buffer b = {0};
    dq_error e;
    cr_assert_eq(dq_dimse_command_encode(&c, &b, &e), 0, "%s", e.message);
    cr_assert_eq(b.len, sizeof find_rq);
    cr_assert_eq(memcmp(b.data, find_rq, b.len), 0);
    dq_dimse_command d;
    cr_assert_eq(dq_dimse_command_decode(b.data, b.len, &d, &e), 0, "%s", e.message);
    cr_assert_eq(d.command_field, 0x0020);
    cr_assert_eq(d.message_id, 7);
    cr_assert(d.has_priority);
    cr_assert_eq(d.data_set_type, 0);
    cr_assert_str_eq(d.affected_sop_class_uid, "1.2.840.10008.5.1.4.1.2.1.1");
    dq_buffer_free(&b);
}

Test(dimse, cancel_and_response_round_trip)
{
    dq_dimse_command c = {0};
    c.command_field = DQ_DIMSE_CMD_C_CANCEL_FIND_RQ;
    c.message_id_responded = 3;
    c.has_message_id_responded = true;
    c.data_set_type = DQ_DIMSE_NO_DATA_SET;
    dq_buffer b = {0};
    dq_error e;
    cr_assert_eq(dq_dimse_command_encode(&c, &b, &e), 0);
    /* group length 20: (0000,0100) + (0000,0120) + (0000,0800), 10 bytes each... */
    cr_assert_eq(b.len, 12 + 30);
    cr_assert_eq(b.data[8], 30);
    dq_dimse_command d;
    cr_assert_eq(dq_dimse_command_decode(b.data, b.len, &d, &e), 0);
    cr_assert_eq(d.command_field, 0x0FFF);
    cr_assert_eq(d.message_id_responded, 3);
    cr_assert_eq(d.data_set_type, 0x0101);

    b.len = 0;
    dq_dimse_command r = {0};
    r.command_field = DQ_DIMSE_CMD_C_FIND_RSP;
    r.message_id_responded = 3;
    r.has_message_id_responded = true;
    r.status = 0xA900;
    r.has_status = true;
    r.data_set_type = DQ_DIMSE_NO_DATA_SET;
    strcpy(r.error_comment, "bad key");
    r.offending_elements[0] = DQ_TAG(0x0008, 0x0052);
    r.n_offending_elements = 1;
    cr_assert_eq(dq_dimse_command_encode(&r, &b, &e), 0);
    cr_assert_eq(dq_dimse_command_decode(b.data, b.len, &d, &e), 0);
    cr_assert_eq(d.status, 0xA900);
    cr_assert_str_eq(d.error_comment, "bad key");
    cr_assert_eq(d.n_offending_elements, 1);
    cr_assert_eq(d.offending_elements[0], DQ_TAG(0x0008, 0x0052));
    dq_buffer_free(&b);
}

Test(dimse, hostile_command_sets)
{
    dq_dimse_command d;
    dq_error e;
    /* truncated element header */
    cr_assert_eq(dq_dimse_command_decode(find_rq, 7, &d, &e), -1);
    cr_assert_eq(e.kind, DQ_ERR_MALFORMED);
    /* a value length running past the end */
    uint8_t over[sizeof find_rq];
    memcpy(over, find_rq, sizeof over);
    over[16] = 0xFF;
    over[17] = 0xFF;
    cr_assert_eq(dq_dimse_command_decode(over, sizeof over, &d, &e), -1);
    cr_assert_eq(e.kind, DQ_ERR_MALFORMED);
    cr_assert_eq(e.offset, 12);
    uint8_t huge[12] = {0, 0, 0, 1, 0xFF, 0xFF, 0xFF, 0xFF};
    cr_assert_eq(dq_dimse_command_decode(huge, sizeof huge, &d, &e), -1);
    /* an element outside group 0000 */
    uint8_t g8[] = {0x08, 0x00, 0x52, 0x00, 0x00, 0x00, 0x00, 0x00};
    cr_assert_eq(dq_dimse_command_decode(g8, sizeof g8, &d, &e), -1);
    cr_assert_eq(e.tag, DQ_TAG(0x0008, 0x0052));
    /* no command field, or one of the wrong size */
    cr_assert_eq(dq_dimse_command_decode(find_rq, 48, &d, &e), -1);
    uint8_t odd[] = {0, 0, 0, 1, 1, 0, 0, 0, 0x20, 0, 0, 8, 2, 0, 0, 0, 1, 1};
    cr_assert_eq(dq_dimse_command_decode(odd, sizeof odd, &d, &e), -1);
    /* empty input */
    cr_assert_eq(dq_dimse_command_decode(find_rq, 0, &d, &e), -1);
    /* every prefix of a valid command fails cleanly or decodes */
    for (size_t n = 0; n <= sizeof find_rq; n++)
        (void)dq_dimse_command_decode(find_rq, n, &d, NULL);
}

/* The tags present in an encoded command set. */
static bool has_tag(const uint8_t *b, size_t n, uint32_t tag)
{
    for (size_t pos = 0; pos + 8 <= n;) {
        uint32_t t = DQ_TAG(b[pos] | b[pos + 1] << 8, b[pos + 2] | b[pos + 3] << 8);
        uint32_t l = (uint32_t)b[pos + 4] | (uint32_t)b[pos + 5] << 8 | (uint32_t)b[pos + 6] << 16 |
                     (uint32_t)b[pos + 7] << 24;
        if (t == tag)
            return true;
        pos += 8 + l;
    }
    return false;
}

Test(dimse, names_and_generated_table_agree)
{
    cr_assert_str_eq(dq_dimse_command_name(0x0020), "C-FIND-RQ");
    cr_assert_str_eq(dq_dimse_command_name(0x8020), "C-FIND-RSP");
    cr_assert_str_eq(dq_dimse_command_name(0x0FFF), "C-CANCEL-RQ");
    cr_assert_null(dq_dimse_command_name(0x1234));
    /* Every message PS3.7 defines is named from the generated table. */
    for (size_t i = 0; i < dq_dimse_spec_count(); i++) {
        const dq_dimse_spec *m = dq_dimse_spec_at(i);
        if (m->kind != DQ_DIMSE_KIND_CANCEL_RQ)
            cr_assert_str_eq(dq_dimse_command_name(m->command_field), m->name);
    }
    cr_assert_str_eq(dq_dimse_command_name(DQ_DIMSE_CMD_N_EVENT_REPORT_RSP), "N-EVENT-REPORT-RSP");
    /* Every mandatory command element PS3.7 lists for C-FIND-RQ is written. */
    const dq_dimse_spec *s = dq_dimse_spec_for(DQ_DIMSE_CMD_C_FIND_RQ);
    cr_assert_not_null(s);
    size_t checked = 0;
    for (size_t i = 0; i < s->nfields; i++) {
        const dq_dimse_spec_field *f = &s->fields[i];
        /* mandatory parameters and the always-present encoding elements */
        if (f->tag == DQ_DIMSE_NO_TAG ||
            (f->usage != DQ_DIMSE_MANDATORY && f->usage != DQ_DIMSE_ENCODING))
            continue;
        cr_assert(has_tag(find_rq, sizeof find_rq, f->tag), "%s (%08X) missing", f->name, f->tag);
        checked++;
    }
    cr_assert_eq(checked, 6, "%zu command elements in the generated C-FIND-RQ", checked);
}

/* ---- the reassembler (dq/dimse_rx.h), alone: PDUs and PDVs in, messages out ---- */

#include <stdlib.h>

#include "dq/dimse_rx.h"

/* Contexts 1 (Explicit VR LE) and 3 (Implicit VR LE) accepted, no other. */
static dq_transfer_syntax rx_ts[256];

static void rx_setup(dq_dimse_rx *rx, size_t max_data_set_length)
{
    for (size_t i = 0; i < 256; i++)
        rx_ts[i] = DQ_TS_UNKNOWN;
    rx_ts[1] = DQ_TS_EXPLICIT_LE;
    rx_ts[3] = DQ_TS_IMPLICIT_LE;
    dq_dimse_rx_init(rx, rx_ts, max_data_set_length);
}

/* A C-FIND-RSP command set (Pending with a data set, or Success without). */
static void rsp_command(dq_buffer *out, uint16_t message_id, bool with_data)
{
    dq_dimse_command c = {0};
    c.command_field = DQ_DIMSE_CMD_C_FIND_RSP;
    c.message_id_responded = message_id;
    c.has_message_id_responded = true;
    c.status = with_data ? 0xFF00 : 0x0000;
    c.has_status = true;
    c.data_set_type = with_data ? 0x0000 : DQ_DIMSE_NO_DATA_SET;
    dq_error e;
    out->len = 0;
    cr_assert_eq(dq_dimse_command_encode(&c, out, &e), 0, "%s", e.message);
}

static dq_pdv rx_pdv(uint8_t pctx, bool command, bool last, const uint8_t *data, size_t len)
{
    return (dq_pdv){pctx,    (uint8_t)((command ? DQ_PDV_COMMAND : 0) | (last ? DQ_PDV_LAST : 0)),
                    command, last,
                    data,    len};
}

/* Appends one P-DATA-TF PDU holding pdvs[0..n). */
static void put_pdu(dq_buffer *out, const dq_pdv *pdvs, size_t n)
{
    cr_assert_eq(dq_pdu_encode_pdata(out, pdvs, n, NULL), 0);
}

/* The three outcomes of one reassembler step, as the tests compare them:
 * -1, or 0 with *complete false or true. */
enum { RX_ERROR = -1, RX_NEED_MORE = 0, RX_MESSAGE = 1 };

/* A step refused is never also a message: *complete stays false on -1. */
static int rx_outcome(int rc, bool complete)
{
    cr_assert(rc == 0 || rc == -1, "returned %d", rc);
    if (rc < 0) {
        cr_assert_not(complete, "-1 with *complete set");
        return RX_ERROR;
    }
    return complete ? RX_MESSAGE : RX_NEED_MORE;
}

static int take_next(dq_dimse_rx *rx, dq_dimse_message *m, dq_error *e)
{
    bool complete = true; /* must be cleared by the call */
    int rc = dq_dimse_rx_next(rx, m, &complete, e);
    return rx_outcome(rc, complete);
}

static int take_one(dq_dimse_rx *rx, const dq_pdv *v, dq_dimse_message *m, dq_error *e)
{
    bool complete = true;
    int rc = dq_dimse_rx_pdv(rx, v, m, &complete, e);
    return rx_outcome(rc, complete);
}

/* Stand-in data set bytes: the reassembler does not look inside. */
static const uint8_t rx_data[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGH";
#define RX_DATA_LEN (sizeof rx_data - 1)

static void expect_rsp(const dq_dimse_message *m, uint16_t message_id, const uint8_t *data,
                       size_t data_len)
{
    cr_assert_eq(m->command.command_field, DQ_DIMSE_CMD_C_FIND_RSP);
    cr_assert_eq(m->command.message_id_responded, message_id);
    cr_assert_eq(m->data_len, data_len);
    if (data) {
        cr_assert_not_null(m->data);
        cr_assert_eq(memcmp(m->data, data, data_len), 0);
    } else {
        cr_assert_null(m->data);
    }
}

Test(dimse_rx, one_message_data_set_where_it_lies)
{
    dq_dimse_rx rx;
    rx_setup(&rx, 0);
    cr_assert_eq(rx.max_data_set_length, DQ_DIMSE_MAX_DATA_SET_LENGTH);
    dq_buffer cmd = {0};
    rsp_command(&cmd, 7, true);
    dq_buffer p1 = {0}, p2 = {0};
    dq_pdv c = rx_pdv(1, true, true, cmd.data, cmd.len);
    dq_pdv d = rx_pdv(1, false, true, rx_data, RX_DATA_LEN);
    put_pdu(&p1, &c, 1);
    put_pdu(&p2, &d, 1);
    dq_dimse_message m;
    dq_error e;
    cr_assert_eq(dq_dimse_rx_feed(&rx, p1.data, p1.len, &e), 0, "%s", e.message);
    cr_assert_eq(take_next(&rx, &m, &e), RX_NEED_MORE);
    cr_assert(dq_dimse_rx_in_message(&rx));
    cr_assert_eq(dq_dimse_rx_feed(&rx, p2.data, p2.len, &e), 0);
    cr_assert_eq(take_next(&rx, &m, &e), RX_MESSAGE, "%s", e.message);
    expect_rsp(&m, 7, rx_data, RX_DATA_LEN);
    /* in place: right after the 12 header bytes of the data PDU */
    cr_assert_eq(m.data, p2.data + DQ_PDU_PDATA_HEADER_SIZE);
    cr_assert_eq(m.pctx_id, 1);
    cr_assert_eq(m.ts, DQ_TS_EXPLICIT_LE);
    cr_assert_eq(m.command_len, cmd.len);
    cr_assert_eq(memcmp(m.command_bytes, cmd.data, cmd.len), 0);
    cr_assert_eq(rx.data_sets_in_place, 1);
    cr_assert_eq(rx.bytes_copied, cmd.len); /* the command only */
    cr_assert_not(dq_dimse_rx_in_message(&rx));
    cr_assert_not(dq_dimse_rx_has_input(&rx));
    cr_assert_eq(take_next(&rx, &m, &e), RX_NEED_MORE);
    dq_dimse_rx_free(&rx);
    dq_buffer_free(&cmd);
    dq_buffer_free(&p1);
    dq_buffer_free(&p2);
}

/* Feeds the PDVs of one message either each in its own PDU or all in one,
 * and checks the message that comes out. */
static void feed_split(dq_dimse_rx *rx, const dq_pdv *pdvs, size_t n, bool one_pdu,
                       const dq_buffer *cmd, size_t k, size_t j)
{
    dq_buffer b = {0};
    dq_dimse_message m;
    dq_error e;
    int r = RX_NEED_MORE;
    for (size_t i = 0; i < n; i += one_pdu ? n : 1) {
        b.len = 0;
        put_pdu(&b, pdvs + i, one_pdu ? n : 1);
        cr_assert_eq(r, RX_NEED_MORE, "message out early at PDV %zu (k=%zu j=%zu)", i, k, j);
        cr_assert_eq(dq_dimse_rx_feed(rx, b.data, b.len, &e), 0);
        r = take_next(rx, &m, &e);
    }
    cr_assert_eq(r, RX_MESSAGE, "k=%zu j=%zu: %s", k, j, e.message);
    expect_rsp(&m, 9, rx_data, RX_DATA_LEN);
    cr_assert_eq(m.command_len, cmd->len);
    cr_assert_eq(memcmp(m.command_bytes, cmd->data, cmd->len), 0);
    cr_assert_eq(take_next(rx, &m, &e), RX_NEED_MORE);
    dq_buffer_free(&b);
}

Test(dimse_rx, fragments_split_at_every_byte_boundary)
{
    dq_dimse_rx rx;
    rx_setup(&rx, 0);
    dq_buffer cmd = {0};
    rsp_command(&cmd, 9, true);
    size_t messages = 0;
    /* command cut at k, data set cut at j (an empty first or last fragment
     * included), in separate PDUs and all in one PDU */
    for (size_t k = 0; k <= cmd.len; k++)
        for (size_t j = 0; j <= RX_DATA_LEN; j++)
            for (int one = 0; one < 2; one++) {
                dq_pdv v[4] = {
                    rx_pdv(1, true, false, cmd.data, k),
                    rx_pdv(1, true, true, cmd.data + k, cmd.len - k),
                    rx_pdv(1, false, false, rx_data, j),
                    rx_pdv(1, false, true, rx_data + j, RX_DATA_LEN - j),
                };
                feed_split(&rx, v, 4, one, &cmd, k, j);
                messages++;
            }
    /* Only the cuts with an empty first data fragment leave the data set
     * whole in one PDV, handed out in place; the others were copied. */
    cr_assert_eq(rx.data_sets_in_place, 2 * (cmd.len + 1));
    cr_assert_eq(rx.bytes_copied,
                 messages * cmd.len + (messages - rx.data_sets_in_place) * RX_DATA_LEN);
    dq_dimse_rx_free(&rx);
    dq_buffer_free(&cmd);
}

Test(dimse_rx, one_byte_fragments_through_the_pdv_entry_point)
{
    dq_dimse_rx rx;
    rx_setup(&rx, 0);
    dq_buffer cmd = {0};
    rsp_command(&cmd, 4, true);
    dq_dimse_message m;
    dq_error e;
    for (size_t i = 0; i < cmd.len; i++) {
        dq_pdv v = rx_pdv(3, true, i + 1 == cmd.len, cmd.data + i, 1);
        cr_assert_eq(take_one(&rx, &v, &m, &e), RX_NEED_MORE, "%s", e.message);
    }
    int r = RX_NEED_MORE;
    for (size_t i = 0; i < RX_DATA_LEN; i++) {
        cr_assert_eq(r, RX_NEED_MORE);
        dq_pdv v = rx_pdv(3, false, i + 1 == RX_DATA_LEN, rx_data + i, 1);
        r = take_one(&rx, &v, &m, &e);
    }
    cr_assert_eq(r, RX_MESSAGE, "%s", e.message);
    expect_rsp(&m, 4, rx_data, RX_DATA_LEN);
    cr_assert_eq(m.pctx_id, 3);
    cr_assert_eq(m.ts, DQ_TS_IMPLICIT_LE);
    cr_assert_eq(rx.data_sets_in_place, 0);
    dq_dimse_rx_free(&rx);
    dq_buffer_free(&cmd);
}

/* PDU 1: message A (command, data), message B (command only), the first
 * half of C's command; PDU 2: the rest of C. */
Test(dimse_rx, several_messages_in_one_pdu_and_across_pdus)
{
    dq_dimse_rx rx;
    rx_setup(&rx, 0);
    dq_buffer a = {0}, b = {0}, c = {0};
    rsp_command(&a, 1, true);
    rsp_command(&b, 2, false);
    rsp_command(&c, 3, true);
    size_t h = c.len / 2;
    dq_pdv v1[] = {rx_pdv(1, true, true, a.data, a.len), rx_pdv(1, false, true, rx_data, 5),
                   rx_pdv(3, true, true, b.data, b.len), rx_pdv(1, true, false, c.data, h)};
    dq_pdv v2[] = {rx_pdv(1, true, true, c.data + h, c.len - h),
                   rx_pdv(1, false, true, rx_data, RX_DATA_LEN)};
    dq_buffer p1 = {0}, p2 = {0};
    put_pdu(&p1, v1, 4);
    put_pdu(&p2, v2, 2);
    dq_dimse_message m;
    dq_error e;
    cr_assert_eq(dq_dimse_rx_feed(&rx, p1.data, p1.len, &e), 0);
    cr_assert_eq(take_next(&rx, &m, &e), RX_MESSAGE);
    expect_rsp(&m, 1, rx_data, 5);
    cr_assert(dq_dimse_rx_has_input(&rx));
    cr_assert_eq(take_next(&rx, &m, &e), RX_MESSAGE);
    expect_rsp(&m, 2, NULL, 0);
    cr_assert_eq(m.pctx_id, 3);
    cr_assert_eq(m.command.status, 0x0000);
    cr_assert_eq(take_next(&rx, &m, &e), RX_NEED_MORE);
    cr_assert(dq_dimse_rx_in_message(&rx));
    cr_assert_eq(dq_dimse_rx_feed(&rx, p2.data, p2.len, &e), 0);
    cr_assert_eq(take_next(&rx, &m, &e), RX_MESSAGE, "%s", e.message);
    expect_rsp(&m, 3, rx_data, RX_DATA_LEN);
    cr_assert_eq(m.command_len, c.len);
    cr_assert_eq(memcmp(m.command_bytes, c.data, c.len), 0);
    dq_dimse_rx_free(&rx);
    dq_buffer_free(&a);
    dq_buffer_free(&b);
    dq_buffer_free(&c);
    dq_buffer_free(&p1);
    dq_buffer_free(&p2);
}

/* Feeds one PDU of n PDVs: the result of walking it, *e filled. */
static int feed_pdvs(dq_dimse_rx *rx, const dq_pdv *v, size_t n, dq_error *e)
{
    dq_buffer p = {0};
    put_pdu(&p, v, n);
    dq_dimse_message m;
    cr_assert_eq(dq_dimse_rx_feed(rx, p.data, p.len, e), 0);
    int r;
    while ((r = take_next(rx, &m, e)) == RX_MESSAGE)
        ;
    dq_buffer_free(&p);
    return r;
}

/* The offset of PDV item i in a P-DATA-TF PDU of PDVs of these lengths. */
static size_t item_offset(const dq_pdv *v, size_t i)
{
    size_t at = DQ_PDU_HEADER_SIZE;
    for (size_t k = 0; k < i; k++)
        at += 6 + v[k].len;
    return at;
}

/* After a refused fragment the reassembler takes a good message again. */
static void expect_recovers(dq_dimse_rx *rx)
{
    dq_buffer cmd = {0};
    rsp_command(&cmd, 5, false);
    dq_pdv v = rx_pdv(1, true, true, cmd.data, cmd.len);
    dq_buffer p = {0};
    put_pdu(&p, &v, 1);
    dq_dimse_message m;
    dq_error e;
    cr_assert_eq(dq_dimse_rx_feed(rx, p.data, p.len, &e), 0);
    cr_assert_eq(take_next(rx, &m, &e), RX_MESSAGE, "%s", e.message);
    expect_rsp(&m, 5, NULL, 0);
    dq_buffer_free(&cmd);
    dq_buffer_free(&p);
}

static void expect_refused(const dq_pdv *v, size_t n, size_t bad, dq_error_kind kind,
                           const char *why)
{
    dq_dimse_rx rx;
    rx_setup(&rx, 0);
    dq_error e;
    cr_assert_eq(feed_pdvs(&rx, v, n, &e), RX_ERROR, "accepted: %s", why);
    cr_assert_eq(e.kind, kind, "%s: kind %d (%s)", why, e.kind, e.message);
    cr_assert_eq(e.offset, item_offset(v, bad), "%s: offset %zu (%s)", why, e.offset, e.message);
    cr_assert(strstr(e.message, why), "'%s' does not say '%s'", e.message, why);
    cr_assert_not(dq_dimse_rx_in_message(&rx));
    cr_assert_not(dq_dimse_rx_has_input(&rx)); /* the rest of the PDU is dropped */
    expect_recovers(&rx);
    dq_dimse_rx_free(&rx);
}

Test(dimse_rx, fragments_out_of_order_or_context_are_refused)
{
    dq_buffer with = {0}, without = {0};
    rsp_command(&with, 1, true);
    rsp_command(&without, 1, false);
    const uint8_t *w = with.data;
    size_t wl = with.len;
    dq_pdv data_first[] = {rx_pdv(1, false, true, rx_data, 4)};
    expect_refused(data_first, 1, 0, DQ_ERR_PROTOCOL, "before the command was complete");
    dq_pdv data_after_no_data[] = {rx_pdv(1, true, true, without.data, without.len),
                                   rx_pdv(1, false, true, rx_data, 4)};
    expect_refused(data_after_no_data, 2, 1, DQ_ERR_PROTOCOL, "before the command");
    /* (a third PDV after the refused one: dropped with the PDU, not walked) */
    dq_pdv command_again[] = {rx_pdv(1, true, true, w, wl), rx_pdv(1, true, true, w, wl),
                              rx_pdv(1, true, true, w, wl)};
    expect_refused(command_again, 3, 1, DQ_ERR_PROTOCOL, "after the last command fragment");
    dq_pdv interleaved[] = {rx_pdv(1, true, false, w, 10), rx_pdv(3, true, true, w + 10, wl - 10)};
    expect_refused(interleaved, 2, 1, DQ_ERR_PROTOCOL, "context 3 inside a message on context 1");
    dq_pdv data_elsewhere[] = {rx_pdv(1, true, true, w, wl), rx_pdv(3, false, true, rx_data, 4)};
    expect_refused(data_elsewhere, 2, 1, DQ_ERR_PROTOCOL, "inside a message on context 1");
    dq_pdv unaccepted[] = {rx_pdv(1, true, true, without.data, without.len),
                           rx_pdv(5, true, true, w, wl)};
    expect_refused(unaccepted, 2, 1, DQ_ERR_PROTOCOL, "context 5, which was not accepted");
    dq_buffer_free(&with);
    dq_buffer_free(&without);
}

Test(dimse_rx, a_command_set_that_does_not_decode)
{
    /* (0000,0100) with a value length past the end of the command set */
    static const uint8_t bad[] = {0, 0, 0, 1, 0x40, 0, 0, 0, 0x20, 0};
    dq_dimse_rx rx;
    rx_setup(&rx, 0);
    dq_pdv v = rx_pdv(1, true, true, bad, sizeof bad);
    dq_error e;
    cr_assert_eq(feed_pdvs(&rx, &v, 1, &e), RX_ERROR);
    cr_assert_eq(e.kind, DQ_ERR_MALFORMED);
    cr_assert_eq(e.offset, 0, "offset within the command set: %zu", e.offset);
    cr_assert(strstr(e.message, "command set:"), "%s", e.message);
    expect_recovers(&rx);
    dq_dimse_rx_free(&rx);
}

Test(dimse_rx, command_cap_refused_before_buffering)
{
    dq_dimse_rx rx;
    rx_setup(&rx, 0);
    size_t frag = 64 * 1024;
    uint8_t *zeros = calloc(1, frag);
    cr_assert_not_null(zeros);
    dq_pdv v = rx_pdv(1, true, false, zeros, frag);
    dq_error e;
    size_t n = 0;
    int r;
    while ((r = feed_pdvs(&rx, &v, 1, &e)) == RX_NEED_MORE)
        n++;
    cr_assert_eq(r, RX_ERROR);
    cr_assert_eq(e.kind, DQ_ERR_LIMIT, "%s", e.message);
    cr_assert_eq(n, DQ_DIMSE_MAX_COMMAND_LENGTH / frag);
    cr_assert_eq(rx.bytes_copied, DQ_DIMSE_MAX_COMMAND_LENGTH);
    cr_assert_eq(e.offset, DQ_PDU_HEADER_SIZE);
    free(zeros);
    dq_dimse_rx_free(&rx);
}

/* A data set of a + b bytes in two fragments against a cap of 100. */
static int capped(size_t a, size_t b, dq_error *e, uint64_t *copied)
{
    static uint8_t bytes[400];
    dq_dimse_rx rx;
    rx_setup(&rx, 100);
    dq_buffer cmd = {0};
    rsp_command(&cmd, 1, true);
    dq_pdv v[] = {rx_pdv(1, true, true, cmd.data, cmd.len), rx_pdv(1, false, !b, bytes, a),
                  rx_pdv(1, false, true, bytes + a, b)};
    int r = feed_pdvs(&rx, v, b ? 3 : 2, e);
    *copied = rx.bytes_copied - cmd.len;
    dq_buffer_free(&cmd);
    dq_dimse_rx_free(&rx);
    return r;
}

Test(dimse_rx, data_set_cap)
{
    dq_error e;
    uint64_t copied;
    cr_assert_eq(capped(60, 40, &e, &copied), RX_NEED_MORE, "%s", e.message);
    cr_assert_eq(copied, 100);
    cr_assert_eq(capped(60, 41, &e, &copied), RX_ERROR);
    cr_assert_eq(e.kind, DQ_ERR_LIMIT);
    cr_assert(strstr(e.message, "larger than 100 bytes"), "%s", e.message);
    cr_assert_eq(copied, 60, "the fragment over the cap was not buffered");
    cr_assert_eq(capped(101, 0, &e, &copied), RX_NEED_MORE,
                 "a data set in one PDV is not buffered: the PDU cap bounds it");
    cr_assert_eq(copied, 0);
    cr_assert_eq(capped(101, 1, &e, &copied), RX_ERROR);
    cr_assert_eq(e.kind, DQ_ERR_LIMIT);
    cr_assert_eq(copied, 0);
}

Test(dimse_rx, hostile_pdv_items)
{
    dq_dimse_rx rx;
    rx_setup(&rx, 0);
    dq_dimse_message m;
    dq_error e;
    /* item length 0xFFFFFFFF in a 6 + 8 byte PDU */
    uint8_t over[] = {0x04, 0, 0, 0, 0, 8, 0xFF, 0xFF, 0xFF, 0xFF, 1, 3, 0, 0};
    cr_assert_eq(dq_dimse_rx_feed(&rx, over, sizeof over, &e), 0);
    cr_assert_eq(take_next(&rx, &m, &e), RX_ERROR);
    cr_assert_eq(e.kind, DQ_ERR_MALFORMED);
    cr_assert_eq(e.offset, 6);
    /* item length 1: no message control header */
    uint8_t no_control[] = {0x04, 0, 0, 0, 0, 5, 0, 0, 0, 1, 1};
    cr_assert_eq(dq_dimse_rx_feed(&rx, no_control, sizeof no_control, &e), 0);
    cr_assert_eq(take_next(&rx, &m, &e), RX_ERROR);
    cr_assert_eq(e.kind, DQ_ERR_MALFORMED);
    /* a good PDV followed by a truncated item header: the message is
     * dropped with the PDU */
    dq_buffer cmd = {0};
    rsp_command(&cmd, 1, true);
    dq_pdv v = rx_pdv(1, true, true, cmd.data, cmd.len);
    dq_buffer p = {0};
    put_pdu(&p, &v, 1);
    uint8_t tail[3] = {0, 0, 0};
    cr_assert_eq(dq_buffer_reserve(&p, sizeof tail, NULL), 0);
    memcpy(p.data + p.len, tail, sizeof tail);
    p.len += sizeof tail;
    uint32_t l = (uint32_t)(p.len - 6);
    p.data[2] = (uint8_t)(l >> 24), p.data[3] = (uint8_t)(l >> 16);
    p.data[4] = (uint8_t)(l >> 8), p.data[5] = (uint8_t)l;
    cr_assert_eq(dq_dimse_rx_feed(&rx, p.data, p.len, &e), 0);
    cr_assert_eq(take_next(&rx, &m, &e), RX_ERROR);
    cr_assert_eq(e.offset, p.len - sizeof tail);
    cr_assert_not(dq_dimse_rx_in_message(&rx));
    /* not a P-DATA-TF, no PDV at all, a length that disagrees */
    uint8_t release[] = {0x05, 0, 0, 0, 0, 4, 0, 0, 0, 0};
    uint8_t empty[] = {0x04, 0, 0, 0, 0, 0};
    cr_assert_eq(dq_dimse_rx_feed(&rx, release, sizeof release, &e), -1);
    cr_assert_eq(dq_dimse_rx_feed(&rx, empty, sizeof empty, &e), -1);
    cr_assert_eq(dq_dimse_rx_feed(&rx, over, sizeof over - 1, &e), -1);
    cr_assert_eq(e.kind, DQ_ERR_MALFORMED);
    cr_assert_eq(take_next(&rx, &m, &e), RX_NEED_MORE, "a refused PDU leaves nothing to walk");
    expect_recovers(&rx);
    dq_buffer_free(&cmd);
    dq_buffer_free(&p);
    dq_dimse_rx_free(&rx);
}

Test(dimse_rx, the_message_stays_in_the_storage_it_started_in)
{
    dq_dimse_rx rx;
    rx_setup(&rx, 0);
    dq_buffer cmd = {0};
    rsp_command(&cmd, 1, true);
    dq_pdv c = rx_pdv(1, true, true, cmd.data, cmd.len);
    dq_pdv d = rx_pdv(1, false, true, rx_data, 3);
    dq_dimse_message m1, m2;
    dq_error e;
    cr_assert_eq(take_one(&rx, &c, &m1, &e), RX_NEED_MORE);
    cr_assert_eq(take_one(&rx, &d, &m2, &e), RX_ERROR);
    cr_assert_eq(e.kind, DQ_ERR_ARGUMENT);
    dq_buffer_free(&cmd);
    dq_dimse_rx_free(&rx);
}

/* The bytes of a conversation arriving in two reads cut anywhere: framed
 * with dq_pdu_frame_check (need more / a whole PDU), the P-DATA-TF PDUs
 * fed to the reassembler, the same three messages every time. */
Test(dimse_rx, a_byte_stream_cut_anywhere)
{
    dq_buffer a = {0}, b = {0};
    rsp_command(&a, 1, true);
    rsp_command(&b, 2, false);
    dq_pdv v[] = {rx_pdv(1, true, true, a.data, a.len),
                  rx_pdv(1, false, false, rx_data, 7),
                  rx_pdv(1, false, true, rx_data + 7, RX_DATA_LEN - 7),
                  rx_pdv(1, true, true, a.data, a.len),
                  rx_pdv(1, false, true, rx_data, RX_DATA_LEN),
                  rx_pdv(3, true, true, b.data, b.len)};
    dq_buffer s = {0};
    put_pdu(&s, v, 2);
    put_pdu(&s, v + 2, 2);
    put_pdu(&s, v + 4, 2);
    for (size_t cut = 0; cut <= s.len; cut++) {
        dq_dimse_rx rx;
        rx_setup(&rx, 0);
        size_t have = cut, pos = 0, got = 0;
        while (pos < s.len) {
            dq_pdu_frame f;
            dq_error e;
            cr_assert_eq(dq_pdu_frame_check(s.data + pos, have - pos, 0, &f, &e), 0, "%s",
                         e.message);
            if (!f.complete) {
                cr_assert_lt(have, s.len);
                have = s.len; /* the second read */
                continue;
            }
            cr_assert_eq(dq_dimse_rx_feed(&rx, s.data + pos, f.size, &e), 0);
            dq_dimse_message m;
            while (take_next(&rx, &m, &e) == RX_MESSAGE) {
                got++;
                expect_rsp(&m, got < 3 ? 1 : 2, got < 3 ? rx_data : NULL,
                           got < 3 ? RX_DATA_LEN : 0);
            }
            pos += f.size;
        }
        cr_assert_eq(got, 3, "cut %zu: %zu messages", cut, got);
        dq_dimse_rx_free(&rx);
    }
    dq_buffer_free(&a);
    dq_buffer_free(&b);
    dq_buffer_free(&s);
}

/* Pseudo-random P-DATA-TF bodies: every walk ends (message, need more or
 * error) and whatever comes out points inside the PDU or the reassembler's
 * own buffer. */
Test(dimse_rx, garbage)
{
    uint32_t seed = 12345;
    uint8_t pdu[256];
    for (int round = 0; round < 20000; round++) {
        dq_dimse_rx rx;
        rx_setup(&rx, 64);
        size_t len = 6 + (round % 200);
        for (size_t i = 6; i < len; i++) {
            seed = seed * 1103515245u + 12345u;
            pdu[i] = (uint8_t)(seed >> 16);
            /* plausible item lengths and contexts now and then */
            if (i % 7 == 6 && (seed & 0x300))
                pdu[i] = 0;
        }
        pdu[0] = 0x04, pdu[1] = 0, pdu[2] = 0, pdu[3] = 0;
        pdu[4] = (uint8_t)((len - 6) >> 8), pdu[5] = (uint8_t)(len - 6);
        dq_error e;
        dq_dimse_message m;
        if (dq_dimse_rx_feed(&rx, pdu, len, &e) == 0) {
            int r;
            int steps = 0;
            while ((r = take_next(&rx, &m, &e)) == RX_MESSAGE) {
                cr_assert_lt(++steps, 100);
                if (m.data && m.data_len)
                    cr_assert((m.data >= pdu && m.data + m.data_len <= pdu + len) ||
                              m.data == rx.data.data);
            }
            if (r == RX_ERROR)
                cr_assert(e.offset == DQ_ERROR_NO_OFFSET || e.offset < len ||
                              strstr(e.message, "command set:"),
                          "%zu %s", e.offset, e.message);
        }
        dq_dimse_rx_free(&rx);
    }
}

/* ---- sending (dq_dimse_send) over a transport that records each write ---------- */

#include "dq/transport.h"

/* The peer: reads hand out the A-ASSOCIATE-AC once, then the end of the
 * stream; each write call is recorded (its length, its bytes appended to
 * `sent`), and from the fail_at-th on (1-based; 0: never) writes fail. */
typedef struct wire {
    dq_buffer ac, sent;
    bool ac_read, closed;
    size_t writes, write_len[16], fail_at;
    size_t pdu_events, pdu_event_bytes; /* DQ_ASSOC_EV_PDU_SENT */
    bool failed_event;                  /* DQ_ASSOC_EV_FAILED */
} wire;

static ssize_t wire_read(void *v, void *buf, size_t cap, double timeout, dq_error *err)
{
    (void)timeout;
    wire *w = v;
    if (w->ac_read || cap < w->ac.len)
        return dq_fail(err, DQ_ERR_CLOSED, 0, DQ_ERROR_NO_TAG, "the peer closed the connection");
    memcpy(buf, w->ac.data, w->ac.len);
    w->ac_read = true;
    return (ssize_t)w->ac.len;
}

static int wire_write(void *v, const void *buf, size_t len, double timeout, dq_error *err)
{
    (void)timeout;
    wire *w = v;
    if (++w->writes == w->fail_at)
        return dq_fail(err, DQ_ERR_IO, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG, "send failed");
    if (w->writes <= 16)
        w->write_len[w->writes - 1] = len;
    cr_assert_eq(dq_buffer_append(&w->sent, buf, len, NULL), 0);
    return 0;
}

static void wire_close(void *v)
{
    ((wire *)v)->closed = true;
}

static void wire_event(void *user, const dq_assoc_event *ev)
{
    wire *w = user;
    if (ev->type == DQ_ASSOC_EV_PDU_SENT) {
        w->pdu_events++;
        w->pdu_event_bytes += ev->pdu_len;
    } else if (ev->type == DQ_ASSOC_EV_FAILED) {
        w->failed_event = true;
    }
}

static const char *const wire_ts[] = {DQ_UID_ExplicitVRLittleEndian};
static const dq_assoc_context wire_ctx[] = {
    {DQ_UID_PatientRootQueryRetrieveInformationModelFind, wire_ts, 1}};

/* An association on a wire whose peer accepts context 1 (Explicit VR LE)
 * with peer_max as its maximum PDU length; the wire's records start after
 * the A-ASSOCIATE-RQ. */
static dq_assoc *wire_open(wire *w, uint32_t peer_max)
{
    static dq_pdu_associate ac;
    memset(&ac, 0, sizeof ac);
    ac.type = DQ_PDU_ASSOCIATE_AC;
    ac.protocol_version = DQ_PDU_PROTOCOL_VERSION;
    strcpy(ac.called_ae, "ANY-SCP");
    strcpy(ac.calling_ae, "FINDSCU");
    ac.application_context = dq_pdu_cstr(DQ_UID_DICOMApplicationContextName);
    ac.n_pctx = 1;
    ac.pctx[0].id = 1;
    ac.pctx[0].transfer_syntax = dq_pdu_cstr(DQ_UID_ExplicitVRLittleEndian);
    ac.user_info.has_max_length = true;
    ac.user_info.max_length = peer_max;
    ac.user_info.implementation_class_uid = dq_pdu_cstr("1.2.3.4");
    memset(w, 0, sizeof *w);
    dq_error e;
    cr_assert_eq(dq_pdu_encode_associate(&w->ac, &ac, &e), 0, "%s", e.message);
    static const dq_transport_ops ops = {wire_read, wire_write, wire_close};
    dq_assoc_params p;
    dq_assoc_params_default(&p);
    p.contexts = wire_ctx;
    p.n_contexts = 1;
    p.on_event = wire_event;
    p.user = w;
    dq_assoc *a;
    cr_assert_eq(dq_assoc_request_on(&a, dq_transport_new(&ops, w), &p, &e), 0, "%s", e.message);
    cr_assert_eq(dq_assoc_peer_max_pdu(a), peer_max);
    w->writes = 0;
    w->sent.len = 0;
    w->pdu_events = w->pdu_event_bytes = 0;
    return a;
}

static void wire_free(wire *w, dq_assoc *a)
{
    dq_assoc_free(a);
    cr_assert(w->closed);
    dq_buffer_free(&w->ac);
    dq_buffer_free(&w->sent);
}

static dq_dimse_command find_rq_command(uint16_t message_id)
{
    dq_dimse_command c = {0};
    c.command_field = DQ_DIMSE_CMD_C_FIND_RQ;
    c.message_id = message_id;
    c.has_message_id = true;
    c.has_priority = true;
    strcpy(c.affected_sop_class_uid, DQ_UID_PatientRootQueryRetrieveInformationModelFind);
    return c;
}

/* Walks the P-DATA-TF PDUs in b[0..len): each holds exactly one PDV on
 * context 1, no PDU-length above peer_max, the command's PDVs before the
 * data set's, the last-fragment bit on the last of each stream only. The
 * streams are appended to *cmd and *data; returns the number of PDUs. */
static size_t walk_pdus(const uint8_t *b, size_t len, uint32_t peer_max, dq_buffer *cmd,
                        dq_buffer *data)
{
    size_t n = 0;
    bool cmd_done = false, data_done = false;
    for (size_t off = 0; off < len; n++) {
        dq_pdu_frame f;
        dq_error e;
        cr_assert_eq(dq_pdu_frame_check(b + off, len - off, peer_max, &f, &e), 0, "%s", e.message);
        cr_assert(f.complete && f.type == DQ_PDU_P_DATA_TF, "PDU %zu at %zu", n, off);
        dq_pdv_iter it;
        dq_pdv v;
        bool end;
        cr_assert_eq(dq_pdv_iter_init(&it, b + off, f.size, &e), 0, "%s", e.message);
        cr_assert_eq(dq_pdv_next(&it, &v, &end, &e), 0);
        cr_assert_not(end);
        cr_assert_eq(v.pctx_id, 1);
        cr_assert(v.command ? !cmd_done : cmd_done && !data_done, "PDU %zu out of order", n);
        cr_assert_eq(dq_buffer_append(v.command ? cmd : data, v.data, v.len, NULL), 0);
        *(v.command ? &cmd_done : &data_done) = v.last;
        cr_assert_eq(dq_pdv_next(&it, &v, &end, &e), 0);
        cr_assert(end, "PDU %zu holds more than one PDV", n);
        off += f.size;
    }
    cr_assert(cmd_done && (data->len == 0 || data_done));
    return n;
}

/* Sends a C-FIND-RQ with data[0..len) and checks the wire: `writes` write
 * calls, holding the command set and the data set as the PDUs they always
 * were (one PDV each, cut at peer_max); returns the number of PDUs. */
static size_t send_and_walk(dq_assoc *a, wire *w, uint32_t peer_max, const uint8_t *data,
                            size_t len, size_t writes)
{
    dq_dimse_command c = find_rq_command(dq_assoc_next_message_id(a));
    dq_assoc_stats before, after;
    dq_assoc_stats_get(a, &before);
    size_t w0 = w->writes, s0 = w->sent.len, ev0 = w->pdu_events;
    dq_error e;
    cr_assert_eq(dq_dimse_send(a, 1, &c, data, len, &e), 0, "%s", e.message);
    cr_assert_eq(w->writes - w0, writes, "%zu write calls for one message", w->writes - w0);
    dq_buffer cmd = {0}, ds = {0}, want = {0};
    size_t n = walk_pdus(w->sent.data + s0, w->sent.len - s0, peer_max, &cmd, &ds);
    c.data_set_type = 0x0000;
    cr_assert_eq(dq_dimse_command_encode(&c, &want, &e), 0);
    cr_assert(cmd.len == want.len && memcmp(cmd.data, want.data, want.len) == 0);
    cr_assert(ds.len == len && (len == 0 || memcmp(ds.data, data, len) == 0));
    /* every PDU counted and reported once it is written */
    dq_assoc_stats_get(a, &after);
    cr_assert_eq(after.pdus_sent - before.pdus_sent, n);
    cr_assert_eq(after.bytes_sent - before.bytes_sent, w->sent.len - s0);
    cr_assert_eq(after.transport.write_calls - before.transport.write_calls, writes);
    cr_assert_eq(w->pdu_events - ev0, n);
    dq_buffer_free(&cmd);
    dq_buffer_free(&ds);
    dq_buffer_free(&want);
    return n;
}

/* A C-FIND-RQ is two P-DATA-TF PDUs (command, data set) and one write. */
Test(dimse_send, one_write_per_message)
{
    wire w;
    dq_assoc *a = wire_open(&w, 16384);
    uint8_t ds[40];
    for (size_t i = 0; i < sizeof ds; i++)
        ds[i] = (uint8_t)i;
    for (int i = 0; i < 3; i++)
        cr_assert_eq(send_and_walk(a, &w, 16384, ds, sizeof ds, 1), 2);
    cr_assert_eq(w.writes, 3);
    cr_assert_eq(w.write_len[0], w.sent.len / 3);
    cr_assert_eq(w.pdu_event_bytes, w.sent.len);
    wire_free(&w, a);
}

/* Fragments are cut at the peer's maximum as before: a 64-byte maximum makes
 * 2 command and 4 data set PDUs, still one write. A C-CANCEL-RQ has no data
 * set: its one PDU, one write. */
Test(dimse_send, fragments_are_the_same_pdus_in_one_write)
{
    wire w;
    dq_assoc *a = wire_open(&w, 64);
    uint8_t ds[200];
    for (size_t i = 0; i < sizeof ds; i++)
        ds[i] = (uint8_t)(i * 7);
    cr_assert_eq(send_and_walk(a, &w, 64, ds, sizeof ds, 1), 6);
    dq_dimse_command cancel = {0};
    cancel.command_field = DQ_DIMSE_CMD_C_CANCEL_FIND_RQ;
    cancel.message_id_responded = 1;
    cancel.has_message_id_responded = true;
    size_t s0 = w.sent.len;
    dq_error e;
    cr_assert_eq(dq_dimse_send(a, 1, &cancel, NULL, 0, &e), 0, "%s", e.message);
    cr_assert_eq(w.writes, 2);
    cr_assert_eq(w.write_len[1], w.sent.len - s0);
    cr_assert_eq(w.sent.data[s0 + 11], DQ_PDV_COMMAND | DQ_PDV_LAST);
    wire_free(&w, a);
}

/* A message larger than the send buffer's bound (4 MiB) leaves in several
 * writes, none above one 4 MiB PDU, the PDUs unchanged (no maximum: cut at
 * 4 MiB as before): the command set, then 4 MiB, 4 MiB and the last 1 MiB. */
Test(dimse_send, a_large_message_in_bounded_writes)
{
    wire w;
    dq_assoc *a = wire_open(&w, 0);
    size_t len = (size_t)9 << 20;
    uint8_t *ds = malloc(len);
    cr_assert_not_null(ds);
    for (size_t i = 0; i < len; i++)
        ds[i] = (uint8_t)(i >> 12);
    cr_assert_eq(send_and_walk(a, &w, 0, ds, len, 4), 4);
    for (size_t i = 0; i < w.writes; i++)
        cr_assert_leq(w.write_len[i], ((size_t)4 << 20) + DQ_PDU_PDATA_HEADER_SIZE);
    free(ds);
    wire_free(&w, a);
}

/* A failed write fails the send with the transport's error and ends the
 * association, as before; nothing is reported as sent. */
Test(dimse_send, a_failed_write_ends_the_association)
{
    wire w;
    dq_assoc *a = wire_open(&w, 16384);
    w.fail_at = 1;
    dq_dimse_command c = find_rq_command(dq_assoc_next_message_id(a));
    dq_error e;
    cr_assert_eq(dq_dimse_send(a, 1, &c, (const uint8_t *)"abcd", 4, &e), -1);
    cr_assert_eq(e.kind, DQ_ERR_IO, "%s", e.message);
    cr_assert_not(dq_assoc_is_established(a));
    cr_assert(w.closed);
    cr_assert(w.failed_event);
    cr_assert_eq(w.writes, 1);
    cr_assert_eq(w.pdu_events, 0);
    dq_assoc_stats st;
    dq_assoc_stats_get(a, &st);
    cr_assert_eq(st.pdus_sent, 1, "only the A-ASSOCIATE-RQ");
    cr_assert_eq(dq_dimse_send(a, 1, &c, NULL, 0, &e), -1);
    cr_assert_eq(e.kind, DQ_ERR_ARGUMENT);
    wire_free(&w, a);
}
