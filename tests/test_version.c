#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "dq/version.h"

Test(version, editions_name_each_part_in_order)
{
    static const char *const parts[] = {"PS3.4", "PS3.5", "PS3.6", "PS3.7", "PS3.8"};
    cr_assert_eq(dq_edition_count(), 5);
    for (size_t i = 0; i < 5; i++) {
        const dq_edition *e = dq_edition_at(i);
        cr_assert_not_null(e);
        cr_assert_str_eq(e->part, parts[i]);
        cr_assert_gt(strlen(e->release), 3);
        /* The subtitle is normalised to "DICOM PS3.N <release> - ...". */
        char prefix[64];
        snprintf(prefix, sizeof prefix, "DICOM %s %s - ", e->part, e->release);
        cr_assert(strncmp(e->subtitle, prefix, strlen(prefix)) == 0, "%s", e->subtitle);
    }
    cr_assert_null(dq_edition_at(5));
}

/* The version is written once, in CMakeLists.txt's project(VERSION). */
Test(version, version_string)
{
    cr_assert_str_eq(dq_version(), DQ_PROJECT_VERSION);
}
