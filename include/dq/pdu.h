/* dq: DICOM Upper Layer PDUs (PS3.8 section 9.3) and the A-ASSOCIATE user
 * information sub-items (PS3.8 Annex D, PS3.7 Annex D).
 *
 * Byte layouts, item types and the reject/abort meaning texts are generated
 * from the standard's tables (gen/emit_pdu.c); this header is the handwritten
 * API on top. No sockets here: bytes in, views out; views in, bytes out.
 *
 * Receiving: feed whatever bytes have arrived to dq_pdu_frame_check(); it
 * says "need more", "one complete PDU of N bytes" (frame->complete) or fails
 * (unknown type, length over the cap, impossible fixed length). Then decode
 * that PDU with the dq_pdu_decode_* function for its type. Decoded views
 * point into the input buffer (zero copy): keep the buffer alive while you
 * use the view. Strings (dq_pdu_str) are NOT NUL-terminated.
 *
 * Lists use fixed caps (DQ_PDU_MAX_*): exceeding one is DQ_ERR_LIMIT; nothing
 * is allocated while decoding. Lists of unbounded length inside one item
 * (transfer syntaxes of a presentation context, related general SOP classes)
 * are validated once while decoding and then walked with an accessor.
 *
 * Sending: the dq_pdu_encode_* functions append one PDU to a caller-owned
 * dq_buffer (dq/buffer.h), checking every length against its field.
 *
 * Every function that can fail returns 0, or -1 with *err filled
 * (dq/error.h); a decoder's err->offset is the byte offset within the PDU.
 */
#ifndef DQ_PDU_H
#define DQ_PDU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dq/buffer.h"
#include "dq/error.h"

/* Generated from PS3.8 9.3's field descriptions: A-ASSOCIATE-RJ result,
 * source and reason, A-ABORT source and reason, presentation context result
 * values by name (DQ_PDU_RJ_SOURCE_SERVICE_USER, DQ_PDU_ABORT_REASON_SOURCE2_UNEXPECTED_PDU,
 * ...); in the build tree, part of the public headers. */
#include "dq_gen_pdu_codes.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- constants ----------------------------------------------------------- */

/* PDU types (PS3.8 9.3.1): byte 1 of every PDU. */
typedef enum dq_pdu_type {
    DQ_PDU_ASSOCIATE_RQ = 0x01,
    DQ_PDU_ASSOCIATE_AC = 0x02,
    DQ_PDU_ASSOCIATE_RJ = 0x03,
    DQ_PDU_P_DATA_TF = 0x04,
    DQ_PDU_RELEASE_RQ = 0x05,
    DQ_PDU_RELEASE_RP = 0x06,
    DQ_PDU_ABORT = 0x07,
} dq_pdu_type;

/* Item and sub-item types (PS3.8 9.3.2-9.3.3, Annex D; PS3.7 Annex D). */
enum {
    DQ_PDU_ITEM_APPLICATION_CONTEXT = 0x10,
    DQ_PDU_ITEM_PCTX_RQ = 0x20,
    DQ_PDU_ITEM_PCTX_AC = 0x21,
    DQ_PDU_ITEM_ABSTRACT_SYNTAX = 0x30,
    DQ_PDU_ITEM_TRANSFER_SYNTAX = 0x40,
    DQ_PDU_ITEM_USER_INFO = 0x50,
    DQ_PDU_ITEM_MAX_LENGTH = 0x51,
    DQ_PDU_ITEM_IMPLEMENTATION_CLASS_UID = 0x52,
    DQ_PDU_ITEM_ASYNC_OPS_WINDOW = 0x53,
    DQ_PDU_ITEM_ROLE_SELECTION = 0x54,
    DQ_PDU_ITEM_IMPLEMENTATION_VERSION_NAME = 0x55,
    DQ_PDU_ITEM_SOP_EXT_NEG = 0x56,
    DQ_PDU_ITEM_SOP_COMMON_EXT_NEG = 0x57,
    DQ_PDU_ITEM_USER_IDENTITY_RQ = 0x58,
    DQ_PDU_ITEM_USER_IDENTITY_AC = 0x59,
};

#define DQ_PDU_HEADER_SIZE 6u           /* type, reserved, 4-byte PDU-length */
#define DQ_PDU_PROTOCOL_VERSION 0x0001u /* bit 0: version 1 (PS3.8 9.3.2) */
/* One P-DATA-TF PDU holding exactly one PDV: PDU header + PDV item length +
 * presentation context ID + message control header. */
#define DQ_PDU_PDATA_HEADER_SIZE 12u
/* Message control header bits (PS3.8 Annex E.2). */
#define DQ_PDV_COMMAND 0x01u /* set: command; clear: data set */
#define DQ_PDV_LAST 0x02u    /* set: last fragment */

/* Caps. A-ASSOCIATE-RQ/AC PDUs are not subject to the negotiated maximum
 * length, so dq_pdu_frame() caps them at DQ_PDU_ASSOC_MAX_LENGTH. */
#define DQ_PDU_ASSOC_MAX_LENGTH (1u << 20)
#define DQ_PDU_MAX_PCTX 128u /* all odd IDs 1..255 */
#define DQ_PDU_MAX_ROLES 128u
#define DQ_PDU_MAX_EXT_NEG 128u
#define DQ_PDU_MAX_COMMON_EXT_NEG 128u
#define DQ_PDU_AE_TITLE_SIZE 16u

/* ---- receiving: framing --------------------------------------------------- */

typedef struct dq_pdu_frame {
    dq_pdu_type type; /* valid once 1 byte has arrived */
    uint32_t length;  /* the PDU-length field; valid once 6 bytes have arrived */
    size_t size;      /* whole PDU: 6 + length; 0 while the header is incomplete */
    bool complete;    /* buf starts with one whole PDU of `size` bytes; false:
                          not a whole PDU yet, feed more bytes */
} dq_pdu_frame;

/* Looks at the first `len` bytes received (len may be anything, including 0
 * or more than one PDU). Errors: unknown PDU type (DQ_ERR_MALFORMED, offset
 * 0), an A-ASSOCIATE-RJ/A-RELEASE/A-ABORT PDU whose length is not 4
 * (DQ_ERR_MALFORMED), a P-DATA-TF longer than `max_length` or an
 * A-ASSOCIATE-RQ/AC longer than DQ_PDU_ASSOC_MAX_LENGTH (DQ_ERR_LIMIT).
 * max_length caps the PDU-length field of P-DATA-TF (the value we offered as
 * Maximum Length Received); 0 means no cap but the 32-bit field itself.
 * Returns 0 (frame->complete says whether a whole PDU is there), or -1: the
 * stream cannot be resynchronised. *frame is filled as far as the bytes go
 * in both cases (frame may be NULL). */
int dq_pdu_frame_check(const uint8_t *buf, size_t len, uint32_t max_length, dq_pdu_frame *frame,
                       dq_error *err);

/* ---- decoded views ---------------------------------------------------------- */

/* A string inside a PDU: points into the input, not NUL-terminated. Decoders
 * drop one trailing NUL (some peers pad UIDs to even length) and, for names,
 * trailing spaces. */
typedef struct dq_pdu_str {
    const char *ptr;
    size_t len;
} dq_pdu_str;

/* A view of a C string (for filling encoder input); {NULL, 0} for NULL. */
dq_pdu_str dq_pdu_cstr(const char *s);
/* Compares a view with a C string. */
bool dq_pdu_str_eq(dq_pdu_str a, const char *s);

/* A presentation context: item 20H (RQ) or 21H (AC). */
typedef struct dq_pdu_pctx {
    uint8_t id;                   /* odd, 1..255 */
    uint8_t result;               /* AC: 0 acceptance, 1 user-rejection, 2 no-reason,
                                     3 abstract syntax / 4 transfer syntaxes not supported;
                                     RQ: 0 */
    dq_pdu_str abstract_syntax;   /* RQ only; {NULL,0} in AC */
    uint16_t n_transfer_syntaxes; /* RQ: >= 1; AC: 0 or 1 */
    dq_pdu_str transfer_syntax;   /* the first one (AC: the accepted one; may be empty
                                     when result != 0) */
    /* Encoder input for RQ: n_transfer_syntaxes names; when NULL the encoder
     * writes just `transfer_syntax`. Decoders set it to NULL and keep the raw
     * sub-items below for dq_pdu_pctx_transfer_syntax(). */
    const dq_pdu_str *transfer_syntaxes;
    const uint8_t *raw; /* decoder: the sub-items (already validated) */
    size_t raw_len;
} dq_pdu_pctx;

/* The i-th transfer syntax of a decoded (or encoder-input) context; {NULL,0}
 * past the end. */
dq_pdu_str dq_pdu_pctx_transfer_syntax(const dq_pdu_pctx *pc, size_t i);

/* SCP/SCU Role Selection (54H). */
typedef struct dq_pdu_role {
    dq_pdu_str sop_class_uid;
    uint8_t scu_role; /* RQ: 1 = proposes SCU role; AC: 1 = accepted */
    uint8_t scp_role;
} dq_pdu_role;

/* SOP Class Extended Negotiation (56H): application information is opaque bytes. */
typedef struct dq_pdu_ext_neg {
    dq_pdu_str sop_class_uid;
    const uint8_t *info;
    size_t info_len;
} dq_pdu_ext_neg;

/* SOP Class Common Extended Negotiation (57H, RQ only). */
typedef struct dq_pdu_common_ext_neg {
    dq_pdu_str sop_class_uid;
    dq_pdu_str service_class_uid;
    uint16_t n_related;             /* related general SOP class UIDs */
    const dq_pdu_str *related_list; /* encoder input (n_related entries); NULL from decoders */
    const uint8_t *raw;             /* decoder: the related sub-fields (validated) */
    size_t raw_len;
} dq_pdu_common_ext_neg;

/* The i-th related general SOP class UID; {NULL,0} past the end. */
dq_pdu_str dq_pdu_common_ext_neg_related(const dq_pdu_common_ext_neg *c, size_t i);

/* User-Identity-Type (PS3.7 D.3.3.7.1): what the primary field holds. */
typedef enum dq_user_identity_type {
    DQ_USER_IDENTITY_USERNAME = 1,          /* a username, UTF-8 */
    DQ_USER_IDENTITY_USERNAME_PASSCODE = 2, /* a username and (secondary field) a passcode */
    DQ_USER_IDENTITY_KERBEROS = 3,          /* a Kerberos service ticket */
    DQ_USER_IDENTITY_SAML = 4,              /* a SAML assertion */
    DQ_USER_IDENTITY_JWT = 5,               /* a JSON Web Token */
} dq_user_identity_type;

/* User Identity Negotiation: 58H (RQ) or 59H (AC). */
typedef struct dq_pdu_user_identity {
    uint8_t type;                        /* RQ: a dq_user_identity_type */
    uint8_t positive_response_requested; /* RQ: 0 or 1 */
    const uint8_t *primary;              /* RQ: primary field; AC: server response */
    uint16_t primary_len;
    const uint8_t *secondary; /* RQ: passcode (type 2), else empty */
    uint16_t secondary_len;
} dq_pdu_user_identity;

/* User Information item (50H) and its sub-items. Unknown sub-item types
 * are skipped (PS3.7 D.3.3) and counted. */
typedef struct dq_pdu_user_info {
    bool has_max_length;
    uint32_t max_length;                    /* 51H: 0 = no limit */
    dq_pdu_str implementation_class_uid;    /* 52H; {NULL,0} when absent */
    dq_pdu_str implementation_version_name; /* 55H; {NULL,0} when absent */
    bool has_async_ops;
    uint16_t max_ops_invoked; /* 53H */
    uint16_t max_ops_performed;
    size_t n_roles;
    dq_pdu_role roles[DQ_PDU_MAX_ROLES];
    size_t n_ext_neg;
    dq_pdu_ext_neg ext_neg[DQ_PDU_MAX_EXT_NEG];
    size_t n_common_ext_neg;
    dq_pdu_common_ext_neg common_ext_neg[DQ_PDU_MAX_COMMON_EXT_NEG];
    bool has_user_identity; /* 58H in an RQ, 59H in an AC */
    dq_pdu_user_identity user_identity;
    size_t n_unknown; /* sub-items skipped */
} dq_pdu_user_info;

/* A-ASSOCIATE-RQ or -AC. Large (~25 KB): allocate it once per association,
 * not per PDU. Encoder input uses the same struct. */
typedef struct dq_pdu_associate {
    dq_pdu_type type;                         /* DQ_PDU_ASSOCIATE_RQ or _AC */
    uint16_t protocol_version;                /* DQ_PDU_PROTOCOL_VERSION */
    char called_ae[DQ_PDU_AE_TITLE_SIZE + 1]; /* NUL-terminated, leading/trailing
                                                  spaces removed (AC: echoed) */
    char calling_ae[DQ_PDU_AE_TITLE_SIZE + 1];
    dq_pdu_str application_context; /* DQ_UID_DICOMApplicationContextName */
    size_t n_pctx;
    dq_pdu_pctx pctx[DQ_PDU_MAX_PCTX];
    dq_pdu_user_info user_info; /* present in every valid RQ/AC */
} dq_pdu_associate;

typedef struct dq_pdu_reject {
    uint8_t result; /* 1 rejected-permanent, 2 rejected-transient */
    uint8_t source; /* 1 service-user, 2 provider (ACSE), 3 provider (Presentation) */
    uint8_t reason; /* meaning depends on source: dq_pdu_reject_reason_text() */
} dq_pdu_reject;

typedef struct dq_pdu_abort {
    uint8_t source; /* 0 service-user, 2 service-provider */
    uint8_t reason; /* significant when source == 2 */
} dq_pdu_abort;

/* One presentation data value (PS3.8 9.3.5.1, Annex E). data points into the
 * PDU (zero copy). */
typedef struct dq_pdv {
    uint8_t pctx_id;
    uint8_t control; /* message control header byte */
    bool command;    /* control & DQ_PDV_COMMAND */
    bool last;       /* control & DQ_PDV_LAST */
    const uint8_t *data;
    size_t len;
} dq_pdv;

/* Walks the PDVs of one P-DATA-TF PDU. */
typedef struct dq_pdv_iter {
    const uint8_t *pdu;
    size_t size;
    size_t pos;
} dq_pdv_iter;

/* ---- decoders ------------------------------------------------------------------ */
/* Each takes one complete PDU (pdu[0..size), size as given by dq_pdu_frame_check)
 * and returns 0, or -1 with *err filled (offset = byte offset within the PDU). */

/* A-ASSOCIATE-RQ (01H) or -AC (02H): every item and sub-item bounds-checked;
 * required items (application context, >= 1 presentation context, user
 * information with maximum length) are enforced. */
int dq_pdu_decode_associate(const uint8_t *pdu, size_t size, dq_pdu_associate *out, dq_error *err);
/* The fixed-size PDUs: the PDU-length must be exactly that of their fields. */
/* A-ASSOCIATE-RJ (03H): result, source and reason/diag. */
int dq_pdu_decode_reject(const uint8_t *pdu, size_t size, dq_pdu_reject *out, dq_error *err);
/* A-ABORT (07H): source and reason/diag. */
int dq_pdu_decode_abort(const uint8_t *pdu, size_t size, dq_pdu_abort *out, dq_error *err);
/* A-RELEASE-RQ or -RP; *type says which. */
int dq_pdu_decode_release(const uint8_t *pdu, size_t size, dq_pdu_type *type, dq_error *err);

/* P-DATA-TF: checks the header; then dq_pdv_next() yields the PDVs in order.
 * A PDU with no PDV is malformed (PS3.8: "one or more"). */
int dq_pdv_iter_init(dq_pdv_iter *it, const uint8_t *pdu, size_t size, dq_error *err);
/* 0 with *end false: *out is the next PDV; 0 with *end true: there are no
 * more (*out untouched); -1: malformed (*err filled; the iteration is over,
 * later calls report the end). */
int dq_pdv_next(dq_pdv_iter *it, dq_pdv *out, bool *end, dq_error *err);

/* Fully decodes any one PDU (dispatching on its type) and discards the
 * result: for fuzzers and for "is this PDU well formed". */
int dq_pdu_validate(const uint8_t *pdu, size_t size, dq_error *err);

/* ---- encoders -------------------------------------------------------------------- */

/* Each appends one PDU to `out` (a dq_buffer: start it zeroed, release it
 * with dq_buffer_free). */

/* Appends an A-ASSOCIATE-RQ or -AC (a->type). AE titles must be 1..16
 * characters (written space-padded); UIDs at most 64 bytes; each item must
 * fit its 16-bit length. RQ: pctx[i].abstract_syntax and transfer syntaxes;
 * AC: pctx[i].result and transfer_syntax. User information: max length is
 * always written; the other sub-items when present/non-empty. On error the
 * buffer is left as it was. */
int dq_pdu_encode_associate(dq_buffer *out, const dq_pdu_associate *a, dq_error *err);
int dq_pdu_encode_reject(dq_buffer *out, const dq_pdu_reject *rj, dq_error *err);
int dq_pdu_encode_abort(dq_buffer *out, const dq_pdu_abort *ab, dq_error *err);
/* type: DQ_PDU_RELEASE_RQ or DQ_PDU_RELEASE_RP. */
int dq_pdu_encode_release(dq_buffer *out, dq_pdu_type type, dq_error *err);
/* A P-DATA-TF PDU holding n >= 1 PDVs (control from each pdv's command/last). */
int dq_pdu_encode_pdata(dq_buffer *out, const dq_pdv *pdvs, size_t n, dq_error *err);
/* Writes the 12 header bytes of a P-DATA-TF PDU with a single PDV of
 * `data_len` bytes, so the caller can send header and data without copying
 * the data (writev, or header into the same buffer before the data).
 * data_len must be <= 0xFFFFFFFF - 6. */
int dq_pdu_pdata_header(uint8_t out[DQ_PDU_PDATA_HEADER_SIZE], uint8_t pctx_id, bool command,
                        bool last, size_t data_len, dq_error *err);

/* Bytes received where a PDU should start that are the start of a TLS
 * record instead (RFC 8446 5.1: content type alert 21 or handshake 22, then
 * the protocol version, major 3): the peer speaks TLS. "alert" or
 * "handshake", else NULL (fewer than 2 bytes, or anything else). No PDU type
 * is 15H or 16H (PS3.8 9.3.1), so a PDU never matches. */
const char *dq_pdu_tls_record(const uint8_t *p, size_t n);

/* ---- names and meanings (from the standard's tables) ------------------------ */

/* "A-ASSOCIATE-RQ" ...; NULL for an unknown type. */
const char *dq_pdu_type_name(unsigned type);
/* PS3.8 Table 9-21 (A-ASSOCIATE-RJ): "rejected-permanent", "DICOM UL
 * service-user", "called-AE-title-not-recognized", ... NULL when the value
 * is not in the table. Reserved values return "reserved". */
const char *dq_pdu_reject_result_text(unsigned result);
const char *dq_pdu_reject_source_text(unsigned source);
const char *dq_pdu_reject_reason_text(unsigned source, unsigned reason);
/* PS3.8 Table 9-26 (A-ABORT). The reason is significant only for source 2. */
const char *dq_pdu_abort_source_text(unsigned source);
const char *dq_pdu_abort_reason_text(unsigned source, unsigned reason);
/* PS3.8 Table 9-18 (presentation context result/reason in an AC). */
const char *dq_pdu_pctx_result_text(unsigned result);
/* PS3.7 D.3.3.7.1 (User-Identity-Type): "Username as a string in UTF-8",
 * ..., "JSON Web Token (JWT)"; NULL for a reserved value. */
const char *dq_pdu_user_identity_type_text(unsigned type);

#ifdef __cplusplus
}
#endif
#endif
