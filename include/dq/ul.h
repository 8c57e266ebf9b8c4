/* dq: the DICOM Upper Layer state machine (PS3.8 9.2), without I/O.
 *
 * The transition table (PS3.8 Table 9-10, Sta1..Sta13 x Evt1..Evt19 ->
 * action + next state) is generated from the standard; this module runs it.
 * Each action (AE-1..AE-8, DT-1..DT-2, AR-1..AR-10, AA-1..AA-8) is a small
 * function. The machine never touches a socket: the caller feeds it events
 * (local primitives, received PDUs, transport and timer events) and carries
 * out what it asks for in dq_ul_output (send these bytes, open/close the
 * transport, start/stop the ARTIM timer) and passes indications to the user.
 *
 * An event that the table lists as invalid for the current state follows
 * the table (usually A-ABORT, AA-1/AA-8); a local primitive that has no
 * entry at all for the state (a blank cell) is refused with DQ_ERR_ARGUMENT
 * and changes nothing. */
#ifndef DQ_UL_H
#define DQ_UL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dq/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* PS3.8 Table 9-10 states; the numbers are the standard's. */
typedef enum dq_ul_state {
    DQ_UL_STA1 = 1, /* Idle */
    DQ_UL_STA2,     /* Transport connection open (awaiting A-ASSOCIATE-RQ PDU) */
    DQ_UL_STA3,     /* Awaiting local A-ASSOCIATE response primitive */
    DQ_UL_STA4,     /* Awaiting transport connection opening to complete */
    DQ_UL_STA5,     /* Awaiting A-ASSOCIATE-AC or -RJ PDU */
    DQ_UL_STA6,     /* Association established, ready for data transfer */
    DQ_UL_STA7,     /* Awaiting A-RELEASE-RP PDU */
    DQ_UL_STA8,     /* Awaiting local A-RELEASE response primitive */
    DQ_UL_STA9,     /* Release collision requestor side: awaiting A-RELEASE response */
    DQ_UL_STA10,    /* Release collision acceptor side: awaiting A-RELEASE-RP PDU */
    DQ_UL_STA11,    /* Release collision requestor side: awaiting A-RELEASE-RP PDU */
    DQ_UL_STA12,    /* Release collision acceptor side: awaiting A-RELEASE response */
    DQ_UL_STA13,    /* Awaiting transport connection close indication */
} dq_ul_state;
#define DQ_UL_NSTATES 13

/* PS3.8 Table 9-10 events; the numbers are the standard's. */
typedef enum dq_ul_event {
    DQ_UL_EVT1 = 1, /* A-ASSOCIATE request (local user) */
    DQ_UL_EVT2,     /* Transport connect confirmation */
    DQ_UL_EVT3,     /* A-ASSOCIATE-AC PDU received */
    DQ_UL_EVT4,     /* A-ASSOCIATE-RJ PDU received */
    DQ_UL_EVT5,     /* Transport connection indication */
    DQ_UL_EVT6,     /* A-ASSOCIATE-RQ PDU received */
    DQ_UL_EVT7,     /* A-ASSOCIATE response primitive (accept) */
    DQ_UL_EVT8,     /* A-ASSOCIATE response primitive (reject) */
    DQ_UL_EVT9,     /* P-DATA request primitive */
    DQ_UL_EVT10,    /* P-DATA-TF PDU received */
    DQ_UL_EVT11,    /* A-RELEASE request primitive */
    DQ_UL_EVT12,    /* A-RELEASE-RQ PDU received */
    DQ_UL_EVT13,    /* A-RELEASE-RP PDU received */
    DQ_UL_EVT14,    /* A-RELEASE response primitive */
    DQ_UL_EVT15,    /* A-ABORT request primitive */
    DQ_UL_EVT16,    /* A-ABORT PDU received */
    DQ_UL_EVT17,    /* Transport connection closed indication */
    DQ_UL_EVT18,    /* ARTIM timer expired */
    DQ_UL_EVT19,    /* Unrecognized or invalid PDU received */
} dq_ul_event;
#define DQ_UL_NEVENTS 19

/* The actions of PS3.8 Tables 9-6..9-9, as Table 9-10 names them, generated:
 * typedef enum dq_ul_action { DQ_UL_ACTION_NONE = 0, DQ_UL_AE1, ... DQ_UL_AA8 }
 * and DQ_UL_NACTIONS (gen/emit_ul.c). */
#include "dq_gen_ul_codes.h"

/* "AE-1" ..., "Sta6", "Evt10"; "?" when out of range. */
const char *dq_ul_action_name(dq_ul_action a);
const char *dq_ul_state_name(dq_ul_state s);
const char *dq_ul_event_name(dq_ul_event e);

/* The table entry for (state, event): the action and the next state. Two
 * cells name two next states ("AE-6 Sta3 or 13", "AR-8 Sta9 or 10"): *next
 * is the first, *next_alt the second (else equal to *next); the runtime
 * picks one. Returns false for a blank cell (the event cannot occur there). */
bool dq_ul_transition(dq_ul_state s, dq_ul_event e, dq_ul_action *action, dq_ul_state *next,
                      dq_ul_state *next_alt);

/* What the user (association layer) is told by an action. */
typedef enum dq_ul_indication {
    DQ_UL_IND_NONE = 0,
    DQ_UL_IND_ASSOCIATE_ACCEPTED,  /* AE-3: A-ASSOCIATE confirmation (accept) */
    DQ_UL_IND_ASSOCIATE_REJECTED,  /* AE-4: A-ASSOCIATE confirmation (reject) */
    DQ_UL_IND_ASSOCIATE_REQUESTED, /* AE-6: A-ASSOCIATE indication (acceptor) */
    DQ_UL_IND_PDATA,               /* DT-2, AR-6: P-DATA indication */
    DQ_UL_IND_RELEASE_REQUESTED,   /* AR-2, AR-8: A-RELEASE indication */
    DQ_UL_IND_RELEASE_CONFIRMED,   /* AR-3, AR-10: A-RELEASE confirmation */
    DQ_UL_IND_ABORT,               /* AA-3: A-ABORT indication (peer user aborted) */
    DQ_UL_IND_P_ABORT,             /* AA-3/AA-4/AA-8: A-P-ABORT indication */
} dq_ul_indication;

/* Requests to the caller, as bit flags in dq_ul_output.todo. */
enum {
    DQ_UL_DO_CONNECT = 1u << 0,     /* AE-1: open the transport connection */
    DQ_UL_DO_SEND = 1u << 1,        /* write out->send[0..send_len) in one call */
    DQ_UL_DO_CLOSE = 1u << 2,       /* close the transport connection now */
    DQ_UL_DO_ARTIM_START = 1u << 3, /* (re)start the ARTIM timer */
    DQ_UL_DO_ARTIM_STOP = 1u << 4,  /* stop the ARTIM timer */
};

typedef struct dq_ul_output {
    unsigned todo;       /* DQ_UL_DO_* flags, to be done in the order listed */
    const uint8_t *send; /* valid until the next dq_ul_handle call */
    size_t send_len;
    dq_ul_indication indication;
    dq_ul_action action; /* which action ran (for logs and tests) */
    dq_ul_state from, to;
    /* Abort details: for DQ_UL_IND_ABORT/P_ABORT the source/reason (from the
     * received A-ABORT PDU, or those we sent for AA-8). */
    uint8_t abort_source, abort_reason;
} dq_ul_output;

typedef struct dq_ul {
    dq_ul_state state;
    bool requestor; /* we sent the A-ASSOCIATE-RQ (decides AR-8) */
    bool artim_running;
    uint8_t small[10];      /* A-ABORT / A-RELEASE PDUs the machine builds itself */
    const uint8_t *pending; /* the A-ASSOCIATE-RQ to send at AE-2 */
    size_t pending_len;
    uint8_t abort_reason; /* provider reason for AA-8 (PS3.8 Table 9-26) */
} dq_ul;

/* Starts in Sta1. */
void dq_ul_init(dq_ul *ul);

/* Runs one event. `pdu` is:
 *   Evt1: the encoded A-ASSOCIATE-RQ (kept by pointer until AE-2 sends it);
 *   Evt7, Evt8, Evt9: the encoded PDU to send (A-ASSOCIATE-AC/-RJ, P-DATA-TF);
 *   Evt3, 4, 6, 10, 12, 13, 16, 19: the PDU received (may be NULL);
 *   Evt15: optional, ignored (the machine builds the A-ABORT itself);
 *   otherwise NULL.
 * `acceptable` is used only by AE-6 (is the received A-ASSOCIATE-RQ
 * acceptable). Fills *out. Returns 0, or -1 with DQ_ERR_ARGUMENT for an
 * event with no entry in the current state (nothing changes then). */
int dq_ul_handle(dq_ul *ul, dq_ul_event ev, const uint8_t *pdu, size_t len, bool acceptable,
                 dq_ul_output *out, dq_error *err);

/* Which event a received PDU is: Evt3/4/6/10/12/13/16 by its type byte, or
 * Evt19 for an unknown type or a PDU shorter than its header. */
dq_ul_event dq_ul_event_for_pdu(const uint8_t *pdu, size_t len);

#ifdef __cplusplus
}
#endif
#endif
