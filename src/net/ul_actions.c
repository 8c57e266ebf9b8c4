/* Lookups over the generated Upper Layer action definitions. */
#include "dq/ul_actions.h"

#include <string.h>

#include "dq_gen_ul_actions.h"

const dq_ul_action_def *dq_ul_action_def_find(const char *name)
{
    for (size_t i = 0; name && i < DQ_GEN_UL_ACTION_COUNT; i++)
        if (strcmp(dq_gen_ul_actions[i].name, name) == 0)
            return &dq_gen_ul_actions[i];
    return NULL;
}

size_t dq_ul_action_def_count(void)
{
    return DQ_GEN_UL_ACTION_COUNT;
}

const dq_ul_action_def *dq_ul_action_def_at(size_t i)
{
    return i < DQ_GEN_UL_ACTION_COUNT ? &dq_gen_ul_actions[i] : NULL;
}
