/* User Identity Negotiation in the library (PS3.7 D.3.3.7): the AC's
 * sub-item (59H) decoded from bytes written by hand from PS3.7 Table D.3-15,
 * hostile variants of it, the type names generated from Table D.3-14, and
 * dq_assoc's parameters, response accessor and =required failure against
 * the scripted SCP. */
#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>

#include "dq/assoc.h"
#include "dq/pdu.h"
#include "scp.h"

/* An A-ASSOCIATE-AC (PS3.8 Table 9-17): application context, context 1
 * accepted with Implicit VR Little Endian, user information with a maximum
 * length (51H) and then `sub` (n bytes: the sub-items under test). The
 * lengths of the PDU and the enclosing items are counted here. */
static size_t make_ac(uint8_t *out, const uint8_t *sub, size_t n)
{
    static const char head[] = "\x02\x00"
                               "\x00\x00\x00\x00" /* PDU-length: set below */
                               "\x00\x01\x00\x00"
                               "ANY-SCP         "
                               "FINDSCU         "
                               "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"
                               "\x10\x00\x00\x15"
                               "1.2.840.10008.3.1.1.1"
                               "\x21\x00\x00\x19"
                               "\x01\x00\x00\x00"
                               "\x40\x00\x00\x11"
                               "1.2.840.10008.1.2"
                               "\x50\x00\x00\x00" /* user information length: set below */
                               "\x51\x00\x00\x04"
                               "\x00\x00\x40\x00";
    size_t k = sizeof head - 1;
    memcpy(out, head, k);
    memcpy(out + k, sub, n);
    size_t total = k + n, ui = k - 12, ul = 8 + n;
    out[ui + 2] = (uint8_t)(ul >> 8);
    out[ui + 3] = (uint8_t)ul;
    size_t pl = total - 6;
    out[2] = (uint8_t)(pl >> 24);
    out[3] = (uint8_t)(pl >> 16);
    out[4] = (uint8_t)(pl >> 8);
    out[5] = (uint8_t)pl;
    return total;
}

static dq_pdu_associate decoded;

static int decode_with(const uint8_t *sub, size_t n, dq_error *err)
{
    static uint8_t buf[512];
    size_t len = make_ac(buf, sub, n);
    return dq_pdu_decode_associate(buf, len, &decoded, err);
}

/* PS3.7 Table D.3-15: 59H, 00H, Item-length, Server-response-length (2),
 * Server-response. */
Test(user_identity, ac_sub_item_decoded)
{
    dq_error err;
    static const uint8_t none[] = {0};
    cr_assert_eq(decode_with(none, 0, &err), 0, "%s", err.message);
    cr_assert_not(decoded.user_info.has_user_identity);

    static const uint8_t abc[] = {0x59, 0x00, 0x00, 0x05, 0x00, 0x03, 'a', 'b', 'c'};
    cr_assert_eq(decode_with(abc, sizeof abc, &err), 0, "%s", err.message);
    cr_assert(decoded.user_info.has_user_identity);
    cr_assert_eq(decoded.user_info.user_identity.primary_len, 3);
    cr_assert_eq(memcmp(decoded.user_info.user_identity.primary, "abc", 3), 0);

    /* a username's response is empty (PS3.7 D.3.3.7.2) */
    static const uint8_t empty[] = {0x59, 0x00, 0x00, 0x02, 0x00, 0x00};
    cr_assert_eq(decode_with(empty, sizeof empty, &err), 0, "%s", err.message);
    cr_assert(decoded.user_info.has_user_identity);
    cr_assert_eq(decoded.user_info.user_identity.primary_len, 0);
}

Test(user_identity, ac_sub_item_hostile)
{
    static const struct {
        uint8_t b[24];
        size_t n;
        const char *why;
    } cases[] = {
        /* the response's length runs past the sub-item */
        {{0x59, 0x00, 0x00, 0x02, 0x00, 0x05}, 6, "server response runs past the item"},
        /* no room for the Server-response-length field */
        {{0x59, 0x00, 0x00, 0x01, 0x00}, 5, "length shorter than the fixed fields"},
        /* the sub-item's own length runs past the user information item */
        {{0x59, 0x00, 0x00, 0x09, 0x00, 0x00}, 6, "runs past the end"},
        /* one User Identity sub-item at most (PS3.7 D.3.3.7.2) */
        {{0x59, 0x00, 0x00, 0x02, 0x00, 0x00, 0x59, 0x00, 0x00, 0x02, 0x00, 0x00},
         12,
         "more than one user identity sub-item"},
        /* a truncated sub-item header */
        {{0x59, 0x00}, 2, "truncated sub-item header"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        dq_error err;
        cr_expect_eq(decode_with(cases[i].b, cases[i].n, &err), -1, "case %zu", i);
        cr_expect_eq(err.kind, DQ_ERR_MALFORMED, "case %zu", i);
        cr_expect(strstr(err.message, cases[i].why), "case %zu: %s", i, err.message);
        /* the offset is the sub-item's (after 74 + 25 + 29 + 4 + 8 bytes) */
        cr_expect(err.offset >= 140 && err.offset < 140 + cases[i].n, "case %zu: offset %zu", i,
                  err.offset);
    }
}

/* PS3.7 Table D.3-14's User-Identity-Type meanings, as generated. */
Test(user_identity, type_texts)
{
    cr_assert_str_eq(dq_pdu_user_identity_type_text(DQ_USER_IDENTITY_USERNAME),
                     "Username as a string in UTF-8");
    cr_assert_str_eq(dq_pdu_user_identity_type_text(DQ_USER_IDENTITY_USERNAME_PASSCODE),
                     "Username as a string in UTF-8 and passcode");
    cr_assert_str_eq(dq_pdu_user_identity_type_text(DQ_USER_IDENTITY_KERBEROS),
                     "Kerberos Service ticket");
    cr_assert_str_eq(dq_pdu_user_identity_type_text(DQ_USER_IDENTITY_SAML), "SAML Assertion");
    cr_assert_str_eq(dq_pdu_user_identity_type_text(DQ_USER_IDENTITY_JWT), "JSON Web Token (JWT)");
    cr_assert_null(dq_pdu_user_identity_type_text(0));
    cr_assert_null(dq_pdu_user_identity_type_text(6));
}

/* ---- the association ------------------------------------------------------------ */

static const char *const ts_implicit[] = {DQ_UID_ImplicitVRLittleEndian};
static const dq_assoc_context ctx1[] = {{"1.2.840.10008.5.1.4.1.2.1.1", ts_implicit, 1}};

static void params(dq_assoc_params *p, const dq_assoc_user_identity *u)
{
    dq_assoc_params_default(p);
    p->contexts = ctx1;
    p->n_contexts = 1;
    p->acse_timeout = p->dimse_timeout = p->network_timeout = 5;
    p->artim_timeout = 0.2;
    p->user_identity = u;
}

/* Our 58H as the peer read it, after PS3.7 Table D.3-14: type 01,
 * response requested 01, primary length 0005, "alice" 616c696365, secondary
 * length 0000. */
static void expect_alice(const char *rec)
{
    char v[256];
    cr_assert_str_eq(dq_test_scp_get(rec, "user_item_58", 0, v, sizeof v),
                     "01010005616c6963650000");
}

/* Runs script against an association request with identity u; *rec gets
 * the SCP's record (free it). Returns dq_assoc_request's rc. */
static int request(const char *script, const dq_assoc_user_identity *u, dq_assoc **a, dq_error *e,
                   char **rec)
{
    dq_test_scp scp;
    cr_assert_eq(dq_test_scp_start(&scp, script, 1), 0);
    dq_assoc_params p;
    params(&p, u);
    int rc = dq_assoc_request(a, "127.0.0.1", scp.port, &p, e);
    if (rc == 0) {
        dq_error re;
        cr_assert_eq(dq_assoc_release(*a, &re), 0, "%s", re.message);
    }
    dq_test_scp_finish(&scp, 10);
    *rec = dq_test_scp_record(&scp);
    dq_test_scp_cleanup(&scp);
    return rc;
}

Test(user_identity, parameters_checked_before_anything_is_sent)
{
    static uint8_t big[65536];
    const struct {
        dq_assoc_user_identity u;
        const char *why;
    } cases[] = {
        {{6, (const uint8_t *)"x", 1, NULL, 0, 0}, "not one of PS3.7"},
        {{0, (const uint8_t *)"x", 1, NULL, 0, 0}, "not one of PS3.7"},
        {{DQ_USER_IDENTITY_USERNAME, (const uint8_t *)"", 0, NULL, 0, 0}, "1..65535 bytes"},
        {{DQ_USER_IDENTITY_JWT, big, sizeof big, NULL, 0, 0}, "1..65535 bytes"},
        {{DQ_USER_IDENTITY_USERNAME, (const uint8_t *)"a", 1, (const uint8_t *)"p", 1, 0},
         "a passcode goes with a username only"},
        {{DQ_USER_IDENTITY_USERNAME_PASSCODE, (const uint8_t *)"a", 1, big, sizeof big, 0},
         "passcode must be 0..65535 bytes"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        dq_assoc *a = NULL;
        dq_error e;
        char *rec;
        cr_expect_eq(request("wait-close\n", &cases[i].u, &a, &e, &rec), -1, "case %zu", i);
        cr_expect_eq(e.kind, DQ_ERR_ARGUMENT, "case %zu", i);
        cr_expect(strstr(e.message, cases[i].why), "case %zu: %s", i, e.message);
        cr_expect_null(strstr(rec, "rq_hex"), "case %zu sent an RQ", i);
        cr_expect_null(a);
        free(rec);
    }
}

Test(user_identity, response_accessor_and_required)
{
    static const uint8_t name[] = "alice";
    dq_assoc_user_identity u = {DQ_USER_IDENTITY_USERNAME, name, 5, NULL, 0,
                                DQ_USER_RESPONSE_REQUIRED};
    dq_assoc *a = NULL;
    dq_error e;
    char *rec;
    /* confirmed: the server response is the caller's */
    cr_assert_eq(
        request("set userid-ac 0003616263\naccept\nrelease\nwait-close\n", &u, &a, &e, &rec), 0,
        "%s", e.message);
    const uint8_t *resp;
    size_t len;
    cr_assert(dq_assoc_user_identity_response(a, &resp, &len));
    cr_assert_eq(len, 3);
    cr_assert_eq(memcmp(resp, "abc", 3), 0);
    expect_alice(rec);
    dq_assoc_free(a);
    free(rec);

    /* required but missing: A-ABORT and DQ_ERR_AUTH */
    cr_assert_eq(request("accept\nwait-close\n", &u, &a, &e, &rec), -1);
    cr_assert_eq(e.kind, DQ_ERR_AUTH, "%s", e.message);
    cr_assert_null(a);
    char v[16];
    cr_assert_str_eq(dq_test_scp_get(rec, "pdu", 0, v, sizeof v), "07", "%s", rec);
    free(rec);

    /* requested but missing: an association all the same */
    u.response = DQ_USER_RESPONSE_REQUESTED;
    cr_assert_eq(request("accept\nrelease\nwait-close\n", &u, &a, &e, &rec), 0, "%s", e.message);
    cr_assert_not(dq_assoc_user_identity_response(a, &resp, &len));
    cr_assert_null(resp);
    cr_assert_eq(len, 0);
    expect_alice(rec);
    dq_assoc_free(a);
    free(rec);
}
