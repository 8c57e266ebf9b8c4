/* dicomdump: prints DICOM files (Part 10, or bare data sets in any of the four
 * transfer syntaxes), by default as an indented tree with long values cut
 * (DQ_DUMP_TREE), or in the layout findscu logs identifiers with.
 *
 *   dicomdump [-m] [-L] [--pynetdicom] [--format json|xml] FILE...
 *     -m             also print the File Meta Information (group 0002)
 *     -L, --long     tree: print long values whole
 *     --pynetdicom   pynetdicom's layout, as findscu -v logs data sets
 *     --format FMT   json: the DICOM JSON Model (PS3.18 F.2), xml: the Native
 *                    DICOM Model (PS3.19 A.1); one document per file, and
 *                    with several files one JSON array / one
 *                    <NativeDicomModels> root holding them
 *
 * Exit status: 0 when every file was read, 1 otherwise, 2 on a usage error. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dq/dq.h"

static void usage(FILE *f)
{
    fputs("usage: dicomdump [-m] [-L] [--pynetdicom] [--format json|xml] FILE...\n"
          "Prints each DICOM file (Part 10 or a bare data set in any of the four\n"
          "uncompressed transfer syntaxes) as an indented tree, one element a line:\n"
          "  (gggg,eeee) VR value  # length, VM Keyword\n"
          "with sequence items indented under their sequence and values longer than\n"
          "64 characters cut and followed by \"...\" (the length is in bytes).\n"
          "  -m             also print the File Meta Information (group 0002)\n"
          "  -L, --long     print long values whole (tree layout)\n"
          "  --pynetdicom   pynetdicom's layout instead, as findscu -v logs data sets\n"
          "  --format FMT   json: the DICOM JSON Model (PS3.18 F.2); xml: the Native\n"
          "                 DICOM Model (PS3.19 A.1); UTF-8. Several files: one JSON\n"
          "                 array, or one <" DQ_XML_WRAPPER "> root element\n"
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

/* --format: a data set as one JSON object or <NativeDicomModel>; with -m
 * the meta's document and the data set's are spliced into one (the meta's
 * elements first, as their tags sort). */
typedef int (*text_writer)(dq_buffer *, const dq_dataset *, dq_text_stats *, dq_error *);

#define XML_OPEN "<NativeDicomModel xml:space=\"preserve\">"
#define XML_CLOSE "</NativeDicomModel>"

/* out holds two documents, the second starting at `second`: makes them one. */
static void splice(dq_buffer *out, size_t second, int xml)
{
    size_t cut = xml ? strlen(XML_CLOSE) : 1, skip = xml ? strlen(XML_OPEN) : 1;
    uint8_t *at = out->data + second - cut;
    if (!xml && out->len - second > 2) {
        *at++ = ','; /* "}{" between two non-empty objects */
        cut--;
    } else if (!xml) {
        out->len = second - 1; /* "}{}": the data set is empty */
        out->data[out->len++] = '}';
        return;
    }
    memmove(at, out->data + second + skip, out->len - second - skip);
    out->len -= cut + skip;
}

static int format_one(const char *path, int xml, int meta_too, size_t nth, int several)
{
    dq_dataset *meta = NULL, *ds = NULL;
    dq_error err;
    dq_error_clear(&err);
    if (dq_part10_read_file(path, NULL, &meta, &ds, NULL, &err)) {
        report(path, &err);
        return 1;
    }
    text_writer write = xml ? dq_xml_append : dq_json_append;
    dq_buffer out = {0};
    dq_text_stats st = {0};
    int rc = 0;
    if (meta_too && dq_dataset_count(meta))
        rc = write(&out, meta, &st, &err);
    size_t second = out.len;
    if (rc == 0)
        rc = write(&out, ds, &st, &err);
    if (rc == 0 && second)
        splice(&out, second, xml);
    if (rc == 0) {
        if (xml && !several)
            fputs(DQ_XML_DECLARATION, stdout);
        if (!xml && several && nth)
            fputc(',', stdout);
        fwrite(out.data, 1, out.len, stdout);
        fputc('\n', stdout);
    } else {
        report(path, &err);
    }
    if (st.replaced_bytes || st.bad_numbers)
        fprintf(stderr,
                "dicomdump: %s: %zu undecodable byte(s) replaced by U+FFFD, "
                "%zu DS/IS value(s) that are not numbers kept as strings\n",
                path, st.replaced_bytes, st.bad_numbers);
    dq_buffer_free(&out);
    dq_dataset_free(meta);
    dq_dataset_free(ds);
    return rc ? 1 : 0;
}

static int is_option(const char *a, const char *s, const char *l)
{
    return (s && strcmp(a, s) == 0) || (l && strcmp(a, l) == 0);
}

/* Prints every file with --format; with several, inside one array/root. */
static int format_all(char **files, int nfiles, const char *format, int meta_too)
{
    int xml = strcmp(format, "xml") == 0, several = nfiles > 1, status = 0;
    size_t printed = 0;
    if (several)
        fputs(xml ? DQ_XML_DECLARATION "<" DQ_XML_WRAPPER ">\n" : "[\n", stdout);
    for (int i = 0; i < nfiles; i++) {
        int rc = format_one(files[i], xml, meta_too, printed, several);
        status |= rc;
        printed += rc == 0;
    }
    if (several)
        fputs(xml ? "</" DQ_XML_WRAPPER ">\n" : "]\n", stdout);
    return status;
}

int main(int argc, char **argv)
{
    int meta_too = 0, status = 0, nfiles = 0;
    const char *format = NULL;
    dq_dump_options opts = {.style = DQ_DUMP_TREE};
    char **files = calloc((size_t)argc, sizeof *files);
    if (!files)
        return 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (is_option(a, "-h", "--help")) {
            usage(stdout);
            free(files);
            return 0;
        } else if (is_option(a, "-m", NULL)) {
            meta_too = 1;
        } else if (is_option(a, "-L", "--long")) {
            opts.max_value_chars = SIZE_MAX;
        } else if (is_option(a, NULL, "--pynetdicom")) {
            opts.style = DQ_DUMP_PYNETDICOM;
        } else if (is_option(a, NULL, "--format") || strncmp(a, "--format=", 9) == 0) {
            format = a[8] == '=' ? a + 9 : i + 1 < argc ? argv[++i] : "";
            if (strcmp(format, "json") != 0 && strcmp(format, "xml") != 0) {
                fprintf(stderr, "dicomdump: --format takes json or xml, not '%s'\n", format);
                usage(stderr);
                free(files);
                return 2;
            }
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "dicomdump: unknown option %s\n", a);
            usage(stderr);
            free(files);
            return 2;
        } else {
            files[nfiles++] = argv[i];
        }
    }
    if (nfiles == 0) {
        usage(stderr);
        free(files);
        return 2;
    }
    if (format) {
        status = format_all(files, nfiles, format, meta_too);
    } else {
        int first = 1;
        for (int i = 0; i < nfiles; i++) {
            int rc = dump_one(files[i], &opts, meta_too, first);
            status |= rc;
            if (rc == 0)
                first = 0;
        }
    }
    free(files);
    return status;
}
