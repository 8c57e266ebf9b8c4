/* The association the dimse and assoc harnesses (and the corpus generator)
 * agree on: what we propose, and an A-ASSOCIATE-AC a peer would answer. */
#ifndef DQ_FUZZ_ASSOC_SETUP_H
#define DQ_FUZZ_ASSOC_SETUP_H

#include <stdint.h>

#include "dq/assoc.h"
#include "dq/pdu.h"

/* Contexts proposed (IDs 1, 3, 5): Patient Root FIND, Study Root FIND (each
 * with all four transfer syntaxes), Modality Worklist FIND (explicit LE). */
#define DQ_FUZZ_NCONTEXTS 3
extern const dq_assoc_context dq_fuzz_contexts[DQ_FUZZ_NCONTEXTS];

/* findscu's defaults with the contexts above and max_pdu as given. */
void dq_fuzz_assoc_params(dq_assoc_params *p, uint32_t max_pdu);

/* Appends an A-ASSOCIATE-AC accepting context `pctx_id` with syntax ts and
 * rejecting the others; peer maximum PDU max_pdu. 0 or -1. */
int dq_fuzz_make_ac(dq_buffer *out, uint8_t pctx_id, dq_transfer_syntax ts, uint32_t max_pdu);
/* The same with a User Identity sub-item (59H) holding server response
 * rsp (rsp_len bytes; rsp NULL: no sub-item). */
int dq_fuzz_make_ac_identity(dq_buffer *out, uint8_t pctx_id, dq_transfer_syntax ts,
                             uint32_t max_pdu, const uint8_t *rsp, uint16_t rsp_len);

#endif
