/* findscu's User Identity Negotiation (PS3.7 D.3.3.7) end to end against
 * the scripted SCP: the sub-item bytes of every identity type, written here
 * by hand from PS3.7 Table D.3-14 (never from our encoder), the
 * A-ASSOCIATE-AC's response (Table D.3-15) parsed and shown, a missing
 * response with and without --user-response=required, and no secret in any
 * log line, -d included. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_run.h"
#include "tmp_path.h"

#define QUERY_SCRIPT "accept\nrecv-msg\nfind-rsp 0x0000\nrelease\nwait-close\n"

/* A directory of input files for one test (removed by files_free). */
typedef struct files {
    char dir[128];
    char path[4][192];
    int n;
} files;

static void files_init(files *f)
{
    memset(f, 0, sizeof *f);
    cr_assert_not_null(dq_test_tmp_template(f->dir, sizeof f->dir, "dq-uid"));
    cr_assert_not_null(mkdtemp(f->dir));
}

/* Writes n bytes to a new file; returns its path. */
static const char *file_with(files *f, const char *name, const void *bytes, size_t n)
{
    cr_assert_lt(f->n, 4);
    char *p = f->path[f->n++];
    char path[sizeof f->path[0]];
    snprintf(path, sizeof path, "%s/%s", f->dir, name);
    memcpy(p, path, sizeof path);
    FILE *fp = fopen(p, "wb");
    cr_assert_not_null(fp);
    cr_assert_eq(fwrite(bytes, 1, n, fp), n);
    fclose(fp);
    return p;
}

static void files_free(files *f)
{
    for (int i = 0; i < f->n; i++)
        unlink(f->path[i]);
    rmdir(f->dir);
}

static bool ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), m = strlen(tail);
    return n >= m && strcmp(s + n - m, tail) == 0;
}

/* One query with args; the A-ASSOCIATE-RQ must end with the User Identity
 * sub-item `want` (hex: it is the last sub-item of the last item), which the
 * peer also saw as its own sub-item 58H. */
static void expect_sub_item(const char *const *args, const char *want, peer *p, result *r)
{
    simple(p, r, NULL, args);
    cr_expect_eq(r->status, 0, "%s", r->err);
    const char *rq = get(p, "rq_hex", 0);
    cr_assert_not_null(rq, "no A-ASSOCIATE-RQ recorded: %s", p->record);
    cr_expect(ends_with(rq, want), "sub-item %s not at the end of the RQ %s", want, rq);
    /* the peer's own reading of it: the value after the 4-byte header */
    cr_expect_str_eq(get(p, "user_item_58", 0), want + 8);
}

/* PS3.7 Table D.3-14: 58H, 00H, Item-length (2 bytes), User-Identity-Type,
 * Positive-response-requested, Primary-field-length (2), Primary-field,
 * Secondary-field-length (2), Secondary-field. */
Test(cli_user_identity, sub_item_bytes_for_each_type)
{
    files f;
    files_init(&f);
    static const uint8_t ticket[] = {0x60, 0x03, 0x02, 0x01, 0x05};
    const char *krb = file_with(&f, "ticket", ticket, sizeof ticket);
    /* a SAML assertion goes byte for byte, its line end included */
    const char *saml = file_with(&f, "assertion.xml", "<a/>\n", 5);
    /* a JWT file loses its line end: a token has no white space */
    const char *jwt = file_with(&f, "token", "e30.e30.x\n", 10);
    /* Each: 58H 00H, Item-length, type, Positive-response-requested,
     * Primary-field-length, primary field, Secondary-field-length,
     * secondary field (hex, fields separated in the comment). */
    const struct {
        const char *a[8];
        const char *want;
    } cases[] = {
        /* 5800 000b | 01 | 00 | 0005 "alice" | 0000 */
        {{"-k", "PatientName=", "--user", "alice", NULL}, "5800000b01000005616c6963650000"},
        /* 5800 0011 | 02 | 01 | 0005 "alice" | 0006 "s3cret" */
        {{"-k", "PatientName=", "--user", "alice", "--password", "s3cret", "--user-response", NULL},
         "5800001102010005616c6963650006733363726574"},
        /* 5800 000b | 03 | 00 | 0005 the ticket's five bytes | 0000 */
        {{"-k", "PatientName=", "--kerberos", krb, NULL}, "5800000b0300000560030201050000"},
        /* 5800 000b | 04 | 01 | 0005 "<a/>\n" | 0000 */
        {{"-k", "PatientName=", "--saml", saml, "--user-response", NULL},
         "5800000b040100053c612f3e0a0000"},
        /* 5800 000f | 05 | 00 | 0009 "e30.e30.x" | 0000, from argv and from the file */
        {{"-k", "PatientName=", "--jwt", "e30.e30.x", NULL},
         "5800000f050000096533302e6533302e780000"},
        {{"-k", "PatientName=", "--jwt-file", jwt, NULL}, "5800000f050000096533302e6533302e780000"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        peer p;
        result r;
        expect_sub_item(cases[i].a, cases[i].want, &p, &r);
        result_free(&r);
        peer_free(&p);
    }
    /* without an identity option there is no such sub-item */
    peer p;
    result r;
    const char *none[] = {"-k", "PatientName=", NULL};
    simple(&p, &r, NULL, none);
    cr_expect_null(get(&p, "user_item_58", 0));
    result_free(&r);
    peer_free(&p);
    files_free(&f);
}

/* A query the peer answers with success: findscu must exit 0 and report
 * it. Returns findscu's stderr (free it). */
static char *query_ok(const char *extra_script, const char *const *args)
{
    peer p;
    result r;
    simple(&p, &r, extra_script, args);
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect(strstr(r.err, "I: Find SCP Result: 0x0000 (Success)\n"), "%s", r.err);
    char *err = r.err;
    r.err = NULL;
    result_free(&r);
    peer_free(&p);
    return err;
}

/* The passcode's first line only; at -d neither the password nor its bytes
 * appear in any line, only its length. */
Test(cli_user_identity, password_never_logged)
{
    files f;
    files_init(&f);
    const char *pw = file_with(&f, "pw", "pw\r\nsecond line\n", 17);
    peer p;
    result r;
    const char *a1[] = {"-d", "-k", "PatientName=", "--user", "bob", "--password-file", pw, NULL};
    /* 58H 00H length 000b, type 02, no response 00, "bob", passcode "pw" */
    expect_sub_item(a1, "5800000b02000003626f6200027077", &p, &r);
    cr_expect(strstr(r.err, "D: Requested User Identity Negotiation:\n"
                            "D:   Authentication Mode: 2 - Username as a string in UTF-8 and "
                            "passcode\n"
                            "D:   Username: [bob]\n"
                            "D:   Password (not dumped) length: 2\n"
                            "D:   Positive Response requested: None\n"),
              "%s", r.err);
    cr_expect_null(strstr(r.err, "second line"));
    result_free(&r);
    peer_free(&p);

    const char *a2[] = {"-d",    "-k",         "PatientName=", "--user",
                        "alice", "--password", "s3cret",       NULL};
    char *err = query_ok(NULL, a2);
    cr_expect(strstr(err, "D:   Password (not dumped) length: 6\n"), "%s", err);
    cr_expect_null(strstr(err, "s3cret"), "password in stderr");
    cr_expect_null(strstr(err, "733363726574"), "password bytes in stderr");
    free(err);

    /* tokens and tickets: their length only */
    const char *a3[] = {"-d", "-k", "PatientName=", "--jwt", "e30.e30.sig", NULL};
    err = query_ok(NULL, a3);
    cr_expect(strstr(err, "D:   Authentication Mode: 5 - JSON Web Token (JWT)\n"
                          "D:   JSON Web Token (JWT) (not dumped) length: 11\n"),
              "%s", err);
    cr_expect_null(strstr(err, "e30.e30.sig"));
    free(err);
    files_free(&f);
}

/* PS3.7 Table D.3-15: 59H, 00H, Item-length, Server-response-length,
 * Server-response. Shown at -d (its length); no warning. */
Test(cli_user_identity, response_parsed_and_shown)
{
    const char *args[] = {"-d", "-k", "PatientName=", "--user", "alice", "--user-response", NULL};
    char *err = query_ok("set userid-ac 0003414243\n", args);
    cr_expect(strstr(err, "D: User Identity Negotiation Response: Yes\n"
                          "D:   Server Response (not dumped) length: 3\n"),
              "%s", err);
    cr_expect_null(strstr(err, "W: "), "%s", err);
    free(err);

    /* an empty response (a username's, PS3.7 D.3.3.7.2) confirms as well */
    const char *req[] = {"-k", "PatientName=", "--user", "alice", "--user-response=required", NULL};
    free(query_ok("set userid-ac 0000\n", req));
}

/* No response: a warning with --user-response (the standard lets an
 * acceptor that does not support user identity accept without one), a
 * failed association with =required, nothing without either. */
Test(cli_user_identity, missing_response)
{
    const char *asked[] = {"-k", "PatientName=", "--user", "alice", "--user-response", NULL};
    char *err = query_ok(NULL, asked);
    cr_expect(strstr(err, "I: Requesting Association\n"
                          "W: The peer did not confirm the user identity: no User Identity "
                          "response in the A-ASSOCIATE-AC (it may not support user identity "
                          "negotiation)\n"
                          "I: Association Accepted\n"),
              "%s", err);
    free(err);

    const char *plain[] = {"-d", "-k", "PatientName=", "--user", "alice", NULL};
    err = query_ok(NULL, plain);
    cr_expect_null(strstr(err, "W: "), "%s", err);
    cr_expect(strstr(err, "D: Accepted Asynchronous Operations Window Negotiation: None\n"
                          "D: User Identity Negotiation Response: None\n"),
              "%s", err);
    free(err);

    /* no identity at all: pynetdicom's two "None" lines */
    const char *no_identity[] = {"-d", "-k", "PatientName=", NULL};
    err = query_ok(NULL, no_identity);
    cr_expect(strstr(err, "D: Requested Asynchronous Operations Window Negotiation: None\n"
                          "D: Requested User Identity Negotiation: None\n"),
              "%s", err);
    cr_expect(strstr(err, "D: User Identity Negotiation Response: None\n"), "%s", err);
    free(err);

    peer p;
    result r;
    const char *required[] = {"-k", "PatientName=", "--user", "alice", "--user-response=required",
                              NULL};
    converse(&p, &r, "accept\nwait-close\n", required, NULL, NULL, NULL);
    cr_expect_eq(r.status, 1, "%s", r.err);
    cr_expect_str_eq(r.err, "I: Requesting Association\n"
                            "E: User identity not confirmed: the peer accepted the association "
                            "without confirming the user identity (no User Identity sub-item in "
                            "the A-ASSOCIATE-AC)\n"
                            "I: Aborting Association\n");
    cr_expect_str_eq(get(&p, "pdu", 0), "07", "A-ABORT, no C-FIND: %s", p.record);
    cr_expect_null(get(&p, "command_field", 0));
    result_free(&r);
    peer_free(&p);
}

/* An authorization failure is rejected-permanent by the ACSE service
 * provider (PS3.7 D.3.3.7.3): said after pynetdicom's lines. */
Test(cli_user_identity, rejection_hint)
{
    peer p;
    result r;
    const char *args[] = {"-k", "PatientName=", "--user", "mallory", NULL};
    converse(&p, &r, "reject 1 2 1\n", args, NULL, NULL, NULL);
    cr_expect_eq(r.status, 1, "%s", r.err);
    cr_expect(ends_with(r.err, "E: Association Rejected\n"
                               "E: Result: Rejected Permanent, Source: Service Provider (ACSE)\n"
                               "E: Reason: No reason given\n"
                               "E: The peer may have refused the user identity (an authorization "
                               "failure is rejected-permanent, source 2: PS3.7 D.3.3.7.3)\n"),
              "%s", r.err);
    result_free(&r);
    peer_free(&p);
}

/* Files that cannot serve: one error line, exit 1, no connection. */
Test(cli_user_identity, unusable_files)
{
    files f;
    files_init(&f);
    const char *empty = file_with(&f, "empty", "", 0);
    static uint8_t big[70000];
    memset(big, 'x', sizeof big);
    const char *huge = file_with(&f, "huge", big, sizeof big);
    char missing[256];
    snprintf(missing, sizeof missing, "%s/missing", f.dir);
    const struct {
        const char *opt, *path, *want;
    } cases[] = {
        {"--kerberos", missing, "No such file or directory"},
        {"--saml", empty, "is empty"},
        {"--jwt-file", huge, "holds more than the 65535 bytes a user identity field takes"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        result r;
        const char *args[] = {
            "127.0.0.1", "9", "-k", "PatientName=", cases[i].opt, cases[i].path, NULL};
        run_findscu(&r, args, NULL, NULL);
        cr_expect_eq(r.status, 1, "%s", r.err);
        char want[512];
        snprintf(want, sizeof want, "E: %s: ", cases[i].opt);
        cr_expect(strncmp(r.err, want, strlen(want)) == 0 && strstr(r.err, cases[i].want) &&
                      !strchr(strchr(r.err, '\n') + 1, '\n'),
                  "%s: %s", cases[i].opt, r.err);
        result_free(&r);
    }
    files_free(&f);
}
