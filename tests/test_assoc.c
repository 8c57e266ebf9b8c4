/* Association requestor against the scripted SCP: what goes into the
 * A-ASSOCIATE-RQ, AC parsing, every reject, aborts, timeouts, garbage,
 * closes, release and release collision, AE title checks. Each failure
 * must end with a clean error value and no hang. */
#include <criterion/criterion.h>

#include <float.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dq/assoc.h"
#include "scp.h"

static const char *const ts_all[] = {DQ_UID_ExplicitVRLittleEndian, DQ_UID_ImplicitVRLittleEndian,
                                     DQ_UID_ExplicitVRBigEndian};
static const dq_assoc_context ctx3[] = {
    {"1.2.840.10008.5.1.4.1.2.1.1", ts_all, 3},
    {"1.2.840.10008.5.1.4.1.2.2.1", ts_all, 3},
    {"1.2.840.10008.5.1.4.31", ts_all + 1, 1},
};

static void params(dq_assoc_params *p)
{
    dq_assoc_params_default(p);
    p->contexts = ctx3;
    p->n_contexts = 3;
    p->acse_timeout = 5;
    p->dimse_timeout = 5;
    p->network_timeout = 5;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Starts the scripted SCP and requests an association with it; returns
 * dq_assoc_request's rc (the SCP is left running for finish()). */
static int attempt(const char *script, dq_assoc_params *p, dq_assoc **out, dq_error *err,
                   dq_test_scp *scp)
{
    cr_assert_eq(dq_test_scp_start(scp, script, 1), 0);
    return dq_assoc_request(out, "127.0.0.1", scp->port, p, err);
}

static char *finish(dq_test_scp *scp, int want_status)
{
    int st = dq_test_scp_finish(scp, 10);
    char *rec = dq_test_scp_record(scp);
    cr_assert_eq(st, want_status, "SCP exit %d; record:\n%s", st, rec);
    dq_test_scp_cleanup(scp);
    return rec;
}

Test(assoc, request_contents_and_accept_and_release)
{
    dq_assoc_params p;
    params(&p);
    p.calling_ae = "MY_SCU";
    p.called_ae = " QRSCP ";
    p.max_pdu = 32768;
    static const uint8_t info[] = {1, 1, 0, 1};
    dq_assoc_ext_neg en = {"1.2.840.10008.5.1.4.1.2.2.1", info, sizeof info};
    p.ext_neg = &en;
    p.n_ext_neg = 1;
    dq_test_scp scp;
    dq_assoc *a;
    dq_error e;
    cr_assert_eq(attempt("set maxpdu 20000\nset result 5 3\naccept\nrelease\nwait-close\n", &p, &a,
                         &e, &scp),
                 0, "%s", e.message);
    cr_assert(dq_assoc_is_established(a));
    cr_assert_eq(dq_assoc_peer_max_pdu(a), 20000);
    const dq_pdu_associate *ac = dq_assoc_accepted(a);
    cr_assert_not_null(ac);
    cr_assert(
        dq_pdu_str_eq(ac->user_info.implementation_class_uid, "1.2.826.0.1.3680043.9.7433.1.1"));
    cr_assert(dq_pdu_str_eq(ac->user_info.implementation_version_name, "DQ_TEST_SCP"));
    cr_assert_eq(ac->n_pctx, 3);
    uint8_t id;
    dq_transfer_syntax ts;
    cr_assert_eq(dq_assoc_context_for(a, "1.2.840.10008.5.1.4.1.2.2.1", &id, &ts, &e), 0);
    cr_assert_eq(id, 3);
    cr_assert_eq(ts, DQ_TS_EXPLICIT_LE);
    /* context 5 was answered "abstract syntax not supported" */
    cr_assert_eq(dq_assoc_context_for(a, "1.2.840.10008.5.1.4.31", &id, &ts, &e), -1);
    cr_assert_eq(e.kind, DQ_ERR_NOT_FOUND);
    size_t n;
    cr_assert_not_null(dq_assoc_rq_bytes(a, &n));
    cr_assert_gt(n, 74);
    cr_assert_not_null(dq_assoc_ac_bytes(a, &n));
    double t0 = now();
    cr_assert_eq(dq_assoc_release(a, &e), 0, "%s", e.message);
    cr_assert(!dq_assoc_is_established(a));
    dq_assoc_free(a);
    char *rec = finish(&scp, 0);
    /* the SCP saw EOF promptly: we closed right after A-RELEASE-RP */
    cr_assert_lt(now() - t0, 2.0);
    char v[512];
    cr_assert_str_eq(dq_test_scp_get(rec, "calling_ae", 0, v, sizeof v), "MY_SCU");
    cr_assert_str_eq(dq_test_scp_get(rec, "called_ae", 0, v, sizeof v), "QRSCP");
    cr_assert_str_eq(dq_test_scp_get(rec, "app_context", 0, v, sizeof v), "1.2.840.10008.3.1.1.1");
    cr_assert_str_eq(dq_test_scp_get(rec, "protocol_version", 0, v, sizeof v), "1");
    cr_assert_str_eq(dq_test_scp_get(rec, "max_pdu", 0, v, sizeof v), "32768");
    cr_assert_str_eq(dq_test_scp_get(rec, "impl_uid", 0, v, sizeof v), DQ_IMPLEMENTATION_CLASS_UID);
    cr_assert_str_eq(dq_test_scp_get(rec, "impl_version", 0, v, sizeof v),
                     DQ_IMPLEMENTATION_VERSION_NAME);
    cr_assert_str_eq(dq_test_scp_get(rec, "pctx", 0, v, sizeof v),
                     "1 1.2.840.10008.5.1.4.1.2.1.1 1.2.840.10008.1.2.1,1.2.840.10008.1.2,"
                     "1.2.840.10008.1.2.2");
    cr_assert_str_eq(dq_test_scp_get(rec, "pctx", 1, v, sizeof v),
                     "3 1.2.840.10008.5.1.4.1.2.2.1 1.2.840.10008.1.2.1,1.2.840.10008.1.2,"
                     "1.2.840.10008.1.2.2");
    cr_assert_str_eq(dq_test_scp_get(rec, "pctx", 2, v, sizeof v),
                     "5 1.2.840.10008.5.1.4.31 1.2.840.10008.1.2");
    cr_assert_str_eq(dq_test_scp_get(rec, "ext_neg", 0, v, sizeof v),
                     "1.2.840.10008.5.1.4.1.2.2.1 01010001");
    cr_assert_str_eq(dq_test_scp_get(rec, "pdu", 0, v, sizeof v), "05");
    cr_assert_not_null(dq_test_scp_get(rec, "eof", 0, v, sizeof v) ? v : "x");
    free(rec);
}

Test(assoc, unlimited_max_pdu_and_no_version_name)
{
    dq_assoc_params p;
    params(&p);
    p.max_pdu = 0;
    p.implementation_version_name = "";
    dq_test_scp scp;
    dq_assoc *a;
    dq_error e;
    cr_assert_eq(attempt("set maxpdu 0\naccept\nrelease\n", &p, &a, &e, &scp), 0, "%s", e.message);
    cr_assert_eq(dq_assoc_peer_max_pdu(a), 0);
    cr_assert_eq(dq_assoc_release(a, &e), 0, "%s", e.message);
    dq_assoc_free(a);
    char *rec = finish(&scp, 0);
    char v[128];
    cr_assert_str_eq(dq_test_scp_get(rec, "max_pdu", 0, v, sizeof v), "0");
    cr_assert_null(dq_test_scp_get(rec, "impl_version", 0, v, sizeof v));
    free(rec);
}

Test(assoc, every_reject_result_source_reason)
{
    /* PS3.8 Table 9-21: (result, source, reason) combinations. */
    static const int rj[][3] = {{1, 1, 1}, {1, 1, 2}, {1, 1, 3}, {1, 1, 7}, {2, 1, 1},
                                {1, 2, 1}, {1, 2, 2}, {2, 3, 1}, {2, 3, 2}, {1, 3, 1}};
    for (size_t i = 0; i < sizeof rj / sizeof rj[0]; i++) {
        char script[64];
        snprintf(script, sizeof script, "reject %d %d %d\nwait-close\n", rj[i][0], rj[i][1],
                 rj[i][2]);
        dq_assoc_params p;
        params(&p);
        dq_test_scp scp;
        dq_assoc *a = (dq_assoc *)1;
        dq_error e;
        cr_assert_eq(attempt(script, &p, &a, &e, &scp), -1);
        cr_assert_null(a);
        cr_assert_eq(e.kind, DQ_ERR_REJECTED, "%s", e.message);
        cr_assert_eq(e.detail[0], rj[i][0]);
        cr_assert_eq(e.detail[1], rj[i][1]);
        cr_assert_eq(e.detail[2], rj[i][2]);
        char *rec = finish(&scp, 0);
        char v[16];
        /* after A-ASSOCIATE-RJ we just close (AE-4): nothing more is sent */
        cr_assert_null(dq_test_scp_get(rec, "pdu", 0, v, sizeof v), "%s", rec);
        free(rec);
    }
}

Test(assoc, abort_instead_of_accept)
{
    dq_assoc_params p;
    params(&p);
    dq_test_scp scp;
    dq_assoc *a;
    dq_error e;
    cr_assert_eq(attempt("read-rq\nabort 2 0\nwait-close\n", &p, &a, &e, &scp), -1);
    cr_assert_eq(e.kind, DQ_ERR_ABORTED, "%s", e.message);
    cr_assert_eq(e.detail[0], 2);
    cr_assert_eq(e.detail[1], 0);
    cr_assert_eq(e.detail[2], 1);
    free(finish(&scp, 0));
}

Test(assoc, acse_timeout_aborts)
{
    dq_assoc_params p;
    params(&p);
    p.acse_timeout = 0.3;
    dq_test_scp scp;
    dq_assoc *a;
    dq_error e;
    double t0 = now();
    cr_assert_eq(attempt("read-rq\nwait-close\n", &p, &a, &e, &scp), -1);
    double dt = now() - t0;
    cr_assert_eq(e.kind, DQ_ERR_TIMEOUT, "%s", e.message);
    cr_assert_eq(e.detail[0], DQ_TIMEOUT_ACSE);
    cr_assert(dt >= 0.29 && dt < 2, "took %f s", dt);
    char *rec = finish(&scp, 0);
    char v[64];
    cr_assert_str_eq(dq_test_scp_get(rec, "pdu", 0, v, sizeof v), "07", "%s", rec);
    cr_assert_str_eq(dq_test_scp_get(rec, "abort_source", 0, v, sizeof v), "0 reason 0");
    free(rec);
}

Test(assoc, network_timeout_applies_to_each_read)
{
    dq_assoc_params p;
    params(&p);
    p.acse_timeout = 0;
    p.network_timeout = 0.25;
    dq_test_scp scp;
    dq_assoc *a;
    dq_error e;
    cr_assert_eq(attempt("read-rq\nwait-close\n", &p, &a, &e, &scp), -1);
    cr_assert_eq(e.kind, DQ_ERR_TIMEOUT, "%s", e.message);
    cr_assert_eq(e.detail[0], DQ_TIMEOUT_NETWORK, "%s", e.message);
    free(finish(&scp, 0));

    /* With an ACSE timeout too, whichever expires first ends the wait and
     * the error says which. */
    p.acse_timeout = 5;
    double t0 = now();
    cr_assert_eq(attempt("read-rq\nwait-close\n", &p, &a, &e, &scp), -1);
    double dt = now() - t0;
    cr_assert_eq(e.kind, DQ_ERR_TIMEOUT, "%s", e.message);
    cr_assert_eq(e.detail[0], DQ_TIMEOUT_NETWORK, "%s", e.message);
    cr_assert(dt >= 0.24 && dt < 1, "took %f s", dt);
    free(finish(&scp, 0));
    p.acse_timeout = 0.25;
    p.network_timeout = 5;
    cr_assert_eq(attempt("read-rq\nwait-close\n", &p, &a, &e, &scp), -1);
    cr_assert_eq(e.detail[0], DQ_TIMEOUT_ACSE, "%s", e.message);
    free(finish(&scp, 0));
}

/* A deadline that has passed before the first read (pynetdicom's -ta 0)
 * times out at once instead of waiting a little for the answer. */
Test(assoc, expired_deadline_does_not_wait, .timeout = 10)
{
    dq_assoc_params p;
    params(&p);
    p.acse_timeout = DBL_MIN; /* the deadline is "now" */
    dq_test_scp scp;
    dq_assoc *a;
    dq_error e;
    for (int i = 0; i < 5; i++) {
        cr_assert_eq(attempt("accept\nwait-close\n", &p, &a, &e, &scp), -1,
                     "run %d: the AC was waited for", i);
        cr_assert_eq(e.kind, DQ_ERR_TIMEOUT, "%s", e.message);
        cr_assert_eq(e.detail[0], DQ_TIMEOUT_ACSE, "%s", e.message);
        free(finish(&scp, 0));
    }
}

/* The peer answers the A-ASSOCIATE-RQ with `reply` (a script line), which is
 * no PDU: a protocol error, and AA-8: A-ABORT, service-provider source,
 * reason unrecognized-PDU. */
static void unrecognized_reply(const char *reply, dq_error *e)
{
    dq_assoc_params p;
    params(&p);
    dq_test_scp scp;
    dq_assoc *a;
    char script[256];
    snprintf(script, sizeof script, "read-rq\n%s\nwait-close\n", reply);
    cr_assert_eq(attempt(script, &p, &a, e, &scp), -1);
    cr_assert_eq(e->kind, DQ_ERR_PROTOCOL, "%s", e->message);
    char *rec = finish(&scp, 0);
    char v[64];
    cr_assert_str_eq(dq_test_scp_get(rec, "abort_source", 0, v, sizeof v), "2 reason 1", "%s", rec);
    free(rec);
}

Test(assoc, garbage_instead_of_accept)
{
    dq_error e;
    unrecognized_reply("garbage 64", &e);
    cr_assert_null(strstr(e.message, "TLS"), "%s", e.message);
}

/* A TLS-only peer whose stack answers our plain A-ASSOCIATE-RQ with an
 * alert record: the message says TLS; the same bytes with a version major
 * other than 3 are not taken for TLS. */
Test(assoc, tls_alert_instead_of_accept)
{
    dq_error e;
    unrecognized_reply("send 15030300020246", &e);
    cr_assert_not_null(strstr(e.message, "the peer answered with a TLS record (alert), not a PDU: "
                                         "it expects TLS; try --tls"),
                       "%s", e.message);
    unrecognized_reply("send 15020300020246", &e);
    cr_assert_null(strstr(e.message, "TLS"), "%s", e.message);
}

Test(assoc, unexpected_pdu_instead_of_accept)
{
    dq_assoc_params p;
    params(&p);
    dq_test_scp scp;
    dq_assoc *a;
    dq_error e;
    cr_assert_eq(attempt("read-rq\nsend-release-rp\nwait-close\n", &p, &a, &e, &scp), -1);
    cr_assert_eq(e.kind, DQ_ERR_PROTOCOL, "%s", e.message);
    char *rec = finish(&scp, 0);
    char v[64];
    cr_assert_str_eq(dq_test_scp_get(rec, "abort_source", 0, v, sizeof v), "2 reason 2", "%s", rec);
    free(rec);
}

Test(assoc, malformed_accept_is_a_protocol_error)
{
    /* An A-ASSOCIATE-AC whose only item overruns the PDU. */
    dq_assoc_params p;
    params(&p);
    char script[1024] = "read-rq\nsend 02000000004c0001000041";
    for (int i = 0; i < 70; i++)
        strcat(script, "20");
    strcat(script, "10000400ff\nwait-close\n");
    dq_test_scp scp;
    dq_assoc *a;
    dq_error e;
    cr_assert_eq(attempt(script, &p, &a, &e, &scp), -1);
    cr_assert(e.kind == DQ_ERR_PROTOCOL || e.kind == DQ_ERR_CLOSED, "%s", e.message);
    free(finish(&scp, 0));
}

Test(assoc, peer_closes_instead_of_answering)
{
    dq_assoc_params p;
    params(&p);
    dq_test_scp scp;
    dq_assoc *a;
    dq_error e;
    cr_assert_eq(attempt("read-rq\nclose\n", &p, &a, &e, &scp), -1);
    cr_assert_eq(e.kind, DQ_ERR_CLOSED, "%s", e.message);
    free(finish(&scp, 0));
}

Test(assoc, accept_split_at_every_byte_boundary)
{
    /* The AC is about 180 bytes; split it after every byte in turn. */
    for (int k = 1; k < 200; k += 1) {
        char script[128];
        snprintf(script, sizeof script, "set split %d\naccept\nrelease\n", k);
        dq_assoc_params p;
        params(&p);
        p.n_contexts = 1;
        dq_test_scp scp;
        dq_assoc *a;
        dq_error e;
        cr_assert_eq(attempt(script, &p, &a, &e, &scp), 0, "split %d: %s", k, e.message);
        cr_assert_eq(dq_assoc_release(a, &e), 0, "split %d: %s", k, e.message);
        dq_assoc_free(a);
        free(finish(&scp, 0));
    }
}

Test(assoc, release_collision)
{
    dq_assoc_params p;
    params(&p);
    dq_test_scp scp;
    dq_assoc *a;
    dq_error e;
    /* We send A-RELEASE-RQ; the peer sends its own RQ too; we answer RP
     * (AR-9, Sta11); the peer answers RP (AR-3). */
    cr_assert_eq(
        attempt("accept\nrecv-pdu\nsend-release-rq\nrecv-pdu\nsend-release-rp\nwait-close\n", &p,
                &a, &e, &scp),
        0, "%s", e.message);
    cr_assert_eq(dq_assoc_release(a, &e), 0, "%s", e.message);
    dq_assoc_free(a);
    char *rec = finish(&scp, 0);
    char v[16];
    cr_assert_str_eq(dq_test_scp_get(rec, "pdu", 0, v, sizeof v), "05");
    cr_assert_str_eq(dq_test_scp_get(rec, "pdu", 1, v, sizeof v), "06");
    free(rec);
}

Test(assoc, abort_during_release_and_release_timeout)
{
    dq_assoc_params p;
    params(&p);
    dq_test_scp scp;
    dq_assoc *a;
    dq_error e;
    cr_assert_eq(attempt("accept\nrecv-pdu\nabort 0 0\n", &p, &a, &e, &scp), 0);
    cr_assert_eq(dq_assoc_release(a, &e), -1);
    cr_assert_eq(e.kind, DQ_ERR_ABORTED, "%s", e.message);
    cr_assert_eq(e.detail[0], 0);
    dq_assoc_free(a);
    free(finish(&scp, 0));

    p.acse_timeout = 0.2;
    cr_assert_eq(attempt("accept\nrecv-pdu\nwait-close\n", &p, &a, &e, &scp), 0);
    cr_assert_eq(dq_assoc_release(a, &e), -1);
    cr_assert_eq(e.kind, DQ_ERR_TIMEOUT, "%s", e.message);
    cr_assert_eq(e.detail[0], DQ_TIMEOUT_ACSE, "%s", e.message);
    dq_assoc_free(a);
    char *rec = finish(&scp, 0);
    char v[16];
    cr_assert_str_eq(dq_test_scp_get(rec, "pdu", 1, v, sizeof v), "07", "%s", rec);
    free(rec);
}

Test(assoc, local_abort_sends_a_abort)
{
    dq_assoc_params p;
    params(&p);
    dq_test_scp scp;
    dq_assoc *a;
    dq_error e;
    cr_assert_eq(attempt("accept\nwait-close\n", &p, &a, &e, &scp), 0);
    dq_assoc_abort(a);
    cr_assert(!dq_assoc_is_established(a));
    dq_assoc_abort(a); /* twice is harmless */
    dq_assoc_free(a);
    char *rec = finish(&scp, 0);
    char v[32];
    cr_assert_str_eq(dq_test_scp_get(rec, "abort_source", 0, v, sizeof v), "0 reason 0");
    free(rec);
}

Test(assoc, ae_titles_are_checked_before_connecting)
{
    dq_error e;
    cr_assert_eq(dq_ae_title_check("ANY-SCP", &e), 0);
    cr_assert_eq(dq_ae_title_check("1234567890123456", &e), 0);
    cr_assert_eq(dq_ae_title_check("  PADDED  ", &e), 0);
    /* PS3.5 Table 6.2-1: the default character repertoire (UTF-8 "ÄÖ", Latin-1
     * "\xc4" are outside it), no backslash, no control character. */
    static const struct {
        const char *ae;
        dq_ae_title_problem why;
    } bad[] = {
        {"", DQ_AE_TITLE_EMPTY},
        {"   ", DQ_AE_TITLE_BLANK},
        {"12345678901234567", DQ_AE_TITLE_TOO_LONG},
        {"A\\B", DQ_AE_TITLE_FORBIDDEN},
        {"A\tB", DQ_AE_TITLE_FORBIDDEN},
        {"A\x7f", DQ_AE_TITLE_FORBIDDEN},
        {"\xc3\x84\xc3\x96", DQ_AE_TITLE_REPERTOIRE},
        {"SCU\xc4", DQ_AE_TITLE_REPERTOIRE},
        /* 9 characters, 18 bytes: the repertoire is the problem, not the length */
        {"\xc3\x84\xc3\x84\xc3\x84\xc3\x84\xc3\x84\xc3\x84\xc3\x84\xc3\x84\xc3\x84",
         DQ_AE_TITLE_REPERTOIRE},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cr_assert_eq(dq_ae_title_check(bad[i].ae, &e), -1, "'%s'", bad[i].ae);
        cr_assert_eq(e.kind, DQ_ERR_ARGUMENT);
        cr_assert_eq(e.detail[0], (int)bad[i].why, "'%s': %s", bad[i].ae, e.message);
    }
    cr_assert_eq(dq_ae_title_check("~!\"#$%&'()*+,-./", &e), 0, "every other printable ASCII");
    cr_assert_eq(dq_ae_title_check(NULL, &e), -1);
    dq_assoc_params p;
    params(&p);
    p.called_ae = "WAY_TOO_LONG_AE_TITLE";
    dq_assoc *a;
    /* port 9 on loopback: nothing listens, but we must not even try */
    cr_assert_eq(dq_assoc_request(&a, "127.0.0.1", 9, &p, &e), -1);
    cr_assert_eq(e.kind, DQ_ERR_ARGUMENT, "%s", e.message);
    params(&p);
    p.n_contexts = 0;
    dq_test_scp scp;
    cr_assert_eq(dq_test_scp_start(&scp, "wait-close\n", 1), 0);
    cr_assert_eq(dq_assoc_request(&a, "127.0.0.1", scp.port, &p, &e), -1);
    cr_assert_eq(e.kind, DQ_ERR_ARGUMENT, "%s", e.message);
    free(finish(&scp, 0));
}

Test(assoc, connection_refused)
{
    dq_test_scp scp;
    cr_assert_eq(dq_test_scp_start(&scp, "close\n", 1), 0);
    uint16_t port = scp.port;
    dq_assoc_params p;
    params(&p);
    dq_assoc *a;
    dq_error e;
    /* let the SCP take its one connection and go away */
    cr_assert_eq(dq_assoc_request(&a, "127.0.0.1", port, &p, &e), -1);
    free(finish(&scp, 0));
    cr_assert_eq(dq_assoc_request(&a, "127.0.0.1", port, &p, &e), -1);
    cr_assert_eq(e.kind, DQ_ERR_CONNECT, "%s", e.message);
}

/* Events are reported in order with the details the CLI logs. */
typedef struct evlog {
    int types[32];
    int n;
    uint32_t ac_max;
} evlog;

static void on_event(void *user, const dq_assoc_event *ev)
{
    evlog *l = user;
    if (ev->type == DQ_ASSOC_EV_PDU_SENT || ev->type == DQ_ASSOC_EV_PDU_RECEIVED)
        return;
    if (l->n < 32)
        l->types[l->n++] = ev->type;
    if (ev->type == DQ_ASSOC_EV_ACCEPTED)
        l->ac_max = ev->associate->user_info.max_length;
}

Test(assoc, events)
{
    dq_assoc_params p;
    params(&p);
    evlog l = {0};
    p.on_event = on_event;
    p.user = &l;
    dq_test_scp scp;
    dq_assoc *a;
    dq_error e;
    cr_assert_eq(attempt("set maxpdu 12345\naccept\nrelease\n", &p, &a, &e, &scp), 0);
    cr_assert_eq(dq_assoc_release(a, &e), 0);
    dq_assoc_free(a);
    free(finish(&scp, 0));
    cr_assert_eq(l.n, 4);
    cr_assert_eq(l.types[0], DQ_ASSOC_EV_REQUESTING);
    cr_assert_eq(l.types[1], DQ_ASSOC_EV_ACCEPTED);
    cr_assert_eq(l.types[2], DQ_ASSOC_EV_RELEASING);
    cr_assert_eq(l.types[3], DQ_ASSOC_EV_RELEASED);
    cr_assert_eq(l.ac_max, 12345);
}

Test(assoc, accepted_syntax_must_be_one_we_proposed)
{
    /* Context 5 proposed implicit LE only; the peer answers explicit BE. */
    dq_assoc_params p;
    params(&p);
    dq_test_scp scp;
    dq_assoc *a;
    dq_error e;
    cr_assert_eq(attempt("set forcets 1.2.840.10008.1.2.2\naccept\nrelease\n", &p, &a, &e, &scp), 0,
                 "%s", e.message);
    uint8_t id;
    dq_transfer_syntax ts;
    cr_assert_eq(dq_assoc_context_for(a, "1.2.840.10008.5.1.4.1.2.1.1", &id, &ts, &e), 0);
    cr_assert_eq(ts, DQ_TS_EXPLICIT_BE);
    cr_assert_eq(dq_assoc_context_for(a, "1.2.840.10008.5.1.4.31", &id, &ts, &e), -1);
    cr_assert_eq(e.kind, DQ_ERR_NOT_FOUND);
    cr_assert_eq(dq_assoc_release(a, &e), 0);
    dq_assoc_free(a);
    free(finish(&scp, 0));
}

/* ARTIM (PS3.8 9.2, Sta13): after our A-ABORT we wait for the peer to close,
 * at most artim_timeout. A peer that closes at once ends the wait at once. */
Test(assoc, artim_abort_peer_closes_promptly, .timeout = 10)
{
    dq_assoc_params p;
    params(&p);
    p.artim_timeout = 3;
    dq_test_scp scp;
    dq_assoc *a;
    dq_error e;
    cr_assert_eq(attempt("accept\nwait-close\n", &p, &a, &e, &scp), 0);
    double t0 = now();
    dq_assoc_abort(a);
    double dt = now() - t0;
    cr_assert(dt < 1, "took %f s", dt);
    cr_assert(!dq_assoc_is_established(a));
    dq_assoc_free(a);
    char *rec = finish(&scp, 0);
    char v[32];
    cr_assert_str_eq(dq_test_scp_get(rec, "abort_source", 0, v, sizeof v), "0 reason 0");
    cr_assert_not_null(strstr(rec, "\nclosed-after-abort"), "%s", rec);
    free(rec);
}

/* A peer that never closes: we close when ARTIM expires, not before (the peer
 * still reads our A-ABORT and sees our close: "eof"), and never hang. */
Test(assoc, artim_abort_peer_never_closes, .timeout = 10)
{
    dq_assoc_params p;
    params(&p);
    p.artim_timeout = 0.4;
    dq_test_scp scp;
    dq_assoc *a;
    dq_error e;
    cr_assert_eq(attempt("accept\nhold\n", &p, &a, &e, &scp), 0);
    double t0 = now();
    dq_assoc_abort(a);
    double dt = now() - t0;
    cr_assert(dt >= 0.39 && dt < 1.5, "took %f s", dt);
    dq_assoc_free(a);
    char *rec = finish(&scp, 0);
    char v[32];
    cr_assert_str_eq(dq_test_scp_get(rec, "abort_source", 0, v, sizeof v), "0 reason 0");
    cr_assert_not_null(strstr(rec, "\neof"), "%s", rec);
    free(rec);

    /* the same after a local failure (ACSE timeout -> AA-1): timeout + ARTIM */
    p.acse_timeout = 0.2;
    t0 = now();
    cr_assert_eq(attempt("read-rq\nhold\n", &p, &a, &e, &scp), -1);
    dt = now() - t0;
    cr_assert_eq(e.kind, DQ_ERR_TIMEOUT, "%s", e.message);
    cr_assert(dt >= 0.59 && dt < 2, "took %f s", dt);
    rec = finish(&scp, 0);
    cr_assert_str_eq(dq_test_scp_get(rec, "pdu", 0, v, sizeof v), "07", "%s", rec);
    free(rec);

    /* artim_timeout <= 0: close at once */
    p.artim_timeout = 0;
    p.acse_timeout = 5;
    cr_assert_eq(attempt("accept\nhold\n", &p, &a, &e, &scp), 0);
    t0 = now();
    dq_assoc_abort(a);
    dt = now() - t0;
    cr_assert(dt < 0.3, "took %f s", dt);
    dq_assoc_free(a);
    free(finish(&scp, 0));
}

/* Release is not ARTIM's business for a requestor: after A-RELEASE-RP (AR-3)
 * the socket closes at once even though the peer keeps it open. */
Test(assoc, release_closes_at_once, .timeout = 10)
{
    dq_assoc_params p;
    params(&p);
    p.artim_timeout = 3;
    dq_test_scp scp;
    dq_assoc *a;
    dq_error e;
    cr_assert_eq(attempt("accept\nrelease\nhold\n", &p, &a, &e, &scp), 0);
    double t0 = now();
    cr_assert_eq(dq_assoc_release(a, &e), 0, "%s", e.message);
    char *rec = finish(&scp, 0); /* the SCP ends when it sees our close */
    double dt = now() - t0;
    cr_assert(dt < 1, "took %f s", dt);
    cr_assert_not_null(strstr(rec, "\neof"), "%s", rec);
    dq_assoc_free(a);
    free(rec);
}

/* A local failure is reported (DQ_ASSOC_EV_FAILED, with the error the call
 * returns) when it happens, before the ARTIM wait (DQ_ASSOC_EV_ARTIM_WAIT),
 * so a caller can tell its user at once; once only. */
typedef struct failog {
    double t0, failed_at, artim_at;
    int n_failed, n_artim;
    dq_error_kind kind;
    int detail0;
    double seconds;
} failog;

static void on_fail_event(void *user, const dq_assoc_event *ev)
{
    failog *l = user;
    if (ev->type == DQ_ASSOC_EV_FAILED) {
        l->n_failed++;
        l->failed_at = now() - l->t0;
        l->kind = ev->error ? ev->error->kind : DQ_OK;
        l->detail0 = ev->error ? ev->error->detail[0] : -1;
    } else if (ev->type == DQ_ASSOC_EV_ARTIM_WAIT) {
        l->n_artim++;
        l->artim_at = now() - l->t0;
        l->seconds = ev->seconds;
    }
}

Test(assoc, failure_reported_before_the_artim_wait, .timeout = 10)
{
    dq_assoc_params p;
    params(&p);
    p.acse_timeout = 0.3;
    p.artim_timeout = 1;
    failog l = {0};
    p.on_event = on_fail_event;
    p.user = &l;
    dq_test_scp scp;
    dq_assoc *a;
    dq_error e;
    l.t0 = now();
    cr_assert_eq(attempt("read-rq\nhold\n", &p, &a, &e, &scp), -1);
    double dt = now() - l.t0;
    cr_assert_eq(l.n_failed, 1);
    cr_assert_eq(l.kind, DQ_ERR_TIMEOUT);
    cr_assert_eq(l.detail0, DQ_TIMEOUT_ACSE);
    cr_assert(l.failed_at >= 0.29 && l.failed_at < 0.6, "reported at %f s", l.failed_at);
    cr_assert_eq(l.n_artim, 1);
    cr_assert(l.artim_at >= l.failed_at, "ARTIM wait before the report");
    cr_assert_float_eq(l.seconds, 1.0, 1e-9);
    cr_assert(dt >= 1.29 && dt < 2.5, "the ARTIM wait still follows (%f s)", dt);
    free(finish(&scp, 0));

    /* The caller's own abort has nothing to report. */
    memset(&l, 0, sizeof l);
    p.acse_timeout = 5;
    p.artim_timeout = 0.2;
    cr_assert_eq(attempt("accept\nhold\n", &p, &a, &e, &scp), 0);
    dq_assoc_abort(a);
    dq_assoc_free(a);
    cr_assert_eq(l.n_failed, 0);
    cr_assert_eq(l.n_artim, 1);
    free(finish(&scp, 0));
}
