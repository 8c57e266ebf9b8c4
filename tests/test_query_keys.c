/* The PS3.4 key tables as the query_keys emitter reads them from the 2013
 * edition, against the tables written out here by hand from that edition's
 * text (PS3.4 2013 Tables C.6-1..C.6-5 and K.6-1); and the library's lookups
 * on the configured edition. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dq/query_keys.h>

#define DICOMGEN DQ_BINARY_DIR "/gen/dicomgen"

/* One row per key in table order: '>' per nesting level, then the Type
 * (U, R, O) and the tag. Read from PS3.4 2013; "All other Attributes at ...
 * Level" rows carry no tag and are not keys. */
static const char C6_1[] = /* Patient Level, Patient Root */
    "R(0010,0010) U(0010,0020) O(0010,0021) O(0008,1120) >O(0008,1150) >O(0008,1155) "
    "O(0010,0030) O(0010,0032) O(0010,0040) O(0010,1000) O(0010,1001) O(0010,2160) "
    "O(0010,4000) O(0020,1200) O(0020,1202) O(0020,1204)";
static const char C6_2[] = /* Study Level, Patient Root */
    "R(0008,0020) R(0008,0030) R(0008,0050) R(0020,0010) U(0020,000D) O(0008,0061) "
    "O(0008,0062) O(0008,0090) O(0008,1030) O(0008,1032) >O(0008,0100) >O(0008,0102) "
    ">O(0008,0103) >O(0008,0104) O(0008,1060) O(0008,1080) O(0008,1110) >O(0008,1150) "
    ">O(0008,1155) O(0010,1010) O(0010,1020) O(0010,1030) O(0010,2180) O(0010,21B0) "
    "O(0020,1070) O(0020,1206) O(0020,1208)";
static const char C6_3[] = /* Series Level, Patient Root (and Study Root) */
    "R(0008,0060) R(0020,0011) U(0020,000E) O(0020,1209)";
static const char C6_4[] = /* Composite Object Instance Level */
    "R(0020,0013) U(0008,0018) O(0008,0016) O(0008,3001) >O(0020,000E) >O(0008,1150) "
    ">O(0008,1155) >O(0040,A170) >>O(0008,0100) >>O(0008,0102) >>O(0008,0103) "
    ">>O(0008,0104) O(0008,001A) O(0040,A043) >O(0008,0100) >O(0008,0102) >O(0008,0103) "
    ">O(0008,0104) O(0040,A504) >O(0040,DB00) >O(0008,0105) O(0040,0512) O(0040,0560) "
    ">O(0040,0551) >O(0040,0554)";
static const char C6_5[] = /* Study Level, Study Root */
    "R(0008,0020) R(0008,0030) R(0008,0050) R(0010,0010) R(0010,0020) R(0020,0010) "
    "U(0020,000D) O(0008,0061) O(0008,0062) O(0008,0090) O(0008,1030) O(0008,1032) "
    ">O(0008,0100) >O(0008,0102) >O(0008,0103) >O(0008,0104) O(0008,1060) O(0008,1080) "
    "O(0008,1110) >O(0008,1150) >O(0008,1155) O(0008,1120) >O(0008,1150) >O(0008,1155) "
    "O(0010,0021) O(0010,0030) O(0010,0032) O(0010,0040) O(0010,1000) O(0010,1001) "
    "O(0010,1010) O(0010,1020) O(0010,1030) O(0010,2160) O(0010,2180) O(0010,21B0) "
    "O(0010,4000) O(0020,1070) O(0020,1200) O(0020,1202) O(0020,1204) O(0020,1206) "
    "O(0020,1208)";
/* K.6-1: '>' per nesting level, the tag, then Matching Key Type / Return Key
 * Type, module by module as the table groups them. */
static const char K6_1[] =
    /* Scheduled Procedure Step */
    "(0040,0100)R/1 >(0040,0001)R/1 >(0040,0002)R/1 >(0040,0003)R/1 >(0008,0060)R/1 "
    ">(0040,0006)R/2 >(0040,0007)O/1C >(0040,0010)O/2 >(0040,0011)O/2 >(0040,0008)O/1C "
    ">>(0008,0100)O/1 >>(0008,0103)O/3 >>(0008,0102)O/1 >>(0008,0104)O/3 "
    ">>(0040,0440)-/3 >>>(0040,A040)-/1 >>>(0040,A043)-/1 >>>>(0008,0100)-/1 "
    ">>>>(0008,0102)-/1 >>>>(0008,0103)-/3 >>>>(0008,0104)-/1 >>>(0040,A120)-/1C "
    ">>>(0040,A123)-/1C >>>(0040,A160)-/1C >>>(0040,A168)-/1C >>>>(0008,0100)-/1 "
    ">>>>(0008,0102)-/1 >>>>(0008,0103)-/3 >>>>(0008,0104)-/1 >>>(0040,A30A)-/1C "
    ">>>(0040,08EA)-/1C >>>>(0008,0100)-/1 >>>>(0008,0102)-/1 >>>>(0008,0103)-/3 "
    ">>>>(0008,0104)-/1 >(0040,0012)O/2C >(0040,0009)O/1 >(0032,1070)O/2C >(0040,0020)O/3 "
    "(0040,0500)O/3 >(0040,0512)O/1 >(0040,0518)-/2 >>(0008,0100)-/1 >>(0008,0102)-/1 "
    ">>(0008,0103)-/3 >>(0008,0104)-/1 >(0040,0560)O/1 >>(0040,0551)O/1 >>(0040,0554)O/1 "
    /* Requested Procedure */
    "(0040,1001)O/1 (0032,1060)O/1C (0032,1064)O/1C >(0008,0100)O/1 >(0008,0102)O/1 "
    ">(0008,0103)O/3 >(0008,0104)O/3 (0020,000D)O/1 (0008,0020)O/3 (0008,0030)O/3 "
    "(0008,1110)O/2 >(0008,1150)O/1 >(0008,1155)O/1 (0040,1003)O/2 (0040,1004)O/2 "
    /* Imaging Service Request, Visit Identification, Visit Status, Visit Relationship */
    "(0008,0050)O/2 (0032,1032)O/2 (0008,0090)O/2 (0038,0010)O/2 (0038,0300)O/2 "
    "(0008,1120)O/2 >(0008,1150)O/1 >(0008,1155)O/1 "
    /* Patient Identification, Patient Demographic */
    "(0010,0010)R/1 (0010,0020)R/1 (0010,0030)O/2 (0010,0040)O/2 (0010,0101)O/3 "
    ">(0008,0100)O/1 >(0008,0102)O/1 >(0008,0104)-/1 >(0010,0102)O/3 >>(0008,0100)O/1 "
    ">>(0008,0102)O/1 >>(0008,0104)-/1 (0010,1030)O/2 (0010,1020)O/3 (0040,3001)O/2 "
    /* Patient Medical */
    "(0038,0500)O/2 (0010,21C0)O/2 (0010,2000)O/2 (0010,2110)O/2 (0038,0050)O/2 "
    "(0038,0100)O/3 >(0008,1150)-/1 >(0008,1155)-/1 >(0040,A170)-/2 >>(0008,0100)-/1 "
    ">>(0008,0102)-/1 >>(0008,0104)-/1 >(0042,0010)-/2";

static char *dump_2013(void)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s --standard '%s' --dump query-keys 2>/dev/null", DICOMGEN,
             DQ_STANDARD_2013_DIR);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    size_t cap = 1 << 20, n = 0;
    char *s = malloc(cap);
    for (size_t k; (k = fread(s + n, 1, cap - 1 - n, p)) > 0;)
        n += k;
    s[n] = 0;
    cr_assert_eq(pclose(p), 0, "dicomgen failed on the 2013 edition");
    return s;
}

/* The rows of one model and level in the form above (Q/R: type then tag;
 * worklist: tag then match/return). Columns: model level table via depth tag
 * keyword type match return edition. */
static void rows_of(const char *dump, const char *model, const char *level, char *out, size_t cap)
{
    size_t off = 0;
    out[0] = 0;
    char *copy = strdup(dump), *save = NULL;
    for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *f[11] = {0};
        size_t nf = 0;
        /* split by hand: strtok would merge empty fields */
        for (char *p = line; nf < 11 && p; nf++) {
            f[nf] = p;
            p = strchr(p, '\t');
            if (p)
                *p++ = 0;
        }
        if (nf < 11 || strcmp(f[0], model) != 0 || strcmp(f[1], level) != 0)
            continue;
        cr_assert_str_eq(f[10], "2013", "the edition is the one read");
        int depth = atoi(f[4]);
        int w;
        if (f[7][0])
            w = snprintf(out + off, cap - off, "%s%.*s%s%s", off ? " " : "", depth, ">>>>>", f[7],
                         f[5]);
        else
            w = snprintf(out + off, cap - off, "%s%.*s%s%s/%s", off ? " " : "", depth, ">>>>>",
                         f[5], f[8], f[9]);
        cr_assert(w > 0 && (size_t)w < cap - off);
        off += (size_t)w;
    }
    free(copy);
}

static void expect_rows(const char *dump, const char *model, const char *level, const char *want)
{
    static char got[16384];
    rows_of(dump, model, level, got, sizeof got);
    cr_expect_str_eq(got, want, "%s %s", model, level);
}

Test(query_keys, tables_of_the_2013_edition_as_written_in_ps3_4)
{
    char *d = dump_2013();
    expect_rows(d, "Patient Root", "PATIENT", C6_1);
    expect_rows(d, "Patient Root", "STUDY", C6_2);
    expect_rows(d, "Patient Root", "SERIES", C6_3);
    expect_rows(d, "Patient Root", "IMAGE", C6_4);
    expect_rows(d, "Study Root", "STUDY", C6_5);
    /* C.6.2.1.3/C.6.2.1.4: Study Root's lower levels are Patient Root's. */
    expect_rows(d, "Study Root", "SERIES", C6_3);
    expect_rows(d, "Study Root", "IMAGE", C6_4);
    /* Retired (C.6.3); PS3.4-2004: the Patient Root's upper two levels. */
    expect_rows(d, "Patient/Study Only", "PATIENT", C6_1);
    expect_rows(d, "Patient/Study Only", "STUDY", C6_2);
    expect_rows(d, "Patient/Study Only", "SERIES", "");
    expect_rows(d, "Modality Worklist", "", K6_1);
    /* C.4.1.1.3.1: what a Q/R request identifier carries besides keys. */
    expect_rows(d, "Study Root", "*", "(0008,0052)/ (0008,0053)/ (0008,0005)/ (0008,0201)/");
    free(d);
}

/* The library's tables (the configured edition) through the public API. */
Test(query_keys, lookups)
{
    cr_assert_eq(dq_query_model_count(), 5);
    const dq_query_model *sr = dq_query_model_find("Study Root");
    cr_assert_not_null(sr);
    cr_expect_eq(sr->level_tag, 0x00080052u);
    cr_expect_eq(sr->nlevels, 3);
    const dq_query_level *series = dq_query_level_find(sr, "SERIES");
    cr_assert_not_null(series);
    cr_expect_eq(dq_query_level_index(sr, series), 1);
    cr_expect_str_eq(series->via, "C.6.2.1.3");
    const dq_query_key *k = dq_query_level_key(series, 0x0020000Eu);
    cr_assert_not_null(k);
    cr_expect_str_eq(k->type, "U");
    cr_expect_str_eq(k->keyword, "SeriesInstanceUID");
    cr_expect_null(dq_query_level_key(series, 0x00100010u), "PatientName is no series key");
    cr_expect(dq_query_model_identifier_tag(sr, 0x00080005u));
    cr_expect_null(dq_query_level_find(sr, "PATIENT"));
    cr_expect_null(dq_query_model_find("No Such Root"));
    const dq_query_model *ps = dq_query_model_find("Patient/Study Only");
    cr_assert_not_null(ps);
    cr_expect_eq(ps->nlevels, 2);
    const dq_query_model *wl = dq_query_model_find("Modality Worklist");
    const dq_query_level *l = dq_query_level_find(wl, "");
    cr_assert_not_null(l);
    /* nested keys name their sequence */
    for (size_t i = 0; i < l->nkeys; i++)
        if (l->keys[i].depth > 0) {
            cr_assert(l->keys[i].parent >= 0 && (size_t)l->keys[i].parent < i);
            cr_expect_eq(l->keys[l->keys[i].parent].depth + 1, l->keys[i].depth);
        }
    cr_expect(strstr(wl->edition, "PS3.4"), "%s", wl->edition);
}
