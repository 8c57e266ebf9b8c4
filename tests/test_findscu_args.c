/* findscu's command-line parser against argparse's behaviour
 * (docs/findscu-behaviour.md section 1). */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dq/tls.h>

#include "findscu_args.h"
#include "findscu_identity.h"

typedef struct parsed {
    fs_parse_result r;
    fs_options o;
    char out[8192];
    char err[2048];
} parsed;

/* Parses a NULL-terminated list of words (argv[0] is added). */
static parsed *parse(const char *first, ...)
{
    static parsed p;
    static char *argv[64];
    int argc = 0;
    argv[argc++] = "findscu";
    va_list ap;
    va_start(ap, first);
    for (const char *w = first; w && argc < 63; w = va_arg(ap, const char *))
        argv[argc++] = (char *)w;
    va_end(ap);
    argv[argc] = NULL;
    fs_options_free(&p.o);
    memset(&p, 0, sizeof p);
    FILE *out = fmemopen(p.out, sizeof p.out - 1, "w");
    FILE *err = fmemopen(p.err, sizeof p.err - 1, "w");
    cr_assert(out && err);
    p.r = fs_parse_args(argc, argv, &p.o, out, err);
    fclose(out);
    fclose(err);
    return &p;
}

static void expect_error(parsed *p, const char *message)
{
    char want[1024];
    snprintf(want, sizeof want, "usage: findscu [options] addr port\nfindscu: error: %s\n",
             message);
    cr_assert_eq(p->r, FS_PARSE_USAGE, "expected a usage error for: %s", message);
    cr_assert_str_eq(p->err, want);
}

Test(findscu_args, defaults)
{
    parsed *p = parse("127.0.0.1", "11112", "-k", "PatientName=", NULL);
    cr_assert_eq(p->r, FS_PARSE_OK);
    cr_assert_str_eq(p->o.addr, "127.0.0.1");
    cr_assert_eq(p->o.port, 11112);
    cr_assert_str_eq(p->o.calling_aet, "FINDSCU");
    cr_assert_str_eq(p->o.called_aet, "ANY-SCP");
    cr_assert_eq(p->o.max_pdu, 16382);
    cr_assert_float_eq(p->o.acse_timeout, 30.0, 1e-9);
    cr_assert_float_eq(p->o.dimse_timeout, 30.0, 1e-9);
    cr_assert_float_eq(p->o.network_timeout, 30.0, 1e-9);
    cr_assert_eq(p->o.log_type, 'v');
    cr_assert_eq(p->o.log_level, 0);
    cr_assert_eq(p->o.model, FS_MODEL_PATIENT);
    cr_assert_eq(p->o.n_keywords, 1);
    cr_assert_str_eq(p->o.keywords[0], "PatientName=");
    cr_assert_not(p->o.write);
    cr_assert_null(p->o.file);
}

Test(findscu_args, options_before_between_after_positionals)
{
    parsed *p = parse("-S", "host", "-k", "A=1", "104", "-aet", "ME", "-k", "B=", NULL);
    cr_assert_eq(p->r, FS_PARSE_OK);
    cr_assert_str_eq(p->o.addr, "host");
    cr_assert_eq(p->o.port, 104);
    cr_assert_str_eq(p->o.calling_aet, "ME");
    cr_assert_eq(p->o.model, FS_MODEL_STUDY);
    cr_assert_eq(p->o.n_keywords, 2);
    cr_assert_str_eq(p->o.keywords[1], "B=");
}

Test(findscu_args, value_forms)
{
    parsed *p =
        parse("h", "1", "--calling-aet=AAA", "-aecBBB", "-kPatientID=1", "-k=X=2", "--keyword",
              "Y=", "-ta", "1.5", "-td=0.25", "--network-timeout", "1e1", "-pdu", "0", NULL);
    /* -aecBBB is not a split form for a 4-letter option: argparse reports it. */
    expect_error(p, "unrecognized arguments: -aecBBB");
    p = parse("h", "1", "--calling-aet=AAA", "-kPatientID=1", "-k=X=2", "--keyword", "Y=", "-ta",
              "1.5", "-td=0.25", "--network-timeout", "1e1", "-pdu", "0", NULL);
    cr_assert_eq(p->r, FS_PARSE_OK, "%s", p->err);
    cr_assert_str_eq(p->o.calling_aet, "AAA");
    cr_assert_eq(p->o.n_keywords, 3);
    cr_assert_str_eq(p->o.keywords[0], "PatientID=1");
    cr_assert_str_eq(p->o.keywords[1], "X=2");
    cr_assert_str_eq(p->o.keywords[2], "Y=");
    cr_assert_float_eq(p->o.acse_timeout, 1.5, 1e-9);
    cr_assert_float_eq(p->o.dimse_timeout, 0.25, 1e-9);
    cr_assert_float_eq(p->o.network_timeout, 10.0, 1e-9);
    cr_assert_eq(p->o.max_pdu, 0);
}

Test(findscu_args, combined_flags_and_models)
{
    parsed *p = parse("h", "1", "-wW", "-k", "A=", NULL);
    cr_assert_eq(p->r, FS_PARSE_OK, "%s", p->err);
    cr_assert(p->o.write);
    cr_assert_eq(p->o.model, FS_MODEL_WORKLIST);
    p = parse("h", "1", "-U", "-k", "A=", NULL);
    cr_assert_eq(p->o.model, FS_MODEL_UPS);
    p = parse("h", "1", "-O", "-k", "A=", NULL);
    cr_assert_eq(p->o.model, FS_MODEL_PSONLY);
    p = parse("h", "1", "--patient", "--patient", "-k", "A=", NULL);
    cr_assert_eq(p->r, FS_PARSE_OK, "repeating the same option is not a conflict");
}

Test(findscu_args, abbreviations)
{
    parsed *p =
        parse("h", "1", "--rel", "--dt", "--fuz", "--time", "--enh", "--wor", "-k", "A=", NULL);
    cr_assert_eq(p->r, FS_PARSE_OK, "%s", p->err);
    cr_assert(p->o.relational_query && p->o.dt_matching && p->o.fuzzy_names && p->o.timezone_adj &&
              p->o.enhanced_conversion);
    cr_assert_eq(p->o.model, FS_MODEL_WORKLIST);
    p = parse("h", "1", "--log=debug", "-pd", "100", "-k", "A=", NULL);
    cr_assert_eq(p->r, FS_PARSE_OK, "%s", p->err);
    cr_assert_eq(p->o.log_level, FS_LEVEL_DEBUG);
    cr_assert_eq(p->o.max_pdu, 100);
    expect_error(parse("h", "1", "--call", "X", "-k", "A=", NULL),
                 "ambiguous option: --call could match --calling-aet, --called-aet");
    expect_error(parse("h", "1", "-ae", "X", "-k", "A=", NULL),
                 "ambiguous option: -ae could match -aet, -aec");
    expect_error(parse("h", "1", "-t", "1", "-k", "A=", NULL),
                 "ambiguous option: -t could match -ta, -td, -tn");
    expect_error(parse("h", "1", "--ver", "-k", "A=", NULL),
                 "ambiguous option: --ver could match --version, --verbose");
}

/* Ours: --output-directory / -od (DCMTK's). Since --output exists, it is
 * that option (an exact match wins) and "--o" to "--outpu" match both, as
 * argparse decides; "-o" and "--output-" still abbreviate -od. */
Test(findscu_args, output_directory)
{
    parsed *p = parse("h", "1", "-k", "A=", NULL);
    cr_assert_null(p->o.output_dir);
    static const char *const forms[][2] = {
        {"--output-directory", "d"},
        {"-od", "d"},
        {"-o", "d"},
        {"--output-", "d"},
        {"--output-directory=d", NULL},
        {"-od=d", NULL},
        {"--output-dir=d", NULL},
    };
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        p = parse("h", "1", "-w", forms[i][0], forms[i][1], "-k", "A=", NULL);
        if (!forms[i][1])
            p = parse("h", "1", "-w", forms[i][0], "-k", "A=", NULL);
        cr_assert_eq(p->r, FS_PARSE_OK, "%s: %s", forms[i][0], p->err);
        cr_assert_str_eq(p->o.output_dir, "d", "%s", forms[i][0]);
        cr_assert(p->o.write);
    }
    expect_error(parse("h", "1", "-k", "A=", "--output-directory", NULL),
                 "argument -od/--output-directory: expected one argument");
    static const char *const ambiguous[] = {"--o", "--out", "--outpu"};
    for (size_t i = 0; i < sizeof ambiguous / sizeof ambiguous[0]; i++) {
        char want[128];
        /* "--o" is also the start of --ordered (ours, after --output). */
        snprintf(want, sizeof want,
                 "ambiguous option: %s could match --output-directory, --output%s", ambiguous[i],
                 i == 0 ? ", --ordered" : "");
        expect_error(parse("h", "1", "-w", ambiguous[i], "d", "-k", "A=", NULL), want);
    }
    /* What --output meant before --format existed is now a usage error, not
     * a silently different folder. */
    expect_error(parse("h", "1", "-w", "--output", "d", "-k", "A=", NULL),
                 "argument --output: only with --format (the -w folder is "
                 "-od/--output-directory)");
    p = parse("-h", NULL);
    cr_assert(strstr(p->out, "  -od [d]irectory, --output-directory [d]irectory\n"), "%s", p->out);
}

/* Ours: the User Identity options (PS3.7 D.3.3.7). One identity, a
 * password only with --user, --user-response never takes the next word,
 * and every abbreviation pynetdicom's findscu accepts keeps its meaning. */
Test(findscu_args, user_identity)
{
    parsed *p = parse("h", "1", "-k", "A=", NULL);
    cr_assert_null(p->o.user);
    cr_assert_eq(p->o.user_response, FS_USER_RESPONSE_NONE);
    p = parse("h", "1", "-k", "A=", "--user", "alice", "--password-file", "pw", "--user-response",
              NULL);
    cr_assert_eq(p->r, FS_PARSE_OK, "%s", p->err);
    cr_assert_str_eq(p->o.user, "alice");
    cr_assert_str_eq(p->o.password_file, "pw");
    cr_assert_eq(p->o.user_response, FS_USER_RESPONSE_REQUESTED);
    /* the flag leaves the next word alone: here the address */
    p = parse("--jwt=a.b.c", "--user-response", "h", "1", "-k", "A=", NULL);
    cr_assert_eq(p->r, FS_PARSE_OK, "%s", p->err);
    cr_assert_str_eq(p->o.addr, "h");
    cr_assert_str_eq(p->o.jwt, "a.b.c");
    p = parse("h", "1", "-k", "A=", "--saml", "s.xml", "--user-response=required", NULL);
    cr_assert_eq(p->r, FS_PARSE_OK, "%s", p->err);
    cr_assert_str_eq(p->o.saml_file, "s.xml");
    cr_assert_eq(p->o.user_response, FS_USER_RESPONSE_REQUIRED);
    p = parse("h", "1", "-k", "A=", "--kerb", "t", "--user-r", NULL);
    cr_assert_eq(p->r, FS_PARSE_OK, "%s", p->err);
    cr_assert_str_eq(p->o.kerberos_file, "t");
    /* pynetdicom's abbreviations: --k is --keyword, --s --study, --pa
     * --patient, --u --ups, whatever we added */
    p = parse("h", "1", "--k", "A=", "--s", NULL);
    cr_assert_eq(p->r, FS_PARSE_OK, "%s", p->err);
    cr_assert_eq(p->o.n_keywords, 1);
    cr_assert_eq(p->o.model, FS_MODEL_STUDY);
    p = parse("h", "1", "--ke", "A=", "--u", NULL);
    cr_assert_eq(p->r, FS_PARSE_OK, "%s", p->err);
    cr_assert_eq(p->o.model, FS_MODEL_UPS);
    p = parse("h", "1", "-k", "A=", "--pa", NULL);
    cr_assert_eq(p->r, FS_PARSE_OK, "%s", p->err);
    cr_assert_eq(p->o.model, FS_MODEL_PATIENT);
    expect_error(parse("h", "1", "-k", "A=", "--pass", "x", NULL),
                 "ambiguous option: --pass could match --password, --password-file");
    expect_error(parse("h", "1", "-k", "A=", "--user", "a", "--jwt", "t", NULL),
                 "argument --jwt: not allowed with argument --user");
    expect_error(parse("h", "1", "-k", "A=", "--saml", "s", "--kerberos", "k", NULL),
                 "argument --kerberos: not allowed with argument --saml");
    expect_error(
        parse("h", "1", "-k", "A=", "--user", "a", "--password", "p", "--password-file", "f", NULL),
        "argument --password-file: not allowed with argument --password");
    expect_error(parse("h", "1", "-k", "A=", "--password", "p", NULL),
                 "argument --password: only with --user");
    expect_error(parse("h", "1", "-k", "A=", "--user-response", NULL),
                 "argument --user-response: only with --user, --kerberos, --saml, --jwt or "
                 "--jwt-file");
    expect_error(parse("h", "1", "-k", "A=", "--user", "a", "--user-response=yes", NULL),
                 "argument --user-response: invalid choice: 'yes' (choose from 'required')");
    expect_error(parse("h", "1", "-k", "A=", "--user", NULL),
                 "argument --user: expected one argument");
    p = parse("-h", NULL);
    cr_assert(strstr(p->out, "User Identity Options"), "%s", p->out);
    cr_assert(strstr(p->out, "  --user-response[=required]\n"), "%s", p->out);
}

/* --password and --jwt leave argv (ps shows it) once copied. */
Test(findscu_args, secrets_leave_argv)
{
    char pw[] = "s3cret", token[] = "e30.e30.x";
    fs_options o;
    memset(&o, 0, sizeof o);
    o.user = "alice";
    o.password = pw;
    fs_identity id;
    cr_assert_eq(fs_identity_load(&o, &id), 0);
    cr_assert_str_eq(pw, "xxxxxx");
    const dq_assoc_user_identity *u = fs_identity_get(&id);
    cr_assert_not_null(u);
    cr_assert_eq(u->type, DQ_USER_IDENTITY_USERNAME_PASSCODE);
    cr_assert_eq(u->secondary_len, 6);
    cr_assert_eq(memcmp(u->secondary, "s3cret", 6), 0);
    cr_assert_eq(u->primary_len, 5);
    fs_identity_free(&id);
    cr_assert_null(fs_identity_get(&id));

    memset(&o, 0, sizeof o);
    o.jwt = token;
    o.user_response = FS_USER_RESPONSE_REQUIRED;
    cr_assert_eq(fs_identity_load(&o, &id), 0);
    cr_assert_str_eq(token, "xxxxxxxxx");
    u = fs_identity_get(&id);
    cr_assert_eq(u->type, DQ_USER_IDENTITY_JWT);
    cr_assert_eq(u->response, DQ_USER_RESPONSE_REQUIRED);
    cr_assert_eq(memcmp(u->primary, "e30.e30.x", 9), 0);
    fs_identity_free(&id);
}

/* Ours: --format, --output, --columns. */
Test(findscu_args, results_as_data)
{
    parsed *p = parse("h", "1", "-k", "A=", NULL);
    cr_assert_eq(p->o.format, FS_FORMAT_NONE);
    cr_assert_null(p->o.output);
    cr_assert_null(p->o.columns);
    static const struct {
        const char *name;
        fs_format f;
    } fmts[] = {{"json", FS_FORMAT_JSON},
                {"ndjson", FS_FORMAT_NDJSON},
                {"csv", FS_FORMAT_CSV},
                {"tsv", FS_FORMAT_TSV},
                {"xml", FS_FORMAT_XML}};
    for (size_t i = 0; i < sizeof fmts / sizeof fmts[0]; i++) {
        p = parse("h", "1", "--format", fmts[i].name, "-k", "A=", NULL);
        cr_assert_eq(p->r, FS_PARSE_OK, "%s", p->err);
        cr_assert_eq(p->o.format, fmts[i].f);
    }
    p = parse("--format=csv", "h", "--columns", "PatientName,(0010,0020)", "1", "--output", "x.csv",
              "-k", "A=", NULL);
    cr_assert_eq(p->r, FS_PARSE_OK, "%s", p->err);
    cr_assert_eq(p->o.format, FS_FORMAT_CSV);
    cr_assert_str_eq(p->o.columns, "PatientName,(0010,0020)");
    cr_assert_str_eq(p->o.output, "x.csv");
    /* Unique prefixes. */
    p = parse("h", "1", "--fo", "tsv", "--col", "A", "-k", "A=", NULL);
    cr_assert_eq(p->r, FS_PARSE_OK, "%s", p->err);
    cr_assert_eq(p->o.format, FS_FORMAT_TSV);
    cr_assert_str_eq(p->o.columns, "A");
    expect_error(parse("h", "1", "--format", "yaml", "-k", "A=", NULL),
                 "argument --format: invalid choice: 'yaml' (choose from 'json', 'ndjson', "
                 "'csv', 'tsv', 'xml')");
    expect_error(parse("h", "1", "--format", "CSV", "-k", "A=", NULL),
                 "argument --format: invalid choice: 'CSV' (choose from 'json', 'ndjson', "
                 "'csv', 'tsv', 'xml')");
    expect_error(parse("h", "1", "--format", "-k", "A=", NULL),
                 "argument --format: expected one argument");
    expect_error(parse("h", "1", "--columns", "A", "-k", "A=", NULL),
                 "argument --columns: only with --format csv or tsv");
    expect_error(parse("h", "1", "--format", "json", "--columns", "A", "-k", "A=", NULL),
                 "argument --columns: only with --format csv or tsv");
    expect_error(parse("h", "1", "--output", "f", "-k", "A=", NULL),
                 "argument --output: only with --format (the -w folder is "
                 "-od/--output-directory)");
    /* Their own group in the help. */
    p = parse("-h", NULL);
    const char *g = strstr(p->out, "\nResults as Data Options:\n");
    cr_assert_not_null(g, "%s", p->out);
    cr_assert(strstr(g, "  --format {json,ndjson,csv,tsv,xml}\n"), "%s", g);
    cr_assert(strstr(g, "  --output [p]ath "), "%s", g);
    cr_assert(strstr(g, "  --columns [c]olumns "), "%s", g);
}

Test(findscu_args, usage_errors)
{
    expect_error(parse(NULL), "the following arguments are required: addr, port");
    expect_error(parse("-k", "A=", "host", NULL), "the following arguments are required: port");
    expect_error(parse("h", "abc", "-k", "A=", NULL), "argument port: invalid int value: 'abc'");
    expect_error(parse("h", "1", NULL), "-f and/or -k must be specified");
    expect_error(parse("h", "1", "-k", "A=", "-ta", "x", NULL),
                 "argument -ta/--acse-timeout: invalid float value: 'x'");
    expect_error(parse("h", "1", "-k", "A=", "-td", "0x10", NULL),
                 "argument -td/--dimse-timeout: invalid float value: '0x10'");
    expect_error(parse("h", "1", "-k", "A=", "-pdu", "1.5", NULL),
                 "argument -pdu/--max-pdu: invalid int value: '1.5'");
    expect_error(parse("h", "1", "-k", "A=", "-ll", "trace", NULL),
                 "argument -ll/--log-level: invalid choice: 'trace' (choose from 'critical', "
                 "'error', 'warning', 'info', 'debug')");
    expect_error(parse("h", "1", "-k", "A=", "-P", "-S", NULL),
                 "argument -S/--study: not allowed with argument -P/--patient");
    expect_error(parse("h", "1", "-k", "A=", "-q", "-d", NULL),
                 "argument -d/--debug: not allowed with argument -q/--quiet");
    expect_error(parse("h", "1", "-k", "A=", "-aet", NULL),
                 "argument -aet/--calling-aet: expected one argument");
    expect_error(parse("h", "1", "-k", NULL), "argument -k/--keyword: expected one argument");
    expect_error(parse("h", "1", "-k", "A=", "extra", "more", NULL),
                 "unrecognized arguments: extra more");
    expect_error(parse("h", "1", "-k", "A=", "--nope", NULL), "unrecognized arguments: --nope");
    expect_error(parse("h", "1", "-k", "A=", "--quiet=1", NULL),
                 "argument -q/--quiet: ignored explicit argument '1'");
}

Test(findscu_args, verbose_never_conflicts)
{
    /* set_defaults(log_type='v') makes -v's value its default, so argparse
     * never counts it in the -q/-v/-d exclusion: the last one wins. */
    parsed *p = parse("h", "1", "-k", "A=", "-q", "-v", NULL);
    cr_assert_eq(p->r, FS_PARSE_OK, "%s", p->err);
    cr_assert_eq(p->o.log_type, 'v');
    p = parse("h", "1", "-k", "A=", "-d", "-v", NULL);
    cr_assert_eq(p->r, FS_PARSE_OK, "%s", p->err);
    cr_assert_eq(p->o.log_type, 'v');
}

Test(findscu_args, double_dash_and_negative_numbers)
{
    parsed *p = parse("-k", "A=", "-ta", "-1", "--", "host", "104", NULL);
    cr_assert_eq(p->r, FS_PARSE_OK, "%s", p->err);
    cr_assert_float_eq(p->o.acse_timeout, -1.0, 1e-9);
    cr_assert_str_eq(p->o.addr, "host");
    p = parse("-k", "A=", "host", " +104 ", NULL);
    cr_assert_eq(p->r, FS_PARSE_OK, "%s", p->err);
    cr_assert_eq(p->o.port, 104);
}

Test(findscu_args, help_and_version)
{
    parsed *p = parse("-h", NULL);
    cr_assert_eq(p->r, FS_PARSE_EXIT_OK);
    cr_assert(strncmp(p->out, "usage: findscu [options] addr port\n", 35) == 0);
    cr_assert(strstr(p->out, "--relational-query"));
    cr_assert(strstr(p->out, "-U, --ups"));
    /* argparse acts on -h as soon as it is reached: earlier errors win. */
    expect_error(parse("h", "x", "-h", NULL), "argument port: invalid int value: 'x'");
    p = parse("h", "1", "--version", NULL);
    cr_assert_eq(p->r, FS_PARSE_OK);
    cr_assert(p->o.version);
}

Test(findscu_args, model_uids)
{
    cr_assert_str_eq(fs_model_uid(FS_MODEL_PATIENT), "1.2.840.10008.5.1.4.1.2.1.1");
    cr_assert_str_eq(fs_model_uid(FS_MODEL_STUDY), "1.2.840.10008.5.1.4.1.2.2.1");
    cr_assert_str_eq(fs_model_uid(FS_MODEL_PSONLY), "1.2.840.10008.5.1.4.1.2.3.1");
    cr_assert_str_eq(fs_model_uid(FS_MODEL_WORKLIST), "1.2.840.10008.5.1.4.31");
    cr_assert_str_eq(fs_model_uid(FS_MODEL_UPS), "1.2.840.10008.5.1.4.34.6.3");
}

/* Ours: query by level. -L takes a level of the generated PS3.4 tables,
 * --keys required|all (alone: required); neither changes a command line
 * pynetdicom accepts: "--key", "--ke", "--k" still abbreviate --keyword and
 * "--l", "--lo" --log-level, although --keys and --level share them. */
Test(findscu_args, query_level_and_keys)
{
    parsed *p = parse("h", "1", "-k", "A=", NULL);
    cr_assert_null(p->o.level);
    cr_assert(!p->o.keys_given && !p->o.keys_all);

    p = parse("h", "1", "-S", "-L", "STUDY", NULL);
    cr_assert_eq(p->r, FS_PARSE_OK, "%s", p->err);
    cr_assert_str_eq(p->o.level, "STUDY");
    cr_assert(p->o.keys_given && !p->o.keys_all, "-L alone: required keys, no -k needed");
    p = parse("h", "1", "--level=IMAGE", "--keys", "all", NULL);
    cr_assert_eq(p->r, FS_PARSE_OK, "%s", p->err);
    cr_assert_str_eq(p->o.level, "IMAGE");
    cr_assert(p->o.keys_all);
    p = parse("h", "1", "-LSERIES", "--le", "PATIENT", NULL);
    cr_assert_eq(p->r, FS_PARSE_OK, "%s", p->err);
    cr_assert_str_eq(p->o.level, "PATIENT", "the last -L wins");
    p = parse("h", "1", "-W", "--keys", NULL);
    cr_assert_eq(p->r, FS_PARSE_OK, "%s", p->err);
    cr_assert(p->o.keys_given && !p->o.keys_all && !p->o.level);
    p = parse("-U", "--keys", "all", "h", "1", NULL);
    cr_assert_eq(p->r, FS_PARSE_OK, "%s", p->err);
    cr_assert(p->o.keys_all);

    /* pynetdicom's abbreviations keep their meaning */
    static const char *const kw[] = {"--key", "--ke", "--k", "--keyw"};
    for (size_t i = 0; i < 4; i++) {
        p = parse("h", "1", kw[i], "PatientName=", NULL);
        cr_assert_eq(p->r, FS_PARSE_OK, "%s: %s", kw[i], p->err);
        cr_assert_eq(p->o.n_keywords, 1, "%s is --keyword", kw[i]);
        cr_assert(!p->o.keys_given);
    }
    p = parse("h", "1", "--l", "debug", "--lo", "info", "-k", "A=", NULL);
    cr_assert_eq(p->r, FS_PARSE_OK, "%s", p->err);
    cr_assert_eq(p->o.log_level, FS_LEVEL_INFO);
    cr_assert_null(p->o.level);

    expect_error(parse("h", "1", "-L", "study", NULL),
                 "argument -L/--level: invalid choice: 'study' (choose from 'PATIENT', 'STUDY', "
                 "'SERIES', 'IMAGE')");
    expect_error(parse("h", "1", "-L", "STUDY", "--keys", "some", NULL),
                 "argument --keys: invalid choice: 'some' (choose from 'required', 'all')");
    expect_error(parse("h", "1", "-W", "-L", "STUDY", NULL),
                 "argument -L/--level: the Modality Worklist model has no levels (use --keys)");
    expect_error(parse("h", "1", "-S", "--keys", "all", NULL),
                 "argument --keys: needs -L/--level with -P, -S and -O");
    expect_error(parse("h", "1", "-O", "-L", "SERIES", NULL),
                 "argument -L/--level: the Patient/Study Only model has no SERIES level");
    expect_error(parse("h", "1", "-S", "-L", "PATIENT", NULL),
                 "argument -L/--level: the Study Root model has no PATIENT level");
    expect_error(parse("h", "1", "-L", NULL), "argument -L/--level: expected one argument");
}

/* Numbers as Python's int() and float() read them: surrounding spaces and
 * single '_' between digits, nothing else. */
Test(findscu_args, numbers_as_python_reads_them)
{
    parsed *p = parse("h", " 1_04 ", "-k", "A=", "-pdu", "+16_384", "-td", " 2_5.0_0e-1 ", NULL);
    cr_assert_eq(p->r, FS_PARSE_OK, "%s", p->err);
    cr_assert_eq(p->o.port, 104);
    cr_assert_eq(p->o.max_pdu, 16384);
    cr_assert_float_eq(p->o.dimse_timeout, 2.5, 1e-9);
    expect_error(parse("h", "1__0", "-k", "A=", NULL), "argument port: invalid int value: '1__0'");
    expect_error(parse("h", "_10", "-k", "A=", NULL), "argument port: invalid int value: '_10'");
    expect_error(parse("h", "10_", "-k", "A=", NULL), "argument port: invalid int value: '10_'");
    expect_error(parse("h", "1 0", "-k", "A=", NULL), "argument port: invalid int value: '1 0'");
    expect_error(parse("h", "+", "-k", "A=", NULL), "argument port: invalid int value: '+'");
    expect_error(parse("h", "1", "-k", "A=", "-ta", "1._5", NULL),
                 "argument -ta/--acse-timeout: invalid float value: '1._5'");
    expect_error(parse("h", "1", "-k", "A=", "-ta", " ", NULL),
                 "argument -ta/--acse-timeout: invalid float value: ' '");
}

/* The --tls options (ours, README "Secure connections"). */
Test(findscu_args, tls_options)
{
    if (!dq_tls_available()) { /* cmake -DDQ_TLS=OFF: every TLS option says so */
        expect_error(parse("--tls", "h", "1", "-k", "A=", NULL),
                     "argument --tls: this build of findscu has no TLS (built with -DDQ_TLS=OFF)");
        expect_error(parse("--tls-ca", "a.pem", "h", "1", "-k", "A=", NULL),
                     "argument --tls-ca: this build of findscu has no TLS (built with "
                     "-DDQ_TLS=OFF)");
        return;
    }
    parsed *p = parse("h", "1", "-k", "A=", NULL);
    cr_assert_not(p->o.tls.enabled);
    cr_assert_eq(p->o.tls.cfg.profile, DQ_TLS_PROFILE_BCP195_ND);
    cr_assert_not(p->o.tls.cfg.no_verify);
    p = parse("--tls", "--tls-cert", "c.pem", "--tls-key=k.pem", "--tls-key-password-file", "pw",
              "--tls-ca", "a.pem", "--tls-ca", "b.pem", "--tls-ca-dir", "d", "--tls-verify", "none",
              "--tls-profile", "bcp195-ex", "--tls-sni", "pacs", "--tls-crl", "r.crl", "h", "1",
              "-k", "A=", NULL);
    cr_assert_eq(p->r, FS_PARSE_OK, "%s", p->err);
    const fs_tls_options *t = &p->o.tls;
    cr_assert(t->enabled);
    cr_assert_str_eq(t->cfg.cert_file, "c.pem");
    cr_assert_str_eq(t->cfg.key_file, "k.pem");
    cr_assert_str_eq(t->key_password_file, "pw");
    cr_assert_eq(t->n_ca_files, 2);
    cr_assert_str_eq(t->ca_files[0], "a.pem");
    cr_assert_str_eq(t->ca_files[1], "b.pem");
    cr_assert_str_eq(t->cfg.ca_dir, "d");
    cr_assert(t->cfg.no_verify);
    cr_assert_eq(t->cfg.profile, DQ_TLS_PROFILE_BCP195_EX);
    cr_assert_str_eq(t->cfg.sni, "pacs");
    cr_assert_str_eq(t->cfg.crl_file, "r.crl");
    cr_assert_eq(
        parse("--tls", "--tls-profile", "bcp195", "h", "1", "-k", "A=", NULL)->o.tls.cfg.profile,
        DQ_TLS_PROFILE_BCP195);
    cr_assert(strstr(parse("-h", NULL)->out, "--tls-profile [p]rofile"));
}

Test(findscu_args, tls_usage_errors)
{
    expect_error(parse("--tls-c", "x", "h", "1", "-k", "A=", NULL),
                 "ambiguous option: --tls-c could match --tls-cert, --tls-ca, --tls-ca-dir, "
                 "--tls-crl");
    if (!dq_tls_available())
        return; /* the rest needs TLS: tls_options checks what a build without says */
    expect_error(parse("--tls-ca", "a.pem", "h", "1", "-k", "A=", NULL),
                 "argument --tls-ca: needs --tls");
    expect_error(parse("--tls", "--tls-key", "k.pem", "h", "1", "-k", "A=", NULL),
                 "argument --tls-key: needs --tls-cert");
    expect_error(parse("--tls", "--tls-verify", "maybe", "h", "1", "-k", "A=", NULL),
                 "argument --tls-verify: invalid choice: 'maybe' (choose from 'peer', 'none')");
    expect_error(parse("--tls", "--tls-profile", "aes", "h", "1", "-k", "A=", NULL),
                 "argument --tls-profile: invalid choice: 'aes' (choose from 'bcp195-nd', "
                 "'bcp195', 'bcp195-ex')");
}

/* --expand: a choice, a run of many queries, only where the model has the level. */
Test(findscu_args, expand)
{
    parsed *p = parse("h", "1", "-S", "-L", "STUDY", "--expand", "image", NULL);
    cr_assert_eq(p->r, FS_PARSE_OK, "%s", p->err);
    cr_assert_str_eq(p->o.expand, "IMAGE");
    cr_assert(fs_options_many(&p->o), "--expand runs many queries");
    p = parse("h", "1", "-L", "PATIENT", "--expand=series", NULL);
    cr_assert_eq(p->r, FS_PARSE_OK, "%s", p->err);
    cr_assert_str_eq(p->o.expand, "SERIES");
    expect_error(parse("h", "1", "-L", "STUDY", "--expand", "study", NULL),
                 "argument --expand: invalid choice: 'study' (choose from 'series', 'image')");
    expect_error(parse("h", "1", "-O", "-L", "STUDY", "--expand", "series", NULL),
                 "argument --expand: the Patient/Study Only model has no SERIES level");
    expect_error(parse("h", "1", "-W", "-k", "A=", "--expand", "series", NULL),
                 "argument --expand: the Modality Worklist model has no SERIES level");
    /* --jobs: the --expand walk's queries run on the associations too. */
    p = parse("h", "1", "-S", "-L", "STUDY", "--expand", "image", "--jobs", "4", NULL);
    cr_assert_eq(p->r, FS_PARSE_OK, "%s", p->err);
    cr_assert_eq(p->o.jobs, 4);
    expect_error(parse("h", "1", "-S", "-L", "STUDY", "--jobs", "4", NULL),
                 "argument --jobs: only with --batch or --expand");
    expect_error(parse("h", "1", "-S", "-L", "STUDY", "--expand", "image", "--ordered", NULL),
                 "argument --ordered: only with --batch");
}
