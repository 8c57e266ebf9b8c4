/* The arena (src/data/arena.c) and the model's inline fast paths of
 * src/data/dataset_impl.h (dq_arena_alloc_fast, dq_ds_append,
 * dq_el_set_value): every allocation aligned and disjoint on both the inline
 * and the out-of-line path, the fallback across a block boundary, in-place
 * growth of the last allocation whichever path made it, reset keeping its
 * blocks, and elements that come out zeroed from reused (dirty) memory. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dataset_impl.h"

#define V(a, b) DQ_VR_CODE(a, b)
#define ALIGN DQ_ARENA_ALIGN
#define ROUND(n) (((n) + ALIGN - 1) & ~(ALIGN - 1))

static bool aligned(const void *p)
{
    return ((uintptr_t)p & (ALIGN - 1)) == 0;
}

/* An arena as a root data set has one, with a small first block embedded
 * in its owner (dq_arena_destroy frees every block but that one), so the
 * tests cross into malloc'd blocks early. */
#define SMALL_FIRST (DQ_ARENA_HDR + 16 * ALIGN)
static alignas(max_align_t) uint8_t first_block[SMALL_FIRST];

static void small_arena(dq_arena *a)
{
    dq_arena_init(a, first_block, sizeof first_block);
}

typedef struct span {
    uint8_t *p;
    size_t n;
} span;

/* Allocations of every size 0..300 and some large ones, alternating the
 * inline and the out-of-line path: each aligned, each filled with its own
 * byte, and at the end each still holds it (no two overlap). */
Test(arena, every_allocation_aligned_and_disjoint_on_both_paths)
{
    dq_arena a;
    small_arena(&a);
    enum { N = 620 };
    static span s[N];
    for (size_t i = 0; i < N; i++) {
        size_t n = i < 600 ? i / 2 : 20000 + 3001 * (i - 600);
        uint8_t *p = i & 1 ? dq_arena_alloc_fast(&a, n) : dq_arena_alloc(&a, n);
        cr_assert_not_null(p, "allocation %zu of %zu bytes", i, n);
        cr_assert(aligned(p), "allocation %zu of %zu bytes at %p is not aligned", i, n, (void *)p);
        s[i] = (span){p, n ? n : 1};
        memset(p, (int)(i & 0xFF), s[i].n);
    }
    cr_assert_gt(a.mallocs, 2, "the sizes cross block boundaries");
    for (size_t i = 0; i < N; i++) {
        size_t k = 0;
        while (k < s[i].n && s[i].p[k] == (uint8_t)(i & 0xFF))
            k++;
        cr_assert_eq(k, s[i].n, "allocation %zu overwritten at %zu", i, k);
    }
    dq_arena_destroy(&a);
}

/* A block filled to its last byte by the inline path; the next allocation
 * falls back to dq_arena_alloc, which starts a new block. */
Test(arena, fast_path_fills_a_block_then_falls_back_to_a_new_one)
{
    static alignas(max_align_t) uint8_t first[DQ_ARENA_HDR + 8 * ALIGN];
    dq_arena a;
    dq_arena_init(&a, first, sizeof first);
    cr_assert_eq(a.first->size, 8 * ALIGN);
    uint8_t *base = first + DQ_ARENA_HDR;
    for (size_t i = 0; i < 8; i++) {
        uint8_t *p = dq_arena_alloc_fast(&a, ALIGN - (i & 1));
        cr_assert_eq(p, base + i * ALIGN, "allocation %zu not bumped from the first block", i);
    }
    cr_assert_eq(a.first->used, a.first->size);
    cr_assert_eq(a.mallocs, 0);
    uint8_t *q = dq_arena_alloc_fast(&a, 1);
    cr_assert_not_null(q);
    cr_assert(aligned(q));
    cr_assert_eq(a.mallocs, 1, "a full block: one new block");
    cr_assert_neq(a.head, a.first);
    cr_assert_eq(q, (uint8_t *)a.head + DQ_ARENA_HDR);
    cr_assert_eq(a.last, q);
    cr_assert_eq(a.last_size, ALIGN);
    dq_arena_destroy(&a);
}

/* 0 bytes still gives memory; a size that cannot be rounded gives NULL,
 * exactly as dq_arena_alloc does. */
Test(arena, fast_path_edge_sizes_match_dq_arena_alloc)
{
    dq_arena a;
    small_arena(&a);
    void *z1 = dq_arena_alloc_fast(&a, 0), *z2 = dq_arena_alloc_fast(&a, 0);
    cr_assert_not_null(z1);
    cr_assert_not_null(z2);
    cr_assert_neq(z1, z2);
    cr_assert_eq(a.last_size, ALIGN);
    cr_assert_null(dq_arena_alloc_fast(&a, SIZE_MAX));
    cr_assert_null(dq_arena_alloc_fast(&a, SIZE_MAX - ALIGN + 1));
    cr_assert_null(dq_arena_alloc(&a, SIZE_MAX - ALIGN + 1));
    dq_arena_destroy(&a);
}

/* dq_arena_grow extends the last allocation in place after an inline one
 * (the inline path records it as the last), and copies when another
 * allocation came in between. */
Test(arena, grow_in_place_after_a_fast_path_allocation)
{
    dq_arena a;
    small_arena(&a);
    uint8_t *p = dq_arena_alloc_fast(&a, 24);
    memcpy(p, "0123456789abcdefghijklm", 24);
    size_t used = a.head->used;
    uint8_t *g = dq_arena_grow(&a, p, 24, 200);
    cr_assert_eq(g, p, "the last allocation grows in place");
    cr_assert_eq(a.head->used, used - ROUND(24) + ROUND(200));
    cr_assert_eq(memcmp(g, "0123456789abcdefghijklm", 24), 0);
    uint8_t *other = dq_arena_alloc_fast(&a, 8);
    cr_assert_geq(other, g + 200, "the next allocation follows the grown one");
    uint8_t *c = dq_arena_grow(&a, g, 200, 400);
    cr_assert_neq(c, g, "not the last allocation: copied");
    cr_assert(aligned(c));
    cr_assert_eq(memcmp(c, "0123456789abcdefghijklm", 24), 0);
    dq_arena_destroy(&a);
}

/* Reset keeps the first block and the newest one, which the next
 * allocations (through the inline path) fill again without a malloc. */
Test(arena, reset_keeps_blocks_for_the_fast_path)
{
    dq_dataset *ds = dq_dataset_new();
    dq_arena *a = ds->arena;
    for (int i = 0; i < 500; i++)
        cr_assert_not_null(dq_arena_alloc_fast(a, 100));
    size_t mallocs = a->mallocs;
    dq_arena_block *newest = a->head, *first = a->first;
    cr_assert_neq(newest, first);
    for (int round = 0; round < 3; round++) {
        dq_dataset_clear(ds);
        cr_assert_eq(a->head, newest);
        cr_assert_eq(a->head->next, first, "the blocks in between are freed");
        size_t fit = newest->size / ROUND(100);
        for (size_t i = 0; i < fit; i++) {
            uint8_t *p = dq_arena_alloc_fast(a, 100);
            cr_assert_eq(p, (uint8_t *)newest + DQ_ARENA_HDR + i * ROUND(100));
        }
        cr_assert_eq(a->mallocs, mallocs, "round %d took a malloc", round);
    }
    dq_dataset_free(ds);
}

static void check_sorted(const dq_dataset *ds)
{
    for (size_t i = 1; i < ds->n; i++)
        cr_assert_lt(ds->elems[i - 1]->tag, ds->elems[i]->tag, "elements %zu and %zu out of order",
                     i - 1, i);
}

/* Elements appended through the inline path come out fully zeroed even
 * from reused memory full of 0xFF, across the array's growth (16, 32, 64),
 * and out-of-order or duplicate tags still go to their place. */
Test(dataset_model, append_zeroes_elements_and_keeps_tag_order)
{
    dq_dataset *ds = dq_dataset_new();
    for (int i = 0; i < 300; i++)
        memset(dq_arena_alloc(ds->arena, 64), 0xFF, 64);
    dq_dataset_clear(ds);
    for (uint32_t i = 0; i < 70; i++) {
        dq_element *el = dq_ds_append(ds, DQ_TAG(0x0010, 2 * i + 2), V('L', 'O'));
        cr_assert_not_null(el);
        cr_assert(aligned(el));
        cr_assert_eq(el->tag, DQ_TAG(0x0010, 2 * i + 2));
        cr_assert_eq(el->vr, V('L', 'O'));
        cr_assert_eq(el->owner, ds);
        cr_assert(!el->undefined_length && !el->typed_utf8 && el->len == 0);
        cr_assert(!el->value && !el->items && el->nitems == 0 && el->items_cap == 0);
    }
    cr_assert_eq(ds->n, 70);
    cr_assert_geq(ds->cap, 70);
    check_sorted(ds);
    dq_element *mid = dq_ds_append(ds, DQ_TAG(0x0010, 51), V('S', 'H'));
    dq_element *dup = dq_ds_append(ds, DQ_TAG(0x0010, 20), V('S', 'H'));
    dq_element *first = dq_ds_append(ds, DQ_TAG(0x0008, 0x0005), V('C', 'S'));
    cr_assert_eq(ds->n, 72, "one insert in the middle, one at the front, one replaced");
    check_sorted(ds);
    cr_assert_eq(ds->elems[0], first);
    cr_assert_eq(dq_dataset_find(ds, DQ_TAG(0x0010, 51)), mid);
    cr_assert_eq(dq_dataset_find(ds, DQ_TAG(0x0010, 20)), dup, "the later duplicate wins");
    cr_assert_eq(dq_dataset_find(ds, DQ_TAG(0x0010, 20))->vr, V('S', 'H'));
    dq_dataset_free(ds);
}

/* Values: copied, aligned, NULL for 0 bytes; a length that does not fit
 * the 32-bit field (0xFFFFFFFF is the undefined length) is refused. */
Test(dataset_model, set_value_copies_and_refuses_undefined_length)
{
    dq_dataset *ds = dq_dataset_new();
    dq_element *el = dq_ds_append(ds, DQ_TAG(0x0010, 0x0010), V('P', 'N'));
    cr_assert_eq(dq_el_set_value(el, "DOE^JOHN", 8), 0);
    cr_assert_eq(el->len, 8);
    cr_assert(aligned(el->value));
    cr_assert_eq(memcmp(el->value, "DOE^JOHN", 8), 0);
    cr_assert_eq(dq_el_set_value(el, "x", 0), 0);
    cr_assert_null(el->value);
    cr_assert_eq(el->len, 0);
    cr_assert_eq(dq_el_set_value(el, NULL, UINT32_MAX), -1);
    static uint8_t big[70000];
    memset(big, 0xA5, sizeof big);
    cr_assert_eq(dq_el_set_value(el, big, sizeof big), 0, "larger than a block: falls back");
    cr_assert_eq(el->len, sizeof big);
    cr_assert_eq(memcmp(el->value, big, sizeof big), 0);
    dq_dataset_free(ds);
}

/* dq_ds_reserve: room for n elements at once (the decoder's guess from the
 * input's size), so appending up to n never moves the array; growing an
 * array that has elements keeps them; doubling when n is below it. */
Test(dataset_model, reserve_gives_room_without_moving_the_array)
{
    dq_dataset *ds = dq_dataset_new();
    cr_assert(dq_ds_reserve(ds, 27));
    cr_assert_eq(ds->cap, 27);
    dq_element **array = ds->elems;
    for (uint32_t i = 0; i < 27; i++)
        cr_assert_not_null(dq_ds_append(ds, DQ_TAG(0x0010, i + 1), V('L', 'O')));
    cr_assert_eq(ds->elems, array, "27 appends after reserving 27 kept the array");
    cr_assert(dq_ds_reserve(ds, 10));
    cr_assert_eq(ds->cap, 27, "no smaller");
    cr_assert(dq_ds_reserve(ds, 28));
    cr_assert_eq(ds->cap, 54, "doubling");
    cr_assert(dq_ds_reserve(ds, 200));
    cr_assert_eq(ds->cap, 200);
    cr_assert_eq(ds->n, 27);
    for (uint32_t i = 0; i < 27; i++)
        cr_assert_eq(ds->elems[i]->tag, DQ_TAG(0x0010, i + 1));
    cr_assert(!dq_ds_reserve(ds, SIZE_MAX / 4), "an impossible size is refused");
    cr_assert_eq(ds->cap, 200);
    dq_dataset_free(ds);
}
