/* Harness: any PDU stream. Frames PDUs one after another as a receiver would
 * (dq_pdu_frame_check), then decodes each with the decoder for its type
 * (A-ASSOCIATE-RQ/AC with every user information sub-item, -RJ, P-DATA PDVs,
 * release, abort) and looks up the texts a log line would print. */
#include <stdint.h>
#include <stdlib.h>

#include "dq/pdu.h"
#include "dq/ul.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static dq_pdu_associate *assoc; /* ~25 KB: once, not per input */

static void use_str(dq_pdu_str s)
{
    /* Read every byte so ASan sees a view that points out of the input. */
    volatile char sink = 0;
    for (size_t i = 0; i < s.len; i++)
        sink ^= s.ptr[i];
    (void)sink;
}

static void decode_one(const uint8_t *p, size_t n)
{
    dq_error err;
    (void)dq_ul_event_for_pdu(p, n);
    (void)dq_pdu_validate(p, n, &err);
    (void)dq_pdu_type_name(p[0]);
    switch (p[0]) {
    case DQ_PDU_ASSOCIATE_RQ:
    case DQ_PDU_ASSOCIATE_AC:
        if (dq_pdu_decode_associate(p, n, assoc, &err) != 0)
            break;
        use_str(assoc->application_context);
        for (size_t i = 0; i < assoc->n_pctx; i++) {
            const dq_pdu_pctx *pc = &assoc->pctx[i];
            use_str(pc->abstract_syntax);
            for (size_t k = 0; k <= pc->n_transfer_syntaxes; k++)
                use_str(dq_pdu_pctx_transfer_syntax(pc, k));
            (void)dq_pdu_pctx_result_text(pc->result);
        }
        const dq_pdu_user_info *ui = &assoc->user_info;
        use_str(ui->implementation_class_uid);
        use_str(ui->implementation_version_name);
        for (size_t i = 0; i < ui->n_roles; i++)
            use_str(ui->roles[i].sop_class_uid);
        for (size_t i = 0; i < ui->n_ext_neg; i++)
            use_str((dq_pdu_str){(const char *)ui->ext_neg[i].info, ui->ext_neg[i].info_len});
        for (size_t i = 0; i < ui->n_common_ext_neg; i++) {
            const dq_pdu_common_ext_neg *c = &ui->common_ext_neg[i];
            use_str(c->service_class_uid);
            for (size_t k = 0; k <= c->n_related; k++)
                use_str(dq_pdu_common_ext_neg_related(c, k));
        }
        if (ui->has_user_identity) {
            use_str((dq_pdu_str){(const char *)ui->user_identity.primary,
                                 ui->user_identity.primary_len});
            use_str((dq_pdu_str){(const char *)ui->user_identity.secondary,
                                 ui->user_identity.secondary_len});
        }
        break;
    case DQ_PDU_ASSOCIATE_RJ: {
        dq_pdu_reject rj;
        if (dq_pdu_decode_reject(p, n, &rj, &err) == 0) {
            (void)dq_pdu_reject_result_text(rj.result);
            (void)dq_pdu_reject_source_text(rj.source);
            (void)dq_pdu_reject_reason_text(rj.source, rj.reason);
        }
        break;
    }
    case DQ_PDU_P_DATA_TF: {
        dq_pdv_iter it;
        if (dq_pdv_iter_init(&it, p, n, &err) != 0)
            break;
        dq_pdv pdv;
        bool end = false;
        /* Each PDV is at least 6 bytes, so this ends; the cap guards a bug. */
        for (size_t k = 0; k <= n && dq_pdv_next(&it, &pdv, &end, &err) == 0 && !end; k++)
            use_str((dq_pdu_str){(const char *)pdv.data, pdv.len});
        break;
    }
    case DQ_PDU_RELEASE_RQ:
    case DQ_PDU_RELEASE_RP: {
        dq_pdu_type t;
        (void)dq_pdu_decode_release(p, n, &t, &err);
        break;
    }
    case DQ_PDU_ABORT: {
        dq_pdu_abort ab;
        if (dq_pdu_decode_abort(p, n, &ab, &err) == 0) {
            (void)dq_pdu_abort_source_text(ab.source);
            (void)dq_pdu_abort_reason_text(ab.source, ab.reason);
        }
        break;
    }
    default: break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!assoc && !(assoc = malloc(sizeof *assoc)))
        return 0;
    /* Byte 0 picks the P-DATA cap a receiver offered: none, or 16 KiB. */
    if (size < 1)
        return 0;
    uint32_t max_length = (data[0] & 1) ? 16384 : 0;
    data++;
    size--;
    size_t pos = 0;
    while (pos < size) {
        dq_pdu_frame fr;
        dq_error err;
        if (dq_pdu_frame_check(data + pos, size - pos, max_length, &fr, &err) < 0 || !fr.complete)
            break;
        if (fr.size == 0 || fr.size > size - pos)
            abort(); /* framing promised bytes that are not there */
        decode_one(data + pos, fr.size);
        pos += fr.size;
    }
    return 0;
}
