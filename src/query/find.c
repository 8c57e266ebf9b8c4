/* The C-FIND SCU engine: one request, responses streamed to a callback
 * with one reused data set, C-CANCEL on request, final status classified. */
#include "dq/find.h"

#include <string.h>

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

static int find(dq_assoc *a, const dq_find_request *rq, const dq_buffer *encoded, dq_find_fn fn,
                void *user, dq_find_result *result, dq_error *err);

int dq_find(dq_assoc *a, const dq_find_request *rq, dq_find_fn fn, void *user,
            dq_find_result *result, dq_error *err)
{
    return find(a, rq, NULL, fn, user, result, err);
}

int dq_find_encoded(dq_assoc *a, const dq_find_request *rq, const dq_buffer *identifier,
                    dq_find_fn fn, void *user, dq_find_result *result, dq_error *err)
{
    if (!identifier)
        return dq_fail(err, DQ_ERR_ARGUMENT, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
                       "no encoded identifier");
    return find(a, rq, identifier, fn, user, result, err);
}

/* The C-FIND in flight, for the cancel handler and the response loop. */
typedef struct find_call {
    dq_assoc *a;
    uint8_t pctx;
    uint16_t id;
    dq_find_result *result;
} find_call;

/* Sends the C-CANCEL-FIND-RQ once, whoever asks (the callback, or the
 * transport's interrupt through the association's cancel handler). */
static int cancel_once(find_call *f, dq_error *err)
{
    if (f->result->cancel_sent)
        return 0;
    if (dq_find_cancel(f->a, f->pctx, f->id, err) < 0)
        return -1;
    f->result->cancel_sent = true;
    return 0;
}

/* dq_assoc_cancel_fn: "cancel wanted" while dq_find waits for a response. */
static int on_cancel_wanted(void *user, dq_assoc *a, dq_error *err)
{
    (void)a;
    return cancel_once(user, err);
}

/* The C-FIND-RQ with the identifier in the accepted transfer syntax
 * (deflated if so), or the caller's pre-encoded one sent as is. */
static int send_request(find_call *f, const dq_find_request *rq, const dq_buffer *encoded,
                        dq_transfer_syntax ts, dq_error *err)
{
    if (strlen(rq->sop_class_uid) > 64)
        return dq_fail(err, DQ_ERR_ARGUMENT, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
                       "SOP class UID longer than 64 bytes");
    dq_buffer ident = {0};
    if (encoded) {
        ident.data = encoded->data;
        ident.len = encoded->len;
    } else if (dq_dataset_encode(rq->identifier, ts, &ident, err) < 0) {
        dq_buffer_free(&ident);
        dq_error_prefix(err, "encoding the identifier");
        return -1;
    }
    dq_dimse_command c = {0};
    c.command_field = DQ_DIMSE_CMD_C_FIND_RQ;
    c.message_id = f->id;
    c.has_message_id = true;
    c.priority = rq->priority;
    c.has_priority = true;
    c.data_set_type = DQ_DIMSE_DATA_SET_PRESENT;
    strcpy(c.affected_sop_class_uid, rq->sop_class_uid);
    int rc = dq_dimse_send(f->a, f->pctx, &c, ident.data ? ident.data : (const uint8_t *)"",
                           ident.len, err);
    if (!encoded) /* only what was encoded here is freed, never the caller's buffer */
        dq_buffer_free(&ident);
    return rc;
}

/* Anything but a C-FIND-RSP to our request, with a status, ends it. */
static int check_response(find_call *f, const dq_dimse_message *m, dq_error *err)
{
    const dq_dimse_command *c = &m->command;
    if (c->command_field == DQ_DIMSE_CMD_C_FIND_RSP && c->has_message_id_responded &&
        c->message_id_responded == f->id && c->has_status)
        return 0;
    const char *name = dq_dimse_command_name(c->command_field);
    dq_error_set(err, DQ_ERR_PROTOCOL, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
                 "expected a C-FIND-RSP to message %u with a status, got %s (0x%04X) "
                 "for message %u",
                 f->id, name ? name : "unknown", c->command_field, c->message_id_responded);
    dq_assoc_abort_error(f->a, err);
    return -1;
}

/* Receives responses until the final one, each handed to fn with its
 * identifier decoded into ds. */
static int receive(find_call *f, dq_dataset *ds, dq_find_fn fn, void *user, dq_error *err)
{
    dq_find_result *result = f->result;
    /* The status of the previous response: a query's pending responses
     * nearly all carry the same code, so the table is searched once. */
    dq_find_status last = {0};
    bool last_pending = false, have_last = false;
    for (;;) {
        dq_dimse_message m;
        if (dq_dimse_recv(f->a, &m, err) < 0 || check_response(f, &m, err) < 0)
            return -1;
        dq_find_response r = {0};
        r.index = ++result->n_responses;
        r.message_id = f->id;
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
        bool cancel = false;
        if (fn)
            fn(user, &r, &cancel);
        dq_dataset_clear(ds);
        if (!r.pending) {
            result->final = r.status;
            return 0;
        }
        if (cancel && cancel_once(f, err) < 0)
            return -1;
    }
}

static int find(dq_assoc *a, const dq_find_request *rq, const dq_buffer *encoded, dq_find_fn fn,
                void *user, dq_find_result *result, dq_error *err)
{
    dq_error scratch;
    if (!err)
        err = &scratch;
    dq_find_result res_scratch;
    if (!result)
        result = &res_scratch;
    memset(result, 0, sizeof *result);
    if (!rq || !rq->sop_class_uid || (!rq->identifier && !encoded))
        return dq_fail(err, DQ_ERR_ARGUMENT, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
                       "a C-FIND needs a SOP class and an identifier");
    find_call f = {.a = a, .result = result};
    dq_transfer_syntax ts;
    if (dq_assoc_context_for(a, rq->sop_class_uid, &f.pctx, &ts, err) < 0)
        return -1;
    f.id = rq->message_id ? rq->message_id : dq_assoc_next_message_id(a);
    result->message_id = f.id;
    if (send_request(&f, rq, encoded, ts, err) < 0)
        return -1;
    /* One data set, cleared and refilled for each response: its arena's
     * first block is reused, so memory stays flat. */
    dq_dataset *ds = dq_dataset_new();
    if (!ds) {
        dq_error_set(err, DQ_ERR_NOMEM, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG, "out of memory");
        dq_assoc_abort_error(a, err);
        return -1;
    }
    dq_assoc_set_cancel_handler(a, on_cancel_wanted, &f);
    int rc = receive(&f, ds, fn, user, err);
    dq_assoc_set_cancel_handler(a, NULL, NULL);
    dq_dataset_free(ds);
    return rc;
}
