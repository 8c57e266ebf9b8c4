/* dicomgen: open-addressing hash tables laid out at generation time (the
 * lookup side, with the hash functions, is src/data/dict_hash.h). Shared by the
 * dict and uids emitters. */
#ifndef DICOMGEN_HASH_H
#define DICOMGEN_HASH_H

#include <stddef.h>
#include <stdint.h>

#include "gen.h"

#define GEN_HASH_EMPTY 0xFFFFu

/* Table size in bits for n entries: load factor <= 1/2, so probe runs stay short. */
unsigned gen_hash_bits(size_t n);
/* A table of 1 << bits slots, all GEN_HASH_EMPTY. Caller frees. */
uint16_t *gen_hash_slots(unsigned bits);
/* Stores index at the first empty slot probing linearly from h; returns
 * how many slots were probed. */
size_t gen_hash_put(uint16_t *slots, unsigned bits, uint32_t h, uint16_t index);
/* Writes `const uint16_t name[size] = {...};` twelve slots a line. */
void gen_out_slots16(gen_out *c, const char *name, const uint16_t *slots, size_t size);

#endif
