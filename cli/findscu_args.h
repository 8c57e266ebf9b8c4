/* findscu: command-line parsing compatible with pynetdicom's argparse parser.
 *
 * The rules reproduced (see docs/findscu-behaviour.md section 1): options
 * before/after/between the positionals, "--" ends options, "--opt=value",
 * "-kVALUE" and "-k=VALUE", combined single-letter flags ("-wS"), unique
 * prefixes of options (allow_abbrev), mutually exclusive groups, type
 * conversions with argparse's messages, exit status 2 on bad usage. */
#ifndef FINDSCU_ARGS_H
#define FINDSCU_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <dq/tls.h>

/* Log levels use Python's numbers so -ll maps one to one. */
enum {
    FS_LEVEL_DEBUG = 10,
    FS_LEVEL_INFO = 20,
    FS_LEVEL_WARNING = 30,
    FS_LEVEL_ERROR = 40,
    FS_LEVEL_CRITICAL = 50,
};

typedef enum fs_model {
    FS_MODEL_PATIENT = 0, /* -P, default */
    FS_MODEL_STUDY,       /* -S */
    FS_MODEL_PSONLY,      /* -O */
    FS_MODEL_WORKLIST,    /* -W */
    FS_MODEL_UPS,         /* -U */
} fs_model;

/* --user-response: not given, given (a positive response requested; a
 * missing one is a warning), or =required (a missing one fails). */
typedef enum fs_user_response {
    FS_USER_RESPONSE_NONE = 0,
    FS_USER_RESPONSE_REQUESTED,
    FS_USER_RESPONSE_REQUIRED,
} fs_user_response;
/* The --tls options (README "Secure connections"); file names point into argv. */
typedef struct fs_tls_options {
    bool enabled; /* --tls */
    /* --tls-cert, --tls-key, --tls-ca-dir, --tls-verify, --tls-profile,
     * --tls-sni and --tls-crl, as the library takes them; the CA files,
     * the key password and the handshake timeout are set on connecting. */
    dq_tls_config cfg;
    const char *key_password_file; /* --tls-key-password-file */
    const char **ca_files;         /* --tls-ca, repeatable, in order */
    size_t n_ca_files, cap_ca_files;
    const char *first; /* the first --tls-* option other than --tls (for "needs --tls") */
} fs_tls_options;
/* --format: how the matches are written (FS_FORMAT_NONE: only the log). */
typedef enum fs_format {
    FS_FORMAT_NONE = 0,
    FS_FORMAT_JSON,
    FS_FORMAT_NDJSON,
    FS_FORMAT_CSV,
    FS_FORMAT_TSV,
    FS_FORMAT_XML,
} fs_format;

typedef struct fs_options {
    const char *addr;
    long port;
    bool version;
    char log_type; /* 'q', 'v' (default) or 'd' */
    int log_level; /* -ll as an FS_LEVEL_*, 0 when not given */
    const char *calling_aet;
    const char *called_aet;
    double acse_timeout, dimse_timeout, network_timeout;
    long max_pdu;
    fs_model model;
    const char **keywords; /* -k values in order (pointers into argv) */
    size_t n_keywords;
    const char *file; /* -f or NULL */
    bool write;
    const char *output_dir; /* --output-directory or NULL (the working directory) */
    bool relational_query, dt_matching, fuzzy_names, timezone_adj, enhanced_conversion;
    /* Ours: query by level (findscu_keys.c). */
    const char *level; /* -L/--level: PATIENT, STUDY, SERIES, IMAGE; NULL when not given */
    bool keys_given;   /* --keys given (or -L, which implies --keys required) */
    bool keys_all;     /* --keys all: every key the table lists, not only U+R / Type 1+2 */
    /* User Identity Negotiation (ours, PS3.7 D.3.3.7): at most one of user,
     * kerberos_file, saml_file, jwt, jwt_file; password/password_file only
     * with user. Files are read by findscu_identity.c. */
    const char *user, *password, *password_file, *kerberos_file, *saml_file, *jwt, *jwt_file;
    fs_user_response user_response;
    fs_tls_options tls;
    fs_format format;    /* --format */
    const char *output;  /* --output PATH, NULL: standard output */
    const char *columns; /* --columns A,B,Seq[0].C (CSV/TSV), NULL: the query's keys */
    /* Many queries (findscu_batch.c; README "Many queries at once"). */
    const char **files; /* every -f in order (file is the first); several: one C-FIND each */
    size_t n_files, cap_files;
    const char *batch;  /* --batch PATH ("-": standard input) */
    int batch_format;   /* --batch-format: 0 detect, 1 csv, 2 tsv (fs_batch_format's order) */
    long jobs;          /* --jobs N (1..FS_JOBS_MAX), default 1 */
    bool ordered;       /* --ordered */
    bool resume;        /* --resume */
    long cancel_after;  /* --cancel N: C-CANCEL after N pending responses; 0: never */
    bool count;         /* --count */
    long repeat;        /* --repeat N, default 1 */
    bool abort;         /* --abort: A-ABORT instead of A-RELEASE */
    bool strict;        /* --strict: a failed query makes the exit status 3 */
    const char *expand; /* --expand: "SERIES" or "IMAGE" (the level to walk down to), NULL */
} fs_options;

/* --jobs at most (parallel associations). */
#define FS_JOBS_MAX 16

/* More than one C-FIND (or --count's records): the batch runner's work. */
bool fs_options_many(const fs_options *o);

typedef enum fs_parse_result {
    FS_PARSE_OK = 0,
    FS_PARSE_EXIT_OK, /* -h printed: exit 0 */
    FS_PARSE_USAGE,   /* usage error printed: exit 2 */
    FS_PARSE_NOMEM,
} fs_parse_result;

/* Parses argv[1..argc-1] into *o (fs_options_free releases it). Help goes to
 * `out`, usage errors (usage line + "findscu: error: ...") to `err`. */
fs_parse_result fs_parse_args(int argc, char **argv, fs_options *o, FILE *out, FILE *err);
void fs_options_free(fs_options *o);

/* The smallest -pdu that leaves a peer room for a C-FIND response's command
 * in one PDV (derived in findscu_args.c); 0 (unlimited) is always fine. */
unsigned long fs_min_response_pdu(void);

/* The help text printed by -h. */
void fs_print_help(FILE *out);

/* UID of the query model's FIND SOP class. */
const char *fs_model_uid(fs_model m);
/* The model's name in the generated PS3.4 key tables (dq/query_keys.h). */
const char *fs_model_name(fs_model m);

#endif
