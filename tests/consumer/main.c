/* A program using an installed libdq, as a user would write it: it includes
 * only <dq/dq.h> and is built against the install prefix by pkg-config and by
 * find_package(dq) (tests/check_install.sh). Prints the library's version, the
 * editions it was generated from and the dictionary entry of PatientName. */
#include <dq/dq.h>
#include <stdio.h>

int main(void)
{
    const dq_dict_entry *e = dq_dict_find_keyword("PatientName");
    /* DQ_VR_PN comes from a public generated header installed with dq.h. */
    if (!e || e->vr[0] != DQ_VR_PN) {
        fprintf(stderr, "PatientName not found, or not PN\n");
        return 1;
    }
    printf("dq %s\n", dq_version());
    for (size_t i = 0; i < dq_edition_count(); i++)
        printf("%s %s\n", dq_edition_at(i)->part, dq_edition_at(i)->release);
    printf("(%04X,%04X) %c%c %s\n", (unsigned)(e->tag >> 16), (unsigned)(e->tag & 0xFFFF),
           e->vr[0] >> 8, e->vr[0] & 0xFF, e->keyword);
    return 0;
}
