/* findscu: many queries in one run (README "Many queries at once").
 *
 * --batch FILE: one C-FIND per CSV/TSV row (findscu_batch_in.c reads it,
 * streaming), the -f/-k identifier the template the row's cells override;
 * several -f: one C-FIND per file; --repeat N: each query N times; --count:
 * only the number of matches. The queries run on --jobs associations (one
 * thread each, rows handed out in input order), message IDs 1, 2, 3, ... on
 * each; the records go through findscu_rows.c, which keeps a row's records
 * together and writes a row only once it is complete. A query that fails is
 * an error record and the run goes on, on a new association if the old one
 * is gone (reconnecting with back-off). Ctrl-C: C-CANCEL, the rows in flight
 * are dropped (not written), the associations released, exit 130. */
#ifndef FINDSCU_BATCH_H
#define FINDSCU_BATCH_H
#include <stddef.h>

#include <dq/assoc.h>
#include <dq/dataset.h>

#include "findscu_args.h"

/* Runs the queries: templates[0..n-1] (one per -f, or the one -k/-f
 * identifier a --batch file's rows override). The exit status: 0 when every
 * query got its final status without failing, 3 when some failed (the rest
 * ran), 1 when no association could be made at all or the input is
 * unusable, 2 for a --batch file that cannot be used, 130 after Ctrl-C. */
int fs_batch_run(const fs_options *o, const dq_assoc_user_identity *identity,
                 dq_dataset *const *templates, size_t n);

#endif
