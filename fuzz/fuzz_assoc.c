/* Harness: a whole conversation. We request an association (three query
 * contexts), run one C-FIND and release, while the fuzzer plays the peer:
 * the rest of the input is every byte the peer sends (A-ASSOCIATE-AC/-RJ,
 * P-DATA-TF with C-FIND-RSPs, A-RELEASE-RQ/-RP, A-ABORT, garbage), handed
 * out in reads of a size byte 0 picks, through the real UL state machine,
 * PDU framing, P-DATA reassembly, DIMSE decoding and identifier decoding.
 * Byte 0: bits 0-2 read size (see dq_fuzz_chunk_for), bit 3 our max PDU
 * (16382 or unlimited), bit 4 cancel after the first pending response,
 * bit 5 end with A-ABORT instead of A-RELEASE, bits 6-7 the query model
 * (3: Patient Root, sending a user identity whose response is required, so
 * the A-ASSOCIATE-AC's User Identity sub-item decides whether we go on). */
#include <stdint.h>

#include "assoc_setup.h"
#include "dq/assoc.h"
#include "dq/find.h"
#include "fuzz_common.h"
#include "script_transport.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void on_event(void *user, const dq_assoc_event *ev)
{
    (void)user;
    /* What findscu's debug log reads: every byte of every PDU. */
    volatile uint8_t sink = 0;
    for (size_t i = 0; ev->pdu && i < ev->pdu_len; i++)
        sink ^= ev->pdu[i];
    if (ev->dimse) {
        for (size_t i = 0; i < ev->dimse->command_len; i++)
            sink ^= ev->dimse->command_bytes[i];
        for (size_t i = 0; ev->dimse->data && i < ev->dimse->data_len; i++)
            sink ^= ev->dimse->data[i];
    }
    (void)sink;
}

static void on_response(void *user, const dq_find_response *rsp, bool *cancel)
{
    dq_fuzz_exercise(rsp->identifier);
    *cancel = *(const bool *)user && rsp->pending;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const models[4] = {DQ_UID_PatientRootQueryRetrieveInformationModelFind,
                                          DQ_UID_StudyRootQueryRetrieveInformationModelFind,
                                          DQ_UID_ModalityWorklistInformationModelFind,
                                          DQ_UID_PatientRootQueryRetrieveInformationModelFind};
    if (size < 1)
        return 0;
    uint8_t cfg = data[0];
    dq_transport *t = dq_fuzz_script_transport(data + 1, size - 1, dq_fuzz_chunk_for(cfg));
    if (!t)
        return 0;
    dq_assoc_params p;
    dq_fuzz_assoc_params(&p, (cfg & 8) ? 0 : 16382);
    p.on_event = on_event;
    static const dq_assoc_user_identity user = {
        DQ_USER_IDENTITY_USERNAME_PASSCODE, (const uint8_t *)"user", 4, (const uint8_t *)"pass", 4,
        DQ_USER_RESPONSE_REQUIRED};
    if (cfg >> 6 == 3)
        p.user_identity = &user;
    dq_assoc *a = NULL;
    dq_error err;
    if (dq_assoc_request_on(&a, t, &p, &err) != 0)
        return 0; /* the transport is closed and freed either way */
    const uint8_t *rsp;
    size_t rsp_len;
    if (dq_assoc_user_identity_response(a, &rsp, &rsp_len)) {
        volatile uint8_t sink = 0; /* every byte of the server response */
        for (size_t i = 0; i < rsp_len; i++)
            sink ^= rsp[i];
        (void)sink;
    }

    dq_dataset *q = dq_dataset_new();
    if (q) {
        (void)dq_dataset_set_key(q, "QueryRetrieveLevel=STUDY", &err);
        (void)dq_dataset_set_key(q, "PatientName=DOE^*", &err);
        (void)dq_dataset_set_key(q, "StudyInstanceUID=", &err);
        bool cancel = (cfg & 16) != 0;
        dq_find_request rq = {models[cfg >> 6], q, 0, 0};
        dq_find_result res;
        (void)dq_find(a, &rq, on_response, &cancel, &res, &err);
        dq_dataset_free(q);
    }
    if (dq_assoc_is_established(a)) {
        if (cfg & 32)
            dq_assoc_abort(a);
        else
            (void)dq_assoc_release(a, &err);
    }
    dq_assoc_free(a);
    return 0;
}
