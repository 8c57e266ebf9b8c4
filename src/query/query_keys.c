/* The generated PS3.4 key tables (dq/query_keys.h). */
#include "dq/query_keys.h"

#include <string.h>

#include "dq_gen_query_keys.h"

size_t dq_query_model_count(void)
{
    return DQ_GEN_QUERY_MODEL_COUNT;
}

const dq_query_model *dq_query_model_at(size_t i)
{
    return i < DQ_GEN_QUERY_MODEL_COUNT ? &dq_gen_query_models[i] : NULL;
}

const dq_query_model *dq_query_model_find(const char *name)
{
    for (size_t i = 0; name && i < DQ_GEN_QUERY_MODEL_COUNT; i++)
        if (strcmp(dq_gen_query_models[i].name, name) == 0)
            return &dq_gen_query_models[i];
    return NULL;
}

const dq_query_level *dq_query_level_find(const dq_query_model *m, const char *name)
{
    for (size_t i = 0; m && name && i < m->nlevels; i++)
        if (strcmp(m->levels[i].name, name) == 0)
            return &m->levels[i];
    return NULL;
}

size_t dq_query_level_index(const dq_query_model *m, const dq_query_level *l)
{
    return (size_t)(l - m->levels);
}

const dq_query_key *dq_query_level_key(const dq_query_level *l, uint32_t tag)
{
    for (size_t i = 0; l && i < l->nkeys; i++)
        if (l->keys[i].depth == 0 && l->keys[i].tag == tag)
            return &l->keys[i];
    return NULL;
}

bool dq_query_model_identifier_tag(const dq_query_model *m, uint32_t tag)
{
    for (size_t i = 0; m && i < m->nidentifier_tags; i++)
        if (m->identifier_tags[i] == tag)
            return true;
    return false;
}
