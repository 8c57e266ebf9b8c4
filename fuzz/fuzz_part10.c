/* Harness: a Part 10 file held in memory (preamble, "DICM", File Meta
 * Information, body in the meta's transfer syntax; or any of the forms
 * without preamble/meta that dq_part10_decode also accepts). */
#include <stdint.h>

#include "dq/dataset.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    dq_limits lim;
    dq_fuzz_limits(&lim);
    dq_dataset *meta = NULL, *ds = NULL;
    dq_transfer_syntax ts = DQ_TS_UNKNOWN;
    dq_error err;
    if (dq_part10_decode(data, size, &lim, &meta, &ds, &ts, &err) == 0) {
        dq_fuzz_exercise(meta);
        dq_fuzz_exercise(ds);
        /* Writing it back out as findscu -w would. */
        dq_buffer out = {0};
        (void)dq_part10_encode(ds, ts == DQ_TS_UNKNOWN ? DQ_TS_EXPLICIT_LE : ts, NULL, NULL, &out,
                               &err);
        dq_buffer_free(&out);
    }
    dq_dataset_free(meta);
    dq_dataset_free(ds);
    return 0;
}
