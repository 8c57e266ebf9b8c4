/* Shared harness helpers (see fuzz_common.h). */
#include "fuzz_common.h"

#include <stdint.h>
#include <stdlib.h>

static void touch(const void *p, size_t n)
{
    volatile uint8_t sink = 0;
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        sink ^= b[i];
    (void)sink;
}

static void visit(const dq_dataset *ds, unsigned depth)
{
    /* The decoder caps nesting; this cap only keeps a decoder bug from
     * turning into a stack overflow here instead of in the library. */
    if (depth > 256)
        return;
    size_t n = dq_dataset_count(ds);
    for (size_t i = 0; i < n; i++) {
        const dq_element *el = dq_dataset_at(ds, i);
        size_t len;
        const uint8_t *v = dq_element_value(el, &len);
        touch(v, len);
        size_t vm = dq_element_vm(el);
        (void)dq_element_dataset(el);
        (void)dq_dataset_find(ds, dq_element_tag(el));
        /* A few values per element: enough to reach every accessor path. */
        for (size_t k = 0; k < vm && k < 4; k++) {
            dq_str s;
            int64_t iv;
            double dv;
            uint32_t at;
            dq_person_name pn;
            if (dq_element_string(el, k, &s, NULL) == 0)
                touch(s.ptr, s.len);
            (void)dq_element_int(el, k, &iv, NULL);
            (void)dq_element_double(el, k, &dv, NULL);
            (void)dq_element_attribute_tag(el, k, &at, NULL);
            if (dq_element_person_name(el, k, &pn, NULL) == 0)
                for (int g = 0; g < 3; g++)
                    for (int c = 0; c < 5; c++)
                        touch(pn.group[g][c].ptr, pn.group[g][c].len);
        }
        char small[32];
        size_t need = dq_element_utf8(el, small, sizeof small);
        touch(small, need < sizeof small ? need : sizeof small - 1);
        size_t items = dq_element_item_count(el);
        for (size_t k = 0; k < items; k++) {
            const dq_dataset *item = dq_element_item(el, k);
            (void)dq_dataset_parent(item);
            visit(item, depth + 1);
        }
    }
}

/* A tree line is one line of printable text: control characters in values
 * are escaped (include/dq/dataset.h). */
static void check_tree_line(void *ctx, const char *line, size_t len)
{
    (void)ctx;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)line[i] < 0x20 || line[i] == 0x7F)
            abort();
    if (line[len] != '\0')
        abort();
}

void dq_fuzz_exercise(const dq_dataset *ds)
{
    if (!ds)
        return;
    visit(ds, 0);
    dq_buffer dump = {0};
    (void)dq_dataset_dump_buffer(ds, &dump, "", NULL);
    dq_buffer_free(&dump);
    /* The tree layout (dicomdump's) renders values its own way: cut byte
     * streams, escaped control characters, cuts inside UTF-8. */
    dq_dump_options tree = {.style = DQ_DUMP_TREE};
    (void)dq_dataset_dump_with(ds, &tree, check_tree_line, NULL, NULL);
}

void dq_fuzz_limits(dq_limits *out)
{
    dq_limits_default(out);
    out->max_input = (size_t)64 << 20;
}
