/* The C-FIND engine against the scripted SCP: the request on the wire in
 * each transfer syntax, responses split at every byte boundary, one byte at
 * a time, command and data set in one PDU, tiny fragments both ways, cancel,
 * memory staying flat over many responses, and every failure (timeout,
 * abort, close, oversized PDU, garbage, release request, wrong message ID)
 * ending with a clean error. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dq/find.h"
#include "scp.h"

static const char *const ts4[] = {DQ_UID_ExplicitVRLittleEndian, DQ_UID_ImplicitVRLittleEndian,
                                  DQ_UID_ExplicitVRBigEndian,
                                  DQ_UID_DeflatedExplicitVRLittleEndian};
static const dq_assoc_context ctx[] = {
    {DQ_UID_PatientRootQueryRetrieveInformationModelFind, ts4, 4},
    {DQ_UID_StudyRootQueryRetrieveInformationModelFind, ts4, 4},
};

static void params(dq_assoc_params *p)
{
    dq_assoc_params_default(p);
    p->contexts = ctx;
    p->n_contexts = 2;
    p->acse_timeout = 5;
    p->dimse_timeout = 5;
    p->network_timeout = 5;
}

static dq_dataset *query(void)
{
    dq_dataset *ds = dq_dataset_new();
    dq_error e;
    cr_assert_eq(dq_dataset_set_string(ds, DQ_TAG(0x0008, 0x0052), 0, "PATIENT", &e), 0);
    cr_assert_eq(dq_dataset_set_empty(ds, DQ_TAG(0x0010, 0x0010), 0, &e), 0);
    cr_assert_eq(dq_dataset_set_empty(ds, DQ_TAG(0x0010, 0x0020), 0, &e), 0);
    return ds;
}

static dq_dataset *match(const char *name)
{
    dq_dataset *ds = dq_dataset_new();
    dq_error e;
    cr_assert_eq(dq_dataset_set_string(ds, DQ_TAG(0x0008, 0x0052), 0, "PATIENT", &e), 0);
    cr_assert_eq(dq_dataset_set_string(ds, DQ_TAG(0x0010, 0x0010), 0, name, &e), 0);
    cr_assert_eq(dq_dataset_set_string(ds, DQ_TAG(0x0010, 0x0020), 0, "ID-42", &e), 0);
    return ds;
}

/* Hex of a data set encoded in ts (malloc'd). */
static char *hex_ds(const dq_dataset *ds, dq_transfer_syntax ts)
{
    dq_buffer b = {0};
    dq_error e;
    cr_assert_eq(dq_dataset_encode(ds, ts, &b, &e), 0, "%s", e.message);
    char *h = malloc(2 * b.len + 1);
    for (size_t i = 0; i < b.len; i++)
        sprintf(h + 2 * i, "%02x", b.data[i]);
    h[2 * b.len] = 0;
    dq_buffer_free(&b);
    return h;
}

typedef struct seen {
    size_t n, n_ident, n_bad;
    char names[8][64];
    int cancel_at; /* ask for a cancel at this response (1-based), 0: never */
    size_t mem_at_10, mem_last, mallocs_at_10, mallocs_last;
} seen;

static void on_rsp(void *user, const dq_find_response *r, bool *cancel)
{
    seen *s = user;
    s->n++;
    if (r->identifier) {
        s->n_ident++;
        dq_str v;
        if (s->n <= 8 &&
            dq_dataset_get_string(r->identifier, DQ_TAG(0x0010, 0x0010), &v, NULL) == 0)
            snprintf(s->names[s->n - 1], sizeof s->names[0], "%.*s", (int)v.len, v.ptr);
        size_t bytes, mallocs;
        dq_dataset_memory(r->identifier, &bytes, &mallocs);
        if (s->n == 10) {
            s->mem_at_10 = bytes;
            s->mallocs_at_10 = mallocs;
        }
        s->mem_last = bytes;
        s->mallocs_last = mallocs;
    }
    if (r->identifier_error)
        s->n_bad++;
    cr_assert_not(*cancel, "*cancel must start false");
    *cancel = s->cancel_at && (int)s->n == s->cancel_at;
}

/* Associates with a running SCP, runs one Patient Root C-FIND, releases.
 * Returns dq_find's rc; *err and *res filled. */
static int run_find(dq_test_scp *scp, dq_assoc_params *p, seen *s, dq_find_result *res,
                    dq_error *err)
{
    dq_assoc *a;
    if (dq_assoc_request(&a, "127.0.0.1", scp->port, p, err) < 0)
        return -2;
    dq_dataset *q = query();
    dq_find_request rq = {DQ_UID_PatientRootQueryRetrieveInformationModelFind, q, 0, 0};
    int rc = dq_find(a, &rq, on_rsp, s, res, err);
    if (rc == 0) {
        dq_error e2;
        cr_assert_eq(dq_assoc_release(a, &e2), 0, "%s", e2.message);
    }
    dq_assoc_free(a);
    dq_dataset_free(q);
    return rc;
}

static char *finish(dq_test_scp *scp)
{
    int st = dq_test_scp_finish(scp, 20);
    char *rec = dq_test_scp_record(scp);
    cr_assert_eq(st, 0, "SCP exit %d; record:\n%s", st, rec);
    dq_test_scp_cleanup(scp);
    return rec;
}

/* Runs a whole scripted exchange: starts the SCP on script, runs run_find
 * with p (NULL: params()), waits for the SCP to exit cleanly. Returns
 * run_find's rc; the SCP's record goes to *rec (NULL: freed). */
static int run_script(const char *script, const dq_assoc_params *p, seen *s, dq_find_result *res,
                      dq_error *e, char **rec)
{
    dq_test_scp scp;
    cr_assert_eq(dq_test_scp_start(&scp, script, 1), 0);
    dq_assoc_params defaults;
    params(&defaults);
    int rc = run_find(&scp, p ? (dq_assoc_params *)p : &defaults, s, res, e);
    char *r = finish(&scp);
    if (rec)
        *rec = r;
    else
        free(r);
    return rc;
}

Test(find, request_and_responses_in_each_transfer_syntax)
{
    static const dq_transfer_syntax tss[] = {DQ_TS_IMPLICIT_LE, DQ_TS_EXPLICIT_LE,
                                             DQ_TS_EXPLICIT_BE, DQ_TS_DEFLATED_LE};
    for (size_t i = 0; i < 4; i++) {
        dq_dataset *m1 = match("DOE^JOHN"), *m2 = match("ROE^JANE");
        char *h1 = hex_ds(m1, tss[i]), *h2 = hex_ds(m2, tss[i]);
        dq_dataset *q = query();
        char *hq = hex_ds(q, tss[i]);
        char *script = malloc(strlen(h1) + strlen(h2) + 512);
        sprintf(script,
                "set ts %s\naccept\nrecv-msg\nfind-rsp 0xFF00 %s\nfind-rsp 0xFF01 %s\n"
                "find-rsp 0x0000\nrelease\nwait-close\n",
                dq_ts_uid(tss[i]), h1, h2);
        seen s = {0};
        dq_find_result res;
        dq_error e;
        char *rec;
        cr_assert_eq(run_script(script, NULL, &s, &res, &e, &rec), 0, "%s: %s", dq_ts_name(tss[i]),
                     e.message);
        cr_assert_eq(s.n, 3);
        cr_assert_eq(s.n_ident, 2);
        cr_assert_str_eq(s.names[0], "DOE^JOHN");
        cr_assert_str_eq(s.names[1], "ROE^JANE");
        cr_assert_eq(res.n_pending, 2);
        cr_assert_eq(res.n_responses, 3);
        cr_assert_eq(res.final.code, 0x0000);
        cr_assert_str_eq(res.final.category, "Success");
        cr_assert_eq(res.message_id, 1);
        char v[4096];
        cr_assert_str_eq(dq_test_scp_get(rec, "command_field", 0, v, sizeof v), "0020");
        cr_assert_str_eq(dq_test_scp_get(rec, "msg_id", 0, v, sizeof v), "1");
        cr_assert_str_eq(dq_test_scp_get(rec, "priority", 0, v, sizeof v), "0");
        cr_assert_str_eq(dq_test_scp_get(rec, "sop_class", 0, v, sizeof v),
                         DQ_UID_PatientRootQueryRetrieveInformationModelFind);
        cr_assert_str_eq(dq_test_scp_get(rec, "pctx_used", 0, v, sizeof v), "1");
        /* the identifier went out in the accepted syntax */
        cr_assert_str_eq(dq_test_scp_get(rec, "data_hex", 0, v, sizeof v), hq, "%s",
                         dq_ts_name(tss[i]));
        /* command set: implicit VR LE, starting with (0000,0000) UL group length */
        cr_assert_eq(
            strncmp(dq_test_scp_get(rec, "cmd_hex", 0, v, sizeof v), "0000000004000000", 16), 0,
            "%s", v);
        free(rec);
        free(script);
        free(h1);
        free(h2);
        free(hq);
        dq_dataset_free(m1);
        dq_dataset_free(m2);
        dq_dataset_free(q);
    }
}

/* "set ts" Explicit VR Little Endian, then body with its one %s replaced by
 * the hex of the match for name (malloc'd). */
static char *match_script(const char *name, const char *body)
{
    dq_dataset *m = match(name);
    char *h = hex_ds(m, DQ_TS_EXPLICIT_LE);
    dq_dataset_free(m);
    size_t n = strlen(h) + strlen(body) + 128;
    char *script = malloc(n);
    int k = snprintf(script, n, "set ts %s\n", DQ_UID_ExplicitVRLittleEndian);
    snprintf(script + k, n - (size_t)k, body, h);
    free(h);
    return script;
}

/* A script with one pending response and the final one, and its size on the wire. */
static char *one_match_script(const char *prefix, const char *suffix, char **hex_out)
{
    dq_dataset *m = match("SPLIT^TEST");
    char *h = hex_ds(m, DQ_TS_EXPLICIT_LE);
    dq_dataset_free(m);
    char *script = malloc(strlen(h) + strlen(prefix) + strlen(suffix) + 256);
    sprintf(script, "set ts %s\naccept\nrecv-msg\n%sfind-rsp 0xFF00 %s\nfind-rsp 0x0000\n%s",
            DQ_UID_ExplicitVRLittleEndian, prefix, h, suffix);
    if (hex_out)
        *hex_out = h;
    else
        free(h);
    return script;
}

Test(find, responses_split_at_every_byte_boundary)
{
    char *h;
    free(one_match_script("", "", &h));
    /* command PDU (~100 bytes) + data PDU (12 + identifier): cover all of it */
    size_t total = 100 + 12 + strlen(h) / 2 + 16;
    free(h);
    for (size_t k = 1; k < total; k++) {
        char prefix[32];
        snprintf(prefix, sizeof prefix, "set split %zu\n", k);
        char *script = one_match_script(prefix, "release\n", NULL);
        seen s = {0};
        dq_find_result res;
        dq_error e;
        cr_assert_eq(run_script(script, NULL, &s, &res, &e, NULL), 0, "split %zu: %s", k,
                     e.message);
        cr_assert_eq(s.n_ident, 1, "split %zu", k);
        cr_assert_str_eq(s.names[0], "SPLIT^TEST");
        free(script);
    }
}

Test(find, one_byte_at_a_time_and_one_pdu_and_tiny_fragments)
{
    const char *modes[] = {"set chunk 1\n", "set onepdu 1\n", "set pdvmax 3\n",
                           "set pdvmax 1\nset chunk 5\n"};
    for (size_t i = 0; i < 4; i++) {
        char *script = one_match_script(modes[i], "release\n", NULL);
        seen s = {0};
        dq_find_result res;
        dq_error e;
        cr_assert_eq(run_script(script, NULL, &s, &res, &e, NULL), 0, "%s: %s", modes[i],
                     e.message);
        cr_assert_eq(s.n_ident, 1, "%s", modes[i]);
        cr_assert_str_eq(s.names[0], "SPLIT^TEST", "%s", modes[i]);
        free(script);
    }
}

Test(find, request_fragmented_to_the_peers_max_pdu)
{
    /* Peer max PDU 64: the command (~90 bytes) and a ~2 KB identifier must be
     * cut into PDUs of at most 64 + 6 bytes. */
    dq_test_scp scp;
    cr_assert_eq(
        dq_test_scp_start(&scp, "set maxpdu 64\naccept\nrecv-msg\nfind-rsp 0x0000\nrelease\n", 1),
        0);
    dq_assoc_params p;
    params(&p);
    dq_assoc *a;
    dq_error e;
    cr_assert_eq(dq_assoc_request(&a, "127.0.0.1", scp.port, &p, &e), 0, "%s", e.message);
    dq_dataset *q = query();
    char longname[2001];
    memset(longname, 'A', 2000);
    longname[2000] = 0;
    cr_assert_eq(dq_dataset_set_string(q, DQ_TAG(0x0010, 0x21B0), 0, longname, &e), 0);
    dq_find_request rq = {DQ_UID_PatientRootQueryRetrieveInformationModelFind, q, 2, 77};
    dq_find_result res;
    cr_assert_eq(dq_find(a, &rq, NULL, NULL, &res, &e), 0, "%s", e.message);
    cr_assert_eq(res.message_id, 77);
    cr_assert_eq(dq_assoc_release(a, &e), 0);
    dq_assoc_free(a);
    char *hq = hex_ds(q, DQ_TS_EXPLICIT_LE);
    dq_dataset_free(q);
    char *rec = finish(&scp);
    char *v = malloc(1 << 16);
    cr_assert_str_eq(dq_test_scp_get(rec, "data_hex", 0, v, 1 << 16), hq);
    cr_assert_str_eq(dq_test_scp_get(rec, "msg_id", 0, v, 1 << 16), "77");
    cr_assert_str_eq(dq_test_scp_get(rec, "priority", 0, v, 1 << 16), "2");
    int n = atoi(dq_test_scp_get(rec, "msg_pdus", 0, v, 1 << 16));
    cr_assert_gt(n, 2000 / 58, "only %d PDUs", n);
    for (int i = 0; dq_test_scp_get(rec, "pdata_len", i, v, 1 << 16); i++)
        cr_assert_leq(atoi(v), 64 + 6, "PDU %d is %s bytes", i, v);
    free(v);
    free(rec);
    free(hq);
}

Test(find, cancel)
{
    dq_dataset *m = match("FIRST^ONE");
    char *h = hex_ds(m, DQ_TS_EXPLICIT_LE);
    dq_dataset_free(m);
    char *script = malloc(strlen(h) * 2 + 256);
    sprintf(script,
            "set ts %s\naccept\nrecv-msg\nfind-rsp 0xFF00 %s\nrecv-msg\n"
            "find-rsp 0xFF00 %s\nfind-rsp 0xFE00\nrelease\n",
            DQ_UID_ExplicitVRLittleEndian, h, h);
    seen s = {.cancel_at = 1};
    dq_find_result res;
    dq_error e;
    char *rec;
    cr_assert_eq(run_script(script, NULL, &s, &res, &e, &rec), 0, "%s", e.message);
    cr_assert(res.cancel_sent);
    cr_assert_eq(res.final.code, 0xFE00);
    cr_assert_str_eq(res.final.category, "Cancel");
    cr_assert_eq(s.n, 3);
    char v[64];
    cr_assert_str_eq(dq_test_scp_get(rec, "command_field", 1, v, sizeof v), "0fff");
    cr_assert_str_eq(dq_test_scp_get(rec, "msg_id_responded", 0, v, sizeof v), "1");
    free(rec);
    free(script);
    free(h);
}

/* ---- cancel and abort asked for by the transport's interrupt check ---------- */

/* An interrupt check that, once armed, reports `kind` at its `fire_at`th
 * READ_WAIT (the read is about to block: nothing to receive). */
typedef struct wanting {
    bool armed;
    int waits, fire_at;
    int give_up_at; /* READ_WAIT at which the wait after the cancel ends (0: never) */
    dq_cancel_kind kind;
    int cancels_sent, dimse_sent;
} wanting;

static int wanting_check(void *user, dq_transport *t, dq_transport_step step, double *wait_max,
                         dq_error *err)
{
    (void)t;
    (void)wait_max;
    wanting *w = user;
    if (!w->armed || step != DQ_TRANSPORT_STEP_READ_WAIT)
        return 0;
    if (++w->waits == w->give_up_at) {
        dq_error_set(err, DQ_ERR_TIMEOUT, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG, "gave up");
        err->detail[0] = DQ_TIMEOUT_CANCEL;
        return -1;
    }
    if (w->waits != w->fire_at)
        return 0;
    dq_error_set(err, DQ_ERR_CANCELLED, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG, "wanted");
    err->detail[0] = (int)w->kind;
    return -1;
}

static void wanting_event(void *user, const dq_assoc_event *ev)
{
    wanting *w = user;
    if (ev->type != DQ_ASSOC_EV_DIMSE_SENT)
        return;
    w->dimse_sent++;
    w->cancels_sent += ev->dimse->command.command_field == DQ_DIMSE_CMD_C_CANCEL_FIND_RQ;
}

/* What run_wanting saw. */
typedef struct wanted {
    seen s;
    dq_find_result res;
    dq_assoc_stats st; /* after the query (and the release, when it succeeded) */
    dq_error e;
    char *rec; /* the SCP's record */
} wanted;

/* Runs one C-FIND against script over a transport with the check above.
 * Returns dq_find's rc. */
static int run_wanting(const char *script, wanting *w, wanted *out)
{
    memset(out, 0, sizeof *out);
    dq_test_scp scp;
    cr_assert_eq(dq_test_scp_start(&scp, script, 1), 0);
    dq_transport_interrupt irq = {.wake_fd = -1, .check = wanting_check, .user = w};
    dq_transport *t;
    cr_assert_eq(dq_transport_connect_tcp_irq(&t, "127.0.0.1", scp.port, 5, &irq, &out->e), 0);
    dq_assoc_params p;
    params(&p);
    p.on_event = wanting_event;
    p.user = w;
    dq_assoc *a;
    cr_assert_eq(dq_assoc_request_on(&a, t, &p, &out->e), 0, "%s", out->e.message);
    dq_dataset *q = query();
    dq_find_request rq = {DQ_UID_PatientRootQueryRetrieveInformationModelFind, q, 0, 0};
    w->armed = true;
    int rc = dq_find(a, &rq, on_rsp, &out->s, &out->res, &out->e);
    w->armed = false;
    dq_error e2;
    if (rc == 0)
        cr_assert_eq(dq_assoc_release(a, &e2), 0, "%s", e2.message);
    dq_assoc_stats_get(a, &out->st);
    dq_assoc_free(a);
    dq_dataset_free(q);
    out->rec = finish(&scp);
    return rc;
}

/* The peer got a C-CANCEL-RQ for message 1, sent once through the DIMSE
 * path, and the final Cancel response ended the query. */
static void expect_cancelled(const wanting *w, const wanted *got)
{
    char v[64];
    cr_assert_str_eq(dq_test_scp_get(got->rec, "command_field", 1, v, sizeof v), "0fff", "%s",
                     got->rec);
    cr_assert_str_eq(dq_test_scp_get(got->rec, "msg_id_responded", 0, v, sizeof v), "1");
    cr_assert(got->res.cancel_sent);
    cr_assert_eq(got->res.final.code, 0xFE00);
    cr_assert_eq(w->cancels_sent, 1, "DQ_ASSOC_EV_DIMSE_SENT saw the C-CANCEL-RQ");
}

/* "Cancel wanted" while dq_find is blocked waiting: the C-CANCEL-RQ goes out
 * at once through the DIMSE path (the event and the counters see it), and
 * the final Cancel response ends the query normally. */
Test(find, cancel_wanted_while_blocked_sends_c_cancel_and_waits_for_the_final_response)
{
    wanting w = {.fire_at = 1, .kind = DQ_CANCEL_REQUEST};
    wanted got;
    cr_assert_eq(run_wanting("accept\nrecv-msg\nrecv-msg\nfind-rsp 0xFE00\nrelease\n", &w, &got), 0,
                 "%s", got.e.message);
    expect_cancelled(&w, &got);
    cr_assert_eq(got.res.n_responses, 1);
    cr_assert_eq(w.dimse_sent, 2);
    /* A-ASSOCIATE-RQ, C-FIND-RQ (command + data set), C-CANCEL-RQ, A-RELEASE-RQ. */
    cr_assert_eq(got.st.pdus_sent, 5);
    free(got.rec);
}

/* The wish arrives in the middle of a response that comes in 7-byte pieces:
 * the cancel goes out and the response is still read whole. */
Test(find, cancel_wanted_inside_a_response_loses_nothing)
{
    char *script = match_script("FIRST^ONE", "accept\nrecv-msg\nset chunk 7\nfind-rsp 0xFF00 %s\n"
                                             "set chunk 0\nrecv-msg\nfind-rsp 0xFE00\nrelease\n");
    wanting w = {.fire_at = 3, .kind = DQ_CANCEL_REQUEST};
    wanted got;
    cr_assert_eq(run_wanting(script, &w, &got), 0, "%s", got.e.message);
    expect_cancelled(&w, &got);
    cr_assert_eq(got.s.n, 2);
    cr_assert_str_eq(got.s.names[0], "FIRST^ONE");
    free(got.rec);
    free(script);
}

/* The caller's bound on the wait after a cancel ends it as a timeout of
 * its own kind (not reworded as the DIMSE timeout it runs under). */
Test(find, a_bounded_wait_after_the_cancel_keeps_its_timeout_kind)
{
    wanting w = {.fire_at = 1, .give_up_at = 2, .kind = DQ_CANCEL_REQUEST};
    wanted got;
    cr_assert_eq(run_wanting("accept\nrecv-msg\nrecv-msg\nwait-close\n", &w, &got), -1);
    cr_assert_eq(got.e.kind, DQ_ERR_TIMEOUT, "%s", got.e.message);
    cr_assert_eq(got.e.detail[0], DQ_TIMEOUT_CANCEL, "%s", got.e.message);
    cr_assert_str_eq(got.e.message, "gave up");
    char v[64];
    cr_assert_str_eq(dq_test_scp_get(got.rec, "command_field", 1, v, sizeof v), "0fff");
    cr_assert_str_eq(dq_test_scp_get(got.rec, "pdu", 0, v, sizeof v), "07", "%s", got.rec);
    free(got.rec);
}

/* "Abort wanted": no C-CANCEL, an A-ABORT, and dq_find fails. */
Test(find, abort_wanted_while_blocked_aborts)
{
    wanting w = {.fire_at = 1, .kind = DQ_CANCEL_ABORT};
    wanted got;
    cr_assert_eq(run_wanting("accept\nrecv-msg\nwait-close\n", &w, &got), -1);
    cr_assert_eq(got.e.kind, DQ_ERR_CANCELLED, "%s", got.e.message);
    char v[64];
    cr_assert_str_eq(dq_test_scp_get(got.rec, "pdu", 0, v, sizeof v), "07", "%s", got.rec);
    cr_assert_null(dq_test_scp_get(got.rec, "command_field", 1, v, sizeof v));
    cr_assert_eq(w.cancels_sent, 0);
    cr_assert(!got.res.cancel_sent);
    free(got.rec);
}

Test(find, memory_stays_flat_over_many_responses)
{
    char *script = match_script("MANY^MATCHES", "accept\nrecv-msg\nfind-rsp-n 20000 0xFF00 %s\n"
                                                "find-rsp 0x0000\nrelease\n");
    seen s = {0};
    dq_find_result res;
    dq_error e;
    cr_assert_eq(run_script(script, NULL, &s, &res, &e, NULL), 0, "%s", e.message);
    cr_assert_eq(res.n_pending, 20000);
    cr_assert_eq(s.n_ident, 20000);
    cr_assert_eq(s.mem_last, s.mem_at_10, "data set memory grew: %zu -> %zu", s.mem_at_10,
                 s.mem_last);
    cr_assert_eq(s.mallocs_last, s.mallocs_at_10);
    free(script);
}

Test(find, undecodable_identifier_is_reported_and_the_query_goes_on)
{
    char script[512];
    snprintf(script, sizeof script,
             "set ts %s\naccept\nrecv-msg\nfind-rsp 0xFF00 10001000ffffffff4142\n"
             "find-rsp 0x0000\nrelease\n",
             DQ_UID_ExplicitVRLittleEndian);
    seen s = {0};
    dq_find_result res;
    dq_error e;
    cr_assert_eq(run_script(script, NULL, &s, &res, &e, NULL), 0, "%s", e.message);
    cr_assert_eq(s.n_bad, 1);
    cr_assert_eq(s.n_ident, 0);
    cr_assert_str_eq(res.final.category, "Success");
}

/* Each of these ends the query with a clean error of the given kind. */
static void failing(const char *middle, double dimse_timeout, dq_error_kind want,
                    const char *want_pdu_from_us)
{
    char script[512];
    snprintf(script, sizeof script, "accept\nrecv-msg\n%swait-close\n", middle);
    dq_assoc_params p;
    params(&p);
    p.dimse_timeout = dimse_timeout;
    seen s = {0};
    dq_find_result res;
    dq_error e;
    char *rec;
    int rc = run_script(script, &p, &s, &res, &e, &rec);
    cr_assert_eq(rc, -1, "'%s' should fail", middle);
    cr_assert_eq(e.kind, want, "'%s': got %s: %s", middle, dq_error_kind_name(e.kind), e.message);
    if (want_pdu_from_us) {
        char v[64];
        cr_assert_not_null(dq_test_scp_get(rec, "pdu", 0, v, sizeof v), "%s: %s", middle, rec);
        cr_assert_str_eq(v, want_pdu_from_us, "%s: %s", middle, rec);
    }
    free(rec);
}

Test(find, failures_end_cleanly)
{
    failing("delay 1500\n", 0.3, DQ_ERR_TIMEOUT, "07");
    failing("abort 2 1\n", 5, DQ_ERR_ABORTED, NULL);
    failing("close\n", 5, DQ_ERR_CLOSED, NULL);
    /* A P-DATA-TF above our maximum is taken (we wait for the rest of it);
     * one above the safety cap is refused as such. */
    failing("oversized 100000\n", 0.3, DQ_ERR_TIMEOUT, "07");
    failing("oversized 70000000\n", 5, DQ_ERR_LIMIT, "07");
    failing("garbage 40\n", 5, DQ_ERR_PROTOCOL, "07");
    failing("send-release-rq\n", 5, DQ_ERR_CLOSED, "06");
    failing("send 02000000000a00010000000000000000\n", 5, DQ_ERR_PROTOCOL, "07");
    /* a P-DATA-TF whose PDV overruns it */
    failing("send 0400000000080000ffff01034142\n", 5, DQ_ERR_PROTOCOL, "07");
    /* a data set PDV before any command */
    failing("send 0400000000080000000401024142\n", 5, DQ_ERR_PROTOCOL, "07");
    /* a PDV on a context that was never proposed */
    failing("send 040000000008000000040702aabb\n", 5, DQ_ERR_PROTOCOL, "07");
}

Test(find, response_to_another_message_is_a_protocol_error)
{
    /* A C-FIND-RSP for message 9 (we sent 1). */
    const char *cmd = "0000000004000000"
                      "4c000000"
                      "00000200"
                      "1c000000"
                      "312e322e3834302e31303030382e352e312e342e312e322e312e3100"
                      "00000001"
                      "02000000"
                      "2080"
                      "00002001"
                      "02000000"
                      "0900"
                      "00000008"
                      "02000000"
                      "0101"
                      "00000009"
                      "02000000"
                      "0000";
    char script[1024];
    snprintf(script, sizeof script, "accept\nrecv-msg\nsend 04000000%08zx%08zx0103%s\nwait-close\n",
             strlen(cmd) / 2 + 6, strlen(cmd) / 2 + 2, cmd);
    seen s = {0};
    dq_find_result res;
    dq_error e;
    cr_assert_eq(run_script(script, NULL, &s, &res, &e, NULL), -1);
    cr_assert_eq(e.kind, DQ_ERR_PROTOCOL, "%s", e.message);
}

Test(find, no_accepted_context)
{
    dq_test_scp scp;
    cr_assert_eq(dq_test_scp_start(&scp, "set result 1 3\naccept\nrelease\n", 1), 0);
    dq_assoc_params p;
    params(&p);
    p.n_contexts = 1;
    dq_assoc *a;
    dq_error e;
    cr_assert_eq(dq_assoc_request(&a, "127.0.0.1", scp.port, &p, &e), 0);
    dq_dataset *q = query();
    dq_find_request rq = {DQ_UID_PatientRootQueryRetrieveInformationModelFind, q, 0, 0};
    cr_assert_eq(dq_find(a, &rq, NULL, NULL, NULL, &e), -1);
    cr_assert_eq(e.kind, DQ_ERR_NOT_FOUND);
    cr_assert(dq_assoc_is_established(a), "a missing context does not end the association");
    cr_assert_eq(dq_assoc_release(a, &e), 0);
    dq_assoc_free(a);
    dq_dataset_free(q);
    free(finish(&scp));
}

Test(find, status_classification)
{
    dq_find_status st;
    dq_find_status_classify(0x0000, &st);
    cr_assert_str_eq(st.category, "Success");
    dq_find_status_classify(0xFF00, &st);
    cr_assert_str_eq(st.category, "Pending");
    dq_find_status_classify(0xFF01, &st);
    cr_assert_str_eq(st.category, "Pending");
    dq_find_status_classify(0xFE00, &st);
    cr_assert_str_eq(st.category, "Cancel");
    dq_find_status_classify(0xA700, &st);
    cr_assert_str_eq(st.category, "Failure");
    cr_assert_neq(st.meaning[0], 0);
    dq_find_status_classify(0xC123, &st); /* "Cxxx: Unable to process" */
    cr_assert_str_eq(st.category, "Failure");
    dq_find_status_classify(0x0122, &st);
    cr_assert_str_eq(st.category, "Failure");
    dq_find_status_classify(0x1234, &st);
    cr_assert_str_eq(st.category, "Unknown");
    cr_assert_str_eq(st.meaning, "");
}

Test(find, copies_are_counted_and_whole_data_sets_are_used_in_place)
{
    const char *modes[] = {"", "set pdvmax 7\n"};
    for (int i = 0; i < 2; i++) {
        char *h;
        char *script = one_match_script(modes[i], "release\n", &h);
        size_t ident_len = strlen(h) / 2;
        dq_test_scp scp;
        cr_assert_eq(dq_test_scp_start(&scp, script, 1), 0);
        dq_assoc_params p;
        params(&p);
        dq_assoc *a;
        dq_error e;
        cr_assert_eq(dq_assoc_request(&a, "127.0.0.1", scp.port, &p, &e), 0, "%s", e.message);
        dq_dataset *q = query();
        dq_find_request rq = {DQ_UID_PatientRootQueryRetrieveInformationModelFind, q, 0, 0};
        seen s = {0};
        cr_assert_eq(dq_find(a, &rq, on_rsp, &s, NULL, &e), 0, "%s", e.message);
        dq_assoc_stats st;
        dq_assoc_stats_get(a, &st);
        cr_assert_eq(st.messages_received, 2);
        if (i == 0) {
            /* one PDV per data set: used where it lies; only commands copied */
            cr_assert_eq(st.data_sets_in_place, 1);
            cr_assert_lt(st.bytes_copied, 2 * 100);
        } else {
            cr_assert_eq(st.data_sets_in_place, 0);
            cr_assert_geq(st.bytes_copied, ident_len);
            cr_assert_lt(st.bytes_copied, ident_len + 2 * 100);
        }
        cr_assert_gt(st.pdus_received, 2);
        cr_assert_eq(st.transport.bytes_read, st.bytes_received);
        cr_assert_eq(dq_assoc_release(a, &e), 0);
        dq_assoc_free(a);
        dq_dataset_free(q);
        free(finish(&scp));
        free(script);
        free(h);
    }
}

Test(find, reassembled_data_set_is_capped)
{
    /* The identifier arrives in 3-byte PDVs; a cap below its size must end
     * the query with DQ_ERR_LIMIT and our A-ABORT, not grow memory. */
    char *script = one_match_script("set pdvmax 3\n", "release\n", NULL);
    dq_test_scp scp;
    cr_assert_eq(dq_test_scp_start(&scp, script, 1), 0);
    dq_assoc_params p;
    params(&p);
    p.max_data_set_length = 8;
    seen s = {0};
    dq_find_result res;
    dq_error e;
    cr_assert_neq(run_find(&scp, &p, &s, &res, &e), 0);
    cr_assert_eq(e.kind, DQ_ERR_LIMIT, "got %s: %s", dq_error_kind_name(e.kind), e.message);
    cr_assert(strstr(e.message, "larger than 8 bytes"), "%s", e.message);
    cr_assert_eq(s.n_ident, 0);
    dq_test_scp_finish(&scp, 20);
    char *rec = dq_test_scp_record(&scp);
    char v[64];
    cr_assert_not_null(dq_test_scp_get(rec, "pdu", 0, v, sizeof v), "%s", rec);
    cr_assert_str_eq(v, "07", "%s", rec);
    dq_test_scp_cleanup(&scp);
    free(rec);
    free(script);

    /* The same identifier under the default cap still arrives. */
    script = one_match_script("set pdvmax 3\n", "release\n", NULL);
    cr_assert_eq(dq_test_scp_start(&scp, script, 1), 0);
    params(&p);
    seen s2 = {0};
    cr_assert_eq(run_find(&scp, &p, &s2, &res, &e), 0, "%s", e.message);
    cr_assert_eq(s2.n_ident, 1);
    free(finish(&scp));
    free(script);
}

/* dq_find_encoded sends the caller's bytes as the identifier, untouched. */
Test(find, pre_encoded_identifier_is_sent_as_is)
{
    dq_test_scp scp;
    cr_assert_eq(
        dq_test_scp_start(&scp, "accept\nrecv-msg\nfind-rsp 0x0000\nrelease\nwait-close\n", 1), 0);
    dq_assoc_params p;
    params(&p);
    dq_error e;
    dq_assoc *a;
    cr_assert_eq(dq_assoc_request(&a, "127.0.0.1", scp.port, &p, &e), 0, "%s", e.message);
    /* (0010,0020) LO "X " in Implicit VR LE (the context's syntax) */
    static const uint8_t bytes[] = {0x10, 0x00, 0x20, 0x00, 0x02, 0x00, 0x00, 0x00, 'X', ' '};
    dq_buffer b = {(uint8_t *)bytes, sizeof bytes, sizeof bytes};
    dq_find_request rq = {DQ_UID_PatientRootQueryRetrieveInformationModelFind, NULL, 0, 0};
    dq_find_result res;
    cr_assert_eq(dq_find_encoded(a, &rq, &b, NULL, NULL, &res, &e), 0, "%s", e.message);
    cr_assert_eq(res.final.code, 0x0000);
    cr_assert_eq(dq_assoc_release(a, &e), 0, "%s", e.message);
    dq_assoc_free(a);
    cr_assert_eq(dq_find_encoded(NULL, &rq, NULL, NULL, NULL, NULL, &e), -1);
    cr_assert_eq(e.kind, DQ_ERR_ARGUMENT);
    char *rec = finish(&scp);
    char v[256];
    cr_assert_str_eq(dq_test_scp_get(rec, "data_hex", 0, v, sizeof v), "1000200002000000"
                                                                       "5820");
    free(rec);
}

typedef struct oversized_log {
    int n;
    size_t first_len;
} oversized_log;

static void on_oversized(void *user, const dq_assoc_event *ev)
{
    oversized_log *l = user;
    if (ev->type == DQ_ASSOC_EV_PDU_OVERSIZED && l->n++ == 0)
        l->first_len = ev->pdu_len;
}

/* Some peers send P-DATA-TF PDUs longer than the maximum we offered:
 * pynetdicom keeps their responses, so do we (reported once by an event),
 * up to the safety cap. */
Test(find, responses_in_pdus_above_our_maximum_are_kept)
{
    dq_dataset *m = match("BIG^PDU");
    static uint8_t filler[40000];
    memset(filler, 'A', sizeof filler);
    dq_error e;
    cr_assert_eq(
        dq_dataset_set_bytes(m, DQ_TAG(0x0011, 0x1010), DQ_VR_OB, filler, sizeof filler, &e), 0,
        "%s", e.message);
    char *h = hex_ds(m, DQ_TS_EXPLICIT_LE);
    dq_dataset_free(m);
    char *script = malloc(2 * strlen(h) + 512);
    sprintf(script,
            "set ts %s\nset pdvmax 60000\naccept\nrecv-msg\nfind-rsp 0xFF00 %s\n"
            "find-rsp 0xFF00 %s\nfind-rsp 0x0000\nrelease\nwait-close\n",
            DQ_UID_ExplicitVRLittleEndian, h, h);
    dq_assoc_params p;
    params(&p);
    p.max_pdu = 16382;
    oversized_log l = {0};
    p.on_event = on_oversized;
    p.user = &l;
    seen s = {0};
    dq_find_result res;
    cr_assert_eq(run_script(script, &p, &s, &res, &e, NULL), 0, "%s", e.message);
    cr_assert_eq(s.n_ident, 2);
    cr_assert_str_eq(s.names[0], "BIG^PDU");
    cr_assert_eq(res.final.code, 0x0000);
    cr_assert_eq(l.n, 1, "reported once, not per PDU");
    cr_assert_eq(l.first_len, strlen(h) / 2 + 12, "the PDU carrying the first identifier");
    free(script);
    free(h);

    cr_assert_eq(dq_assoc_pdata_cap(0), DQ_TRANSPORT_DEFAULT_MAX_BUFFER - DQ_PDU_HEADER_SIZE);
    cr_assert_eq(dq_assoc_pdata_cap(4096), 4096 + DQ_DIMSE_MAX_COMMAND_LENGTH);
}
