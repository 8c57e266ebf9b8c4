/* Harness: a data set in any of the four transfer syntaxes. Byte 0 picks the
 * syntax (bits 0-1: implicit LE, explicit LE, deflated LE, explicit BE) and
 * the syntax to re-encode it in (bits 2-3); the rest is the data set. A
 * decoded data set is walked with every accessor, dumped and re-encoded. */
#include <stdint.h>

#include "dq/dataset.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    dq_transfer_syntax ts = (dq_transfer_syntax)(data[0] & 3);
    dq_transfer_syntax out_ts = (dq_transfer_syntax)((data[0] >> 2) & 3);
    dq_limits lim;
    dq_fuzz_limits(&lim);
    dq_dataset *ds = NULL;
    dq_error err;
    if (dq_dataset_decode(data + 1, size - 1, ts, &lim, &ds, &err) == 0) {
        dq_fuzz_exercise(ds);
        dq_buffer enc = {0};
        (void)dq_dataset_encode(ds, out_ts, &enc, &err);
        dq_buffer_free(&enc);
    }
    dq_dataset_free(ds);
    return 0;
}
