/* Emitter "dict": the data element dictionary.
 *
 * Reads every PS3.6 registry table whose caption starts "Registry of DICOM"
 * (Data Elements, File Meta Elements, Directory Structuring Elements, and any
 * an edition adds) and the PS3.7 command tables captioned "Command Fields..."
 * and "Retired Command Fields" (group 0000), and merges them into one table
 * sorted by tag. Columns are found by their headings (Tag, Name or Message
 * Field, Keyword, VR, VM); PS3.6 marks retired rows "RET" in the unheaded
 * column after VM.
 *
 * Emits dq_gen_dict.c/.h: the dq_dict_entry array plus open-addressing hash
 * tables (exact tags, masked tags, keywords) built here with the hash
 * functions of src/data/dict_hash.h, so lookups at run time are a few probes into
 * static const data; and dq_gen_tag_codes.h, DQ_TAG_<Keyword> constants
 * (emit_tag_codes says which elements).
 */
#include "gen.h"

#include "../src/data/dict_hash.h"
#include "hash.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ELEMENTS 60000 /* indexes are uint16_t; 0xFFFF marks an empty slot */
#define MAX_MASKS 32

typedef struct elem {
    uint32_t tag, mask;
    char tagstr[12]; /* "(60xx,3000)" */
    char *name, *keyword, *vr_text, *vm;
    char vr[3][3];
    unsigned vm_min, vm_max, vm_step;
    bool retired;
    const gen_doc *doc;
    xmlNode *tr; /* its row, for error messages */
    long line;
} elem;

typedef struct elem_set {
    elem *v;
    size_t n, cap;
    size_t ignored;      /* rows with no content at all */
    size_t placeholders; /* a tag with no name, keyword, VR or VM */
    size_t from_part[2]; /* elements read from part06, part07 */
} elem_set;

/* "(0010,0010)", "(60xx,3000)", "(0028,04x0)": 4+4 hex digits or x. */
static bool parse_tag(const char *s, elem *e)
{
    if (strlen(s) != 11 || s[0] != '(' || s[5] != ',' || s[10] != ')')
        return false;
    uint32_t tag = 0, mask = 0;
    size_t k = 0;
    for (size_t i = 1; i < 10; i++) {
        if (i == 5)
            continue;
        char c = s[i];
        tag <<= 4;
        mask <<= 4;
        if (c == 'x' || c == 'X') {
            e->tagstr[k + 1 + (k >= 4)] = 'x';
        } else if (isxdigit((unsigned char)c)) {
            tag |= (uint32_t)(isdigit((unsigned char)c) ? c - '0'
                                                        : toupper((unsigned char)c) - 'A' + 10);
            mask |= 0xF;
            e->tagstr[k + 1 + (k >= 4)] = (char)toupper((unsigned char)c);
        } else {
            return false;
        }
        k++;
    }
    e->tagstr[0] = '(';
    e->tagstr[5] = ',';
    e->tagstr[10] = ')';
    e->tagstr[11] = 0;
    e->tag = tag;
    e->mask = mask;
    return true;
}

/* "", "See Note", "US", "US or SS", "US or SS or OW". */
static bool parse_vr(const char *s, elem *e)
{
    memset(e->vr, 0, sizeof e->vr);
    if (!*s || strncmp(s, "See Note", 8) == 0)
        return true;
    size_t n = 0;
    for (const char *p = s;;) {
        if (n == 3 || !isupper((unsigned char)p[0]) || !isupper((unsigned char)p[1]))
            return false;
        e->vr[n][0] = p[0];
        e->vr[n][1] = p[1];
        n++;
        p += 2;
        if (!*p)
            return true;
        if (strncmp(p, " or ", 4) != 0)
            return false;
        p += 4;
    }
}

/* One VM term: "1", "1-n", "2-2n", "1-32", "3-n". */
static bool parse_vm_term(const char *s, size_t len, unsigned *min, unsigned *max, unsigned *step)
{
    char buf[32];
    if (len == 0 || len >= sizeof buf)
        return false;
    memcpy(buf, s, len);
    buf[len] = 0;
    char *end;
    unsigned long a = strtoul(buf, &end, 10);
    if (end == buf || a > 0xFFFF)
        return false;
    *min = (unsigned)a;
    *max = (unsigned)a;
    *step = 1;
    if (*end == 0)
        return true;
    if (*end != '-')
        return false;
    char *q = end + 1;
    if (strcmp(q, "n") == 0) {
        *max = 0;
        return true;
    }
    unsigned long b = strtoul(q, &end, 10);
    if (end == q || b > 0xFFFF)
        return false;
    if (strcmp(end, "n") == 0) { /* "2-2n": pairs, any number of them */
        if (b == 0 || a != b)
            return false;
        *max = 0;
        *step = (unsigned)b;
        return true;
    }
    if (*end != 0 || b < a)
        return false;
    *max = (unsigned)b;
    return true;
}

/* A VM cell: "" (items, delimiters), one term, or terms joined by " or "
 * ("1-n or 1"), which widen to the union of the terms. */
static bool parse_vm(const char *s, elem *e)
{
    e->vm_min = e->vm_max = 0;
    e->vm_step = 1;
    if (!*s)
        return true;
    bool first = true;
    for (const char *p = s;;) {
        const char * or = strstr(p, " or ");
        size_t len = or ? (size_t)(or -p) : strlen(p);
        unsigned mn, mx, st;
        if (!parse_vm_term(p, len, &mn, &mx, &st))
            return false;
        if (first) {
            e->vm_min = mn;
            e->vm_max = mx;
            e->vm_step = st;
            first = false;
        } else {
            e->vm_min = mn < e->vm_min ? mn : e->vm_min;
            e->vm_max = (mx == 0 || e->vm_max == 0) ? 0 : (mx > e->vm_max ? mx : e->vm_max);
            e->vm_step = 1;
        }
        if (! or)
            return true;
        p = or +4;
    }
}

static bool valid_keyword(const char *s)
{
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_')
            return false;
    return true;
}

static void read_table(elem_set *set, const gen_doc *doc, xmlNode *node, int part_index,
                       bool all_retired)
{
    gen_table *t = gen_table_read(doc, node);
    size_t c_tag = gen_table_column(t, "Tag");
    size_t c_name = gen_table_column_opt(t, "Name");
    if (c_name == (size_t)-1)
        c_name = gen_table_column(t, "Message Field");
    size_t c_kw = gen_table_column(t, "Keyword");
    size_t c_vr = gen_table_column(t, "VR");
    size_t c_vm = gen_table_column(t, "VM");
    /* PS3.6 has an unheaded column after VM ("RET", "DICOS", "See Note");
     * some editions leave it out of the header row, so it is found by place. */
    size_t c_ret = all_retired || part_index != 0 ? (size_t)-1 : c_vm + 1;
    size_t need = c_tag;
    size_t cols[] = {c_name, c_kw, c_vr, c_vm};
    for (size_t i = 0; i < 4; i++)
        need = cols[i] > need ? cols[i] : need;

    for (size_t r = 0; r < t->nbody; r++) {
        const gen_row *row = &t->body[r];
        bool blank = true;
        for (size_t c = 0; c < row->ncells; c++)
            blank &= row->cells[c][0] == 0;
        if (blank) {
            set->ignored++;
            continue;
        }
        if (row->ncells <= need)
            gen_fail(doc, row->tr, "element row: expected at least %zu cells, found %zu", need + 1,
                     row->ncells);
        if (set->n == MAX_ELEMENTS)
            gen_fail(doc, row->tr, "more than %d elements", MAX_ELEMENTS);
        if (set->n == set->cap) {
            set->cap = set->cap ? set->cap * 2 : 4096;
            set->v = gen_xrealloc(set->v, set->cap * sizeof *set->v);
        }
        elem *e = &set->v[set->n];
        memset(e, 0, sizeof *e);
        e->doc = doc;
        e->tr = row->tr;
        e->line = row->line;
        if (!parse_tag(row->cells[c_tag], e))
            gen_fail(doc, row->nodes[c_tag],
                     "expected a tag like (0010,0010) or (60xx,3000), found \"%s\"",
                     row->cells[c_tag]);
        if (!parse_vr(row->cells[c_vr], e))
            gen_fail(doc, row->nodes[c_vr],
                     "%s: expected a VR like \"US\", \"US or SS\" or \"See Note\", found \"%s\"",
                     e->tagstr, row->cells[c_vr]);
        if (!parse_vm(row->cells[c_vm], e))
            gen_fail(doc, row->nodes[c_vm],
                     "%s: expected a VM like \"1\", \"1-n\", \"2-2n\" or \"1-32\", found \"%s\"",
                     e->tagstr, row->cells[c_vm]);
        if (!valid_keyword(row->cells[c_kw]))
            gen_fail(doc, row->nodes[c_kw],
                     "%s: expected a keyword of letters and digits, found \"%s\"", e->tagstr,
                     row->cells[c_kw]);
        if (row->cells[c_name][0] == 0 && row->cells[c_kw][0] == 0) {
            /* A tag kept only to say it is retired, e.g. (0018,9445) "RET - See
             * Note": nothing to look up, so skip it, but say so. */
            if (row->cells[c_vr][0] || row->cells[c_vm][0])
                gen_fail(doc, row->tr, "%s: expected a name or a keyword, both are empty",
                         e->tagstr);
            set->placeholders++;
            continue;
        }
        e->name = gen_xstrdup(row->cells[c_name]);
        for (char *p = e->name; *p; p++)
            if (*p == '\n')
                *p = ' ';
        e->keyword = gen_xstrdup(row->cells[c_kw]);
        e->vr_text = gen_xstrdup(row->cells[c_vr]);
        e->vm = gen_xstrdup(row->cells[c_vm]);
        e->retired =
            all_retired || (c_ret < row->ncells && strncmp(row->cells[c_ret], "RET", 3) == 0);
        set->n++;
        set->from_part[part_index]++;
    }
    gen_table_free(t);
}

static int cmp_elem(const void *a, const void *b)
{
    const elem *x = a, *y = b;
    if (x->tag != y->tag)
        return x->tag < y->tag ? -1 : 1;
    if (x->mask != y->mask)
        return x->mask > y->mask ? -1 : 1; /* exact before masked at the same value */
    return 0;
}

static int cmp_keyword(const void *a, const void *b)
{
    return strcmp((*(const elem *const *)a)->keyword, (*(const elem *const *)b)->keyword);
}

static elem_set *dict_read(const gen_doc *p6, const gen_doc *p7)
{
    elem_set *set = gen_xmalloc(sizeof *set);
    memset(set, 0, sizeof *set);

    gen_require_table(p6, "Registry of DICOM Data Elements");
    xmlNode **tables;
    size_t nt = gen_find_tables_prefix(p6, "Registry of DICOM", &tables);
    for (size_t i = 0; i < nt; i++)
        read_table(set, p6, tables[i], 0, false);
    free(tables);

    size_t ncmd = 0;
    nt = gen_find_tables_prefix(p7, "Command Fields", &tables);
    for (size_t i = 0; i < nt; i++)
        read_table(set, p7, tables[i], 1, false);
    ncmd += nt;
    free(tables);
    nt = gen_find_tables_prefix(p7, "Retired Command Fields", &tables);
    for (size_t i = 0; i < nt; i++)
        read_table(set, p7, tables[i], 1, true);
    ncmd += nt;
    free(tables);
    if (ncmd == 0)
        gen_fail(p7, NULL, "expected tables captioned \"Command Fields\" (PS3.7 Table E.1-1)");

    qsort(set->v, set->n, sizeof *set->v, cmp_elem);
    for (size_t i = 1; i < set->n; i++) {
        const elem *a = &set->v[i - 1], *b = &set->v[i];
        if (a->tag == b->tag && a->mask == b->mask && a->doc == b->doc && a->line > b->line) {
            const elem *t = a; /* report the later row */
            a = b;
            b = t;
        }
        if (a->tag == b->tag && a->mask == b->mask)
            gen_fail(b->doc, b->tr, "%s appears twice (also %s line %ld)", b->tagstr, a->doc->file,
                     a->line);
    }
    /* Keywords are names in code: each must be unique. */
    const elem **by_kw = gen_xmalloc(set->n * sizeof *by_kw);
    for (size_t i = 0; i < set->n; i++)
        by_kw[i] = &set->v[i];
    qsort(by_kw, set->n, sizeof *by_kw, cmp_keyword);
    for (size_t i = 1; i < set->n; i++) {
        const elem *a = by_kw[i - 1], *b = by_kw[i];
        if (a->keyword[0] && strcmp(a->keyword, b->keyword) == 0) {
            if (a->line > b->line && a->doc == b->doc) {
                const elem *t = a;
                a = b;
                b = t;
            }
            gen_fail(b->doc, b->tr, "%s: keyword %s is already used by %s (%s line %ld)", b->tagstr,
                     b->keyword, a->tagstr, a->doc->file, a->line);
        }
    }
    free(by_kw);
    return set;
}

static void dict_free(elem_set *set)
{
    for (size_t i = 0; i < set->n; i++) {
        free(set->v[i].name);
        free(set->v[i].keyword);
        free(set->v[i].vr_text);
        free(set->v[i].vm);
    }
    free(set->v);
    free(set);
}

static void report(const elem_set *set)
{
    fprintf(
        stderr,
        "dicomgen: dict: %zu elements (%zu from PS3.6, %zu from PS3.7); ignored: %zu blank rows, "
        "%zu tags without name, keyword, VR or VM\n",
        set->n, set->from_part[0], set->from_part[1], set->ignored, set->placeholders);
}

/* ---- the dictionary for other emitters ------------------------------------ */

struct gen_dict {
    gen_doc *p6, *p7;
    elem_set *set;
};

gen_dict *gen_dict_load(const char *dir)
{
    gen_dict *d = gen_xmalloc(sizeof *d);
    d->p6 = gen_doc_load(dir, "part06.xml");
    d->p7 = gen_doc_load(dir, "part07.xml");
    d->set = dict_read(d->p6, d->p7);
    return d;
}

bool gen_dict_lookup(const gen_dict *d, uint32_t tag, const char **keyword, const char **vr)
{
    size_t lo = 0, hi = d->set->n; /* sorted by tag, exact before masked */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (d->set->v[mid].tag < tag)
            lo = mid + 1;
        else
            hi = mid;
    }
    const elem *e = lo < d->set->n ? &d->set->v[lo] : NULL;
    if (!e || e->tag != tag || e->mask != 0xFFFFFFFFu)
        return false;
    *keyword = e->keyword;
    *vr = e->vr_text;
    return true;
}

void gen_dict_free(gen_dict *d)
{
    if (!d)
        return;
    dict_free(d->set);
    gen_doc_free(d->p6);
    gen_doc_free(d->p7);
    free(d);
}

/* ---- tag constants -------------------------------------------------------- */

/* dq_gen_tag_codes.h (included by include/dq/dict.h): DQ_TAG_<Keyword>
 * 0xggggeeeeu for every element with a keyword and one tag, in tag order, so
 * code names a tag by keyword and a misspelt one does not compile. Keywords
 * are unique (dict_read fails otherwise), so no two constants share a name.
 * Retired elements are emitted, marked in the comment: data written under
 * older editions still carries them, and a reader must name them. Left out, counted in
 * the header: repeating-group elements like (60xx,3000) OverlayData, which
 * name a family of tags rather than one value, and rows without a keyword. */
static void emit_tag_codes(const elem_set *set, const gen_doc *const *docs, const char *outdir)
{
    size_t masked = 0, no_keyword = 0;
    for (size_t i = 0; i < set->n; i++) {
        masked += set->v[i].mask != 0xFFFFFFFFu;
        no_keyword += set->v[i].mask == 0xFFFFFFFFu && !set->v[i].keyword[0];
    }
    gen_out *h = gen_out_generated(outdir, "dq_gen_tag_codes.h", "dict", docs, 2);
    gen_out_printf(h,
                   "/* Included by include/dq/dict.h: the data elements of PS3.6 and the command\n"
                   " * fields of PS3.7 by keyword, in tag order (gen/emit_dict.c). Retired\n"
                   " * elements are here, marked. Left out: %zu repeating-group elements\n"
                   " * (no single tag) and %zu without a keyword. */\n"
                   "#ifndef DQ_GEN_TAG_CODES_H\n#define DQ_GEN_TAG_CODES_H\n\n",
                   masked, no_keyword);
    for (size_t i = 0; i < set->n; i++) {
        const elem *e = &set->v[i];
        if (e->mask != 0xFFFFFFFFu || !e->keyword[0])
            continue;
        gen_out_printf(h, "#define DQ_TAG_%s 0x%08Xu /* %s %s%s */\n", e->keyword, e->tag,
                       e->tagstr, e->name, e->retired ? " (retired)" : "");
    }
    gen_out_printf(h, "\n#endif\n");
    gen_out_commit(h);
}

/* ---- hash tables --------------------------------------------------------- */

static int emit(const char *dir, const char *outdir)
{
    gen_doc *p6 = gen_doc_load(dir, "part06.xml");
    gen_doc *p7 = gen_doc_load(dir, "part07.xml");
    elem_set *set = dict_read(p6, p7);
    const gen_doc *docs[] = {p6, p7};

    /* Exact tags, masked tags (keyed by tag & mask), keywords. */
    size_t nexact = 0, nmasked = 0, nkw = 0;
    uint32_t masks[MAX_MASKS];
    size_t nmasks = 0;
    for (size_t i = 0; i < set->n; i++) {
        const elem *e = &set->v[i];
        if (e->mask == 0xFFFFFFFFu) {
            nexact++;
        } else {
            nmasked++;
            size_t k = 0;
            while (k < nmasks && masks[k] != e->mask)
                k++;
            if (k == nmasks) {
                if (nmasks == MAX_MASKS)
                    gen_fail(e->doc, NULL, "more than %d distinct tag masks", MAX_MASKS);
                masks[nmasks++] = e->mask;
            }
        }
        if (e->keyword[0])
            nkw++;
    }
    /* Most specific mask first, so (0028,04x0) wins over a wider pattern. */
    for (size_t i = 1; i < nmasks; i++)
        for (size_t j = i;
             j > 0 && (__builtin_popcount(masks[j]) > __builtin_popcount(masks[j - 1]) ||
                       (__builtin_popcount(masks[j]) == __builtin_popcount(masks[j - 1]) &&
                        masks[j] > masks[j - 1]));
             j--) {
            uint32_t t = masks[j];
            masks[j] = masks[j - 1];
            masks[j - 1] = t;
        }
    unsigned tbits = gen_hash_bits(nexact), mbits = gen_hash_bits(nmasked),
             kbits = gen_hash_bits(nkw);
    size_t tsize = (size_t)1 << tbits, msize = (size_t)1 << mbits, ksize = (size_t)1 << kbits;
    uint16_t *tslots = gen_hash_slots(tbits);
    uint16_t *mslots = gen_hash_slots(mbits);
    uint16_t *kslots = gen_hash_slots(kbits);
    size_t max_probe = 0;
    for (size_t i = 0; i < set->n; i++) {
        const elem *e = &set->v[i];
        bool exact = e->mask == 0xFFFFFFFFu;
        unsigned bits = exact ? tbits : mbits;
        size_t probes =
            gen_hash_put(exact ? tslots : mslots, bits, dq_hash_tag(e->tag, bits), (uint16_t)i);
        max_probe = probes > max_probe ? probes : max_probe;
        if (e->keyword[0]) /* keywords are unique: dict_read checked */
            gen_hash_put(kslots, kbits, dq_hash_str(e->keyword, kbits), (uint16_t)i);
    }

    char *path = gen_xasprintf("%s/dq_gen_dict.h", outdir);
    gen_out *h = gen_out_open(path);
    free(path);
    gen_out_banner(h, "dict", docs, 2);
    gen_out_printf(
        h,
        "#ifndef DQ_GEN_DICT_H\n#define DQ_GEN_DICT_H\n\n"
        "#include \"dq/dict.h\"\n\n"
        "#define DQ_GEN_DICT_COUNT %zu\n"
        "/* Open-addressing tables of indexes into dq_gen_dict (0xFFFF: empty),\n"
        " * probed linearly from the hash of src/data/dict_hash.h. */\n"
        "#define DQ_GEN_DICT_EMPTY 0xFFFFu\n"
        "#define DQ_GEN_DICT_TAG_BITS %u    /* exact tags: %zu */\n"
        "#define DQ_GEN_DICT_MASKED_BITS %u /* masked tags: %zu, keyed by tag & mask */\n"
        "#define DQ_GEN_DICT_KEYWORD_BITS %u /* keywords: %zu */\n"
        "#define DQ_GEN_DICT_MASK_COUNT %zu\n\n"
        "extern const dq_dict_entry dq_gen_dict[DQ_GEN_DICT_COUNT]; /* sorted by tag */\n"
        "extern const uint16_t dq_gen_dict_by_tag[1u << DQ_GEN_DICT_TAG_BITS];\n"
        "extern const uint16_t dq_gen_dict_by_masked[1u << DQ_GEN_DICT_MASKED_BITS];\n"
        "extern const uint16_t dq_gen_dict_by_keyword[1u << DQ_GEN_DICT_KEYWORD_BITS];\n"
        "/* The distinct masks of masked tags, most specific first. */\n"
        "extern const uint32_t dq_gen_dict_masks[DQ_GEN_DICT_MASK_COUNT];\n\n#endif\n",
        set->n, tbits, nexact, mbits, nmasked, kbits, nkw, nmasks);

    path = gen_xasprintf("%s/dq_gen_dict.c", outdir);
    gen_out *c = gen_out_open(path);
    free(path);
    gen_out_banner(c, "dict", docs, 2);
    gen_out_printf(
        c, "#include \"dq_gen_dict.h\"\n\n"
           "const dq_dict_entry dq_gen_dict[DQ_GEN_DICT_COUNT] = {\n"
           "    /* tag, mask, keyword, name, vm, {vr...}, vm_min, vm_max, vm_step, retired */\n");
    for (size_t i = 0; i < set->n; i++) {
        const elem *e = &set->v[i];
        gen_out_printf(c, "    /* %5zu %s */ {0x%08Xu, 0x%08Xu, ", i, e->tagstr, e->tag, e->mask);
        gen_out_cstr(c, e->keyword);
        gen_out_printf(c, ", ");
        gen_out_cstr(c, e->name);
        gen_out_printf(c, ", ");
        gen_out_cstr(c, e->vm);
        gen_out_printf(c, ", {");
        for (size_t k = 0; k < 3; k++)
            gen_out_printf(c, "%s%s%s", k ? ", " : "", e->vr[k][0] ? "DQ_VR_" : "0", e->vr[k]);
        gen_out_printf(c, "}, %u, %u, %u, %d},\n", e->vm_min, e->vm_max, e->vm_step, e->retired);
    }
    gen_out_printf(c, "};\n\n");
    gen_out_slots16(c, "dq_gen_dict_by_tag", tslots, tsize);
    gen_out_slots16(c, "dq_gen_dict_by_masked", mslots, msize);
    gen_out_slots16(c, "dq_gen_dict_by_keyword", kslots, ksize);
    gen_out_printf(c, "const uint32_t dq_gen_dict_masks[DQ_GEN_DICT_MASK_COUNT] = {");
    for (size_t i = 0; i < nmasks; i++)
        gen_out_printf(c, "%s0x%08Xu", i ? ", " : "", masks[i]);
    gen_out_printf(c, "};\n");

    emit_tag_codes(set, docs, outdir);
    gen_out_commit(h);
    gen_out_commit(c);
    report(set);
    free(tslots);
    free(mslots);
    free(kslots);
    dict_free(set);
    gen_doc_free(p6);
    gen_doc_free(p7);
    return 0;
}

static int dump(const char *dir, const char *what, FILE *out)
{
    (void)what;
    gen_doc *p6 = gen_doc_load(dir, "part06.xml");
    gen_doc *p7 = gen_doc_load(dir, "part07.xml");
    elem_set *set = dict_read(p6, p7);
    fprintf(out, "tag\tkeyword\tvr\tvm\tretired\tname\n");
    for (size_t i = 0; i < set->n; i++) {
        const elem *e = &set->v[i];
        fprintf(out, "%s\t%s\t%s\t%s\t%d\t%s\n", e->tagstr, e->keyword, e->vr_text, e->vm,
                e->retired, e->name);
    }
    report(set);
    dict_free(set);
    gen_doc_free(p6);
    gen_doc_free(p7);
    return 0;
}

const gen_emitter gen_emitter_dict = {
    .name = "dict",
    .parts = "part06.xml part07.xml",
    .emit = emit,
    .dump_names = "elements",
    .dump = dump,
};
