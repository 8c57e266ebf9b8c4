/* The UID registry: lookups over the tables generated from PS3.6 Annex A
 * (build-tree dq_gen_uids.c). See include/dq/dict.h. */
#include "dq/dict.h"

#include <string.h>

#include "dict_hash.h"
#include "dq_gen_uids.h"

/* Linear probing from the hash until the string matches or a slot is empty. */
static const dq_uid_entry *probe(const uint16_t *slots, unsigned bits, const char *key,
                                 int by_keyword)
{
    const uint32_t size_mask = (1u << bits) - 1u;
    for (uint32_t h = dq_hash_str(key, bits);; h = (h + 1u) & size_mask) {
        uint16_t i = slots[h];
        if (i == DQ_GEN_UID_EMPTY)
            return NULL;
        const dq_uid_entry *e = &dq_gen_uids[i];
        if (strcmp(by_keyword ? e->keyword : e->uid, key) == 0)
            return e;
    }
}

const dq_uid_entry *dq_uid_find(const char *uid)
{
    if (!uid || !*uid)
        return NULL;
    return probe(dq_gen_uids_by_uid, DQ_GEN_UID_BITS, uid, 0);
}

const dq_uid_entry *dq_uid_find_keyword(const char *keyword)
{
    if (!keyword || !*keyword)
        return NULL;
    return probe(dq_gen_uids_by_keyword, DQ_GEN_UID_KEYWORD_BITS, keyword, 1);
}

size_t dq_uid_count(void)
{
    return DQ_GEN_UID_COUNT;
}

const dq_uid_entry *dq_uid_at(size_t i)
{
    return i < DQ_GEN_UID_COUNT ? &dq_gen_uids[i] : NULL;
}
