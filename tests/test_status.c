/* Status table tests: values checked against PS3.4 (Q/R C-FIND Response
 * Status Values) and PS3.7 Annex C by hand, plus the lookup order. */
#include <criterion/criterion.h>

#include <string.h>
#include <strings.h>

#include "dq/status.h"

Test(status, find_responses)
{
    const dq_status_info *e = dq_status_lookup(0x0000);
    cr_assert_not_null(e);
    cr_assert_eq(e->category, DQ_STATUS_SUCCESS);
    cr_assert_str_eq(e->service, "C-FIND");
    cr_assert_eq(dq_status_category_of(0xFF00), DQ_STATUS_PENDING);
    cr_assert_eq(dq_status_category_of(0xFF01), DQ_STATUS_PENDING);
    cr_assert_eq(dq_status_category_of(0xFE00), DQ_STATUS_CANCEL);
    e = dq_status_lookup(0xA700);
    cr_assert_eq(e->category, DQ_STATUS_FAILURE);
    cr_assert_str_eq(e->meaning, "Refused: Out of Resources");
    /* Query/Retrieve's table comes first in PS3.4 and wins */
    cr_assert_str_eq(e->context, "Query/Retrieve Service Class (Normative)");
    e = dq_status_lookup(0xA900);
    cr_assert_eq(e->category, DQ_STATUS_FAILURE);
    cr_assert(strncasecmp(e->meaning, "Identifier does not match SOP Class", 35) == 0);
}

Test(status, ranges)
{
    /* "Cxxx": any C-code is "Unable to process" */
    for (unsigned c = 0xC000; c <= 0xCFFF; c += 0x111) {
        const dq_status_info *e = dq_status_lookup((uint16_t)c);
        cr_assert_not_null(e, "%04X", c);
        cr_assert_eq(e->category, DQ_STATUS_FAILURE);
        cr_assert_eq(e->mask, 0xF000);
        cr_assert_eq(e->code, 0xC000);
        cr_assert_str_eq(e->meaning, "Unable to process");
    }
    /* Query/Retrieve's table decides, even where a later C-FIND table
     * (Relevant Patient Information Query) lists C100 exactly */
    cr_assert_str_eq(dq_status_lookup(0xC100)->meaning, "Unable to process");
    cr_assert_str_eq(dq_status_lookup(0xC100)->context, "Query/Retrieve Service Class (Normative)");
    /* C-MOVE lists Cxxx only as a range */
    const dq_status_info *e = dq_status_lookup_service("C-MOVE", 0xC123);
    cr_assert_not_null(e);
    cr_assert_eq(e->mask, 0xF000);
}

Test(status, annex_c_and_service_sections)
{
    /* 0122H: Refused: SOP Class not supported (PS3.7 C.5.6 and 9.1.2.1.6) */
    const dq_status_info *e = dq_status_lookup_service("C-ECHO", 0x0122);
    cr_assert_not_null(e);
    cr_assert_eq(e->category, DQ_STATUS_FAILURE);
    cr_assert(strcasestr(e->meaning, "SOP Class not supported") != NULL, "%s",
              e->meaning); /* 2013: "Not Supported" */
    e = dq_status_lookup_service(NULL, 0x0107);
    cr_assert_not_null(e);
    cr_assert_eq(e->category, DQ_STATUS_WARNING);
    /* "Attribute List warning" (2013: "Attribute List Error", in the Warning class) */
    cr_assert(strncmp(e->meaning, "Attribute List", 14) == 0, "%s", e->meaning);
    cr_assert_str_eq(e->service, "");
    e = dq_status_lookup_service("", 0x0116);
    cr_assert_eq(e->category, DQ_STATUS_WARNING);
    e = dq_status_lookup_service(NULL, 0x0211);
    cr_assert(strcasecmp(e->meaning, "Unrecognized operation") == 0, "%s", e->meaning);
    cr_assert_eq(dq_status_category_of(0x0124), DQ_STATUS_FAILURE);
    /* C-MOVE warning B000 */
    e = dq_status_lookup_service("C-MOVE", 0xB000);
    cr_assert_eq(e->category, DQ_STATUS_WARNING);
    /* general-only search does not see service tables */
    cr_assert_null(dq_status_lookup_service(NULL, 0xA700));
}

Test(status, unknown)
{
    cr_assert_null(dq_status_lookup(0x1234));
    cr_assert_eq(dq_status_category_of(0x1234), DQ_STATUS_UNKNOWN);
    cr_assert_eq(dq_status_category_of(0xB000), DQ_STATUS_UNKNOWN, "B000 is not a C-FIND status");
    cr_assert_str_eq(dq_status_category_name(DQ_STATUS_UNKNOWN), "Unknown");
    cr_assert_str_eq(dq_status_category_name(DQ_STATUS_PENDING), "Pending");
}

Test(status, table_is_consistent)
{
    size_t n = dq_status_count();
    cr_assert_gt(n, 50);
    cr_assert_null(dq_status_at(n));
    for (size_t i = 0; i < n; i++) {
        const dq_status_info *e = dq_status_at(i);
        cr_assert_eq(e->code & ~e->mask & 0xFFFF, 0, "entry %zu: digits outside the mask", i);
        cr_assert_neq(e->category, DQ_STATUS_UNKNOWN);
        cr_assert_not_null(e->meaning);
        cr_assert_gt(strlen(e->meaning), 0, "entry %zu (%04X) has no meaning", i, e->code);
        /* the standard's classes: 0000 success, FFxx pending, FE00 cancel */
        if (e->code == 0x0000 && e->mask == 0xFFFF)
            cr_assert_eq(e->category, DQ_STATUS_SUCCESS);
        if (e->code == 0xFE00)
            cr_assert_eq(e->category, DQ_STATUS_CANCEL);
        if ((e->code & 0xFF00) == 0xFF00)
            cr_assert_eq(e->category, DQ_STATUS_PENDING);
    }
}

/* pynetdicom 2.x status.code_to_category(), as its source writes it. */
static const char *pynetdicom_category(unsigned c)
{
    static const unsigned failures[] = {0x0105, 0x0106, 0x0110, 0x0111, 0x0112, 0x0113, 0x0114,
                                        0x0115, 0x0117, 0x0118, 0x0119, 0x0120, 0x0121, 0x0122,
                                        0x0123, 0x0124, 0x0210, 0x0211, 0x0212, 0x0213};
    if (c == 0x0000)
        return "Success";
    if (c == 0xFF00 || c == 0xFF01)
        return "Pending";
    if (c == 0xFE00)
        return "Cancel";
    for (size_t i = 0; i < sizeof failures / sizeof failures[0]; i++)
        if (c == failures[i])
            return "Failure";
    if ((c >= 0xA000 && c <= 0xAFFF) || (c >= 0xC000 && c <= 0xCFFF))
        return "Failure";
    if (c == 0x0107 || c == 0x0116 || c == 0x0001 || (c >= 0xB000 && c <= 0xBFFF))
        return "Warning";
    return "Unknown";
}

/* The PS3.7 Annex C class (listed codes, then the Status Class convention
 * outside the reserved 01xx/02xx) is pynetdicom's category for every code. */
Test(status, annex_c_class_is_pynetdicoms_category)
{
    for (unsigned c = 0; c <= 0xFFFF; c++)
        cr_assert_str_eq(dq_status_category_name(dq_status_class_of((uint16_t)c)),
                         pynetdicom_category(c), "status %04X", c);
}
