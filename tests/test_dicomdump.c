/* cli/dicomdump end to end on pydicom's test files: the tree layout by
 * default, pynetdicom's (findscu's log) with --pynetdicom, checked against
 * tests/data/pretty_ref.py (pydicom's reading of the file); -m, -L, usage. */
#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dq/dq.h"
#include "tmp_path.h"

#define FILES "/usr/lib/python3/dist-packages/pydicom/data/test_files/"

/* Runs cmd; its stdout (malloc'd, NUL-terminated) and exit status. */
static char *run(const char *cmd, int *status)
{
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    dq_buffer b = {0};
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0)
        dq_buffer_append(&b, buf, n, NULL);
    dq_buffer_append(&b, "", 1, NULL);
    int st = pclose(p);
    *status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return (char *)b.data;
}

static char *dicomdump(const char *args, const char *file, int *status)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "'%s/cli/dicomdump' %s '%s' 2>/dev/null", DQ_BINARY_DIR, args, file);
    return run(cmd, status);
}

static size_t longest_line(const char *s)
{
    size_t max = 0;
    for (const char *nl; (nl = strchr(s, '\n')); s = nl + 1)
        if ((size_t)(nl - s) > max)
            max = (size_t)(nl - s);
    return max;
}

/* --pynetdicom prints, after the "# file (syntax)" line, exactly what
 * pynetdicom's pretty_dataset gives for pydicom's reading of the file. */
Test(dicomdump, pynetdicom_layout_matches_pydicom, .timeout = 60)
{
    static const char *const files[] = {"rtplan.dcm", "priv_SQ.dcm", "CT_small.dcm"};
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        char path[256], cmd[1024], head[300];
        snprintf(path, sizeof path, FILES "%s", files[i]);
        snprintf(cmd, sizeof cmd, "/usr/bin/python3 '%s/tests/data/pretty_ref.py' '%s'",
                 DQ_SOURCE_DIR, path);
        int st;
        char *want = run(cmd, &st);
        cr_assert_eq(st, 0, "pretty_ref.py %s", path);
        char *got = dicomdump("--pynetdicom", path, &st);
        cr_assert_eq(st, 0);
        snprintf(head, sizeof head, "=== %s\n", path);
        cr_assert_eq(strncmp(want, head, strlen(head)), 0);
        snprintf(head, sizeof head, "# %s (", path);
        cr_assert_eq(strncmp(got, head, strlen(head)), 0, "%s", got);
        cr_assert_str_eq(strchr(got, '\n') + 1, want + strlen(path) + 5, "%s", path);
        free(want);
        free(got);
    }
}

/* The default: an indented tree, long values cut with their length; the
 * same file in --pynetdicom shows the UN value as a 300-character literal. */
Test(dicomdump, tree_is_the_default)
{
    int st;
    char *got = dicomdump("", FILES "priv_SQ.dcm", &st);
    cr_assert_eq(st, 0);
    cr_assert_str_eq(
        got,
        "# " FILES "priv_SQ.dcm (Implicit VR Little Endian)\n"
        "(3F03,0010) LO [aaabbbccc MEDICAL SYSTEMS]              #  26, 1 PrivateCreator\n"
        "(3F03,1001) UN fe\\ff\\00\\e0\\9e\\00\\00\\00\\08\\00\\90\\00\\10\\00\\00\\00\\31\\31\\31\\31\\31... # 166, 1 Private\n");
    free(got);
    got = dicomdump("--pynetdicom", FILES "priv_SQ.dcm", &st);
    cr_assert_eq(st, 0);
    cr_assert_gt(longest_line(got), 300);
    free(got);

    got = dicomdump("", FILES "rtplan.dcm", &st);
    cr_assert_eq(st, 0);
    cr_assert_leq(longest_line(got), 130, "%s", got);
    cr_assert_not_null(
        strstr(
            got,
            "(300A,00B0) SQ (Sequence with 1 item)                   #   -, 1 BeamSequence\n"
            "  (Item #1, 22 elements)\n"
            "    (0008,0070) LO [Linac co.]                              #  10, 1 Manufacturer\n"),
        "%s", got);
    cr_assert_not_null(
        strstr(
            got, /* three levels down */
            "        (300A,011A) SQ (Sequence with 2 items)                  #   -, 2 BeamLimitingDevicePositionSequence\n"
            "          (Item #1, 2 elements)\n"
            "            (300A,00B8) CS [X]                                      #   2, 1 RTBeamLimitingDeviceType\n"),
        "%s", got);
    free(got);
}

/* -L prints long values whole: priv_SQ's 166-byte UN value as 166 hex bytes. */
Test(dicomdump, long_values_whole_with_L)
{
    int st;
    char *got = dicomdump("-L", FILES "priv_SQ.dcm", &st);
    cr_assert_eq(st, 0);
    const char *un = strstr(got, "(3F03,1001) UN fe\\ff\\00\\e0");
    cr_assert_not_null(un, "%s", got);
    cr_assert_eq(strstr(un, " # 166, 1 Private\n") - un, 15 + 166 * 3 - 1);
    cr_assert_null(strstr(got, "..."));
    free(got);
}

/* -m adds the File Meta Information, in either layout. */
Test(dicomdump, meta_in_both_layouts)
{
    int st;
    char *got = dicomdump("-m", FILES "CT_small.dcm", &st);
    cr_assert_eq(st, 0);
    cr_assert_not_null(
        strstr(
            got,
            "# File Meta Information\n"
            "(0002,0000) UL [192]                                    #   4, 1 FileMetaInformationGroupLength\n"
            "(0002,0001) OB 00\\01                                    #   2, 1 FileMetaInformationVersion\n"),
        "%s", got);
    cr_assert_not_null(strstr(got, "# Data Set\n(0008,0005) CS [ISO_IR 100]"));
    free(got);
    got = dicomdump("-m --pynetdicom", FILES "CT_small.dcm", &st);
    cr_assert_eq(st, 0);
    cr_assert_not_null(
        strstr(
            got,
            "# File Meta Information\n"
            "(0002,0000) UL [192]                                    # 1 FileMetaInformationGroupLength\n"
            "(0002,0001) OB [00 01]                                  # 1 FileMetaInformationVersion\n"),
        "%s", got);
    free(got);
}

Test(dicomdump, usage)
{
    char cmd[1024];
    int st;
    snprintf(cmd, sizeof cmd, "'%s/cli/dicomdump' --help", DQ_BINARY_DIR);
    char *out = run(cmd, &st);
    cr_assert_eq(st, 0);
    cr_assert_not_null(strstr(out, "--pynetdicom"));
    cr_assert_not_null(strstr(out, "-m "));
    free(out);
    snprintf(cmd, sizeof cmd, "'%s/cli/dicomdump' --bogus x.dcm 2>&1", DQ_BINARY_DIR);
    out = run(cmd, &st);
    cr_assert_eq(st, 2);
    cr_assert_not_null(strstr(out, "unknown option --bogus"));
    free(out);
    snprintf(cmd, sizeof cmd, "'%s/cli/dicomdump' -m 2>/dev/null", DQ_BINARY_DIR);
    free(run(cmd, &st));
    cr_assert_eq(st, 2);
}

/* --format: one document per file; several files in one JSON array / one
 * <NativeDicomModels> root, a file that cannot be read left out (exit 1);
 * checked by Python's json module and xmllint. */
Test(dicomdump, format_several_files, .timeout = 60)
{
    char cmd[2048];
    int st;
    char *out;
    char json[512];
    cr_assert_not_null(dq_test_tmp_template(json, sizeof json, "dicomdump-several"));
    int fd = mkstemp(json);
    cr_assert_geq(fd, 0);
    close(fd);
    snprintf(cmd, sizeof cmd,
             "'%s/cli/dicomdump' --format json " FILES "CT_small.dcm /nonexistent.dcm " FILES
             "rtplan.dcm 2>/dev/null > '%s'; echo $?",
             DQ_BINARY_DIR, json);
    out = run(cmd, &st);
    cr_assert_str_eq(out, "1\n");
    free(out);
    snprintf(cmd, sizeof cmd,
             "/usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); "
             "print(len(d), d[0][\"00100020\"][\"Value\"][0], \"300A0010\" in d[1])' '%s'",
             json);
    out = run(cmd, &st);
    unlink(json);
    cr_assert_eq(st, 0);
    cr_assert_str_eq(out, "2 1CT1 True\n");
    free(out);
    snprintf(cmd, sizeof cmd,
             "'%s/cli/dicomdump' --format=xml " FILES "CT_small.dcm " FILES
             "rtplan.dcm | xmllint --xpath 'count(/NativeDicomModels/NativeDicomModel)' -",
             DQ_BINARY_DIR);
    out = run(cmd, &st);
    cr_assert_eq(st, 0);
    cr_assert_str_eq(out, "2\n");
    free(out);
}

static bool starts(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* One file: the object itself (no array), XML with its declaration; -m puts
 * the meta's elements first in the same object (group lengths left out). */
Test(dicomdump, format_one_file_and_meta)
{
    int st;
    char *got = dicomdump("--format json", FILES "CT_small.dcm", &st);
    cr_assert_eq(st, 0);
    cr_assert(starts(got, "{\"00080005\":{\"vr\":\"CS\",\"Value\":[\"ISO_IR 100\"]},"), "%.80s",
              got);
    free(got);
    got = dicomdump("-m --format json", FILES "CT_small.dcm", &st);
    cr_assert_eq(st, 0);
    cr_assert(starts(got, "{\"00020001\":{\"vr\":\"OB\",\"InlineBinary\":\"AAE=\"},"), "%.80s",
              got);
    cr_assert_not_null(strstr(got, "},\"00080005\":{\"vr\":\"CS\""));
    cr_assert_null(strstr(got, "\"00020000\""));
    cr_assert_null(strstr(got, "}{"));
    free(got);
    got = dicomdump("-m --format xml", FILES "CT_small.dcm", &st);
    cr_assert_eq(st, 0);
    cr_assert(starts(got,
                     "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                     "<NativeDicomModel xml:space=\"preserve\"><DicomAttribute tag=\"00020001\""),
              "%.120s", got);
    /* one document: the meta's and the data set's spliced */
    const char *first = strstr(got, "<NativeDicomModel ");
    cr_assert_null(strstr(first + 1, "<NativeDicomModel"));
    cr_assert_null(strstr(got, "</NativeDicomModel><"));
    free(got);
}

Test(dicomdump, format_usage_errors)
{
    char cmd[1024];
    int st;
    snprintf(cmd, sizeof cmd, "'%s/cli/dicomdump' --format yaml " FILES "CT_small.dcm 2>&1",
             DQ_BINARY_DIR);
    char *out = run(cmd, &st);
    cr_assert_eq(st, 2);
    cr_assert_not_null(strstr(out, "--format takes json or xml, not 'yaml'"), "%s", out);
    free(out);
    snprintf(cmd, sizeof cmd, "'%s/cli/dicomdump' --format 2>&1", DQ_BINARY_DIR);
    free(run(cmd, &st));
    cr_assert_eq(st, 2);
}
