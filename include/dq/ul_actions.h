/* dq: the DICOM Upper Layer actions as PS3.8 defines them (Tables 9-6..9-9),
 * generated (gen/emit_ul_actions.c): for logs and for checking the state
 * machine against the standard. The runtime is dq/ul.h. */
#ifndef DQ_UL_ACTIONS_H
#define DQ_UL_ACTIONS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dq_ul_action_def {
    const char *name;       /* "AE-1" ... "AA-8" */
    const char *table;      /* "Association Establishment Related Actions", ... */
    uint16_t next_states;   /* bit n set: the definition names Sta n as a next state */
    const char *definition; /* the standard's text */
} dq_ul_action_def;

/* By name ("AR-8"); NULL when unknown. */
const dq_ul_action_def *dq_ul_action_def_find(const char *name);
size_t dq_ul_action_def_count(void);
const dq_ul_action_def *dq_ul_action_def_at(size_t i); /* NULL past the end */

#ifdef __cplusplus
}
#endif
#endif
