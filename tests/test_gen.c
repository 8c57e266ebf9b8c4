/* dicomgen on tiny DocBook fixtures (tests/gen_fixtures): what it parses, that
 * its output is deterministic and path-free, and that bad input is rejected
 * with file:line, a non-zero exit and no partial output. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "tmp_path.h"

#define DICOMGEN DQ_BINARY_DIR "/gen/dicomgen"
#define FIXTURES DQ_SOURCE_DIR "/tests/gen_fixtures"
/* FIXTURES/<set>/fixture.partNN.xml as DIR/partNN.xml (tests/CMakeLists.txt). */
#define STANDARD DQ_BINARY_DIR "/tests/gen_standard"

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    cr_assert_eq(fread(s, 1, (size_t)n, f), (size_t)n);
    s[n] = 0;
    fclose(f);
    return s;
}

/* Runs dicomgen ARGS; returns its exit status, and its stdout and stderr in *out, *err. */
static int run(const char *args, char **out, char **err)
{
    char o[200], e[200];
    cr_assert(dq_test_tmp_template(o, sizeof o, "dq_gen_out") &&
              dq_test_tmp_template(e, sizeof e, "dq_gen_err"));
    int fo = mkstemp(o), fe = mkstemp(e);
    cr_assert(fo >= 0 && fe >= 0);
    close(fo);
    close(fe);
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "%s %s >%s 2>%s", DICOMGEN, args, o, e);
    int st = system(cmd);
    cr_assert(WIFEXITED(st), "%s", cmd);
    *out = slurp(o);
    *err = slurp(e);
    unlink(o);
    unlink(e);
    return WEXITSTATUS(st);
}

static void dump_matches(const char *what)
{
    char args[1024], golden[1024];
    snprintf(args, sizeof args, "--standard %s/good --dump %s", STANDARD, what);
    snprintf(golden, sizeof golden, "%s/good/%s.tsv", FIXTURES, what);
    char *out, *err;
    cr_assert_eq(run(args, &out, &err), 0, "%s", err);
    char *want = slurp(golden);
    cr_assert_str_eq(out, want);
    free(want);
    free(out);
    free(err);
}

Test(gen, dump_vrs)
{
    dump_matches("vrs");
}
Test(gen, dump_elements)
{
    dump_matches("elements");
}
Test(gen, dump_uids)
{
    dump_matches("uids");
}

/* The 2024a layout: the 16-bit form listed, the 32-bit form "other than" it,
 * CALS <tgroup>, header spans. Same VRs, same answers as the 2013 layout. */
Test(gen, dump_vrs_2024_layout)
{
    char *out, *err;
    cr_assert_eq(run("--standard " STANDARD "/vr2024 --dump vrs", &out, &err), 0, "%s", err);
    char *want = slurp(FIXTURES "/vr2024/vrs.tsv");
    cr_assert_str_eq(out, want);
    char *good = slurp(FIXTURES "/good/vrs.tsv");
    cr_assert_str_eq(out, good);
    cr_assert_null(strstr(err, "warning"), "%s", err); /* OD is not in the 16-bit list */
    free(good);
    free(want);
    free(out);
    free(err);
}

Test(gen, ignored_rows_and_fixups_are_reported)
{
    char *out, *err;
    cr_assert_eq(run("--standard " STANDARD "/good --dump elements", &out, &err), 0);
    cr_assert(strstr(err, "18 elements (15 from PS3.6, 3 from PS3.7)"), "%s", err);
    cr_assert(strstr(err, "1 blank rows, 1 tags without name, keyword, VR or VM"), "%s", err);
    free(out);
    free(err);
    cr_assert_eq(run("--standard " STANDARD "/good --dump uids", &out, &err), 0);
    cr_assert(strstr(err, "5 UIDs; ignored: 1 rows without a name"), "%s", err);
    cr_assert(strstr(err, "1 repeating a UID of an earlier table"), "%s", err);
    free(out);
    free(err);
    /* OD missing from the long-form caption, but too long for 16 bits. */
    cr_assert_eq(run("--standard " STANDARD "/good --dump vrs", &out, &err), 0);
    cr_assert(strstr(err, "part05.xml:19: warning: VR OD"), "%s", err);
    free(out);
    free(err);
}

static size_t count_files(const char *dir)
{
    DIR *d = opendir(dir);
    cr_assert_not_null(d);
    size_t n = 0;
    for (struct dirent *e; (e = readdir(d));)
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

static void rm_dir(const char *dir)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

/* Same input, same bytes; no build paths inside; the banner names the edition. */
Test(gen, emit_is_deterministic_and_path_free)
{
    static const char *const emitters[] = {"vrs", "dict", "uids"};
    static const char *const files[] = {
        "dq_gen_vr_codes.h", "dq_gen_vrs.c",       "dq_gen_vrs.h",
        "dq_gen_dict.c",     "dq_gen_dict.h",      "dq_gen_uids.c",
        "dq_gen_uids.h",     "dq_gen_uid_codes.h", "dq_gen_tag_codes.h"};
    char a[200], b[200];
    cr_assert(dq_test_tmp_template(a, sizeof a, "dq_gen_a") &&
              dq_test_tmp_template(b, sizeof b, "dq_gen_b"));
    cr_assert_not_null(mkdtemp(a));
    cr_assert_not_null(mkdtemp(b));
    for (size_t i = 0; i < 3; i++)
        for (int k = 0; k < 2; k++) {
            char args[512], *out, *err;
            snprintf(args, sizeof args, "--standard %s/good --emit %s --output-dir %s", STANDARD,
                     emitters[i], k ? b : a);
            cr_assert_eq(run(args, &out, &err), 0, "%s", err);
            free(out);
            free(err);
        }
    cr_assert_eq(count_files(a), 9);
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        char pa[1024], pb[1024];
        snprintf(pa, sizeof pa, "%s/%s", a, files[i]);
        snprintf(pb, sizeof pb, "%s/%s", b, files[i]);
        char *x = slurp(pa), *y = slurp(pb);
        cr_assert_str_eq(x, y, "%s differs between runs", files[i]);
        cr_assert_null(strstr(x, dq_test_tmpdir()), "%s contains a path", files[i]);
        cr_assert_null(strstr(x, DQ_SOURCE_DIR), "%s contains a path", files[i]);
        cr_assert(strstr(x, "2099z"), "%s: banner names no edition", files[i]);
        free(x);
        free(y);
    }
    char p[256];
    snprintf(p, sizeof p, "%s/dq_gen_vr_codes.h", a);
    char *codes = slurp(p);
    cr_assert(strstr(codes, "DQ_VR_OD = DQ_VR_CODE('O', 'D')"));
    free(codes);
    /* UID constants: the edition's keyword, and the name derived from the
     * UID Name where it differs (what editions without keywords get) */
    snprintf(p, sizeof p, "%s/dq_gen_uid_codes.h", a);
    codes = slurp(p);
    cr_assert(strstr(codes, "#define DQ_UID_PatientRootQueryRetrieveInformationModelFind "
                            "\"1.2.840.10008.5.1.4.1.2.1.1\""),
              "%s", codes);
    cr_assert(strstr(codes, "#define DQ_UID_TalairachBrainAtlas \"1.2.840.10008.1.4.1.1\""));
    cr_assert(strstr(
        codes, "#define DQ_UID_TalairachBrainAtlasFrameOfReference \"1.2.840.10008.1.4.1.1\""));
    cr_assert_null(strstr(codes, "AnatomicModifier"), "context groups are not Table A-1");
    free(codes);
    /* Tag constants: every element with a keyword and one tag, retired ones
     * marked; the repeating groups of the fixture are left out and counted. */
    snprintf(p, sizeof p, "%s/dq_gen_tag_codes.h", a);
    codes = slurp(p);
    cr_assert(
        strstr(codes, "#define DQ_TAG_PatientName 0x00100010u /* (0010,0010) Patient's Name */\n"),
        "%s", codes);
    cr_assert(
        strstr(codes, "#define DQ_TAG_CommandField 0x00000100u /* (0000,0100) Command Field */"));
    cr_assert(strstr(codes, "#define DQ_TAG_LengthToEnd 0x00080001u /* (0008,0001) Length to End "
                            "(retired) */"));
    cr_assert(strstr(codes, "#define DQ_TAG_Item 0xFFFEE000u"));
    cr_assert(strstr(codes, "Left out: 5 repeating-group elements"), "%s", codes);
    cr_assert_null(strstr(codes, "OverlayData"));
    free(codes);
    rm_dir(a);
    rm_dir(b);
}

/* A bad fixture replaces one part of the good set. */
typedef struct bad_case {
    const char *file; /* under gen_fixtures/bad/ */
    const char *dump; /* what to --dump / which emitter reads it */
    const char *emit;
    const char *needle; /* the error's line is the fixture line holding this; NULL: no line */
    const char *expect; /* in the message */
} bad_case;

static const bad_case bad_cases[] = {
    {"xml.part06.xml", "elements", "dict", "Patient's Name</td>",
     "Opening and ending tag mismatch"},
    {"tag.part06.xml", "elements", "dict", "(0010,001G)", "expected a tag like (0010,0010)"},
    {"vr.part06.xml", "elements", "dict", "PN or", "expected a VR like"},
    {"vm.part06.xml", "elements", "dict", ">1-<", "expected a VM like"},
    {"keyword.part06.xml", "elements", "dict", "Patient Name!",
     "expected a keyword of letters and digits"},
    {"dupkeyword.part06.xml", "elements", "dict", "(0010,0010)",
     "keyword SpecificCharacterSet is already used"},
    {"duptag.part06.xml", "elements", "dict", "again", "(0008,0005) appears twice"},
    {"shortrow.part06.xml", "elements", "dict", "(0010,0010)",
     "expected at least 5 cells, found 3"},
    {"notable.part06.xml", "elements", "dict", NULL,
     "expected exactly one table captioned \"Registry of DICOM Data Elements\""},
    {"subtitle.part06.xml", "elements", "dict", "<subtitle>", "expected \"PS3.N <edition>\""},
    {"nocommands.part07.xml", "elements", "dict", NULL,
     "expected tables captioned \"Command Fields\""},
    {"uid.part06.xml", "uids", "uids", "1.2.840.10008.1.2.x", "expected a UID"},
    {"uidcolumn.part06.xml", "uids", "uids", "<caption>UID Values",
     "expected a column headed \"UID Type\""},
    {"noexplicit.part05.xml", "vrs", "vrs", NULL, "Data Element with Explicit VR of <VR list>"},
    {"vrcode.part05.xml", "vrs", "vrs", "<para>A</para>", "expected a two-letter VR code"},
};

static long line_of(const char *path, const char *needle)
{
    char *s = slurp(path);
    char *hit = strstr(s, needle);
    cr_assert_not_null(hit, "%s not in %s", needle, path);
    long line = 1;
    for (char *p = s; p < hit; p++)
        line += *p == '\n';
    free(s);
    return line;
}

Test(gen, bad_input_is_rejected_with_file_and_line)
{
    for (size_t i = 0; i < sizeof bad_cases / sizeof *bad_cases; i++) {
        const bad_case *c = &bad_cases[i];
        char dir[200], out_dir[200];
        cr_assert(dq_test_tmp_template(dir, sizeof dir, "dq_gen_bad") &&
                  dq_test_tmp_template(out_dir, sizeof out_dir, "dq_gen_bado"));
        cr_assert_not_null(mkdtemp(dir));
        cr_assert_not_null(mkdtemp(out_dir));
        const char *part = strstr(c->file, ".part") + 1; /* "part06.xml" */
        static const char *const parts[] = {"part05.xml", "part06.xml", "part07.xml"};
        char src[1024], dst[1024];
        for (size_t k = 0; k < 3; k++) {
            if (strcmp(parts[k], part) == 0)
                snprintf(src, sizeof src, "%s/bad/%s", FIXTURES, c->file);
            else
                snprintf(src, sizeof src, "%s/good/%s", STANDARD, parts[k]);
            snprintf(dst, sizeof dst, "%s/%s", dir, parts[k]);
            cr_assert_eq(symlink(src, dst), 0);
        }
        char want[1024];
        if (c->needle) {
            snprintf(src, sizeof src, "%s/bad/%s", FIXTURES, c->file);
            snprintf(want, sizeof want, "%s/%s:%ld: ", dir, part, line_of(src, c->needle));
        } else {
            snprintf(want, sizeof want, "%s/%s: error: ", dir, part);
        }

        char args[600], *out, *err;
        snprintf(args, sizeof args, "--standard %s --dump %s", dir, c->dump);
        cr_assert_neq(run(args, &out, &err), 0, "%s: accepted", c->file);
        cr_assert_str_empty(out, "%s: partial dump", c->file);
        cr_assert(strstr(err, want), "%s: expected \"%s\" in: %s", c->file, want, err);
        cr_assert(strstr(err, c->expect), "%s: expected \"%s\" in: %s", c->file, c->expect, err);
        free(out);
        free(err);

        snprintf(args, sizeof args, "--standard %s --emit %s --output-dir %s", dir, c->emit,
                 out_dir);
        cr_assert_neq(run(args, &out, &err), 0, "%s: emit accepted", c->file);
        cr_assert_eq(count_files(out_dir), 0, "%s: partial output left behind", c->file);
        free(out);
        free(err);
        rm_dir(dir);
        rm_dir(out_dir);
    }
}

Test(gen, usage_errors)
{
    char *out, *err;
    cr_assert_eq(run("--standard " STANDARD "/good --dump nothing", &out, &err), 2);
    cr_assert(strstr(err, "no emitter"));
    free(out);
    free(err);
    cr_assert_eq(run("--standard /nonexistent --dump elements", &out, &err), 1);
    cr_assert(strstr(err, "/nonexistent/part06.xml"), "%s", err);
    free(out);
    free(err);
}

/* s with every "from" replaced by "to" (caller frees). */
static char *replace_all(const char *s, const char *from, const char *to)
{
    size_t fl = strlen(from), tl = strlen(to), n = 0;
    for (const char *p = strstr(s, from); p; p = strstr(p + fl, from))
        n++;
    char *out = malloc(strlen(s) + n * tl + 1), *o = out;
    for (const char *p; (p = strstr(s, from)); s = p + fl) {
        memcpy(o, s, (size_t)(p - s));
        o += p - s;
        memcpy(o, to, tl);
        o += tl;
    }
    strcpy(o, s);
    return out;
}

/* PS3.4 key tables in the 2013 shapes and in later ones (CALS tables,
 * renamed columns, a two-row header over the worklist's type columns, a body
 * rowspan, lower-case hex): the same keys, only the edition differs. */
Test(gen, dump_query_keys_across_layouts)
{
    char *out, *err;
    cr_assert_eq(run("--standard " STANDARD "/query2013 --dump query-keys", &out, &err), 0, "%s",
                 err);
    char *want = slurp(FIXTURES "/query2013/query-keys.tsv");
    cr_assert_str_eq(out, want);
    cr_assert(strstr(err, "24 keys in 7 tables; ignored: 3 rows without a tag"), "%s", err);
    cr_assert(strstr(err, "part04.xml:131: warning: \">Reason For Cancellation\" is nested in "
                          "ProcedureStepCancellationDateTime"),
              "%s", err);
    free(out);
    free(err);
    cr_assert_eq(run("--standard " STANDARD "/query2024 --dump query-keys", &out, &err), 0, "%s",
                 err);
    char *later = replace_all(want, "\t2013\n", "\t2026c\n");
    cr_assert_str_eq(out, later);
    free(later);
    free(out);
    free(err);
    free(want);
}

/* A key type or tag the emitter does not know stops it at its line. */
Test(gen, query_keys_bad_input)
{
    static const struct {
        const char *from, *to, *expect, *at; /* at: the line's text, NULL: `to`'s */
    } cases[] = {
        {"<td><para>(0020,0013)</para></td><td><para>R</para>",
         "<td><para>(0020,0013)</para></td><td><para>X</para>", "expected a key type", NULL},
        {"(0020,0013)", "(0099,0013)", "(0099,0013): not in the PS3.6 dictionary", NULL},
        {"are the same as the Attributes for the Series", "are like the Series",
         "Study Root SERIES: expected the text", "<section label=\"C.6.2.1.3\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char dir[200];
        cr_assert(dq_test_tmp_template(dir, sizeof dir, "dq_gen_qk"));
        cr_assert_not_null(mkdtemp(dir));
        char src[1024], dst[1024];
        static const char *const parts[] = {"part06.xml", "part07.xml"};
        for (size_t k = 0; k < 2; k++) {
            snprintf(src, sizeof src, "%s/query2013/%s", STANDARD, parts[k]);
            snprintf(dst, sizeof dst, "%s/%s", dir, parts[k]);
            cr_assert_eq(symlink(src, dst), 0);
        }
        char *p4 = slurp(FIXTURES "/query2013/fixture.part04.xml");
        cr_assert(strstr(p4, cases[i].from), "%s", cases[i].from);
        char *bad = replace_all(p4, cases[i].from, cases[i].to);
        snprintf(dst, sizeof dst, "%s/part04.xml", dir);
        FILE *f = fopen(dst, "w");
        cr_assert_not_null(f);
        fputs(bad, f);
        fclose(f);
        long line = 1;
        const char *at = strstr(bad, cases[i].at ? cases[i].at : cases[i].to);
        for (const char *c = bad; c < at; c++)
            line += *c == '\n';
        char args[600], want[600], *out, *err;
        snprintf(args, sizeof args, "--standard %s --dump query-keys", dir);
        cr_assert_neq(run(args, &out, &err), 0, "%s: accepted", cases[i].to);
        cr_assert_str_empty(out);
        snprintf(want, sizeof want, "%s/part04.xml:%ld: error: ", dir, line);
        cr_assert(strstr(err, want), "expected \"%s\" in: %s", want, err);
        cr_assert(strstr(err, cases[i].expect), "expected \"%s\" in: %s", cases[i].expect, err);
        free(out);
        free(err);
        free(bad);
        free(p4);
        rm_dir(dir);
    }
}

/* The emitted tables: the same bytes on every run, no paths, the edition in
 * the banner and on each model, one array per PS3.4 table (Study Root's lower
 * levels point at Patient Root's). */
Test(gen, query_keys_emit_is_deterministic)
{
    char a[200], b[200];
    cr_assert(dq_test_tmp_template(a, sizeof a, "dq_gen_qa") &&
              dq_test_tmp_template(b, sizeof b, "dq_gen_qb"));
    cr_assert_not_null(mkdtemp(a));
    cr_assert_not_null(mkdtemp(b));
    const char *dirs[] = {a, b};
    for (size_t k = 0; k < 2; k++) {
        char args[512], *out, *err;
        snprintf(args, sizeof args, "--standard %s/query2013 --emit query_keys --output-dir %s",
                 STANDARD, dirs[k]);
        cr_assert_eq(run(args, &out, &err), 0, "%s", err);
        free(out);
        free(err);
    }
    cr_assert_eq(count_files(a), 2);
    char pa[1024], pb[1024];
    snprintf(pa, sizeof pa, "%s/dq_gen_query_keys.c", a);
    snprintf(pb, sizeof pb, "%s/dq_gen_query_keys.c", b);
    char *x = slurp(pa), *y = slurp(pb);
    cr_assert_str_eq(x, y);
    cr_assert_null(strstr(x, dq_test_tmpdir()));
    cr_assert_null(strstr(x, DQ_SOURCE_DIR));
    cr_assert(strstr(x, " *   part04.xml: DICOM PS3.4 2013 - Service Class Specifications\n"));
    cr_assert(strstr(x, "static const dq_query_key keys_C_6_3[] = {"), "%s", x);
    cr_assert(strstr(x, "{\"SERIES\", \"C.6-3\", \"Series Level Attributes for the Patient Root "
                        "Query/Retrieve Information Model\", \"C.6.2.1.3\", keys_C_6_3, 2},"),
              "%s", x);
    cr_assert(strstr(x, "{0x00081032u, \"ProcedureCodeSequence\", 0, -1, \"O\", \"\", \"\"},\n"
                        "    {0x00080100u, \"CodeValue\", 1, 2, \"O\", \"\", \"\"},"),
              "%s", x);
    free(x);
    free(y);
    rm_dir(a);
    rm_dir(b);
}
