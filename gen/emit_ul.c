/* Emitter "ul": the DICOM Upper Layer state transition table (PS3.8 section
 * 9.2.3, caption "DICOM Upper Layer Protocol State Transition Table").
 *
 * Columns are found by their header text ("Sta1" .. "Sta13"); each event row
 * by its description ("A-ASSOCIATE-AC PDU (received ...)" is Evt3), never by
 * position. A cell holds an action name and the next state ("AE-1" "Sta4"),
 * sometimes two ("AE-6" "Sta3 or 13"); an empty cell means the event cannot
 * occur in that state. src/net/ul.c implements the actions by hand.
 *
 * Writes dq_gen_ul_codes.h (included by include/dq/ul.h): the dq_ul_action
 * enum of every action the table names, in the order of PS3.8 Tables
 * 9-6..9-9 (AE, DT, AR, AA), and DQ_UL_FOR_EACH_ACTION(X), which src/net/ul.c
 * expands into its table of action functions: an action the table names and
 * the runtime does not implement is an undeclared function, a build error.
 * dq_gen_ul.c holds the table as enum values and the actions' names. */
#include "gen.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define NSTATES 13
#define NEVENTS 19
#define CAPTION "DICOM Upper Layer Protocol State Transition Table"

/* How each event's row starts (PS3.8 9.2.2 event list), case-insensitive. */
static const char *const event_keys[NEVENTS] = {
    "A-ASSOCIATE Request",
    "Transport Conn. Confirm",
    "A-ASSOCIATE-AC PDU",
    "A-ASSOCIATE-RJ PDU",
    "Transport Connection Indication",
    "A-ASSOCIATE-RQ PDU",
    "A-ASSOCIATE response primitive (accept)",
    "A-ASSOCIATE response primitive (reject)",
    "P-DATA request primitive",
    "P-DATA-TF PDU",
    "A-RELEASE Request primitive",
    "A-RELEASE-RQ PDU",
    "A-RELEASE-RP PDU",
    "A-RELEASE Response primitive",
    "A-ABORT Request primitive",
    "A-ABORT PDU",
    "Transport connection closed",
    "ARTIM timer expired",
    "Unrecognized or invalid PDU",
};

typedef struct cell {
    char action[8]; /* "" for an empty cell */
    int next, next_alt;
} cell;

#define MAX_ACTIONS 64

typedef struct ul_table {
    gen_doc *doc;
    char *events[NEVENTS]; /* the standard's description of each event */
    cell cells[NEVENTS][NSTATES];
    size_t nactions;
    char actions[MAX_ACTIONS][8]; /* distinct action names, in enum order */
} ul_table;

/* The action families in the order of PS3.8 Tables 9-6..9-9. */
static const char *const families[] = {"AE", "DT", "AR", "AA"};

static int family_of(const char *action)
{
    for (int i = 0; i < 4; i++)
        if (strncmp(action, families[i], 2) == 0)
            return i;
    return 4;
}

static int cmp_action(const void *a, const void *b)
{
    const char *x = a, *y = b;
    int fx = family_of(x), fy = family_of(y);
    if (fx != fy)
        return fx - fy;
    return atoi(x + 3) - atoi(y + 3);
}

/* "AR-10" -> "AR10" (upper) or "ar10" (lower), for C names. */
static void c_name(char *dst, const char *action, bool lower)
{
    for (; *action; action++)
        if (*action != '-')
            *dst++ = lower ? (char)tolower((unsigned char)*action) : *action;
    *dst = 0;
}

static void collect_actions(ul_table *u)
{
    for (int e = 0; e < NEVENTS; e++)
        for (int s = 0; s < NSTATES; s++) {
            const char *a = u->cells[e][s].action;
            bool seen = !a[0];
            for (size_t i = 0; i < u->nactions && !seen; i++)
                seen = strcmp(u->actions[i], a) == 0;
            if (seen)
                continue;
            if (u->nactions == MAX_ACTIONS)
                gen_fail(u->doc, NULL, "more than %d actions in \"" CAPTION "\"", MAX_ACTIONS);
            memcpy(u->actions[u->nactions++], a, sizeof u->actions[0]);
        }
    qsort(u->actions, u->nactions, sizeof u->actions[0], cmp_action);
}

/* "AE-6\nSta3 or 13" -> action "AE-6", next 3, alt 13. */
static void parse_cell(const gen_table *t, const gen_row *row, size_t col, cell *out)
{
    const char *s = row->cells[col];
    memset(out, 0, sizeof *out);
    while (*s == ' ' || *s == '\n')
        s++;
    if (!*s)
        return;
    size_t n = 0;
    while (s[n] && s[n] != ' ' && s[n] != '\n')
        n++;
    if (n < 4 || n >= sizeof out->action || s[2] != '-' ||
        !(strncmp(s, "AE", 2) == 0 || strncmp(s, "DT", 2) == 0 || strncmp(s, "AR", 2) == 0 ||
          strncmp(s, "AA", 2) == 0))
        gen_fail(t->doc, row->nodes[col], "expected an action such as AE-1, got '%s'", s);
    for (size_t i = 3; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            gen_fail(t->doc, row->nodes[col], "bad action name in '%s'", s);
    memcpy(out->action, s, n);
    out->action[n] = 0;
    s += n;
    while (*s == ' ' || *s == '\n')
        s++;
    int a = 0, b = 0, used = 0;
    if (sscanf(s, "Sta%d or %d%n", &a, &b, &used) == 2 && s[used] == 0) {
        out->next = a;
        out->next_alt = b;
    } else if (sscanf(s, "Sta%d%n", &a, &used) == 1 && s[used] == 0) {
        out->next = out->next_alt = a;
    } else {
        gen_fail(t->doc, row->nodes[col], "expected the next state (StaN or StaN or M), got '%s'",
                 s);
    }
    if (out->next < 1 || out->next > NSTATES || out->next_alt < 1 || out->next_alt > NSTATES)
        gen_fail(t->doc, row->nodes[col], "next state out of range in '%s'", row->cells[col]);
}

static ul_table *read_table(const char *dir)
{
    ul_table *u = calloc(1, sizeof *u);
    if (!u)
        exit(1);
    u->doc = gen_doc_load(dir, "part08.xml");
    gen_table *t = gen_table_read(u->doc, gen_require_table(u->doc, CAPTION));
    size_t col[NSTATES];
    for (int s = 0; s < NSTATES; s++) {
        char name[8];
        snprintf(name, sizeof name, "Sta%d", s + 1);
        col[s] = gen_table_column_opt(t, name);
        /* The state header may sit in the body's first rows rather than <thead>. */
        if (col[s] == (size_t)-1) {
            for (size_t r = 0; r < t->nbody && col[s] == (size_t)-1; r++)
                for (size_t c = 0; c < t->body[r].ncells; c++)
                    if (strcasecmp(t->body[r].cells[c], name) == 0) {
                        col[s] = c;
                        break;
                    }
        }
        if (col[s] == (size_t)-1)
            gen_fail(u->doc, t->table, "no column '%s' in \"%s\"", name, CAPTION);
    }
    for (size_t r = 0; r < t->nbody; r++) {
        const gen_row *row = &t->body[r];
        if (row->ncells == 0)
            continue;
        const char *desc = row->cells[0];
        int ev = -1;
        for (int e = 0; e < NEVENTS; e++)
            if (strncasecmp(desc, event_keys[e], strlen(event_keys[e])) == 0)
                ev = e;
        if (ev < 0)
            continue; /* header rows ("EVENTS", "STATES") */
        if (u->events[ev])
            gen_fail(u->doc, row->tr, "event '%s' appears twice", desc);
        u->events[ev] = gen_xstrdup(desc);
        for (int s = 0; s < NSTATES; s++) {
            if (col[s] >= row->ncells)
                gen_fail(u->doc, row->tr, "row '%s' has no cell for Sta%d", desc, s + 1);
            parse_cell(t, row, col[s], &u->cells[ev][s]);
        }
    }
    for (int e = 0; e < NEVENTS; e++)
        if (!u->events[e])
            gen_fail(u->doc, t->table, "no row for event %d ('%s...')", e + 1, event_keys[e]);
    gen_table_free(t);
    collect_actions(u);
    return u;
}

static void free_table(ul_table *u)
{
    for (int e = 0; e < NEVENTS; e++)
        free(u->events[e]);
    gen_doc_free(u->doc);
    free(u);
}

static void emit_codes(const ul_table *u, const char *outdir, const gen_doc *const *docs)
{
    char *path = gen_xasprintf("%s/dq_gen_ul_codes.h", outdir);
    gen_out *h = gen_out_open(path);
    free(path);
    gen_out_banner(h, "ul", docs, 1);
    gen_out_printf(
        h, "/* Included by include/dq/ul.h: the actions \"" CAPTION "\"\n"
           " * names, in the order of PS3.8 Tables 9-6..9-9. */\n"
           "#ifndef DQ_GEN_UL_CODES_H\n#define DQ_GEN_UL_CODES_H\n\n"
           "typedef enum dq_ul_action {\n"
           "    DQ_UL_ACTION_NONE = 0, /* blank cell: the event cannot happen in that state */\n");
    char up[8], low[8];
    for (size_t i = 0; i < u->nactions; i++) {
        c_name(up, u->actions[i], false);
        gen_out_printf(h, "    DQ_UL_%s, /* %s */\n", up, u->actions[i]);
    }
    gen_out_printf(h,
                   "} dq_ul_action;\n#define DQ_UL_NACTIONS %zu\n\n"
                   "/* X(AE1, ae1) for every action: the runtime's table of action functions\n"
                   " * is this list, so each action must exist as a function. */\n"
                   "#define DQ_UL_FOR_EACH_ACTION(X) \\\n",
                   u->nactions + 1);
    for (size_t i = 0; i < u->nactions; i++) {
        c_name(up, u->actions[i], false);
        c_name(low, u->actions[i], true);
        gen_out_printf(h, "    X(%s, %s)%s\n", up, low, i + 1 < u->nactions ? " \\" : "");
    }
    gen_out_printf(h, "\n#endif\n");
    gen_out_commit(h);
}

static int emit(const char *dir, const char *outdir)
{
    ul_table *u = read_table(dir);
    const gen_doc *docs[1] = {u->doc};
    emit_codes(u, outdir, docs);

    char *path = gen_xasprintf("%s/dq_gen_ul.h", outdir);
    gen_out *h = gen_out_open(path);
    free(path);
    gen_out_banner(h, "ul", docs, 1);
    gen_out_printf(
        h,
        "#ifndef DQ_GEN_UL_H\n#define DQ_GEN_UL_H\n\n#include <stdint.h>\n\n"
        "#include \"dq/ul.h\"\n\n"
        "#define DQ_GEN_UL_NSTATES %d\n#define DQ_GEN_UL_NEVENTS %d\n\n"
        "/* One cell of \"" CAPTION "\": the action (DQ_UL_ACTION_NONE\n"
        " * for an empty cell) and the next state; next_alt differs from next when\n"
        " * the standard gives two (\"Sta3 or 13\"). */\n"
        "typedef struct dq_gen_ul_cell {\n"
        "    uint8_t action; /* dq_ul_action */\n    uint8_t next;\n    uint8_t next_alt;\n"
        "} dq_gen_ul_cell;\n\n"
        "/* [event - 1][state - 1] */\n"
        "extern const dq_gen_ul_cell dq_gen_ul_table[DQ_GEN_UL_NEVENTS][DQ_GEN_UL_NSTATES];\n"
        "/* \"AE-1\" ... by dq_ul_action; \"-\" for DQ_UL_ACTION_NONE. */\n"
        "extern const char *const dq_gen_ul_action_names[DQ_UL_NACTIONS];\n\n"
        "#endif\n",
        NSTATES, NEVENTS);

    path = gen_xasprintf("%s/dq_gen_ul.c", outdir);
    gen_out *c = gen_out_open(path);
    free(path);
    gen_out_banner(c, "ul", docs, 1);
    gen_out_printf(c, "#include \"dq_gen_ul.h\"\n\n"
                      "const char *const dq_gen_ul_action_names[DQ_UL_NACTIONS] = {\n    \"-\",\n");
    for (size_t i = 0; i < u->nactions; i++)
        gen_out_printf(c, "    \"%s\",\n", u->actions[i]);
    gen_out_printf(
        c,
        "};\n\nconst dq_gen_ul_cell dq_gen_ul_table[DQ_GEN_UL_NEVENTS][DQ_GEN_UL_NSTATES] = {\n");
    for (int e = 0; e < NEVENTS; e++) {
        /* The row as the standard words it, for reading against Table 9-10. */
        if (strstr(u->events[e], "*/"))
            gen_fail(u->doc, NULL, "event text \"%s\" would end a C comment", u->events[e]);
        gen_out_printf(c, "    /* Evt%d: %s */ {\n", e + 1, u->events[e]);
        for (int st = 0; st < NSTATES; st++) {
            const cell *x = &u->cells[e][st];
            char up[8] = "";
            if (x->action[0])
                c_name(up, x->action, false);
            gen_out_printf(c, "        {DQ_UL_%s, %2d, %2d}, /* Sta%d */\n",
                           x->action[0] ? up : "ACTION_NONE", x->next, x->next_alt, st + 1);
        }
        gen_out_printf(c, "    },\n");
    }
    gen_out_printf(c, "};\n");
    gen_out_commit(h);
    gen_out_commit(c);
    free_table(u);
    return 0;
}

static int dump(const char *dir, const char *what, FILE *out)
{
    (void)what;
    ul_table *u = read_table(dir);
    fprintf(out, "event");
    for (int s = 0; s < NSTATES; s++)
        fprintf(out, "\tSta%d", s + 1);
    fprintf(out, "\n");
    for (int e = 0; e < NEVENTS; e++) {
        fprintf(out, "Evt%d", e + 1);
        for (int s = 0; s < NSTATES; s++) {
            const cell *x = &u->cells[e][s];
            if (!x->action[0])
                fprintf(out, "\t");
            else if (x->next == x->next_alt)
                fprintf(out, "\t%s Sta%d", x->action, x->next);
            else
                fprintf(out, "\t%s Sta%d/%d", x->action, x->next, x->next_alt);
        }
        fprintf(out, "\n");
    }
    free_table(u);
    return 0;
}

const gen_emitter gen_emitter_ul = {
    .name = "ul",
    .parts = "part08.xml",
    .emit = emit,
    .dump_names = "ul",
    .dump = dump,
};
