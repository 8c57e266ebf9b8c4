/* Hash functions shared by the generator (gen/emit_dict.c, gen/emit_uids.c,
 * which build open-addressing tables at build time) and the library
 * (src/data/dict.c, src/data/uid.c, which probe them). One definition, so the two can
 * never disagree. Private to libdq and dicomgen. */
#ifndef DQ_DICT_HASH_H
#define DQ_DICT_HASH_H

#include <stdint.h>

/* Fibonacci hashing: multiply, keep the high bits (bits = log2 table size). */
static inline uint32_t dq_hash_tag(uint32_t tag, unsigned bits)
{
    return (uint32_t)(tag * 0x9E3779B1u) >> (32u - bits);
}

/* FNV-1a over a NUL-terminated string, folded to `bits` bits. */
static inline uint32_t dq_hash_str(const char *s, unsigned bits)
{
    uint32_t h = 2166136261u;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 16777619u;
    }
    return (uint32_t)(h * 0x9E3779B1u) >> (32u - bits);
}

#endif
