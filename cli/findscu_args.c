/* findscu: argparse-compatible command-line parsing (see findscu_args.h). */
#include "findscu_args.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <dq/dict.h>
#include <dq/dimse_tables.h>

#include "dq_gen_pdu.h"

enum opt_id {
    O_HELP,
    O_VERSION,
    O_QUIET,
    O_VERBOSE,
    O_DEBUG,
    O_LOGLEVEL,
    O_AET,
    O_AEC,
    O_TA,
    O_TD,
    O_TN,
    O_PDU,
    O_PATIENT,
    O_STUDY,
    O_PSONLY,
    O_WORKLIST,
    O_UPS,
    O_KEYWORD,
    O_FILE,
    O_WRITE,
    O_OUTDIR,
    O_RELATIONAL,
    O_DT,
    O_FUZZY,
    O_TZ,
    O_ENHANCED,
    O_FORMAT,
    O_OUTPUT,
    O_COLUMNS,
    O_COUNT
};

typedef struct opt_def {
    enum opt_id id;
    const char *s; /* short form ("-aet"), NULL if none */
    const char *l; /* long form ("--calling-aet") */
    bool takes_value;
    int group; /* mutually exclusive group: 0 none, 1 -q/-v/-d, 2 models */
} opt_def;

/* In argparse's registration order: ambiguity messages list matches in it. */
static const opt_def OPTS[] = {
    {O_HELP, "-h", "--help", false, 0},
    {O_VERSION, NULL, "--version", false, 0},
    {O_QUIET, "-q", "--quiet", false, 1},
    {O_VERBOSE, "-v", "--verbose", false, 1},
    {O_DEBUG, "-d", "--debug", false, 1},
    {O_LOGLEVEL, "-ll", "--log-level", true, 0},
    {O_AET, "-aet", "--calling-aet", true, 0},
    {O_AEC, "-aec", "--called-aet", true, 0},
    {O_TA, "-ta", "--acse-timeout", true, 0},
    {O_TD, "-td", "--dimse-timeout", true, 0},
    {O_TN, "-tn", "--network-timeout", true, 0},
    {O_PDU, "-pdu", "--max-pdu", true, 0},
    {O_PATIENT, "-P", "--patient", false, 2},
    {O_STUDY, "-S", "--study", false, 2},
    {O_PSONLY, "-O", "--psonly", false, 2},
    {O_WORKLIST, "-W", "--worklist", false, 2},
    {O_UPS, "-U", "--ups", false, 2},
    {O_KEYWORD, "-k", "--keyword", true, 0},
    {O_FILE, "-f", "--file", true, 0},
    {O_RELATIONAL, NULL, "--relational-query", false, 0},
    {O_DT, NULL, "--dt-matching", false, 0},
    {O_FUZZY, NULL, "--fuzzy-names", false, 0},
    {O_TZ, NULL, "--timezone-adj", false, 0},
    {O_ENHANCED, NULL, "--enhanced-conversion", false, 0},
    {O_WRITE, "-w", "--write", false, 0},
    /* Ours (DCMTK's -od); after every pynetdicom option, as argparse would
     * register an added one. No other long option starts with "--o". */
    {O_OUTDIR, "-od", "--output-directory", true, 0},
    /* Ours: the results as data. Long forms only: "--output" is an exact
     * match (so it wins), "--o"..."--outpu" become ambiguous with
     * --output-directory, "-o" still abbreviates -od (behaviour doc 7). */
    {O_FORMAT, NULL, "--format", true, 0},
    {O_OUTPUT, NULL, "--output", true, 0},
    {O_COLUMNS, NULL, "--columns", true, 0},
};
#define N_OPTS (sizeof OPTS / sizeof OPTS[0])

static const char USAGE[] = "usage: findscu [options] addr port\n";

/* argparse names an option in messages as "-aet/--calling-aet". */
static void opt_name(const opt_def *d, char *buf, size_t cap)
{
    if (d->s)
        snprintf(buf, cap, "%s/%s", d->s, d->l);
    else
        snprintf(buf, cap, "%s", d->l);
}

static fs_parse_result usage_error(FILE *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static fs_parse_result usage_error(FILE *err, const char *fmt, ...)
{
    va_list ap;
    fputs(USAGE, err);
    fputs("findscu: error: ", err);
    va_start(ap, fmt);
    vfprintf(err, fmt, ap);
    va_end(ap);
    fputc('\n', err);
    return FS_PARSE_USAGE;
}

/* Python's int(): optional whitespace, sign, digits with single '_' between. */
static bool py_int(const char *s, long *out)
{
    const char *p = s;
    while (isspace((unsigned char)*p))
        p++;
    bool neg = false;
    if (*p == '+' || *p == '-')
        neg = *p++ == '-';
    if (!isdigit((unsigned char)*p))
        return false;
    long v = 0;
    bool prev_digit = false;
    for (; *p && !isspace((unsigned char)*p); p++) {
        if (*p == '_' && prev_digit) {
            prev_digit = false;
            continue;
        }
        if (!isdigit((unsigned char)*p))
            return false;
        if (v > (LONG_MAX - 9) / 10)
            return false; /* far beyond any port or PDU size: treat as invalid */
        v = v * 10 + (*p - '0');
        prev_digit = true;
    }
    if (!prev_digit)
        return false;
    while (isspace((unsigned char)*p))
        p++;
    if (*p)
        return false;
    *out = neg ? -v : v;
    return true;
}

/* Python's float(): decimal or exponent notation, inf/nan, surrounding spaces;
 * no hex (which strtod would take). */
static bool py_float(const char *s, double *out)
{
    const char *p = s;
    while (isspace((unsigned char)*p))
        p++;
    if (!*p || strpbrk(p, "xXpP"))
        return false;
    char clean[128];
    size_t n = 0;
    for (const char *q = p; *q && n + 1 < sizeof clean; q++) {
        if (*q == '_') {
            /* only between digits */
            if (q == p || !isdigit((unsigned char)q[-1]) || !isdigit((unsigned char)q[1]))
                return false;
            continue;
        }
        clean[n++] = *q;
    }
    if (strlen(p) >= sizeof clean)
        return false;
    clean[n] = '\0';
    errno = 0;
    char *end;
    double v = strtod(clean, &end);
    if (end == clean)
        return false;
    while (isspace((unsigned char)*end))
        end++;
    if (*end)
        return false;
    *out = v;
    return true;
}

/* argparse's _negative_number_matcher: '^-\d+$|^-\d*\.\d+$'. */
static bool looks_negative_number(const char *a)
{
    if (a[0] != '-')
        return false;
    const char *p = a + 1;
    size_t digits = 0;
    while (isdigit((unsigned char)*p)) {
        p++;
        digits++;
    }
    if (*p == '\0')
        return digits > 0;
    if (*p != '.')
        return false;
    p++;
    size_t frac = 0;
    while (isdigit((unsigned char)*p)) {
        p++;
        frac++;
    }
    return *p == '\0' && frac > 0;
}

static const opt_def *find_exact(const char *s, size_t len)
{
    for (size_t i = 0; i < N_OPTS; i++) {
        if (OPTS[i].s && strlen(OPTS[i].s) == len && strncmp(OPTS[i].s, s, len) == 0)
            return &OPTS[i];
        if (strlen(OPTS[i].l) == len && strncmp(OPTS[i].l, s, len) == 0)
            return &OPTS[i];
    }
    return NULL;
}

/* What one command-line word is, as argparse's _parse_optional decides. */
typedef struct classified {
    enum { W_POSITIONAL, W_OPTION, W_UNKNOWN, W_AMBIGUOUS } kind;
    const opt_def *opt;
    const char *used;         /* the option string matched */
    const char *explicit_arg; /* text after '=' or after a short option, or NULL */
    char matches[512];        /* for W_AMBIGUOUS: "-aet, -aec" */
} classified;

/* The options a word abbreviates (argparse's allow_abbrev). */
typedef struct prefix_matches {
    const opt_def *opt[N_OPTS * 2];
    const char *str[N_OPTS * 2]; /* the option string matched */
    const char *arg[N_OPTS * 2]; /* its explicit argument, or NULL */
    size_t n;
} prefix_matches;

static void add_match(prefix_matches *m, const opt_def *d, const char *str, const char *arg)
{
    m->opt[m->n] = d;
    m->str[m->n] = str;
    m->arg[m->n] = arg;
    m->n++;
}

static void find_prefixes(const char *a, const char *eq, prefix_matches *m)
{
    m->n = 0;
    if (a[1] == '-') {
        size_t plen = eq ? (size_t)(eq - a) : strlen(a);
        for (size_t i = 0; i < N_OPTS; i++)
            if (strncmp(OPTS[i].l, a, plen) == 0)
                add_match(m, &OPTS[i], OPTS[i].l, eq ? eq + 1 : NULL);
        return;
    }
    /* Single dash: "-kVALUE" (a 2-character option followed by its
     * argument) or a prefix of a longer single-dash option. */
    for (size_t i = 0; i < N_OPTS; i++) {
        const char *names[2] = {OPTS[i].s, OPTS[i].l};
        for (int k = 0; k < 2; k++) {
            const char *n = names[k];
            if (n && strlen(n) == 2 && strncmp(n, a, 2) == 0)
                add_match(m, &OPTS[i], n, a + 2);
            else if (n && strncmp(n, a, strlen(a)) == 0)
                add_match(m, &OPTS[i], n, NULL);
        }
    }
}

static void classify(const char *a, classified *c)
{
    memset(c, 0, sizeof *c);
    c->kind = W_POSITIONAL;
    if (a[0] != '-' || a[1] == '\0')
        return;
    const opt_def *d = find_exact(a, strlen(a));
    if (d) {
        c->kind = W_OPTION;
        c->opt = d;
        c->used = (d->s && strcmp(d->s, a) == 0) ? d->s : d->l;
        return;
    }
    const char *eq = strchr(a, '=');
    if (eq) {
        d = find_exact(a, (size_t)(eq - a));
        if (d) {
            c->kind = W_OPTION;
            c->opt = d;
            c->used = (d->s && strncmp(d->s, a, (size_t)(eq - a)) == 0 &&
                       strlen(d->s) == (size_t)(eq - a))
                          ? d->s
                          : d->l;
            c->explicit_arg = eq + 1;
            return;
        }
    }
    prefix_matches m;
    find_prefixes(a, eq, &m);
    if (m.n > 1) {
        c->kind = W_AMBIGUOUS;
        size_t off = 0;
        for (size_t i = 0; i < m.n; i++) {
            int w = snprintf(c->matches + off, sizeof c->matches - off, "%s%s", i ? ", " : "",
                             m.str[i]);
            if (w < 0 || (size_t)w >= sizeof c->matches - off)
                break;
            off += (size_t)w;
        }
        return;
    }
    if (m.n == 1) {
        c->kind = W_OPTION;
        c->opt = m.opt[0];
        c->used = m.str[0];
        c->explicit_arg = m.arg[0];
        return;
    }
    if (looks_negative_number(a))
        return; /* positional: no option looks like a negative number */
    if (strchr(a, ' '))
        return;
    c->kind = W_UNKNOWN;
}

static const char *const LEVEL_NAMES[] = {"critical", "error", "warning", "info", "debug"};
static const int LEVEL_VALUES[] = {FS_LEVEL_CRITICAL, FS_LEVEL_ERROR, FS_LEVEL_WARNING,
                                   FS_LEVEL_INFO, FS_LEVEL_DEBUG};

typedef struct parse_state {
    fs_options *o;
    FILE *out, *err;
    bool seen[O_COUNT]; /* actions seen with a non-default value */
    const opt_def *first_in_group[3];
    size_t cap_keywords;
    const char *positionals[2]; /* addr, port */
    size_t npos;
    char extras[1024]; /* what argparse reports as "unrecognized arguments" */
    size_t extras_len;
} parse_state;

/* Mutual exclusion as argparse checks it: only actions whose value differs
 * from their default take part. -v stores 'v', which set_defaults made the
 * default of the whole -q/-v/-d group, so -v never conflicts. */
static fs_parse_result check_group(parse_state *st, const opt_def *d, const char *name)
{
    if (d->id == O_VERBOSE)
        return FS_PARSE_OK;
    for (size_t i = 0; d->group && i < N_OPTS; i++) {
        const opt_def *x = &OPTS[i];
        if (x->group == d->group && x != d && st->seen[x->id]) {
            char other[64];
            opt_name(x, other, sizeof other);
            return usage_error(st->err, "argument %s: not allowed with argument %s", name, other);
        }
    }
    st->seen[d->id] = true;
    return FS_PARSE_OK;
}

/* -ll (a choice), -ta/-td/-tn (Python floats), -pdu (a Python int). */
static fs_parse_result apply_number(parse_state *st, const opt_def *d, const char *name,
                                    const char *val)
{
    fs_options *o = st->o;
    if (d->id == O_LOGLEVEL) {
        for (size_t i = 0; i < 5; i++) {
            if (strcmp(val, LEVEL_NAMES[i]) == 0) {
                o->log_level = LEVEL_VALUES[i];
                return FS_PARSE_OK;
            }
        }
        return usage_error(st->err,
                           "argument %s: invalid choice: '%s' (choose from 'critical', 'error', "
                           "'warning', 'info', 'debug')",
                           name, val);
    }
    if (d->id == O_PDU) {
        if (!py_int(val, &o->max_pdu))
            return usage_error(st->err, "argument %s: invalid int value: '%s'", name, val);
        return FS_PARSE_OK;
    }
    double v;
    if (!py_float(val, &v))
        return usage_error(st->err, "argument %s: invalid float value: '%s'", name, val);
    double *t = d->id == O_TA   ? &o->acse_timeout
                : d->id == O_TD ? &o->dimse_timeout
                                : &o->network_timeout;
    *t = v;
    return FS_PARSE_OK;
}

static const char *const FORMAT_NAMES[] = {"json", "ndjson", "csv", "tsv", "xml"};
static const fs_format FORMAT_VALUES[] = {FS_FORMAT_JSON, FS_FORMAT_NDJSON, FS_FORMAT_CSV,
                                          FS_FORMAT_TSV, FS_FORMAT_XML};

/* --format, a choice (argparse's message when it is none of them). */
static fs_parse_result apply_format(parse_state *st, const char *name, const char *val)
{
    for (size_t i = 0; i < sizeof FORMAT_NAMES / sizeof FORMAT_NAMES[0]; i++) {
        if (strcmp(val, FORMAT_NAMES[i]) == 0) {
            st->o->format = FORMAT_VALUES[i];
            return FS_PARSE_OK;
        }
    }
    return usage_error(st->err,
                       "argument %s: invalid choice: '%s' (choose from 'json', 'ndjson', 'csv', "
                       "'tsv', 'xml')",
                       name, val);
}

/* -k repeats: the values are kept in command-line order. */
static fs_parse_result add_keyword(parse_state *st, const char *val)
{
    fs_options *o = st->o;
    if (o->n_keywords == st->cap_keywords) {
        size_t cap = st->cap_keywords ? st->cap_keywords * 2 : 8;
        const char **k = realloc(o->keywords, cap * sizeof *k);
        if (!k)
            return FS_PARSE_NOMEM;
        o->keywords = k;
        st->cap_keywords = cap;
    }
    o->keywords[o->n_keywords++] = val;
    return FS_PARSE_OK;
}

/* Applies one option; returns FS_PARSE_OK or an error/exit result. */
static fs_parse_result apply(parse_state *st, const opt_def *d, const char *val)
{
    fs_options *o = st->o;
    char name[64];
    opt_name(d, name, sizeof name);

    fs_parse_result r = check_group(st, d, name);
    if (r != FS_PARSE_OK)
        return r;
    switch (d->id) {
    case O_HELP: fs_print_help(st->out); return FS_PARSE_EXIT_OK;
    case O_VERSION: o->version = true; break;
    case O_QUIET: o->log_type = 'q'; break;
    case O_VERBOSE: o->log_type = 'v'; break;
    case O_DEBUG: o->log_type = 'd'; break;
    case O_LOGLEVEL:
    case O_TA:
    case O_TD:
    case O_TN:
    case O_PDU: return apply_number(st, d, name, val);
    case O_AET: o->calling_aet = val; break;
    case O_AEC: o->called_aet = val; break;
    case O_PATIENT: o->model = FS_MODEL_PATIENT; break;
    case O_STUDY: o->model = FS_MODEL_STUDY; break;
    case O_PSONLY: o->model = FS_MODEL_PSONLY; break;
    case O_WORKLIST: o->model = FS_MODEL_WORKLIST; break;
    case O_UPS: o->model = FS_MODEL_UPS; break;
    case O_KEYWORD: return add_keyword(st, val);
    case O_FILE: o->file = val; break;
    case O_WRITE: o->write = true; break;
    case O_OUTDIR: o->output_dir = val; break;
    case O_RELATIONAL: o->relational_query = true; break;
    case O_DT: o->dt_matching = true; break;
    case O_FUZZY: o->fuzzy_names = true; break;
    case O_TZ: o->timezone_adj = true; break;
    case O_ENHANCED: o->enhanced_conversion = true; break;
    case O_FORMAT: return apply_format(st, name, val);
    case O_OUTPUT: o->output = val; break;
    case O_COLUMNS: o->columns = val; break;
    case O_COUNT: break;
    }
    return FS_PARSE_OK;
}

/* addr, then port (a Python int); any further word is an extra. */
static fs_parse_result take_positional(parse_state *st, const char *a, bool positional)
{
    if (positional && st->npos < 2) {
        if (st->npos == 1) {
            long port;
            if (!py_int(a, &port))
                return usage_error(st->err, "argument port: invalid int value: '%s'", a);
            st->o->port = port;
        }
        st->positionals[st->npos++] = a;
        return FS_PARSE_OK;
    }
    size_t room = sizeof st->extras - st->extras_len;
    int w = snprintf(st->extras + st->extras_len, room, "%s%s", st->extras_len ? " " : "", a);
    if (w > 0 && (size_t)w < room)
        st->extras_len += (size_t)w;
    return FS_PARSE_OK;
}

/* The value of an option given as the next word, unless that word looks
 * like an option (argparse) or is "--". */
static const char *next_value(int argc, char **argv, int *i)
{
    if (*i + 1 >= argc || strcmp(argv[*i + 1], "--") == 0)
        return NULL;
    classified nc;
    classify(argv[*i + 1], &nc);
    return nc.kind == W_POSITIONAL ? argv[++*i] : NULL;
}

/* One option word. A single-dash flag followed by more letters ("-wS")
 * applies each flag in turn; an option that takes a value gets the rest of
 * the word or the next word. */
static fs_parse_result apply_option(parse_state *st, const classified *c, int argc, char **argv,
                                    int *i)
{
    const opt_def *d = c->opt;
    const char *arg = c->explicit_arg, *used = c->used;
    char name[64];
    while (!d->takes_value) {
        opt_name(d, name, sizeof name);
        if (arg && *arg && (used[1] == '-' || strlen(used) != 2))
            return usage_error(st->err, "argument %s: ignored explicit argument '%s'", name, arg);
        fs_parse_result r = apply(st, d, NULL);
        if (r != FS_PARSE_OK || !arg || !*arg)
            return r;
        char next[3] = {'-', arg[0], '\0'};
        const opt_def *nd = find_exact(next, 2);
        if (!nd)
            return usage_error(st->err, "argument %s: ignored explicit argument '%s'", name, arg);
        d = nd;
        used = nd->s;
        arg = arg[1] ? arg + 1 : NULL;
    }
    opt_name(d, name, sizeof name);
    if (!arg)
        arg = next_value(argc, argv, i);
    if (!arg)
        return usage_error(st->err, "argument %s: expected one argument", name);
    return apply(st, d, arg);
}

static void set_defaults(fs_options *o)
{
    memset(o, 0, sizeof *o);
    o->log_type = 'v';
    o->calling_aet = "FINDSCU";
    o->called_aet = "ANY-SCP";
    o->acse_timeout = o->dimse_timeout = o->network_timeout = 30;
    o->max_pdu = 16382;
    o->model = FS_MODEL_PATIENT;
}

/* What argparse checks once every word is read. */
static fs_parse_result check_complete(parse_state *st)
{
    fs_options *o = st->o;
    /* Ours: --version works without addr/port (pynetdicom demands them). */
    if (o->version)
        return FS_PARSE_OK;
    if (st->npos < 2)
        return usage_error(st->err, "the following arguments are required: %s",
                           st->npos == 0 ? "addr, port" : "port");
    o->addr = st->positionals[0];
    if (st->extras_len)
        return usage_error(st->err, "unrecognized arguments: %s", st->extras);
    if (!o->file && o->n_keywords == 0)
        return usage_error(st->err, "-f and/or -k must be specified");
    /* Ours: what --output and --columns need (parser.error, as argparse
     * scripts report such combinations). */
    if (o->output && o->format == FS_FORMAT_NONE)
        return usage_error(st->err, "argument --output: only with --format (the -w folder is "
                                    "-od/--output-directory)");
    if (o->columns && o->format != FS_FORMAT_CSV && o->format != FS_FORMAT_TSV)
        return usage_error(st->err, "argument --columns: only with --format csv or tsv");
    return FS_PARSE_OK;
}

fs_parse_result fs_parse_args(int argc, char **argv, fs_options *o, FILE *out, FILE *err)
{
    set_defaults(o);
    parse_state st = {.o = o, .out = out, .err = err};
    bool dashdash = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!dashdash && strcmp(a, "--") == 0) {
            dashdash = true;
            continue;
        }
        classified c;
        if (dashdash)
            c.kind = W_POSITIONAL;
        else
            classify(a, &c);
        if (c.kind == W_AMBIGUOUS) {
            const char *eq = strchr(a, '=');
            int plen = (int)(eq && a[1] == '-' ? (size_t)(eq - a) : strlen(a));
            return usage_error(err, "ambiguous option: %.*s could match %s", plen, a, c.matches);
        }
        fs_parse_result r = c.kind == W_OPTION ? apply_option(&st, &c, argc, argv, &i)
                                               : take_positional(&st, a, c.kind == W_POSITIONAL);
        if (r != FS_PARSE_OK)
            return r;
    }
    return check_complete(&st);
}

void fs_options_free(fs_options *o)
{
    free(o->keywords);
    o->keywords = NULL;
    o->n_keywords = 0;
}

const char *fs_model_uid(fs_model m)
{
    switch (m) {
    case FS_MODEL_PATIENT: return DQ_UID_PatientRootQueryRetrieveInformationModelFind;
    case FS_MODEL_STUDY: return DQ_UID_StudyRootQueryRetrieveInformationModelFind;
    case FS_MODEL_PSONLY: return DQ_UID_PatientStudyOnlyQueryRetrieveInformationModelFind;
    case FS_MODEL_WORKLIST: return DQ_UID_ModalityWorklistInformationModelFind;
    case FS_MODEL_UPS: return DQ_UID_UnifiedProcedureStepPull;
    }
    return DQ_UID_PatientRootQueryRetrieveInformationModelFind;
}

unsigned long fs_min_response_pdu(void)
{
    /* -pdu is the Maximum Length the peer may use for the variable field of
     * its P-DATA-TF PDUs (PS3.8 D.1: the 6-byte PDU header is not counted).
     * That field holds PDV items: item length and presentation context ID
     * (PS3.8 Table 9-23), then the message control header (PS3.8 E.2) and a
     * fragment. A C-FIND-RSP's command set is never shorter than its
     * mandatory and always-encoded elements (PS3.7 Table 9.3-2), each in
     * Implicit VR Little Endian (PS3.7 6.3.1): a 4-byte tag, a 4-byte length
     * and one value. Every one of them is a fixed-size number (UL, US). */
    const dq_dimse_spec *m = dq_dimse_spec_find("C-FIND-RSP");
    unsigned long command = 0;
    for (size_t i = 0; m && i < m->nfields; i++) {
        const dq_dimse_spec_field *f = &m->fields[i];
        if (f->tag == DQ_DIMSE_NO_TAG ||
            (f->usage != DQ_DIMSE_MANDATORY && f->usage != DQ_DIMSE_ENCODING))
            continue;
        const dq_vr_info *vi = dq_vr_info_get(DQ_VR_CODE(f->vr[0], f->vr[1]));
        command += 4 + 4 + (vi ? vi->unit_size : 0);
    }
    return DQ_GEN_PDU_PDV_ITEM_FIXED_SIZE + 1 + command;
}

/* argparse's help, around the -pdu line that names a computed size. */
static const char HELP_HEAD[] =
    "usage: findscu [options] addr port\n"
    "\n"
    "The findscu application implements a Service Class User (SCU) for the\n"
    "Query/Retrieve (QR) and Basic Worklist Management (BWM) Service Classes.\n"
    "findscu only supports query functionality using the C-FIND message. It sends\n"
    "query keys to an SCP and waits for a response. The application can be used to\n"
    "test SCPs of the QR and BWM Service Classes.\n"
    "\n"
    "options:\n"
    "  -h, --help            show this help message and exit\n"
    "\n"
    "Parameters:\n"
    "  addr                  TCP/IP address or hostname of DICOM peer\n"
    "  port                  TCP/IP port number of peer\n"
    "\n"
    "General Options:\n"
    "  --version             print version information and exit\n"
    "  -q, --quiet           quiet mode, print no warnings and errors\n"
    "  -v, --verbose         verbose mode, print processing details\n"
    "  -d, --debug           debug mode, print debug information\n"
    "  -ll [l], --log-level [l]\n"
    "                        use level l for the logger (critical, error, warning,\n"
    "                        info, debug)\n"
    "\n"
    "Network Options:\n"
    "  -aet [a]etitle, --calling-aet [a]etitle\n"
    "                        set my calling AE title (default: FINDSCU)\n"
    "  -aec [a]etitle, --called-aet [a]etitle\n"
    "                        set called AE title of peer (default: ANY-SCP)\n"
    "  -ta [s]econds, --acse-timeout [s]econds\n"
    "                        timeout for ACSE messages (default: 30 s)\n"
    "  -td [s]econds, --dimse-timeout [s]econds\n"
    "                        timeout for DIMSE messages (default: 30 s)\n"
    "  -tn [s]econds, --network-timeout [s]econds\n"
    "                        timeout for the network (default: 30 s)\n"
    "  -pdu [n]umber of bytes, --max-pdu [n]umber of bytes\n"
    "                        set max receive pdu to n bytes (0 for unlimited,\n"
    "                        default: 16382)\n";

static const char HELP_TAIL[] =
    "\n"
    "Query Information Model Options:\n"
    "  -P, --patient         use patient root information model (default)\n"
    "  -S, --study           use study root information model\n"
    "  -O, --psonly          use patient/study only information model\n"
    "  -W, --worklist        use modality worklist information model\n"
    "  -U, --ups             use unified procedure step information model\n"
    "\n"
    "Query Options:\n"
    "  -k [k]eyword: (gggg,eeee)=str, keyword=str, --keyword [k]eyword: (gggg,eeee)=str, keyword=str\n"
    "                        add or override a query element using either an\n"
    "                        element tag as (group,element) or the element's\n"
    "                        keyword (such as PatientName)\n"
    "  -f path to [f]ile, --file path to [f]ile\n"
    "                        use a DICOM file as the query dataset, if used with -k\n"
    "                        then the elements will be added to or overwrite those\n"
    "                        present in the file\n"
    "\n"
    "Extended Negotiation Options:\n"
    "  --relational-query    request the use of relational queries\n"
    "  --dt-matching         request the use of date-time matching\n"
    "  --fuzzy-names         request the use of fuzzy semantic matching of person\n"
    "                        names\n"
    "  --timezone-adj        request the use of timezone query adjustment\n"
    "  --enhanced-conversion\n"
    "                        request the use of enhanced multi-frame image\n"
    "                        conversion\n"
    "\n"
    "Output Options:\n"
    "  -w, --write           write the responses to file as rsp000001.dcm,\n"
    "                        rsp000002.dcm, ...\n"
    "  -od [d]irectory, --output-directory [d]irectory\n"
    "                        write the -w files in directory d (created when\n"
    "                        missing; default: the working directory)\n"
    "\n"
    "Results as Data Options:\n"
    "  --format {json,ndjson,csv,tsv,xml}\n"
    "                        write every match to stdout as DICOM JSON (one array),\n"
    "                        NDJSON (one object a line), CSV, TSV or Native DICOM\n"
    "                        Model XML; the log stays on stderr without the\n"
    "                        response identifiers (unless -d)\n"
    "  --output [p]ath       write the --format document to path instead (created\n"
    "                        complete, under a temporary name until the end)\n"
    "  --columns [c]olumns   CSV/TSV columns, comma-separated key paths such as\n"
    "                        PatientName,(0009,1001),Seq[0].Modality (default: the\n"
    "                        query's -k keys, then the -f file's)\n";

void fs_print_help(FILE *out)
{
    fputs(HELP_HEAD, out);
    fprintf(out,
            "                        (below %lu bytes a C-FIND response must be split:\n"
            "                        a warning is printed)\n",
            fs_min_response_pdu());
    fputs(HELP_TAIL, out);
}
