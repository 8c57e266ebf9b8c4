/* Data element dictionary generated from PS3.6 + PS3.7: known entries, masked
 * tags, VR/VM parsing, keyword round trips. Holds for every edition from 2013
 * on (tests/test_dict_2013.sh runs it against a 2013 build too). */
#include <criterion/criterion.h>
#include <string.h>

#include "dq/dict.h"

static const dq_dict_entry *must_find(uint32_t tag)
{
    const dq_dict_entry *e = dq_dict_find(tag);
    cr_assert_not_null(e, "(%04X,%04X) not found", tag >> 16, tag & 0xFFFF);
    return e;
}

Test(dict, patient_name)
{
    const dq_dict_entry *e = must_find(0x00100010);
    cr_assert_str_eq(e->keyword, "PatientName");
    cr_assert_str_eq(e->name, "Patient's Name");
    cr_assert_eq(e->vr[0], DQ_VR_PN);
    cr_assert_eq(e->vr[1], 0);
    cr_assert_str_eq(e->vm, "1");
    cr_assert_eq(e->vm_min, 1);
    cr_assert_eq(e->vm_max, 1);
    cr_assert_eq(e->mask, 0xFFFFFFFFu);
    cr_assert_not(e->retired);
    cr_assert_eq(dq_dict_find_keyword("PatientName"), e);
}

Test(dict, query_retrieve_level_and_charset)
{
    const dq_dict_entry *e = must_find(0x00080052);
    cr_assert_str_eq(e->keyword, "QueryRetrieveLevel");
    cr_assert_eq(e->vr[0], DQ_VR_CS);

    e = must_find(0x00080005);
    cr_assert_str_eq(e->keyword, "SpecificCharacterSet");
    cr_assert_eq(e->vr[0], DQ_VR_CS);
    cr_assert_str_eq(e->vm, "1-n");
    cr_assert_eq(e->vm_min, 1);
    cr_assert_eq(e->vm_max, 0);
    cr_assert_eq(e->vm_step, 1);
}

Test(dict, overlay_data_is_a_repeating_group)
{
    const dq_dict_entry *e = must_find(0x60023000);
    cr_assert_str_eq(e->keyword, "OverlayData");
    cr_assert_eq(e->tag, 0x60003000u);
    cr_assert_eq(e->mask, 0xFF00FFFFu);
    cr_assert_eq(e->vr[0], DQ_VR_OB);
    cr_assert_eq(e->vr[1], DQ_VR_OW);
    cr_assert_eq(e->vr[2], 0);
    cr_assert_eq(must_find(0x60003000), e);
    cr_assert_eq(must_find(0x601E3000), e);
    cr_assert_eq(dq_dict_find_keyword("OverlayData"), e);
    /* Odd groups are private: no repeating-group match. */
    cr_assert_null(dq_dict_find(0x60013000));
    cr_assert_null(dq_dict_find(0x60033000));
}

Test(dict, other_masks)
{
    /* (0020,31xx) */
    const dq_dict_entry *e = must_find(0x00203105);
    cr_assert_str_eq(e->keyword, "SourceImageIDs");
    cr_assert(e->retired);
    /* (1000,xxx0) and (1000,xxx5) are different entries */
    cr_assert_str_eq(must_find(0x10001230)->keyword, "EscapeTriplet");
    cr_assert_str_eq(must_find(0x10001235)->keyword, "ShiftTableTriplet");
    cr_assert_null(dq_dict_find(0x10001236));
    /* (7Fxx,0010) */
    cr_assert_str_eq(must_find(0x7F020010)->keyword, "VariablePixelData");
    /* (0028,04x0): the masked digit is in the middle */
    cr_assert_str_eq(must_find(0x00280430)->keyword, "RowsForNthOrderCoefficients");
    cr_assert_str_eq(must_find(0x00280431)->keyword, "ColumnsForNthOrderCoefficients");
    /* Exact entries win over patterns: (7FE0,0010) is Pixel Data, not a 7Fxx entry. */
    e = must_find(0x7FE00010);
    cr_assert_str_eq(e->keyword, "PixelData");
    cr_assert_eq(e->mask, 0xFFFFFFFFu);
}

Test(dict, multi_vr_and_see_note)
{
    const dq_dict_entry *e = must_find(0x00280106); /* Smallest Image Pixel Value */
    cr_assert_eq(e->vr[0], DQ_VR_US);
    cr_assert_eq(e->vr[1], DQ_VR_SS);
    e = must_find(0x7FE00010);
    cr_assert_eq(e->vr[0], DQ_VR_OB);
    cr_assert_eq(e->vr[1], DQ_VR_OW);
    e = must_find(0xFFFEE000); /* Item: VR "See Note" */
    cr_assert_str_eq(e->keyword, "Item");
    cr_assert_eq(e->vr[0], 0);
    /* "US or SS or OW": three alternatives */
    size_t three = 0;
    for (size_t i = 0; i < dq_dict_count(); i++)
        three += dq_dict_at(i)->vr[2] != 0;
    cr_assert_geq(three, 1);
}

Test(dict, vm_forms)
{
    const dq_dict_entry *e = must_find(0x00200032); /* Image Position (Patient): 3 */
    cr_assert_str_eq(e->vm, "3");
    cr_assert_eq(e->vm_min, 3);
    cr_assert_eq(e->vm_max, 3);
    e = dq_dict_find_keyword("ContourData"); /* 3-3n */
    cr_assert_not_null(e);
    cr_assert_str_eq(e->vm, "3-3n");
    cr_assert_eq(e->vm_min, 3);
    cr_assert_eq(e->vm_max, 0);
    cr_assert_eq(e->vm_step, 3);
    size_t two_2n = 0, bounded = 0;
    for (size_t i = 0; i < dq_dict_count(); i++) {
        const dq_dict_entry *d = dq_dict_at(i);
        if (strcmp(d->vm, "2-2n") == 0) {
            cr_assert_eq(d->vm_min, 2);
            cr_assert_eq(d->vm_max, 0);
            cr_assert_eq(d->vm_step, 2);
            two_2n++;
        }
        if (strcmp(d->vm, "1-32") == 0) {
            cr_assert_eq(d->vm_min, 1);
            cr_assert_eq(d->vm_max, 32);
            bounded++;
        }
    }
    cr_assert_geq(two_2n, 10);
    cr_assert_eq(bounded, 1);
}

Test(dict, retired_element)
{
    const dq_dict_entry *e = must_find(0x00080001); /* Length to End */
    cr_assert_str_eq(e->keyword, "LengthToEnd");
    cr_assert(e->retired);
    cr_assert_eq(e->vr[0], DQ_VR_UL);
}

Test(dict, command_elements_from_ps3_7)
{
    const dq_dict_entry *e = must_find(0x00000100);
    cr_assert_str_eq(e->keyword, "CommandField");
    cr_assert_eq(e->vr[0], DQ_VR_US);
    cr_assert_not(e->retired);
    cr_assert_str_eq(must_find(0x00000000)->keyword, "CommandGroupLength");
    cr_assert_str_eq(must_find(0x00000900)->keyword, "Status");
    cr_assert_str_eq(must_find(0x00000800)->keyword, "CommandDataSetType");
    cr_assert_str_eq(must_find(0x00000700)->keyword, "Priority");
    cr_assert_eq(must_find(0x00000901)->vr[0], DQ_VR_AT);
    /* E.2-1 retired command fields */
    e = must_find(0x00000001);
    cr_assert_str_eq(e->keyword, "CommandLengthToEnd");
    cr_assert(e->retired);
}

Test(dict, file_meta_and_directory_tables)
{
    cr_assert_str_eq(must_find(0x00020010)->keyword, "TransferSyntaxUID");
    cr_assert_str_eq(must_find(0x00041130)->keyword, "FileSetID");
}

Test(dict, unknown_tags_and_keywords)
{
    cr_assert_null(dq_dict_find(0x00090010)); /* private creator */
    cr_assert_null(dq_dict_find(0x00100011));
    cr_assert_null(dq_dict_find(0xFFFFFFFF));
    cr_assert_null(dq_dict_find_keyword("NoSuchKeyword"));
    cr_assert_null(dq_dict_find_keyword("patientname")); /* case-sensitive */
    cr_assert_null(dq_dict_find_keyword(""));
    cr_assert_null(dq_dict_find_keyword(NULL));
    cr_assert_null(dq_dict_at(dq_dict_count()));
}

/* Every entry: sorted, findable by its own tag and keyword, VRs known. */
Test(dict, every_entry_round_trips)
{
    size_t n = dq_dict_count(), with_keyword = 0, masked = 0;
    cr_assert_gt(n, 3500);
    for (size_t i = 0; i < n; i++) {
        const dq_dict_entry *e = dq_dict_at(i);
        cr_assert_not_null(e);
        if (i > 0)
            cr_assert_geq(e->tag, dq_dict_at(i - 1)->tag);
        cr_assert_eq(e->tag & ~e->mask, 0, "(%08X) has bits under its mask", e->tag);
        cr_assert(e->name[0] || e->keyword[0]);
        if (e->keyword[0]) {
            with_keyword++;
            cr_assert_eq(dq_dict_find_keyword(e->keyword), e, "%s", e->keyword);
        }
        if (e->mask == 0xFFFFFFFFu) {
            cr_assert_eq(dq_dict_find(e->tag), e, "%s", e->keyword);
        } else {
            masked++;
            /* The pattern with its x digits set to 2 (even, so not private). */
            uint32_t t = e->tag | (0x22222222u & ~e->mask);
            const dq_dict_entry *f = dq_dict_find(t);
            cr_assert_not_null(f, "%s", e->keyword);
            cr_assert(f == e || f->mask == 0xFFFFFFFFu, "%s matched %s", e->keyword, f->keyword);
        }
        for (size_t k = 0; k < 3 && e->vr[k]; k++)
            cr_assert_not_null(dq_vr_info_get(e->vr[k]), "%s: VR %c%c", e->keyword, e->vr[k] >> 8,
                               e->vr[k] & 0xFF);
        cr_assert(e->vm_step >= 1);
        cr_assert(e->vm_max == 0 || e->vm_max >= e->vm_min, "%s", e->keyword);
    }
    cr_assert_gt(with_keyword, n - 10);
    cr_assert_geq(masked, 60);
}

/* DQ_TAG_<Keyword> (dq_gen_tag_codes.h) names the tag the dictionary gives
 * the keyword, and the value PS3.6/PS3.7 print for it. */
#define SAME_TAG(kw, value)                                                                    \
    do {                                                                                       \
        const dq_dict_entry *e_ = dq_dict_find_keyword(#kw);                                   \
        cr_assert_not_null(e_, "%s not in the dictionary", #kw);                               \
        cr_assert_eq(DQ_TAG_##kw, e_->tag, "DQ_TAG_%s is %08X, the dictionary says %08X", #kw, \
                     (unsigned)DQ_TAG_##kw, (unsigned)e_->tag);                                \
        cr_assert_eq(DQ_TAG_##kw, (uint32_t)(value), "DQ_TAG_%s is %08X", #kw,                 \
                     (unsigned)DQ_TAG_##kw);                                                   \
    } while (0)

Test(dict, tag_constants_by_keyword)
{
    SAME_TAG(CommandGroupLength, 0x00000000);
    SAME_TAG(AffectedSOPClassUID, 0x00000002);
    SAME_TAG(CommandField, 0x00000100);
    SAME_TAG(MessageIDBeingRespondedTo, 0x00000120);
    SAME_TAG(CommandDataSetType, 0x00000800);
    SAME_TAG(ErrorComment, 0x00000902);
    SAME_TAG(CommandLengthToEnd, 0x00000001); /* retired, PS3.7 E.2-1 */
    SAME_TAG(TransferSyntaxUID, 0x00020010);
    SAME_TAG(SpecificCharacterSet, 0x00080005);
    SAME_TAG(LengthToEnd, 0x00080001); /* retired, PS3.6 */
    SAME_TAG(PatientName, 0x00100010);
    SAME_TAG(PixelRepresentation, 0x00280103);
    SAME_TAG(LUTData, 0x00283006);
    SAME_TAG(PixelData, 0x7FE00010);
    SAME_TAG(Item, 0xFFFEE000);
    SAME_TAG(ItemDelimitationItem, 0xFFFEE00D);
    SAME_TAG(SequenceDelimitationItem, 0xFFFEE0DD);
    /* A repeating group has no single tag: no constant (gen/emit_dict.c). */
#ifdef DQ_TAG_OverlayData
    cr_assert_fail("DQ_TAG_OverlayData should not exist: (60xx,3000) is a repeating group");
#endif
}
