/* findscu: argparse-compatible command-line parsing (see findscu_args.h). */
#include "findscu_args.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <dq/dict.h>
#include <dq/dimse_tables.h>
#include <dq/query_keys.h>
#include <dq/tls.h>

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
    /* Ours: query by level (findscu_keys.c). */
    O_LEVEL,
    O_KEYS,
    /* User Identity Negotiation (ours) */
    O_USER,
    O_PASSWORD,
    O_PASSWORD_FILE,
    O_KERBEROS,
    O_SAML,
    O_JWT,
    O_JWT_FILE,
    O_USER_RESPONSE,
    O_TLS, /* --tls and the --tls-* options, in this order (apply_tls) */
    O_TLS_CERT,
    O_TLS_KEY,
    O_TLS_KEY_PASSWORD_FILE,
    O_TLS_CA,
    O_TLS_CA_DIR,
    O_TLS_VERIFY,
    O_TLS_PROFILE,
    O_TLS_SNI,
    O_TLS_CRL,
    O_FORMAT,
    O_OUTPUT,
    O_COLUMNS,
    /* Many queries (ours and DCMTK's) */
    O_BATCH,
    O_BATCH_FORMAT,
    O_JOBS,
    O_ORDERED,
    O_RESUME,
    O_CANCEL,
    O_COUNT_ONLY,
    O_REPEAT,
    O_ABORT,
    O_STRICT,
    O_EXPAND,
    O_COUNT
};

/* What an option does, as argparse's add_argument(action=...) says it:
 * store_true into a bool, store a string, store_const into the log type or
 * the query model; the others (help, numbers, -k) are handled by name. */
enum opt_action { A_OWN, A_STORE_TRUE, A_STORE, A_LOG_TYPE, A_MODEL };

typedef struct opt_def {
    enum opt_id id;
    const char *s; /* short form ("-aet"), NULL if none */
    const char *l; /* long form ("--calling-aet") */
    bool takes_value;
    int group; /* mutually exclusive group: 0 none, 1 -q/-v/-d, 2 models,
                  3 user identities, 4 passwords */
    uint8_t action;
    uint16_t dest; /* A_STORE_TRUE, A_STORE: offsetof the fs_options field */
    int value;     /* A_LOG_TYPE, A_MODEL: the constant stored */
} opt_def;

#define DEST(field) A_STORE, (uint16_t)offsetof(fs_options, field), 0
#define FLAG(field) A_STORE_TRUE, (uint16_t)offsetof(fs_options, field), 0

/* In argparse's registration order: ambiguity messages list matches in it. */
static const opt_def OPTS[] = {
    {O_HELP, "-h", "--help", false, 0, A_OWN, 0, 0},
    {O_VERSION, NULL, "--version", false, 0, FLAG(version)},
    {O_QUIET, "-q", "--quiet", false, 1, A_LOG_TYPE, 0, 'q'},
    {O_VERBOSE, "-v", "--verbose", false, 1, A_LOG_TYPE, 0, 'v'},
    {O_DEBUG, "-d", "--debug", false, 1, A_LOG_TYPE, 0, 'd'},
    {O_LOGLEVEL, "-ll", "--log-level", true, 0, A_OWN, 0, 0},
    {O_AET, "-aet", "--calling-aet", true, 0, DEST(calling_aet)},
    {O_AEC, "-aec", "--called-aet", true, 0, DEST(called_aet)},
    {O_TA, "-ta", "--acse-timeout", true, 0, A_OWN, 0, 0},
    {O_TD, "-td", "--dimse-timeout", true, 0, A_OWN, 0, 0},
    {O_TN, "-tn", "--network-timeout", true, 0, A_OWN, 0, 0},
    {O_PDU, "-pdu", "--max-pdu", true, 0, A_OWN, 0, 0},
    {O_PATIENT, "-P", "--patient", false, 2, A_MODEL, 0, FS_MODEL_PATIENT},
    {O_STUDY, "-S", "--study", false, 2, A_MODEL, 0, FS_MODEL_STUDY},
    {O_PSONLY, "-O", "--psonly", false, 2, A_MODEL, 0, FS_MODEL_PSONLY},
    {O_WORKLIST, "-W", "--worklist", false, 2, A_MODEL, 0, FS_MODEL_WORKLIST},
    {O_UPS, "-U", "--ups", false, 2, A_MODEL, 0, FS_MODEL_UPS},
    {O_KEYWORD, "-k", "--keyword", true, 0, A_OWN, 0, 0},
    {O_FILE, "-f", "--file", true, 0, A_OWN, 0, 0},
    {O_RELATIONAL, NULL, "--relational-query", false, 0, FLAG(relational_query)},
    {O_DT, NULL, "--dt-matching", false, 0, FLAG(dt_matching)},
    {O_FUZZY, NULL, "--fuzzy-names", false, 0, FLAG(fuzzy_names)},
    {O_TZ, NULL, "--timezone-adj", false, 0, FLAG(timezone_adj)},
    {O_ENHANCED, NULL, "--enhanced-conversion", false, 0, FLAG(enhanced_conversion)},
    {O_WRITE, "-w", "--write", false, 0, FLAG(write)},
    /* Ours (DCMTK's -od); after every pynetdicom option, as argparse would
     * register an added one. No other long option starts with "--o". */
    {O_OUTDIR, "-od", "--output-directory", true, 0, DEST(output_dir)},
    /* Ours: query by level. "--level" and "--keys" share prefixes with
     * pynetdicom's --log-level and --keyword; pynetdicom's options keep
     * those abbreviations (see pynetdicom_first()). */
    {O_LEVEL, "-L", "--level", true, 0, A_OWN, 0, 0},
    {O_KEYS, NULL, "--keys", true, 0, A_OWN, 0, 0},
    /* User Identity Negotiation (PS3.7 D.3.3.7), ours: dcm4che's and DCMTK
     * storescu's options under pynetdicom-style long names. */
    {O_USER, NULL, "--user", true, 3, A_OWN, 0, 0},
    {O_PASSWORD, NULL, "--password", true, 4, A_OWN, 0, 0},
    {O_PASSWORD_FILE, NULL, "--password-file", true, 4, A_OWN, 0, 0},
    {O_KERBEROS, NULL, "--kerberos", true, 3, A_OWN, 0, 0},
    {O_SAML, NULL, "--saml", true, 3, A_OWN, 0, 0},
    {O_JWT, NULL, "--jwt", true, 3, A_OWN, 0, 0},
    {O_JWT_FILE, NULL, "--jwt-file", true, 3, A_OWN, 0, 0},
    {O_USER_RESPONSE, NULL, "--user-response", false, 0, A_OWN, 0, 0},
    /* Ours: DICOM over TLS (DCMTK's +tls and friends, README). */
    {O_TLS, NULL, "--tls", false, 0, A_OWN, 0, 0},
    {O_TLS_CERT, NULL, "--tls-cert", true, 0, A_OWN, 0, 0},
    {O_TLS_KEY, NULL, "--tls-key", true, 0, A_OWN, 0, 0},
    {O_TLS_KEY_PASSWORD_FILE, NULL, "--tls-key-password-file", true, 0, A_OWN, 0, 0},
    {O_TLS_CA, NULL, "--tls-ca", true, 0, A_OWN, 0, 0},
    {O_TLS_CA_DIR, NULL, "--tls-ca-dir", true, 0, A_OWN, 0, 0},
    {O_TLS_VERIFY, NULL, "--tls-verify", true, 0, A_OWN, 0, 0},
    {O_TLS_PROFILE, NULL, "--tls-profile", true, 0, A_OWN, 0, 0},
    {O_TLS_SNI, NULL, "--tls-sni", true, 0, A_OWN, 0, 0},
    {O_TLS_CRL, NULL, "--tls-crl", true, 0, A_OWN, 0, 0},
    /* Ours: the results as data. Long forms only: "--output" is an exact
     * match (so it wins), "--o"..."--outpu" become ambiguous with
     * --output-directory, "-o" still abbreviates -od (behaviour doc 7). */
    {O_FORMAT, NULL, "--format", true, 0, A_OWN, 0, 0},
    {O_OUTPUT, NULL, "--output", true, 0, DEST(output)},
    {O_COLUMNS, NULL, "--columns", true, 0, DEST(columns)},
    {O_BATCH, NULL, "--batch", true, 0, DEST(batch)},
    {O_BATCH_FORMAT, NULL, "--batch-format", true, 0, A_OWN, 0, 0},
    {O_JOBS, NULL, "--jobs", true, 0, A_OWN, 0, 0},
    {O_ORDERED, NULL, "--ordered", false, 0, FLAG(ordered)},
    {O_RESUME, NULL, "--resume", false, 0, FLAG(resume)},
    {O_CANCEL, NULL, "--cancel", true, 0, A_OWN, 0, 0},
    {O_COUNT_ONLY, NULL, "--count", false, 0, FLAG(count)},
    {O_REPEAT, NULL, "--repeat", true, 0, A_OWN, 0, 0},
    {O_ABORT, NULL, "--abort", false, 0, FLAG(abort)},
    {O_STRICT, NULL, "--strict", false, 0, FLAG(strict)},
    {O_EXPAND, NULL, "--expand", true, 0, A_OWN, 0, 0},
};
#undef DEST
#undef FLAG
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

/* What Python's int() and float() accept around the number itself:
 * surrounding whitespace, and single '_' between digits, both dropped into
 * clean[]. False for a misplaced '_', empty text or text that does not fit. */
static bool py_number_text(const char *s, char *clean, size_t cap)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t len = strlen(s), n = 0;
    while (len && isspace((unsigned char)s[len - 1]))
        len--;
    if (len == 0 || len >= cap)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (s[i] != '_')
            clean[n++] = s[i];
        else if (i == 0 || i + 1 == len || !isdigit((unsigned char)s[i - 1]) ||
                 !isdigit((unsigned char)s[i + 1]))
            return false;
    }
    clean[n] = '\0';
    return true;
}

/* Python's int(): optional whitespace, sign, digits with single '_' between. */
static bool py_int(const char *s, long *out)
{
    char t[64];
    if (!py_number_text(s, t, sizeof t))
        return false;
    const char *p = t;
    bool neg = false;
    if (*p == '+' || *p == '-')
        neg = *p++ == '-';
    if (!*p)
        return false;
    long v = 0;
    for (; *p; p++) {
        if (!isdigit((unsigned char)*p))
            return false;
        if (v > (LONG_MAX - 9) / 10)
            return false; /* far beyond any port or PDU size: treat as invalid */
        v = v * 10 + (*p - '0');
    }
    *out = neg ? -v : v;
    return true;
}

/* Python's float(): decimal or exponent notation, inf/nan, surrounding spaces;
 * no hex (which strtod would take). */
static bool py_float(const char *s, double *out)
{
    char t[128];
    if (!py_number_text(s, t, sizeof t) || strpbrk(t, "xXpP"))
        return false;
    char *end;
    double v = strtod(t, &end);
    if (end == t || *end)
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

/* An abbreviation that pynetdicom's findscu accepts keeps its meaning: when
 * a word abbreviates one of pynetdicom's options and one of ours ("--key":
 * --keyword and --keys), pynetdicom's options alone are matched. The options
 * registered before -od are pynetdicom's. */
static void pynetdicom_first(prefix_matches *m)
{
    const opt_def *ours = OPTS;
    while (ours < OPTS + N_OPTS && ours->id != O_OUTDIR)
        ours++;
    size_t theirs = 0;
    for (size_t i = 0; i < m->n; i++)
        theirs += m->opt[i] < ours;
    if (theirs == 0 || theirs == m->n)
        return;
    size_t k = 0;
    for (size_t i = 0; i < m->n; i++)
        if (m->opt[i] < ours) {
            m->opt[k] = m->opt[i];
            m->str[k] = m->str[i];
            m->arg[k] = m->arg[i];
            k++;
        }
    m->n = k;
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
    pynetdicom_first(&m);
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

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* argparse's message for a value that is none of the choices. */
static fs_parse_result invalid_choice(parse_state *st, const char *name, const char *val,
                                      const char *const *choices, size_t n)
{
    char list[256] = "";
    size_t off = 0;
    for (size_t i = 0; i < n && off < sizeof list; i++) {
        int w = snprintf(list + off, sizeof list - off, "%s'%s'", i ? ", " : "", choices[i]);
        off += w > 0 ? (size_t)w : 0;
    }
    return usage_error(st->err, "argument %s: invalid choice: '%s' (choose from %s)", name, val,
                       list);
}

/* An argparse choice option: *out is the index of val in choices. */
static fs_parse_result choose(parse_state *st, const char *name, const char *val,
                              const char *const *choices, size_t n, size_t *out)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(val, choices[i]) == 0) {
            *out = i;
            return FS_PARSE_OK;
        }
    }
    return invalid_choice(st, name, val, choices, n);
}

/* Appends val to a repeatable option's list (-k, --tls-ca), in command-line order. */
static fs_parse_result push_word(const char ***list, size_t *n, size_t *cap, const char *val)
{
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 8;
        const char **l = realloc(*list, c * sizeof *l);
        if (!l)
            return FS_PARSE_NOMEM;
        *list = l;
        *cap = c;
    }
    (*list)[(*n)++] = val;
    return FS_PARSE_OK;
}

/* -ll (a choice), -ta/-td/-tn (Python floats), -pdu (a Python int). */
static fs_parse_result apply_number(parse_state *st, const opt_def *d, const char *name,
                                    const char *val)
{
    fs_options *o = st->o;
    if (d->id == O_LOGLEVEL) {
        size_t i = 0;
        if (choose(st, name, val, LEVEL_NAMES, N_OF(LEVEL_NAMES), &i) != FS_PARSE_OK)
            return FS_PARSE_USAGE;
        o->log_level = LEVEL_VALUES[i];
        return FS_PARSE_OK;
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

/* --jobs, --cancel, --repeat: Python ints within bounds; --batch-format: a
 * choice; -f: repeatable (one C-FIND per file, as DCMTK's findscu). */
static fs_parse_result apply_many(parse_state *st, const opt_def *d, const char *name,
                                  const char *val)
{
    fs_options *o = st->o;
    if (d->id == O_FILE) {
        if (push_word(&o->files, &o->n_files, &o->cap_files, val) != FS_PARSE_OK)
            return FS_PARSE_NOMEM;
        o->file = o->files[0];
        return FS_PARSE_OK;
    }
    if (d->id == O_EXPAND) {
        static const char *const levels[] = {"series", "image"}, *const names[] = {"SERIES",
                                                                                   "IMAGE"};
        size_t i = 0;
        if (choose(st, name, val, levels, N_OF(levels), &i) != FS_PARSE_OK)
            return FS_PARSE_USAGE;
        o->expand = names[i];
        return FS_PARSE_OK;
    }
    if (d->id == O_BATCH_FORMAT) {
        static const char *const formats[] = {"csv", "tsv"};
        size_t i = 0;
        if (choose(st, name, val, formats, N_OF(formats), &i) != FS_PARSE_OK)
            return FS_PARSE_USAGE;
        o->batch_format = (int)i + 1;
        return FS_PARSE_OK;
    }
    long v;
    if (!py_int(val, &v))
        return usage_error(st->err, "argument %s: invalid int value: '%s'", name, val);
    long max = d->id == O_JOBS ? FS_JOBS_MAX : 1000000000L;
    if (v < 1 || v > max)
        return usage_error(st->err, "argument %s: must be between 1 and %ld", name, max);
    *(d->id == O_JOBS ? &o->jobs : d->id == O_CANCEL ? &o->cancel_after : &o->repeat) = v;
    return FS_PARSE_OK;
}

/* -L LEVEL and --keys required|all: argparse choices. The levels are those
 * of the generated Patient Root tables (PS3.4 C.6.1). */
static fs_parse_result apply_query_level(parse_state *st, const opt_def *d, const char *name,
                                         const char *val)
{
    fs_options *o = st->o;
    if (d->id == O_KEYS) {
        static const char *const keys[] = {"required", "all"};
        size_t i = 0;
        if (choose(st, name, val, keys, N_OF(keys), &i) != FS_PARSE_OK)
            return FS_PARSE_USAGE;
        o->keys_given = true;
        o->keys_all = i == 1;
        return FS_PARSE_OK;
    }
    const dq_query_model *pr = dq_query_model_find(fs_model_name(FS_MODEL_PATIENT));
    if (dq_query_level_find(pr, val)) {
        o->level = val;
        return FS_PARSE_OK;
    }
    const char *names[16];
    size_t n = 0;
    for (size_t i = 0; pr && i < pr->nlevels && n < N_OF(names); i++)
        names[n++] = pr->levels[i].name;
    return invalid_choice(st, name, val, names, n);
}

static const char *const FORMAT_NAMES[] = {"json", "ndjson", "csv", "tsv", "xml"};
static const fs_format FORMAT_VALUES[] = {FS_FORMAT_JSON, FS_FORMAT_NDJSON, FS_FORMAT_CSV,
                                          FS_FORMAT_TSV, FS_FORMAT_XML};

/* --format, a choice (argparse's message when it is none of them). */
static fs_parse_result apply_format(parse_state *st, const char *name, const char *val)
{
    size_t i = 0;
    if (choose(st, name, val, FORMAT_NAMES, N_OF(FORMAT_NAMES), &i) != FS_PARSE_OK)
        return FS_PARSE_USAGE;
    st->o->format = FORMAT_VALUES[i];
    return FS_PARSE_OK;
}

/* -k repeats: the values are kept in command-line order. */
static fs_parse_result add_keyword(parse_state *st, const char *val)
{
    return push_word(&st->o->keywords, &st->o->n_keywords, &st->cap_keywords, val);
}

/* ---- User Identity Negotiation options (ours, PS3.7 D.3.3.7) ---------------- */

/* Where --user, --password[-file], --kerberos, --saml and --jwt[-file]
 * store their value (the groups keep one identity and one password). */
static const struct {
    enum opt_id id;
    size_t field; /* offset of a const char * in fs_options */
} IDENTITY_VALUES[] = {
    {O_USER, offsetof(fs_options, user)},
    {O_PASSWORD, offsetof(fs_options, password)},
    {O_PASSWORD_FILE, offsetof(fs_options, password_file)},
    {O_KERBEROS, offsetof(fs_options, kerberos_file)},
    {O_SAML, offsetof(fs_options, saml_file)},
    {O_JWT, offsetof(fs_options, jwt)},
    {O_JWT_FILE, offsetof(fs_options, jwt_file)},
};

/* The identity options; --user-response takes no next word, only
 * "=required". */
static fs_parse_result apply_identity(parse_state *st, const opt_def *d, const char *name,
                                      const char *val)
{
    fs_options *o = st->o;
    for (size_t i = 0; i < N_OF(IDENTITY_VALUES); i++) {
        if (IDENTITY_VALUES[i].id == d->id) {
            const char **field = (const char **)(void *)((char *)o + IDENTITY_VALUES[i].field);
            *field = val;
            return FS_PARSE_OK;
        }
    }
    static const char *const required[] = {"required"};
    size_t i = 0;
    if (val && choose(st, name, val, required, 1, &i) != FS_PARSE_OK)
        return FS_PARSE_USAGE;
    o->user_response = val ? FS_USER_RESPONSE_REQUIRED : FS_USER_RESPONSE_REQUESTED;
    return FS_PARSE_OK;
}

/* What the identity options need of each other, once every word is read. */
static fs_parse_result check_identity(parse_state *st)
{
    const fs_options *o = st->o;
    if ((o->password || o->password_file) && !o->user)
        return usage_error(st->err, "argument %s: only with --user",
                           o->password ? "--password" : "--password-file");
    bool identity = o->user || o->kerberos_file || o->saml_file || o->jwt || o->jwt_file;
    if (o->user_response && !identity)
        return usage_error(st->err, "argument --user-response: only with --user, --kerberos, "
                                    "--saml, --jwt or --jwt-file");
    return FS_PARSE_OK;
}

static const char HELP_IDENTITY[] =
    "\n"
    "User Identity Options (PS3.7 D.3.3.7; sent in clear unless over TLS):\n"
    "  --user name           identify as user name (UTF-8)\n"
    "  --password password   and authenticate with this passcode (only with --user;\n"
    "                        visible to other local users: prefer --password-file)\n"
    "  --password-file file  read the passcode from the first line of file\n"
    "  --kerberos file       identify with the Kerberos service ticket in file\n"
    "  --saml file           identify with the SAML assertion in file\n"
    "  --jwt token           identify with this JSON Web Token\n"
    "  --jwt-file file       identify with the JSON Web Token in file\n"
    "  --user-response[=required]\n"
    "                        ask the peer to confirm the identity; without\n"
    "                        confirmation warn, or with =required fail\n";
/* ---- the --tls options ---------------------------------------------------------- */

static const char *const TLS_PROFILES[] = {"bcp195-nd", "bcp195", "bcp195-ex"}; /* dq_tls_profile */

static fs_parse_result apply_tls(parse_state *st, const opt_def *d, const char *name,
                                 const char *val)
{
    fs_tls_options *t = &st->o->tls;
    static const char *const verify[] = {"peer", "none"};
    size_t choice = 0;
    if (d->id != O_TLS && !t->first)
        t->first = d->l;
    switch (d->id) {
    case O_TLS: t->enabled = true; return FS_PARSE_OK;
    case O_TLS_CERT: t->cfg.cert_file = val; return FS_PARSE_OK;
    case O_TLS_KEY: t->cfg.key_file = val; return FS_PARSE_OK;
    case O_TLS_KEY_PASSWORD_FILE: t->key_password_file = val; return FS_PARSE_OK;
    case O_TLS_CA_DIR: t->cfg.ca_dir = val; return FS_PARSE_OK;
    case O_TLS_SNI: t->cfg.sni = val; return FS_PARSE_OK;
    case O_TLS_CRL: t->cfg.crl_file = val; return FS_PARSE_OK;
    case O_TLS_VERIFY:
        if (choose(st, name, val, verify, N_OF(verify), &choice) != FS_PARSE_OK)
            return FS_PARSE_USAGE;
        t->cfg.no_verify = choice == 1;
        return FS_PARSE_OK;
    case O_TLS_PROFILE:
        if (choose(st, name, val, TLS_PROFILES, N_OF(TLS_PROFILES), &choice) != FS_PARSE_OK)
            return FS_PARSE_USAGE;
        t->cfg.profile = (dq_tls_profile)choice;
        return FS_PARSE_OK;
    default: break;
    }
    /* O_TLS_CA: repeatable */
    return push_word(&t->ca_files, &t->n_ca_files, &t->cap_ca_files, val);
}

/* Once every word is read: the --tls-* options go with --tls, and a build
 * without TLS refuses them all. */
static fs_parse_result check_tls(parse_state *st)
{
    const fs_tls_options *t = &st->o->tls;
    if (!t->enabled && !t->first)
        return FS_PARSE_OK;
    if (!dq_tls_available())
        return usage_error(st->err,
                           "argument %s: this build of findscu has no TLS (built with "
                           "-DDQ_TLS=OFF)",
                           t->enabled ? "--tls" : t->first);
    if (!t->enabled)
        return usage_error(st->err, "argument %s: needs --tls", t->first);
    if (t->cfg.key_file && !t->cfg.cert_file)
        return usage_error(st->err, "argument --tls-key: needs --tls-cert");
    return FS_PARSE_OK;
}

static const char HELP_TLS[] =
    "\n"
    "TLS Options (ours; DICOM over TLS, PS3.15 Annex B):\n"
    "  --tls                 connect with TLS\n"
    "  --tls-cert [f]ile     our certificate, PEM (sent when the peer asks)\n"
    "  --tls-key [f]ile      its private key, PEM (default: in --tls-cert)\n"
    "  --tls-key-password-file [f]ile\n"
    "                        read the private key's password from file f\n"
    "  --tls-ca [f]ile       trust the CA certificates in PEM file f (repeatable;\n"
    "                        default: the system's CAs)\n"
    "  --tls-ca-dir [d]irectory\n"
    "                        trust the CA certificates in hashed directory d\n"
    "  --tls-verify [m]ode   peer (default): the peer's certificate must chain to a\n"
    "                        trusted CA and match addr (or --tls-sni) when it is a\n"
    "                        name; none: accept any certificate\n"
    "  --tls-profile [p]rofile\n"
    "                        bcp195-nd (default, non-downgrading), bcp195 or\n"
    "                        bcp195-ex: the BCP 195 secure transport profiles\n"
    "  --tls-sni [n]ame      server name to send and check (default: addr when it\n"
    "                        is a name)\n"
    "  --tls-crl [f]ile      check the peer's certificate against the PEM CRL f\n";

/* Applies one option; returns FS_PARSE_OK or an error/exit result. */
static fs_parse_result apply(parse_state *st, const opt_def *d, const char *val)
{
    fs_options *o = st->o;
    char name[64];
    opt_name(d, name, sizeof name);

    fs_parse_result r = check_group(st, d, name);
    if (r != FS_PARSE_OK)
        return r;
    char *field = (char *)o + d->dest;
    switch ((enum opt_action)d->action) {
    case A_STORE_TRUE: *(bool *)field = true; return FS_PARSE_OK;
    case A_STORE: *(const char **)field = val; return FS_PARSE_OK;
    case A_LOG_TYPE: o->log_type = (char)d->value; return FS_PARSE_OK;
    case A_MODEL: o->model = (fs_model)d->value; return FS_PARSE_OK;
    case A_OWN: break;
    }
    if (d->id == O_HELP) {
        fs_print_help(st->out);
        return FS_PARSE_EXIT_OK;
    }
    if (d->id == O_KEYWORD)
        return add_keyword(st, val);
    if (d->id == O_LEVEL || d->id == O_KEYS)
        return apply_query_level(st, d, name, val);
    if (d->id >= O_USER && d->id <= O_USER_RESPONSE)
        return apply_identity(st, d, name, val);
    if (d->id >= O_TLS && d->id <= O_TLS_CRL)
        return apply_tls(st, d, name, val);
    if (d->id == O_FORMAT)
        return apply_format(st, name, val);
    if (d->id == O_FILE || (d->id >= O_BATCH && d->id <= O_EXPAND))
        return apply_many(st, d, name, val);
    return apply_number(st, d, name, val);
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
        if (d->id == O_USER_RESPONSE && used[1] == '-')
            return apply(st, d, arg); /* "--opt" or "--opt=value", never the next word */
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
    if (!arg && d->id == O_KEYS)
        arg = "required"; /* argparse nargs='?', const='required' */
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
    o->jobs = o->repeat = 1;
    dq_tls_config_default(&o->tls.cfg);
}

/* -L and --keys against the model: the worklist and UPS have no levels
 * (--keys alone), a Query/Retrieve model needs -L for --keys and has only
 * the levels its tables define (Patient/Study Only: no SERIES, IMAGE). */
static fs_parse_result check_query_level(parse_state *st)
{
    fs_options *o = st->o;
    bool levels = o->model != FS_MODEL_WORKLIST && o->model != FS_MODEL_UPS;
    const dq_query_model *m = dq_query_model_find(fs_model_name(o->model));
    if (o->level && !levels)
        return usage_error(st->err, "argument -L/--level: the %s model has no levels (use --keys)",
                           m ? m->name : "");
    if (o->keys_given && levels && !o->level)
        return usage_error(st->err, "argument --keys: needs -L/--level with -P, -S and -O");
    if (o->level && !dq_query_level_find(m, o->level))
        return usage_error(st->err, "argument -L/--level: the %s model has no %s level",
                           m ? m->name : "", o->level);
    if (o->level)
        o->keys_given = true;
    return FS_PARSE_OK;
}

/* --expand walks a Query/Retrieve model's levels down to one it has. */
static fs_parse_result check_expand(parse_state *st)
{
    const fs_options *o = st->o;
    if (!o->expand)
        return FS_PARSE_OK;
    const dq_query_model *m = dq_query_model_find(fs_model_name(o->model));
    if (o->model == FS_MODEL_WORKLIST || o->model == FS_MODEL_UPS || !m ||
        !dq_query_level_find(m, o->expand))
        return usage_error(st->err, "argument --expand: the %s model has no %s level",
                           m ? m->name : "", o->expand);
    return FS_PARSE_OK;
}

/* What the many-queries options need of each other. */
static fs_parse_result check_many(parse_state *st)
{
    const fs_options *o = st->o;
    const char *needs_batch = o->batch_format ? "--batch-format"
                              : o->ordered    ? "--ordered"
                              : o->resume     ? "--resume"
                                              : NULL;
    if (needs_batch && !o->batch)
        return usage_error(st->err, "argument %s: only with --batch", needs_batch);
    if (o->jobs > 1 && !o->batch && !o->expand)
        return usage_error(st->err, "argument --jobs: only with --batch or --expand");
    if (o->batch && o->n_files > 1)
        return usage_error(st->err, "argument --batch: with at most one -f (the rows' template)");
    if (o->resume && !o->output)
        return usage_error(st->err, "argument --resume: only with --output (the file to resume)");
    if (o->resume && o->format != FS_FORMAT_NDJSON && o->format != FS_FORMAT_CSV &&
        o->format != FS_FORMAT_TSV)
        return usage_error(st->err, "argument --resume: only with --format ndjson, csv or tsv");
    if (o->resume && o->repeat > 1)
        return usage_error(st->err, "argument --resume: not with --repeat");
    return check_expand(st);
}

bool fs_options_many(const fs_options *o)
{
    return o->batch || o->n_files > 1 || o->repeat > 1 || o->count || o->expand;
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
    /* Ours: a level, --keys or a --batch header makes the identifier
     * without -f/-k. */
    if (!o->file && o->n_keywords == 0 && !o->level && !o->keys_given && !o->batch)
        return usage_error(st->err, "-f and/or -k must be specified");
    fs_parse_result r = check_query_level(st);
    if (r == FS_PARSE_OK)
        r = check_identity(st);
    if (r == FS_PARSE_OK)
        r = check_tls(st);
    if (r != FS_PARSE_OK)
        return r;
    /* Ours: what --output and --columns need (parser.error, as argparse
     * scripts report such combinations). */
    if (o->output && o->format == FS_FORMAT_NONE)
        return usage_error(st->err, "argument --output: only with --format (the -w folder is "
                                    "-od/--output-directory)");
    if (o->columns && o->format != FS_FORMAT_CSV && o->format != FS_FORMAT_TSV)
        return usage_error(st->err, "argument --columns: only with --format csv or tsv");
    return check_many(st);
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
    free(o->tls.ca_files);
    o->tls.ca_files = NULL;
    free(o->files);
    o->files = NULL;
    o->n_files = 0;
    o->n_keywords = 0;
}

/* Each fs_model's SOP Class (PS3.4 C.6 and K.6, CC.2) and the name of its
 * generated query model, in fs_model order. */
static const struct {
    const char *uid, *name;
} MODELS[] = {
    [FS_MODEL_PATIENT] = {DQ_UID_PatientRootQueryRetrieveInformationModelFind, "Patient Root"},
    [FS_MODEL_STUDY] = {DQ_UID_StudyRootQueryRetrieveInformationModelFind, "Study Root"},
    [FS_MODEL_PSONLY] = {DQ_UID_PatientStudyOnlyQueryRetrieveInformationModelFind,
                         "Patient/Study Only"},
    [FS_MODEL_WORKLIST] = {DQ_UID_ModalityWorklistInformationModelFind, "Modality Worklist"},
    [FS_MODEL_UPS] = {DQ_UID_UnifiedProcedureStepPull, "Unified Procedure Step"},
};
_Static_assert(N_OF(MODELS) == FS_MODEL_UPS + 1, "a row for every fs_model");

const char *fs_model_uid(fs_model m)
{
    return MODELS[(size_t)m < N_OF(MODELS) ? m : FS_MODEL_PATIENT].uid;
}

const char *fs_model_name(fs_model m)
{
    return MODELS[(size_t)m < N_OF(MODELS) ? m : FS_MODEL_PATIENT].name;
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
    "Query by Level Options (PS3.4 key tables):\n"
    "  -L [l]evel, --level [l]evel\n"
    "                        query at level l (PATIENT, STUDY, SERIES, IMAGE):\n"
    "                        sets QueryRetrieveLevel and adds the level's keys\n"
    "                        (not with -W or -U)\n"
    "  --keys [k]eys         the keys -L (or, with -W and -U, --keys alone) adds:\n"
    "                        required (the default: unique and required keys;\n"
    "                        -W, -U: Type 1 and 2 return keys) or all (every\n"
    "                        key the level's table lists)\n"
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

static const char HELP_MANY[] =
    "\n"
    "Many Queries Options (README \"Many queries at once\"):\n"
    "  --batch [p]ath        one C-FIND per row of the CSV/TSV file p (- for stdin)\n"
    "                        whose header names query keys as -k does; -f/-k give\n"
    "                        the template the row's non-empty cells override\n"
    "  --batch-format {csv,tsv}\n"
    "                        the --batch file's format (default: TSV when the header\n"
    "                        holds a tab, else CSV)\n"
    "  --jobs [n]            run the batch or the --expand walk on n associations\n"
    "                        in parallel (1-16, default 1)\n"
    "  --ordered             with --jobs: write the rows in input order\n"
    "  --resume              skip the rows already complete in --output (ndjson,\n"
    "                        csv, tsv) and append the others\n"
    "  --cancel [n]          send C-CANCEL after n pending responses of each query\n"
    "  --count               output only the number of matches of each query\n"
    "  --repeat [n]          send each query n times\n"
    "  --abort               end the association with A-ABORT, not A-RELEASE\n"
    "  --strict              exit 3 when a query ends in Failure (or a Cancel not\n"
    "                        asked for with --cancel) or gets no final response\n"
    "  --expand {series,image}\n"
    "                        after a PATIENT or STUDY query, one query a level\n"
    "                        down per match, down to SERIES or IMAGE, on the same\n"
    "                        association or the --jobs ones (the level's keys as\n"
    "                        -L adds them)\n";

void fs_print_help(FILE *out)
{
    fputs(HELP_HEAD, out);
    fprintf(out,
            "                        (below %lu bytes a C-FIND response must be split:\n"
            "                        a warning is printed)\n",
            fs_min_response_pdu());
    fputs(HELP_TAIL, out);
    fputs(HELP_IDENTITY, out);
    fputs(HELP_TLS, out);
    fputs(HELP_MANY, out);
}
