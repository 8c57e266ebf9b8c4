/* dq: the C-FIND keys of each query information model and level, generated
 * from PS3.4 (the edition the build was made from; gen/emit_query_keys.c).
 *
 * Query/Retrieve (PS3.4 C.6): Patient Root (C.6-1..C.6-4), Study Root
 * (C.6-5, then the Patient Root's Series and Composite Object Instance
 * levels, as C.6.2.1.3/C.6.2.1.4 say) and Patient/Study Only (the Patient
 * Root's Patient and Study levels; retired). Each key has a type: U (unique),
 * R (required) or O (optional), PS3.4 C.2.2.1.
 * Modality Worklist (K.6-1) and Unified Procedure Step (CC.2.5-3) have one
 * level each, and a matching key type (R, O, U; "-" none) and a return key
 * type (1, 1C, 2, 2C, 3; "-" none) per key.
 * Keys are listed in the table's order; a key nested in a sequence (a ">"
 * row) names its sequence by index. */
#ifndef DQ_QUERY_KEYS_H
#define DQ_QUERY_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dq_query_key {
    uint32_t tag;
    const char *keyword; /* PS3.6's */
    uint8_t depth;       /* 0 at the top, 1 for ">" rows, ... */
    int16_t parent;      /* index of the enclosing sequence key in the level, -1 at the top */
    const char *type;    /* Q/R: "U", "R" or "O"; "" for worklist and UPS */
    const char *match;   /* worklist, UPS: matching key type ("" when the cell is blank) */
    const char *ret;     /* worklist, UPS: return key type ("" when the cell is blank) */
} dq_query_key;

typedef struct dq_query_level {
    const char *name;    /* the Query/Retrieve Level value ("STUDY"); "" for worklist, UPS */
    const char *table;   /* the PS3.4 table its keys come from ("C.6-5") */
    const char *caption; /* that table's caption */
    const char *via;     /* the section that gives this level another root's table, or "" */
    const dq_query_key *keys;
    size_t nkeys;
} dq_query_level;

typedef struct dq_query_model {
    const char *name;    /* "Patient Root", "Study Root", "Patient/Study Only",
                            "Modality Worklist", "Unified Procedure Step" */
    const char *edition; /* PS3.4's subtitle, e.g. "DICOM PS3.4 2013 - Service Class ..." */
    bool retired;        /* PS3.4 says the model is retired */
    uint32_t level_tag;  /* Query/Retrieve Level (0008,0052); 0 without levels */
    const dq_query_level *levels; /* top down */
    size_t nlevels;
    /* Attributes a request identifier may carry besides keys (Query/Retrieve
     * Level, Specific Character Set, Timezone Offset From UTC, ...). */
    const uint32_t *identifier_tags;
    size_t nidentifier_tags;
} dq_query_model;

size_t dq_query_model_count(void);
const dq_query_model *dq_query_model_at(size_t i);
/* By name ("Study Root"); NULL when unknown. */
const dq_query_model *dq_query_model_find(const char *name);
/* By level name ("SERIES"); a model without levels has one named "". */
const dq_query_level *dq_query_level_find(const dq_query_model *m, const char *name);
/* The position of a level in its model (0 at the top). */
size_t dq_query_level_index(const dq_query_model *m, const dq_query_level *l);
/* The key at the top of a level with this tag, or NULL. */
const dq_query_key *dq_query_level_key(const dq_query_level *l, uint32_t tag);
/* True when tag is one of the model's identifier attributes. */
bool dq_query_model_identifier_tag(const dq_query_model *m, uint32_t tag);

#ifdef __cplusplus
}
#endif

#endif
