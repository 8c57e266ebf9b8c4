/* DIMSE message table tests: C-FIND, C-CANCEL-FIND and C-ECHO checked
 * against PS3.7 9.3.2-9.3.5 and 9.1.2.1 by hand. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <string.h>

#include "dq/dimse_tables.h"

Test(dimse_tables, command_field_values)
{
    cr_assert_eq(DQ_DIMSE_CMD_C_FIND_RQ, 0x0020);
    cr_assert_eq(DQ_DIMSE_CMD_C_FIND_RSP, 0x8020);
    cr_assert_eq(DQ_DIMSE_CMD_C_CANCEL_FIND_RQ, 0x0FFF);
    cr_assert_eq(DQ_DIMSE_CMD_C_ECHO_RQ, 0x0030);
    cr_assert_eq(DQ_DIMSE_CMD_C_ECHO_RSP, 0x8030);
    cr_assert_eq(DQ_DIMSE_CMD_C_STORE_RQ, 0x0001);
    cr_assert_eq(DQ_DIMSE_CMD_C_MOVE_RQ, 0x0021);
    cr_assert_eq(DQ_DIMSE_CMD_C_GET_RSP, 0x8010);
    cr_assert_eq(DQ_DIMSE_CMD_N_GET_RQ, 0x0110);
    cr_assert_str_eq(dq_dimse_spec_name(0x8020), "C-FIND-RSP");
    cr_assert_str_eq(dq_dimse_spec_name(0x0FFF), "C-CANCEL-FIND-RQ");
    cr_assert_null(dq_dimse_spec_name(0x1234));
    /* every RSP is its RQ with bit 15 set */
    for (size_t i = 0; i < dq_dimse_spec_count(); i++) {
        const dq_dimse_spec *m = dq_dimse_spec_at(i);
        if (m->kind != DQ_DIMSE_KIND_RSP)
            continue;
        char rq[64];
        snprintf(rq, sizeof rq, "%.*s-RQ", (int)(strlen(m->name) - 4), m->name);
        const dq_dimse_spec *q = dq_dimse_spec_find(rq);
        cr_assert_not_null(q, "%s has no %s", m->name, rq);
        cr_assert_eq(m->command_field, q->command_field | 0x8000, "%s", m->name);
    }
    cr_assert_null(dq_dimse_spec_at(dq_dimse_spec_count()));
}

Test(dimse_tables, c_find_rq)
{
    const dq_dimse_spec *m = dq_dimse_spec_find("C-FIND-RQ");
    cr_assert_not_null(m);
    cr_assert_str_eq(m->service, "C-FIND");
    cr_assert_eq(m->kind, DQ_DIMSE_KIND_RQ);
    cr_assert_eq(m->dataset, DQ_DIMSE_DATASET_REQUIRED);
    static const uint32_t tags[] = {0x00000000, 0x00000002, 0x00000100,     0x00000110,
                                    0x00000700, 0x00000800, DQ_DIMSE_NO_TAG};
    cr_assert_eq(m->nfields, sizeof tags / sizeof tags[0]);
    for (size_t i = 0; i < m->nfields; i++)
        cr_assert_eq(m->fields[i].tag, tags[i], "field %zu", i);
    cr_assert_eq(dq_dimse_spec_field_find(m, 0x00000110)->usage, DQ_DIMSE_MANDATORY);
    cr_assert_eq(dq_dimse_spec_field_find(m, 0x00000700)->usage, DQ_DIMSE_MANDATORY);
    cr_assert_str_eq(dq_dimse_spec_field_find(m, 0x00000700)->vr, "US");
    cr_assert_eq(dq_dimse_spec_field_find(m, 0x00000000)->usage, DQ_DIMSE_ENCODING);
    cr_assert_eq(dq_dimse_spec_field_find(m, 0x00000100)->usage, DQ_DIMSE_ENCODING);
    const dq_dimse_spec_field *id = dq_dimse_spec_field_find(m, DQ_DIMSE_NO_TAG);
    cr_assert_str_eq(id->name, "Identifier");
    cr_assert_eq(id->usage, DQ_DIMSE_MANDATORY);
    cr_assert_null(dq_dimse_spec_field_find(m, 0x00000900));
}

Test(dimse_tables, c_find_rsp_and_cancel)
{
    const dq_dimse_spec *m = dq_dimse_spec_find("C-FIND-RSP");
    cr_assert_eq(m->kind, DQ_DIMSE_KIND_RSP);
    cr_assert_eq(m->dataset, DQ_DIMSE_DATASET_OPTIONAL);
    cr_assert_eq(dq_dimse_spec_field_find(m, 0x00000120)->usage, DQ_DIMSE_MANDATORY);
    cr_assert_eq(dq_dimse_spec_field_find(m, 0x00000900)->usage, DQ_DIMSE_MANDATORY);
    const dq_dimse_spec_field *f = dq_dimse_spec_field_find(m, 0x00000002);
    cr_assert_eq(f->usage, DQ_DIMSE_USER_OPTIONAL);
    cr_assert_str_eq(f->usage_text, "U(=)");
    cr_assert_eq(dq_dimse_spec_field_find(m, DQ_DIMSE_NO_TAG)->usage, DQ_DIMSE_CONDITIONAL);

    m = dq_dimse_spec_find("C-CANCEL-FIND-RQ");
    cr_assert_not_null(m);
    cr_assert_str_eq(m->service, "C-FIND");
    cr_assert_eq(m->kind, DQ_DIMSE_KIND_CANCEL_RQ);
    cr_assert_eq(m->dataset, DQ_DIMSE_DATASET_NONE);
    cr_assert_eq(m->command_field, 0x0FFF);
    cr_assert_eq(dq_dimse_spec_field_find(m, 0x00000120)->usage, DQ_DIMSE_MANDATORY);
    cr_assert_null(dq_dimse_spec_field_find(m, 0x00000110));
}

Test(dimse_tables, c_echo)
{
    const dq_dimse_spec *m = dq_dimse_spec_find("C-ECHO-RQ");
    cr_assert_eq(m->dataset, DQ_DIMSE_DATASET_NONE);
    cr_assert_eq(dq_dimse_spec_field_find(m, 0x00000002)->usage, DQ_DIMSE_MANDATORY);
    m = dq_dimse_spec_find("C-ECHO-RSP");
    cr_assert_eq(m->dataset, DQ_DIMSE_DATASET_NONE);
    cr_assert_eq(dq_dimse_spec_field_find(m, 0x00000900)->usage, DQ_DIMSE_MANDATORY);
    cr_assert_null(dq_dimse_spec_find("C-NOPE-RQ"));
    cr_assert_null(dq_dimse_spec_find(NULL));
}
