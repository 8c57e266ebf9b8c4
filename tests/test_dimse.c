/* DIMSE command sets: known bytes built by hand from PS3.7 (Implicit VR
 * Little Endian, (0000,0000) group length first, elements in tag order),
 * round trips, and hostile input. The generated message tables agree with
 * what the encoder writes for C-FIND-RQ. */
#include <criterion/criterion.h>

#include <string.h>

#include "dq/assoc.h"
#include "dq/dimse_tables.h"

/* C-FIND-RQ, Message ID 7, Patient Root, priority medium, with a data set:
 * (0000,0002) UI 28 bytes (27 + NUL pad), (0000,0100) US 0x0020,
 * (0000,0110) US 7, (0000,0700) US 0, (0000,0800) US 0x0000. */
static const uint8_t find_rq[] = {
    0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x4c, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x02, 0x00, 0x1c, 0x00, 0x00, 0x00, '1', '.', '2', '.', '8', '4', '0', '.',
    '1', '0', '0', '0', '8', '.', '5', '.', '1', '.', '4', '.', '1', '.', '2', '.', '1', '.',
    '1', 0x00,
    0x00, 0x00, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x20, 0x00,
    0x00, 0x00, 0x10, 0x01, 0x02, 0x00, 0x00, 0x00, 0x07, 0x00,
    0x00, 0x00, 0x00, 0x07, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x08, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00,
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
        uint32_t l = (uint32_t)b[pos + 4] | (uint32_t)b[pos + 5] << 8 |
                     (uint32_t)b[pos + 6] << 16 | (uint32_t)b[pos + 7] << 24;
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
        cr_assert(has_tag(find_rq, sizeof find_rq, f->tag), "%s (%08X) missing", f->name,
                  f->tag);
        checked++;
    }
    cr_assert_eq(checked, 6, "%zu command elements in the generated C-FIND-RQ", checked);
}
