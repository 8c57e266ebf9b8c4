/* findscu's command-line parser against argparse's behaviour
 * (docs/findscu-behaviour.md section 1). */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "findscu_args.h"

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
        snprintf(want, sizeof want, "ambiguous option: %s could match --output-directory, --output",
                 ambiguous[i]);
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
