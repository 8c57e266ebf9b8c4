/* The association the harnesses propose (see assoc_setup.h). */
#include "assoc_setup.h"

#include "dq/find.h"

#include <stdlib.h>
#include <string.h>

static const char *const all_ts[] = {DQ_UID_ExplicitVRLittleEndian, DQ_UID_ImplicitVRLittleEndian,
                                     DQ_UID_DeflatedExplicitVRLittleEndian,
                                     DQ_UID_ExplicitVRBigEndian};
static const char *const ele_only[] = {DQ_UID_ExplicitVRLittleEndian};

const dq_assoc_context dq_fuzz_contexts[DQ_FUZZ_NCONTEXTS] = {
    {DQ_UID_PatientRootQueryRetrieveInformationModelFind, all_ts, 4},
    {DQ_UID_StudyRootQueryRetrieveInformationModelFind, all_ts, 4},
    {DQ_UID_ModalityWorklistInformationModelFind, ele_only, 1},
};

void dq_fuzz_assoc_params(dq_assoc_params *p, uint32_t max_pdu)
{
    dq_assoc_params_default(p);
    p->max_pdu = max_pdu;
    p->contexts = dq_fuzz_contexts;
    p->n_contexts = DQ_FUZZ_NCONTEXTS;
}

int dq_fuzz_make_ac(dq_buffer *out, uint8_t pctx_id, dq_transfer_syntax ts, uint32_t max_pdu)
{
    return dq_fuzz_make_ac_identity(out, pctx_id, ts, max_pdu, NULL, 0);
}

int dq_fuzz_make_ac_identity(dq_buffer *out, uint8_t pctx_id, dq_transfer_syntax ts,
                             uint32_t max_pdu, const uint8_t *rsp, uint16_t rsp_len)
{
    dq_pdu_associate *ac = calloc(1, sizeof *ac);
    if (!ac)
        return -1;
    ac->type = DQ_PDU_ASSOCIATE_AC;
    ac->protocol_version = DQ_PDU_PROTOCOL_VERSION;
    strcpy(ac->called_ae, "ANY-SCP");
    strcpy(ac->calling_ae, "FINDSCU");
    ac->application_context = dq_pdu_cstr(DQ_UID_DICOMApplicationContextName);
    ac->n_pctx = DQ_FUZZ_NCONTEXTS;
    for (size_t i = 0; i < DQ_FUZZ_NCONTEXTS; i++) {
        dq_pdu_pctx *pc = &ac->pctx[i];
        pc->id = (uint8_t)(2 * i + 1);
        pc->result = pc->id == pctx_id ? 0 : 3;
        pc->transfer_syntax =
            dq_pdu_cstr(pc->id == pctx_id ? dq_ts_uid(ts) : DQ_UID_ImplicitVRLittleEndian);
    }
    ac->user_info.has_max_length = true;
    ac->user_info.max_length = max_pdu;
    ac->user_info.implementation_class_uid = dq_pdu_cstr("1.2.826.0.1.3680043.9.3811.2.0.0");
    ac->user_info.implementation_version_name = dq_pdu_cstr("PEER_1");
    ac->user_info.has_user_identity = rsp != NULL;
    ac->user_info.user_identity.primary = rsp;
    ac->user_info.user_identity.primary_len = rsp_len;
    int rc = dq_pdu_encode_associate(out, ac, NULL);
    free(ac);
    return rc;
}
