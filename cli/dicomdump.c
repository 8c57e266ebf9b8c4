/* dicomdump: prints DICOM files (Part 10, or bare data sets in any of the four
 * transfer syntaxes) in the layout findscu logs identifiers with.
 *
 *   dicomdump [-m] FILE...
 *     -m   also print the File Meta Information (group 0002)
 *
 * Exit status: 0 when every file was read, 1 otherwise. */
#include <stdio.h>
#include <string.h>

#include "dq/dq.h"

static void usage(FILE *f)
{
    fputs("usage: dicomdump [-m] FILE...\n"
          "Prints each DICOM file (Part 10 or a bare data set) as findscu logs data sets.\n"
          "  -m   also print the File Meta Information (group 0002)\n",
          f);
}

int main(int argc, char **argv)
{
    int meta_too = 0, first = 1, status = 0, nfiles = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return 0;
        }
        if (strcmp(argv[i], "-m") == 0) {
            meta_too = 1;
            continue;
        }
        if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "dicomdump: unknown option %s\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-m") == 0)
            continue;
        nfiles++;
        dq_dataset *meta = NULL, *ds = NULL;
        dq_transfer_syntax ts;
        dq_error err;
        dq_error_clear(&err);
        if (dq_part10_read_file(argv[i], NULL, &meta, &ds, &ts, &err)) {
            fprintf(stderr, "dicomdump: %s", err.message);
            if (err.offset != DQ_ERROR_NO_OFFSET)
                fprintf(stderr, " (at byte %zu", err.offset);
            if (err.tag != DQ_ERROR_NO_TAG)
                fprintf(stderr, "%s tag (%04X,%04X)", err.offset != DQ_ERROR_NO_OFFSET ? "," : " (",
                        DQ_TAG_GROUP(err.tag), DQ_TAG_ELEMENT(err.tag));
            if (err.offset != DQ_ERROR_NO_OFFSET || err.tag != DQ_ERROR_NO_TAG)
                fputc(')', stderr);
            fputc('\n', stderr);
            status = 1;
            continue;
        }
        if (!first)
            putchar('\n');
        first = 0;
        printf("# %s (%s)\n", argv[i], dq_ts_name(ts));
        if (meta_too && dq_dataset_count(meta)) {
            printf("# File Meta Information\n");
            dq_dataset_dump_file(meta, stdout, "", &err);
            printf("# Data Set\n");
        }
        if (dq_dataset_dump_file(ds, stdout, "", &err)) {
            fprintf(stderr, "dicomdump: %s\n", err.message);
            status = 1;
        }
        dq_dataset_free(meta);
        dq_dataset_free(ds);
    }
    if (nfiles == 0) {
        usage(stderr);
        return 2;
    }
    return status;
}
