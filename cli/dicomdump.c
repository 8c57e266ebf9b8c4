/* dicomdump: prints DICOM files (Part 10, or bare data sets in any of the four
 * transfer syntaxes), by default as an indented tree with long values cut
 * (DQ_DUMP_TREE), or in the layout findscu logs identifiers with.
 *
 *   dicomdump [-m] [-L] [--pynetdicom] FILE...
 *     -m             also print the File Meta Information (group 0002)
 *     -L, --long     tree: print long values whole
 *     --pynetdicom   pynetdicom's layout, as findscu -v logs data sets
 *
 * Exit status: 0 when every file was read, 1 otherwise, 2 on a usage error. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "dq/dq.h"

static void usage(FILE *f)
{
    fputs("usage: dicomdump [-m] [-L] [--pynetdicom] FILE...\n"
          "Prints each DICOM file (Part 10 or a bare data set in any of the four\n"
          "uncompressed transfer syntaxes) as an indented tree, one element a line:\n"
          "  (gggg,eeee) VR value  # length, VM Keyword\n"
          "with sequence items indented under their sequence and values longer than\n"
          "64 characters cut and followed by \"...\" (the length is in bytes).\n"
          "  -m             also print the File Meta Information (group 0002)\n"
          "  -L, --long     print long values whole (tree layout)\n"
          "  --pynetdicom   pynetdicom's layout instead, as findscu -v logs data sets\n"
          "  -h, --help     this text\n"
          "Exit status: 0 when every file was read, 1 otherwise, 2 on a usage error.\n",
          f);
}

static void report(const char *path, const dq_error *err)
{
    fprintf(stderr, "dicomdump: %s: %s", path, err->message);
    if (err->offset != DQ_ERROR_NO_OFFSET)
        fprintf(stderr, " (at byte %zu", err->offset);
    if (err->tag != DQ_ERROR_NO_TAG)
        fprintf(stderr, "%s tag (%04X,%04X)", err->offset != DQ_ERROR_NO_OFFSET ? "," : " (",
                DQ_TAG_GROUP(err->tag), DQ_TAG_ELEMENT(err->tag));
    if (err->offset != DQ_ERROR_NO_OFFSET || err->tag != DQ_ERROR_NO_TAG)
        fputc(')', stderr);
    fputc('\n', stderr);
}

/* Prints one file; 0 when it was read and printed. */
static int dump_one(const char *path, const dq_dump_options *opts, int meta_too, int first)
{
    dq_dataset *meta = NULL, *ds = NULL;
    dq_transfer_syntax ts;
    dq_error err;
    dq_error_clear(&err);
    if (dq_part10_read_file(path, NULL, &meta, &ds, &ts, &err)) {
        report(path, &err);
        return 1;
    }
    if (!first)
        putchar('\n');
    printf("# %s (%s)\n", path, dq_ts_name(ts));
    int rc = 0;
    if (meta_too && dq_dataset_count(meta)) {
        printf("# File Meta Information\n");
        rc = dq_dataset_dump_file_with(meta, opts, stdout, "", &err);
        printf("# Data Set\n");
    }
    if (rc == 0)
        rc = dq_dataset_dump_file_with(ds, opts, stdout, "", &err);
    if (rc)
        report(path, &err);
    dq_dataset_free(meta);
    dq_dataset_free(ds);
    return rc ? 1 : 0;
}

static int is_option(const char *a, const char *s, const char *l)
{
    return (s && strcmp(a, s) == 0) || (l && strcmp(a, l) == 0);
}

int main(int argc, char **argv)
{
    int meta_too = 0, status = 0, nfiles = 0;
    dq_dump_options opts = {.style = DQ_DUMP_TREE};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (is_option(a, "-h", "--help")) {
            usage(stdout);
            return 0;
        } else if (is_option(a, "-m", NULL)) {
            meta_too = 1;
        } else if (is_option(a, "-L", "--long")) {
            opts.max_value_chars = SIZE_MAX;
        } else if (is_option(a, NULL, "--pynetdicom")) {
            opts.style = DQ_DUMP_PYNETDICOM;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "dicomdump: unknown option %s\n", a);
            usage(stderr);
            return 2;
        } else {
            nfiles++;
        }
    }
    if (nfiles == 0) {
        usage(stderr);
        return 2;
    }
    int first = 1;
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] == '-' && argv[i][1])
            continue;
        int rc = dump_one(argv[i], &opts, meta_too, first);
        status |= rc;
        if (rc == 0)
            first = 0;
    }
    return status;
}
