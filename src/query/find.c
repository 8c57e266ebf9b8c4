/* The C-FIND SCU engine: one request, responses streamed to a callback
 * with one reused data set, C-CANCEL on request, final status classified. */
#include "dq/find.h"

#include <string.h>

#include "assoc_impl.h"
#include "dq/status.h"

/* One lookup in the generated table (PS3.4 C-FIND tables first, then
 * PS3.7); *pending from the same entry. */
static void classify(uint16_t code, dq_find_status *out, bool *pending)
{
    const dq_status_info *i = dq_status_lookup(code);
    dq_status_category c = i ? i->category : DQ_STATUS_UNKNOWN;
    out->code = code;
    out->category = dq_status_category_name(c);
    out->meaning = i && i->meaning ? i->meaning : "";
    if (pending)
        *pending = c == DQ_STATUS_PENDING;
}

void dq_find_status_classify(uint16_t code, dq_find_status *out)
{
    classify(code, out, NULL);
}

int dq_find_cancel(dq_assoc *a, uint8_t pctx_id, uint16_t message_id, dq_error *err)
{
    dq_dimse_command c = {0};
    c.command_field = DQ_DIMSE_CMD_C_CANCEL_FIND_RQ;
    c.message_id_responded = message_id;
    c.has_message_id_responded = true;
    c.data_set_type = DQ_DIMSE_NO_DATA_SET;
    return dq_dimse_send(a, pctx_id, &c, NULL, 0, err);
}

static int find(dq_assoc *a, const dq_find_request *rq, const dq_buffer *encoded,
                dq_find_fn fn, void *user, dq_find_result *result, dq_error *err);

int dq_find(dq_assoc *a, const dq_find_request *rq, dq_find_fn fn, void *user,
            dq_find_result *result, dq_error *err)
{
    return find(a, rq, NULL, fn, user, result, err);
}

int dq_find_encoded(dq_assoc *a, const dq_find_request *rq, const dq_buffer *identifier,
                    dq_find_fn fn, void *user, dq_find_result *result, dq_error *err)
{
    if (!identifier)
        return dq_error_set(err, DQ_ERR_ARGUMENT, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
                            "no encoded identifier"), -1;
    return find(a, rq, identifier, fn, user, result, err);
}

static int find(dq_assoc *a, const dq_find_request *rq, const dq_buffer *encoded,
                dq_find_fn fn, void *user, dq_find_result *result, dq_error *err)
{
    dq_error scratch;
    if (!err)
        err = &scratch;
    dq_find_result res_scratch;
    if (!result)
        result = &res_scratch;
    memset(result, 0, sizeof *result);
    if (!rq || !rq->sop_class_uid || (!rq->identifier && !encoded))
        return dq_error_set(err, DQ_ERR_ARGUMENT, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
                            "a C-FIND needs a SOP class and an identifier"), -1;
    uint8_t pctx;
    dq_transfer_syntax ts;
    if (dq_assoc_context_for(a, rq->sop_class_uid, &pctx, &ts, err) < 0)
        return -1;

    /* The identifier in the accepted transfer syntax (deflated if so). */
    dq_buffer ident = {0};
    if (encoded) {
        ident.data = encoded->data;
        ident.len = encoded->len;
    } else if (dq_dataset_encode(rq->identifier, ts, &ident, err) < 0) {
        dq_buffer_free(&ident);
        dq_error_prefix(err, "encoding the identifier");
        return -1;
    }
    /* Only what was encoded here is freed, never the caller's buffer. */
    dq_buffer owned = encoded ? (dq_buffer){0} : ident;
    uint16_t id = rq->message_id ? rq->message_id : dq_assoc_next_message_id(a);
    result->message_id = id;
    dq_dimse_command c = {0};
    c.command_field = DQ_DIMSE_CMD_C_FIND_RQ;
    c.message_id = id;
    c.has_message_id = true;
    c.priority = rq->priority;
    c.has_priority = true;
    c.data_set_type = 0x0000;
    if (strlen(rq->sop_class_uid) > 64) {
        dq_buffer_free(&owned);
        return dq_error_set(err, DQ_ERR_ARGUMENT, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
                            "SOP class UID longer than 64 bytes"), -1;
    }
    strcpy(c.affected_sop_class_uid, rq->sop_class_uid);
    int rc = dq_dimse_send(a, pctx, &c, ident.data ? ident.data : (const uint8_t *)"", ident.len,
                           err);
    dq_buffer_free(&owned);
    if (rc < 0)
        return -1;

    /* One data set, cleared and refilled for each response: its arena's
     * first block is reused, so memory stays flat. */
    dq_dataset *ds = dq_dataset_new();
    /* The status of the previous response: a query's pending responses
     * nearly all carry the same code, so the table is searched once. */
    dq_find_status last = {0};
    bool last_pending = false, have_last = false;
    if (!ds) {
        dq_error_set(err, DQ_ERR_NOMEM, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG, "out of memory");
        dq_assoc_fail(a, err);
        return -1;
    }
    for (;;) {
        dq_dimse_message m;
        if (dq_dimse_recv(a, &m, err) < 0) {
            dq_dataset_free(ds);
            return -1;
        }
        if (m.command.command_field != DQ_DIMSE_CMD_C_FIND_RSP ||
            !m.command.has_message_id_responded || m.command.message_id_responded != id ||
            !m.command.has_status) {
            dq_error_set(err, DQ_ERR_PROTOCOL, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
                         "expected a C-FIND-RSP to message %u with a status, got %s (0x%04X) "
                         "for message %u",
                         id, dq_dimse_command_name(m.command.command_field)
                                 ? dq_dimse_command_name(m.command.command_field) : "unknown",
                         m.command.command_field, m.command.message_id_responded);
            dq_assoc_fail(a, err);
            dq_dataset_free(ds);
            return -1;
        }
        dq_find_response r = {0};
        r.index = ++result->n_responses;
        r.message_id = id;
        r.message = &m;
        if (!have_last || last.code != m.command.status) {
            classify(m.command.status, &last, &last_pending);
            have_last = true;
        }
        r.status = last;
        r.pending = last_pending;
        dq_error derr;
        if (m.data) {
            if (dq_dataset_decode_into(ds, m.data, m.data_len, m.ts, NULL, &derr) == 0)
                r.identifier = ds;
            else
                r.identifier_error = &derr;
        }
        if (r.pending)
            result->n_pending++;
        int want = fn ? fn(user, &r) : DQ_FIND_CONTINUE;
        dq_dataset_clear(ds);
        if (!r.pending) {
            result->final = r.status;
            break;
        }
        if (want == DQ_FIND_CANCEL && !result->cancel_sent) {
            if (dq_find_cancel(a, pctx, id, err) < 0) {
                dq_dataset_free(ds);
                return -1;
            }
            result->cancel_sent = true;
        }
    }
    dq_dataset_free(ds);
    return 0;
}
