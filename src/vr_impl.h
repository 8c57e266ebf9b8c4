/* Private: the VR table lookup, inline for the data layer's hot paths
 * (every element decoded, counted, trimmed or dumped asks it).
 * dq_vr_info_get() in include/dq/dict.h is the public form. */
#ifndef DQ_VR_IMPL_H
#define DQ_VR_IMPL_H

#include "dq/dict.h"
#include "dq_gen_vrs.h"

/* A generated 26x26 index by letter; NULL when the VR is not in PS3.5's table. */
static inline const dq_vr_info *dq_vr_props(dq_vr vr)
{
    unsigned a = (unsigned)(vr >> 8) - 'A', b = (unsigned)(vr & 0xFF) - 'A';
    if (a >= 26 || b >= 26)
        return NULL;
    unsigned k = dq_gen_vr_by_letters[a][b];
    return k ? &dq_gen_vrs[k - 1] : NULL;
}

#endif
