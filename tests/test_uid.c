/* UID registry generated from PS3.6 Annex A. Holds for every edition from
 * 2013 on (the 2013 build runs it too). */
#include <criterion/criterion.h>
#include <string.h>

#include "dq/dict.h"

static const dq_uid_entry *must_find(const char *uid)
{
    const dq_uid_entry *e = dq_uid_find(uid);
    cr_assert_not_null(e, "%s not found", uid);
    cr_assert_str_eq(e->uid, uid);
    return e;
}

Test(uid, query_retrieve_find)
{
    const dq_uid_entry *e = must_find("1.2.840.10008.5.1.4.1.2.1.1");
    cr_assert_str_eq(e->name, "Patient Root Query/Retrieve Information Model - FIND");
    cr_assert_str_eq(e->type, "SOP Class");
    cr_assert_not(e->retired);
    e = must_find("1.2.840.10008.5.1.4.1.2.2.1");
    cr_assert_str_eq(e->name, "Study Root Query/Retrieve Information Model - FIND");
    e = must_find("1.2.840.10008.5.1.4.31");
    cr_assert_str_eq(e->name, "Modality Worklist Information Model - FIND");
}

Test(uid, transfer_syntaxes)
{
    const dq_uid_entry *e = must_find("1.2.840.10008.1.2.1");
    cr_assert_str_eq(e->name, "Explicit VR Little Endian");
    cr_assert_str_eq(e->type, "Transfer Syntax");
    cr_assert_not(e->retired);
    e = must_find("1.2.840.10008.1.2");
    cr_assert_str_eq(e->type, "Transfer Syntax");
    cr_assert(strncmp(e->name, "Implicit VR Little Endian", 25) == 0);
    e = must_find("1.2.840.10008.1.2.2"); /* Explicit VR Big Endian */
    cr_assert(e->retired);
    cr_assert_str_eq(e->type, "Transfer Syntax");
}

Test(uid, ups_pull_find)
{
    const dq_uid_entry *e = must_find("1.2.840.10008.5.1.4.34.6.3");
    cr_assert_str_eq(e->name, "Unified Procedure Step - Pull SOP Class");
    cr_assert_str_eq(e->type, "SOP Class");
    cr_assert_not(e->retired);
    /* The trial version it replaced is retired. */
    cr_assert(must_find("1.2.840.10008.5.1.4.34.4.3")->retired);
}

Test(uid, other_types)
{
    cr_assert_str_eq(must_find("1.2.840.10008.3.1.1.1")->type, "Application Context Name");
    cr_assert_str_eq(must_find("1.2.840.10008.1.1")->name, "Verification SOP Class");
    cr_assert_str_eq(must_find("1.2.840.10008.1.1")->type, "SOP Class");
    cr_assert_str_eq(must_find("1.2.840.10008.5.1.4.34.5")->type, "Well-known SOP Instance");
    cr_assert_str_eq(must_find("1.2.840.10008.3.1.2.1.4")->type, "Meta SOP Class"); /* retired */
    cr_assert(must_find("1.2.840.10008.3.1.2.1.4")->retired);
    /* Talairach: Table both list it; read once. */
    cr_assert_str_eq(must_find("1.2.840.10008.1.4.1.1")->type, "Well-known frame of reference");
    /* 2013's PS3.6 writes this UID with a soft hyphen inside. */
    must_find("1.2.840.10008.3.1.2.3.3");
}

Test(uid, unknown)
{
    cr_assert_null(dq_uid_find("1.2.3.4"));
    cr_assert_null(dq_uid_find("1.2.840.10008.1.2.1 "));
    cr_assert_null(dq_uid_find(""));
    cr_assert_null(dq_uid_find(NULL));
    cr_assert_null(dq_uid_find_keyword(""));
    cr_assert_null(dq_uid_find_keyword(NULL));
    cr_assert_null(dq_uid_find_keyword("NoSuchUID"));
    cr_assert_null(dq_uid_at(dq_uid_count()));
}

Test(uid, every_entry_round_trips)
{
    size_t n = dq_uid_count();
    cr_assert_gt(n, 300);
    for (size_t i = 0; i < n; i++) {
        const dq_uid_entry *e = dq_uid_at(i);
        cr_assert_not_null(e);
        if (i > 0)
            cr_assert_gt(strcmp(e->uid, dq_uid_at(i - 1)->uid), 0);
        cr_assert_leq(strlen(e->uid), 64);
        cr_assert_eq(strspn(e->uid, "0123456789."), strlen(e->uid), "%s", e->uid);
        cr_assert_gt(strlen(e->name), 0);
        cr_assert_gt(strlen(e->type), 0);
        cr_assert_eq(dq_uid_find(e->uid), e, "%s", e->uid);
        if (e->keyword[0])
            cr_assert_eq(dq_uid_find_keyword(e->keyword), e, "%s", e->keyword);
        if (strstr(e->name, "(Retired)"))
            cr_assert(e->retired, "%s", e->uid);
    }
}

/* The DQ_UID_<Keyword> constants are the registry's UIDs: every one the
 * library and findscu use is in the generated table under the name it says,
 * and the two newer than the configured part06 are the standard's values. */
Test(uid, keyword_constants_are_the_registry)
{
    static const struct {
        const char *uid, *name;
    } used[] = {
        {DQ_UID_ImplicitVRLittleEndian,
         "Implicit VR Little Endian: Default Transfer Syntax for DICOM"},
        {DQ_UID_ExplicitVRLittleEndian, "Explicit VR Little Endian"},
        {DQ_UID_DeflatedExplicitVRLittleEndian, "Deflated Explicit VR Little Endian"},
        {DQ_UID_ExplicitVRBigEndian, "Explicit VR Big Endian (Retired)"},
        {DQ_UID_DICOMApplicationContextName, "DICOM Application Context Name"},
        {DQ_UID_PatientRootQueryRetrieveInformationModelFind,
         "Patient Root Query/Retrieve Information Model - FIND"},
        {DQ_UID_StudyRootQueryRetrieveInformationModelGet,
         "Study Root Query/Retrieve Information Model - GET"},
        {DQ_UID_PatientStudyOnlyQueryRetrieveInformationModelMove,
         "Patient/Study Only Query/Retrieve Information Model - MOVE (Retired)"},
        {DQ_UID_CompositeInstanceRetrieveWithoutBulkDataGet,
         "Composite Instance Retrieve Without Bulk Data - GET"},
        {DQ_UID_ModalityWorklistInformationModelFind, "Modality Worklist Information Model - FIND"},
        {DQ_UID_UnifiedProcedureStepPull, "Unified Procedure Step - Pull SOP Class"},
        {DQ_UID_Verification, "Verification SOP Class"},
    };
    for (size_t i = 0; i < sizeof used / sizeof used[0]; i++) {
        const dq_uid_entry *e = dq_uid_find(used[i].uid);
        cr_assert_not_null(e, "%s", used[i].uid);
        cr_assert_str_eq(e->name, used[i].name);
    }
    cr_assert_str_eq(DQ_UID_RepositoryQuery, "1.2.840.10008.5.1.4.1.1.201.6");
    cr_assert_str_eq(DQ_UID_UnifiedProcedureStepQuery, "1.2.840.10008.5.1.4.34.6.5");
}
