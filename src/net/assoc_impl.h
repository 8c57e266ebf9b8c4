/* Private: the association object shared by assoc.c (ACSE) and dimse.c
 * (P-DATA and DIMSE); the query engine (find.c) uses only dq/assoc.h. */
#ifndef DQ_ASSOC_IMPL_H
#define DQ_ASSOC_IMPL_H

#include "dq/assoc.h"
#include "dq/dimse_rx.h"
#include "dq/ul.h"

struct dq_assoc {
    dq_transport *t;
    dq_ul ul;
    dq_assoc_event_fn on_event;
    void *user;
    double acse_timeout, dimse_timeout, network_timeout;
    double artim_timeout;       /* Sta13 wait for the peer's close after A-ABORT */
    size_t max_data_set_length; /* reassembled data set cap (never 0) */
    size_t pdata_cap;           /* largest P-DATA-TF PDU-length taken (dq_assoc_pdata_cap) */
    bool oversized_seen;        /* DQ_ASSOC_EV_PDU_OVERSIZED was sent */
    bool failed_reported;       /* DQ_ASSOC_EV_FAILED was sent */
    uint32_t our_max_pdu, peer_max_pdu;
    dq_user_response user_response; /* what the RQ asked of the acceptor */

    dq_buffer rq;              /* our A-ASSOCIATE-RQ as sent */
    dq_pdu_associate *rq_view; /* decoded from rq */
    uint8_t *ac;               /* the A-ASSOCIATE-AC as received (a copy) */
    size_t ac_len;
    dq_pdu_associate *ac_view;       /* decoded from ac */
    dq_transfer_syntax pctx_ts[256]; /* accepted syntax per context ID, DQ_TS_UNKNOWN if not */

    /* receiving: the current P-DATA-TF PDU stays in the transport buffer
     * until the reassembler has walked every PDV in it */
    size_t held;    /* bytes of the current PDU to consume */
    bool in_pdu;    /* rx is walking it (PDVs not yet used) */
    dq_dimse_rx rx; /* DIMSE reassembly (reads pctx_ts) */

    dq_buffer tx;     /* P-DATA-TF being sent */
    dq_buffer tx_cmd; /* command set being sent */
    uint16_t next_message_id;
    dq_assoc_cancel_fn on_cancel; /* "cancel wanted" while reading (dq_assoc_set_cancel_handler) */
    void *cancel_user;
    dq_assoc_stats stats;
};

/* Runs one UL event and carries out what the machine asks (send, close),
 * reporting PDU_SENT. *out gets the machine's output. -1 with *err when a
 * write fails (the transport is then closed and the machine back in Sta1). */
int dq_assoc_ul_event(dq_assoc *a, dq_ul_event ev, const uint8_t *pdu, size_t len,
                      dq_ul_output *out, dq_error *err);
/* P-DATA request primitives (Evt9), one per P-DATA-TF PDU in pdus[0..len)
 * (whole PDUs back to back, as dimse.c builds a message's): the machine runs
 * each as dq_assoc_ul_event would, and the PDUs it sends (DT-1, AR-7: every
 * one, unchanged) leave in one transport write, so a DIMSE message costs one
 * system call (one SSL_write over TLS), not one per PDU. PDU_SENT is
 * reported for each after the write. Errors as dq_assoc_ul_event. */
int dq_assoc_pdata_send(dq_assoc *a, const uint8_t *pdus, size_t len, dq_error *err);
/* Reads one whole PDU with a deadline (<= 0: none) into the transport buffer
 * (*pdu valid until a->held is consumed). `what` is the wait the deadline
 * bounds (DQ_TIMEOUT_ACSE or DQ_TIMEOUT_DIMSE): a timeout error says whether
 * it or the network timeout expired first (detail[0]). 0 with *invalid
 * false: a whole PDU; 0 with *invalid true: bytes that do not frame as a PDU
 * (Evt19; *pdu and *len are its header, *err says what is wrong); -1: no PDU
 * (timeout, closed, ...), *err says why. */
int dq_assoc_read_pdu(dq_assoc *a, double deadline, dq_timeout_kind what, const uint8_t **pdu,
                      size_t *len, bool *invalid, dq_error *err);
/* Handles a received PDU that is not what the caller wanted (abort, release
 * request, garbage): runs the UL, ends the association and fills *err. */
int dq_assoc_unexpected(dq_assoc *a, dq_ul_event ev, const uint8_t *pdu, size_t len,
                        const dq_error *why, dq_error *err);
/* Ends the association after a local failure (timeout, decode error): sends
 * A-ABORT if the connection is up, reports `why` (DQ_ASSOC_EV_FAILED; NULL:
 * no error to report, e.g. the caller's own abort), waits for the peer's
 * close (ARTIM), closes. */
void dq_assoc_fail(dq_assoc *a, const dq_error *why);
void dq_assoc_emit(dq_assoc *a, dq_assoc_event_type type, const uint8_t *pdu, size_t len);
double dq_assoc_now(void);

#endif
