/* Value Representations: lookups over the table generated from PS3.5
 * (build-tree dq_gen_vrs.c, sorted by code), see include/dq/dict.h; and the
 * VR an element gets when the encoding does not say (implicit VR). */
#include "dq/dict.h"

#include "dataset_impl.h"
#include "vr_impl.h"

#define V(a, b) DQ_VR_CODE(a, b)

const dq_vr_info *dq_vr_info_get(dq_vr vr)
{
    return dq_vr_props(vr);
}

dq_vr dq_vr_from_code(const char *two_chars)
{
    if (!two_chars || !two_chars[0] || !two_chars[1])
        return 0;
    const dq_vr_info *info =
        dq_vr_info_get(DQ_VR_CODE((unsigned char)two_chars[0], (unsigned char)two_chars[1]));
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

/* AT swaps as two 16-bit halves: PS3.5 defines it as a pair of 16-bit numbers. */
unsigned dq_vr_swap_unit(dq_vr vr)
{
    const dq_vr_info *vi = dq_vr_props(vr);
    return vi ? vi->unit_size : 0;
}

/* Multi-VR resolution (PS3.5 A.1 c, and what the data set can tell):
 *   "US or SS"  -> SS when Pixel Representation (0028,0103) in this data set
 *                  or an enclosing one is 1, else US;
 *   "OB or OW"  -> OW (PS3.5 A.1: implicit VR pixel data is OW; pydicom
 *                  agrees);
 *   "US or OW"  -> US when the LUT Descriptor is not in play, i.e. always US
 *                  except for (0028,3006) LUT Data, which is OW;
 *   otherwise   -> the first VR the standard lists. */
static dq_vr resolve(const dq_dict_entry *e, uint32_t tag, const dq_dataset *ctx)
{
    dq_vr a = e->vr[0], b = e->vr[1];
    if (!b)
        return a;
    bool has_us = a == V('U', 'S') || b == V('U', 'S') || e->vr[2] == V('U', 'S');
    bool has_ss = a == V('S', 'S') || b == V('S', 'S') || e->vr[2] == V('S', 'S');
    bool has_ow = a == V('O', 'W') || b == V('O', 'W') || e->vr[2] == V('O', 'W');
    if (has_us && has_ss) {
        for (const dq_dataset *d = ctx; d; d = d->parent ? d->parent->owner : NULL) {
            const dq_element *pr = dq_dataset_find(d, DQ_TAG_PixelRepresentation);
            if (pr && pr->len >= 2)
                return dq_le16(pr->value) == 1 ? V('S', 'S') : V('U', 'S');
        }
        return V('U', 'S');
    }
    if (has_ow && has_us)
        return tag == DQ_TAG_LUTData ? V('O', 'W') : V('U', 'S');
    if (has_ow)
        return V('O', 'W');
    return a;
}

dq_vr dq_vr_for_tag(uint32_t tag, const dq_dataset *context)
{
    uint16_t g = DQ_TAG_GROUP(tag), e = DQ_TAG_ELEMENT(tag);
    if (e == DQ_GROUP_LENGTH_ELEMENT)
        return V('U', 'L'); /* group length */
    if (g & 1) {
        if (e >= DQ_PRIVATE_CREATOR_FIRST && e <= DQ_PRIVATE_CREATOR_LAST)
            return V('L', 'O'); /* private creator */
        return V('U', 'N');
    }
    const dq_dict_entry *de = dq_dict_find(tag);
    if (!de || !de->vr[0])
        return V('U', 'N');
    return resolve(de, tag, context);
}

bool dq_vr_int_fits(dq_vr vr, long long v)
{
    switch (vr) {
    case V('U', 'S'): return v >= 0 && v <= 0xFFFF;
    case V('S', 'S'): return v >= INT16_MIN && v <= INT16_MAX;
    case V('U', 'L'): return v >= 0 && v <= 0xFFFFFFFFll;
    case V('S', 'L'): return v >= INT32_MIN && v <= INT32_MAX;
    case V('U', 'V'): return v >= 0;
    default: return true;
    }
}
