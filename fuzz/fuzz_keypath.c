/* Harness: findscu -k query keys. The input is a list of NUL- or
 * newline-separated -k arguments (path parser, keyword/tag lookup, value
 * conversion per VR); each is applied to one data set, which is then walked,
 * re-encoded to UTF-8's declared character set and encoded in every syntax. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dq/dataset.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Command-line arguments are bounded in practice; 64 KiB is plenty. */
    if (size > 65536)
        return 0;
    char *text = malloc(size + 1);
    dq_dataset *ds = dq_dataset_new();
    if (!text || !ds) {
        free(text);
        dq_dataset_free(ds);
        return 0;
    }
    memcpy(text, data, size);
    text[size] = 0;
    dq_error err;
    for (char *arg = text; arg < text + size;) {
        size_t n = strcspn(arg, "\n");
        arg[n] = 0;
        (void)dq_dataset_set_key(ds, arg, &err);
        arg += n + 1;
    }
    /* findscu converts UTF-8 values to the data set's character set. */
    (void)dq_dataset_encode_keys(ds, NULL, NULL, &err);
    dq_fuzz_exercise(ds);
    for (int ts = 0; ts < 4; ts++) {
        dq_buffer enc = {0};
        if (dq_dataset_encode(ds, (dq_transfer_syntax)ts, &enc, &err) == 0) {
            /* What we encode must decode (a key path may nest deeper than
             * the decoder's depth cap: that refusal is correct). */
            dq_dataset *back = NULL;
            if (dq_dataset_decode(enc.data, enc.len, (dq_transfer_syntax)ts, NULL, &back, &err) !=
                    0 &&
                err.kind != DQ_ERR_LIMIT)
                abort();
            dq_dataset_free(back);
        }
        dq_buffer_free(&enc);
    }
    dq_dataset_free(ds);
    free(text);
    return 0;
}
