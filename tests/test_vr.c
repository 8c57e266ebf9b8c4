/* VR table generated from PS3.5: codes, long-length form, padding, sizes.
 * Holds for any edition from 2013 on (the 2013 build runs it too). */
#include <criterion/criterion.h>
#include <stdbool.h>
#include <string.h>

#include "dq/dict.h"

Test(vr, codes_are_two_chars_high_byte_first)
{
    cr_assert_eq(DQ_VR_PN, ('P' << 8) | 'N');
    cr_assert_eq(dq_vr_from_code("PN"), DQ_VR_PN);
    cr_assert_eq(dq_vr_from_code("US"), DQ_VR_US);
    cr_assert_eq(dq_vr_from_code("ZZ"), 0);
    cr_assert_eq(dq_vr_from_code("P"), 0);
    cr_assert_eq(dq_vr_from_code(""), 0);
    cr_assert_eq(dq_vr_from_code(NULL), 0);
    cr_assert_null(dq_vr_info_get(0));
    cr_assert_null(dq_vr_info_get(DQ_VR_CODE('Z', 'Z')));
}

Test(vr, table_is_sorted_and_consistent)
{
    size_t n = dq_vr_count();
    cr_assert_geq(n, 27); /* 2013 has 27, 2024a 34 */
    for (size_t i = 0; i < n; i++) {
        const dq_vr_info *v = dq_vr_at(i);
        cr_assert_not_null(v);
        cr_assert_eq(strlen(v->code), 2);
        cr_assert_eq(v->vr, DQ_VR_CODE(v->code[0], v->code[1]));
        cr_assert_eq(dq_vr_info_get(v->vr), v, "%s", v->code);
        cr_assert_gt(strlen(v->name), 2);
        if (i > 0)
            cr_assert_gt(v->vr, dq_vr_at(i - 1)->vr);
    }
    cr_assert_null(dq_vr_at(n));
}

/* PS3.5 7.1.2: these take 2 reserved bytes and a 32-bit length in explicit VR. */
Test(vr, long_length_form)
{
    static const char *const long_vrs[] = {"OB", "OD", "OF", "OW", "SQ", "UN", "UT"};
    static const char *const short_vrs[] = {"AE", "AS", "AT", "CS", "DA", "DS", "DT",
                                            "FL", "FD", "IS", "LO", "LT", "PN", "SH",
                                            "SL", "SS", "ST", "TM", "UI", "UL", "US"};
    for (size_t i = 0; i < sizeof long_vrs / sizeof *long_vrs; i++)
        cr_assert_eq(dq_vr_info_get(dq_vr_from_code(long_vrs[i]))->long_length, 1, "%s",
                     long_vrs[i]);
    for (size_t i = 0; i < sizeof short_vrs / sizeof *short_vrs; i++)
        cr_assert_eq(dq_vr_info_get(dq_vr_from_code(short_vrs[i]))->long_length, 0, "%s",
                     short_vrs[i]);
    /* Newer VRs, when the edition has them. */
    static const char *const newer_long[] = {"OL", "OV", "SV", "UC", "UR", "UV"};
    for (size_t i = 0; i < sizeof newer_long / sizeof *newer_long; i++) {
        const dq_vr_info *v = dq_vr_info_get(dq_vr_from_code(newer_long[i]));
        if (v)
            cr_assert_eq(v->long_length, 1, "%s", newer_long[i]);
    }
}

Test(vr, classes_padding_sizes)
{
    const dq_vr_info *pn = dq_vr_info_get(DQ_VR_PN);
    cr_assert_str_eq(pn->code, "PN");
    cr_assert_str_eq(pn->name, "Person Name");
    cr_assert_eq(pn->vr_class, DQ_VR_CLASS_TEXT);
    cr_assert_eq(pn->pad, ' ');
    cr_assert_eq(pn->max_length, 64);
    cr_assert(pn->max_in_chars);

    const dq_vr_info *ui = dq_vr_info_get(DQ_VR_UI);
    cr_assert_eq(ui->pad, 0); /* the one string padded with NULL */
    cr_assert_eq(ui->max_length, 64);
    cr_assert_not(ui->max_in_chars);

    const dq_vr_info *cs = dq_vr_info_get(DQ_VR_CS);
    cr_assert_eq(cs->max_length, 16);
    cr_assert_eq(cs->pad, ' ');

    cr_assert_eq(dq_vr_info_get(DQ_VR_US)->vr_class, DQ_VR_CLASS_NUMBER);
    cr_assert_eq(dq_vr_info_get(DQ_VR_US)->unit_size, 2);
    cr_assert_eq(dq_vr_info_get(DQ_VR_UL)->unit_size, 4);
    cr_assert_eq(dq_vr_info_get(DQ_VR_FD)->unit_size, 8);
    cr_assert_eq(dq_vr_info_get(DQ_VR_AT)->vr_class, DQ_VR_CLASS_NUMBER);
    cr_assert_eq(dq_vr_info_get(DQ_VR_AT)->unit_size, 2); /* swapped as two 16-bit halves */
    cr_assert_eq(dq_vr_info_get(DQ_VR_OB)->vr_class, DQ_VR_CLASS_BYTES);
    cr_assert_eq(dq_vr_info_get(DQ_VR_OB)->unit_size, 1);
    cr_assert_eq(dq_vr_info_get(DQ_VR_OB)->pad, 0);
    cr_assert_eq(dq_vr_info_get(DQ_VR_OW)->unit_size, 2);
    cr_assert_eq(dq_vr_info_get(DQ_VR_OF)->unit_size, 4);
    cr_assert_eq(dq_vr_info_get(DQ_VR_OD)->unit_size, 8);
    cr_assert_eq(dq_vr_info_get(DQ_VR_UN)->vr_class, DQ_VR_CLASS_BYTES);
    cr_assert_eq(dq_vr_info_get(DQ_VR_SQ)->vr_class, DQ_VR_CLASS_SEQUENCE);
    cr_assert_eq(dq_vr_info_get(DQ_VR_UT)->vr_class, DQ_VR_CLASS_TEXT);
    cr_assert_eq(dq_vr_info_get(DQ_VR_UT)->max_length, 4294967294u);
    cr_assert_eq(dq_vr_info_get(DQ_VR_DA)->max_length, 8);
}

/* The value-handling flags read from PS3.5 Table 6.2-1's text: the exact
 * sets the hand-written lists held before they came from the generator. */
static bool in(const char *code, const char *list)
{
    for (const char *p = list; *p; p += 3)
        if (p[0] == code[0] && p[1] == code[1])
            return true;
    return false;
}

Test(vr, value_flags)
{
    for (size_t i = 0; i < dq_vr_count(); i++) {
        const dq_vr_info *v = dq_vr_at(i);
        cr_assert_eq(v->uses_charset, in(v->code, "LO LT PN SH ST UC UT "), "%s", v->code);
        cr_assert_eq(v->single_valued, in(v->code, "LT ST UR UT "), "%s", v->code);
        cr_assert_eq(v->leading_spaces, in(v->code, "LT ST UT "), "%s", v->code);
        unsigned size = in(v->code, "US SS ")         ? 2
                        : in(v->code, "UL SL FL AT ") ? 4
                        : in(v->code, "FD UV SV ")    ? 8
                                                      : 0;
        cr_assert_eq(v->value_size, size, "%s", v->code);
        cr_assert_eq(v->vr_class == DQ_VR_CLASS_TEXT,
                     in(v->code, "AE AS CS DA DS DT IS LO LT PN SH ST TM UC UI UR UT "), "%s",
                     v->code);
    }
}
