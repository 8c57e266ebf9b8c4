/* dq: associations (requestor side) and DIMSE messaging over them.
 *
 * An association is opened with dq_assoc_request(): TCP connect, A-ASSOCIATE-RQ,
 * wait (ACSE timeout) for A-ASSOCIATE-AC or -RJ. Then DIMSE messages go both
 * ways with dq_dimse_send() / dq_dimse_recv(), and the association ends with
 * dq_assoc_release() (A-RELEASE-RQ/RP, release collision handled) or
 * dq_assoc_abort(). The Upper Layer state machine (dq/ul.h) drives every step;
 * the transport (dq/transport.h) is the only thing that does I/O.
 *
 * Errors (dq_error kinds, see dq/error.h):
 *   DQ_ERR_CONNECT   TCP connection failed (sys_errno set)
 *   DQ_ERR_TIMEOUT   connect, network (per read), ACSE or DIMSE timeout:
 *                    detail[0] says which (dq_timeout_kind); each wait ends
 *                    when the first of the network timeout and the ACSE or
 *                    DIMSE timeout expires
 *   DQ_ERR_LIMIT     the peer sent more than a safety cap allows (a P-DATA-TF
 *                    above dq_assoc_pdata_cap(), a data set above
 *                    max_data_set_length); we sent A-ABORT
 *   DQ_ERR_REJECTED  A-ASSOCIATE-RJ: detail[0] result, detail[1] source,
 *                    detail[2] reason (PS3.8 Table 9-21; texts from
 *                    dq_pdu_reject_*_text())
 *   DQ_ERR_ABORTED   the association was aborted: detail[0] source,
 *                    detail[1] reason (PS3.8 Table 9-26), detail[2] 1 when
 *                    the peer sent an A-ABORT PDU, 0 when the abort was ours
 *                    (A-P-ABORT: protocol violation, unexpected PDU, ...)
 *   DQ_ERR_CLOSED    the peer closed the TCP connection
 *   DQ_ERR_PROTOCOL  the peer violated the protocol (we sent A-ABORT: detail[0]
 *                    source, detail[1] reason); detail[2] a dq_malformed_kind
 *                    (dq/error.h) for what came instead of a PDU
 *   DQ_ERR_CANCELLED the transport's interrupt check asked us to stop
 *                    (detail[0] a dq_cancel_kind; see
 *                    dq_assoc_set_cancel_handler); we sent A-ABORT
 *   DQ_ERR_AUTH      the A-ASSOCIATE-AC has no User Identity response though
 *                    the request required one (DQ_USER_RESPONSE_REQUIRED); we
 *                    sent A-ABORT
 *   DQ_ERR_ARGUMENT  bad parameters (AE title, no context, ...)
 * After any error other than DQ_ERR_ARGUMENT the association is over
 * (aborted and closed): only dq_assoc_free() remains to be called. */
#ifndef DQ_ASSOC_H
#define DQ_ASSOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dq/dataset.h"
#include "dq/dimse_tables.h"
#include "dq/error.h"
#include "dq/pdu.h"
#include "dq/transport.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The application context every association proposes (PS3.7 A.2.1):
 * DQ_UID_DICOMApplicationContextName (dq/dict.h). */

typedef struct dq_assoc dq_assoc;

/* A presentation context to propose. IDs are assigned 1, 3, 5, ... in order. */
typedef struct dq_assoc_context {
    const char *abstract_syntax;
    const char *const *transfer_syntaxes; /* n_transfer_syntaxes UIDs, in preference order */
    size_t n_transfer_syntaxes;
} dq_assoc_context;

/* A SOP Class Extended Negotiation sub-item (56H) to send. */
typedef struct dq_assoc_ext_neg {
    const char *sop_class_uid;
    const uint8_t *info;
    size_t info_len;
} dq_assoc_ext_neg;

/* User Identity Negotiation (PS3.7 D.3.3.7): who the requesting user is,
 * sent as the User Identity sub-item (58H) of the A-ASSOCIATE-RQ. An
 * acceptor may ignore it, accept and answer with a User Identity sub-item
 * (59H) when a positive response was requested, or reject the association
 * (rejected-permanent, source 2: PS3.7 D.3.3.7.3). The library logs
 * nothing; the fields are copied into the encoded A-ASSOCIATE-RQ only, which
 * dq_assoc_free() wipes. Its bytes reach the caller in the REQUESTING and
 * PDU_SENT events (and dq_assoc_rq_bytes()): a caller that dumps raw PDUs
 * dumps the passcode too. */
typedef enum dq_user_response {
    DQ_USER_RESPONSE_NONE = 0,  /* Positive-response-requested 0 */
    DQ_USER_RESPONSE_REQUESTED, /* 1; an AC without a response is still an
                                 * association (an acceptor that does not support
                                 * user identity accepts without one):
                                 * dq_assoc_user_identity_response() tells */
    DQ_USER_RESPONSE_REQUIRED,  /* 1; an AC without a response ends the
                                 * association: A-ABORT, DQ_ERR_AUTH */
} dq_user_response;

typedef struct dq_assoc_user_identity {
    dq_user_identity_type type; /* dq/pdu.h */
    /* The primary field, 1..65535 bytes: a username (UTF-8), a Kerberos
     * service ticket, a SAML assertion or a JWT, as type says. */
    const uint8_t *primary;
    size_t primary_len;
    /* The passcode, 0..65535 bytes: DQ_USER_IDENTITY_USERNAME_PASSCODE only
     * (the other types send an empty secondary field). */
    const uint8_t *secondary;
    size_t secondary_len;
    dq_user_response response;
} dq_assoc_user_identity;

/* A DIMSE command set: the fields the query services use. Unset optional
 * fields are flagged by has_*. Encoded in Implicit VR Little Endian with a
 * (0000,0000) group length, elements in tag order. */
typedef struct dq_dimse_command {
    uint16_t command_field;        /* (0000,0100): 0x0020 C-FIND-RQ, 0x8020 C-FIND-RSP, ... */
    uint16_t message_id;           /* (0000,0110), RQ */
    uint16_t message_id_responded; /* (0000,0120), RSP and C-CANCEL-RQ */
    uint16_t priority;             /* (0000,0700), RQ: 0 medium, 1 high, 2 low */
    uint16_t data_set_type;        /* (0000,0800): 0x0101 = no data set */
    uint16_t status;               /* (0000,0900), RSP */
    bool has_message_id, has_message_id_responded, has_priority, has_status;
    char affected_sop_class_uid[65]; /* (0000,0002); "" when absent */
    char error_comment[65];          /* (0000,0902) */
    uint32_t offending_elements[16]; /* (0000,0901) */
    size_t n_offending_elements;
    bool has_error_id;
    uint16_t error_id; /* (0000,0903) */
} dq_dimse_command;

/* Command Field values DQ_DIMSE_CMD_C_FIND_RQ, ... and DQ_DIMSE_NO_DATA_SET come
 * from dq/dimse_tables.h (generated from PS3.7); the C-CANCEL-*-RQ messages
 * share one value. */

/* One received DIMSE message. The byte views stay valid until the next
 * dq_dimse_recv() or the end of the association. */
typedef struct dq_dimse_message {
    uint8_t pctx_id;
    dq_dimse_command command;
    const uint8_t *command_bytes; /* the raw command set */
    size_t command_len;
    const uint8_t *data; /* the data set, in the context's transfer syntax; NULL if none */
    size_t data_len;
    dq_transfer_syntax ts; /* the context's accepted transfer syntax */
} dq_dimse_message;

/* Appends the command set encoding (Implicit VR LE, group length first). */
int dq_dimse_command_encode(const dq_dimse_command *c, dq_buffer *out, dq_error *err);
/* Decodes a command set (bounds-checked; unknown group-0000 elements are
 * skipped; anything outside group 0000 is DQ_ERR_MALFORMED). */
int dq_dimse_command_decode(const uint8_t *buf, size_t len, dq_dimse_command *out, dq_error *err);
/* "C-FIND-RQ" ..., NULL when unknown. */
const char *dq_dimse_command_name(uint16_t command_field);

/* Events reported while an association runs, for logging as pynetdicom does. */
typedef enum dq_assoc_event_type {
    DQ_ASSOC_EV_REQUESTING,     /* A-ASSOCIATE-RQ about to be sent: associate, pdu */
    DQ_ASSOC_EV_ACCEPTED,       /* A-ASSOCIATE-AC received: associate, pdu */
    DQ_ASSOC_EV_REJECTED,       /* A-ASSOCIATE-RJ received: reject, pdu */
    DQ_ASSOC_EV_RELEASING,      /* A-RELEASE-RQ about to be sent */
    DQ_ASSOC_EV_RELEASED,       /* A-RELEASE-RP received (or collision resolved) */
    DQ_ASSOC_EV_ABORT_SENT,     /* we sent A-ABORT: abort */
    DQ_ASSOC_EV_ABORT_RECEIVED, /* the peer sent A-ABORT: abort, pdu */
    DQ_ASSOC_EV_PDU_SENT,       /* every PDU written: pdu */
    DQ_ASSOC_EV_PDU_RECEIVED,   /* every PDU read: pdu */
    DQ_ASSOC_EV_DIMSE_SENT,     /* a whole DIMSE message sent: dimse */
    DQ_ASSOC_EV_DIMSE_RECEIVED, /* a whole DIMSE message received: dimse */
    DQ_ASSOC_EV_PDU_OVERSIZED,  /* the first P-DATA-TF longer than the maximum we
                                   * offered (max_pdu), accepted anyway: pdu */
    DQ_ASSOC_EV_FAILED,         /* the association is ending on an error: error (what
                                   * the call will return); once, after our A-ABORT and
                                   * before the wait for the peer's close, so callers
                                   * can report it when it happens */
    DQ_ASSOC_EV_ARTIM_WAIT,     /* about to wait up to `seconds` for the peer to
                                   * close after our A-ABORT (Sta13) */
} dq_assoc_event_type;

typedef struct dq_assoc_event {
    dq_assoc_event_type type;
    const uint8_t *pdu; /* raw PDU bytes, when the event has one */
    size_t pdu_len;
    const dq_pdu_associate *associate; /* REQUESTING: our RQ; ACCEPTED: the AC */
    const dq_pdu_reject *reject;
    const dq_pdu_abort *abort;
    const dq_dimse_message *dimse; /* DIMSE_SENT (data = encoded data set) / _RECEIVED */
    const dq_error *error;         /* FAILED */
    double seconds;                /* ARTIM_WAIT */
} dq_assoc_event;

/* Called synchronously; pointers valid only during the call. */
typedef void (*dq_assoc_event_fn)(void *user, const dq_assoc_event *ev);

typedef struct dq_assoc_params {
    const char *calling_ae;                  /* ours; 1..16 chars, no '\\' or control chars */
    const char *called_ae;                   /* the peer's */
    uint32_t max_pdu;                        /* our maximum receive PDU length; 0 = unlimited */
    double connect_timeout;                  /* seconds; <= 0: none */
    double acse_timeout;                     /* waiting for A-ASSOCIATE-AC/-RJ and A-RELEASE-RP */
    double dimse_timeout;                    /* waiting for a DIMSE message */
    double network_timeout;                  /* any single read/write */
    const char *implementation_class_uid;    /* NULL: DQ_IMPLEMENTATION_CLASS_UID */
    const char *implementation_version_name; /* NULL: DQ_IMPLEMENTATION_VERSION_NAME; "" omits it */
    const dq_assoc_context *contexts;        /* 1..128 */
    size_t n_contexts;
    const dq_assoc_ext_neg *ext_neg; /* optional */
    size_t n_ext_neg;
    const dq_assoc_user_identity *user_identity; /* optional: NULL sends none */
    dq_assoc_event_fn on_event;                  /* optional */
    void *user;
    double artim_timeout;       /* after our A-ABORT, wait this long for the peer
                                          * to close (PS3.8 ARTIM, Sta13); <= 0: close at
                                          * once. Default 1 s (pynetdicom: the ACSE timeout) */
    size_t max_data_set_length; /* cap on one reassembled DIMSE data set (a peer
                                          * that never sets the last-fragment bit must not
                                          * grow our memory); 0: DQ_DIMSE_MAX_DATA_SET_LENGTH */
} dq_assoc_params;

/* Caps on what dq_dimse_recv (dq/dimse_rx.h) reassembles from a peer's
 * fragments. */
#define DQ_DIMSE_MAX_COMMAND_LENGTH ((size_t)1 << 20)    /* 1 MiB */
#define DQ_DIMSE_MAX_DATA_SET_LENGTH ((size_t)256 << 20) /* 256 MiB, as dq_limits.max_input */

/* The largest P-DATA-TF PDU-length an association with this
 * max_data_set_length (0: the default) receives. Peers that send PDUs longer
 * than the Maximum Length we offered exist; pynetdicom takes them, DCMTK
 * refuses them. We take them (DQ_ASSOC_EV_PDU_OVERSIZED reports the first)
 * up to this hard cap: the transport's receive cap
 * (DQ_TRANSPORT_DEFAULT_MAX_BUFFER), and no more than a command set and a
 * data set within max_data_set_length can fill. Above it the association is
 * aborted with DQ_ERR_LIMIT. */
size_t dq_assoc_pdata_cap(size_t max_data_set_length);

/* pynetdicom findscu's defaults: FINDSCU -> ANY-SCP, max PDU 16382, every
 * timeout 30 s (connect: none), no contexts. */
void dq_assoc_params_default(dq_assoc_params *p);

/* Why dq_ae_title_check refused a title (err->detail[0]), in the order checked. */
typedef enum dq_ae_title_problem {
    DQ_AE_TITLE_EMPTY = 1,  /* "" (or NULL) */
    DQ_AE_TITLE_BLANK,      /* only spaces */
    DQ_AE_TITLE_REPERTOIRE, /* a byte outside the default character repertoire (>= 0x80) */
    DQ_AE_TITLE_TOO_LONG,   /* more than 16 characters after trimming spaces */
    DQ_AE_TITLE_FORBIDDEN,  /* a backslash or a control character */
} dq_ae_title_problem;

/* PS3.5 Table 6.2-1 (VR AE): 1..16 characters after trimming spaces, all of
 * them in the default character repertoire, none '\\' or a control
 * character. DQ_ERR_ARGUMENT with the reason (and detail[0], a
 * dq_ae_title_problem) otherwise. */
int dq_ae_title_check(const char *ae, dq_error *err);

/* Connects to host:port and negotiates an association. On success *out is an
 * established association. On failure *out is NULL, the connection is closed
 * and *err says why (see the kinds above). */
int dq_assoc_request(dq_assoc **out, const char *host, uint16_t port, const dq_assoc_params *p,
                     dq_error *err);
/* The same over a transport the caller opened (TLS, tests). Takes ownership
 * of t in every case. */
int dq_assoc_request_on(dq_assoc **out, dq_transport *t, const dq_assoc_params *p, dq_error *err);

/* The A-ASSOCIATE-AC as received (views into a copy kept by the association)
 * and the RQ we sent; raw bytes of both for debug dumps. */
const dq_pdu_associate *dq_assoc_accepted(const dq_assoc *a);
const dq_pdu_associate *dq_assoc_requested(const dq_assoc *a);
const uint8_t *dq_assoc_ac_bytes(const dq_assoc *a, size_t *len);
const uint8_t *dq_assoc_rq_bytes(const dq_assoc *a, size_t *len);
/* True when the A-ASSOCIATE-AC holds a User Identity sub-item (59H): the
 * acceptor confirmed the user identity we sent. response and len (either
 * may be NULL) get its server response: a Kerberos server ticket or a SAML
 * response, empty for a username (PS3.7 D.3.3.7.2); NULL/0 without one. */
bool dq_assoc_user_identity_response(const dq_assoc *a, const uint8_t **response, size_t *len);
/* The peer's maximum receive PDU length (0 = unlimited). */
uint32_t dq_assoc_peer_max_pdu(const dq_assoc *a);

/* The first accepted presentation context for abstract_syntax: its ID and
 * accepted transfer syntax. -1 (DQ_ERR_NOT_FOUND) when none was accepted. */
int dq_assoc_context_for(const dq_assoc *a, const char *abstract_syntax, uint8_t *pctx_id,
                         dq_transfer_syntax *ts, dq_error *err);

/* Sends one DIMSE message on context pctx_id: the command set (encoded
 * here) and optionally an already encoded data set (data_len bytes, in the
 * context's transfer syntax), fragmented into P-DATA-TF PDUs no larger than
 * the peer's maximum. data == NULL sends no data set (the command's
 * data_set_type is then forced to 0x0101; otherwise it must not be 0x0101). */
int dq_dimse_send(dq_assoc *a, uint8_t pctx_id, const dq_dimse_command *cmd, const uint8_t *data,
                  size_t data_len, dq_error *err);
/* Waits (DIMSE timeout) for the next complete DIMSE message, reassembling
 * fragments across any number of PDUs and PDVs (dq/dimse_rx.h: its rules,
 * caps and error reasons; a reassembly error is DQ_ERR_PROTOCOL, or
 * DQ_ERR_LIMIT for a cap, prefixed "DIMSE"). An A-RELEASE-RQ from the peer,
 * an A-ABORT, or a protocol error end the association with an error. */
int dq_dimse_recv(dq_assoc *a, dq_dimse_message *msg, dq_error *err);

/* The next Message ID to use (1, 2, ...). */
uint16_t dq_assoc_next_message_id(dq_assoc *a);

/* A-RELEASE-RQ, wait (ACSE timeout) for A-RELEASE-RP (a P-DATA or an
 * A-RELEASE-RQ arriving meanwhile is handled per PS3.8: collision), then
 * close the connection at once. 0, or -1 (the connection is then aborted
 * and closed). */
int dq_assoc_release(dq_assoc *a, dq_error *err);
/* Sends A-ABORT (source 0, service-user) if the association is still up and
 * closes the connection. Safe to call at any time. */
void dq_assoc_abort(dq_assoc *a);
/* dq_assoc_abort() for a local failure: reports why (DQ_ASSOC_EV_FAILED,
 * once, before the wait for the peer's close) so the caller can tell the
 * user when it happens. why NULL: exactly dq_assoc_abort(). */
void dq_assoc_abort_error(dq_assoc *a, const dq_error *why);

/* Cancelling a request while waiting for its responses.
 *
 * A transport's interrupt check (dq/transport.h) can end a blocked read with
 * DQ_ERR_CANCELLED. With detail[0] DQ_CANCEL_REQUEST ("cancel wanted") and a
 * handler set here, the handler runs at once, between our own PDUs (it
 * typically sends a C-CANCEL-RQ with dq_dimse_send(), PS3.7 9.3.2.3), and
 * the wait goes on where it was: nothing received is lost. Without a handler
 * (no request in progress: associating, releasing), with DQ_CANCEL_ABORT
 * ("abort wanted"), or when the handler fails, the read fails: the
 * association is aborted and the call returns DQ_ERR_CANCELLED. dq_find()
 * sets its handler for the time it waits (dq/find.h). fn NULL clears it. */
typedef int (*dq_assoc_cancel_fn)(void *user, dq_assoc *a, dq_error *err);
void dq_assoc_set_cancel_handler(dq_assoc *a, dq_assoc_cancel_fn fn, void *user);

/* Aborts if still established, closes, frees. NULL is fine. */
void dq_assoc_free(dq_assoc *a);

/* Counters for benchmarks: what went over the wire and how many received
 * bytes this layer copied (reassembly of fragmented messages; a data set
 * that arrives in one PDV is used in place). */
typedef struct dq_assoc_stats {
    uint64_t pdus_sent, pdus_received;
    uint64_t bytes_sent, bytes_received; /* whole PDUs */
    uint64_t messages_received;          /* DIMSE messages */
    uint64_t bytes_copied;               /* PDV values copied into reassembly buffers */
    uint64_t data_sets_in_place;         /* data sets handed over without a copy */
    dq_transport_stats transport;        /* the transport's own counters */
} dq_assoc_stats;
void dq_assoc_stats_get(const dq_assoc *a, dq_assoc_stats *out);

/* True while the association is established (Sta6). */
bool dq_assoc_is_established(const dq_assoc *a);

#ifdef __cplusplus
}
#endif
#endif
