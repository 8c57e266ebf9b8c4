/* DocBook reading helpers for dicomgen: load, find tables by caption,
 * normalise cell text, expand rowspan/colspan, report errors with file:line. */
#define _GNU_SOURCE
#include "gen.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>

/* ---- utilities ------------------------------------------------------------ */

void *gen_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "dicomgen: out of memory\n");
        exit(1);
    }
    return p;
}

void *gen_xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p) {
        fprintf(stderr, "dicomgen: out of memory\n");
        exit(1);
    }
    return p;
}

char *gen_xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(gen_xmalloc(n), s, n);
}

char *gen_xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) < 0) {
        fprintf(stderr, "dicomgen: out of memory\n");
        exit(1);
    }
    va_end(ap);
    return s;
}

/* ---- errors --------------------------------------------------------------- */

static void report(const gen_doc *doc, const xmlNode *node, const char *kind, const char *fmt,
                   va_list ap)
{
    if (doc && node)
        fprintf(stderr, "%s:%ld: %s", doc->path, xmlGetLineNo(node), kind);
    else if (doc)
        fprintf(stderr, "%s: %s", doc->path, kind);
    else
        fprintf(stderr, "dicomgen: %s", kind);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

void gen_fail(const gen_doc *doc, const xmlNode *node, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report(doc, node, "error: ", fmt, ap);
    va_end(ap);
    exit(1);
}

void gen_warn(const gen_doc *doc, const xmlNode *node, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report(doc, node, "warning: ", fmt, ap);
    va_end(ap);
}

/* ---- text ------------------------------------------------------------------ */

static bool is_named(const xmlNode *n, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

typedef struct strbuf {
    char *p;
    size_t len, cap;
} strbuf;

static void sb_putc(strbuf *b, char c)
{
    if (b->len + 2 > b->cap) {
        b->cap = b->cap ? b->cap * 2 : 64;
        b->p = gen_xrealloc(b->p, b->cap);
    }
    b->p[b->len++] = c;
    b->p[b->len] = 0;
}

static void sb_puts(strbuf *b, const char *s)
{
    while (*s)
        sb_putc(b, *s++);
}

static void collect_text(const xmlNode *n, strbuf *b)
{
    for (; n; n = n->next) {
        if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
            if (n->content)
                sb_puts(b, (const char *)n->content);
        } else if (n->type == XML_ELEMENT_NODE) {
            bool block = is_named(n, "para") || is_named(n, "listitem") || is_named(n, "title") ||
                         is_named(n, "note");
            if (block)
                sb_putc(b, '\n');
            collect_text(n->children, b);
            if (block)
                sb_putc(b, '\n');
        }
    }
}

/* Normalise in place: drop U+200B/U+FEFF, turn U+00A0 and whitespace runs into
 * one space, but keep paragraph breaks ("\n") as single separators. */
static char *normalise(char *s)
{
    size_t o = 0;
    int pending = 0; /* 0 none, 1 space, 2 newline */
    for (size_t i = 0; s[i];) {
        unsigned char c = (unsigned char)s[i];
        if (c == 0xE2 && (unsigned char)s[i + 1] == 0x80 && (unsigned char)s[i + 2] == 0x8B) {
            i += 3; /* U+200B zero-width space */
            continue;
        }
        if (c == 0xEF && (unsigned char)s[i + 1] == 0xBB && (unsigned char)s[i + 2] == 0xBF) {
            i += 3; /* U+FEFF */
            continue;
        }
        if (c == 0xC2 && (unsigned char)s[i + 1] == 0xAD) {
            i += 2; /* U+00AD soft hyphen: 2013's PS3.6 has one inside a UID */
            continue;
        }
        if (c == 0xC2 && (unsigned char)s[i + 1] == 0xA0) {
            i += 2; /* U+00A0 no-break space */
            if (!pending)
                pending = 1;
            continue;
        }
        if (c == '\n') {
            pending = 2;
            i++;
            continue;
        }
        if (isspace(c)) {
            if (!pending)
                pending = 1;
            i++;
            continue;
        }
        if (pending && o > 0)
            s[o++] = pending == 2 ? '\n' : ' ';
        pending = 0;
        s[o++] = s[i++];
    }
    s[o] = 0;
    return s;
}

char *gen_text(const xmlNode *node)
{
    strbuf b = {0};
    sb_putc(&b, 0);
    b.len = 0;
    if (node) {
        if (node->type == XML_TEXT_NODE)
            sb_puts(&b, (const char *)node->content);
        else
            collect_text(node->children, &b);
    }
    return normalise(b.p);
}

static bool has_visible_text(const char *s)
{
    for (; *s; s++)
        if (!isspace((unsigned char)*s))
            return true;
    return false;
}

static bool all_italic(const xmlNode *n, bool inside, bool *seen)
{
    for (; n; n = n->next) {
        if (n->type == XML_TEXT_NODE) {
            if (n->content && has_visible_text((const char *)n->content)) {
                *seen = true;
                if (!inside)
                    return false;
            }
        } else if (n->type == XML_ELEMENT_NODE) {
            bool here = inside;
            if (is_named(n, "emphasis")) {
                xmlChar *role = xmlGetProp(n, (const xmlChar *)"role");
                if (role && strcmp((const char *)role, "italic") == 0)
                    here = true;
                xmlFree(role);
            }
            if (!all_italic(n->children, here, seen))
                return false;
        }
    }
    return true;
}

bool gen_all_italic(const xmlNode *node)
{
    bool seen = false;
    return node && all_italic(node->children, false, &seen) && seen;
}

/* ---- documents ------------------------------------------------------------ */

gen_doc *gen_doc_load(const char *dir, const char *file)
{
    gen_doc *doc = gen_xmalloc(sizeof *doc);
    memset(doc, 0, sizeof *doc);
    doc->path = gen_xasprintf("%s/%s", dir, file);
    doc->file = gen_xstrdup(file);
    doc->xml = xmlReadFile(doc->path, NULL,
                           XML_PARSE_NONET | XML_PARSE_NOBLANKS | XML_PARSE_HUGE |
                               XML_PARSE_BIG_LINES /* part06 has >65535 lines */);
    if (!doc->xml) {
        const xmlError *e = xmlGetLastError();
        if (e && e->file)
            fprintf(stderr, "%s:%d: error: malformed XML: %s", e->file, e->line,
                    e->message ? e->message : "?\n");
        else
            fprintf(stderr, "%s: error: cannot read or parse this file\n", doc->path);
        exit(1);
    }
    xmlNode *root = xmlDocGetRootElement(doc->xml);
    xmlNode *sub = NULL;
    for (xmlNode *c = root ? root->children : NULL; c; c = c->next)
        if (is_named(c, "subtitle")) {
            sub = c;
            break;
        }
    if (!sub)
        gen_fail(doc, root, "expected a <subtitle> naming the part and edition");
    doc->edition = gen_text(sub);
    /* "DICOM PS 3.6 2013 - Data Dictionary" or "DICOM PS3.6 2015b - ..." */
    const char *p = strstr(doc->edition, "PS");
    if (!p)
        gen_fail(doc, sub, "subtitle \"%s\": expected \"PS3.N <edition>\"", doc->edition);
    p += 2;
    while (*p == ' ')
        p++;
    int major = 0, minor = 0, used = 0;
    if (sscanf(p, "%d.%d%n", &major, &minor, &used) != 2)
        gen_fail(doc, sub, "subtitle \"%s\": expected \"PS3.N <edition>\"", doc->edition);
    doc->part = gen_xasprintf("PS%d.%d", major, minor);
    p += used;
    while (*p == ' ')
        p++;
    size_t n = 0;
    while (p[n] && p[n] != ' ')
        n++;
    if (n == 0)
        gen_fail(doc, sub, "subtitle \"%s\": no edition after the part number", doc->edition);
    doc->release = gen_xmalloc(n + 1);
    memcpy(doc->release, p, n);
    doc->release[n] = 0;
    /* Normalise the "PS 3.6" spelling so output is uniform across editions. */
    char *norm = gen_xasprintf("DICOM %s %s", doc->part, p);
    free(doc->edition);
    doc->edition = norm;
    return doc;
}

void gen_doc_free(gen_doc *doc)
{
    if (!doc)
        return;
    xmlFreeDoc(doc->xml);
    free(doc->path);
    free(doc->file);
    free(doc->edition);
    free(doc->part);
    free(doc->release);
    free(doc);
}

/* ---- tree walking --------------------------------------------------------- */

static xmlNode *next_in_order(xmlNode *n, const xmlNode *stop, bool descend)
{
    if (descend && n->children)
        return n->children;
    while (n && n != stop) {
        if (n->next)
            return n->next;
        n = n->parent;
    }
    return NULL;
}

xmlNode *gen_find_element(xmlNode *from, const char *name)
{
    for (xmlNode *n = from ? from->children : NULL; n; n = next_in_order(n, from, true))
        if (is_named(n, name))
            return n;
    return NULL;
}

xmlNode *gen_next_element(xmlNode *node, const char *name)
{
    for (xmlNode *n = next_in_order(node, NULL, false); n; n = next_in_order(n, NULL, true))
        if (is_named(n, name))
            return n;
    return NULL;
}

char *gen_table_caption(const xmlNode *table)
{
    for (xmlNode *c = table->children; c; c = c->next)
        if (is_named(c, "caption") || is_named(c, "title"))
            return gen_text(c);
    return gen_xstrdup("");
}

static size_t find_tables(const gen_doc *doc, const char *caption, bool prefix, xmlNode ***out)
{
    size_t n = 0;
    *out = NULL;
    xmlNode *root = xmlDocGetRootElement(doc->xml);
    for (xmlNode *t = gen_find_element(root, "table"); t; t = gen_next_element(t, "table")) {
        char *cap = gen_table_caption(t);
        bool hit = prefix ? strncmp(cap, caption, strlen(caption)) == 0 : strcmp(cap, caption) == 0;
        free(cap);
        if (hit) {
            *out = gen_xrealloc(*out, (n + 1) * sizeof **out);
            (*out)[n++] = t;
        }
    }
    return n;
}

size_t gen_find_tables(const gen_doc *doc, const char *caption, xmlNode ***out)
{
    return find_tables(doc, caption, false, out);
}

size_t gen_find_tables_prefix(const gen_doc *doc, const char *prefix, xmlNode ***out)
{
    return find_tables(doc, prefix, true, out);
}

xmlNode *gen_require_table(const gen_doc *doc, const char *caption)
{
    xmlNode **found;
    size_t n = gen_find_tables(doc, caption, &found);
    if (n != 1)
        gen_fail(doc, n ? found[1] : NULL, "expected exactly one table captioned \"%s\", found %zu",
                 caption, n);
    xmlNode *t = found[0];
    free(found);
    return t;
}

/* ---- table reading --------------------------------------------------------- */

static long span_attr(const xmlNode *cell, const char *name)
{
    xmlChar *v = xmlGetProp(cell, (const xmlChar *)name);
    long n = v ? strtol((const char *)v, NULL, 10) : 1;
    xmlFree(v);
    return n < 1 ? 1 : n > 64 ? 64 : n;
}

/* A cell that spans down into later rows: remembered per column. */
typedef struct carry {
    long rows_left;
    char *text;
    xmlNode *node;
} carry;

static void read_rows(const gen_doc *doc, xmlNode *section, gen_row **rows, size_t *nrows,
                      carry **carries, size_t *ncarry)
{
    for (xmlNode *tr = section->children; tr; tr = tr->next) {
        if (!is_named(tr, "tr"))
            continue;
        gen_row row = {0};
        row.tr = tr;
        row.line = xmlGetLineNo(tr);
        size_t col = 0;
        xmlNode *cell = tr->children;
        for (;;) {
            /* Columns covered by a rowspan from above come first. */
            while (col < *ncarry && (*carries)[col].rows_left > 0) {
                row.cells = gen_xrealloc(row.cells, (col + 1) * sizeof *row.cells);
                row.nodes = gen_xrealloc(row.nodes, (col + 1) * sizeof *row.nodes);
                row.cells[col] = gen_xstrdup((*carries)[col].text);
                row.nodes[col] = (*carries)[col].node;
                (*carries)[col].rows_left--;
                col++;
            }
            while (cell && !(is_named(cell, "td") || is_named(cell, "th")))
                cell = cell->next;
            if (!cell)
                break;
            long cs = span_attr(cell, "colspan"), rs = span_attr(cell, "rowspan");
            char *text = gen_text(cell);
            for (long k = 0; k < cs; k++, col++) {
                row.cells = gen_xrealloc(row.cells, (col + 1) * sizeof *row.cells);
                row.nodes = gen_xrealloc(row.nodes, (col + 1) * sizeof *row.nodes);
                row.cells[col] = gen_xstrdup(text);
                row.nodes[col] = cell;
                if (col >= *ncarry) {
                    *carries = gen_xrealloc(*carries, (col + 1) * sizeof **carries);
                    for (size_t z = *ncarry; z <= col; z++)
                        (*carries)[z] = (carry){0};
                    *ncarry = col + 1;
                }
                free((*carries)[col].text);
                (*carries)[col].text = gen_xstrdup(text);
                (*carries)[col].node = cell;
                (*carries)[col].rows_left = rs - 1;
            }
            free(text);
            cell = cell->next;
        }
        row.ncells = col;
        (void)doc;
        *rows = gen_xrealloc(*rows, (*nrows + 1) * sizeof **rows);
        (*rows)[(*nrows)++] = row;
    }
}

gen_table *gen_table_read(const gen_doc *doc, xmlNode *table)
{
    gen_table *t = gen_xmalloc(sizeof *t);
    memset(t, 0, sizeof *t);
    t->doc = doc;
    t->table = table;
    /* DocBook 5 HTML-style tables: <table><caption/><thead/><tbody/>; CALS
     * tables put thead/tbody inside <tgroup>. Accept both. */
    xmlNode *container = table;
    for (xmlNode *c = table->children; c; c = c->next)
        if (is_named(c, "tgroup"))
            container = c;
    carry *carries = NULL;
    size_t ncarry = 0;
    for (xmlNode *c = container->children; c; c = c->next) {
        if (is_named(c, "thead"))
            read_rows(doc, c, &t->head, &t->nhead, &carries, &ncarry);
        else if (is_named(c, "tbody")) {
            for (size_t i = 0; i < ncarry; i++)
                carries[i].rows_left = 0; /* spans never cross head/body */
            read_rows(doc, c, &t->body, &t->nbody, &carries, &ncarry);
        }
    }
    for (size_t i = 0; i < ncarry; i++)
        free(carries[i].text);
    free(carries);
    return t;
}

static void free_rows(gen_row *rows, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < rows[i].ncells; j++)
            free(rows[i].cells[j]);
        free(rows[i].cells);
        free(rows[i].nodes);
    }
    free(rows);
}

void gen_table_free(gen_table *t)
{
    if (!t)
        return;
    free_rows(t->head, t->nhead);
    free_rows(t->body, t->nbody);
    free(t);
}

size_t gen_table_column_opt(const gen_table *t, const char *name)
{
    for (size_t r = 0; r < t->nhead; r++)
        for (size_t c = 0; c < t->head[r].ncells; c++)
            if (strcasecmp(t->head[r].cells[c], name) == 0)
                return c;
    return (size_t)-1;
}

size_t gen_table_column(const gen_table *t, const char *name)
{
    size_t c = gen_table_column_opt(t, name);
    if (c == (size_t)-1) {
        char *cap = gen_table_caption(t->table);
        gen_fail(t->doc, t->table, "table \"%s\": expected a column headed \"%s\"", cap, name);
    }
    return c;
}
