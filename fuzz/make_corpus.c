/* Writes the seed corpora: fuzz_make_corpus OUTDIR writes OUTDIR/<harness>/
 * seed-<what> files, every one produced by libdq's own encoders (PDUs,
 * command sets, data sets in the four syntaxes, Part 10 files) or taken
 * from findscu's documented -k forms. Run through fuzz/make_corpus.sh; the
 * output is deterministic so regenerating shows real changes only. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dq/dataset.h"
#include "dq/pdu.h"
#if DQ_FUZZ_HAVE_ASSOC
#include "assoc_setup.h"
#include "dq/assoc.h"
#include "dq/find.h"
#endif

static const char *outdir;
static int failures;

static void die(const char *what, const dq_error *err)
{
    fprintf(stderr, "make_corpus: %s: %s\n", what, err ? err->message : "failed");
    exit(1);
}

static void write_seed(const char *harness, const char *name, const void *a, size_t na,
                       const void *b, size_t nb)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", outdir, harness);
    if (mkdir(path, 0777) != 0 && errno != EEXIST) {
        perror(path);
        exit(1);
    }
    snprintf(path, sizeof path, "%s/%s/seed-%s", outdir, harness, name);
    FILE *f = fopen(path, "wb");
    if (!f || (na && fwrite(a, 1, na, f) != na) || (nb && fwrite(b, 1, nb, f) != nb) ||
        fclose(f) != 0) {
        perror(path);
        failures++;
    }
}

/* A seed: one selector byte, then the bytes. */
static void seed(const char *harness, const char *name, uint8_t sel, const void *p, size_t n)
{
    write_seed(harness, name, &sel, 1, p, n);
}

/* ---- data sets ---------------------------------------------------------------------- */

static void key(dq_dataset *ds, const char *k)
{
    dq_error err;
    if (dq_dataset_set_key(ds, k, &err) != 0)
        die(k, &err);
}

/* A C-FIND identifier with most kinds of value: text of several VRs, a
 * non-ASCII name under ISO_IR 100, binary numbers, AT, OB, and nested
 * sequences with items. */
static dq_dataset *sample_identifier(void)
{
    dq_dataset *ds = dq_dataset_new();
    if (!ds)
        die("dq_dataset_new", NULL);
    key(ds, "SpecificCharacterSet=ISO_IR 100");
    key(ds, "QueryRetrieveLevel=STUDY");
    key(ds, "PatientName=M\xfcller^Hans=\xe5\xb1\xb1\xe7\x94\xb0");
    key(ds, "PatientID=12345");
    key(ds, "PatientBirthDate=19700101-19801231");
    key(ds, "StudyInstanceUID=1.2.826.0.1.3680043.2.1125.1.1");
    key(ds, "StudyDate=20240101");
    key(ds, "StudyTime=101010.123");
    key(ds, "ModalitiesInStudy=CT\\MR");
    key(ds, "NumberOfStudyRelatedInstances=42");
    key(ds, "PatientWeight=72.5");
    key(ds, "Rows=512");
    key(ds, "(0028,0034)=1\\1");
    key(ds, "FrameIncrementPointer=(0018,1063)");
    key(ds, "(0009,0010)=PRIVATE CREATOR");
    key(ds, "(0009,1001)=0102030405");
    key(ds, "ReferencedStudySequence[0].ReferencedSOPClassUID=1.2.840.10008.3.1.2.3.1");
    key(ds, "ReferencedStudySequence[1].ReferencedSOPInstanceUID=1.2.3.4");
    key(ds, "ScheduledProcedureStepSequence[0].ScheduledStationAETitle=CT1");
    key(ds, "ScheduledProcedureStepSequence[0].ScheduledProtocolCodeSequence[0].CodeValue=X1");
    key(ds, "OtherPatientIDsSequence=");
    return ds;
}

/* A short identifier as a typical SCP answers. */
static dq_dataset *sample_match(int i)
{
    dq_dataset *ds = dq_dataset_new();
    if (!ds)
        die("dq_dataset_new", NULL);
    char k[128];
    key(ds, "QueryRetrieveLevel=STUDY");
    snprintf(k, sizeof k, "PatientName=DOE^JOHN%d", i);
    key(ds, k);
    snprintf(k, sizeof k, "StudyInstanceUID=1.2.3.%d", i);
    key(ds, k);
    key(ds, "RetrieveAETitle=ANY-SCP");
    return ds;
}

static void encode(const dq_dataset *ds, dq_transfer_syntax ts, dq_buffer *out)
{
    dq_error err;
    out->len = 0;
    if (dq_dataset_encode(ds, ts, out, &err) != 0)
        die("dq_dataset_encode", &err);
}

static const char *const ts_names[4] = {"implicit-le", "explicit-le", "deflated-le", "explicit-be"};

static void dataset_seeds(void)
{
    dq_dataset *ds = sample_identifier(), *m = sample_match(1);
    dq_buffer b = {0};
    char name[64];
    for (int ts = 0; ts < 4; ts++) {
        encode(ds, (dq_transfer_syntax)ts, &b);
        snprintf(name, sizeof name, "identifier-%s", ts_names[ts]);
        /* dataset: syntax in bits 0-1, re-encode syntax in bits 2-3 */
        seed("dataset", name, (uint8_t)(ts | ((ts + 1) & 3) << 2), b.data, b.len);
        seed("roundtrip", name, (uint8_t)ts, b.data, b.len);
        encode(m, (dq_transfer_syntax)ts, &b);
        snprintf(name, sizeof name, "match-%s", ts_names[ts]);
        seed("dataset", name, (uint8_t)ts, b.data, b.len);

        dq_error err;
        b.len = 0;
        if (dq_part10_encode(ds, (dq_transfer_syntax)ts, "1.2.840.10008.5.1.4.1.2.2.1", "1.2.3.4.5",
                             &b, &err) != 0)
            die("dq_part10_encode", &err);
        snprintf(name, sizeof name, "file-%s", ts_names[ts]);
        write_seed("part10", name, b.data, b.len, NULL, 0);
        if (ts == DQ_TS_EXPLICIT_LE) /* the same without the 128-byte preamble */
            write_seed("part10", "no-preamble", b.data + 128, b.len - 128, NULL, 0);
    }
    encode(m, DQ_TS_IMPLICIT_LE, &b); /* a bare data set, no meta at all */
    write_seed("part10", "bare-implicit-le", b.data, b.len, NULL, 0);
    dq_buffer_free(&b);
    dq_dataset_free(ds);
    dq_dataset_free(m);
}

/* findscu -k arguments: every documented form of the path and value. */
static void keypath_seeds(void)
{
    static const char simple[] = "QueryRetrieveLevel=PATIENT\n"
                                 "PatientName=DOE^J*\n"
                                 "PatientID=\n"
                                 "(0010,0030)=19700101\n"
                                 "(0008,0052)=STUDY\n";
    static const char sequences[] =
        "ReferencedStudySequence=\n"
        "ReferencedStudySequence[0]=\n"
        "ReferencedStudySequence[3]=\n"
        "ReferencedStudySequence[2].ReferencedSOPClassUID=1.2.3\n"
        "ScheduledProcedureStepSequence[0].ScheduledProtocolCodeSequence[1].CodeValue=X\n"
        "(0040,0100)[0].(0040,0001)=CT1\n";
    static const char values[] = "SpecificCharacterSet=ISO_IR 100\n"
                                 "PatientName=M\xc3\xbcller^J\xc3\xbcrgen\n"
                                 "Rows=512\n"
                                 "(0028,0034)=1\\1\n"
                                 "ImagePositionPatient=1.5\\-2\\3e2\n"
                                 "PatientWeight=72.5\n"
                                 "FrameIncrementPointer=(0018,1063)\n"
                                 "(0018,1063)=00181063\n"
                                 "(0009,0010)=PRIVATE\n"
                                 "(0009,1001)=00ff10\n"
                                 "(7FE0,0010)=0001\n"
                                 "RealWorldValueLastValueMapped=-1\n"
                                 "(0040,A30A)=1.5\\2.5\n"
                                 "(0018,9219)=-3\n";
    static const char charsets[] = "SpecificCharacterSet=\\ISO 2022 IR 87\n"
                                   "PatientName=\xe5\xb1\xb1\xe7\x94\xb0^\xe5\xa4\xaa\xe9\x83\x8e\n"
                                   "SpecificCharacterSet=GB18030\n"
                                   "InstitutionName=\xe5\x8c\xbb\xe9\x99\xa2\n";
    static const char errors[] = "NotAKeyword=1\n"
                                 "(0010,0010=X\n"
                                 "ReferencedStudySequence[x].PatientID=1\n"
                                 "Rows=abc\n"
                                 "Rows=70000\n"
                                 "(0009,1001)=zz\n"
                                 "=\n"
                                 "PatientName\n";
    write_seed("keypath", "simple", simple, sizeof simple - 1, NULL, 0);
    write_seed("keypath", "sequences", sequences, sizeof sequences - 1, NULL, 0);
    write_seed("keypath", "values", values, sizeof values - 1, NULL, 0);
    write_seed("keypath", "charsets", charsets, sizeof charsets - 1, NULL, 0);
    write_seed("keypath", "errors", errors, sizeof errors - 1, NULL, 0);
}

/* findscu --batch files: byte 0 picks the format (0 auto, 1 CSV, 2 TSV). */
static void batch_in_seeds(void)
{
    static const char csv[] = "\xEF\xBB\xBFPatientID,\"(0008,0020)\",PatientName,"
                              "ReferencedStudySequence[0].ReferencedSOPInstanceUID\r\n"
                              "123,\"\",\"DOE, \"\"J\"\"\",1.2.3\r\n"
                              "\r\n"
                              "124,,\"two\r\nlines\"\r\n"
                              "125,20200101-20201231,M\xc3\xbcller\n";
    static const char tsv[] = "PatientID\tStudyDate\tOtherPatientIDs\tReferencedStudySequence\n"
                              "1\t\"\"\tA\\\\B\t\"\"\n"
                              "2\t\t\\t\\n\\r\\x\t\n";
    static const char bad[] = "PatientID,StudyDate,Rows\n"
                              "1,2,3,4\n"
                              "\xff,1,1\n"
                              "\"x\"y,1,1\n"
                              "1,123456789,70000\n"
                              "1,\"open\n";
    seed("batch_in", "csv", 0, csv, sizeof csv - 1);
    seed("batch_in", "tsv", 2, tsv, sizeof tsv - 1);
    seed("batch_in", "bad-rows", 1, bad, sizeof bad - 1);
}

/* ---- the JSON and XML writers ---------------------------------------------------- */

/* A value given as a string literal, its bytes without the NUL. */
#define TEXT(ds, tag, vr, lit) bytes(ds, tag, vr, lit, sizeof lit - 1)

static void bytes(dq_dataset *ds, uint32_t tag, dq_vr vr, const void *p, size_t n)
{
    dq_error err;
    if (dq_dataset_set_bytes(ds, tag, vr, p, n, &err) != 0)
        die("dq_dataset_set_bytes", &err);
}

/* Values the writers must repair or escape: ISO 2022 text with a byte no set
 * decodes, characters JSON and XML escape (and XML cannot hold), DS/IS that
 * are not numbers, NaN, an odd UN, a private block, an item with its own
 * character set and invalid UTF-8. */
static dq_dataset *hostile_text(void)
{
    static const double nan_inf[] = {0.0 / 0.0, 1.0 / 0.0, 0.1};
    static const uint16_t at[] = {0x0010, 0x0010};
    dq_dataset *ds = dq_dataset_new();
    if (!ds)
        die("dq_dataset_new", NULL);
    key(ds, "SpecificCharacterSet=\\ISO 2022 IR 87");
    TEXT(ds, DQ_TAG(0x0008, 0x0090), DQ_VR_CODE('P', 'N'), "A^B=\x1b$B;3\xff\x1b(B==");
    TEXT(ds, DQ_TAG(0x0010, 0x0010), DQ_VR_CODE('P', 'N'), "Yamada^Tarou=\x1b$B;3ED\x1b(B");
    TEXT(ds, DQ_TAG(0x0010, 0x0020), DQ_VR_CODE('L', 'O'), "<a&b>\"\\\x01\x7f");
    TEXT(ds, DQ_TAG(0x0018, 0x0050), DQ_VR_CODE('D', 'S'), "1.5\\abc\\+.5e3");
    TEXT(ds, DQ_TAG(0x0020, 0x0013), DQ_VR_CODE('I', 'S'), "12\\x ");
    bytes(ds, DQ_TAG(0x0018, 0x9087), DQ_VR_CODE('F', 'D'), nan_inf, sizeof nan_inf);
    bytes(ds, DQ_TAG(0x0020, 0x5000), DQ_VR_CODE('A', 'T'), at, sizeof at);
    TEXT(ds, DQ_TAG(0x0009, 0x0010), DQ_VR_CODE('L', 'O'), "ACME");
    TEXT(ds, DQ_TAG(0x0009, 0x1001), DQ_VR_CODE('U', 'N'), "\x00\x01\xff");
    TEXT(ds, DQ_TAG(0x4000, 0x4000), DQ_VR_CODE('L', 'T'), " line\r\nbreak\t ");
    dq_error err;
    dq_element *seq = dq_dataset_set_sequence(ds, DQ_TAG(0x0040, 0x0275), &err);
    dq_dataset *item = seq ? dq_element_add_item(seq, &err) : NULL;
    if (!item)
        die("sequence", &err);
    key(item, "SpecificCharacterSet=ISO_IR 192");
    TEXT(item, DQ_TAG(0x0010, 0x0010), DQ_VR_CODE('P', 'N'), "\xe5\xb1\xb1\xc3^\xef\xbf\xbe");
    return ds;
}

static void json_seeds(void)
{
    dq_dataset *ds = sample_identifier(), *m = sample_match(1), *h = hostile_text();
    dq_buffer b = {0};
    char name[64];
    for (int ts = 0; ts < 4; ts++) {
        /* json: syntax in bits 0-1 */
        encode(ds, (dq_transfer_syntax)ts, &b);
        snprintf(name, sizeof name, "identifier-%s", ts_names[ts]);
        seed("json", name, (uint8_t)ts, b.data, b.len);
        encode(h, (dq_transfer_syntax)ts, &b);
        snprintf(name, sizeof name, "hostile-text-%s", ts_names[ts]);
        seed("json", name, (uint8_t)ts, b.data, b.len);
    }
    encode(m, DQ_TS_IMPLICIT_LE, &b);
    seed("json", "match-implicit-le", DQ_TS_IMPLICIT_LE, b.data, b.len);
    dq_buffer_free(&b);
    dq_dataset_free(ds);
    dq_dataset_free(m);
    dq_dataset_free(h);
}

/* ---- PDUs ----------------------------------------------------------------------------- */

static void pdu_seeds(void)
{
    static const dq_pdu_str ts[2] = {
        {DQ_UID_ExplicitVRLittleEndian, sizeof DQ_UID_ExplicitVRLittleEndian - 1},
        {DQ_UID_ImplicitVRLittleEndian, sizeof DQ_UID_ImplicitVRLittleEndian - 1}};
    static const dq_pdu_str related[1] = {{"1.2.840.10008.5.1.4.1.2.2.1", 27}};
    static const uint8_t ext_info[3] = {1, 1, 0};
    dq_pdu_associate *a = calloc(1, sizeof *a);
    if (!a)
        die("calloc", NULL);
    dq_buffer all = {0}, b = {0};
    dq_error err;

    /* A-ASSOCIATE-RQ with every user information sub-item. */
    a->type = DQ_PDU_ASSOCIATE_RQ;
    a->protocol_version = DQ_PDU_PROTOCOL_VERSION;
    strcpy(a->called_ae, "ANY-SCP");
    strcpy(a->calling_ae, "FINDSCU");
    a->application_context = dq_pdu_cstr("1.2.840.10008.3.1.1.1");
    a->n_pctx = 2;
    a->pctx[0] = (dq_pdu_pctx){.id = 1,
                               .abstract_syntax = dq_pdu_cstr("1.2.840.10008.5.1.4.1.2.2.1"),
                               .n_transfer_syntaxes = 2,
                               .transfer_syntaxes = ts};
    a->pctx[1] = (dq_pdu_pctx){.id = 3,
                               .abstract_syntax = dq_pdu_cstr("1.2.840.10008.5.1.4.31"),
                               .n_transfer_syntaxes = 1,
                               .transfer_syntaxes = ts};
    dq_pdu_user_info *u = &a->user_info;
    u->has_max_length = true;
    u->max_length = 16382;
    u->implementation_class_uid = dq_pdu_cstr("1.2.826.0.1.3680043.9.3811.2.0.0");
    u->implementation_version_name = dq_pdu_cstr("PYNETDICOM_200");
    u->has_async_ops = true;
    u->max_ops_invoked = 1;
    u->max_ops_performed = 1;
    u->n_roles = 1;
    u->roles[0] = (dq_pdu_role){dq_pdu_cstr("1.2.840.10008.5.1.4.1.2.2.1"), 1, 0};
    u->n_ext_neg = 1;
    u->ext_neg[0] = (dq_pdu_ext_neg){dq_pdu_cstr("1.2.840.10008.5.1.4.1.2.2.1"), ext_info, 3};
    u->n_common_ext_neg = 1;
    u->common_ext_neg[0] =
        (dq_pdu_common_ext_neg){.sop_class_uid = dq_pdu_cstr("1.2.840.10008.5.1.4.1.2.2.1"),
                                .service_class_uid = dq_pdu_cstr("1.2.840.10008.4.2"),
                                .n_related = 1,
                                .related_list = related};
    u->has_user_identity = true;
    u->user_identity =
        (dq_pdu_user_identity){2, 1, (const uint8_t *)"user", 4, (const uint8_t *)"secret", 6};
    if (dq_pdu_encode_associate(&b, a, &err) != 0)
        die("encode A-ASSOCIATE-RQ", &err);
    seed("pdu", "associate-rq", 1, b.data, b.len);
    seed("roundtrip", "associate-rq", 4, b.data, b.len);
    dq_buffer_reserve(&all, b.len, NULL);
    memcpy(all.data + all.len, b.data, b.len);
    all.len += b.len;

    /* A-ASSOCIATE-AC: one accepted, one rejected context, identity response. */
    b.len = 0;
    a->type = DQ_PDU_ASSOCIATE_AC;
    a->pctx[0] = (dq_pdu_pctx){.id = 1, .result = 0, .transfer_syntax = ts[0]};
    a->pctx[1] = (dq_pdu_pctx){.id = 3, .result = 3};
    u->n_common_ext_neg = 0;
    u->user_identity = (dq_pdu_user_identity){0, 0, (const uint8_t *)"OK", 2, NULL, 0};
    if (dq_pdu_encode_associate(&b, a, &err) != 0)
        die("encode A-ASSOCIATE-AC", &err);
    seed("pdu", "associate-ac", 0, b.data, b.len);
    seed("roundtrip", "associate-ac", 4, b.data, b.len);
    dq_buffer_reserve(&all, b.len, NULL);
    memcpy(all.data + all.len, b.data, b.len);
    all.len += b.len;

    /* A-ASSOCIATE-AC whose User Identity response is empty (a username's,
     * PS3.7 D.3.3.7.2). */
    b.len = 0;
    u->user_identity = (dq_pdu_user_identity){0, 0, NULL, 0, NULL, 0};
    if (dq_pdu_encode_associate(&b, a, &err) != 0)
        die("encode A-ASSOCIATE-AC", &err);
    seed("pdu", "associate-ac-user-identity-empty", 0, b.data, b.len);
    seed("roundtrip", "associate-ac-user-identity-empty", 4, b.data, b.len);

    /* The small ones, and a P-DATA-TF with a command and a data fragment. */
    b.len = 0;
    dq_pdu_reject rj = {1, 1, 7};
    dq_pdu_abort ab = {2, 6};
    static const uint8_t cmd[] = {0, 0, 0, 0, 4, 0, 0, 0, 8, 0, 0, 0};
    static const uint8_t dat[] = {8, 0, 0x52, 0, 6, 0, 0, 0, 'S', 'T', 'U', 'D', 'Y', ' '};
    dq_pdv pdvs[2] = {{1, 0, true, true, cmd, sizeof cmd}, {1, 0, false, false, dat, sizeof dat}};
    if (dq_pdu_encode_reject(&b, &rj, &err) != 0)
        die("encode A-ASSOCIATE-RJ", &err);
    seed("pdu", "associate-rj", 0, b.data, b.len);
    seed("roundtrip", "associate-rj", 4, b.data, b.len);
    size_t at = b.len;
    if (dq_pdu_encode_pdata(&b, pdvs, 2, &err) != 0)
        die("encode P-DATA-TF", &err);
    seed("pdu", "p-data-tf", 1, b.data + at, b.len - at);
    at = b.len;
    if (dq_pdu_encode_release(&b, DQ_PDU_RELEASE_RQ, &err) != 0)
        die("encode A-RELEASE-RQ", &err);
    seed("roundtrip", "release-rq", 4, b.data + at, b.len - at);
    at = b.len;
    if (dq_pdu_encode_release(&b, DQ_PDU_RELEASE_RP, &err) != 0)
        die("encode A-RELEASE-RP", &err);
    at = b.len;
    if (dq_pdu_encode_abort(&b, &ab, &err) != 0)
        die("encode A-ABORT", &err);
    seed("roundtrip", "abort", 4, b.data + at, b.len - at);
    dq_buffer_reserve(&all, b.len, NULL);
    memcpy(all.data + all.len, b.data, b.len);
    all.len += b.len;
    seed("pdu", "every-type", 0, all.data, all.len);
    dq_buffer_free(&b);
    dq_buffer_free(&all);
    free(a);
}

#if DQ_FUZZ_HAVE_ASSOC
/* ---- DIMSE and whole conversations ------------------------------------------------------ */

static void command_bytes(const dq_dimse_command *c, dq_buffer *out)
{
    dq_error err;
    out->len = 0;
    if (dq_dimse_command_encode(c, out, &err) != 0)
        die("dq_dimse_command_encode", &err);
}

static dq_dimse_command find_rsp(uint16_t status, bool with_data)
{
    dq_dimse_command c = {0};
    c.command_field = DQ_DIMSE_CMD_C_FIND_RSP;
    c.message_id_responded = 1;
    c.has_message_id_responded = true;
    c.status = status;
    c.has_status = true;
    c.data_set_type = with_data ? 0x0000 : DQ_DIMSE_NO_DATA_SET;
    strcpy(c.affected_sop_class_uid, DQ_UID_PatientRootQueryRetrieveInformationModelFind);
    return c;
}

/* Appends one DIMSE message as P-DATA-TF PDUs, command and data cut into
 * fragments of at most `frag` bytes, `per_pdu` PDVs per PDU. */
static void put_message(dq_buffer *out, const dq_dimse_command *c, const dq_buffer *data,
                        size_t frag, size_t per_pdu)
{
    dq_buffer cmd = {0};
    command_bytes(c, &cmd);
    dq_pdv pdvs[64];
    size_t n = 0;
    const dq_buffer *parts[2] = {&cmd, data};
    for (int k = 0; k < 2 && parts[k]; k++) {
        for (size_t off = 0; off < parts[k]->len;) {
            size_t len = parts[k]->len - off < frag ? parts[k]->len - off : frag;
            pdvs[n++] =
                (dq_pdv){1, 0, k == 0, off + len == parts[k]->len, parts[k]->data + off, len};
            off += len;
            if (n == per_pdu || n == 64) {
                if (dq_pdu_encode_pdata(out, pdvs, n, NULL) != 0)
                    die("dq_pdu_encode_pdata", NULL);
                n = 0;
            }
        }
    }
    if (n && dq_pdu_encode_pdata(out, pdvs, n, NULL) != 0)
        die("dq_pdu_encode_pdata", NULL);
    dq_buffer_free(&cmd);
}

static void append_small(dq_buffer *out, int which)
{
    dq_pdu_abort ab = {0, 0};
    int rc = which == 1   ? dq_pdu_encode_release(out, DQ_PDU_RELEASE_RP, NULL)
             : which == 2 ? dq_pdu_encode_release(out, DQ_PDU_RELEASE_RQ, NULL)
                          : dq_pdu_encode_abort(out, &ab, NULL);
    if (rc != 0)
        die("encode release/abort", NULL);
}

/* The responses to one query: two matches then success, in syntax ts. */
static void responses(dq_buffer *out, dq_transfer_syntax ts, size_t frag, size_t per_pdu)
{
    dq_buffer d = {0};
    for (int i = 1; i <= 2; i++) {
        dq_dataset *m = sample_match(i);
        encode(m, ts, &d);
        dq_dimse_command c = find_rsp(0xFF00, true);
        put_message(out, &c, &d, frag, per_pdu);
        dq_dataset_free(m);
    }
    dq_dimse_command fin = find_rsp(0x0000, false);
    put_message(out, &fin, NULL, frag, per_pdu);
    dq_buffer_free(&d);
}

/* Two matches and the final response with their PDVs packed: the first
 * PDU holds match 1 whole, match 2's command and the first half of its data
 * set; the second the rest of it and the whole final response, on context
 * ctx2 (1: as the others; 3: a context switch inside a message). */
static void packed_responses(dq_buffer *out, uint8_t ctx2)
{
    dq_buffer d = {0}, c = {0}, fin = {0};
    dq_dataset *m = sample_match(1);
    encode(m, DQ_TS_EXPLICIT_LE, &d);
    dq_dimse_command rsp = find_rsp(0xFF00, true), end = find_rsp(0x0000, false);
    command_bytes(&rsp, &c);
    command_bytes(&end, &fin);
    size_t h = d.len / 2;
    dq_pdv first[] = {{1, 0, true, true, c.data, c.len},
                      {1, 0, false, true, d.data, d.len},
                      {1, 0, true, true, c.data, c.len},
                      {1, 0, false, false, d.data, h}};
    dq_pdv second[] = {{ctx2, 0, false, true, d.data + h, d.len - h},
                       {1, 0, true, true, fin.data, fin.len}};
    if (dq_pdu_encode_pdata(out, first, 4, NULL) < 0 ||
        dq_pdu_encode_pdata(out, second, 2, NULL) < 0)
        die("dq_pdu_encode_pdata", NULL);
    dq_dataset_free(m);
    dq_buffer_free(&d);
    dq_buffer_free(&c);
    dq_buffer_free(&fin);
}

/* P-DATA streams the reassembler refuses or stops at: a 32-byte data set
 * cap (bit 6), a context switch inside a message, an A-RELEASE-RQ. */
static void dimse_edge_seeds(void)
{
    dq_buffer s = {0};
    responses(&s, DQ_TS_EXPLICIT_LE, 10, 3);
    seed("dimse", "fragmented-capped", (uint8_t)(1 | DQ_TS_EXPLICIT_LE << 1 | 64), s.data, s.len);
    s.len = 0;
    packed_responses(&s, 1);
    seed("dimse", "packed", (uint8_t)(1 | DQ_TS_EXPLICIT_LE << 1), s.data, s.len);
    s.len = 0;
    packed_responses(&s, 3);
    seed("dimse", "context-switch", (uint8_t)(1 | DQ_TS_EXPLICIT_LE << 1), s.data, s.len);
    s.len = 0;
    responses(&s, DQ_TS_IMPLICIT_LE, 1u << 20, 1);
    append_small(&s, 2);
    responses(&s, DQ_TS_IMPLICIT_LE, 1u << 20, 1);
    seed("dimse", "release-request", (uint8_t)(1 | DQ_TS_IMPLICIT_LE << 1), s.data, s.len);
    dq_buffer_free(&s);
}

static void dimse_seeds(void)
{
    dq_buffer b = {0};
    dq_dimse_command rq = {0};
    rq.command_field = DQ_DIMSE_CMD_C_FIND_RQ;
    rq.message_id = 7;
    rq.has_message_id = true;
    rq.priority = 0;
    rq.has_priority = true;
    rq.data_set_type = 0;
    strcpy(rq.affected_sop_class_uid, DQ_UID_StudyRootQueryRetrieveInformationModelFind);
    command_bytes(&rq, &b);
    seed("dimse", "c-find-rq", 0, b.data, b.len);
    seed("roundtrip", "c-find-rq", 5, b.data, b.len);
    dq_dimse_command f = find_rsp(0xA700, false);
    strcpy(f.error_comment, "Out of resources");
    f.n_offending_elements = 2;
    f.offending_elements[0] = 0x00100010;
    f.offending_elements[1] = 0x00080052;
    f.has_error_id = true;
    f.error_id = 3;
    command_bytes(&f, &b);
    seed("dimse", "c-find-rsp-failure", 0, b.data, b.len);
    seed("roundtrip", "c-find-rsp-failure", 5, b.data, b.len);
    dq_dimse_command cancel = {0};
    cancel.command_field = DQ_DIMSE_CMD_C_CANCEL_FIND_RQ;
    cancel.message_id_responded = 7;
    cancel.has_message_id_responded = true;
    cancel.data_set_type = DQ_DIMSE_NO_DATA_SET;
    command_bytes(&cancel, &b);
    seed("dimse", "c-cancel-rq", 0, b.data, b.len);
    dq_buffer_free(&b);

    /* P-DATA streams as they follow the A-ASSOCIATE-AC: bit 0 set, syntax
     * in bits 1-2, read size in bits 3-5 (fuzz_dimse.c). */
    char name[64];
    for (int ts = 0; ts < 4; ts++) {
        dq_buffer s = {0};
        responses(&s, (dq_transfer_syntax)ts, 1u << 20, 1);
        snprintf(name, sizeof name, "stream-%s", ts_names[ts]);
        seed("dimse", name, (uint8_t)(1 | ts << 1), s.data, s.len);
        s.len = 0;
        /* Fragmented: 10-byte PDVs, 3 per PDU, read 5 bytes at a time. */
        responses(&s, (dq_transfer_syntax)ts, 10, 3);
        snprintf(name, sizeof name, "fragmented-%s", ts_names[ts]);
        seed("dimse", name, (uint8_t)(1 | ts << 1 | 3 << 3), s.data, s.len);
        dq_buffer_free(&s);
    }
    dimse_edge_seeds();
}

/* Whole conversations: byte 0 as fuzz_assoc.c reads it; then the peer. */
static void assoc_seeds(void)
{
    char name[64];
    for (int ts = 0; ts < 4; ts++) {
        dq_buffer s = {0};
        if (dq_fuzz_make_ac(&s, 1, (dq_transfer_syntax)ts, 16382) != 0)
            die("dq_fuzz_make_ac", NULL);
        responses(&s, (dq_transfer_syntax)ts, 1u << 20, 1);
        append_small(&s, 1);
        snprintf(name, sizeof name, "query-%s", ts_names[ts]);
        seed("assoc", name, 0, s.data, s.len);
        dq_buffer_free(&s);
    }
    dq_buffer s = {0};
    /* Fragmented responses, read 13 bytes at a time, cancel after the first. */
    dq_fuzz_make_ac(&s, 1, DQ_TS_EXPLICIT_LE, 0);
    responses(&s, DQ_TS_EXPLICIT_LE, 7, 2);
    append_small(&s, 1);
    seed("assoc", "fragmented-cancel", 4 | 16, s.data, s.len);
    /* Release collision: the peer sends A-RELEASE-RQ, then the RP. */
    s.len = 0;
    dq_fuzz_make_ac(&s, 1, DQ_TS_IMPLICIT_LE, 16382);
    responses(&s, DQ_TS_IMPLICIT_LE, 1u << 20, 1);
    append_small(&s, 2);
    append_small(&s, 1);
    seed("assoc", "release-collision", 0, s.data, s.len);
    /* The peer aborts in the middle of the query. */
    s.len = 0;
    dq_fuzz_make_ac(&s, 1, DQ_TS_EXPLICIT_LE, 16382);
    append_small(&s, 0);
    seed("assoc", "abort", 0, s.data, s.len);
    /* Rejected. */
    s.len = 0;
    dq_pdu_reject rj = {1, 1, 3};
    dq_pdu_encode_reject(&s, &rj, NULL);
    seed("assoc", "reject", 1, s.data, s.len);
    /* Study Root (context 3) accepted, big-endian, we end with A-ABORT. */
    s.len = 0;
    dq_fuzz_make_ac(&s, 3, DQ_TS_EXPLICIT_BE, 16382);
    responses(&s, DQ_TS_EXPLICIT_BE, 1u << 20, 1);
    seed("assoc", "study-root-abort", (uint8_t)(1u << 6 | 32), s.data, s.len);
    /* A user identity whose response is required (model 3): confirmed with a
     * server response, then the query; or not confirmed, so we abort. */
    s.len = 0;
    static const uint8_t ticket[] = {0x6F, 0x03, 0x02, 0x01, 0x05};
    dq_fuzz_make_ac_identity(&s, 1, DQ_TS_EXPLICIT_LE, 16382, ticket, sizeof ticket);
    responses(&s, DQ_TS_EXPLICIT_LE, 1u << 20, 1);
    append_small(&s, 1);
    seed("assoc", "user-identity-confirmed", (uint8_t)(3u << 6), s.data, s.len);
    s.len = 0;
    dq_fuzz_make_ac(&s, 1, DQ_TS_EXPLICIT_LE, 16382);
    seed("assoc", "user-identity-unconfirmed", (uint8_t)(3u << 6), s.data, s.len);
    dq_buffer_free(&s);
}
#endif

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s OUTDIR\n", argv[0]);
        return 2;
    }
    outdir = argv[1];
    if (mkdir(outdir, 0777) != 0 && errno != EEXIST) {
        perror(outdir);
        return 1;
    }
    dataset_seeds();
    json_seeds();
    keypath_seeds();
    batch_in_seeds();
    pdu_seeds();
#if DQ_FUZZ_HAVE_ASSOC
    dimse_seeds();
    assoc_seeds();
#endif
    return failures ? 1 : 0;
}
