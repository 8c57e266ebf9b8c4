/* dq: DIMSE status codes (0000,0900): category and meaning, generated from
 * PS3.4's "<service> Response Status Values" tables, PS3.7's per-service
 * "Status" sections and PS3.7 Annex C (gen/emit_status.c).
 *
 * Entries are either exact codes or ranges written in the standard as
 * "Cxxx", "A9xx" or "C000 through CFFF" (code + mask). Lookups allocate
 * nothing and never fail: an unknown code has category DQ_STATUS_UNKNOWN. */
#ifndef DQ_STATUS_H
#define DQ_STATUS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The status classes of PS3.7 Annex C. */
typedef enum dq_status_category {
    DQ_STATUS_UNKNOWN = 0, /* in no table: callers should treat it as a failure */
    DQ_STATUS_SUCCESS,
    DQ_STATUS_PENDING,
    DQ_STATUS_CANCEL,
    DQ_STATUS_WARNING,
    DQ_STATUS_FAILURE,
} dq_status_category;

typedef struct dq_status_info {
    uint16_t code; /* with the masked-out digits as 0: "Cxxx" -> 0xC000 */
    uint16_t mask; /* 0xFFFF exact; "Cxxx" -> 0xF000 */
    dq_status_category category;
    int source;          /* 0 PS3.4 table, 1 PS3.7 service section, 2 PS3.7 Annex C */
    const char *service; /* "C-FIND", "C-STORE", ...; "" for Annex C (any service) */
    const char *context; /* the annex or chapter, e.g. "Query/Retrieve Service Class (Normative)" */
    const char *meaning; /* "Refused: Out of Resources", "Unable to process", ... */
} dq_status_info;

/* The best entry for a status of a C-FIND response: PS3.4 C-FIND tables
 * (Query/Retrieve first), then PS3.7's C-FIND section, then Annex C; exact
 * codes before ranges. NULL when no table lists it. */
const dq_status_info *dq_status_lookup(uint16_t status);
/* The same for another service ("C-FIND", "C-MOVE", "C-GET", "C-STORE",
 * "C-ECHO", "N-GET", ...). service NULL or "" searches Annex C only. */
const dq_status_info *dq_status_lookup_service(const char *service, uint16_t status);
/* Category of a C-FIND status (dq_status_lookup's, or UNKNOWN). */
dq_status_category dq_status_category_of(uint16_t status);
/* The class PS3.7 Annex C gives a status of any service: a code the Annex
 * lists has its class; otherwise its Status Class convention ("Warning:
 * 0001 or Bxxx or 0107 or 0116", ...), except in the ranges the standard
 * reserves for the codes it assigns (01xx, 02xx), where an unlisted code
 * has none (DQ_STATUS_UNKNOWN). pynetdicom's status.code_to_category(). */
dq_status_category dq_status_class_of(uint16_t status);
/* "Success", "Pending", "Cancel", "Warning", "Failure", "Unknown". */
const char *dq_status_category_name(dq_status_category c);

/* Every entry, in the generated order (for listing and tests). */
size_t dq_status_count(void);
const dq_status_info *dq_status_at(size_t i); /* NULL past the end */

#ifdef __cplusplus
}
#endif
#endif
