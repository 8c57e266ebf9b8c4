/* DIMSE status lookups over the generated table (dq_gen_status.c). */
#include "dq/status.h"

#include <stdbool.h>
#include <string.h>

#include "dq_gen_status.h"

/* Search order: source (PS3.4, PS3.7 service sections, Annex C); within a
 * source, each table (a run of entries with the same service and context)
 * in the standard's order, and in a table exact codes before ranges. So a
 * Query/Retrieve C-FIND status reads as Query/Retrieve's table says (C100
 * is "Unable to process" there, not Relevant Patient Query's "More than
 * one match found"). */
static bool same_table(const dq_status_info *a, const dq_status_info *b)
{
    return a->source == b->source && strcmp(a->service, b->service) == 0 &&
           strcmp(a->context, b->context) == 0;
}

static const dq_status_info *search_table(size_t from, size_t to, uint16_t status)
{
    for (size_t i = from; i < to; i++)
        if (dq_gen_status[i].mask == 0xFFFFu && dq_gen_status[i].code == status)
            return &dq_gen_status[i];
    for (size_t i = from; i < to; i++)
        if ((status & dq_gen_status[i].mask) == dq_gen_status[i].code)
            return &dq_gen_status[i];
    return NULL;
}

const dq_status_info *dq_status_lookup_service(const char *service, uint16_t status)
{
    bool general_only = !service || !*service;
    for (int src = general_only ? DQ_GEN_STATUS_PS37_ANNEX_C : DQ_GEN_STATUS_PS34;
         src <= DQ_GEN_STATUS_PS37_ANNEX_C; src++) {
        size_t i = 0;
        while (i < DQ_GEN_STATUS_COUNT) {
            const dq_status_info *e = &dq_gen_status[i];
            if (e->source != src ||
                (src != DQ_GEN_STATUS_PS37_ANNEX_C && strcmp(e->service, service) != 0)) {
                i++;
                continue;
            }
            size_t j = i + 1;
            while (j < DQ_GEN_STATUS_COUNT && same_table(e, &dq_gen_status[j]))
                j++;
            const dq_status_info *hit = search_table(i, j, status);
            if (hit)
                return hit;
            i = j;
        }
    }
    return NULL;
}

const dq_status_info *dq_status_lookup(uint16_t status)
{
    return dq_status_lookup_service("C-FIND", status);
}

dq_status_category dq_status_category_of(uint16_t status)
{
    const dq_status_info *e = dq_status_lookup(status);
    return e ? e->category : DQ_STATUS_UNKNOWN;
}

dq_status_category dq_status_class_of(uint16_t status)
{
    const dq_status_info *e = dq_status_lookup_service(NULL, status);
    if (e && e->mask == 0xFFFFu)
        return e->category;
    /* Exact codes come first in the generated table. */
    for (size_t i = 0; i < DQ_GEN_STATUS_CLASS_COUNT; i++) {
        const dq_gen_status_class *c = &dq_gen_status_classes[i];
        if ((status & c->mask) == c->code)
            return c->reserved ? DQ_STATUS_UNKNOWN : c->category;
    }
    return DQ_STATUS_UNKNOWN;
}

const char *dq_status_category_name(dq_status_category c)
{
    switch (c) {
    case DQ_STATUS_SUCCESS: return "Success";
    case DQ_STATUS_PENDING: return "Pending";
    case DQ_STATUS_CANCEL: return "Cancel";
    case DQ_STATUS_WARNING: return "Warning";
    case DQ_STATUS_FAILURE: return "Failure";
    case DQ_STATUS_UNKNOWN: break;
    }
    return "Unknown";
}

size_t dq_status_count(void)
{
    return DQ_GEN_STATUS_COUNT;
}

const dq_status_info *dq_status_at(size_t i)
{
    return i < DQ_GEN_STATUS_COUNT ? &dq_gen_status[i] : NULL;
}
