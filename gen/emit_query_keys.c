/* Emitter "query_keys": the C-FIND keys of each query information model and
 * level, from PS3.4:
 *   - the Query/Retrieve levels from "Query/Retrieve Level Values for <root>"
 *     (PS3.4 Tables C.6.1-1, C.6.2-1: the level's name and its value in the
 *     tag the header names, (0008,0052));
 *   - each level's keys from "<Level> Level Keys|Attributes for the <root>
 *     Query/Retrieve Information Model" (C.6-1..C.6-5), or, where a root has
 *     no table of its own for a level, from the section that says the level
 *     is "the same as" another root's and links to it (C.6.2.1.3, C.6.2.1.4);
 *   - Patient/Study Only: retired since PS3.4-2004 (C.6.3 says only that);
 *     PS3.4-2004 C.6.3.1 defined it as the Patient Root's Patient and Study
 *     levels, which is what an edition without its own tables gets here;
 *   - "Attributes for the Modality Worklist Information Model" (K.6-1) and
 *     "UPS SOP Class N-CREATE/N-SET/N-GET/C-FIND Attributes" (CC.2.5-3):
 *     matching and return key types;
 *   - the attributes a request identifier carries besides keys (Query/Retrieve
 *     Level, Specific Character Set, ...): the tags of the "Request Identifier
 *     Structure" list in the chapter of the model's table (C.4.1.1.3.1, ...).
 * Columns are found by heading, with the names editions have used; '>' marks
 * nesting; every tag is checked against the PS3.6 dictionary. Rows without a
 * tag ("All other Attributes ...", "Include ..." macro rows, module headings)
 * are counted on stderr; anything else unexpected fails with file:line. */
#include "gen.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct qkey {
    uint32_t tag;
    const char *keyword; /* the dictionary's */
    unsigned depth;      /* number of '>' */
    int parent;          /* index of the enclosing sequence key, -1 at the top */
    bool sequence;       /* VR SQ */
    char type[4];        /* Q/R: U R O */
    char match[4];       /* worklist, UPS: R O U - or "" (blank cell) */
    char ret[4];         /* worklist, UPS: 1 1C 2 2C 3 - or "" */
} qkey;

/* One key table as read (shared by levels that reuse it). */
typedef struct qtable {
    xmlNode *node;
    char *label, *caption, *sym;
    qkey *keys;
    size_t n;
} qtable;

typedef struct qlevel {
    char *name;          /* "STUDY"; "" for a model without levels */
    char *title;         /* "Study" (from "Study Information") */
    const qtable *table; /* its keys */
    char *via;           /* the section saying it is another root's, or "" */
} qlevel;

typedef struct qmodel {
    const char *name;
    bool retired;
    uint32_t level_tag;
    qlevel levels[8];
    size_t nlevels;
    uint32_t ident[16]; /* request identifier attributes other than keys */
    size_t nident;
} qmodel;

typedef struct qstate {
    const gen_doc *doc;
    gen_dict *dict;
    qtable *tables[16];
    size_t ntables;
    qmodel models[5];
    size_t skipped_untagged, skipped_headings, skipped_nested, blank_types;
} qstate;

/* ---- cells --------------------------------------------------------------- */

static bool parse_tag(const char *s, uint32_t *tag)
{
    if (strlen(s) != 11 || s[0] != '(' || s[5] != ',' || s[10] != ')')
        return false;
    uint32_t v = 0;
    for (size_t i = 1; i < 10; i++) {
        if (i == 5)
            continue;
        if (!isxdigit((unsigned char)s[i]))
            return false;
        int c = toupper((unsigned char)s[i]);
        v = v << 4 | (uint32_t)(isdigit(c) ? c - '0' : c - 'A' + 10);
    }
    *tag = v;
    return true;
}

/* The first "(gggg,eeee)" in a text, or false. */
static bool first_tag(const char *s, uint32_t *tag)
{
    for (const char *p = strchr(s, '('); p; p = strchr(p + 1, '(')) {
        char buf[12];
        if (strlen(p) < 11)
            return false;
        memcpy(buf, p, 11);
        buf[11] = 0;
        if (parse_tag(buf, tag))
            return true;
    }
    return false;
}

static bool one_of(const char *s, const char *const *set)
{
    for (; *set; set++)
        if (strcmp(s, *set) == 0)
            return true;
    return false;
}

/* The first of several heading names a table uses, or (size_t)-1. */
static size_t column_any(const gen_table *t, const char *const *names)
{
    for (; *names; names++) {
        size_t c = gen_table_column_opt(t, *names);
        if (c != (size_t)-1)
            return c;
    }
    return (size_t)-1;
}

static size_t column_req(const gen_table *t, const char *const *names)
{
    size_t c = column_any(t, names);
    if (c == (size_t)-1) {
        char *cap = gen_table_caption(t->table);
        gen_fail(t->doc, t->table, "table \"%s\": expected a column headed \"%s\"", cap, names[0]);
    }
    return c;
}

/* ---- key tables ---------------------------------------------------------- */

static const char *const NAME_COLS[] = {"Description",           "Attribute Name",
                                        "Description / Module",  "Attribute Name / Module",
                                        "Attribute Description", NULL};
static const char *const TYPE_COLS[] = {"Type", "Key Type", NULL};
static const char *const MATCH_COLS[] = {"Matching Key Type", "Match Key Type", NULL};
static const char *const RETURN_COLS[] = {"Return Key Type", NULL};
static const char *const QR_TYPES[] = {"U", "R", "O", NULL};
static const char *const MATCH_TYPES[] = {"U", "R", "O", "-", "", NULL};
static const char *const RETURN_TYPES[] = {"1", "1C", "2", "2C", "3", "-", "", NULL};

/* In the nesting stack: the row at this depth was left out, and so are the
 * rows nested in it. */
#define SKIPPED (-2)

typedef struct cols {
    size_t name, tag, type, match, ret;
} cols;

static char *label_of(const xmlNode *table)
{
    xmlChar *l = xmlGetProp(table, (const xmlChar *)"label");
    char *s = gen_xstrdup(l ? (const char *)l : "");
    xmlFree(l);
    return s;
}

/* A type cell: "R", "1C"; a trailing note mark such as "R*" is not a type. */
static void take_type(const gen_table *t, const gen_row *row, size_t c, const char *const *ok,
                      char out[4])
{
    const char *s = row->cells[c];
    if (!one_of(s, ok)) {
        char list[64] = "";
        for (size_t i = 0; ok[i] && strlen(list) + 8 < sizeof list; i++)
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s\"%s\"", i ? " " : "",
                     ok[i]);
        gen_fail(t->doc, row->nodes[c], "expected a key type (one of %s), found \"%s\"", list, s);
    }
    snprintf(out, 4, "%s", s);
}

/* The '>' nesting of a name cell and its parent in the keys read so far. */
static int nest(qstate *st, const gen_row *row, size_t c, int *stack, unsigned *depth)
{
    const char *s = row->cells[c];
    unsigned d = 0;
    while (s[d] == '>')
        d++;
    if (d >= 16)
        gen_fail(st->doc, row->tr, "nesting deeper than 16 levels");
    *depth = d;
    if (d == 0)
        return -1;
    if (stack[d - 1] == SKIPPED)
        return SKIPPED;
    if (stack[d - 1] < 0)
        gen_fail(st->doc, row->nodes[c], "\"%s\": no sequence key above it", s);
    return stack[d - 1];
}

/* A worklist/UPS type cell that makes no key: "-" or blank. */
static bool no_key(const char *type)
{
    return type[0] == 0 || strcmp(type, "-") == 0;
}

static bool is_heading(const gen_row *row)
{
    for (size_t c = 1; c < row->ncells; c++)
        if (row->nodes[c] != row->nodes[0])
            return false;
    return true;
}

static void read_row(qstate *st, const gen_table *t, qtable *q, const gen_row *row, const cols *k,
                     int *stack)
{
    unsigned depth;
    int parent = nest(st, row, k->name, stack, &depth);
    uint32_t tag;
    if (parent == SKIPPED) {
        st->skipped_nested++;
        stack[depth] = SKIPPED;
        return;
    }
    if (!row->cells[k->tag][0]) {
        /* "All other Attributes ...", "Include <macro>": not one key. */
        st->skipped_untagged++;
        for (unsigned d = depth; d < 16; d++)
            stack[d] = -1;
        return;
    }
    if (!parse_tag(row->cells[k->tag], &tag))
        gen_fail(st->doc, row->nodes[k->tag], "expected a tag like (0010,0010), found \"%s\"",
                 row->cells[k->tag]);
    qkey *e = &q->keys[q->n];
    memset(e, 0, sizeof *e);
    const char *vr;
    if (!gen_dict_lookup(st->dict, tag, &e->keyword, &vr))
        gen_fail(st->doc, row->nodes[k->tag], "%s: not in the PS3.6 dictionary",
                 row->cells[k->tag]);
    e->tag = tag;
    e->depth = depth;
    e->parent = parent;
    if (k->type != (size_t)-1)
        take_type(t, row, k->type, QR_TYPES, e->type);
    if (k->match != (size_t)-1) {
        take_type(t, row, k->match, MATCH_TYPES, e->match);
        take_type(t, row, k->ret, RETURN_TYPES, e->ret);
        st->blank_types += !e->match[0] + !e->ret[0];
    }
    for (unsigned d = depth + 1; d < 16; d++)
        stack[d] = -1;
    if (parent >= 0 && !q->keys[parent].sequence) {
        /* PS3.4 2013 CC.2.5-3 nests ">Reason For Cancellation" in Procedure
         * Step Cancellation DateTime, a DT: a slip in the table. Harmless
         * when the row is no key at all; otherwise the table is not
         * understood. */
        if (k->match == (size_t)-1 || !no_key(e->match) || !no_key(e->ret))
            gen_fail(st->doc, row->nodes[k->name], "\"%s\" is nested in %s, not a sequence",
                     row->cells[k->name], q->keys[parent].keyword);
        gen_warn(st->doc, row->nodes[k->name],
                 "\"%s\" is nested in %s, not a sequence: no key, left out with its items",
                 row->cells[k->name], q->keys[parent].keyword);
        st->skipped_nested++;
        stack[depth] = SKIPPED;
        return;
    }
    e->sequence = strcmp(vr, "SQ") == 0;
    stack[depth] = (int)q->n;
    q->n++;
}

/* Reads a key table once; later requests for the same node share it. */
static const qtable *read_keys(qstate *st, xmlNode *node, bool qr)
{
    for (size_t i = 0; i < st->ntables; i++)
        if (st->tables[i]->node == node)
            return st->tables[i];
    char *label = label_of(node);
    gen_table *t = gen_table_read(st->doc, node);
    cols k = {column_req(t, NAME_COLS), gen_table_column(t, "Tag"), (size_t)-1, (size_t)-1,
              (size_t)-1};
    if (qr)
        k.type = column_req(t, TYPE_COLS);
    else {
        k.match = column_req(t, MATCH_COLS);
        k.ret = column_req(t, RETURN_COLS);
    }
    size_t need = k.name > k.tag ? k.name : k.tag;
    size_t more[] = {k.type, k.match, k.ret};
    for (size_t i = 0; i < 3; i++)
        if (more[i] != (size_t)-1 && more[i] > need)
            need = more[i];
    if (st->ntables == sizeof st->tables / sizeof *st->tables)
        gen_fail(st->doc, node, "too many key tables");
    qtable *q = gen_xmalloc(sizeof *q);
    q->node = node;
    q->label = label;
    q->caption = gen_table_caption(node);
    q->sym = label[0] ? gen_xasprintf("keys_%s", label) : gen_xasprintf("keys_%zu", st->ntables);
    for (char *p = q->sym; *p; p++)
        if (!isalnum((unsigned char)*p))
            *p = '_';
    q->keys = gen_xmalloc((t->nbody + 1) * sizeof *q->keys);
    q->n = 0;
    int stack[16];
    for (size_t i = 0; i < 16; i++)
        stack[i] = -1;
    for (size_t r = 0; r < t->nbody; r++) {
        const gen_row *row = &t->body[r];
        if (row->ncells > 0 && is_heading(row)) {
            st->skipped_headings++; /* a module name spanning the row */
            continue;
        }
        if (row->ncells <= need)
            gen_fail(st->doc, row->tr, "\"%s\": expected at least %zu cells, found %zu", q->caption,
                     need + 1, row->ncells);
        read_row(st, t, q, row, &k, stack);
    }
    if (q->n == 0)
        gen_fail(st->doc, node, "\"%s\": no keys", q->caption);
    gen_table_free(t);
    st->tables[st->ntables++] = q;
    return q;
}

/* ---- sections ------------------------------------------------------------ */

static bool is_elem(const xmlNode *n, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

static char *title_of(const xmlNode *n)
{
    for (xmlNode *c = n->children; c; c = c->next)
        if (is_elem(c, "title"))
            return gen_text(c);
    return gen_xstrdup("");
}

/* The first element (document order, n itself included) for which hit() is
 * true; gen_next_element does not descend into the node it starts from,
 * and sections nest. */
static xmlNode *find_first(xmlNode *n, bool (*hit)(const xmlNode *, const void *), const void *arg)
{
    for (; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        if (hit(n, arg))
            return n;
        xmlNode *below = find_first(n->children, hit, arg);
        if (below)
            return below;
    }
    return NULL;
}

static bool section_hit(const xmlNode *n, const void *title)
{
    if (!is_elem(n, "section"))
        return false;
    char *t = title_of(n);
    bool hit = strcmp(t, title) == 0;
    free(t);
    return hit;
}

static bool id_hit(const xmlNode *n, const void *id)
{
    xmlChar *v = xmlGetNsProp(n, (const xmlChar *)"id", XML_XML_NAMESPACE);
    bool hit = v && strcmp((const char *)v, id) == 0;
    xmlFree(v);
    return hit;
}

/* The first section titled `title` in (or at) n, or NULL. */
static xmlNode *section_titled(xmlNode *n, const char *title)
{
    return n ? find_first(n, section_hit, title) : NULL;
}

static xmlNode *child_section_titled(xmlNode *parent, const char *title)
{
    for (xmlNode *c = parent->children; c; c = c->next)
        if (section_hit(c, title))
            return c;
    return NULL;
}

static xmlNode *by_id(const gen_doc *doc, const char *id)
{
    return find_first(xmlDocGetRootElement(doc->xml), id_hit, id);
}

/* ---- Query/Retrieve models ------------------------------------------------ */

/* "Query/Retrieve Level Values for <root>": each level's name, in order, and
 * the tag the value column's heading names. False when there is no table. */
static bool read_levels(qstate *st, qmodel *m)
{
    char *cap = gen_xasprintf("Query/Retrieve Level Values for %s", m->name);
    xmlNode **found;
    size_t n = gen_find_tables(st->doc, cap, &found);
    free(cap);
    if (n == 0)
        return false;
    gen_table *t = gen_table_read(st->doc, found[0]);
    free(found);
    size_t c_desc = gen_table_column(t, "Query/Retrieve Level"), c_val = (size_t)-1;
    for (size_t r = 0; r < t->nhead && c_val == (size_t)-1; r++)
        for (size_t c = 0; c < t->head[r].ncells; c++)
            if (strncmp(t->head[r].cells[c], "Value in", 8) == 0 &&
                first_tag(t->head[r].cells[c], &m->level_tag))
                c_val = c;
    if (c_val == (size_t)-1)
        gen_fail(st->doc, t->table,
                 "\"%s\" levels: expected a column headed \"Value in (gggg,eeee)\"", m->name);
    for (size_t r = 0; r < t->nbody; r++) {
        const gen_row *row = &t->body[r];
        if (row->ncells <= c_desc || row->ncells <= c_val || m->nlevels == 8)
            gen_fail(st->doc, row->tr, "\"%s\" levels: unexpected row", m->name);
        const char *d = row->cells[c_desc];
        size_t len = strlen(d);
        const char *suffix = " Information";
        if (len <= strlen(suffix) || strcmp(d + len - strlen(suffix), suffix) != 0 ||
            !row->cells[c_val][0])
            gen_fail(st->doc, row->tr,
                     "expected \"<Level> Information\" and its value, found \"%s\"", d);
        qlevel *l = &m->levels[m->nlevels++];
        l->name = gen_xstrdup(row->cells[c_val]);
        l->title = gen_xasprintf("%.*s", (int)(len - strlen(suffix)), d);
        l->via = gen_xstrdup("");
    }
    gen_table_free(t);
    return m->nlevels > 0;
}

/* The level's own table: "<Level> Level Keys|Attributes for the <root> ...". */
static xmlNode *level_table(qstate *st, const qmodel *m, const qlevel *l)
{
    static const char *const words[] = {"Keys", "Attributes"};
    for (size_t i = 0; i < 2; i++) {
        char *cap = gen_xasprintf("%s Level %s for the %s Query/Retrieve Information Model",
                                  l->title, words[i], m->name);
        xmlNode **found;
        size_t n = gen_find_tables(st->doc, cap, &found);
        if (n > 1)
            gen_fail(st->doc, found[1], "two tables captioned \"%s\"", cap);
        free(cap);
        xmlNode *t = n ? found[0] : NULL;
        free(found);
        if (t)
            return t;
    }
    return NULL;
}

/* A level without a table: its section says it is "the same as" a level of
 * another root and links to that level's section (PS3.4 C.6.2.1.3). */
static xmlNode *shared_table(qstate *st, const qmodel *m, qlevel *l)
{
    /* The information model's section: the one around the section of the
     * model's first level table (C.6.2.1 around C.6.2.1.2). */
    xmlNode *im = m->levels[0].table ? m->levels[0].table->node : NULL;
    for (int up = 0; im && up < 2; up += is_elem(im, "section"))
        im = im->parent;
    char *title = gen_xasprintf("%s Level", l->title);
    xmlNode *sec = im ? child_section_titled(im, title) : NULL;
    if (!sec)
        gen_fail(st->doc, im, "%s %s: no table and no section titled \"%s\"", m->name, l->name,
                 title);
    free(title);
    char *text = gen_text(sec);
    xmlNode *x = gen_find_element(sec, "xref");
    xmlChar *to = x ? xmlGetProp(x, (const xmlChar *)"linkend") : NULL;
    xmlNode *target = to ? by_id(st->doc, (const char *)to) : NULL;
    xmlFree(to);
    xmlNode *table = target ? gen_find_element(target, "table") : NULL;
    char *cap = table ? gen_table_caption(table) : gen_xstrdup("");
    char *want = gen_xasprintf("%s Level ", l->title);
    if (!strstr(text, "the same as") || !table || strncmp(cap, want, strlen(want)) != 0)
        gen_fail(st->doc, sec,
                 "%s %s: expected the text \"... are the same as ...\" linking to a section "
                 "with a \"%s...\" table",
                 m->name, l->name, want);
    free(l->via);
    l->via = label_of(sec);
    free(want);
    free(cap);
    free(text);
    return table;
}

static void read_qr_model(qstate *st, qmodel *m)
{
    if (!read_levels(st, m))
        gen_fail(st->doc, NULL, "no table captioned \"Query/Retrieve Level Values for %s\"",
                 m->name);
    for (size_t i = 0; i < m->nlevels; i++) {
        qlevel *l = &m->levels[i];
        xmlNode *t = level_table(st, m, l);
        l->table = read_keys(st, t ? t : shared_table(st, m, l), true);
    }
}

/* PS3.4 2013 C.6.3 says only "Retired. See PS 3.4-2004."; PS3.4-2004 C.6.3.1
 * made the model the Patient Root's Patient and Study levels. An edition that
 * defines it again (a levels table) is read like the other roots. */
static void read_psonly(qstate *st, qmodel *m, const qmodel *patient_root)
{
    if (read_levels(st, m)) {
        read_qr_model(st, m);
        return;
    }
    xmlNode *sec =
        section_titled(xmlDocGetRootElement(st->doc->xml), "Patient/Study Only SOP Class Group");
    char *text = sec ? gen_text(sec) : gen_xstrdup("");
    if (!sec || !strstr(text, "Retired") || patient_root->nlevels < 2)
        gen_fail(st->doc, sec,
                 "Patient/Study Only: expected a levels table or a section saying it is retired");
    free(text);
    m->retired = true;
    m->level_tag = patient_root->level_tag;
    m->nlevels = 2;
    for (size_t i = 0; i < 2; i++) {
        const qlevel *p = &patient_root->levels[i];
        m->levels[i] =
            (qlevel){gen_xstrdup(p->name), gen_xstrdup(p->title), p->table, label_of(sec)};
    }
}

static void read_single(qstate *st, qmodel *m, const char *caption)
{
    m->nlevels = 1;
    m->levels[0] =
        (qlevel){gen_xstrdup(""), gen_xstrdup(""),
                 read_keys(st, gen_require_table(st->doc, caption), false), gen_xstrdup("")};
}

/* The tags listed in the "Request Identifier Structure" of the chapter that
 * holds the model's first key table (PS3.4 C.4.1.1.3.1, K.4.1.1.3.1, ...). */
static void read_identifier(qstate *st, qmodel *m)
{
    xmlNode *chap = m->levels[0].table->node;
    while (chap && !is_elem(chap, "chapter") && !is_elem(chap, "appendix"))
        chap = chap->parent;
    xmlNode *sec = chap ? section_titled(chap->children, "Request Identifier Structure") : NULL;
    if (!sec)
        gen_fail(st->doc, chap, "%s: no \"Request Identifier Structure\" section", m->name);
    for (xmlNode *li = gen_find_element(sec, "listitem"); li;
         li = gen_next_element(li, "listitem")) {
        bool inside = false;
        for (xmlNode *p = li->parent; p && !inside; p = p->parent)
            inside = p == sec;
        if (!inside)
            break;
        char *text = gen_text(li);
        uint32_t tag;
        if (first_tag(text, &tag) && m->nident < sizeof m->ident / sizeof *m->ident) {
            const char *kw, *vr;
            if (!gen_dict_lookup(st->dict, tag, &kw, &vr))
                gen_fail(st->doc, li, "(%04X,%04X): not in the PS3.6 dictionary", tag >> 16,
                         tag & 0xFFFF);
            m->ident[m->nident++] = tag;
        }
        free(text);
    }
    if (m->nident == 0)
        gen_fail(st->doc, sec, "%s: no tags in the request identifier structure", m->name);
}

static void read_all(qstate *st, const char *dir)
{
    memset(st, 0, sizeof *st);
    st->doc = gen_doc_load(dir, "part04.xml");
    st->dict = gen_dict_load(dir);
    static const char *const names[] = {"Patient Root", "Study Root", "Patient/Study Only",
                                        "Modality Worklist", "Unified Procedure Step"};
    for (size_t i = 0; i < 5; i++)
        st->models[i].name = names[i];
    read_qr_model(st, &st->models[0]);
    read_qr_model(st, &st->models[1]);
    read_psonly(st, &st->models[2], &st->models[0]);
    read_single(st, &st->models[3], "Attributes for the Modality Worklist Information Model");
    read_single(st, &st->models[4], "UPS SOP Class N-CREATE/N-SET/N-GET/C-FIND Attributes");
    for (size_t i = 0; i < 5; i++)
        read_identifier(st, &st->models[i]);
    size_t nkeys = 0;
    for (size_t i = 0; i < st->ntables; i++)
        nkeys += st->tables[i]->n;
    fprintf(stderr,
            "dicomgen: query_keys: %zu keys in %zu tables; ignored: %zu rows without a tag "
            "(\"All other ...\", \"Include ...\"), %zu module headings, %zu rows nested in a "
            "non-sequence; %zu blank key types\n",
            nkeys, st->ntables, st->skipped_untagged, st->skipped_headings, st->skipped_nested,
            st->blank_types);
}

static void free_all(qstate *st)
{
    for (size_t i = 0; i < 5; i++)
        for (size_t j = 0; j < st->models[i].nlevels; j++) {
            free(st->models[i].levels[j].name);
            free(st->models[i].levels[j].title);
            free(st->models[i].levels[j].via);
        }
    for (size_t i = 0; i < st->ntables; i++) {
        free(st->tables[i]->label);
        free(st->tables[i]->caption);
        free(st->tables[i]->sym);
        free(st->tables[i]->keys);
        free(st->tables[i]);
    }
    gen_dict_free(st->dict);
    gen_doc_free((gen_doc *)st->doc);
}

/* ---- output -------------------------------------------------------------- */

static void emit_table(gen_out *c, const qtable *q)
{
    gen_out_printf(c, "/* PS3.4 Table %s: %s */\nstatic const dq_query_key %s[] = {\n", q->label,
                   q->caption, q->sym);
    gen_out_printf(c, "    /* tag, keyword, depth, parent, type, match, return */\n");
    for (size_t i = 0; i < q->n; i++) {
        const qkey *k = &q->keys[i];
        gen_out_printf(c, "    {0x%08Xu, ", k->tag);
        gen_out_cstr(c, k->keyword);
        gen_out_printf(c, ", %u, %d, \"%s\", \"%s\", \"%s\"},\n", k->depth, k->parent, k->type,
                       k->match, k->ret);
    }
    gen_out_printf(c, "};\n\n");
}

static void emit_model(gen_out *c, const qmodel *m, size_t i)
{
    gen_out_printf(c, "static const dq_query_level levels_%zu[] = {\n", i);
    for (size_t j = 0; j < m->nlevels; j++) {
        const qlevel *l = &m->levels[j];
        gen_out_printf(c, "    {");
        gen_out_cstr(c, l->name);
        gen_out_printf(c, ", ");
        gen_out_cstr(c, l->table->label);
        gen_out_printf(c, ", ");
        gen_out_cstr(c, l->table->caption);
        gen_out_printf(c, ", ");
        gen_out_cstr(c, l->via);
        gen_out_printf(c, ", %s, %zu},\n", l->table->sym, l->table->n);
    }
    gen_out_printf(c, "};\nstatic const uint32_t identifier_%zu[] = {", i);
    for (size_t j = 0; j < m->nident; j++)
        gen_out_printf(c, "%s0x%08Xu", j ? ", " : "", m->ident[j]);
    gen_out_printf(c, "};\n\n");
}

static int emit(const char *dir, const char *outdir)
{
    qstate st;
    read_all(&st, dir);
    const gen_doc *docs[] = {st.doc};
    gen_out *h = gen_out_generated(outdir, "dq_gen_query_keys.h", "query_keys", docs, 1);
    gen_out_printf(h, "#ifndef DQ_GEN_QUERY_KEYS_H\n#define DQ_GEN_QUERY_KEYS_H\n\n"
                      "#include \"dq/query_keys.h\"\n\n"
                      "#define DQ_GEN_QUERY_MODEL_COUNT 5\n"
                      "extern const dq_query_model dq_gen_query_models[DQ_GEN_QUERY_MODEL_COUNT];\n"
                      "\n#endif\n");
    gen_out *c = gen_out_generated(outdir, "dq_gen_query_keys.c", "query_keys", docs, 1);
    gen_out_printf(c, "#include \"dq_gen_query_keys.h\"\n\n");
    for (size_t i = 0; i < st.ntables; i++)
        emit_table(c, st.tables[i]);
    for (size_t i = 0; i < 5; i++)
        emit_model(c, &st.models[i], i);
    gen_out_printf(c, "const dq_query_model dq_gen_query_models[DQ_GEN_QUERY_MODEL_COUNT] = {\n"
                      "    /* name, edition, retired, level tag, levels, identifier tags */\n");
    for (size_t i = 0; i < 5; i++) {
        const qmodel *m = &st.models[i];
        gen_out_printf(c, "    {");
        gen_out_cstr(c, m->name);
        gen_out_printf(c, ", ");
        gen_out_cstr(c, st.doc->edition);
        gen_out_printf(c, ", %d, 0x%08Xu, levels_%zu, %zu, identifier_%zu, %zu},\n", m->retired,
                       m->level_tag, i, m->nlevels, i, m->nident);
    }
    gen_out_printf(c, "};\n");
    gen_out_commit(h);
    gen_out_commit(c);
    free_all(&st);
    return 0;
}

static int dump(const char *dir, const char *what, FILE *out)
{
    (void)what;
    qstate st;
    read_all(&st, dir);
    fprintf(out, "model\tlevel\ttable\tvia\tdepth\ttag\tkeyword\ttype\tmatch\treturn\tedition\n");
    for (size_t i = 0; i < 5; i++) {
        const qmodel *m = &st.models[i];
        for (size_t j = 0; j < m->nlevels; j++) {
            const qlevel *l = &m->levels[j];
            for (size_t k = 0; k < l->table->n; k++) {
                const qkey *e = &l->table->keys[k];
                fprintf(out, "%s\t%s\t%s\t%s\t%u\t(%04X,%04X)\t%s\t%s\t%s\t%s\t%s\n", m->name,
                        l->name, l->table->label, l->via, e->depth, e->tag >> 16, e->tag & 0xFFFF,
                        e->keyword, e->type, e->match, e->ret, st.doc->release);
            }
        }
        for (size_t j = 0; j < m->nident; j++)
            fprintf(out, "%s\t*\tidentifier\t\t0\t(%04X,%04X)\t\t\t\t\t%s\n", m->name,
                    m->ident[j] >> 16, m->ident[j] & 0xFFFF, st.doc->release);
    }
    free_all(&st);
    return 0;
}

const gen_emitter gen_emitter_query_keys = {
    .name = "query_keys",
    .parts = "part04.xml part06.xml part07.xml",
    .emit = emit,
    .dump_names = "query-keys",
    .dump = dump,
};
