/* The C-FIND engine against real peers nobody here wrote: DCMTK dcmqrscp
 * (Patient Root, Study Root, Patient/Study Only, in each transfer syntax it
 * accepts, cancel, reject, a failure status) and DCMTK wlmscpfs (worklist),
 * each started on a free loopback port by tests/peers/peer.sh. The match
 * sets are compared with tests/peers/expected/ (made with DCMTK's findscu). */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dq/find.h"
#include "tmp_path.h"

typedef struct peer {
    char dir[256];
    uint16_t port;
    char aet[32];
} peer;

static void peer_start(peer *p, const char *kind)
{
    snprintf(p->dir, sizeof p->dir, "%s/dq_find_peer_%s_%d", dq_test_tmpdir(), kind, (int)getpid());
    char cmd[512];
    snprintf(cmd, sizeof cmd, "bash '%s/tests/peers/peer.sh' start %s '%s'", DQ_SOURCE_DIR, kind,
             p->dir);
    FILE *f = popen(cmd, "r");
    cr_assert_not_null(f);
    char line[256];
    p->port = 0;
    p->aet[0] = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = 0;
        if (!strncmp(line, "PORT=", 5))
            p->port = (uint16_t)atoi(line + 5);
        if (!strncmp(line, "AET=", 4))
            snprintf(p->aet, sizeof p->aet, "%.16s", line + 4);
    }
    int st = pclose(f);
    cr_assert_eq(st, 0, "peer.sh start %s failed", kind);
    cr_assert(p->port > 0 && p->aet[0], "peer.sh gave no PORT/AET");
}

static void peer_stop(peer *p)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "bash '%s/tests/peers/peer.sh' stop '%s' >/dev/null 2>&1",
             DQ_SOURCE_DIR, p->dir);
    if (system(cmd) != 0)
        fprintf(stderr, "peer.sh stop %s failed\n", p->dir);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

typedef struct collect {
    uint32_t tag;
    char *vals[256];
    size_t n;
    int cancel_at;
    size_t responses;
} collect;

static void on_rsp(void *user, const dq_find_response *r, bool *cancel)
{
    collect *c = user;
    c->responses++;
    if (r->pending && r->identifier && c->n < 256) {
        const dq_element *el = dq_dataset_find(r->identifier, c->tag);
        char buf[256] = "";
        if (el)
            dq_element_utf8(el, buf, sizeof buf);
        c->vals[c->n++] = strdup(buf);
    }
    *cancel = c->cancel_at && (int)c->responses == c->cancel_at;
}

/* Sorted values of one key, as a newline-joined string (caller frees). */
static char *joined(char **v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_str);
    size_t len = 1;
    for (size_t i = 0; i < n; i++)
        len += strlen(v[i]) + 1;
    char *s = calloc(1, len);
    for (size_t i = 0; i < n; i++) {
        strcat(s, v[i]);
        strcat(s, "\n");
        free(v[i]);
    }
    return s;
}

static char *expected_joined(const char *file, const char *key)
{
    char path[512];
    snprintf(path, sizeof path, "%s/tests/peers/expected/%s", DQ_SOURCE_DIR, file);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "%s", path);
    char *vals[256];
    size_t n = 0, kl = strlen(key);
    char line[4096];
    while (n < 256 && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = 0;
        for (char *save = NULL, *t = strtok_r(line, "\t", &save); t;
             t = strtok_r(NULL, "\t", &save))
            if (!strncmp(t, key, kl) && t[kl] == '=')
                vals[n++] = strdup(t + kl + 1);
    }
    fclose(f);
    return joined(vals, n);
}

/* One association + one C-FIND with `keys` (-k style) on `model`, proposing
 * only transfer syntax `ts`; collects the values of `collect_tag`. */
static int query(const peer *p, const char *called, const char *model, const char *ts,
                 const char *const *keys, uint32_t collect_tag, uint32_t max_pdu, collect *c,
                 dq_find_result *res, dq_error *e)
{
    const char *tss[1] = {ts};
    dq_assoc_context ctx = {model, tss, 1};
    dq_assoc_params ap;
    dq_assoc_params_default(&ap);
    ap.called_ae = called;
    ap.contexts = &ctx;
    ap.n_contexts = 1;
    ap.max_pdu = max_pdu;
    ap.acse_timeout = ap.dimse_timeout = ap.network_timeout = 20;
    dq_assoc *a;
    if (dq_assoc_request(&a, "127.0.0.1", p->port, &ap, e) < 0)
        return -2;
    dq_dataset *q = dq_dataset_new();
    for (size_t i = 0; keys[i]; i++)
        cr_assert_eq(dq_dataset_set_key(q, keys[i], e), 0, "%s", e->message);
    c->tag = collect_tag;
    dq_find_request rq = {model, q, 0, 0};
    int rc = dq_find(a, &rq, on_rsp, c, res, e);
    dq_dataset_free(q);
    if (rc == 0) {
        dq_error e2;
        cr_assert_eq(dq_assoc_release(a, &e2), 0, "%s", e2.message);
    }
    dq_assoc_free(a);
    return rc;
}

static const char *const patient_keys[] = {
    "QueryRetrieveLevel=PATIENT", "PatientName=", "PatientID=",
    "PatientBirthDate=",          "PatientSex=",  NULL};

Test(find_peers, dcmqrscp, .timeout = 300)
{
    peer p;
    peer_start(&p, "dcmqrscp");
    dq_error e;
    dq_find_result res;
    char *want = expected_joined("patient.dcmqrscp.tsv", "PatientID");

    /* Patient Root in each syntax dcmqrscp accepts, at two max PDU sizes. */
    const char *tss[] = {DQ_UID_ImplicitVRLittleEndian, DQ_UID_ExplicitVRLittleEndian,
                         DQ_UID_ExplicitVRBigEndian};
    for (size_t i = 0; i < 3; i++)
        for (uint32_t pdu = 4096; pdu <= 131072; pdu *= 32) {
            collect c = {0};
            cr_assert_eq(query(&p, p.aet, DQ_UID_PatientRootQueryRetrieveInformationModelFind,
                               tss[i], patient_keys, DQ_TAG(0x0010, 0x0020), pdu, &c, &res, &e),
                         0, "%s: %s", tss[i], e.message);
            cr_assert_str_eq(res.final.category, "Success");
            char *got = joined(c.vals, c.n);
            cr_assert_str_eq(got, want, "%s, max PDU %u", tss[i], pdu);
            free(got);
        }

    /* Study Root and Patient/Study Only. */
    static const char *const study_keys[] = {"QueryRetrieveLevel=STUDY",
                                             "PatientName=",
                                             "PatientID=",
                                             "StudyInstanceUID=",
                                             "StudyDate=",
                                             "StudyID=",
                                             "AccessionNumber=",
                                             NULL};
    collect c = {0};
    cr_assert_eq(query(&p, p.aet, DQ_UID_StudyRootQueryRetrieveInformationModelFind,
                       DQ_UID_ExplicitVRLittleEndian, study_keys, DQ_TAG(0x0020, 0x000D), 16382, &c,
                       &res, &e),
                 0, "%s", e.message);
    char *got = joined(c.vals, c.n);
    char *want_study = expected_joined("study.dcmqrscp.tsv", "StudyInstanceUID");
    cr_assert_str_eq(got, want_study);
    free(got);
    free(want_study);

    static const char *const ps_keys[] = {"QueryRetrieveLevel=PATIENT",
                                          "PatientName=", "PatientID=", NULL};
    memset(&c, 0, sizeof c);
    cr_assert_eq(query(&p, p.aet, DQ_UID_PatientStudyOnlyQueryRetrieveInformationModelFind,
                       DQ_UID_ImplicitVRLittleEndian, ps_keys, DQ_TAG(0x0010, 0x0020), 16382, &c,
                       &res, &e),
                 0, "%s", e.message);
    got = joined(c.vals, c.n);
    char *want_ps = expected_joined("psonly-patient.dcmqrscp.tsv", "PatientID");
    cr_assert_str_eq(got, want_ps);
    free(got);
    free(want_ps);

    /* Cancel after the first match: the final status is Cancel (or Success
     * if dcmqrscp had already sent everything), never more than all. */
    memset(&c, 0, sizeof c);
    c.cancel_at = 1;
    cr_assert_eq(query(&p, p.aet, DQ_UID_PatientRootQueryRetrieveInformationModelFind,
                       DQ_UID_ExplicitVRLittleEndian, patient_keys, DQ_TAG(0x0010, 0x0020), 16382,
                       &c, &res, &e),
                 0, "%s", e.message);
    cr_assert(res.cancel_sent);
    cr_assert(res.final.code == 0xFE00 || res.final.code == 0x0000, "final 0x%04X", res.final.code);
    for (size_t i = 0; i < c.n; i++)
        free(c.vals[i]);

    /* No QueryRetrieveLevel: dcmqrscp answers 0xA900 (a failure). */
    static const char *const bad_keys[] = {"PatientName=", NULL};
    memset(&c, 0, sizeof c);
    cr_assert_eq(query(&p, p.aet, DQ_UID_PatientRootQueryRetrieveInformationModelFind,
                       DQ_UID_ExplicitVRLittleEndian, bad_keys, DQ_TAG(0x0010, 0x0010), 16382, &c,
                       &res, &e),
                 0, "%s", e.message);
    cr_assert_eq(res.final.code, 0xA900);
    cr_assert_str_eq(res.final.category, "Failure");

    /* An unknown called AE title: rejected, called-AE-title-not-recognized. */
    memset(&c, 0, sizeof c);
    cr_assert_eq(query(&p, "NOBODY", DQ_UID_PatientRootQueryRetrieveInformationModelFind,
                       DQ_UID_ExplicitVRLittleEndian, patient_keys, DQ_TAG(0x0010, 0x0020), 16382,
                       &c, &res, &e),
                 -2);
    cr_assert_eq(e.kind, DQ_ERR_REJECTED, "%s", e.message);
    cr_assert_eq(e.detail[1], 1);
    cr_assert_eq(e.detail[2], 7);

    free(want);
    peer_stop(&p);
}

Test(find_peers, wlmscpfs, .timeout = 300)
{
    peer p;
    peer_start(&p, "wlmscpfs");
    static const char *const keys[] = {
        "PatientName=",
        "PatientID=",
        "AccessionNumber=",
        "ScheduledProcedureStepSequence[0].Modality=",
        "ScheduledProcedureStepSequence[0].ScheduledStationAETitle=",
        "ScheduledProcedureStepSequence[0].ScheduledProcedureStepStartDate=",
        NULL};
    const char *tss[] = {DQ_UID_ImplicitVRLittleEndian, DQ_UID_ExplicitVRLittleEndian,
                         DQ_UID_ExplicitVRBigEndian};
    char *want = expected_joined("worklist.wlmscpfs.tsv", "AccessionNumber");
    for (size_t i = 0; i < 3; i++) {
        collect c = {0};
        dq_find_result res;
        dq_error e;
        cr_assert_eq(query(&p, p.aet, DQ_UID_ModalityWorklistInformationModelFind, tss[i], keys,
                           DQ_TAG(0x0008, 0x0050), 16382, &c, &res, &e),
                     0, "%s: %s", tss[i], e.message);
        cr_assert_str_eq(res.final.category, "Success");
        char *got = joined(c.vals, c.n);
        cr_assert_str_eq(got, want, "%s", tss[i]);
        free(got);
    }
    free(want);
    peer_stop(&p);
}
