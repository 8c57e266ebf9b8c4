/* Query keys (-k): every example of the spec's "Keyword pathing" section, the
 * request identifier of its usage example, overrides and errors. */
#include <criterion/criterion.h>
#include <string.h>

#include "dq/dq.h"

#define V(a, b) DQ_VR_CODE(a, b)

static dq_dataset *keys(const char *const *args, size_t n)
{
    dq_dataset *ds = dq_dataset_new();
    for (size_t i = 0; i < n; i++) {
        dq_error err;
        cr_assert_eq(dq_dataset_set_key(ds, args[i], &err), 0, "%s: %s", args[i], err.message);
    }
    return ds;
}
#define KEYS(...)                            \
    keys((const char *const[]){__VA_ARGS__}, \
         sizeof((const char *const[]){__VA_ARGS__}) / sizeof(char *))

static void expect_bytes(const dq_element *e, dq_vr vr, const void *bytes, size_t n)
{
    cr_assert_not_null(e);
    cr_assert_eq(dq_element_vr(e), vr, "VR %04X", dq_element_vr(e));
    size_t len;
    const uint8_t *v = dq_element_value(e, &len);
    cr_assert_eq(len, n);
    if (n)
        cr_assert_eq(memcmp(v, bytes, n), 0);
}

Test(keypath, empty_patient_name_by_keyword_and_tag)
{
    const char *forms[] = {"PatientName=", "(0010,0010)="};
    for (int i = 0; i < 2; i++) {
        dq_dataset *ds = KEYS(forms[i]);
        cr_assert_eq(dq_dataset_count(ds), 1);
        expect_bytes(dq_dataset_find(ds, DQ_TAG(0x0010, 0x0010)), V('P', 'N'), "", 0);
        dq_dataset_free(ds);
    }
}

Test(keypath, patient_name_value)
{
    const char *forms[] = {"PatientName=Citizen^Jan", "(0010,0010)=Citizen^Jan"};
    for (int i = 0; i < 2; i++) {
        dq_dataset *ds = KEYS(forms[i]);
        expect_bytes(dq_dataset_find(ds, DQ_TAG(0x0010, 0x0010)), V('P', 'N'), "Citizen^Jan", 11);
        dq_dataset_free(ds);
    }
}

Test(keypath, numeric_vr_columns)
{
    dq_dataset *ds = KEYS("Columns=1024");
    expect_bytes(dq_dataset_find(ds, DQ_TAG(0x0028, 0x0011)), V('U', 'S'), "\x00\x04", 2);
    dq_dataset_free(ds);
}

Test(keypath, byte_vr_pixel_data)
{
    dq_dataset *ds = KEYS("PixelData=00FFEA08");
    expect_bytes(dq_dataset_find(ds, DQ_TAG(0x7FE0, 0x0010)), V('O', 'W'), "\x00\xff\xea\x08", 4);
    dq_dataset_free(ds);
}

Test(keypath, multiple_values)
{
    dq_dataset *ds = KEYS("AcquisitionIndex=1\\2\\3\\4");
    const dq_element *e = dq_dataset_find(ds, DQ_TAG(0x0020, 0x9518));
    expect_bytes(e, V('U', 'S'), "\1\0\2\0\3\0\4\0", 8);
    cr_assert_eq(dq_element_vm(e), 4);
    dq_dataset_free(ds);
}

static const dq_element *beams(const dq_dataset *ds, size_t n_items)
{
    const dq_element *e = dq_dataset_find(ds, DQ_TAG(0x300A, 0x00B0));
    cr_assert_not_null(e);
    cr_assert_eq(dq_element_vr(e), V('S', 'Q'));
    cr_assert_eq(dq_element_item_count(e), n_items);
    return e;
}

Test(keypath, empty_sequence)
{
    const char *forms[] = {"BeamSequence=", "(300a,00b0)="};
    for (int i = 0; i < 2; i++) {
        dq_dataset *ds = KEYS(forms[i]);
        beams(ds, 0);
        dq_dataset_free(ds);
    }
}

Test(keypath, one_and_four_empty_items)
{
    dq_dataset *ds = KEYS("BeamSequence[0]=");
    cr_assert_eq(dq_dataset_count(dq_element_item(beams(ds, 1), 0)), 0);
    dq_dataset_free(ds);
    ds = KEYS("BeamSequence[3]=");
    const dq_element *e = beams(ds, 4);
    for (size_t i = 0; i < 4; i++)
        cr_assert_eq(dq_dataset_count(dq_element_item(e, i)), 0);
    dq_dataset_free(ds);
}

Test(keypath, one_non_empty_item)
{
    dq_dataset *ds = KEYS("BeamSequence[0].PatientName=CITIZEN^Jan");
    const dq_dataset *item = dq_element_item(beams(ds, 1), 0);
    expect_bytes(dq_dataset_find(item, DQ_TAG(0x0010, 0x0010)), V('P', 'N'), "CITIZEN^Jan", 11);
    dq_dataset_free(ds);
}

Test(keypath, nested_sequence_items)
{
    dq_dataset *ds = KEYS("BeamSequence[0].BeamLimitingDeviceSequence[0].NumberOfLeafJawPairs=1");
    const dq_dataset *item = dq_element_item(beams(ds, 1), 0);
    const dq_element *inner = dq_dataset_find(item, DQ_TAG(0x300A, 0x00B6));
    cr_assert_not_null(inner);
    cr_assert_eq(dq_element_item_count(inner), 1);
    expect_bytes(dq_dataset_find(dq_element_item(inner, 0), DQ_TAG(0x300A, 0x00BC)), V('I', 'S'),
                 "1", 1);
    dq_dataset_free(ds);
}

Test(keypath, item_index_two_creates_three_items)
{
    dq_dataset *ds = KEYS("OtherPatientIDsSequence[2].PatientID=12345678");
    const dq_element *e = dq_dataset_find(ds, DQ_TAG(0x0010, 0x1002));
    cr_assert_eq(dq_element_item_count(e), 3);
    cr_assert_eq(dq_dataset_count(dq_element_item(e, 0)), 0);
    expect_bytes(dq_dataset_find(dq_element_item(e, 2), DQ_TAG(0x0010, 0x0020)), V('L', 'O'),
                 "12345678", 8);
    /* a second key on the same sequence keeps its items */
    cr_assert_eq(dq_dataset_set_key(ds, "OtherPatientIDsSequence[0].PatientID=A", NULL), 0);
    cr_assert_eq(dq_element_item_count(e), 3);
    cr_assert_not_null(dq_dataset_find(dq_element_item(e, 0), DQ_TAG(0x0010, 0x0020)));
    dq_dataset_free(ds);
}

static void collect(void *ctx, const char *line, size_t len)
{
    dq_buffer *b = ctx;
    dq_buffer_append(b, line, len, NULL);
    dq_buffer_append(b, "\n", 1, NULL);
}

Test(keypath, usage_example_request_identifier_dump)
{
    dq_dataset *ds = KEYS("QueryRetrieveLevel=PATIENT", "PatientName=");
    dq_buffer b = {0};
    cr_assert_eq(dq_dataset_dump(ds, collect, &b, NULL), 0);
    dq_buffer_append(&b, "", 1, NULL);
    cr_assert_str_eq(
        (const char *)b.data,
        "(0008,0052) CS [PATIENT]                                # 1 QueryRetrieveLevel\n"
        "(0010,0010) PN (no value available)                     # 0 PatientName\n");
    dq_buffer_free(&b);
    dq_dataset_free(ds);
}

Test(keypath, later_keys_override)
{
    dq_dataset *ds = KEYS("PatientName=A", "PatientName=B^C", "(0010,0010)=D");
    expect_bytes(dq_dataset_find(ds, DQ_TAG(0x0010, 0x0010)), V('P', 'N'), "D", 1);
    cr_assert_eq(dq_dataset_count(ds), 1);
    dq_dataset_free(ds);
}

Test(keypath, a_bad_value_keeps_the_earlier_element)
{
    dq_dataset *ds = KEYS("Columns=512");
    cr_assert_eq(dq_dataset_set_key(ds, "Columns=99999", NULL), -1);
    expect_bytes(dq_dataset_find(ds, DQ_TAG(0x0028, 0x0011)), V('U', 'S'), "\x00\x02", 2);
    dq_dataset_free(ds);
}

Test(keypath, other_vrs)
{
    dq_dataset *ds = KEYS("(0018,9089)=0.5\\-1\\1e3", "ReferencedFrameNumber=1\\2",
                          "FrameIncrementPointer=(0018,1063)", "(0009,1001)=0a0B",
                          "ImagePositionPatient=1.5\\2\\3", "SimpleFrameList=4294967295");
    double d;
    cr_assert_eq(dq_element_double(dq_dataset_find(ds, DQ_TAG(0x0018, 0x9089)), 2, &d, NULL), 0);
    cr_assert_eq(d, 1000.0);
    expect_bytes(dq_dataset_find(ds, DQ_TAG(0x0009, 0x1001)), V('U', 'N'), "\x0a\x0b", 2);
    expect_bytes(dq_dataset_find(ds, DQ_TAG(0x0028, 0x0009)), V('A', 'T'), "\x18\x00\x63\x10", 4);
    expect_bytes(dq_dataset_find(ds, DQ_TAG(0x0008, 0x1160)), V('I', 'S'), "1\\2", 3);
    expect_bytes(dq_dataset_find(ds, DQ_TAG(0x0008, 0x1161)), V('U', 'L'), "\xff\xff\xff\xff", 4);
    dq_dataset_free(ds);
}

static void expect_error(const char *arg, const char *needle)
{
    dq_dataset *ds = dq_dataset_new();
    dq_error err;
    cr_assert_eq(dq_dataset_set_key(ds, arg, &err), -1, "%s accepted", arg);
    cr_assert_eq(err.kind, DQ_ERR_ARGUMENT);
    cr_assert_not_null(strstr(err.message, arg), "message does not name the argument: %s",
                       err.message);
    cr_assert_not_null(strstr(err.message, needle), "%s: %s", arg, err.message);
    dq_dataset_free(ds);
}

Test(keypath, errors_name_the_argument)
{
    expect_error("PatientNam=X", "unknown keyword");
    expect_error("(0010,001)=X", "malformed tag");
    expect_error("(001G,0010)=X", "malformed tag");
    expect_error("BeamSequence[-1]=", "index");
    expect_error("BeamSequence[x]=", "index");
    expect_error("BeamSequence[1=", "invalid component");
    expect_error("BeamSequence[99999999]=", "too large");
    expect_error("Columns=70000", "does not fit");
    expect_error("Columns=-1", "does not fit");
    expect_error("Columns=12a", "not an integer");
    expect_error("PixelData=0FF", "odd number");
    expect_error("PixelData=0G", "hexadecimal");
    expect_error("PatientName[0]=", "not a sequence");
    expect_error("PatientName.PatientID=1", "not a sequence");
    expect_error("BeamSequence=x", "takes no value");
    expect_error("FrameIncrementPointer=nonsense", "not a tag");
    expect_error("(0018,9089)=abc", "not a number");
}

/* A path alone (findscu's CSV columns): parsed once, found in data sets. */
Test(keypath, parse_and_find_paths)
{
    dq_dataset *ds = KEYS("PatientName=DOE^JOHN", "ScheduledProcedureStepSequence[1].Modality=CT");
    dq_keypath kp;
    dq_error err;
    cr_assert_eq(dq_keypath_parse("(0010,0010)", &kp, &err), 0, "%s", err.message);
    cr_assert_eq(kp.n, 1);
    cr_assert_eq(kp.step[0].tag, DQ_TAG(0x0010, 0x0010));
    cr_assert_eq(kp.step[0].index, -1);
    const dq_element *el = dq_keypath_find(ds, &kp);
    cr_assert_not_null(el);
    cr_assert_eq(dq_element_tag(el), DQ_TAG(0x0010, 0x0010));

    cr_assert_eq(dq_keypath_parse("ScheduledProcedureStepSequence[1].Modality", &kp, &err), 0);
    cr_assert_eq(kp.n, 2);
    cr_assert_eq(kp.step[0].index, 1);
    el = dq_keypath_find(ds, &kp);
    cr_assert_not_null(el);
    dq_str s;
    cr_assert_eq(dq_element_string(el, 0, &s, NULL), 0);
    cr_assert_eq(s.len, 2);
    cr_assert_eq(memcmp(s.ptr, "CT", 2), 0);
    /* Item 0 exists (empty), item 5 does not, a step without index finds nothing. */
    cr_assert_eq(dq_keypath_parse("ScheduledProcedureStepSequence[0].Modality", &kp, &err), 0);
    cr_assert_null(dq_keypath_find(ds, &kp));
    cr_assert_eq(dq_keypath_parse("ScheduledProcedureStepSequence[5].Modality", &kp, &err), 0);
    cr_assert_null(dq_keypath_find(ds, &kp));
    cr_assert_eq(dq_keypath_parse("ScheduledProcedureStepSequence.Modality", &kp, &err), 0);
    cr_assert_null(dq_keypath_find(ds, &kp));
    /* Not a sequence in the middle. */
    cr_assert_eq(dq_keypath_parse("PatientName[0].Modality", &kp, &err), 0);
    cr_assert_null(dq_keypath_find(ds, &kp));
    cr_assert_eq(dq_keypath_parse("PatientID", &kp, &err), 0);
    cr_assert_null(dq_keypath_find(ds, &kp));
    dq_dataset_free(ds);
}

Test(keypath, equal_paths)
{
    static const struct {
        const char *a, *b;
        bool equal;
    } v[] = {
        {"PatientID", "(0010,0020)", true},
        {"ReferencedStudySequence[0].ReferencedSOPClassUID", "(0008,1110)[0].(0008,1150)", true},
        {"ReferencedStudySequence[0].ReferencedSOPClassUID",
         "ReferencedStudySequence[1].ReferencedSOPClassUID", false},
        {"ReferencedStudySequence[0]", "ReferencedStudySequence", false},
        {"ReferencedStudySequence[0]", "ReferencedStudySequence[0].ReferencedSOPClassUID", false},
        {"PatientID", "PatientName", false},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        dq_keypath a, b;
        cr_assert_eq(dq_keypath_parse(v[i].a, &a, NULL), 0);
        cr_assert_eq(dq_keypath_parse(v[i].b, &b, NULL), 0);
        cr_assert_eq(dq_keypath_equal(&a, &b), v[i].equal, "%s %s", v[i].a, v[i].b);
        cr_assert_eq(dq_keypath_equal(&b, &a), v[i].equal, "%s %s", v[i].b, v[i].a);
    }
}

Test(keypath, parse_errors_name_the_path)
{
    dq_keypath kp;
    dq_error err;
    const char *bad[] = {"NoSuchKeyword", "(0010,001G)", "PatientName[x]", "", "A..B", "Seq[0"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        dq_error_clear(&err);
        cr_assert_eq(dq_keypath_parse(bad[i], &kp, &err), -1, "%s", bad[i]);
        cr_assert_eq(err.kind, DQ_ERR_ARGUMENT, "%s", bad[i]);
        cr_assert(strstr(err.message, bad[i]) != NULL, "%s: %s", bad[i], err.message);
    }
    cr_assert_eq(dq_keypath_parse("NoSuchKeyword", &kp, &err), -1);
    cr_assert(strstr(err.message, "unknown keyword 'NoSuchKeyword'"), "%s", err.message);
}
