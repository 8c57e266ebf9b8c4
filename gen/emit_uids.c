/* Emitter "uids": the UID registry of PS3.6 Annex A.
 *
 * Reads Table A-1 "UID Values" (required) and, where the edition has them,
 * "Well-known Frames of Reference", "Context Group UID Values" and "Template
 * UID Values", all found by caption; columns by heading. Tables without a
 * "UID Type" column give every row the type their caption implies. A UID is
 * retired when its name says "(Retired)" or its row is all italic.
 *
 * Ignored rows, counted and reported: rows whose name is empty (newer editions
 * name context groups and templates only through a link into PS3.16/PS3.20,
 * which is not read here) and rows repeating a UID already read from an
 * earlier table (Table A-2's frames of reference are also in A-1).
 *
 * Emits dq_gen_uids.c/.h: the dq_uid_entry array sorted by UID and hash
 * tables (src/data/dict_hash.h) by UID and by keyword; and dq_gen_uid_codes.h
 * (included by include/dq/dict.h): one constant DQ_UID_<Keyword> per Table
 * A-1 UID, so code names a UID by keyword and a typo is a build error.
 */
#include "gen.h"

#include "../src/data/dict_hash.h"
#include "hash.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_UIDS 60000 /* indexes are uint16_t; 0xFFFF marks an empty slot */

typedef struct uid {
    char *uid, *name, *keyword, *type;
    bool retired;
    bool in_a1;  /* from Table A-1 "UID Values" */
    xmlNode *tr; /* its row, for error messages */
    long line;
} uid;

typedef struct uid_set {
    uid *v;
    size_t n, cap;
    size_t no_name, repeated, blank;
} uid_set;

/* Tables to read, in order; `type` is used when the table has no type column. */
static const struct {
    const char *caption;
    bool required;
    const char *uid_col;
    const char *name_col;
    const char *type;
} tables[] = {
    {"UID Values", true, "UID Value", "UID Name", NULL},
    {"Well-known Frames of Reference", false, "UID Value", "UID Name",
     "Well-known frame of reference"},
    {"Context Group UID Values", false, "Context UID", "Context Group Name", "Context Group Name"},
    {"Template UID Values", false, "UID Value", "UID Name", NULL},
};

static bool valid_uid(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 64 || s[0] == '.' || s[n - 1] == '.')
        return false;
    for (size_t i = 0; i < n; i++)
        if (!(isdigit((unsigned char)s[i]) || (s[i] == '.' && s[i + 1] != '.')))
            return false;
    return true;
}

static bool valid_keyword(const char *s)
{
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_')
            return false;
    return true;
}

static char *one_line(const char *s)
{
    char *r = gen_xstrdup(s);
    for (char *p = r; *p; p++)
        if (*p == '\n')
            *p = ' ';
    return r;
}

static int cmp_uid(const void *a, const void *b)
{
    return strcmp(((const uid *)a)->uid, ((const uid *)b)->uid);
}

static int cmp_keyword(const void *a, const void *b)
{
    return strcmp((*(const uid *const *)a)->keyword, (*(const uid *const *)b)->keyword);
}

static void read_table(uid_set *set, const gen_doc *doc, xmlNode *node, size_t which)
{
    gen_table *t = gen_table_read(doc, node);
    size_t c_uid = gen_table_column(t, tables[which].uid_col);
    size_t c_name = gen_table_column(t, tables[which].name_col);
    size_t c_type = tables[which].type ? (size_t)-1 : gen_table_column(t, "UID Type");
    /* Editions from 2016 on add a keyword column; accept either heading. */
    size_t c_kw = gen_table_column_opt(t, "UID Keyword");
    if (c_kw == (size_t)-1)
        c_kw = gen_table_column_opt(t, "Keyword");
    size_t need = c_uid > c_name ? c_uid : c_name;
    if (c_type != (size_t)-1 && c_type > need)
        need = c_type;
    if (c_kw != (size_t)-1 && c_kw > need)
        need = c_kw;
    size_t first_new = set->n;
    for (size_t r = 0; r < t->nbody; r++) {
        const gen_row *row = &t->body[r];
        bool blank = true;
        for (size_t c = 0; c < row->ncells; c++)
            blank &= row->cells[c][0] == 0;
        if (blank) {
            set->blank++;
            continue;
        }
        if (row->ncells <= need)
            gen_fail(doc, row->tr, "UID row: expected at least %zu cells, found %zu", need + 1,
                     row->ncells);
        const char *u = row->cells[c_uid];
        if (!valid_uid(u))
            gen_fail(doc, row->nodes[c_uid],
                     "expected a UID (digits and dots, at most 64), found \"%s\"", u);
        if (row->cells[c_name][0] == 0) {
            set->no_name++;
            continue;
        }
        const char *kw = c_kw == (size_t)-1 ? "" : row->cells[c_kw];
        if (!valid_keyword(kw))
            gen_fail(doc, row->nodes[c_kw],
                     "%s: expected a keyword of letters and digits, found \"%s\"", u, kw);
        const char *type = tables[which].type ? tables[which].type : row->cells[c_type];
        if (!type[0])
            gen_fail(doc, row->tr, "%s: expected a UID type, the cell is empty", u);
        /* Earlier tables win: A-2 repeats frames of reference listed in A-1. */
        bool seen = false;
        for (size_t i = 0; i < first_new && !seen; i++)
            seen = strcmp(set->v[i].uid, u) == 0;
        if (seen) {
            set->repeated++;
            continue;
        }
        if (set->n == MAX_UIDS)
            gen_fail(doc, row->tr, "more than %d UIDs", MAX_UIDS);
        if (set->n == set->cap) {
            set->cap = set->cap ? set->cap * 2 : 1024;
            set->v = gen_xrealloc(set->v, set->cap * sizeof *set->v);
        }
        uid *e = &set->v[set->n++];
        e->uid = gen_xstrdup(u);
        e->name = one_line(row->cells[c_name]);
        e->keyword = gen_xstrdup(kw);
        e->type = one_line(type);
        e->retired = strstr(e->name, "(Retired)") != NULL || gen_all_italic(row->tr);
        e->in_a1 = which == 0;
        e->tr = row->tr;
        e->line = row->line;
    }
    gen_table_free(t);
}

static uid_set *uids_read(const gen_doc *doc)
{
    uid_set *set = gen_xmalloc(sizeof *set);
    memset(set, 0, sizeof *set);
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
        xmlNode **found;
        size_t n = gen_find_tables(doc, tables[i].caption, &found);
        if (n == 0 && tables[i].required)
            gen_fail(doc, NULL, "expected a table captioned \"%s\" (PS3.6 Table A-1)",
                     tables[i].caption);
        for (size_t k = 0; k < n; k++)
            read_table(set, doc, found[k], i);
        free(found);
    }
    qsort(set->v, set->n, sizeof *set->v, cmp_uid);
    for (size_t i = 1; i < set->n; i++) {
        const uid *a = &set->v[i - 1], *b = &set->v[i];
        if (strcmp(a->uid, b->uid) == 0)
            gen_fail(doc, a->line > b->line ? a->tr : b->tr, "UID %s appears twice (also line %ld)",
                     a->uid, a->line > b->line ? b->line : a->line);
    }
    const uid **by_kw = gen_xmalloc((set->n ? set->n : 1) * sizeof *by_kw);
    for (size_t i = 0; i < set->n; i++)
        by_kw[i] = &set->v[i];
    qsort(by_kw, set->n, sizeof *by_kw, cmp_keyword);
    for (size_t i = 1; i < set->n; i++) {
        const uid *a = by_kw[i - 1], *b = by_kw[i];
        if (a->keyword[0] && strcmp(a->keyword, b->keyword) == 0)
            gen_fail(doc, a->line > b->line ? a->tr : b->tr, "UID keyword %s is used by %s and %s",
                     a->keyword, a->uid, b->uid);
    }
    free(by_kw);
    return set;
}

static void uids_free(uid_set *set)
{
    for (size_t i = 0; i < set->n; i++) {
        free(set->v[i].uid);
        free(set->v[i].name);
        free(set->v[i].keyword);
        free(set->v[i].type);
    }
    free(set->v);
    free(set);
}

static void report(const uid_set *set)
{
    fprintf(stderr,
            "dicomgen: uids: %zu UIDs; ignored: %zu rows without a name (named only by a link "
            "into another part), %zu repeating a UID of an earlier table, %zu blank rows\n",
            set->n, set->no_name, set->repeated, set->blank);
}

/* UIDs the library uses that PS3.6 registered after the oldest edition it
 * builds from (this workplace's newest part06.xml is 2015b). Used only when
 * the edition read lacks the UID; when it has it, its name must be this one,
 * so a slip here fails the generator on the first edition that lists it. */
static const struct {
    const char *uid, *name, *since;
} later_uids[] = {
    {"1.2.840.10008.5.1.4.1.1.201.6", "Repository Query", "an edition after 2015b"},
    {"1.2.840.10008.5.1.4.34.6.5", "Unified Procedure Step - Query SOP Class",
     "an edition after 2015b"},
};

/* The editions before 2016 have no keyword column. The constant's name is
 * then derived from the UID Name the way later editions' keywords read: the
 * text before any ':' ("Implicit VR Little Endian: Default Transfer Syntax
 * for DICOM"), without "(Retired)" and " SOP Class", each word
 * capitalised and joined, punctuation dropped; the DIMSE operations FIND,
 * MOVE and GET become Find, Move, Get, other capitals stay (DICOM, VR):
 * "Patient Root Query/Retrieve Information Model - FIND" ->
 * PatientRootQueryRetrieveInformationModelFind. A later edition's keyword
 * can differ (DICOMApplicationContext for "DICOM Application Context
 * Name"): both are emitted, so code written against either builds. */
static char *derived_keyword(const char *name)
{
    char *t = gen_xstrdup(name);
    char *cut = strchr(t, ':');
    if (cut)
        *cut = 0;
    if ((cut = strstr(t, "(Retired)")))
        *cut = 0;
    size_t n = strlen(t);
    while (n && t[n - 1] == ' ')
        t[--n] = 0;
    for (char *sop; (sop = strstr(t, " SOP Class"));)
        memmove(sop, sop + 10, strlen(sop + 10) + 1);
    char *out = gen_xmalloc(strlen(t) + 1), *o = out;
    for (const char *p = t; *p;) {
        if (!isalnum((unsigned char)*p)) {
            p++;
            continue;
        }
        size_t w = 0;
        while (isalnum((unsigned char)p[w]))
            w++;
        bool op = (w == 4 && strncmp(p, "FIND", 4) == 0) ||
                  (w == 4 && strncmp(p, "MOVE", 4) == 0) || (w == 3 && strncmp(p, "GET", 3) == 0);
        for (size_t i = 0; i < w; i++)
            *o++ = i == 0 ? (char)toupper((unsigned char)p[i])
                   : op   ? (char)tolower((unsigned char)p[i])
                          : p[i];
        p += w;
    }
    *o = 0;
    free(t);
    return out;
}

typedef struct uid_const {
    char *name;
    const char *uid;
    const char *what;  /* the UID Name */
    const char *since; /* later_uids: where it was registered; else NULL */
    bool dup;
} uid_const;

static int cmp_const(const void *a, const void *b)
{
    return strcmp(((const uid_const *)a)->name, ((const uid_const *)b)->name);
}

static void add_const(uid_const *v, size_t *n, const char *name, const char *value,
                      const char *what, const char *since)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp(v[i].name, name) == 0 && strcmp(v[i].uid, value) == 0)
            return;
    v[(*n)++] = (uid_const){gen_xstrdup(name), value, what, since, false};
}

/* DQ_UID_<Keyword> "<UID>" for every Table A-1 UID (and later_uids the
 * edition lacks). A name two UIDs would share is left out, counted. */
static void emit_codes(const gen_doc *doc, const uid_set *set, const char *outdir)
{
    size_t cap = 2 * set->n + 2 * (sizeof later_uids / sizeof later_uids[0]) + 1, n = 0;
    uid_const *v = gen_xmalloc(cap * sizeof *v);
    for (size_t i = 0; i < set->n; i++) {
        const uid *e = &set->v[i];
        if (!e->in_a1)
            continue;
        char *d = derived_keyword(e->name);
        if (e->keyword[0])
            add_const(v, &n, e->keyword, e->uid, e->name, NULL);
        if (d[0])
            add_const(v, &n, d, e->uid, e->name, NULL);
        free(d);
    }
    for (size_t k = 0; k < sizeof later_uids / sizeof later_uids[0]; k++) {
        const uid *have = NULL;
        for (size_t i = 0; i < set->n && !have; i++)
            if (strcmp(set->v[i].uid, later_uids[k].uid) == 0)
                have = &set->v[i];
        if (have && strcmp(have->name, later_uids[k].name) != 0)
            gen_fail(doc, have->tr, "UID %s is \"%s\" here, but gen/emit_uids.c says \"%s\"",
                     have->uid, have->name, later_uids[k].name);
        if (have)
            continue;
        char *d = derived_keyword(later_uids[k].name);
        add_const(v, &n, d, later_uids[k].uid, later_uids[k].name, later_uids[k].since);
        free(d);
    }
    qsort(v, n, sizeof *v, cmp_const);
    size_t dups = 0;
    for (size_t i = 1; i < n; i++)
        if (strcmp(v[i - 1].name, v[i].name) == 0)
            v[i - 1].dup = v[i].dup = true;
    for (size_t i = 0; i < n; i++)
        dups += v[i].dup;

    char *path = gen_xasprintf("%s/dq_gen_uid_codes.h", outdir);
    gen_out *h = gen_out_open(path);
    free(path);
    const gen_doc *docs[] = {doc};
    gen_out_banner(h, "uids", docs, 1);
    gen_out_printf(h,
                   "/* Included by include/dq/dict.h: the UIDs of PS3.6 Table A-1 by keyword\n"
                   " * (derived from the UID Name in editions without keywords: gen/emit_uids.c).\n"
                   " * Left out, as two UIDs would share the name: %zu. */\n"
                   "#ifndef DQ_GEN_UID_CODES_H\n#define DQ_GEN_UID_CODES_H\n\n",
                   dups);
    for (size_t i = 0; i < n; i++) {
        if (!v[i].dup) {
            gen_out_printf(h, "#define DQ_UID_%s ", v[i].name);
            gen_out_cstr(h, v[i].uid);
            if (v[i].since)
                gen_out_printf(h, " /* %s: not in this edition, registered in %s */\n", v[i].what,
                               v[i].since);
            else
                gen_out_printf(h, " /* %s */\n", v[i].what);
        }
        free(v[i].name);
    }
    gen_out_printf(h, "\n#endif\n");
    gen_out_commit(h);
    free(v);
}

static int emit(const char *dir, const char *outdir)
{
    gen_doc *doc = gen_doc_load(dir, "part06.xml");
    uid_set *set = uids_read(doc);
    const gen_doc *docs[] = {doc};

    size_t nkw = 0;
    for (size_t i = 0; i < set->n; i++)
        nkw += set->v[i].keyword[0] != 0;
    unsigned ubits = gen_hash_bits(set->n), kbits = gen_hash_bits(nkw ? nkw : 1);
    size_t usize = (size_t)1 << ubits, ksize = (size_t)1 << kbits;
    uint16_t *uslots = gen_hash_slots(ubits);
    uint16_t *kslots = gen_hash_slots(kbits);
    for (size_t i = 0; i < set->n; i++) {
        const uid *e = &set->v[i];
        gen_hash_put(uslots, ubits, dq_hash_str(e->uid, ubits), (uint16_t)i);
        if (e->keyword[0]) /* keywords are unique: uids_read checked */
            gen_hash_put(kslots, kbits, dq_hash_str(e->keyword, kbits), (uint16_t)i);
    }

    char *path = gen_xasprintf("%s/dq_gen_uids.h", outdir);
    gen_out *h = gen_out_open(path);
    free(path);
    gen_out_banner(h, "uids", docs, 1);
    gen_out_printf(
        h,
        "#ifndef DQ_GEN_UIDS_H\n#define DQ_GEN_UIDS_H\n\n"
        "#include \"dq/dict.h\"\n\n"
        "#define DQ_GEN_UID_COUNT %zu\n"
        "/* Open-addressing tables of indexes into dq_gen_uids (0xFFFF: empty),\n"
        " * probed linearly from dq_hash_str (src/data/dict_hash.h). */\n"
        "#define DQ_GEN_UID_EMPTY 0xFFFFu\n"
        "#define DQ_GEN_UID_BITS %u\n"
        "#define DQ_GEN_UID_KEYWORD_BITS %u /* UIDs with a keyword: %zu */\n\n"
        "extern const dq_uid_entry dq_gen_uids[DQ_GEN_UID_COUNT]; /* sorted by UID string */\n"
        "extern const uint16_t dq_gen_uids_by_uid[1u << DQ_GEN_UID_BITS];\n"
        "extern const uint16_t dq_gen_uids_by_keyword[1u << DQ_GEN_UID_KEYWORD_BITS];\n\n"
        "#endif\n",
        set->n, ubits, kbits, nkw);

    path = gen_xasprintf("%s/dq_gen_uids.c", outdir);
    gen_out *c = gen_out_open(path);
    free(path);
    gen_out_banner(c, "uids", docs, 1);
    gen_out_printf(c, "#include \"dq_gen_uids.h\"\n\n"
                      "const dq_uid_entry dq_gen_uids[DQ_GEN_UID_COUNT] = {\n"
                      "    /* uid, name, keyword, type, retired */\n");
    for (size_t i = 0; i < set->n; i++) {
        const uid *e = &set->v[i];
        gen_out_printf(c, "    /* %4zu */ {", i);
        gen_out_cstr(c, e->uid);
        gen_out_printf(c, ", ");
        gen_out_cstr(c, e->name);
        gen_out_printf(c, ", ");
        gen_out_cstr(c, e->keyword);
        gen_out_printf(c, ", ");
        gen_out_cstr(c, e->type);
        gen_out_printf(c, ", %d},\n", e->retired);
    }
    gen_out_printf(c, "};\n\n");
    gen_out_slots16(c, "dq_gen_uids_by_uid", uslots, usize);
    gen_out_slots16(c, "dq_gen_uids_by_keyword", kslots, ksize);

    emit_codes(doc, set, outdir);
    gen_out_commit(h);
    gen_out_commit(c);
    report(set);
    free(uslots);
    free(kslots);
    uids_free(set);
    gen_doc_free(doc);
    return 0;
}

static int dump(const char *dir, const char *what, FILE *out)
{
    (void)what;
    gen_doc *doc = gen_doc_load(dir, "part06.xml");
    uid_set *set = uids_read(doc);
    fprintf(out, "uid\tkeyword\ttype\tretired\tname\n");
    for (size_t i = 0; i < set->n; i++) {
        const uid *e = &set->v[i];
        fprintf(out, "%s\t%s\t%s\t%d\t%s\n", e->uid, e->keyword, e->type, e->retired, e->name);
    }
    report(set);
    uids_free(set);
    gen_doc_free(doc);
    return 0;
}

const gen_emitter gen_emitter_uids = {
    .name = "uids",
    .parts = "part06.xml",
    .emit = emit,
    .dump_names = "uids",
    .dump = dump,
};
