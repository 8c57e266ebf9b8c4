/* dicomgen: generation-time hash table layout (see hash.h). */
#include "hash.h"

#include <string.h>

unsigned gen_hash_bits(size_t n)
{
    unsigned bits = 4;
    while (((size_t)1 << bits) < 2 * n) /* load factor <= 1/2: short probe runs */
        bits++;
    return bits;
}

uint16_t *gen_hash_slots(unsigned bits)
{
    size_t size = (size_t)1 << bits;
    uint16_t *slots = gen_xmalloc(size * sizeof *slots);
    memset(slots, 0xFF, size * sizeof *slots);
    return slots;
}

size_t gen_hash_put(uint16_t *slots, unsigned bits, uint32_t h, uint16_t index)
{
    size_t mask = ((size_t)1 << bits) - 1, probes = 1;
    while (slots[h] != GEN_HASH_EMPTY) {
        h = (uint32_t)((h + 1) & mask);
        probes++;
    }
    slots[h] = index;
    return probes;
}

void gen_out_slots16(gen_out *c, const char *name, const uint16_t *slots, size_t size)
{
    gen_out_printf(c, "const uint16_t %s[%zu] = {", name, size);
    for (size_t i = 0; i < size; i++)
        gen_out_printf(c, "%s%5u,", i % 12 ? " " : "\n    ", slots[i]);
    gen_out_printf(c, "\n};\n\n");
}
