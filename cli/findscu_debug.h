/* findscu: the debug-level (-d) dumps of PDUs and DIMSE messages, in the
 * layout pynetdicom's standard handlers log them. */
#ifndef FINDSCU_DEBUG_H
#define FINDSCU_DEBUG_H

#include <dq/assoc.h>
#include <dq/pdu.h>

/* "Request Parameters:" and the OUTGOING A-ASSOCIATE-RQ block. */
void fs_debug_associate_rq(const dq_pdu_associate *rq);
/* "Accept Parameters:" and the INCOMING A-ASSOCIATE-AC block. An AC does not
 * repeat the abstract syntaxes: proposed[i] is the one proposed with ID 2i+1. */
void fs_debug_associate_ac(const dq_pdu_associate *ac, const char *const *proposed,
                           size_t n_proposed);
/* OUTGOING/INCOMING DIMSE MESSAGE summaries. */
void fs_debug_dimse(const dq_dimse_message *m, bool outgoing);

/* A UID's name as pydicom shows it ("Patient Root Query/Retrieve Information
 * Model - FIND"), or the UID itself when unknown. */
const char *fs_uid_name(const char *uid, char *buf, size_t cap);

#endif
