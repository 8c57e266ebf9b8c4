/* Emitter "pdu": the Upper Layer PDU and item layouts of PS3.8 section 9.3
 * and Annex D, and the user information sub-items of PS3.7 Annex D.
 *
 * Each "... Fields" table lists byte ranges ("1", "3-6", "75-xxx", "xxx",
 * "(x+1) - (x+2)", "n+1-n+2"), field names and, for type fields, the fixed
 * value ("01H"). From them we emit a layout descriptor per table (every field
 * with its byte range as the standard writes it, so the table reads against
 * PS3.8 line by line) and offset/size/type macros for every field at a fixed
 * position. No code: src/net/pdu.c checks and writes every header from the
 * descriptors and reads fields through the macros. The reject/abort/
 * presentation-context result meanings ("1 - rejected-permanent") are taken
 * from the description cells of the fields that define them.
 *
 * PS3.8 has two tables captioned "Presentation Context Item Fields" (and
 * "Transfer Syntax Sub-Item Fields", "User Information Item Fields"): one in
 * the A-ASSOCIATE-RQ section, one in the -AC section. They are told apart by
 * the title of an enclosing section, never by order or number. */
#define _GNU_SOURCE
#include "gen.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Which table each layout comes from. `within` names text an enclosing
 * section title must contain (NULL: the caption is unique). */
typedef struct spec {
    const char *name; /* C name */
    int doc;          /* 0 part08, 1 part07 */
    const char *caption;
    const char *within;
} spec;

static const spec specs[] = {
    {"associate_rq", 0, "ASSOCIATE-RQ PDU Fields", NULL},
    {"associate_ac", 0, "ASSOCIATE-AC PDU Fields", NULL},
    {"associate_rj", 0, "ASSOCIATE-RJ PDU Fields", NULL},
    {"p_data_tf", 0, "P-DATA-TF PDU Fields", NULL},
    {"pdv_item", 0, "Presentation-Data-Value Item Fields", NULL},
    {"release_rq", 0, "A-RELEASE-RQ PDU Fields", NULL},
    {"release_rp", 0, "A-RELEASE-RP PDU Fields", NULL},
    {"abort", 0, "A-ABORT PDU Fields", NULL},
    {"app_context", 0, "Application Context Item Fields", NULL},
    {"pctx_rq", 0, "Presentation Context Item Fields", "A-ASSOCIATE-RQ"},
    {"pctx_ac", 0, "Presentation Context Item Fields", "A-ASSOCIATE-AC"},
    {"abstract_syntax", 0, "Abstract Syntax Sub-Item Fields", NULL},
    {"transfer_syntax_rq", 0, "Transfer Syntax Sub-Item Fields", "A-ASSOCIATE-RQ"},
    {"transfer_syntax_ac", 0, "Transfer Syntax Sub-Item Fields", "A-ASSOCIATE-AC"},
    {"user_info_rq", 0, "User Information Item Fields", "A-ASSOCIATE-RQ"},
    {"user_info_ac", 0, "User Information Item Fields", "A-ASSOCIATE-AC"},
    {"max_length_rq", 0, "Maximum Length Sub-Item Fields (A-ASSOCIATE-RQ)", NULL},
    {"max_length_ac", 0, "Maximum Length Sub-Item Fields (A-ASSOCIATE-AC)", NULL},
    {"impl_class_uid_rq", 1, "Implementation Class UID Sub-Item Fields (A-ASSOCIATE-RQ)", NULL},
    {"impl_class_uid_ac", 1, "Implementation UID Sub-Item Fields (A-ASSOCIATE-AC)", NULL},
    {"impl_version_rq", 1, "Implementation Version Name Sub-Item Fields (A-ASSOCIATE-RQ)", NULL},
    {"impl_version_ac", 1, "Implementation Version Name Sub-Item Fields (A-ASSOCIATE-AC)", NULL},
    {"async_ops_rq", 1, "Asynchronous Operations Window Sub-Item Fields (A-ASSOCIATE-RQ)", NULL},
    {"async_ops_ac", 1, "Asynchronous Operations Window Sub-Item Fields (A-ASSOCIATE-AC)", NULL},
    {"role_rq", 1, "SCP/SCU Role Selection Sub-Item Fields (A-ASSOCIATE-RQ)", NULL},
    {"role_ac", 1, "SCP/SCU Role Selection Sub-Item Fields (A-ASSOCIATE-AC)", NULL},
    {"ext_neg", 1,
     "SOP Class Extended Negotiation Sub-Item Fields (A-ASSOCIATE-RQ and A-ASSOCIATE-AC)", NULL},
    {"common_ext_neg", 1, "SOP Class Common Extended Negotiation Sub-Item Fields (A-ASSOCIATE-RQ)",
     NULL},
    {"related_general", 1, "Related-General-SOP-Class-Identification Sub-Fields", NULL},
    {"user_identity_rq", 1, "User Identity Negotiation Sub-Item Fields (A-ASSOCIATE-RQ)", NULL},
    {"user_identity_ac", 1, "User Identity Negotiation Sub-Item Fields (A-ASSOCIATE-AC)", NULL},
};
#define NSPECS (sizeof specs / sizeof specs[0])

/* Meaning tables: which layout and field (name prefix) they come from. */
typedef struct meaning_spec {
    const char *name;
    const char *layout;
    const char *field;
    bool named; /* also a macro per value, named after its meaning */
} meaning_spec;

static const meaning_spec meaning_specs[] = {
    {"rj_result", "associate_rj", "Result", false},
    {"rj_source", "associate_rj", "Source", false},
    {"rj_reason", "associate_rj", "Reason", false},
    {"abort_source", "abort", "Source", false},
    {"abort_reason", "abort", "Reason", false},
    {"pctx_result", "pctx_ac", "Result", false},
    /* PS3.7 D.3.3.7.1: DQ_GEN_PDU_USER_IDENTITY_TYPE_SAML_ASSERTION, ... */
    {"user_identity_type", "user_identity_rq", "User-Identity-Type", true},
    {"positive_response", "user_identity_rq", "Positive-response-requested", true},
};
#define NMEANINGS (sizeof meaning_specs / sizeof meaning_specs[0])

typedef struct field {
    char *name;  /* as written */
    char *cname; /* C identifier part */
    char *range; /* as written */
    char *desc;  /* description cell */
    long offset; /* -1: follows a variable-length field */
    long size;   /* 0: variable */
    long fixed;  /* -1: none */
    long line;
} field;

typedef struct layout {
    const spec *sp;
    const gen_doc *doc;
    char *caption;
    size_t nfields;
    field *fields;
    long type;          /* fixed value of the type field, -1 when none */
    long length_offset; /* the item/PDU length field */
    long length_size;
    long fixed_size; /* bytes before the first variable/relative field */
} layout;

typedef struct meaning {
    long context; /* for reasons: the Source value the entry applies to; -1 otherwise */
    long lo, hi;
    char *text;
} meaning;

typedef struct meaning_table {
    const meaning_spec *ms;
    size_t n;
    meaning *m;
} meaning_table;

/* ---- parsing ---------------------------------------------------------------- */

static char *cname_of(const char *s)
{
    char *out = gen_xmalloc(strlen(s) + 1);
    size_t k = 0;
    for (const char *p = s; *p; p++) {
        if (isalnum((unsigned char)*p))
            out[k++] = (char)tolower((unsigned char)*p);
        else if (k > 0 && out[k - 1] != '_')
            out[k++] = '_';
    }
    while (k > 0 && out[k - 1] == '_')
        k--;
    out[k] = 0;
    return out;
}

/* One end of a byte range: an optional symbol ("x", "xxx", "n") plus a
 * constant. "7" -> {"", 7}; "(x+3)" -> {"x", 3}; "xxx" -> {"xxx", 0}. */
typedef struct range_end {
    char sym[8];
    long k;
    bool ok;
} range_end;

static range_end parse_end(const char *s, size_t n)
{
    range_end e = {{0}, 0, false};
    char buf[64];
    size_t k = 0;
    for (size_t i = 0; i < n && k + 1 < sizeof buf; i++)
        if (s[i] != ' ' && s[i] != '(' && s[i] != ')')
            buf[k++] = s[i];
    buf[k] = 0;
    if (k == 0)
        return e;
    const char *p = buf;
    size_t sl = 0;
    while (isalpha((unsigned char)p[sl]))
        sl++;
    if (sl >= sizeof e.sym)
        return e;
    memcpy(e.sym, p, sl);
    e.sym[sl] = 0;
    p += sl;
    if (*p == 0) {
        e.ok = sl > 0;
        return e;
    }
    if (sl > 0 && *p != '+')
        return e;
    if (*p == '+')
        p++;
    char *end;
    e.k = strtol(p, &end, 10);
    e.ok = end != p && *end == 0;
    return e;
}

/* Splits "a-b" at the dash that separates the two ends (a '-' not inside
 * parentheses); no dash: a single byte position. */
static bool parse_range(const char *r, range_end *a, range_end *b, bool *single)
{
    int depth = 0;
    const char *dash = NULL;
    for (const char *p = r; *p; p++) {
        if (*p == '(')
            depth++;
        else if (*p == ')')
            depth--;
        else if (*p == '-' && depth == 0) {
            dash = p;
            break;
        }
    }
    if (!dash) {
        *a = parse_end(r, strlen(r));
        *b = *a;
        *single = true;
        return a->ok;
    }
    *single = false;
    *a = parse_end(r, (size_t)(dash - r));
    *b = parse_end(dash + 1, strlen(dash + 1));
    return a->ok && b->ok;
}

static bool ends_with_ci(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

/* The fixed value of a type field: its description's first line is "01H". */
static long fixed_value(const char *desc)
{
    size_t n = strcspn(desc, "\n");
    if (n < 2 || n > 5 || desc[n - 1] != 'H')
        return -1;
    for (size_t i = 0; i + 1 < n; i++)
        if (!isxdigit((unsigned char)desc[i]))
            return -1;
    return strtol(desc, NULL, 16);
}

static bool section_title_contains(xmlNode *node, const char *text)
{
    for (xmlNode *n = node->parent; n; n = n->parent) {
        if (n->type != XML_ELEMENT_NODE || strcmp((const char *)n->name, "section") != 0)
            continue;
        for (xmlNode *c = n->children; c; c = c->next) {
            if (c->type == XML_ELEMENT_NODE && strcmp((const char *)c->name, "title") == 0) {
                char *t = gen_text(c);
                bool hit = strstr(t, text) != NULL;
                free(t);
                if (hit)
                    return true;
                break;
            }
        }
    }
    return false;
}

static xmlNode *find_spec_table(const gen_doc *doc, const spec *sp)
{
    xmlNode **tables = NULL;
    size_t n = gen_find_tables(doc, sp->caption, &tables);
    xmlNode *found = NULL;
    size_t hits = 0;
    for (size_t i = 0; i < n; i++) {
        if (sp->within && !section_title_contains(tables[i], sp->within))
            continue;
        found = tables[i];
        hits++;
    }
    free(tables);
    if (hits != 1)
        gen_fail(doc, NULL, "expected exactly one table \"%s\"%s%s, found %zu", sp->caption,
                 sp->within ? " in a section titled *" : "", sp->within ? sp->within : "", hits);
    return found;
}

static void read_layout(layout *L, const gen_doc *doc, const spec *sp)
{
    memset(L, 0, sizeof *L);
    L->sp = sp;
    L->doc = doc;
    xmlNode *tn = find_spec_table(doc, sp);
    L->caption = gen_table_caption(tn);
    gen_table *t = gen_table_read(doc, tn);
    if (t->nhead == 0 || t->head[0].ncells < 3)
        gen_fail(doc, tn, "table \"%s\": expected a 3-column header", sp->caption);
    /* Columns: "PDU bytes"/"Item bytes"/"Bytes", "Field name"/"Sub-Field Name", "Description ..." */
    L->fields = gen_xmalloc(sizeof(field) * (t->nbody ? t->nbody : 1));
    L->type = -1;
    L->length_offset = -1;
    long pos = 0; /* next fixed offset, or -1 once a variable field was seen */
    L->fixed_size = -1;
    for (size_t r = 0; r < t->nbody; r++) {
        gen_row *row = &t->body[r];
        if (row->ncells < 3)
            gen_fail(doc, row->tr, "table \"%s\": row with %zu cells", sp->caption, row->ncells);
        field *f = &L->fields[L->nfields++];
        f->range = gen_xstrdup(row->cells[0]);
        f->name = gen_xstrdup(row->cells[1]);
        f->desc = gen_xstrdup(row->cells[2]);
        f->cname = cname_of(f->name);
        f->line = row->line;
        range_end a, b;
        bool single;
        if (!parse_range(f->range, &a, &b, &single))
            gen_fail(doc, row->tr, "table \"%s\": cannot read byte range \"%s\"", sp->caption,
                     f->range);
        if (single)
            f->size = 1; /* "8", or "xxx" alone: one byte after the previous field */
        else if (a.sym[0] && strcmp(a.sym, b.sym) == 0 && a.k == b.k)
            f->size = 0; /* "xxx-xxx": a variable run */
        else if (strcmp(a.sym, b.sym) == 0)
            f->size = b.k - a.k + 1;
        else
            f->size = 0;
        if (f->size < 0)
            gen_fail(doc, row->tr, "table \"%s\": negative size in \"%s\"", sp->caption, f->range);
        if (a.sym[0] == 0) {
            if (pos >= 0 && a.k - 1 != pos)
                gen_fail(doc, row->tr,
                         "table \"%s\": field \"%s\" starts at byte %ld, expected %ld", sp->caption,
                         f->name, a.k, pos + 1);
            f->offset = a.k - 1;
        } else {
            f->offset = -1;
        }
        if (f->offset >= 0 && f->size > 0 && pos >= 0)
            pos = f->offset + f->size;
        else {
            if (L->fixed_size < 0)
                L->fixed_size = f->offset >= 0 ? f->offset : pos;
            pos = -1;
        }
        f->fixed = -1;
        if (ends_with_ci(f->name, "-type") && f->offset == 0 && f->size == 1) {
            f->fixed = fixed_value(f->desc);
            if (f->fixed < 0)
                gen_fail(doc, row->tr, "table \"%s\": type field without a fixed value (\"%s\")",
                         sp->caption, f->desc);
            L->type = f->fixed;
        }
        if (L->length_offset < 0 && ends_with_ci(f->name, "length") && f->offset >= 0 &&
            (f->size == 2 || f->size == 4)) {
            L->length_offset = f->offset;
            L->length_size = f->size;
        }
    }
    if (L->fixed_size < 0)
        L->fixed_size = pos;
    if (L->length_offset < 0)
        gen_fail(doc, tn, "table \"%s\": no length field", sp->caption);
    gen_table_free(t);
}

static const layout *layout_named(const layout *L, const char *name)
{
    for (size_t i = 0; i < NSPECS; i++)
        if (strcmp(L[i].sp->name, name) == 0)
            return &L[i];
    return NULL;
}

/* Reads "N - text" / "N-M - text" entries out of a description cell;
 * "If the Source field has the value (2) ..." sets the context of what
 * follows. Entries may run together inside one paragraph
 * ("0 - reason-not-specified1 - unrecognized-PDU"), so an entry starts at
 * any number followed by " - " that is not preceded by a digit. */
static void read_meanings(meaning_table *mt, const layout *L, const field *f)
{
    mt->n = 0;
    mt->m = gen_xmalloc(sizeof(meaning) * 64);
    long context = -1;
    const char *s = f->desc;
    size_t n = strlen(s);
    size_t i = 0;
    meaning *cur = NULL;
    size_t text_start = 0;
    while (i <= n) {
        bool at_entry = false;
        size_t j = i, lo_end = 0;
        long lo = -1, hi = -1;
        if (i < n && isdigit((unsigned char)s[i]) &&
            (i == 0 || !isdigit((unsigned char)s[i - 1]))) {
            lo = strtol(s + i, NULL, 10);
            while (j < n && isdigit((unsigned char)s[j]))
                j++;
            hi = lo;
            lo_end = j;
            if (j < n && s[j] == '-' && j + 1 < n && isdigit((unsigned char)s[j + 1])) {
                hi = strtol(s + j + 1, NULL, 10);
                j++;
                while (j < n && isdigit((unsigned char)s[j]))
                    j++;
            }
            if (strncmp(s + j, " - ", 3) == 0)
                at_entry = true;
        }
        (void)lo_end;
        bool at_line = i == n || s[i] == '\n';
        if ((at_entry || at_line) && cur) {
            size_t e = i;
            while (e > text_start && isspace((unsigned char)s[e - 1]))
                e--;
            cur->text = gen_xmalloc(e - text_start + 1);
            memcpy(cur->text, s + text_start, e - text_start);
            cur->text[e - text_start] = 0;
            cur = NULL;
        }
        if (at_line && i < n) {
            /* A context line: "If the Source field has the value (2) ..." */
            const char *v = strstr(s + i + 1, "has the value (");
            size_t eol = strcspn(s + i + 1, "\n");
            if (v && v < s + i + 1 + eol)
                context = strtol(v + strlen("has the value ("), NULL, 10);
        }
        if (i == 0) {
            const char *v = strstr(s, "has the value (");
            size_t eol = strcspn(s, "\n");
            if (v && v < s + eol)
                context = strtol(v + strlen("has the value ("), NULL, 10);
        }
        if (at_entry) {
            if (mt->n == 64)
                gen_fail(L->doc, NULL, "%s: too many values in \"%s\"", L->caption, f->name);
            cur = &mt->m[mt->n++];
            cur->context = context;
            cur->lo = lo;
            cur->hi = hi;
            cur->text = NULL;
            text_start = j + 3;
            i = j + 3;
            continue;
        }
        i++;
    }
    if (mt->n == 0)
        gen_fail(L->doc, NULL, "table \"%s\": no \"N - meaning\" values for field \"%s\"",
                 L->caption, f->name);
}

static void read_all(const char *dir, gen_doc *docs[2], layout *L, meaning_table *M)
{
    docs[0] = gen_doc_load(dir, "part08.xml");
    docs[1] = gen_doc_load(dir, "part07.xml");
    for (size_t i = 0; i < NSPECS; i++)
        read_layout(&L[i], docs[specs[i].doc], &specs[i]);
    for (size_t i = 0; i < NMEANINGS; i++) {
        const layout *l = layout_named(L, meaning_specs[i].layout);
        const field *f = NULL;
        for (size_t k = 0; k < l->nfields && !f; k++)
            if (strncmp(l->fields[k].name, meaning_specs[i].field,
                        strlen(meaning_specs[i].field)) == 0)
                f = &l->fields[k];
        if (!f)
            gen_fail(l->doc, NULL, "table \"%s\": no field \"%s\"", l->caption,
                     meaning_specs[i].field);
        M[i].ms = &meaning_specs[i];
        read_meanings(&M[i], l, f);
    }
}

static void free_all(gen_doc *docs[2], layout *L, meaning_table *M)
{
    for (size_t i = 0; i < NSPECS; i++) {
        for (size_t k = 0; k < L[i].nfields; k++) {
            free(L[i].fields[k].name);
            free(L[i].fields[k].cname);
            free(L[i].fields[k].range);
            free(L[i].fields[k].desc);
        }
        free(L[i].fields);
        free(L[i].caption);
    }
    for (size_t i = 0; i < NMEANINGS; i++) {
        for (size_t k = 0; k < M[i].n; k++)
            free(M[i].m[k].text);
        free(M[i].m);
    }
    gen_doc_free(docs[0]);
    gen_doc_free(docs[1]);
}

/* ---- output --------------------------------------------------------------------- */

static void upper(char *dst, size_t cap, const char *src)
{
    size_t k = 0;
    for (; src[k] && k + 1 < cap; k++)
        dst[k] = (char)toupper((unsigned char)src[k]);
    dst[k] = 0;
}

static void emit_h(gen_out *h, const layout *L, const meaning_table *M)
{
    gen_out_printf(
        h, "#ifndef DQ_GEN_PDU_H\n#define DQ_GEN_PDU_H\n\n"
           "#include <stddef.h>\n#include <stdint.h>\n\n"
           "/* One field of a PDU/item table, as the standard lists it. */\n"
           "typedef struct dq_gen_pdu_field {\n"
           "    const char *name;  /* \"Called-AE-title\" */\n"
           "    const char *range; /* byte range as written, 1-based: \"11-26\" */\n"
           "    int32_t offset;    /* 0-based; -1 when it follows a variable-length field */\n"
           "    uint32_t size;     /* bytes; 0 = variable */\n"
           "    int32_t fixed;     /* the value the standard fixes (PDU/item type), else -1 */\n"
           "} dq_gen_pdu_field;\n\n"
           "typedef struct dq_gen_pdu_layout {\n"
           "    const char *name;    /* \"associate_rq\" */\n"
           "    const char *caption; /* the table's caption */\n"
           "    int32_t type;        /* PDU/item type, -1 when the item has none */\n"
           "    uint32_t length_offset, length_size; /* the length field */\n"
           "    uint32_t header_size; /* bytes up to and including the length field */\n"
           "    uint32_t fixed_size;  /* bytes at fixed offsets (before any variable field) */\n"
           "    uint32_t nfields;\n"
           "    const dq_gen_pdu_field *fields;\n"
           "} dq_gen_pdu_layout;\n\n"
           "enum dq_gen_pdu_layout_id {\n");
    for (size_t i = 0; i < NSPECS; i++) {
        char u[64];
        upper(u, sizeof u, L[i].sp->name);
        gen_out_printf(h, "    DQ_GEN_PDU_L_%s,\n", u);
    }
    gen_out_printf(
        h, "    DQ_GEN_PDU_LAYOUT_COUNT\n};\n"
           "extern const dq_gen_pdu_layout dq_gen_pdu_layouts[DQ_GEN_PDU_LAYOUT_COUNT];\n\n");

    for (size_t i = 0; i < NSPECS; i++) {
        const layout *l = &L[i];
        char u[64];
        upper(u, sizeof u, l->sp->name);
        gen_out_printf(h, "/* %s (%s) */\n", l->caption, l->doc->part);
        if (l->type >= 0)
            gen_out_printf(h, "#define DQ_GEN_PDU_%s_TYPE 0x%02lXu\n", u, l->type);
        gen_out_printf(h, "#define DQ_GEN_PDU_%s_HEADER_SIZE %ldu\n", u,
                       l->length_offset + l->length_size);
        gen_out_printf(h, "#define DQ_GEN_PDU_%s_FIXED_SIZE %ldu\n", u, l->fixed_size);
        for (size_t k = 0; k < l->nfields; k++) {
            const field *f = &l->fields[k];
            if (f->offset < 0 || strncasecmp(f->name, "Reserved", 8) == 0)
                continue;
            char fu[96];
            upper(fu, sizeof fu, f->cname);
            gen_out_printf(h, "#define DQ_GEN_PDU_%s_%s_OFFSET %ldu\n", u, fu, f->offset);
            if (f->size > 0)
                gen_out_printf(h, "#define DQ_GEN_PDU_%s_%s_SIZE %ldu\n", u, fu, f->size);
        }
        gen_out_printf(h, "\n");
    }

    gen_out_printf(h, "/* \"N - meaning\" values from the description of a field. For reasons,\n"
                      " * context is the Source value the entry belongs to (-1: any). */\n"
                      "typedef struct dq_gen_pdu_meaning {\n"
                      "    int16_t context;\n"
                      "    uint8_t lo, hi;\n"
                      "    const char *text;\n"
                      "} dq_gen_pdu_meaning;\n\n");
    for (size_t i = 0; i < NMEANINGS; i++) {
        char u[64];
        upper(u, sizeof u, M[i].ms->name);
        gen_out_printf(h, "#define DQ_GEN_PDU_%s_COUNT %zu\n", u, M[i].n);
        gen_out_printf(h, "extern const dq_gen_pdu_meaning dq_gen_pdu_%s[DQ_GEN_PDU_%s_COUNT];\n",
                       M[i].ms->name, u);
        for (size_t k = 0; M[i].ms->named && k < M[i].n; k++) {
            char *cn = cname_of(M[i].m[k].text);
            char vu[160];
            upper(vu, sizeof vu, cn);
            free(cn);
            gen_out_printf(h, "#define DQ_GEN_PDU_%s_%s %ldu\n", u, vu, M[i].m[k].lo);
        }
    }
    gen_out_printf(h, "\n#endif\n");
}

static void emit_c(gen_out *c, const layout *L, const meaning_table *M)
{
    gen_out_printf(c, "#include \"dq_gen_pdu.h\"\n\n");
    for (size_t i = 0; i < NSPECS; i++) {
        const layout *l = &L[i];
        gen_out_printf(c, "static const dq_gen_pdu_field fields_%s[%zu] = {\n", l->sp->name,
                       l->nfields);
        gen_out_printf(c, "    /* name, range, offset, size, fixed */\n");
        for (size_t k = 0; k < l->nfields; k++) {
            const field *f = &l->fields[k];
            gen_out_printf(c, "    {");
            gen_out_cstr(c, f->name);
            gen_out_printf(c, ", ");
            gen_out_cstr(c, f->range);
            if (f->fixed >= 0)
                gen_out_printf(c, ", %ld, %ld, 0x%02lX},\n", f->offset, f->size, f->fixed);
            else
                gen_out_printf(c, ", %ld, %ld, -1},\n", f->offset, f->size);
        }
        gen_out_printf(c, "};\n\n");
    }
    gen_out_printf(c, "const dq_gen_pdu_layout dq_gen_pdu_layouts[DQ_GEN_PDU_LAYOUT_COUNT] = {\n"
                      "    /* name, caption, type, length offset, length size, header size,\n"
                      "     * fixed size, number of fields, fields */\n");
    for (size_t i = 0; i < NSPECS; i++) {
        const layout *l = &L[i];
        gen_out_printf(c, "    {\"%s\", ", l->sp->name);
        gen_out_cstr(c, l->caption);
        if (l->type >= 0)
            gen_out_printf(c, ", 0x%02lX", l->type);
        else
            gen_out_printf(c, ", -1");
        gen_out_printf(c, ", %ld, %ld, %ld, %ld, %zu, fields_%s},\n", l->length_offset,
                       l->length_size, l->length_offset + l->length_size, l->fixed_size, l->nfields,
                       l->sp->name);
    }
    gen_out_printf(c, "};\n\n");

    for (size_t i = 0; i < NMEANINGS; i++) {
        char u[64];
        upper(u, sizeof u, M[i].ms->name);
        gen_out_printf(c, "const dq_gen_pdu_meaning dq_gen_pdu_%s[DQ_GEN_PDU_%s_COUNT] = {\n",
                       M[i].ms->name, u);
        for (size_t k = 0; k < M[i].n; k++) {
            gen_out_printf(c, "    {%ld, %ld, %ld, ", M[i].m[k].context, M[i].m[k].lo,
                           M[i].m[k].hi);
            gen_out_cstr(c, M[i].m[k].text);
            gen_out_printf(c, "},\n");
        }
        gen_out_printf(c, "};\n\n");
    }
}

/* ---- named values (dq_gen_pdu_codes.h) ------------------------------------------ */

/* A value's constant: DQ_PDU_<TABLE>_[SOURCE<n>_]<TEXT>. TABLE is the meaning
 * table's name; SOURCE<n> the Source value a reason is for, in a table whose
 * values depend on it; TEXT the standard's text upper-cased, each run of
 * other characters one '_', the "DICOM UL " every source starts with left
 * out ("rejected-permanent" -> DQ_PDU_RJ_RESULT_REJECTED_PERMANENT). The
 * text is as PS3.8 writes it, slips included (2013 to today:
 * "temporary-congestio"). */
static void value_name(char *out, size_t cap, const meaning_table *mt, const meaning *m)
{
    size_t n = (size_t)snprintf(out, cap, "DQ_PDU_");
    for (const char *p = mt->ms->name; *p && n + 1 < cap; p++)
        out[n++] = (char)toupper((unsigned char)*p);
    if (m->context >= 0)
        n += (size_t)snprintf(out + n, cap - n, "_SOURCE%ld", m->context);
    if (n + 1 < cap)
        out[n++] = '_';
    const char *t = m->text;
    if (strncmp(t, "DICOM UL ", 9) == 0)
        t += 9;
    for (bool gap = true; *t && n + 2 < cap; t++) {
        if (isalnum((unsigned char)*t)) {
            out[n++] = (char)toupper((unsigned char)*t);
            gap = false;
        } else if (!gap) {
            out[n++] = '_';
            gap = true;
        }
    }
    if (n > 0 && out[n - 1] == '_')
        n--;
    out[n < cap ? n : cap - 1] = 0;
}

/* One constant per single value of every meaning table, reserved ones left
 * out; two values reaching one name fail the generator. */
static void emit_codes(gen_out *h, const layout *L, const meaning_table *M)
{
    gen_out_printf(h, "/* Included by include/dq/pdu.h: A-ASSOCIATE-RJ, A-ABORT and presentation\n"
                      " * context result values, named from their text in the field descriptions\n"
                      " * of PS3.8 9.3 (gen/emit_pdu.c, value_name). */\n"
                      "#ifndef DQ_GEN_PDU_CODES_H\n#define DQ_GEN_PDU_CODES_H\n");
    char names[NMEANINGS * 64][96];
    size_t nn = 0;
    for (size_t t = 0; t < NMEANINGS; t++) {
        const layout *l = layout_named(L, M[t].ms->layout);
        gen_out_printf(h, "\n/* %s, field \"%s\" */\n", l->caption, M[t].ms->field);
        for (size_t k = 0; k < M[t].n; k++) {
            const meaning *m = &M[t].m[k];
            if (m->lo != m->hi || strcmp(m->text, "reserved") == 0)
                continue;
            value_name(names[nn], sizeof names[nn], &M[t], m);
            for (size_t i = 0; i < nn; i++)
                if (strcmp(names[i], names[nn]) == 0)
                    gen_fail(l->doc, NULL, "table \"%s\": two values named %s", l->caption,
                             names[nn]);
            gen_out_printf(h, "#define %s %ld /* %s */\n", names[nn++], m->lo, m->text);
        }
    }
    gen_out_printf(h, "\n#endif\n");
}

static int emit(const char *dir, const char *outdir)
{
    gen_doc *docs[2];
    layout L[NSPECS];
    meaning_table M[NMEANINGS];
    read_all(dir, docs, L, M);

    char *path = gen_xasprintf("%s/dq_gen_pdu.h", outdir);
    gen_out *h = gen_out_open(path);
    free(path);
    gen_out_banner(h, "pdu", (const gen_doc *const *)docs, 2);
    emit_h(h, L, M);
    path = gen_xasprintf("%s/dq_gen_pdu.c", outdir);
    gen_out *c = gen_out_open(path);
    free(path);
    gen_out_banner(c, "pdu", (const gen_doc *const *)docs, 2);
    emit_c(c, L, M);
    gen_out *codes =
        gen_out_generated(outdir, "dq_gen_pdu_codes.h", "pdu", (const gen_doc *const *)docs, 2);
    emit_codes(codes, L, M);
    gen_out_commit(h);
    gen_out_commit(c);
    gen_out_commit(codes);
    free_all(docs, L, M);
    return 0;
}

static int dump(const char *dir, const char *what, FILE *out)
{
    gen_doc *docs[2];
    layout L[NSPECS];
    meaning_table M[NMEANINGS];
    read_all(dir, docs, L, M);
    if (strcmp(what, "pdu") == 0) {
        fprintf(out, "layout\ttype\tfield\trange\toffset\tsize\tfixed\n");
        for (size_t i = 0; i < NSPECS; i++)
            for (size_t k = 0; k < L[i].nfields; k++) {
                const field *f = &L[i].fields[k];
                fprintf(out, "%s\t%ld\t%s\t%s\t%ld\t%ld\t%ld\n", L[i].sp->name, L[i].type, f->name,
                        f->range, f->offset, f->size, f->fixed);
            }
    } else {
        fprintf(out, "table\tcontext\tlo\thi\ttext\n");
        for (size_t i = 0; i < NMEANINGS; i++)
            for (size_t k = 0; k < M[i].n; k++)
                fprintf(out, "%s\t%ld\t%ld\t%ld\t%s\n", M[i].ms->name, M[i].m[k].context,
                        M[i].m[k].lo, M[i].m[k].hi, M[i].m[k].text);
    }
    free_all(docs, L, M);
    return 0;
}

const gen_emitter gen_emitter_pdu = {
    .name = "pdu",
    .parts = "part07.xml part08.xml",
    .emit = emit,
    .dump_names = "pdu pdu-meanings",
    .dump = dump,
};
