/* Emitter "status": DIMSE status codes -> category and meaning, from
 *   - PS3.4's "<service> Response Status Values" tables (C-FIND for
 *     Query/Retrieve, Modality Worklist, UPS, ...; C-MOVE, C-GET, C-STORE),
 *     including ranges written "Cxxx", "A9xx" or "C000 through CFFF";
 *   - PS3.7's per-service "Status" sections (list items such as
 *     "Refused: SOP Class not supported (0122H) - ...");
 *   - PS3.7 Annex C "Status Type Encoding": the general codes and which
 *     status class (Success, Pending, Cancel, Warning, Failure) each is in,
 *     and its Status Class convention table (class -> "0001 or Bxxx ...").
 * Tables are found by caption, the Annex by its title, sections by title. */
#define _GNU_SOURCE
#include "gen.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum { CAT_SUCCESS = 1, CAT_PENDING, CAT_CANCEL, CAT_WARNING, CAT_FAILURE };
static const char *const cat_enum[] = {"",
                                       "DQ_STATUS_SUCCESS",
                                       "DQ_STATUS_PENDING",
                                       "DQ_STATUS_CANCEL",
                                       "DQ_STATUS_WARNING",
                                       "DQ_STATUS_FAILURE"};

/* Where an entry comes from; also the lookup priority (lower first). */
enum { SRC_PS34 = 0, SRC_PS37_SERVICE = 1, SRC_PS37_ANNEX_C = 2 };

typedef struct entry {
    unsigned code, mask;
    int category;
    int source;
    char *service; /* "C-FIND"; "" for Annex C */
    char *context; /* the annex/section it belongs to */
    char *meaning;
} entry;

typedef struct entries {
    size_t n, cap;
    entry *v;
} entries;

static void add(entries *es, unsigned code, unsigned mask, int cat, int src, const char *service,
                const char *context, const char *meaning)
{
    if (es->n == es->cap) {
        es->cap = es->cap ? 2 * es->cap : 64;
        es->v = gen_xrealloc(es->v, es->cap * sizeof(entry));
    }
    entry *e = &es->v[es->n++];
    e->code = code;
    e->mask = mask;
    e->category = cat;
    e->source = src;
    e->service = gen_xstrdup(service);
    e->context = gen_xstrdup(context);
    e->meaning = gen_xstrdup(meaning);
}

static bool is_elem(const xmlNode *n, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

static xmlNode *child_elem(xmlNode *n, const char *name)
{
    for (xmlNode *c = n ? n->children : NULL; c; c = c->next)
        if (is_elem(c, name))
            return c;
    return NULL;
}

static char *title_of(xmlNode *n)
{
    xmlNode *t = child_elem(n, "title");
    return t ? gen_text(t) : gen_xstrdup("");
}

static bool is_division(const xmlNode *n)
{
    return is_elem(n, "section") || is_elem(n, "chapter") || is_elem(n, "appendix");
}

/* The title of the outermost chapter/annex enclosing n. */
static char *outer_title(xmlNode *n)
{
    xmlNode *top = NULL;
    for (xmlNode *p = n->parent; p; p = p->parent)
        if (is_elem(p, "chapter") || is_elem(p, "appendix"))
            top = p;
    return top ? title_of(top) : gen_xstrdup("");
}

/* "C-FIND" from the nearest enclosing division whose title starts with a
 * DIMSE service name ("C-FIND Service", "C-FIND Parameters"). */
static char *service_of(xmlNode *n)
{
    for (xmlNode *p = n->parent; p; p = p->parent) {
        if (!is_division(p))
            continue;
        char *t = title_of(p);
        if ((t[0] == 'C' || t[0] == 'N') && t[1] == '-') {
            size_t k = 2;
            while (isupper((unsigned char)t[k]) || t[k] == '-')
                k++;
            while (k > 2 && t[k - 1] == '-')
                k--;
            t[k] = 0;
            return t;
        }
        free(t);
    }
    return NULL;
}

static int category_from_word(const char *s)
{
    while (*s == ' ')
        s++;
    if (strncasecmp(s, "Succ", 4) == 0)
        return CAT_SUCCESS;
    if (strncasecmp(s, "Pend", 4) == 0)
        return CAT_PENDING;
    if (strncasecmp(s, "Cancel", 6) == 0)
        return CAT_CANCEL;
    if (strncasecmp(s, "Warn", 4) == 0)
        return CAT_WARNING;
    if (strncasecmp(s, "Fail", 4) == 0 || strncasecmp(s, "Refused", 7) == 0 ||
        strncasecmp(s, "Error", 5) == 0)
        return CAT_FAILURE;
    return 0;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* "A9xx" -> value A900 mask FF00. Needs 4 chars of hex digits or 'x'. */
static bool parse_code(const char *s, size_t n, unsigned *code, unsigned *mask)
{
    if (n != 4)
        return false;
    unsigned c = 0, m = 0;
    bool digit = false;
    for (size_t i = 0; i < 4; i++) {
        int v = hexval(s[i]);
        if (s[i] == 'x' || s[i] == 'X') {
            c <<= 4;
            m <<= 4;
        } else if (v >= 0 && !(s[i] >= 'a' && s[i] <= 'f')) {
            c = c << 4 | (unsigned)v;
            m = m << 4 | 0xF;
            digit = true;
        } else
            return false;
    }
    if (!digit)
        return false;
    *code = c;
    *mask = m;
    return true;
}

/* A status code cell: "A700", "Cxxx", "Cxxx (values C000 through CFFF as
 * assigned ...)", "(any value C000 through CFFF ...)", "B000, B007".
 * Calls back for each code/range. Returns how many. */
static size_t parse_codes(const char *cell, unsigned codes[][2], size_t max)
{
    const char *thr = strstr(cell, " through ");
    if (thr) {
        /* the 4-char tokens right before and after "through" */
        const char *a = thr;
        while (a > cell && isalnum((unsigned char)a[-1]))
            a--;
        const char *b = thr + strlen(" through ");
        size_t bn = 0;
        while (isalnum((unsigned char)b[bn]))
            bn++;
        unsigned lo, hi, m1, m2;
        if (parse_code(a, (size_t)(thr - a), &lo, &m1) && parse_code(b, bn, &hi, &m2) &&
            m1 == 0xFFFF && m2 == 0xFFFF && lo <= hi) {
            /* lo..hi must be a nibble-aligned block: common prefix, then 0..F */
            unsigned mask = 0xFFFF;
            while (mask && (lo & ~mask) == 0 && (hi & ~mask) == (~mask & 0xFFFF) &&
                   (lo & mask) != (hi & mask))
                mask = (mask << 4) & 0xFFFF;
            if ((lo & mask) == (hi & mask) && (lo & ~mask & 0xFFFF) == 0 && (hi | mask) == 0xFFFF) {
                codes[0][0] = lo;
                codes[0][1] = mask;
                return 1;
            }
        }
    }
    size_t k = 0;
    for (const char *p = cell; *p && k < max;) {
        if (!isalnum((unsigned char)*p)) {
            p++;
            continue;
        }
        const char *s = p;
        while (isalnum((unsigned char)*p))
            p++;
        if (parse_code(s, (size_t)(p - s), &codes[k][0], &codes[k][1]))
            k++;
    }
    return k;
}

/* ---- PS3.4 tables ---------------------------------------------------------------- */

static void read_ps34(const gen_doc *doc, entries *es)
{
    xmlNode **tables = NULL;
    size_t n = gen_find_tables_prefix(doc, "C-", &tables);
    size_t used = 0;
    for (size_t i = 0; i < n; i++) {
        char *cap = gen_table_caption(tables[i]);
        if (!strstr(cap, "Response Status Values")) {
            free(cap);
            continue;
        }
        used++;
        char service[32];
        size_t sl = strcspn(cap, " ");
        snprintf(service, sizeof service, "%.*s", (int)(sl < 31 ? sl : 31), cap);
        char *context = outer_title(tables[i]);
        gen_table *t = gen_table_read(doc, tables[i]);
        size_t c_cat = gen_table_column(t, "Service Status");
        size_t c_mean = gen_table_column(t, "Further Meaning");
        size_t c_code = gen_table_column(t, "Status Codes");
        int cat = 0;
        for (size_t r = 0; r < t->nbody; r++) {
            gen_row *row = &t->body[r];
            if (row->ncells <= c_code || row->ncells <= c_mean || row->ncells <= c_cat)
                gen_fail(doc, row->tr, "\"%s\": short row", cap);
            /* Some editions leave the Service Status cell empty under the
             * first row of a group instead of spanning it: carry it down. */
            if (row->cells[c_cat][0])
                cat = category_from_word(row->cells[c_cat]);
            if (!cat)
                gen_fail(doc, row->tr, "\"%s\": unknown service status \"%s\"", cap,
                         row->cells[c_cat]);
            unsigned codes[8][2];
            size_t k = parse_codes(row->cells[c_code], codes, 8);
            if (k == 0)
                gen_fail(doc, row->tr, "\"%s\": no status code in \"%s\"", cap, row->cells[c_code]);
            /* An empty "Further Meaning" (e.g. plain Success): use the status itself. */
            const char *meaning = row->cells[c_mean][0] ? row->cells[c_mean] : row->cells[c_cat];
            for (size_t j = 0; j < k; j++)
                add(es, codes[j][0], codes[j][1], cat, SRC_PS34, service, context, meaning);
        }
        gen_table_free(t);
        free(context);
        free(cap);
    }
    free(tables);
    if (used == 0)
        gen_fail(doc, NULL, "no \"C-... Response Status Values\" tables");
}

/* ---- PS3.7 Annex C ---------------------------------------------------------------- */

static xmlNode *find_annex_c(const gen_doc *doc)
{
    xmlNode *root = xmlDocGetRootElement(doc->xml);
    for (xmlNode *c = gen_find_element(root, "chapter"); c; c = gen_next_element(c, "chapter")) {
        char *t = title_of(c);
        bool hit = strncmp(t, "Status Type Encoding", 20) == 0;
        free(t);
        if (hit)
            return c;
    }
    /* an annex may also be an <appendix> */
    for (xmlNode *c = gen_find_element(root, "appendix"); c; c = gen_next_element(c, "appendix")) {
        char *t = title_of(c);
        bool hit = strncmp(t, "Status Type Encoding", 20) == 0;
        free(t);
        if (hit)
            return c;
    }
    gen_fail(doc, NULL, "no annex titled \"Status Type Encoding\"");
}

/* "... shall be set to 0122H." -> 0x0122 */
static bool set_to_code(const char *s, unsigned *code)
{
    const char *p = strstr(s, "set to ");
    if (!p)
        return false;
    p += 7;
    unsigned mask;
    return strlen(p) >= 5 && p[4] == 'H' && parse_code(p, 4, code, &mask) && mask == 0xFFFF;
}

static void read_annex_c(const gen_doc *doc, entries *es)
{
    xmlNode *annex = find_annex_c(doc);
    char *context = title_of(annex);
    size_t found = 0;
    for (xmlNode *cls = annex->children; cls; cls = cls->next) {
        if (!is_elem(cls, "section"))
            continue;
        char *ct = title_of(cls); /* "Warning Status Class" */
        int cat = category_from_word(ct);
        if (!cat || !strstr(ct, "Status Class"))
            gen_fail(doc, cls, "Annex C: unexpected section \"%s\"", ct);
        for (xmlNode *st = cls->children; st; st = st->next) {
            if (!is_elem(st, "section"))
                continue;
            char *meaning = title_of(st);
            xmlNode *tab = gen_find_element(st, "informaltable");
            if (!tab)
                tab = gen_find_element(st, "table");
            if (tab) {
                gen_table *t = gen_table_read(doc, tab);
                size_t c_desc = gen_table_column_opt(t, "Description of Field");
                for (size_t r = 0; r < t->nbody && c_desc != (size_t)-1; r++) {
                    gen_row *row = &t->body[r];
                    unsigned code;
                    if (row->ncells > c_desc && strcmp(row->cells[0], "Status") == 0 &&
                        set_to_code(row->cells[c_desc], &code)) {
                        add(es, code, 0xFFFF, cat, SRC_PS37_ANNEX_C, "", context, meaning);
                        found++;
                    }
                }
                gen_table_free(t);
            }
            free(meaning);
        }
        free(ct);
    }
    free(context);
    if (found < 5)
        gen_fail(doc, annex, "Annex C: only %zu status codes found", found);
}

/* ---- PS3.7 Annex C: the Status Class convention ------------------------------------ */

/* The table before C.1 ("All Status Codes are assigned according to the
 * following Status Class convention"): class | "0001 or Bxxx or 0107 or
 * 0116", "Axxx or Cxxx or 01xx (except 0107 and 0116) or 02xx", "FF00 and
 * FF01". And the paragraph after it naming the ranges "reserved for
 * assignment by DICOM Standard" (01xx, 02xx; 2013 has a table row "Annex C
 * assigned" instead): there only the codes Annex C lists have a class. */
typedef struct status_class {
    unsigned code, mask;
    int category;
    bool reserved;
} status_class;

typedef struct class_set {
    size_t n;
    status_class v[32];
} class_set;

/* The 4-character codes of text[0..len), other words ignored. */
static size_t codes_in(const char *text, size_t len, unsigned *code, unsigned *mask, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < len;) {
        size_t w = 0;
        while (i + w < len && isalnum((unsigned char)text[i + w]))
            w++;
        if (w == 4 && n < cap && parse_code(text + i, 4, &code[n], &mask[n]))
            n++;
        i += w ? w : 1;
    }
    return n;
}

static void read_class_row(const gen_doc *doc, const gen_row *row, class_set *cs)
{
    /* 2013 has no paragraph but a row "Annex C assigned Warning and Failure |
     * 01xx and 02xx": the same reservation. */
    bool assigned = row->ncells >= 2 && strstr(row->cells[0], "Annex C assigned");
    int cat = row->ncells >= 2 && !assigned ? category_from_word(row->cells[0]) : 0;
    if (!cat && !assigned)
        gen_fail(doc, row->tr, "Status Class convention: expected \"<class> | <codes>\"");
    /* "(except 0107 and 0116)": those are listed exactly under another class,
     * and exact codes are matched before ranges. */
    const char *t = row->cells[1];
    for (const char *p = t; *p;) {
        size_t keep = strcspn(p, "("), skip = 0;
        unsigned code[8], mask[8];
        size_t k = codes_in(p, keep, code, mask, 8);
        for (size_t i = 0; i < k; i++) {
            if (cs->n == sizeof cs->v / sizeof cs->v[0])
                gen_fail(doc, row->tr, "Status Class convention: too many codes");
            cs->v[cs->n++] = (status_class){code[i], mask[i], cat, assigned};
        }
        if (p[keep] == '(')
            skip = strcspn(p + keep, ")") + 1;
        p += keep + skip;
        if (p > t + strlen(t))
            break;
    }
}

static void read_class_convention(const gen_doc *doc, class_set *cs)
{
    xmlNode *annex = find_annex_c(doc), *tab = NULL, *reserved = NULL;
    for (xmlNode *c = annex->children; c && !is_elem(c, "section"); c = c->next) {
        if (!tab && is_elem(c, "informaltable"))
            tab = c;
        char *txt = is_elem(c, "para") ? gen_text(c) : NULL;
        if (tab && txt && strstr(txt, "reserved for assignment by DICOM Standard"))
            reserved = c;
        free(txt);
    }
    if (!tab)
        gen_fail(doc, annex, "Annex C: expected the Status Class convention table before C.1");
    cs->n = 0;
    gen_table *t = gen_table_read(doc, tab);
    for (size_t r = 0; r < t->nbody; r++)
        read_class_row(doc, &t->body[r], cs);
    gen_table_free(t);
    if (cs->n < 5)
        gen_fail(doc, tab, "Status Class convention: only %zu codes", cs->n);
    /* The paragraph (absent in 2013, whose table has a row for it instead). */
    char *txt = reserved ? gen_text(reserved) : gen_xstrdup("");
    char *end = strstr(txt, "are reserved");
    unsigned code[8], mask[8];
    size_t k = codes_in(txt, end ? (size_t)(end - txt) : 0, code, mask, 8);
    for (size_t i = 0; i < k; i++) {
        bool hit = false;
        for (size_t j = 0; j < cs->n; j++)
            if (cs->v[j].code == code[i] && cs->v[j].mask == mask[i])
                hit = cs->v[j].reserved = true;
        if (!hit)
            gen_fail(doc, reserved, "reserved code %04X: not in the Status Class convention",
                     code[i]);
    }
    free(txt);
}

static void emit_classes(gen_out *c, const class_set *cs)
{
    gen_out_printf(c, "\n/* PS3.7 Annex C, the Status Class convention, exact codes first;\n"
                      " * reserved: a range the standard keeps for the codes it assigns. */\n"
                      "const dq_gen_status_class dq_gen_status_classes[DQ_GEN_STATUS_CLASS_COUNT] "
                      "= {\n    /* code, mask, category, reserved */\n");
    for (int exact = 1; exact >= 0; exact--)
        for (size_t i = 0; i < cs->n; i++)
            if ((cs->v[i].mask == 0xFFFF) == exact)
                gen_out_printf(c, "    {0x%04Xu, 0x%04Xu, %s, %d},\n", cs->v[i].code, cs->v[i].mask,
                               cs->v[i].category ? cat_enum[cs->v[i].category]
                                                 : "DQ_STATUS_UNKNOWN",
                               cs->v[i].reserved);
    gen_out_printf(c, "};\n");
}

/* ---- PS3.7 per-service Status sections -------------------------------------------- */

static int annex_c_category(const entries *es, unsigned code)
{
    for (size_t i = 0; i < es->n; i++)
        if (es->v[i].source == SRC_PS37_ANNEX_C && es->v[i].code == code)
            return es->v[i].category;
    return 0;
}

/* One "Status" section: list items "Meaning (0122H) - explanation". */
static size_t read_status_section(const gen_doc *doc, xmlNode *sec, entries *es)
{
    char *service = service_of(sec);
    if (!service)
        return 0;
    char *context = outer_title(sec);
    size_t found = 0;
    for (xmlNode *li = gen_find_element(sec, "listitem"); li;
         li = gen_next_element(li, "listitem")) {
        bool inside = false; /* gen_next_element walks on past the section's end */
        for (xmlNode *p = li->parent; p && !inside; p = p->parent)
            inside = p == sec;
        if (!inside)
            break;
        char *txt = gen_text(li);
        char *close = strstr(txt, "H)");
        unsigned code, mask;
        if (close && close - txt >= 5 && close[-5] == '(' &&
            parse_code(close - 4, 4, &code, &mask) && mask == 0xFFFF) {
            size_t ml = (size_t)(close - 5 - txt);
            while (ml > 0 && txt[ml - 1] == ' ')
                ml--;
            char *meaning = gen_xmalloc(ml + 1);
            memcpy(meaning, txt, ml);
            meaning[ml] = 0;
            int cat = annex_c_category(es, code);
            if (!cat)
                cat = category_from_word(meaning);
            if (!cat)
                gen_warn(doc, li, "%s status %04X \"%s\": no category, skipped", service, code,
                         meaning);
            else {
                add(es, code, mask, cat, SRC_PS37_SERVICE, service, context, meaning);
                found++;
            }
            free(meaning);
        }
        free(txt);
    }
    free(context);
    free(service);
    return found;
}

static size_t walk_sections(const gen_doc *doc, xmlNode *n, entries *es)
{
    size_t found = 0;
    for (xmlNode *c = n->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (is_elem(c, "section")) {
            char *t = title_of(c);
            bool is_status = strcmp(t, "Status") == 0;
            free(t);
            if (is_status) {
                found += read_status_section(doc, c, es);
                continue;
            }
        }
        found += walk_sections(doc, c, es);
    }
    return found;
}

static void read_service_status(const gen_doc *doc, entries *es)
{
    /* Older editions (2013) name the statuses there without codes
     * ("Refused: Out of Resources-Indicates ..."): then this source adds
     * nothing and Annex C plus PS3.4 carry the table. */
    walk_sections(doc, xmlDocGetRootElement(doc->xml), es);
}

/* ---- output ------------------------------------------------------------------------- */

static void read_all(const char *dir, gen_doc *docs[2], entries *es, class_set *cs)
{
    docs[0] = gen_doc_load(dir, "part04.xml");
    docs[1] = gen_doc_load(dir, "part07.xml");
    memset(es, 0, sizeof *es);
    read_ps34(docs[0], es);
    read_annex_c(docs[1], es);
    read_service_status(docs[1], es);
    read_class_convention(docs[1], cs);
}

static void free_all(gen_doc *docs[2], entries *es)
{
    for (size_t i = 0; i < es->n; i++) {
        free(es->v[i].service);
        free(es->v[i].context);
        free(es->v[i].meaning);
    }
    free(es->v);
    gen_doc_free(docs[0]);
    gen_doc_free(docs[1]);
}

static int emit(const char *dir, const char *outdir)
{
    gen_doc *docs[2];
    entries es;
    class_set cs;
    read_all(dir, docs, &es, &cs);

    char *path = gen_xasprintf("%s/dq_gen_status.h", outdir);
    gen_out *h = gen_out_open(path);
    free(path);
    gen_out_banner(h, "status", (const gen_doc *const *)docs, 2);
    gen_out_printf(
        h,
        "#ifndef DQ_GEN_STATUS_H\n#define DQ_GEN_STATUS_H\n\n"
        "#include <stdbool.h>\n\n"
        "#include \"dq/status.h\"\n\n"
        "/* Where an entry comes from, which is also the lookup order. */\n"
        "enum {\n"
        "    DQ_GEN_STATUS_PS34 = 0,         /* PS3.4 \"<service> Response Status Values\" */\n"
        "    DQ_GEN_STATUS_PS37_SERVICE = 1, /* PS3.7 per-service \"Status\" sections */\n"
        "    DQ_GEN_STATUS_PS37_ANNEX_C = 2, /* PS3.7 Annex C, for every service */\n"
        "};\n\n"
        "#define DQ_GEN_STATUS_COUNT %zu\n"
        "extern const dq_status_info dq_gen_status[DQ_GEN_STATUS_COUNT];\n\n"
        "typedef struct dq_gen_status_class {\n"
        "    uint16_t code, mask;\n"
        "    dq_status_category category;\n"
        "    bool reserved;\n"
        "} dq_gen_status_class;\n"
        "#define DQ_GEN_STATUS_CLASS_COUNT %zu\n"
        "extern const dq_gen_status_class dq_gen_status_classes[DQ_GEN_STATUS_CLASS_COUNT];\n\n"
        "#endif\n",
        es.n, cs.n);

    path = gen_xasprintf("%s/dq_gen_status.c", outdir);
    gen_out *c = gen_out_open(path);
    free(path);
    gen_out_banner(c, "status", (const gen_doc *const *)docs, 2);
    gen_out_printf(c, "#include \"dq_gen_status.h\"\n\n"
                      "const dq_status_info dq_gen_status[DQ_GEN_STATUS_COUNT] = {\n"
                      "    /* code, mask, category, source, service, context, meaning */\n");
    for (size_t i = 0; i < es.n; i++) {
        const entry *e = &es.v[i];
        gen_out_printf(c, "    {0x%04Xu, 0x%04Xu, %s, %d, ", e->code, e->mask,
                       cat_enum[e->category], e->source);
        gen_out_cstr(c, e->service);
        gen_out_printf(c, ", ");
        gen_out_cstr(c, e->context);
        gen_out_printf(c, ", ");
        gen_out_cstr(c, e->meaning);
        gen_out_printf(c, "},\n");
    }
    gen_out_printf(c, "};\n");
    emit_classes(c, &cs);
    gen_out_commit(h);
    gen_out_commit(c);
    free_all(docs, &es);
    return 0;
}

static int dump(const char *dir, const char *what, FILE *out)
{
    (void)what;
    gen_doc *docs[2];
    entries es;
    class_set cs;
    read_all(dir, docs, &es, &cs);
    static const char *const cat_name[] = {"",       "Success", "Pending",
                                           "Cancel", "Warning", "Failure"};
    fprintf(out, "code\tmask\tcategory\tsource\tservice\tcontext\tmeaning\n");
    for (size_t i = 0; i < es.n; i++) {
        const entry *e = &es.v[i];
        fprintf(out, "%04X\t%04X\t%s\t%d\t%s\t%s\t%s\n", e->code, e->mask, cat_name[e->category],
                e->source, e->service, e->context, e->meaning);
    }
    free_all(docs, &es);
    return 0;
}

const gen_emitter gen_emitter_status = {
    .name = "status",
    .parts = "part04.xml part07.xml",
    .emit = emit,
    .dump_names = "status",
    .dump = dump,
};
