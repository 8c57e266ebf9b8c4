/* dq: the C-FIND SCU engine (PS3.4 C.4.1, PS3.7 9.1.2).
 *
 * dq_find() sends one C-FIND-RQ with the identifier encoded in the transfer
 * syntax accepted for its presentation context (deflate included) and hands
 * every C-FIND-RSP to a callback as it arrives: the response's identifier is
 * decoded into one data set that is cleared and reused for the next response,
 * so memory stays flat however many matches arrive. The final (non-pending)
 * status is classified through the status table generated from the standard.
 *
 * Cancelling (PS3.7 9.3.2.3): the engine sends at most one
 * C-CANCEL-FIND-RQ, through the normal DIMSE path (DQ_ASSOC_EV_DIMSE_SENT
 * and the association's counters see it), and keeps receiving until the
 * final response (typically 0xFE00, Cancel). Two things can ask for it:
 *   - the callback, by setting *cancel after a pending response;
 *   - the transport's interrupt check (dq/transport.h), by ending a read
 *     with DQ_ERR_CANCELLED and detail[0] DQ_CANCEL_REQUEST ("cancel
 *     wanted", e.g. Ctrl-C): dq_find sets the association's cancel handler
 *     (dq_assoc_set_cancel_handler) while it waits, so the C-CANCEL goes out
 *     at once even while blocked, and the read resumes where it was.
 * DQ_CANCEL_ABORT ("abort wanted") aborts the association instead: dq_find
 * fails with DQ_ERR_CANCELLED. How long to wait for the final response
 * after a cancel is the caller's choice (a check() may end the wait with
 * DQ_ERR_TIMEOUT, detail[0] DQ_TIMEOUT_CANCEL); else the DIMSE timeout
 * bounds each response as usual. */
#ifndef DQ_FIND_H
#define DQ_FIND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dq/assoc.h"
#include "dq/dataset.h"
#include "dq/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The query models (findscu -P -S -O -W -U) are named by their PS3.6 keywords
 * from dq/dict.h: DQ_UID_PatientRootQueryRetrieveInformationModelFind,
 * DQ_UID_StudyRootQueryRetrieveInformationModelFind,
 * DQ_UID_PatientStudyOnlyQueryRetrieveInformationModelFind,
 * DQ_UID_ModalityWorklistInformationModelFind, DQ_UID_UnifiedProcedureStepPull. */

typedef struct dq_find_request {
    const char *sop_class_uid;    /* the query model; must have an accepted context */
    const dq_dataset *identifier; /* the query keys */
    uint16_t priority;            /* 0 medium (pynetdicom's default), 1 high, 2 low */
    uint16_t message_id;          /* 0: dq_assoc_next_message_id() */
} dq_find_request;

/* The classification of a status code (from the generated status table). */
typedef struct dq_find_status {
    uint16_t code;
    const char *category; /* "Success", "Pending", "Cancel", "Warning", "Failure" or "Unknown" */
    const char *meaning;  /* the standard's text, "" when the code is not listed */
} dq_find_status;

/* Looks a C-FIND status code up (PS3.4 C.4.1.1.4 and PS3.7 Annex C). */
void dq_find_status_classify(uint16_t code, dq_find_status *out);

typedef struct dq_find_response {
    size_t index;        /* 1, 2, ... */
    uint16_t message_id; /* the request's (Message ID Being Responded To) */
    dq_find_status status;
    bool pending;                     /* 0xFF00 / 0xFF01 */
    const dq_dataset *identifier;     /* decoded; NULL when none (or it did not decode) */
    const dq_error *identifier_error; /* set when an identifier was present but did not decode */
    const dq_dimse_message *message;  /* raw command/data bytes */
} dq_find_response;

/* Called for every response, pending and final; everything it is given
 * lives only during the call. *cancel is false on entry: setting it after a
 * pending response sends a C-CANCEL-FIND-RQ (once) and keeps receiving
 * until the final response. It cannot fail (what it does with a response
 * is its own business). */
typedef void (*dq_find_fn)(void *user, const dq_find_response *rsp, bool *cancel);

typedef struct dq_find_result {
    uint16_t message_id;  /* the one used */
    dq_find_status final; /* the last response's status */
    size_t n_responses;   /* all responses, the final one included */
    size_t n_pending;
    bool cancel_sent; /* a C-CANCEL-FIND-RQ went out (whoever asked for it) */
} dq_find_result;

/* Runs one C-FIND on an established association. Returns 0 when a final
 * response arrived (whatever its status: see result->final), -1 with *err
 * when it did not (no accepted context: DQ_ERR_NOT_FOUND; encoding the
 * identifier failed; DIMSE timeout, abort, protocol error: the association
 * is then over). fn may be NULL; result may be NULL. */
int dq_find(dq_assoc *a, const dq_find_request *rq, dq_find_fn fn, void *user,
            dq_find_result *result, dq_error *err);
/* The same with the identifier already encoded in the context's accepted
 * transfer syntax (dq_dataset_encode), sent as is (rq->identifier is not
 * used): a caller can then report an identifier that cannot be encoded
 * before anything is logged or sent. */
int dq_find_encoded(dq_assoc *a, const dq_find_request *rq, const dq_buffer *identifier,
                    dq_find_fn fn, void *user, dq_find_result *result, dq_error *err);

/* Sends a C-CANCEL-FIND-RQ for message_id on context pctx_id (for callers
 * driving DIMSE themselves; under dq_find the callback sets
 * *cancel, or the transport's check reports DQ_CANCEL_REQUEST). */
int dq_find_cancel(dq_assoc *a, uint8_t pctx_id, uint16_t message_id, dq_error *err);

#ifdef __cplusplus
}
#endif
#endif
