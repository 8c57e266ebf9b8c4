/* Shared by the harnesses: walk a decoded data set through every read-only
 * API a caller would use on it (typed accessors, character set conversion,
 * the dump), so the fuzzer checks them on hostile values too. */
#ifndef DQ_FUZZ_COMMON_H
#define DQ_FUZZ_COMMON_H

#include <stddef.h>

#include "dq/dataset.h"

/* Visits every element below ds (items included, depth-capped by the
 * decoder's own limit) with the typed accessors, then dumps ds. */
void dq_fuzz_exercise(const dq_dataset *ds);

/* Decoding limits the harnesses use: the library defaults, which is what
 * findscu runs with, except max_input, which is kept at 64 MiB so an inflated
 * "deflate bomb" stays under the fuzzer's RSS limit (the cap itself is what
 * is under test, not its size). */
void dq_fuzz_limits(dq_limits *out);

#endif
