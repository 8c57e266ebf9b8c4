/* Private: the VR table lookup, inline for the data layer's hot paths
 * (every element decoded, counted, trimmed or dumped asks it), and the VR
 * helpers of vr.c the codecs and the model share.
 * dq_vr_info_get() in include/dq/dict.h is the public form. */
#ifndef DQ_VR_IMPL_H
#define DQ_VR_IMPL_H

#include "dq/dataset.h"
#include "dq/dict.h"
#include "dq_gen_vrs.h"

/* The VR of two letters given as their offsets from 'A' (each below 26),
 * through a generated 26x26 index; NULL when the VR is not in PS3.5's table. */
static inline const dq_vr_info *dq_vr_props_letters(unsigned a, unsigned b)
{
    unsigned k = dq_gen_vr_by_letters[a][b];
    return k ? &dq_gen_vrs[k - 1] : NULL;
}

/* NULL when the VR is not in PS3.5's table. */
static inline const dq_vr_info *dq_vr_props(dq_vr vr)
{
    unsigned a = (unsigned)(vr >> 8) - 'A', b = (unsigned)(vr & 0xFF) - 'A';
    if (a >= 26 || b >= 26)
        return NULL;
    return dq_vr_props_letters(a, b);
}

/* The VR of an element whose encoding does not carry one (implicit VR):
 * the dictionary's; group length UL, private creator LO, unknown UN;
 * multi-VR entries resolved from context (PS3.5 A.1, see vr.c). */
dq_vr dq_vr_for_tag(uint32_t tag, const dq_dataset *context);
static inline bool dq_vr_is_text(dq_vr vr)
{
    const dq_vr_info *vi = dq_vr_props(vr);
    return vi && vi->vr_class == DQ_VR_CLASS_TEXT;
}
/* Bytes per swapped unit for Big Endian: 0/1 none, 2, 4, 8; AT handled as 2. */
unsigned dq_vr_swap_unit(dq_vr vr);
/* Whether v is in the range of a binary integer VR (US SS UL SL UV; SV
 * takes any int64; other VRs: true, the caller checks the kind). */
bool dq_vr_int_fits(dq_vr vr, long long v);

#endif
