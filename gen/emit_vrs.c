/* Emitter "vrs": the Value Representations of PS3.5.
 *
 * Reads Table 6.2-1 "DICOM Value Representations" (code, name, definition,
 * character repertoire, length of value) and the PS3.5 section 7.1.2 tables
 * "Data Element with Explicit VR of ..." whose captions list VRs. A table whose
 * body has a "Reserved" field is the 4-byte length form; one without is the
 * 2-byte form; "... other than as shown in ..." stands for every VR not listed
 * by the other table. The 2013 edition captions the long form (OB, OW, OF, SQ,
 * UT or UN), 2024a the short form (AE, AS, ... UL and US); both are handled.
 *
 * Some editions forget a VR in that list (2013 lists no OD although its own
 * VR table allows OD values of 2^32-8 bytes). A value that cannot fit a 16-bit
 * length must use the 32-bit form, so a maximum length above 0xFFFF (or one
 * left to the transfer syntax) also makes a VR long; disagreements are
 * reported as warnings so they stay visible.
 *
 * Value-handling flags come from the same table (PS3.5 6.2): a repertoire
 * "... as defined by (0008,0005)" means the values are in the Specific
 * Character Set; a definition saying "shall not be multi-valued" means one
 * value in which '\' is data; "leading spaces are considered to be
 * significant" keeps them; a binary number's "N bytes fixed" length is the
 * size of one value (AT's 4, although it swaps as two 16-bit halves).
 *
 * Writes dq_gen_vr_codes.h (the public enum included by include/dq/dict.h)
 * and dq_gen_vrs.c/.h (the dq_vr_info table, sorted by code).
 */
#include "gen.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { GEN_VR_TEXT, GEN_VR_NUMBER, GEN_VR_BYTES, GEN_VR_SEQUENCE };
#define GEN_MAX_VRS 64 /* PS3.5 has 34; a cap keeps a broken table from running away */

typedef struct gen_vr {
    char code[3];
    char *name;
    int vr_class;
    bool long_by_text; /* what section 7.1.2 says */
    bool must_be_long; /* what the length column implies */
    bool long_length;
    unsigned char pad;
    uint8_t unit_size;
    bool max_in_chars;
    uint32_t max_length;
    bool uses_charset;   /* repertoire "as defined by (0008,0005)" */
    bool single_valued;  /* definition: "shall not be multi-valued" */
    bool leading_spaces; /* definition: "leading spaces are considered to be significant" */
    uint8_t value_size;  /* NUMBER: bytes of one value, the "N bytes fixed" length */
    long line;
} gen_vr;

typedef struct gen_vr_set {
    size_t n;
    gen_vr v[GEN_MAX_VRS];
} gen_vr_set;

static const char *const class_names[] = {"TEXT", "NUMBER", "BYTES", "SEQUENCE"};

static bool is_vr_code(const char *s)
{
    return isupper((unsigned char)s[0]) && isupper((unsigned char)s[1]) && s[2] == 0;
}

/* "16 bytes maximum", "4 bytes fixed", "64 chars maximum ...",
 * "2 32 -8 bytes maximum" (2<superscript>32</superscript>-8). Only the first
 * paragraph counts: later ones describe query contexts. Returns false when the
 * cell gives no number (e.g. "see Transfer Syntax definition"). */
static bool parse_length(const char *cell, uint64_t *max, bool *chars, bool *fixed)
{
    char first[256];
    size_t n = strcspn(cell, "\n");
    if (n >= sizeof first)
        n = sizeof first - 1;
    memcpy(first, cell, n);
    first[n] = 0;
    unsigned long long a = 0, b = 0, c = 0;
    char unit[16] = "", kind[16] = "";
    if (sscanf(first, "2 %llu -%llu %15s %15s", &b, &c, unit, kind) == 4 && b < 64) {
        a = (1ull << b) - c;
    } else if (sscanf(first, "%llu %15s %15s", &a, unit, kind) != 3) {
        return false;
    }
    if (strcmp(unit, "bytes") == 0)
        *chars = false;
    else if (strcmp(unit, "chars") == 0)
        *chars = true;
    else
        return false;
    if (strncmp(kind, "maximum", 7) == 0)
        *fixed = false;
    else if (strncmp(kind, "fixed", 5) == 0)
        *fixed = true;
    else
        return false;
    *max = a;
    return true;
}

/* First "N-bit" in a definition ("A stream of 16-bit words"), in bytes; 0 if none. */
static unsigned bit_width(const char *def)
{
    for (const char *p = def; (p = strstr(p, "-bit")) != NULL; p++) {
        const char *q = p;
        while (q > def && isdigit((unsigned char)q[-1]))
            q--;
        if (q < p) {
            unsigned bits = (unsigned)strtoul(q, NULL, 10);
            if (bits % 8 == 0 && bits >= 8 && bits <= 64)
                return bits / 8;
        }
    }
    return 0;
}

/* VR codes listed in a caption tail: "AE, AS, ... UL and US", "OB, OW, OF, SQ, UT or UN". */
static size_t caption_codes(const char *s, char codes[][3], size_t max)
{
    size_t n = 0;
    for (const char *p = s; *p;) {
        if (isupper((unsigned char)p[0]) && isupper((unsigned char)p[1]) &&
            (p == s || !isalnum((unsigned char)p[-1])) && !isalnum((unsigned char)p[2])) {
            if (n == max)
                return n + 1;
            codes[n][0] = p[0];
            codes[n][1] = p[1];
            codes[n][2] = 0;
            n++;
            p += 2;
        } else {
            p++;
        }
    }
    return n;
}

static bool table_has_reserved(const gen_table *t)
{
    for (size_t r = 0; r < t->nbody; r++)
        for (size_t c = 0; c < t->body[r].ncells; c++)
            if (strstr(t->body[r].cells[c], "Reserved"))
                return true;
    return false;
}

static int cmp_vr(const void *a, const void *b)
{
    return strcmp(((const gen_vr *)a)->code, ((const gen_vr *)b)->code);
}

static gen_vr_set *vrs_read(const gen_doc *doc)
{
    gen_vr_set *set = gen_xmalloc(sizeof *set);
    memset(set, 0, sizeof *set);

    gen_table *t = gen_table_read(doc, gen_require_table(doc, "DICOM Value Representations"));
    size_t c_name = gen_table_column(t, "VR Name");
    size_t c_def = gen_table_column(t, "Definition");
    size_t c_rep = gen_table_column(t, "Character Repertoire");
    size_t c_len = gen_table_column(t, "Length of Value");
    size_t need = c_name > c_def ? c_name : c_def;
    need = need > c_rep ? need : c_rep;
    need = need > c_len ? need : c_len;

    for (size_t r = 0; r < t->nbody; r++) {
        const gen_row *row = &t->body[r];
        if (row->ncells <= need)
            gen_fail(doc, row->tr, "VR table: expected %zu cells, found %zu", need + 1,
                     row->ncells);
        /* "AE\nApplication Entity": code, then name, as separate paragraphs. */
        const char *cell = row->cells[c_name];
        size_t k = strcspn(cell, "\n ");
        char code[3] = {0};
        if (k == 2)
            memcpy(code, cell, 2);
        if (!is_vr_code(code) || cell[k] == 0)
            gen_fail(doc, row->nodes[c_name],
                     "VR table: expected a two-letter VR code and its name, found \"%s\"", cell);
        for (size_t i = 0; i < set->n; i++)
            if (strcmp(set->v[i].code, code) == 0)
                gen_fail(doc, row->tr, "VR table: VR %s appears twice", code);
        if (set->n == GEN_MAX_VRS)
            gen_fail(doc, row->tr, "VR table: more than %d VRs", GEN_MAX_VRS);
        gen_vr *v = &set->v[set->n++];
        memset(v, 0, sizeof *v);
        memcpy(v->code, code, 3);
        v->name = gen_xstrdup(cell + k + 1);
        for (char *p = v->name; *p; p++)
            if (*p == '\n')
                *p = ' ';
        v->line = row->line;

        const char *def = row->cells[c_def];
        const char *rep = row->cells[c_rep];
        uint64_t max = 0;
        bool chars = false, fixed = false;
        bool has_len = parse_length(row->cells[c_len], &max, &chars, &fixed);
        if (has_len && max > UINT32_MAX)
            gen_fail(doc, row->nodes[c_len], "VR %s: length %llu does not fit 32 bits", code,
                     (unsigned long long)max);
        v->max_length = has_len ? (uint32_t)max : 0;
        v->max_in_chars = has_len && chars;

        /* Class: a character repertoire means text; without one, a fixed size
         * means a binary number, a definition as a sequence of items means SQ,
         * and anything else is a byte/word stream. */
        bool binary = strncmp(rep, "not applicable", 14) == 0 || rep[0] == 0;
        if (!binary)
            v->vr_class = GEN_VR_TEXT;
        else if (strstr(def, "Sequence of zero or more Items") ||
                 strstr(v->name, "Sequence of Items"))
            v->vr_class = GEN_VR_SEQUENCE;
        else if (has_len && fixed && !chars)
            v->vr_class = GEN_VR_NUMBER;
        else
            v->vr_class = GEN_VR_BYTES;

        v->uses_charset = strstr(rep, "(0008,0005)") != NULL;
        v->single_valued = strstr(def, "shall not be multi-valued") != NULL;
        v->leading_spaces = strstr(def, "leading spaces are considered to be significant") != NULL;
        if (v->vr_class == GEN_VR_NUMBER && max > 0xFF)
            gen_fail(doc, row->nodes[c_len], "VR %s: a %llu-byte number", code,
                     (unsigned long long)max);
        v->value_size = v->vr_class == GEN_VR_NUMBER ? (uint8_t)max : 0;

        switch (v->vr_class) {
        case GEN_VR_TEXT:
            /* UI is the one string padded with NULL (00H) per its definition. */
            v->pad = strstr(def, "NULL (00H)") ? 0 : ' ';
            v->unit_size = 0;
            break;
        case GEN_VR_NUMBER:
            v->pad = 0;
            v->unit_size = bit_width(def);
            if (!v->unit_size)
                v->unit_size = (uint8_t)max;
            break;
        case GEN_VR_BYTES:
            v->pad = 0;
            v->unit_size = bit_width(def);
            if (!v->unit_size)
                v->unit_size = 1;
            break;
        case GEN_VR_SEQUENCE:
            v->pad = 0;
            v->unit_size = 0;
            break;
        }
        /* Lengths a 16-bit field cannot hold, or left open, need the long form. */
        v->must_be_long = v->vr_class != GEN_VR_TEXT && v->vr_class != GEN_VR_NUMBER
                              ? !has_len || max > 0xFFFF
                              : has_len && max > 0xFFFF;
    }
    if (set->n == 0)
        gen_fail(doc, t->table, "VR table: no rows");
    gen_table_free(t);

    /* Section 7.1.2: which VRs take 2 reserved bytes and a 32-bit length. */
    xmlNode **tables;
    size_t nt = gen_find_tables_prefix(doc, "Data Element with Explicit VR", &tables);
    int listed = -1; /* -1 none; 0: the listed VRs are short; 1: they are long */
    char codes[GEN_MAX_VRS][3];
    size_t ncodes = 0;
    xmlNode *listed_node = NULL;
    for (size_t i = 0; i < nt; i++) {
        char *cap = gen_table_caption(tables[i]);
        const char *tail = cap + strlen("Data Element with Explicit VR");
        gen_table *et = gen_table_read(doc, tables[i]);
        bool long_form = table_has_reserved(et);
        gen_table_free(et);
        if (strncmp(tail, " of ", 4) == 0) {
            if (listed >= 0)
                gen_fail(doc, tables[i], "two explicit VR tables list VRs (\"%s\")", cap);
            ncodes = caption_codes(tail + 4, codes, GEN_MAX_VRS);
            if (ncodes == 0 || ncodes > GEN_MAX_VRS)
                gen_fail(doc, tables[i], "caption \"%s\": expected a list of VR codes", cap);
            listed = long_form;
            listed_node = tables[i];
        } else if (strncmp(tail, " other than", 11) != 0) {
            gen_fail(doc, tables[i],
                     "caption \"%s\": expected \"... of <VR list>\" or \"... other than ...\"",
                     cap);
        }
        free(cap);
    }
    free(tables);
    if (listed < 0)
        gen_fail(doc, NULL,
                 "expected a table captioned \"Data Element with Explicit VR of <VR list>\" "
                 "(PS3.5 section 7.1.2)");
    for (size_t i = 0; i < ncodes; i++) {
        bool known = false;
        for (size_t j = 0; j < set->n; j++)
            known |= strcmp(set->v[j].code, codes[i]) == 0;
        if (!known)
            gen_fail(doc, listed_node, "explicit VR table lists %s, which is not in the VR table",
                     codes[i]);
    }
    for (size_t j = 0; j < set->n; j++) {
        gen_vr *v = &set->v[j];
        bool in_list = false;
        for (size_t i = 0; i < ncodes; i++)
            in_list |= strcmp(v->code, codes[i]) == 0;
        v->long_by_text = listed ? in_list : !in_list;
        v->long_length = v->long_by_text || v->must_be_long;
        if (v->long_length != v->long_by_text)
            gen_warn(doc, listed_node,
                     "VR %s: section 7.1.2 gives it a 16-bit length, but its values may exceed "
                     "65535 bytes; using the 32-bit form",
                     v->code);
    }
    qsort(set->v, set->n, sizeof set->v[0], cmp_vr);
    return set;
}

static void vrs_free(gen_vr_set *set)
{
    if (!set)
        return;
    for (size_t i = 0; i < set->n; i++)
        free(set->v[i].name);
    free(set);
}

static int emit(const char *dir, const char *outdir)
{
    gen_doc *doc = gen_doc_load(dir, "part05.xml");
    gen_vr_set *set = vrs_read(doc);
    const gen_doc *docs[] = {doc};

    char *path = gen_xasprintf("%s/dq_gen_vr_codes.h", outdir);
    gen_out *codes = gen_out_open(path);
    free(path);
    gen_out_banner(codes, "vrs", docs, 1);
    gen_out_printf(
        codes, "/* Included by include/dq/dict.h: one constant per VR of PS3.5 Table 6.2-1. */\n"
               "#ifndef DQ_GEN_VR_CODES_H\n#define DQ_GEN_VR_CODES_H\n\n"
               "enum {\n");
    for (size_t i = 0; i < set->n; i++)
        gen_out_printf(codes, "    DQ_VR_%s = DQ_VR_CODE('%c', '%c'), /* %s */\n", set->v[i].code,
                       set->v[i].code[0], set->v[i].code[1], set->v[i].name);
    gen_out_printf(codes, "};\n\n#endif\n");

    path = gen_xasprintf("%s/dq_gen_vrs.h", outdir);
    gen_out *h = gen_out_open(path);
    free(path);
    gen_out_banner(h, "vrs", docs, 1);
    gen_out_printf(h,
                   "#ifndef DQ_GEN_VRS_H\n#define DQ_GEN_VRS_H\n\n"
                   "#include \"dq/dict.h\"\n\n"
                   "#define DQ_GEN_VR_COUNT %zu\n"
                   "/* Sorted by code, so by dq_vr value. */\n"
                   "extern const dq_vr_info dq_gen_vrs[DQ_GEN_VR_COUNT];\n"
                   "/* [first letter - 'A'][second letter - 'A']: index into dq_gen_vrs + 1,\n"
                   " * 0 for no such VR (every code is two capitals: vrs_read checks). */\n"
                   "extern const uint8_t dq_gen_vr_by_letters[26][26];\n\n#endif\n",
                   set->n);

    path = gen_xasprintf("%s/dq_gen_vrs.c", outdir);
    gen_out *c = gen_out_open(path);
    free(path);
    gen_out_banner(c, "vrs", docs, 1);
    gen_out_printf(
        c, "#include \"dq_gen_vrs.h\"\n\n"
           "const dq_vr_info dq_gen_vrs[DQ_GEN_VR_COUNT] = {\n"
           "    /* vr, code, name, class, long_length, pad, unit_size, max_in_chars, "
           "max_length,\n     *  uses_charset, single_valued, leading_spaces, value_size */\n");
    for (size_t i = 0; i < set->n; i++) {
        const gen_vr *v = &set->v[i];
        gen_out_printf(c, "    {DQ_VR_%s, \"%s\", ", v->code, v->code);
        gen_out_cstr(c, v->name);
        gen_out_printf(c, ", DQ_VR_CLASS_%s, %d, %s, %u, %d, %luu, %d, %d, %d, %u},\n",
                       class_names[v->vr_class], v->long_length, v->pad == ' ' ? "' '" : "0",
                       v->unit_size, v->max_in_chars, (unsigned long)v->max_length, v->uses_charset,
                       v->single_valued, v->leading_spaces, v->value_size);
    }
    gen_out_printf(c, "};\n\n");

    /* Direct index: a VR lookup per element on the decode path, so two
     * subtractions instead of a binary search. */
    uint8_t by_letters[26][26];
    memset(by_letters, 0, sizeof by_letters);
    if (set->n > 255)
        gen_fail(doc, NULL, "%zu VRs do not fit the 8-bit index table", set->n);
    for (size_t i = 0; i < set->n; i++)
        by_letters[set->v[i].code[0] - 'A'][set->v[i].code[1] - 'A'] = (uint8_t)(i + 1);
    gen_out_printf(
        c,
        "const uint8_t dq_gen_vr_by_letters[26][26] = {\n"
        "    /*   A  B  C  D  E  F  G  H  I  J  K  L  M  N  O  P  Q  R  S  T  U  V  W  X  Y  Z */\n");
    for (int a = 0; a < 26; a++) {
        gen_out_printf(c, "    /* %c */ {", 'A' + a);
        for (int b = 0; b < 26; b++)
            gen_out_printf(c, "%s%2u", b ? "," : "", by_letters[a][b]);
        gen_out_printf(c, "},\n");
    }
    gen_out_printf(c, "};\n");

    gen_out_commit(codes);
    gen_out_commit(h);
    gen_out_commit(c);
    vrs_free(set);
    gen_doc_free(doc);
    return 0;
}

static int dump(const char *dir, const char *what, FILE *out)
{
    (void)what;
    gen_doc *doc = gen_doc_load(dir, "part05.xml");
    gen_vr_set *set = vrs_read(doc);
    fprintf(out, "vr\tclass\tlong_length\tpad\tunit_size\tmax_length\tmax_unit\tcharset\tsingle"
                 "\tleading\tvalue_size\tname\n");
    for (size_t i = 0; i < set->n; i++) {
        const gen_vr *v = &set->v[i];
        fprintf(out, "%s\t%s\t%d\t%s\t%u\t%lu\t%s\t%d\t%d\t%d\t%u\t%s\n", v->code,
                class_names[v->vr_class], v->long_length, v->pad == ' ' ? "space" : "zero",
                v->unit_size, (unsigned long)v->max_length, v->max_in_chars ? "chars" : "bytes",
                v->uses_charset, v->single_valued, v->leading_spaces, v->value_size, v->name);
    }
    vrs_free(set);
    gen_doc_free(doc);
    return 0;
}

const gen_emitter gen_emitter_vrs = {
    .name = "vrs",
    .parts = "part05.xml",
    .emit = emit,
    .dump_names = "vrs",
    .dump = dump,
};
