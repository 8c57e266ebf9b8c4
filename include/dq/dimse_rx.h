/* dq: DIMSE message reassembly without I/O.
 *
 * A DIMSE message travels as a command set then, when the command says so,
 * a data set, each cut into presentation data value (PDV) fragments carried
 * by any number of P-DATA-TF PDUs; every fragment of one message is on the
 * same presentation context, the last one of each part has the "last" bit
 * set, and the command comes first (PS3.7 6.3.1, PS3.8 9.3.5 and Annex E).
 * The reassembler takes PDUs (or single PDVs) in and hands whole messages
 * out; it never reads, waits or writes, so the same code serves
 * dq_dimse_recv() (which reads the PDUs and runs the Upper Layer state
 * machine), the unit tests and the fuzzer (which feed it bytes directly).
 *
 *   dq_dimse_rx rx;
 *   dq_dimse_rx_init(&rx, pctx_ts, 0);
 *   for each P-DATA-TF PDU:                     (framed by dq_pdu_frame_check)
 *       if (dq_dimse_rx_feed(&rx, pdu, len, &err) < 0) ... malformed PDU
 *       for (;;) {
 *           if (dq_dimse_rx_next(&rx, &msg, &complete, &err) < 0)
 *               ... protocol violation: A-ABORT
 *           if (!complete)
 *               break;                          (PDU used up: read the next)
 *           use msg
 *       }
 *   dq_dimse_rx_free(&rx);
 *
 * The message is assembled in a dq_dimse_message the caller owns (no copy
 * of it on the way out): pass the same one to every call from a message's
 * first fragment until it is complete or refused (another one is DQ_ERR_ARGUMENT).
 * Zero copy where possible: a data set that arrives in one PDV is handed
 * out where it lies in the PDU; only a part that spans several PDVs is
 * copied (once) into a reassembly buffer, whose memory is kept for the next
 * message. The command set is always copied (it is small, and the data set
 * usually follows in the next PDU). So a message's byte views (command_bytes,
 * data) stay valid until the next dq_dimse_rx_feed/next/pdv call or until
 * the PDU bytes they may point into are released, whichever comes first.
 *
 * Safety caps (hostile peers): a command set above
 * DQ_DIMSE_MAX_COMMAND_LENGTH, or a data set reassembled from several PDVs
 * above max_data_set_length, is DQ_ERR_LIMIT before the fragment that would
 * cross the cap is buffered. (A data set in one PDV is not buffered; the
 * caller's PDU cap, dq_assoc_pdata_cap(), bounds it.) PDV item lengths are
 * checked against the PDU (DQ_ERR_MALFORMED).
 *
 * Errors (-1, the library's convention, dq/error.h): *err has the kind, the reason, and the offset:
 *   DQ_ERR_MALFORMED  a PDV item that does not fit the PDU, or a command set
 *                     that does not decode ("command set: ..."; the offset
 *                     is then within the reassembled command set)
 *   DQ_ERR_PROTOCOL   fragments out of order (a data fragment before the
 *                     command is complete, or after a command without a
 *                     data set; a command fragment after the last one), a
 *                     PDV on a context that was not accepted or on another
 *                     context than the rest of its message
 *   DQ_ERR_LIMIT      a cap above was hit
 *   DQ_ERR_NOMEM      a reassembly buffer could not grow
 *   DQ_ERR_ARGUMENT   another dq_dimse_message than the message's first one
 * From dq_dimse_rx_next the offset is where the offending PDV item starts
 * in the PDU (except for command set decoding, above); dq_dimse_rx_pdv,
 * which sees no PDU, leaves it DQ_ERROR_NO_OFFSET. After an error the
 * message being assembled and the rest of the PDU are dropped: the caller
 * normally ends the association (A-ABORT); feeding more starts afresh. */
#ifndef DQ_DIMSE_RX_H
#define DQ_DIMSE_RX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dq/assoc.h"
#include "dq/dataset.h"
#include "dq/error.h"
#include "dq/pdu.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The reassembler. Fields are private except the counters; set it up with
 * dq_dimse_rx_init, release it with dq_dimse_rx_free. */
typedef struct dq_dimse_rx {
    const dq_transfer_syntax *pctx_ts; /* 256 entries by context ID; DQ_TS_UNKNOWN: not accepted */
    size_t max_data_set_length;        /* cap on one data set (never 0) */
    dq_pdv_iter it;                    /* the P-DATA-TF PDU being walked */
    dq_buffer cmd, data;               /* reassembly of parts that span PDVs */
    dq_dimse_message *out;             /* the caller's message being assembled */
    bool started;                      /* msg has fragments (its context is known) */
    bool cmd_done;                     /* the last command fragment was seen */
    bool want_data;                    /* ... and the command announces a data set */
    /* counters (cumulative; dq_assoc_stats reports them) */
    uint64_t bytes_copied;       /* PDV values copied into the reassembly buffers */
    uint64_t data_sets_in_place; /* data sets handed out without a copy */
} dq_dimse_rx;

/* pctx_ts: the accepted transfer syntax per presentation context ID (256
 * entries, DQ_TS_UNKNOWN for a context that was not accepted); it is read,
 * not copied, so it must outlive the reassembler. max_data_set_length: 0
 * means DQ_DIMSE_MAX_DATA_SET_LENGTH. Allocates nothing. */
void dq_dimse_rx_init(dq_dimse_rx *rx, const dq_transfer_syntax *pctx_ts,
                      size_t max_data_set_length);
/* Frees the reassembly buffers; rx can be initialised again. */
void dq_dimse_rx_free(dq_dimse_rx *rx);

/* Takes one whole P-DATA-TF PDU (pdu[0..len), header included, as
 * dq_pdu_frame_check frames it) to walk with dq_dimse_rx_next. Only the
 * PDU header is checked here: 0, or -1 (DQ_ERR_MALFORMED, offset within the
 * PDU) when it is not a P-DATA-TF with at least one PDV. The bytes are not
 * copied and must stay valid until dq_dimse_rx_next has used them up (0
 * with *complete false) or failed, and while a message handed out may point into them. A message may
 * span PDUs: what is left of it waits for the next PDU. */
static inline int dq_dimse_rx_feed(dq_dimse_rx *rx, const uint8_t *pdu, size_t len, dq_error *err)
{
    /* Inline: once per PDU on the receive path. A refused PDU leaves
     * nothing to walk. */
    if (dq_pdv_iter_init(&rx->it, pdu, len, err) == 0)
        return 0;
    rx->it.pos = rx->it.size = 0;
    return -1;
}
/* Walks the fed PDU's PDVs into *msg until the message is complete (0,
 * *complete true: *msg is whole; call again for the PDU's next message), or
 * the PDU is used up (0, *complete false: the message, if started,
 * continues in the next PDU, into the same *msg), or a fragment is refused
 * (-1, *err says why; see above). *msg is meaningful only when *complete. */
int dq_dimse_rx_next(dq_dimse_rx *rx, dq_dimse_message *msg, bool *complete, dq_error *err);
/* The core, one PDV at a time (pdv->data must stay valid as for
 * dq_dimse_rx_feed): 0 with *complete true when the PDV ends the message
 * (*msg whole), 0 with *complete false when more PDVs must follow, -1 when
 * it is refused. */
int dq_dimse_rx_pdv(dq_dimse_rx *rx, const dq_pdv *pdv, dq_dimse_message *msg, bool *complete,
                    dq_error *err);
/* True while fragments of an unfinished message are held. */
bool dq_dimse_rx_in_message(const dq_dimse_rx *rx);
/* True while the fed PDU has PDVs not yet walked: after a complete
 * message, a caller that reads PDUs itself can skip asking dq_dimse_rx_next
 * for the "used up" it would get (inline: dq_dimse_recv asks once per message). */
static inline bool dq_dimse_rx_has_input(const dq_dimse_rx *rx)
{
    return rx->it.pos < rx->it.size;
}

#ifdef __cplusplus
}
#endif
#endif
