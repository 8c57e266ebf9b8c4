/* Lookups over the generated DIMSE message table (dq_gen_dimse.c). */
#include "dq/dimse_tables.h"

#include <string.h>

#include "dq_gen_dimse.h"

const dq_dimse_spec *dq_dimse_spec_find(const char *name)
{
    for (size_t i = 0; name && i < DQ_GEN_DIMSE_MESSAGE_COUNT; i++)
        if (strcmp(dq_gen_dimse_messages[i].name, name) == 0)
            return &dq_gen_dimse_messages[i];
    return NULL;
}

const dq_dimse_spec *dq_dimse_spec_for(uint16_t command_field)
{
    for (size_t i = 0; i < DQ_GEN_DIMSE_MESSAGE_COUNT; i++)
        if (dq_gen_dimse_messages[i].command_field == command_field)
            return &dq_gen_dimse_messages[i];
    return NULL;
}

const char *dq_dimse_spec_name(uint16_t command_field)
{
    const dq_dimse_spec *m = dq_dimse_spec_for(command_field);
    return m ? m->name : NULL;
}

const dq_dimse_spec_field *dq_dimse_spec_field_find(const dq_dimse_spec *m, uint32_t tag)
{
    for (size_t i = 0; m && i < m->nfields; i++)
        if (m->fields[i].tag == tag)
            return &m->fields[i];
    return NULL;
}

size_t dq_dimse_spec_count(void)
{
    return DQ_GEN_DIMSE_MESSAGE_COUNT;
}

const dq_dimse_spec *dq_dimse_spec_at(size_t i)
{
    return i < DQ_GEN_DIMSE_MESSAGE_COUNT ? &dq_gen_dimse_messages[i] : NULL;
}
