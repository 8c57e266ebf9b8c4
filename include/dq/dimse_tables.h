/* dq: the DIMSE messages of PS3.7 chapters 9-10, generated from the
 * "<MESSAGE> Message Fields" and "<SERVICE> Parameters" tables
 * (gen/emit_dimse.c): per message, its Command Field value, the command
 * elements it carries with their usage (M/U/C) for that message, and whether
 * a data set follows. Static data; lookups allocate nothing. */
#ifndef DQ_DIMSE_TABLES_H
#define DQ_DIMSE_TABLES_H

#include <stddef.h>
#include <stdint.h>

/* enum { DQ_DIMSE_CMD_C_FIND_RQ = 0x0020u, DQ_DIMSE_CMD_C_FIND_RSP = 0x8020u,
 *        DQ_DIMSE_CMD_C_CANCEL_FIND_RQ = 0x0FFFu, DQ_DIMSE_CMD_C_ECHO_RQ = 0x0030u, ... }
 * generated from the "shall be set to XXXXH" sentences. */
#include "dq_gen_dimse_codes.h"

#ifdef __cplusplus
extern "C" {
#endif

#define DQ_DIMSE_NO_TAG 0xFFFFFFFFu /* the data set "field" (Identifier, Data Set, ...) */

/* Command Data Set Type (0000,0800) of a message with a data set: PS3.7
 * E.1-1 defines only DQ_DIMSE_NO_DATA_SET (0101H) and says any other value
 * means a data set follows; this is the value we send. */
#define DQ_DIMSE_DATA_SET_PRESENT 0x0000u

typedef enum dq_dimse_usage {
    DQ_DIMSE_NOT_USED = 0,  /* "-" */
    DQ_DIMSE_MANDATORY,     /* "M", "M(=)" */
    DQ_DIMSE_CONDITIONAL,   /* "C", "C(=)" */
    DQ_DIMSE_USER_OPTIONAL, /* "U", "U(=)" */
    DQ_DIMSE_ENCODING,      /* not a service parameter: always present in the encoding
                               (Command Group Length, Command Field, Command Data Set Type) */
} dq_dimse_usage;

typedef enum dq_dimse_kind {
    DQ_DIMSE_KIND_RQ,
    DQ_DIMSE_KIND_RSP,
    DQ_DIMSE_KIND_CANCEL_RQ,
} dq_dimse_kind;

/* Whether a data set follows the command (Command Data Set Type). */
typedef enum dq_dimse_dataset {
    DQ_DIMSE_DATASET_NONE,     /* always 0101H */
    DQ_DIMSE_DATASET_REQUIRED, /* "any value other than 0101H" */
    DQ_DIMSE_DATASET_OPTIONAL, /* 0101H when absent */
} dq_dimse_dataset;

typedef struct dq_dimse_spec_field {
    uint32_t tag;     /* 0x00000100 for (0000,0100); DQ_DIMSE_NO_TAG for the data set */
    const char *name; /* "Message ID Being Responded To" */
    const char *vr;   /* "US"; "" for the data set */
    dq_dimse_usage usage;
    const char *usage_text; /* as the standard writes it: "M", "U(=)", ""; "(=)" means
                               the value equals the request's */
} dq_dimse_spec_field;

typedef struct dq_dimse_spec {
    const char *name;    /* "C-FIND-RSP" */
    const char *service; /* "C-FIND" */
    uint16_t command_field;
    dq_dimse_kind kind;
    dq_dimse_dataset dataset;
    size_t nfields;
    const dq_dimse_spec_field *fields; /* in the standard's order (ascending tags, data set last) */
} dq_dimse_spec;

/* By name ("C-FIND-RQ"), NULL when unknown. */
const dq_dimse_spec *dq_dimse_spec_find(const char *name);
/* By Command Field value, NULL when unknown. The C-CANCEL-*-RQ messages
 * share 0x0FFF: this returns the first the standard lists (C-CANCEL-FIND-RQ
 * in current editions); use dq_dimse_spec_find() to pick one. */
const dq_dimse_spec *dq_dimse_spec_for(uint16_t command_field);
/* "C-FIND-RSP" for 0x8020; NULL when unknown. */
const char *dq_dimse_spec_name(uint16_t command_field);
/* The field with that tag in the message, NULL when it has none. */
const dq_dimse_spec_field *dq_dimse_spec_field_find(const dq_dimse_spec *m, uint32_t tag);

size_t dq_dimse_spec_count(void);
const dq_dimse_spec *dq_dimse_spec_at(size_t i); /* NULL past the end */

#ifdef __cplusplus
}
#endif
#endif
