/* The data element dictionary: lookups over the tables generated from PS3.6
 * and PS3.7 (build-tree dq_gen_dict.c). See include/dq/dict.h.
 *
 * The generator lays out open-addressing hash tables (load <= 1/2, linear
 * probing) with the hash functions of dict_hash.h; a lookup is a hash and a
 * few probes, no allocation, no initialisation. */
#include "dq/dict.h"

#include <string.h>

#include "dict_hash.h"
#include "dq_gen_dict.h"

#define KEYWORD_SLOTS (1u << DQ_GEN_DICT_KEYWORD_BITS)

/* Find the entry with this exact (tag, mask) in one of the tag tables. */
static const dq_dict_entry *probe(const uint16_t *slots, unsigned bits, uint32_t tag, uint32_t mask)
{
    uint32_t size_mask = (1u << bits) - 1u;
    for (uint32_t h = dq_hash_tag(tag, bits);; h = (h + 1u) & size_mask) {
        uint16_t i = slots[h];
        if (i == DQ_GEN_DICT_EMPTY)
            return NULL;
        const dq_dict_entry *e = &dq_gen_dict[i];
        if (e->tag == tag && e->mask == mask)
            return e;
    }
}

const dq_dict_entry *dq_dict_find(uint32_t tag)
{
    const dq_dict_entry *e = probe(dq_gen_dict_by_tag, DQ_GEN_DICT_TAG_BITS, tag, 0xFFFFFFFFu);
    if (e)
        return e;
    /* Repeating groups such as (60xx,3000) are standard elements, which live
     * in even groups; an odd group is private and never matches a pattern. */
    if ((tag >> 16) & 1u)
        return NULL;
    for (size_t m = 0; m < DQ_GEN_DICT_MASK_COUNT; m++) {
        uint32_t mask = dq_gen_dict_masks[m];
        e = probe(dq_gen_dict_by_masked, DQ_GEN_DICT_MASKED_BITS, tag & mask, mask);
        if (e)
            return e;
    }
    return NULL;
}

const dq_dict_entry *dq_dict_find_keyword(const char *keyword)
{
    if (!keyword || !*keyword)
        return NULL;
    const uint32_t size_mask = KEYWORD_SLOTS - 1u;
    for (uint32_t h = dq_hash_str(keyword, DQ_GEN_DICT_KEYWORD_BITS);; h = (h + 1u) & size_mask) {
        uint16_t i = dq_gen_dict_by_keyword[h];
        if (i == DQ_GEN_DICT_EMPTY)
            return NULL;
        if (strcmp(dq_gen_dict[i].keyword, keyword) == 0)
            return &dq_gen_dict[i];
    }
}

size_t dq_dict_count(void)
{
    return DQ_GEN_DICT_COUNT;
}

const dq_dict_entry *dq_dict_at(size_t i)
{
    return i < DQ_GEN_DICT_COUNT ? &dq_gen_dict[i] : NULL;
}
