/* Emitter "ul_actions": the Upper Layer action definitions, PS3.8 Tables
 * 9-6..9-9 (captions "Association Establishment Related Actions", "Data
 * Transfer Related Actions", "Association Release Related Actions",
 * "Association Abort Related Actions"): action name -> definition text and
 * the next state(s) it names ("Next state is Sta4"; AE-6 and AR-8 name two).
 * The transition table itself (Table 9-10) is emitter "ul". */
#define _GNU_SOURCE
#include "gen.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SUFFIX " Related Actions"

typedef struct action {
    char *name, *group, *definition;
    unsigned next; /* bit n: Sta n */
} action;

typedef struct actions {
    size_t n;
    action *v;
} actions;

/* Every "Sta<n>" in the definition, case-insensitive: definitions mention
 * states only as next states (one edition even writes "Nest state is"). */
static unsigned next_states(const char *s)
{
    unsigned bits = 0;
    for (const char *p = s; (p = strcasestr(p, "sta")) != NULL; p += 3) {
        if (p > s && isalpha((unsigned char)p[-1]))
            continue; /* "start", "state" */
        const char *d = p + 3;
        if (!isdigit((unsigned char)*d))
            continue;
        long n = strtol(d, NULL, 10);
        if (n >= 1 && n <= 13)
            bits |= 1u << n;
    }
    return bits;
}

static void read_all(const char *dir, gen_doc **docp, actions *as)
{
    gen_doc *doc = gen_doc_load(dir, "part08.xml");
    *docp = doc;
    memset(as, 0, sizeof *as);
    xmlNode **tables = NULL;
    size_t nt = gen_find_tables_prefix(doc, "", &tables);
    size_t ntables = 0;
    for (size_t i = 0; i < nt; i++) {
        char *cap = gen_table_caption(tables[i]);
        size_t cl = strlen(cap), sl = strlen(SUFFIX);
        if (cl <= sl || strcmp(cap + cl - sl, SUFFIX) != 0) {
            free(cap);
            continue;
        }
        ntables++;
        gen_table *t = gen_table_read(doc, tables[i]);
        /* Columns are "Action"/"Definition" (Table 9-7 heads the first one
         * "State"): take them by position. */
        for (size_t r = 0; r < t->nbody; r++) {
            gen_row *row = &t->body[r];
            if (row->ncells < 2)
                gen_fail(doc, row->tr, "\"%s\": short row", cap);
            const char *nm = row->cells[0];
            if (!(isupper((unsigned char)nm[0]) && isupper((unsigned char)nm[1]) && nm[2] == '-' &&
                  isdigit((unsigned char)nm[3])))
                gen_fail(doc, row->tr, "\"%s\": \"%s\" is not an action name", cap, nm);
            as->v = gen_xrealloc(as->v, (as->n + 1) * sizeof(action));
            action *a = &as->v[as->n++];
            a->name = gen_xstrdup(nm);
            a->group = gen_xstrdup(cap);
            a->definition = gen_xstrdup(row->cells[1]);
            a->next = next_states(a->definition);
            if (!a->next)
                gen_fail(doc, row->tr, "action %s: no next state in \"%s\"", nm, a->definition);
        }
        gen_table_free(t);
        free(cap);
    }
    free(tables);
    if (ntables != 4)
        gen_fail(doc, NULL, "expected 4 \"...%s\" tables, found %zu", SUFFIX, ntables);
}

static void free_all(gen_doc *doc, actions *as)
{
    for (size_t i = 0; i < as->n; i++) {
        free(as->v[i].name);
        free(as->v[i].group);
        free(as->v[i].definition);
    }
    free(as->v);
    gen_doc_free(doc);
}

static int emit(const char *dir, const char *outdir)
{
    gen_doc *doc;
    actions as;
    read_all(dir, &doc, &as);
    const gen_doc *docs[1] = {doc};
    char *path = gen_xasprintf("%s/dq_gen_ul_actions.h", outdir);
    gen_out *h = gen_out_open(path);
    free(path);
    gen_out_banner(h, "ul_actions", docs, 1);
    gen_out_printf(
        h,
        "#ifndef DQ_GEN_UL_ACTIONS_H\n#define DQ_GEN_UL_ACTIONS_H\n\n"
        "#include \"dq/ul_actions.h\"\n\n"
        "#define DQ_GEN_UL_ACTION_COUNT %zu\n"
        "extern const dq_ul_action_def dq_gen_ul_actions[DQ_GEN_UL_ACTION_COUNT];\n\n#endif\n",
        as.n);
    path = gen_xasprintf("%s/dq_gen_ul_actions.c", outdir);
    gen_out *c = gen_out_open(path);
    free(path);
    gen_out_banner(c, "ul_actions", docs, 1);
    gen_out_printf(c, "#include \"dq_gen_ul_actions.h\"\n\n"
                      "const dq_ul_action_def dq_gen_ul_actions[DQ_GEN_UL_ACTION_COUNT] = {\n"
                      "    /* name, table, next states (bit n = Sta n), definition */\n");
    for (size_t i = 0; i < as.n; i++) {
        gen_out_printf(c, "    {\"%s\", ", as.v[i].name);
        gen_out_cstr(c, as.v[i].group);
        gen_out_printf(c, ", 0x%04Xu, ", as.v[i].next);
        gen_out_cstr(c, as.v[i].definition);
        gen_out_printf(c, "},\n");
    }
    gen_out_printf(c, "};\n");
    gen_out_commit(h);
    gen_out_commit(c);
    free_all(doc, &as);
    return 0;
}

static int dump(const char *dir, const char *what, FILE *out)
{
    (void)what;
    gen_doc *doc;
    actions as;
    read_all(dir, &doc, &as);
    fprintf(out, "action\tnext\ttable\tdefinition\n");
    for (size_t i = 0; i < as.n; i++) {
        fprintf(out, "%s\t", as.v[i].name);
        for (int s = 1; s <= 13; s++)
            if (as.v[i].next & (1u << s))
                fprintf(out, "Sta%d ", s);
        fprintf(out, "\t%s\t", as.v[i].group);
        for (const char *p = as.v[i].definition; *p; p++)
            fputc(*p == '\n' || *p == '\t' ? ' ' : *p, out);
        fputc('\n', out);
    }
    free_all(doc, &as);
    return 0;
}

const gen_emitter gen_emitter_ul_actions = {
    .name = "ul_actions",
    .parts = "part08.xml",
    .emit = emit,
    .dump_names = "ul-actions",
    .dump = dump,
};
