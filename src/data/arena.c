/* Arena allocation for data sets: one data set tree lives in a few large
 * blocks, so decoding does no per-element malloc and one free releases all. */
#include <stdlib.h>
#include <string.h>

#include "dataset_impl.h"

#define ALIGN DQ_ARENA_ALIGN
#define HDR DQ_ARENA_HDR
#define MIN_BLOCK ((size_t)16384)

static size_t round_up(size_t n)
{
    return (n + ALIGN - 1) & ~(ALIGN - 1);
}

void dq_arena_init(dq_arena *a, void *first_block, size_t first_size)
{
    memset(a, 0, sizeof *a);
    if (first_block && first_size > HDR) {
        dq_arena_block *b = first_block;
        b->next = NULL;
        b->size = first_size - HDR;
        b->used = 0;
        a->head = a->first = b;
    }
}

static dq_arena_block *new_block(dq_arena *a, size_t need)
{
    size_t size = MIN_BLOCK;
    /* Geometric growth keeps the number of mallocs logarithmic in the size. */
    if (a->total_bytes > size)
        size = a->total_bytes;
    if (size > (size_t)64 << 20)
        size = (size_t)64 << 20;
    if (need > size)
        size = need;
    if (size > SIZE_MAX - HDR)
        return NULL;
    dq_arena_block *b = malloc(HDR + size);
    if (!b)
        return NULL;
    b->size = size;
    b->used = 0;
    b->next = a->head;
    a->head = b;
    if (!a->first)
        a->first = b;
    a->total_bytes += HDR + size;
    a->mallocs++;
    return b;
}

void *dq_arena_alloc(dq_arena *a, size_t n)
{
    if (n == 0)
        n = 1;
    if (n > SIZE_MAX - ALIGN)
        return NULL;
    n = round_up(n);
    void *p = dq_arena_bump(a, n);
    if (!p && new_block(a, n))
        p = dq_arena_bump(a, n);
    return p;
}

void *dq_arena_grow(dq_arena *a, void *p, size_t old_n, size_t n)
{
    if (p && p == a->last) {
        dq_arena_block *b = a->head;
        size_t rn = round_up(n);
        if (rn >= a->last_size && b->size - b->used >= rn - a->last_size) {
            b->used += rn - a->last_size;
            a->last_size = rn;
            return p;
        }
    }
    void *q = dq_arena_alloc(a, n);
    if (q && p && old_n)
        memcpy(q, p, old_n < n ? old_n : n);
    return q;
}

bool dq_arena_reserve(dq_arena *a, size_t n)
{
    n = round_up(n);
    if (a->head && a->head->size - a->head->used >= n)
        return true;
    return new_block(a, n) != NULL;
}

void dq_arena_reset(dq_arena *a)
{
    /* Keep the first block (embedded in the owner) and the newest, largest
     * one, so a reused data set decodes the next message without malloc. */
    dq_arena_block *keep = (a->head && a->head != a->first) ? a->head : NULL;
    dq_arena_block *b = keep ? keep->next : a->head;
    while (b && b != a->first) {
        dq_arena_block *next = b->next;
        a->total_bytes -= HDR + b->size;
        free(b);
        b = next;
    }
    if (a->first)
        a->first->used = 0;
    if (keep) {
        keep->used = 0;
        keep->next = a->first;
        a->head = keep;
    } else {
        a->head = a->first;
    }
    a->last = NULL;
    a->last_size = 0;
}

void dq_arena_destroy(dq_arena *a)
{
    /* Frees every block but the first, which is embedded in its owner. */
    dq_arena_block *b = a->head;
    while (b && b != a->first) {
        dq_arena_block *next = b->next;
        free(b);
        b = next;
    }
    a->head = a->first = NULL;
    a->last = NULL;
}
