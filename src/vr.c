/* Value Representations: lookups over the table generated from PS3.5
 * (build-tree dq_gen_vrs.c, sorted by code). See include/dq/dict.h. */
#include "dq/dict.h"

#include "vr_impl.h"

const dq_vr_info *dq_vr_info_get(dq_vr vr)
{
    return dq_vr_props(vr);
}

dq_vr dq_vr_from_code(const char *two_chars)
{
    if (!two_chars || !two_chars[0] || !two_chars[1])
        return 0;
    const dq_vr_info *info = dq_vr_info_get(DQ_VR_CODE((unsigned char)two_chars[0],
                                                       (unsigned char)two_chars[1]));
    return info ? info->vr : 0;
}

size_t dq_vr_count(void)
{
    return DQ_GEN_VR_COUNT;
}

const dq_vr_info *dq_vr_at(size_t i)
{
    return i < DQ_GEN_VR_COUNT ? &dq_gen_vrs[i] : NULL;
}
