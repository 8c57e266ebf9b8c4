/* bench/identifier.h: the study-level C-FIND response identifier the replay
 * SCP sends, as a template whose counter fields are patched per response.
 *
 * Every value that names something (patient, accession, study, UIDs) holds an
 * 8-digit counter, so each response differs like real results do while all
 * responses keep the same length (the template is encoded once). */
#ifndef DQ_BENCH_IDENTIFIER_H
#define DQ_BENCH_IDENTIFIER_H

#include "wire.h"

#define DQ_BENCH_COUNTER_DIGITS 8
#define DQ_BENCH_MAX_COUNTERS 32
/* Size the "large" identifier is padded to (PatientComments filler). */
#define DQ_BENCH_LARGE_SIZE 2048

typedef struct dq_bench_identifier {
    dq_bench_buf bytes;                     /* the encoded data set (explicit LE for deflate) */
    size_t counters[DQ_BENCH_MAX_COUNTERS]; /* offsets of the 8-digit counter fields */
    size_t n_counters;
} dq_bench_identifier;

/* Encodes the template in `ts` (~15 elements and a sequence with one item;
 * `large` pads it to about DQ_BENCH_LARGE_SIZE bytes). */
void dq_bench_identifier_build(dq_bench_identifier *id, dq_bench_ts ts, bool large);
/* Writes `counter` (mod 10^8, zero padded) into every counter field. */
void dq_bench_identifier_set(dq_bench_identifier *id, uint32_t counter);
void dq_bench_identifier_free(dq_bench_identifier *id);

#endif
