/* Harness: findscu --batch input (cli/findscu_batch_in.h). Byte 0 bits 0-1
 * pick the format (0 auto, 1 CSV, 2 TSV, 3 auto); the rest is the file.
 * Every row is read and applied to a copy of a query template, which is
 * then encoded as findscu would send it. Beyond not crashing, leaking or
 * hanging, the reader's promises are checked (a violation abort()s): rows
 * numbered 1, 2, ... on non-decreasing lines; at most one kept cell per
 * column; a row with a problem is refused by apply, with its message; a
 * problem names its row. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dq/dataset.h"
#include "findscu_batch_in.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static dq_dataset *template_ds(void)
{
    static const char *const keys[] = {
        "QueryRetrieveLevel=STUDY", "PatientName=DOE*", "StudyDate=20200101",
        "PatientID=", "ReferencedStudySequence[0].ReferencedSOPClassUID=1.2"};
    dq_dataset *ds = dq_dataset_new();
    for (size_t i = 0; ds && i < sizeof keys / sizeof keys[0]; i++)
        if (dq_dataset_set_key(ds, keys[i], NULL))
            abort();
    return ds;
}

static void check_row(const fs_batch_in *in, const fs_batch_row *row, size_t number, size_t *line,
                      const dq_dataset *tmpl)
{
    char want[32];
    if (row->number != number || row->line < *line)
        abort();
    *line = row->line;
    if (!row->problem[0] && row->ncells > fs_batch_in_columns(in))
        abort();
    snprintf(want, sizeof want, "row %zu", number);
    if (row->problem[0] && strncmp(row->problem, want, strlen(want)) != 0)
        abort();
    dq_error err;
    dq_dataset *ds = dq_dataset_copy(tmpl, &err);
    if (!ds)
        return;
    int rc = fs_batch_row_apply(in, row, ds, &err);
    if (row->problem[0] && (rc == 0 || strncmp(err.message, row->problem, sizeof err.message - 1)))
        abort();
    /* Encoding and walking every row of a long input costs more than it
     * finds: the first rows show what applying does to a data set. */
    if (rc == 0 && number <= 8 && dq_dataset_encode_keys(ds, NULL, NULL, &err) == 0) {
        dq_buffer enc = {0};
        (void)dq_dataset_encode(ds, DQ_TS_EXPLICIT_LE, &enc, &err);
        dq_buffer_free(&enc);
        dq_fuzz_exercise(ds);
    }
    dq_dataset_free(ds);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    static const fs_batch_format fmts[] = {FS_BATCH_AUTO, FS_BATCH_CSV, FS_BATCH_TSV,
                                           FS_BATCH_AUTO};
    fs_batch_in *in = NULL;
    dq_error err;
    if (fs_batch_in_open_mem(&in, data + 1, size - 1, "fuzz", fmts[data[0] & 3], &err)) {
        if (in || err.kind != DQ_ERR_ARGUMENT || !strstr(err.message, "fuzz"))
            abort();
        return 0;
    }
    if (fs_batch_in_columns(in) == 0 || fs_batch_in_format(in) == FS_BATCH_AUTO)
        abort();
    dq_dataset *tmpl = template_ds();
    fs_batch_row row;
    fs_batch_row_init(&row);
    size_t n = 0, line = 0;
    int rc;
    while (tmpl && (rc = fs_batch_in_next(in, &row, &err)) == 1)
        check_row(in, &row, ++n, &line, tmpl);
    fs_batch_row_free(&row);
    dq_dataset_free(tmpl);
    fs_batch_in_close(in);
    return 0;
}
