/* dicomgen: shared helpers for the emitters.
 *
 * Every emitter reads one or more parts of the DICOM standard (DocBook XML),
 * finds tables by caption (never by position or number), turns each cell into
 * normalised text, and writes readable C into the build tree.
 *
 * Failure policy: any input the generator cannot understand ends the run with
 * "file:line: what was expected" and a non-zero exit; output files are written
 * to a temporary name and renamed only when the whole run succeeds, so a failed
 * run never leaves partial output behind.
 */
#ifndef DICOMGEN_GEN_H
#define DICOMGEN_GEN_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <libxml/tree.h>

/* ---- documents ---------------------------------------------------------- */

typedef struct gen_doc {
    xmlDocPtr xml;
    char *path;    /* as given, used in messages only (never in output) */
    char *file;    /* basename, e.g. "part06.xml" (may appear in output) */
    char *edition; /* normalised <subtitle>, e.g. "DICOM PS3.6 2015b - Data Dictionary" */
    char *part;    /* "PS3.6" (normalised from "PS 3.6" or "PS3.6") */
    char *release; /* "2015b" */
} gen_doc;

/* Loads DIR/FILE (e.g. "part06.xml"); on failure prints why and exits 1. */
gen_doc *gen_doc_load(const char *dir, const char *file);
void gen_doc_free(gen_doc *doc);

/* Prints "path:line: message" to stderr and exits 1. node may be NULL. */
void gen_fail(const gen_doc *doc, const xmlNode *node, const char *fmt, ...)
    __attribute__((format(printf, 3, 4), noreturn));
/* Prints "path:line: warning: message" to stderr; the run continues. */
void gen_warn(const gen_doc *doc, const xmlNode *node, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- text --------------------------------------------------------------- */

/* The text of a node and its descendants, normalised: U+200B (zero-width
 * space), U+FEFF and U+00AD (soft hyphen) removed, U+00A0 and all whitespace runs collapsed to one
 * space, leading/trailing space trimmed. Separate <para> elements are joined
 * with "\n". Caller frees. Never NULL. */
char *gen_text(const xmlNode *node);

/* True when every non-blank text inside node sits within
 * <emphasis role="italic"> (how PS3.6 marks retired rows). */
bool gen_all_italic(const xmlNode *node);

/* ---- tables ------------------------------------------------------------- */

/* First element named `name` (DocBook namespace or none) under `from`, in
 * document order; NULL if none. */
xmlNode *gen_find_element(xmlNode *from, const char *name);
/* Next element named `name` after `node` in document order (not below it). */
xmlNode *gen_next_element(xmlNode *node, const char *name);

/* Tables whose normalised caption equals `caption` exactly, in document order.
 * Returns the count; *out (caller frees the array, not the nodes) may be NULL
 * when the count is 0. */
size_t gen_find_tables(const gen_doc *doc, const char *caption, xmlNode ***out);
/* Like gen_find_tables but the caption need only start with `prefix`. */
size_t gen_find_tables_prefix(const gen_doc *doc, const char *prefix, xmlNode ***out);
/* Exactly one table with this caption, or gen_fail(). */
xmlNode *gen_require_table(const gen_doc *doc, const char *caption);
/* The caption text of a table (caller frees). */
char *gen_table_caption(const xmlNode *table);

/* A table row with rowspan/colspan expanded: cells[i] is the normalised text
 * of logical column i (a spanned cell repeats in every column/row it covers).
 * nodes[i] is the <td>/<th> element it came from. */
typedef struct gen_row {
    size_t ncells;
    char **cells;
    xmlNode **nodes;
    xmlNode *tr;
    long line;
} gen_row;

typedef struct gen_table {
    const gen_doc *doc;
    xmlNode *table;
    size_t nhead, nbody;
    gen_row *head; /* rows of <thead> */
    gen_row *body; /* rows of every <tbody> */
} gen_table;

/* Reads a table (found with the functions above) into rows. */
gen_table *gen_table_read(const gen_doc *doc, xmlNode *table);
void gen_table_free(gen_table *t);
/* Index of the header column whose text equals `name` (case-insensitive),
 * searching every header row; gen_fail() naming the caption when absent. */
size_t gen_table_column(const gen_table *t, const char *name);
/* Like gen_table_column but returns (size_t)-1 when absent. */
size_t gen_table_column_opt(const gen_table *t, const char *name);

/* ---- output ------------------------------------------------------------- */

/* An output file written atomically: data goes to PATH.tmp; gen_out_commit
 * renames it. Outputs still open at exit (a failed run) are removed. */
typedef struct gen_out {
    FILE *f;
    char *path;
    char *tmp;
} gen_out;

gen_out *gen_out_open(const char *path);
void gen_out_printf(gen_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Writes s as a C string literal (with quotes), escaping as needed;
 * NULL is written as NULL. */
void gen_out_cstr(gen_out *o, const char *s);
/* The standard banner: which generator emitter, and the parts/editions read. */
void gen_out_banner(gen_out *o, const char *what, const gen_doc *const *docs, size_t ndocs);
void gen_out_commit(gen_out *o);
/* OUTDIR/NAME opened, with the banner written. */
gen_out *gen_out_generated(const char *outdir, const char *name, const char *what,
                           const gen_doc *const *docs, size_t ndocs);

/* ---- small utilities ----------------------------------------------------- */

void *gen_xmalloc(size_t n);
void *gen_xrealloc(void *p, size_t n);
char *gen_xstrdup(const char *s);
char *gen_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- the data dictionary ------------------------------------------------- */

/* PS3.6's registries and PS3.7's command fields as the dict emitter reads them
 * (DIR/part06.xml, DIR/part07.xml), for emitters that check tags against it. */
typedef struct gen_dict gen_dict;
gen_dict *gen_dict_load(const char *dir);
/* An exact (unmasked) tag: its keyword and VR cell text; false when absent. */
bool gen_dict_lookup(const gen_dict *d, uint32_t tag, const char **keyword, const char **vr);
void gen_dict_free(gen_dict *d);

/* ---- emitters ------------------------------------------------------------- */

/* An emitter turns parts of the standard into one generated .c/.h pair,
 * OUTDIR/dq_gen_<name>.c and OUTDIR/dq_gen_<name>.h, or dumps what it parsed. */
typedef struct gen_emitter {
    const char *name;  /* e.g. "dict" */
    const char *parts; /* space-separated files it reads, e.g. "part06.xml part07.xml" */
    int (*emit)(const char *standard_dir, const char *out_dir);
    const char *dump_names; /* space-separated --dump names it serves, or NULL */
    int (*dump)(const char *standard_dir, const char *what, FILE *out);
} gen_emitter;

#endif
