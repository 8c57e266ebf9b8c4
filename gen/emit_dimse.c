/* Emitter "dimse": the DIMSE messages of PS3.7 chapters 9 and 10.
 *
 * For every table captioned "<MESSAGE> Message Fields" (C-FIND-RQ, C-FIND-RSP,
 * C-CANCEL-FIND-RQ, N-GET-RSP, ...): its command elements (tag, VR) and the
 * data set it carries, the Command Field value (from "shall be set to 0020H
 * for the C-FIND-RQ Message"), whether a data set is required, optional or
 * absent (from the Command Data Set Type description), and each field's usage
 * (M, U, C, "U(=)", "-") from the service's "<SERVICE> Parameters" table
 * column for that message kind (Req/Ind, Rsp/Conf, CnclReq/CnclInd). Fields
 * that are not service parameters (group length, command field, data set
 * type) are part of the message encoding and always present. */
#define _GNU_SOURCE
#include "gen.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SUFFIX " Message Fields"
#define NO_TAG 0xFFFFFFFFu

enum { KIND_RQ, KIND_RSP, KIND_CANCEL_RQ };
static const char *const kind_enum[] = {"DQ_DIMSE_KIND_RQ", "DQ_DIMSE_KIND_RSP",
                                        "DQ_DIMSE_KIND_CANCEL_RQ"};
static const char *const kind_column[] = {"Req/Ind", "Rsp/Conf", "CnclReq/CnclInd"};
enum { DS_NONE, DS_REQUIRED, DS_OPTIONAL };
static const char *const ds_enum[] = {"DQ_DIMSE_DATASET_NONE", "DQ_DIMSE_DATASET_REQUIRED",
                                      "DQ_DIMSE_DATASET_OPTIONAL"};

typedef struct field {
    uint32_t tag;
    char *name, *vr, *usage;
} field;

typedef struct message {
    char *name;    /* "C-FIND-RQ" */
    char *service; /* "C-FIND" */
    char *cname;   /* "C_FIND_RQ" */
    int kind;
    int dataset;
    long command; /* -1 until found */
    size_t nfields;
    field *fields;
} message;

typedef struct messages {
    size_t n;
    message *v;
} messages;

static char *cname_of(const char *s)
{
    char *o = gen_xstrdup(s);
    for (char *p = o; *p; p++)
        *p = isalnum((unsigned char)*p) ? (char)toupper((unsigned char)*p) : '_';
    return o;
}

/* "(0000,0100)" -> 0x00000100; "(no tag)" -> NO_TAG */
static bool parse_tag(const char *s, uint32_t *tag)
{
    unsigned g, e;
    char close;
    if (sscanf(s, "(%4x,%4x%c", &g, &e, &close) == 3 && close == ')') {
        *tag = (uint32_t)g << 16 | e;
        return true;
    }
    if (strcasestr(s, "no tag")) {
        *tag = NO_TAG;
        return true;
    }
    return false;
}

/* "... shall be set to 0020H for the C-FIND-RQ Message." */
static long command_value(const char *desc)
{
    const char *p = strstr(desc, "set to ");
    if (!p)
        return -1;
    p += 7;
    for (int i = 0; i < 4; i++)
        if (!isxdigit((unsigned char)p[i]))
            return -1;
    if (p[4] != 'H')
        return -1;
    return strtol(p, NULL, 16);
}

/* Command Data Set Type descriptions say one of: "any value other than
 * 0101H" (a data set is present), "0101H (Null) if no Data Set is present"
 * (optional), or "no Data Set ... 0101H" (none). Every description names the
 * same "no data set" value; it is emitted as DQ_DIMSE_NO_DATA_SET. */
#define NULL_DATA_SET 0x0101
static int dataset_kind(const char *desc)
{
    char other[32];
    snprintf(other, sizeof other, "other than %04XH", NULL_DATA_SET);
    if (strstr(desc, other))
        return DS_REQUIRED;
    if (strcasestr(desc, "if no Data Set") || strcasestr(desc, "indicates if"))
        return DS_OPTIONAL;
    if (strcasestr(desc, "no Data Set"))
        return DS_NONE;
    return -1;
}

/* The usage cell for `name` in the service's parameters table, or NULL. */
static char *param_usage(const gen_doc *doc, const char *service, int kind, const char *name)
{
    char *cap = gen_xasprintf("%s Parameters", service);
    xmlNode **tables = NULL;
    size_t n = gen_find_tables(doc, cap, &tables);
    if (n != 1)
        gen_fail(doc, NULL, "expected one table \"%s\", found %zu", cap, n);
    gen_table *t = gen_table_read(doc, tables[0]);
    free(tables);
    size_t col = gen_table_column_opt(t, kind_column[kind]);
    if (col == (size_t)-1)
        gen_fail(doc, t->table, "\"%s\": no column \"%s\"", cap, kind_column[kind]);
    char *usage = NULL;
    for (size_t r = 0; r < t->nbody && !usage; r++) {
        gen_row *row = &t->body[r];
        if (row->ncells > col && strcasecmp(row->cells[0], name) == 0)
            usage = gen_xstrdup(row->cells[col]);
    }
    gen_table_free(t);
    free(cap);
    return usage;
}

static void read_all(const char *dir, gen_doc **docp, messages *ms)
{
    gen_doc *doc = gen_doc_load(dir, "part07.xml");
    *docp = doc;
    memset(ms, 0, sizeof *ms);
    xmlNode **tables = NULL;
    size_t nt = gen_find_tables_prefix(doc, "", &tables);
    ms->v = gen_xmalloc(sizeof(message) * (nt ? nt : 1));
    for (size_t i = 0; i < nt; i++) {
        char *cap = gen_table_caption(tables[i]);
        size_t cl = strlen(cap), sl = strlen(SUFFIX);
        if (cl <= sl || strcmp(cap + cl - sl, SUFFIX) != 0 || !(cap[0] == 'C' || cap[0] == 'N') ||
            cap[1] != '-') {
            free(cap);
            continue;
        }
        message *m = &ms->v[ms->n++];
        memset(m, 0, sizeof *m);
        m->name = gen_xmalloc(cl - sl + 1);
        memcpy(m->name, cap, cl - sl);
        m->name[cl - sl] = 0;
        m->cname = cname_of(m->name);
        size_t nl = strlen(m->name);
        char svc[64];
        if (nl > 4 && strcmp(m->name + nl - 4, "-RSP") == 0) {
            m->kind = KIND_RSP;
            snprintf(svc, sizeof svc, "%.*s", (int)(nl - 4), m->name);
        } else if (nl > 3 && strcmp(m->name + nl - 3, "-RQ") == 0) {
            m->kind = KIND_RQ;
            snprintf(svc, sizeof svc, "%.*s", (int)(nl - 3), m->name);
        } else
            gen_fail(doc, tables[i], "\"%s\": message name ends in neither -RQ nor -RSP", cap);
        if (strncmp(svc, "C-CANCEL-", 9) == 0) { /* C-CANCEL-FIND-RQ belongs to C-FIND */
            m->kind = KIND_CANCEL_RQ;
            memmove(svc + 2, svc + 9, strlen(svc + 9) + 1);
        }
        m->service = gen_xstrdup(svc);
        m->command = -1;
        m->dataset = -1;

        gen_table *t = gen_table_read(doc, tables[i]);
        size_t c_name = gen_table_column(t, "Message Field");
        size_t c_tag = gen_table_column(t, "Tag");
        size_t c_vr = gen_table_column(t, "VR");
        size_t c_desc = gen_table_column(t, "Description of Field");
        m->fields = gen_xmalloc(sizeof(field) * (t->nbody ? t->nbody : 1));
        for (size_t r = 0; r < t->nbody; r++) {
            gen_row *row = &t->body[r];
            if (row->ncells <= c_desc)
                gen_fail(doc, row->tr, "\"%s\": short row", cap);
            field *f = &m->fields[m->nfields++];
            if (!parse_tag(row->cells[c_tag], &f->tag))
                gen_fail(doc, row->tr, "\"%s\": cannot read tag \"%s\"", cap, row->cells[c_tag]);
            f->name = gen_xstrdup(row->cells[c_name]);
            f->vr = gen_xstrdup(strcmp(row->cells[c_vr], "-") == 0 ? "" : row->cells[c_vr]);
            if (f->tag == 0x00000100u)
                m->command = command_value(row->cells[c_desc]);
            if (f->tag == 0x00000800u)
                m->dataset = dataset_kind(row->cells[c_desc]);
            f->usage = param_usage(doc, m->service, m->kind, f->name);
            if (!f->usage)
                f->usage = gen_xstrdup(""); /* part of the encoding, not a parameter */
        }
        if (m->command < 0)
            gen_fail(doc, tables[i], "\"%s\": no Command Field value (\"set to XXXXH\")", cap);
        if (m->dataset < 0)
            gen_fail(doc, tables[i],
                     "\"%s\": cannot tell from Command Data Set Type whether a data set is present",
                     cap);
        gen_table_free(t);
        free(cap);
    }
    free(tables);
    if (ms->n < 10)
        gen_fail(doc, NULL, "only %zu \"... Message Fields\" tables", ms->n);
}

static void free_all(gen_doc *doc, messages *ms)
{
    for (size_t i = 0; i < ms->n; i++) {
        message *m = &ms->v[i];
        for (size_t k = 0; k < m->nfields; k++) {
            free(m->fields[k].name);
            free(m->fields[k].vr);
            free(m->fields[k].usage);
        }
        free(m->fields);
        free(m->name);
        free(m->service);
        free(m->cname);
    }
    free(ms->v);
    gen_doc_free(doc);
}

static const char *usage_enum(const char *u)
{
    switch (u[0]) {
    case 0: return "DQ_DIMSE_ENCODING";
    case 'M': return "DQ_DIMSE_MANDATORY";
    case 'C': return "DQ_DIMSE_CONDITIONAL";
    case 'U': return "DQ_DIMSE_USER_OPTIONAL";
    }
    return "DQ_DIMSE_NOT_USED";
}

static int emit(const char *dir, const char *outdir)
{
    gen_doc *doc;
    messages ms;
    read_all(dir, &doc, &ms);
    const gen_doc *docs[1] = {doc};

    char *path = gen_xasprintf("%s/dq_gen_dimse_codes.h", outdir);
    gen_out *codes = gen_out_open(path);
    free(path);
    gen_out_banner(codes, "dimse", docs, 1);
    gen_out_printf(codes, "#ifndef DQ_GEN_DIMSE_CODES_H\n#define DQ_GEN_DIMSE_CODES_H\n\n"
                          "/* Command Field (0000,0100) values, one per message. */\n"
                          "enum {\n");
    for (size_t i = 0; i < ms.n; i++)
        gen_out_printf(codes, "    DQ_DIMSE_CMD_%s = 0x%04lXu,\n", ms.v[i].cname, ms.v[i].command);
    gen_out_printf(codes,
                   "};\n\n"
                   "/* Command Data Set Type (0000,0800) when no data set follows. */\n"
                   "#define DQ_DIMSE_NO_DATA_SET 0x%04Xu\n\n#endif\n",
                   NULL_DATA_SET);

    path = gen_xasprintf("%s/dq_gen_dimse.h", outdir);
    gen_out *h = gen_out_open(path);
    free(path);
    gen_out_banner(h, "dimse", docs, 1);
    gen_out_printf(
        h,
        "#ifndef DQ_GEN_DIMSE_H\n#define DQ_GEN_DIMSE_H\n\n"
        "#include \"dq/dimse_tables.h\"\n\n"
        "#define DQ_GEN_DIMSE_MESSAGE_COUNT %zu\n"
        "extern const dq_dimse_spec dq_gen_dimse_messages[DQ_GEN_DIMSE_MESSAGE_COUNT];\n\n#endif\n",
        ms.n);

    path = gen_xasprintf("%s/dq_gen_dimse.c", outdir);
    gen_out *c = gen_out_open(path);
    free(path);
    gen_out_banner(c, "dimse", docs, 1);
    gen_out_printf(c, "#include \"dq_gen_dimse.h\"\n\n");
    for (size_t i = 0; i < ms.n; i++) {
        const message *m = &ms.v[i];
        gen_out_printf(c, "/* %s Message Fields; usage from the %s Parameters column %s */\n",
                       m->name, m->service, kind_column[m->kind]);
        gen_out_printf(c, "static const dq_dimse_spec_field fields_%s[%zu] = {\n", m->cname,
                       m->nfields);
        for (size_t k = 0; k < m->nfields; k++) {
            const field *f = &m->fields[k];
            if (f->tag == NO_TAG)
                gen_out_printf(c, "    {DQ_DIMSE_NO_TAG, ");
            else
                gen_out_printf(c, "    {0x%08Xu, ", f->tag);
            gen_out_cstr(c, f->name);
            gen_out_printf(c, ", ");
            gen_out_cstr(c, f->vr);
            gen_out_printf(c, ", %s, ", usage_enum(f->usage));
            gen_out_cstr(c, f->usage);
            gen_out_printf(c, "},\n");
        }
        gen_out_printf(c, "};\n\n");
    }
    gen_out_printf(c,
                   "const dq_dimse_spec dq_gen_dimse_messages[DQ_GEN_DIMSE_MESSAGE_COUNT] = {\n");
    for (size_t i = 0; i < ms.n; i++) {
        const message *m = &ms.v[i];
        gen_out_printf(c, "    {\"%s\", \"%s\", 0x%04lXu, %s, %s, %zu, fields_%s},\n", m->name,
                       m->service, m->command, kind_enum[m->kind], ds_enum[m->dataset], m->nfields,
                       m->cname);
    }
    gen_out_printf(c, "};\n");
    gen_out_commit(codes);
    gen_out_commit(h);
    gen_out_commit(c);
    free_all(doc, &ms);
    return 0;
}

static int dump(const char *dir, const char *what, FILE *out)
{
    (void)what;
    gen_doc *doc;
    messages ms;
    read_all(dir, &doc, &ms);
    static const char *const kinds[] = {"RQ", "RSP", "CANCEL-RQ"};
    static const char *const dss[] = {"none", "required", "optional"};
    fprintf(out, "message\tservice\tcommand\tkind\tdataset\ttag\tfield\tvr\tusage\n");
    for (size_t i = 0; i < ms.n; i++) {
        const message *m = &ms.v[i];
        for (size_t k = 0; k < m->nfields; k++) {
            const field *f = &m->fields[k];
            fprintf(out, "%s\t%s\t%04lX\t%s\t%s\t", m->name, m->service, m->command, kinds[m->kind],
                    dss[m->dataset]);
            if (f->tag == NO_TAG)
                fprintf(out, "-");
            else
                fprintf(out, "(%04X,%04X)", f->tag >> 16, f->tag & 0xFFFF);
            fprintf(out, "\t%s\t%s\t%s\n", f->name, f->vr, f->usage);
        }
    }
    free_all(doc, &ms);
    return 0;
}

const gen_emitter gen_emitter_dimse = {
    .name = "dimse",
    .parts = "part07.xml",
    .emit = emit,
    .dump_names = "dimse",
    .dump = dump,
};
