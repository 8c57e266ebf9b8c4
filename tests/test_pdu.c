/* PDU codec tests: known bytes written by hand from PS3.8 Tables 9-11..9-26
 * and PS3.7 Annex D, round trips, and hostile input. */
#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>

#include "dq/pdu.h"

#define LIT(s) ((const uint8_t *)(s)), (sizeof(s) - 1)

/* A-ASSOCIATE-RQ: called "ANY-SCP", calling "FINDSCU", application context,
 * one presentation context (ID 1: Verification, Implicit LE + Explicit LE),
 * user information: max length 16384, implementation class UID 1.2.3.4,
 * role selection for Verification (SCU 1, SCP 0), version name "DQ01". */
static const char assoc_rq[] =
    "\x01\x00"
    "\x00\x00\x00\xDE" /* type, reserved, PDU-length 222 */
    "\x00\x01"
    "\x00\x00"         /* protocol version 1, reserved */
    "ANY-SCP         " /* called AE (11-26) */
    "FINDSCU         " /* calling AE (27-42) */
    "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0" /* 43-74 */
    "\x10\x00\x00\x15"
    "1.2.840.10008.3.1.1.1" /* application context item */
    "\x20\x00\x00\x45"
    "\x01\x00\x00\x00" /* presentation context ID 1 */
    "\x30\x00\x00\x11"
    "1.2.840.10008.1.1" /* abstract syntax */
    "\x40\x00\x00\x11"
    "1.2.840.10008.1.2" /* transfer syntax 1 */
    "\x40\x00\x00\x13"
    "1.2.840.10008.1.2.1" /* transfer syntax 2 */
    "\x50\x00\x00\x34"    /* user information */
    "\x51\x00\x00\x04"
    "\x00\x00\x40\x00" /* max length 16384 */
    "\x52\x00\x00\x07"
    "1.2.3.4" /* implementation class UID */
    "\x54\x00\x00\x15"
    "\x00\x11"
    "1.2.840.10008.1.1"
    "\x01\x00" /* role selection */
    "\x55\x00\x00\x04"
    "DQ01"; /* implementation version name */

/* A-ASSOCIATE-AC: two contexts (1 accepted with Explicit LE, 3 rejected:
 * abstract syntax not supported, no transfer syntax), max length 0,
 * async window 1/1, user identity server response "ok". */
static const char assoc_ac[] = "\x02\x00"
                               "\x00\x00\x00\xAC"
                               "\x00\x01"
                               "\x00\x00"
                               "ANY-SCP         "
                               "FINDSCU         "
                               "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"
                               "\x10\x00\x00\x15"
                               "1.2.840.10008.3.1.1.1"
                               "\x21\x00\x00\x1B"
                               "\x01\x00\x00\x00"
                               "\x40\x00\x00\x13"
                               "1.2.840.10008.1.2.1"
                               "\x21\x00\x00\x04"
                               "\x03\x00\x03\x00"
                               "\x50\x00\x00\x24"
                               "\x51\x00\x00\x04"
                               "\x00\x00\x00\x00"
                               "\x52\x00\x00\x08"
                               "1.2.3.4\0" /* NUL-padded UID */
                               "\x53\x00\x00\x04"
                               "\x00\x01\x00\x01"
                               "\x59\x00\x00\x04"
                               "\x00\x02"
                               "ok";

static uint8_t *dup(const void *p, size_t n)
{
    uint8_t *d = malloc(n ? n : 1);
    cr_assert_not_null(d);
    memcpy(d, p, n);
    return d;
}

Test(pdu, known_bytes_sizes)
{
    /* the hand-built fixtures are self-consistent */
    cr_assert_eq(sizeof assoc_rq - 1, 6 + 0xDE);
    cr_assert_eq(sizeof assoc_ac - 1, 6 + 0xAC);
}

Test(pdu, frame_check)
{
    dq_pdu_frame f;
    dq_error err;
    const uint8_t *rq = (const uint8_t *)assoc_rq;
    size_t n = sizeof assoc_rq - 1;
    for (size_t i = 0; i < n; i++) {
        cr_assert_eq(dq_pdu_frame_check(rq, i, 0, &f, &err), 0, "prefix %zu", i);
        cr_assert(!f.complete, "prefix %zu", i);
    }
    cr_assert_eq(dq_pdu_frame_check(rq, 3, 0, &f, &err), 0);
    cr_assert(!f.complete);
    cr_assert_eq(f.size, 0);
    cr_assert_eq(f.type, DQ_PDU_ASSOCIATE_RQ);
    cr_assert_eq(dq_pdu_frame_check(rq, 6, 0, &f, &err), 0);
    cr_assert(!f.complete);
    cr_assert_eq(f.size, n);
    cr_assert_eq(dq_pdu_frame_check(rq, n, 0, &f, &err), 0);
    cr_assert(f.complete);
    cr_assert_eq(f.size, n);
    cr_assert_eq(f.length, 0xDE);
    /* more than one PDU in the buffer: still just the first */
    uint8_t two[20] = {0x05, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0x06, 0, 0, 0, 0, 4, 0, 0, 0, 0};
    cr_assert_eq(dq_pdu_frame_check(two, 20, 0, &f, &err), 0);
    cr_assert(f.complete);
    cr_assert_eq(f.size, 10);
    cr_assert_eq(f.type, DQ_PDU_RELEASE_RQ);

    uint8_t bad[6] = {0x08, 0, 0, 0, 0, 4};
    cr_assert_eq(dq_pdu_frame_check(bad, 1, 0, &f, &err), -1);
    cr_assert_eq(err.kind, DQ_ERR_MALFORMED);
    bad[0] = 0;
    cr_assert_eq(dq_pdu_frame_check(bad, 6, 0, &f, &err), -1);

    uint8_t rel[6] = {0x05, 0, 0, 0, 0, 5}; /* A-RELEASE-RQ must be 4 */
    cr_assert_eq(dq_pdu_frame_check(rel, 6, 0, &f, &err), -1);
    cr_assert_eq(err.kind, DQ_ERR_MALFORMED);

    uint8_t pd[6] = {0x04, 0, 0x00, 0x01, 0x00, 0x01}; /* 65537 */
    cr_assert_eq(dq_pdu_frame_check(pd, 6, 65536, &f, &err), -1);
    cr_assert_eq(err.kind, DQ_ERR_LIMIT);
    cr_assert_eq(dq_pdu_frame_check(pd, 6, 65537, &f, &err), 0);
    cr_assert(!f.complete);
    cr_assert_eq(dq_pdu_frame_check(pd, 6, 0, &f, &err), 0);
    cr_assert(!f.complete);
    uint8_t huge[6] = {0x04, 0, 0xFF, 0xFF, 0xFF, 0xFF};
    cr_assert_eq(dq_pdu_frame_check(huge, 6, 16384, &f, &err), -1);

    uint8_t big_rq[6] = {0x01, 0, 0x00, 0x20, 0x00, 0x00}; /* 2 MiB association request */
    cr_assert_eq(dq_pdu_frame_check(big_rq, 6, 0, &f, &err), -1);
    cr_assert_eq(err.kind, DQ_ERR_LIMIT);
    uint8_t tiny_rq[6] = {0x01, 0, 0, 0, 0, 10};
    cr_assert_eq(dq_pdu_frame_check(tiny_rq, 6, 0, &f, &err), -1);
}

Test(pdu, decode_associate_rq_known_bytes)
{
    static dq_pdu_associate a;
    dq_error err;
    uint8_t *p = dup(LIT(assoc_rq));
    cr_assert_eq(dq_pdu_decode_associate(p, sizeof assoc_rq - 1, &a, &err), 0, "%s", err.message);
    cr_assert_eq(a.type, DQ_PDU_ASSOCIATE_RQ);
    cr_assert_eq(a.protocol_version, 1);
    cr_assert_str_eq(a.called_ae, "ANY-SCP");
    cr_assert_str_eq(a.calling_ae, "FINDSCU");
    cr_assert(dq_pdu_str_eq(a.application_context, "1.2.840.10008.3.1.1.1"));
    cr_assert_eq(a.n_pctx, 1);
    cr_assert_eq(a.pctx[0].id, 1);
    cr_assert(dq_pdu_str_eq(a.pctx[0].abstract_syntax, "1.2.840.10008.1.1"));
    cr_assert_eq(a.pctx[0].n_transfer_syntaxes, 2);
    cr_assert(dq_pdu_str_eq(a.pctx[0].transfer_syntax, "1.2.840.10008.1.2"));
    cr_assert(dq_pdu_str_eq(dq_pdu_pctx_transfer_syntax(&a.pctx[0], 0), "1.2.840.10008.1.2"));
    cr_assert(dq_pdu_str_eq(dq_pdu_pctx_transfer_syntax(&a.pctx[0], 1), "1.2.840.10008.1.2.1"));
    cr_assert_null(dq_pdu_pctx_transfer_syntax(&a.pctx[0], 2).ptr);
    const dq_pdu_user_info *ui = &a.user_info;
    cr_assert(ui->has_max_length);
    cr_assert_eq(ui->max_length, 16384);
    cr_assert(dq_pdu_str_eq(ui->implementation_class_uid, "1.2.3.4"));
    cr_assert(dq_pdu_str_eq(ui->implementation_version_name, "DQ01"));
    cr_assert_not(ui->has_async_ops);
    cr_assert_eq(ui->n_roles, 1);
    cr_assert(dq_pdu_str_eq(ui->roles[0].sop_class_uid, "1.2.840.10008.1.1"));
    cr_assert_eq(ui->roles[0].scu_role, 1);
    cr_assert_eq(ui->roles[0].scp_role, 0);
    cr_assert_eq(ui->n_unknown, 0);
    /* zero copy: views point into the input */
    cr_assert(a.application_context.ptr >= (const char *)p &&
              a.application_context.ptr < (const char *)p + sizeof assoc_rq);
    free(p);
}

Test(pdu, decode_associate_ac_known_bytes)
{
    static dq_pdu_associate a;
    dq_error err;
    uint8_t *p = dup(LIT(assoc_ac));
    cr_assert_eq(dq_pdu_decode_associate(p, sizeof assoc_ac - 1, &a, &err), 0, "%s", err.message);
    cr_assert_eq(a.type, DQ_PDU_ASSOCIATE_AC);
    cr_assert_str_eq(a.called_ae, "ANY-SCP");
    cr_assert_eq(a.n_pctx, 2);
    cr_assert_eq(a.pctx[0].id, 1);
    cr_assert_eq(a.pctx[0].result, 0);
    cr_assert_eq(a.pctx[0].n_transfer_syntaxes, 1);
    cr_assert(dq_pdu_str_eq(a.pctx[0].transfer_syntax, "1.2.840.10008.1.2.1"));
    cr_assert_eq(a.pctx[1].id, 3);
    cr_assert_eq(a.pctx[1].result, 3);
    cr_assert_eq(a.pctx[1].n_transfer_syntaxes, 0);
    cr_assert_str_eq(dq_pdu_pctx_result_text(a.pctx[1].result),
                     "abstract-syntax-not-supported (provider rejection)");
    const dq_pdu_user_info *ui = &a.user_info;
    cr_assert_eq(ui->max_length, 0);
    cr_assert(dq_pdu_str_eq(ui->implementation_class_uid, "1.2.3.4"), "trailing NUL dropped");
    cr_assert_null(ui->implementation_version_name.ptr);
    cr_assert(ui->has_async_ops);
    cr_assert_eq(ui->max_ops_invoked, 1);
    cr_assert_eq(ui->max_ops_performed, 1);
    cr_assert(ui->has_user_identity);
    cr_assert_eq(ui->user_identity.primary_len, 2);
    cr_assert_eq(memcmp(ui->user_identity.primary, "ok", 2), 0);
    free(p);
}

static void fill_rq(dq_pdu_associate *a)
{
    memset(a, 0, sizeof *a);
    a->type = DQ_PDU_ASSOCIATE_RQ;
    strcpy(a->called_ae, "ANY-SCP");
    strcpy(a->calling_ae, "FINDSCU");
    a->application_context = dq_pdu_cstr("1.2.840.10008.3.1.1.1");
    static const dq_pdu_str ts[2] = {{"1.2.840.10008.1.2", 17}, {"1.2.840.10008.1.2.1", 19}};
    a->n_pctx = 1;
    a->pctx[0].id = 1;
    a->pctx[0].abstract_syntax = dq_pdu_cstr("1.2.840.10008.1.1");
    a->pctx[0].n_transfer_syntaxes = 2;
    a->pctx[0].transfer_syntaxes = ts;
    a->user_info.max_length = 16384;
    a->user_info.implementation_class_uid = dq_pdu_cstr("1.2.3.4");
    a->user_info.implementation_version_name = dq_pdu_cstr("DQ01");
    a->user_info.n_roles = 1;
    a->user_info.roles[0].sop_class_uid = dq_pdu_cstr("1.2.840.10008.1.1");
    a->user_info.roles[0].scu_role = 1;
}

Test(pdu, encode_associate_rq_known_bytes)
{
    static dq_pdu_associate a;
    fill_rq(&a);
    dq_buffer b = {0};
    dq_error err;
    cr_assert_eq(dq_pdu_encode_associate(&b, &a, &err), 0, "%s", err.message);
    cr_assert_eq(b.len, sizeof assoc_rq - 1);
    cr_assert_eq(memcmp(b.data, assoc_rq, b.len), 0);
    dq_buffer_free(&b);
}

Test(pdu, encode_associate_ac_known_bytes)
{
    static dq_pdu_associate a;
    memset(&a, 0, sizeof a);
    a.type = DQ_PDU_ASSOCIATE_AC;
    strcpy(a.called_ae, "ANY-SCP");
    strcpy(a.calling_ae, "FINDSCU");
    a.application_context = dq_pdu_cstr("1.2.840.10008.3.1.1.1");
    a.n_pctx = 2;
    a.pctx[0].id = 1;
    a.pctx[0].transfer_syntax = dq_pdu_cstr("1.2.840.10008.1.2.1");
    a.pctx[1].id = 3;
    a.pctx[1].result = 3;
    a.user_info.max_length = 0;
    static const char uid[] = "1.2.3.4"; /* with its NUL, as the fixture pads */
    a.user_info.implementation_class_uid.ptr = uid;
    a.user_info.implementation_class_uid.len = 8;
    a.user_info.has_async_ops = true;
    a.user_info.max_ops_invoked = 1;
    a.user_info.max_ops_performed = 1;
    a.user_info.has_user_identity = true;
    a.user_info.user_identity.primary = (const uint8_t *)"ok";
    a.user_info.user_identity.primary_len = 2;
    dq_buffer b = {0};
    dq_error err;
    cr_assert_eq(dq_pdu_encode_associate(&b, &a, &err), 0, "%s", err.message);
    cr_assert_eq(b.len, sizeof assoc_ac - 1);
    cr_assert_eq(memcmp(b.data, assoc_ac, b.len), 0);
    dq_buffer_free(&b);
}

Test(pdu, round_trip_extended_negotiation)
{
    static dq_pdu_associate a, d;
    fill_rq(&a);
    dq_pdu_user_info *ui = &a.user_info;
    ui->n_ext_neg = 1;
    ui->ext_neg[0].sop_class_uid = dq_pdu_cstr("1.2.840.10008.5.1.4.1.2.2.1");
    static const uint8_t info[] = {1, 1, 0, 1};
    ui->ext_neg[0].info = info;
    ui->ext_neg[0].info_len = sizeof info;
    static const dq_pdu_str related[2] = {{"1.2.3.1", 7}, {"1.2.3.22", 8}};
    ui->n_common_ext_neg = 1;
    ui->common_ext_neg[0].sop_class_uid = dq_pdu_cstr("1.2.840.10008.5.1.4.1.1.2");
    ui->common_ext_neg[0].service_class_uid = dq_pdu_cstr("1.2.840.10008.4.2");
    ui->common_ext_neg[0].n_related = 2;
    ui->common_ext_neg[0].related_list = related;
    ui->has_user_identity = true;
    ui->user_identity.type = 2;
    ui->user_identity.positive_response_requested = 1;
    ui->user_identity.primary = (const uint8_t *)"alice";
    ui->user_identity.primary_len = 5;
    ui->user_identity.secondary = (const uint8_t *)"secret";
    ui->user_identity.secondary_len = 6;
    ui->has_async_ops = true;
    ui->max_ops_invoked = 3;
    ui->max_ops_performed = 0;

    dq_buffer b = {0};
    dq_error err;
    cr_assert_eq(dq_pdu_encode_associate(&b, &a, &err), 0, "%s", err.message);
    cr_assert_eq(dq_pdu_decode_associate(b.data, b.len, &d, &err), 0, "%s", err.message);
    cr_assert_eq(d.n_pctx, 1);
    cr_assert_eq(d.pctx[0].n_transfer_syntaxes, 2);
    cr_assert_eq(d.user_info.n_ext_neg, 1);
    cr_assert(dq_pdu_str_eq(d.user_info.ext_neg[0].sop_class_uid, "1.2.840.10008.5.1.4.1.2.2.1"));
    cr_assert_eq(d.user_info.ext_neg[0].info_len, 4);
    cr_assert_eq(memcmp(d.user_info.ext_neg[0].info, info, 4), 0);
    const dq_pdu_common_ext_neg *c = &d.user_info.common_ext_neg[0];
    cr_assert_eq(d.user_info.n_common_ext_neg, 1);
    cr_assert(dq_pdu_str_eq(c->sop_class_uid, "1.2.840.10008.5.1.4.1.1.2"));
    cr_assert(dq_pdu_str_eq(c->service_class_uid, "1.2.840.10008.4.2"));
    cr_assert_eq(c->n_related, 2);
    cr_assert(dq_pdu_str_eq(dq_pdu_common_ext_neg_related(c, 0), "1.2.3.1"));
    cr_assert(dq_pdu_str_eq(dq_pdu_common_ext_neg_related(c, 1), "1.2.3.22"));
    cr_assert_null(dq_pdu_common_ext_neg_related(c, 2).ptr);
    cr_assert(d.user_info.has_user_identity);
    cr_assert_eq(d.user_info.user_identity.type, 2);
    cr_assert_eq(d.user_info.user_identity.positive_response_requested, 1);
    cr_assert_eq(d.user_info.user_identity.primary_len, 5);
    cr_assert_eq(memcmp(d.user_info.user_identity.primary, "alice", 5), 0);
    cr_assert_eq(d.user_info.user_identity.secondary_len, 6);
    cr_assert_eq(memcmp(d.user_info.user_identity.secondary, "secret", 6), 0);
    cr_assert(d.user_info.has_async_ops);
    cr_assert_eq(d.user_info.max_ops_invoked, 3);

    /* and re-encoding the decoded view gives the same bytes */
    dq_buffer b2 = {0};
    cr_assert_eq(dq_pdu_encode_associate(&b2, &d, &err), 0, "%s", err.message);
    cr_assert_eq(b2.len, b.len);
    cr_assert_eq(memcmp(b2.data, b.data, b.len), 0);
    dq_buffer_free(&b);
    dq_buffer_free(&b2);
}

Test(pdu, encode_rejects_bad_input)
{
    static dq_pdu_associate a;
    dq_buffer b = {0};
    dq_error err;
    fill_rq(&a);
    strcpy(a.called_ae, "");
    cr_assert_eq(dq_pdu_encode_associate(&b, &a, &err), -1);
    cr_assert_eq(err.kind, DQ_ERR_ARGUMENT);
    fill_rq(&a);
    strcpy(a.calling_ae, "A\\B");
    cr_assert_eq(dq_pdu_encode_associate(&b, &a, &err), -1);
    cr_assert_eq(err.kind, DQ_ERR_ARGUMENT);
    fill_rq(&a);
    a.pctx[0].id = 2;
    cr_assert_eq(dq_pdu_encode_associate(&b, &a, &err), -1);
    cr_assert_eq(err.kind, DQ_ERR_ARGUMENT);
    cr_assert_eq(b.len, 0, "a failed encode leaves the buffer as it was");
    fill_rq(&a);
    char longuid[70];
    memset(longuid, '1', 69);
    longuid[69] = 0;
    a.pctx[0].abstract_syntax = dq_pdu_cstr(longuid);
    cr_assert_eq(dq_pdu_encode_associate(&b, &a, &err), -1);
    cr_assert_eq(err.kind, DQ_ERR_ARGUMENT);
    cr_assert_eq(b.len, 0);
    fill_rq(&a);
    uint8_t *big = calloc(1, 70000);
    a.user_info.n_ext_neg = 1;
    a.user_info.ext_neg[0].sop_class_uid = dq_pdu_cstr("1.2");
    a.user_info.ext_neg[0].info = big;
    a.user_info.ext_neg[0].info_len = 70000;
    cr_assert_eq(dq_pdu_encode_associate(&b, &a, &err), -1);
    cr_assert_eq(err.kind, DQ_ERR_ARGUMENT);
    cr_assert_eq(b.len, 0);
    free(big);
    dq_buffer_free(&b);
}

Test(pdu, reject_abort_release_known_bytes)
{
    dq_buffer b = {0};
    dq_error err;
    dq_pdu_reject rj = {1, 1, 7};
    cr_assert_eq(dq_pdu_encode_reject(&b, &rj, &err), 0);
    cr_assert_eq(b.len, 10);
    cr_assert_eq(memcmp(b.data, "\x03\x00\x00\x00\x00\x04\x00\x01\x01\x07", 10), 0);
    dq_pdu_reject rj2;
    cr_assert_eq(dq_pdu_decode_reject(b.data, 10, &rj2, &err), 0);
    cr_assert_eq(rj2.result, 1);
    cr_assert_eq(rj2.source, 1);
    cr_assert_eq(rj2.reason, 7);
    b.len = 0;

    dq_pdu_abort ab = {2, 6};
    cr_assert_eq(dq_pdu_encode_abort(&b, &ab, &err), 0);
    cr_assert_eq(memcmp(b.data, "\x07\x00\x00\x00\x00\x04\x00\x00\x02\x06", 10), 0);
    dq_pdu_abort ab2;
    cr_assert_eq(dq_pdu_decode_abort(b.data, 10, &ab2, &err), 0);
    cr_assert_eq(ab2.source, 2);
    cr_assert_eq(ab2.reason, 6);
    b.len = 0;

    cr_assert_eq(dq_pdu_encode_release(&b, DQ_PDU_RELEASE_RQ, &err), 0);
    cr_assert_eq(dq_pdu_encode_release(&b, DQ_PDU_RELEASE_RP, &err), 0);
    cr_assert_eq(b.len, 20);
    cr_assert_eq(memcmp(b.data,
                        "\x05\x00\x00\x00\x00\x04\x00\x00\x00\x00"
                        "\x06\x00\x00\x00\x00\x04\x00\x00\x00\x00",
                        20),
                 0);
    dq_pdu_type t;
    cr_assert_eq(dq_pdu_decode_release(b.data, 10, &t, &err), 0);
    cr_assert_eq(t, DQ_PDU_RELEASE_RQ);
    cr_assert_eq(dq_pdu_decode_release(b.data + 10, 10, &t, &err), 0);
    cr_assert_eq(t, DQ_PDU_RELEASE_RP);
    cr_assert_eq(dq_pdu_encode_release(&b, DQ_PDU_ABORT, &err), -1);
    cr_assert_eq(err.kind, DQ_ERR_ARGUMENT);
    /* wrong types and lengths */
    cr_assert_eq(dq_pdu_decode_reject(b.data, 10, &rj2, &err), -1);
    cr_assert_eq(err.kind, DQ_ERR_MALFORMED);
    cr_assert_eq(dq_pdu_decode_release(b.data, 9, &t, &err), -1);
    cr_assert_eq(err.kind, DQ_ERR_MALFORMED);
    dq_buffer_free(&b);
}

Test(pdu, meaning_texts_from_the_standard)
{
    cr_assert_str_eq(dq_pdu_reject_result_text(1), "rejected-permanent");
    cr_assert_str_eq(dq_pdu_reject_result_text(2), "rejected-transient");
    cr_assert_null(dq_pdu_reject_result_text(3));
    cr_assert_str_eq(dq_pdu_reject_source_text(1), "DICOM UL service-user");
    cr_assert_str_eq(dq_pdu_reject_source_text(3),
                     "DICOM UL service-provider (Presentation related function)");
    cr_assert_str_eq(dq_pdu_reject_reason_text(1, 1), "no-reason-given");
    cr_assert_str_eq(dq_pdu_reject_reason_text(1, 2), "application-context-name-not-supported");
    cr_assert_str_eq(dq_pdu_reject_reason_text(1, 3), "calling-AE-title-not-recognized");
    cr_assert_str_eq(dq_pdu_reject_reason_text(1, 5), "reserved");
    cr_assert_str_eq(dq_pdu_reject_reason_text(1, 7), "called-AE-title-not-recognized");
    cr_assert_str_eq(dq_pdu_reject_reason_text(2, 2), "protocol-version-not-supported");
    /* the standard's own spelling is kept (PS3.8 Table 9-21 says "congestio") */
    cr_assert(strncmp(dq_pdu_reject_reason_text(3, 1), "temporary-congestio", 19) == 0);
    cr_assert_str_eq(dq_pdu_reject_reason_text(3, 2), "local-limit-exceeded");
    cr_assert_null(dq_pdu_reject_reason_text(2, 3));
    cr_assert_null(dq_pdu_reject_reason_text(9, 1));
    cr_assert_str_eq(dq_pdu_abort_source_text(0), "DICOM UL service-user (initiated abort)");
    cr_assert_str_eq(dq_pdu_abort_source_text(2), "DICOM UL service-provider (initiated abort)");
    cr_assert_str_eq(dq_pdu_abort_reason_text(2, 0), "reason-not-specified");
    cr_assert_str_eq(dq_pdu_abort_reason_text(2, 1), "unrecognized-PDU");
    cr_assert_str_eq(dq_pdu_abort_reason_text(2, 2), "unexpected-PDU");
    cr_assert_str_eq(dq_pdu_abort_reason_text(2, 6), "invalid-PDU-parameter value");
    cr_assert_null(dq_pdu_abort_reason_text(0, 0));
    cr_assert_str_eq(dq_pdu_pctx_result_text(0), "acceptance");
    cr_assert_str_eq(dq_pdu_pctx_result_text(4),
                     "transfer-syntaxes-not-supported (provider rejection)");
    cr_assert_null(dq_pdu_pctx_result_text(5));
    cr_assert_str_eq(dq_pdu_type_name(4), "P-DATA-TF");
    cr_assert_null(dq_pdu_type_name(8));
}

Test(pdu, pdata_known_bytes_and_iteration)
{
    /* Two PDVs: a last command fragment on context 1 (4 bytes) and a
     * non-last data set fragment on context 3 (2 bytes). */
    static const char known[] = "\x04\x00\x00\x00\x00\x12"
                                "\x00\x00\x00\x06"
                                "\x01"
                                "\x03"
                                "ABCD"
                                "\x00\x00\x00\x04"
                                "\x03"
                                "\x00"
                                "xy";
    dq_pdv in[2] = {{1, 0, true, true, (const uint8_t *)"ABCD", 4},
                    {3, 0, false, false, (const uint8_t *)"xy", 2}};
    dq_buffer b = {0};
    dq_error err;
    cr_assert_eq(dq_pdu_encode_pdata(&b, in, 2, &err), 0);
    cr_assert_eq(b.len, sizeof known - 1);
    cr_assert_eq(memcmp(b.data, known, b.len), 0);

    dq_pdv_iter it;
    dq_pdv v;
    cr_assert_eq(dq_pdv_iter_init(&it, b.data, b.len, &err), 0);
    bool end = true;
    cr_assert_eq(dq_pdv_next(&it, &v, &end, &err), 0);
    cr_assert_not(end);
    cr_assert_eq(v.pctx_id, 1);
    cr_assert(v.command);
    cr_assert(v.last);
    cr_assert_eq(v.len, 4);
    cr_assert_eq(v.data, b.data + 12, "zero copy");
    cr_assert_eq(dq_pdv_next(&it, &v, &end, &err), 0);
    cr_assert_not(end);
    cr_assert_eq(v.pctx_id, 3);
    cr_assert_not(v.command);
    cr_assert_not(v.last);
    cr_assert_eq(v.len, 2);
    cr_assert_eq(dq_pdv_next(&it, &v, &end, &err), 0);
    cr_assert(end);

    uint8_t hdr[DQ_PDU_PDATA_HEADER_SIZE];
    cr_assert_eq(dq_pdu_pdata_header(hdr, 1, true, true, 4, &err), 0);
    cr_assert_eq(memcmp(hdr,
                        "\x04\x00\x00\x00\x00\x0A"
                        "\x00\x00\x00\x06\x01\x03",
                        12),
                 0);
    cr_assert_eq(dq_pdu_pdata_header(hdr, 5, false, false, 0, &err), 0);
    cr_assert_eq(memcmp(hdr,
                        "\x04\x00\x00\x00\x00\x06"
                        "\x00\x00\x00\x02\x05\x00",
                        12),
                 0);
    cr_assert_eq(dq_pdu_encode_pdata(&b, in, 0, &err), -1);
    cr_assert_eq(err.kind, DQ_ERR_ARGUMENT);
    dq_buffer_free(&b);
}

Test(pdu, pdata_hostile)
{
    dq_pdv_iter it;
    dq_pdv v;
    dq_error err;
    bool end;
    /* item length past the PDU */
    const uint8_t a[] = {4, 0, 0, 0, 0, 6, 0, 0, 0, 9, 1, 3};
    cr_assert_eq(dq_pdv_iter_init(&it, a, sizeof a, &err), 0);
    cr_assert_eq(dq_pdv_next(&it, &v, &end, &err), -1);
    cr_assert_eq(err.kind, DQ_ERR_MALFORMED);
    cr_assert_eq(dq_pdv_next(&it, &v, &end, &err), 0);
    cr_assert(end, "iteration stops after an error");
    /* item without a control header */
    const uint8_t b[] = {4, 0, 0, 0, 0, 5, 0, 0, 0, 1, 1};
    cr_assert_eq(dq_pdv_iter_init(&it, b, sizeof b, &err), 0);
    cr_assert_eq(dq_pdv_next(&it, &v, &end, &err), -1);
    /* no PDV at all */
    const uint8_t c[] = {4, 0, 0, 0, 0, 0};
    cr_assert_eq(dq_pdv_iter_init(&it, c, sizeof c, &err), -1);
    cr_assert_eq(err.kind, DQ_ERR_MALFORMED);
    /* PDU-length disagrees with the buffer */
    const uint8_t d[] = {4, 0, 0, 0, 0, 7, 0, 0, 0, 2, 1, 3};
    cr_assert_eq(dq_pdv_iter_init(&it, d, sizeof d, &err), -1);
    cr_assert_eq(err.kind, DQ_ERR_MALFORMED);
    /* empty data after the control header is fine */
    const uint8_t e[] = {4, 0, 0, 0, 0, 6, 0, 0, 0, 2, 1, 3};
    cr_assert_eq(dq_pdv_iter_init(&it, e, sizeof e, &err), 0);
    cr_assert_eq(dq_pdv_next(&it, &v, &end, &err), 0);
    cr_assert_not(end);
    cr_assert_eq(v.len, 0);
}

/* Sets the PDU-length of an A-ASSOCIATE PDU to match n. */
static void fix_len(uint8_t *p, size_t n)
{
    uint32_t l = (uint32_t)(n - 6);
    p[2] = (uint8_t)(l >> 24);
    p[3] = (uint8_t)(l >> 16);
    p[4] = (uint8_t)(l >> 8);
    p[5] = (uint8_t)l;
}

Test(pdu, associate_truncated_everywhere)
{
    static dq_pdu_associate a;
    dq_error err;
    size_t n = sizeof assoc_rq - 1;
    for (size_t cut = 0; cut < n; cut++) {
        uint8_t *p = dup(assoc_rq, cut); /* exact-size allocation: ASan sees overreads */
        if (cut >= 6)
            fix_len(p, cut);
        cr_assert_neq(dq_pdu_decode_associate(p, cut, &a, &err), 0, "cut at %zu decoded", cut);
        cr_assert_neq(dq_pdu_validate(p, cut, &err), 0);
        free(p);
    }
}

Test(pdu, associate_every_byte_corrupted)
{
    static dq_pdu_associate a;
    dq_error err;
    const char *src[2] = {assoc_rq, assoc_ac};
    size_t len[2] = {sizeof assoc_rq - 1, sizeof assoc_ac - 1};
    static const uint8_t vals[] = {0x00, 0x01, 0x7F, 0x80, 0xFF};
    size_t ok = 0, bad = 0;
    for (int s = 0; s < 2; s++)
        for (size_t i = 0; i < len[s]; i++)
            for (size_t v = 0; v < sizeof vals; v++) {
                uint8_t *p = dup(src[s], len[s]);
                p[i] = vals[v];
                if (dq_pdu_decode_associate(p, len[s], &a, &err) == 0)
                    ok++;
                else {
                    bad++;
                    cr_assert(err.offset <= len[s] || err.offset == DQ_ERROR_NO_OFFSET);
                }
                free(p);
            }
    /* both outcomes occur: corrupting names is harmless, lengths are not */
    cr_assert_gt(ok, 0);
    cr_assert_gt(bad, 0);
}

Test(pdu, associate_structural_errors)
{
    static dq_pdu_associate a;
    dq_error err;
    uint8_t *p = dup(LIT(assoc_rq));
    size_t n = sizeof assoc_rq - 1;
    /* even presentation context ID (byte 5 of the item at 74+25) */
    p[74 + 25 + 4] = 2;
    cr_assert_eq(dq_pdu_decode_associate(p, n, &a, &err), -1);
    cr_assert_eq(err.kind, DQ_ERR_MALFORMED);
    p[74 + 25 + 4] = 1;
    /* unknown item type in the variable part */
    p[74] = 0x11;
    cr_assert_eq(dq_pdu_decode_associate(p, n, &a, &err), -1);
    cr_assert_eq(err.kind, DQ_ERR_MALFORMED);
    cr_assert_eq(err.offset, 74);
    p[74] = 0x10;
    /* an AC item in an RQ */
    p[74 + 25] = 0x21;
    cr_assert_eq(dq_pdu_decode_associate(p, n, &a, &err), -1);
    cr_assert_eq(err.kind, DQ_ERR_MALFORMED);
    p[74 + 25] = 0x20;
    cr_assert_eq(dq_pdu_decode_associate(p, n, &a, &err), 0);
    /* user information without maximum length: turn 51H into an unknown 5FH */
    size_t ui = 74 + 25 + 73;
    p[ui + 4] = 0x5F;
    cr_assert_eq(dq_pdu_decode_associate(p, n, &a, &err), -1);
    cr_assert_eq(err.kind, DQ_ERR_MALFORMED);
    free(p);
}

Test(pdu, associate_too_many_contexts)
{
    /* 129 presentation contexts cannot all have distinct odd IDs: LIMIT */
    static dq_pdu_associate a;
    dq_buffer b = {0};
    dq_error err;
    fill_rq(&a);
    a.n_pctx = DQ_PDU_MAX_PCTX;
    for (size_t i = 0; i < DQ_PDU_MAX_PCTX; i++) {
        a.pctx[i] = a.pctx[0];
        a.pctx[i].id = (uint8_t)(2 * i + 1);
    }
    cr_assert_eq(dq_pdu_encode_associate(&b, &a, &err), 0, "%s", err.message);
    cr_assert_eq(dq_pdu_decode_associate(b.data, b.len, &a, &err), 0, "%s", err.message);
    cr_assert_eq(a.n_pctx, 128);
    /* append one more context item (ID 1 again) before the user information */
    size_t item = 4 + 4 + 21 + 21 + 23;
    uint8_t *p = malloc(b.len + item);
    size_t ui_at = 74 + 25 + 128 * item;
    memcpy(p, b.data, ui_at);
    memcpy(p + ui_at, b.data + 74 + 25, item);
    memcpy(p + ui_at + item, b.data + ui_at, b.len - ui_at);
    fix_len(p, b.len + item);
    cr_assert_eq(dq_pdu_decode_associate(p, b.len + item, &a, &err), -1);
    cr_assert_eq(err.kind, DQ_ERR_LIMIT);
    free(p);
    dq_buffer_free(&b);
}

Test(pdu, validate_dispatch)
{
    dq_error err;
    cr_assert_eq(dq_pdu_validate(LIT(assoc_rq), &err), 0);
    cr_assert_eq(dq_pdu_validate(LIT(assoc_ac), &err), 0);
    cr_assert_eq(dq_pdu_validate(LIT("\x07\x00\x00\x00\x00\x04\x00\x00\x02\x01"), &err), 0);
    cr_assert_neq(dq_pdu_validate(LIT("\x07\x00\x00\x00\x00\x04\x00\x00\x02"), &err), 0);
    cr_assert_neq(dq_pdu_validate(LIT("\x09\x00\x00\x00\x00\x04\x00\x00\x02\x01"), &err), 0);
    cr_assert_neq(dq_pdu_validate(NULL, 0, &err), 0);
}

/* A stream of PDUs delivered in chunks of every size from 1 byte up: the
 * framer must cut out exactly the same PDUs whatever the split. */
Test(pdu, framing_any_split)
{
    dq_buffer s = {0};
    dq_error err;
    const uint8_t *rq = (const uint8_t *)assoc_rq;
    size_t sizes[4];
    cr_assert_eq(dq_buffer_reserve(&s, sizeof assoc_rq, &err), 0);
    memcpy(s.data, rq, sizeof assoc_rq - 1);
    s.len = sizes[0] = sizeof assoc_rq - 1;
    dq_pdv v = {1, 0, true, true, (const uint8_t *)"0123456789", 10};
    size_t before = s.len;
    cr_assert_eq(dq_pdu_encode_pdata(&s, &v, 1, &err), 0);
    sizes[1] = s.len - before;
    before = s.len;
    cr_assert_eq(dq_pdu_encode_release(&s, DQ_PDU_RELEASE_RQ, &err), 0);
    sizes[2] = s.len - before;
    before = s.len;
    dq_pdu_abort ab = {0, 0};
    cr_assert_eq(dq_pdu_encode_abort(&s, &ab, &err), 0);
    sizes[3] = s.len - before;

    uint8_t *rx = malloc(s.len);
    for (size_t chunk = 1; chunk <= s.len; chunk++) {
        size_t have = 0, fed = 0, start = 0, got = 0;
        while (fed < s.len || have > start) {
            size_t k = s.len - fed < chunk ? s.len - fed : chunk;
            memcpy(rx + have, s.data + fed, k);
            have += k;
            fed += k;
            for (;;) {
                dq_pdu_frame f;
                int r = dq_pdu_frame_check(rx + start, have - start, 16384, &f, &err);
                cr_assert_eq(r, 0, "chunk %zu: %s", chunk, err.message);
                if (!f.complete)
                    break;
                cr_assert_lt(got, 4);
                cr_assert_eq(f.size, sizes[got], "chunk %zu, PDU %zu", chunk, got);
                cr_assert_eq(dq_pdu_validate(rx + start, f.size, &err), 0, "%s", err.message);
                start += f.size;
                got++;
            }
            if (k == 0)
                break;
        }
        cr_assert_eq(got, 4, "chunk %zu", chunk);
        cr_assert_eq(start, s.len);
    }
    free(rx);
    dq_buffer_free(&s);
}

/* Random bytes behind every PDU type: decoders must fail cleanly or
 * succeed, never read outside the buffer (ASan) or loop. */
Test(pdu, random_garbage)
{
    uint32_t x = 12345;
    for (int iter = 0; iter < 20000; iter++) {
        size_t n = 6 + (size_t)(iter % 300);
        uint8_t *p = malloc(n);
        for (size_t i = 0; i < n; i++) {
            x = x * 1103515245u + 12345u;
            p[i] = (uint8_t)(x >> 16);
        }
        p[0] = (uint8_t)(1 + iter % 7);
        uint32_t l = (uint32_t)(n - 6);
        p[2] = (uint8_t)(l >> 24);
        p[3] = (uint8_t)(l >> 16);
        p[4] = (uint8_t)(l >> 8);
        p[5] = (uint8_t)l;
        if (p[0] <= 2 && n > 74)
            memcpy(p + 6, assoc_rq + 6, 68); /* a plausible fixed part, garbage items */
        dq_error err;
        if (dq_pdu_validate(p, n, &err) != 0)
            cr_assert(err.offset <= n || err.offset == DQ_ERROR_NO_OFFSET);
        free(p);
    }
}

Test(pdu, ac_role_and_identity_round_trip)
{
    static dq_pdu_associate a, d;
    memset(&a, 0, sizeof a);
    a.type = DQ_PDU_ASSOCIATE_AC;
    strcpy(a.called_ae, "SCP");
    strcpy(a.calling_ae, "SCU");
    a.application_context = dq_pdu_cstr("1.2.840.10008.3.1.1.1");
    a.n_pctx = 1;
    a.pctx[0].id = 255;
    a.pctx[0].result = 4;
    a.user_info.max_length = 65536;
    a.user_info.implementation_version_name = dq_pdu_cstr("SCP_1.0");
    a.user_info.n_roles = 1;
    a.user_info.roles[0].sop_class_uid = dq_pdu_cstr("1.2.840.10008.5.1.4.1.2.2.3");
    a.user_info.roles[0].scu_role = 0;
    a.user_info.roles[0].scp_role = 1;
    a.user_info.n_ext_neg = 1;
    a.user_info.ext_neg[0].sop_class_uid = dq_pdu_cstr("1.2.840.10008.5.1.4.1.2.2.1");
    a.user_info.ext_neg[0].info = (const uint8_t *)"\x01";
    a.user_info.ext_neg[0].info_len = 1;
    dq_buffer b = {0};
    dq_error err;
    cr_assert_eq(dq_pdu_encode_associate(&b, &a, &err), 0, "%s", err.message);
    cr_assert_eq(dq_pdu_decode_associate(b.data, b.len, &d, &err), 0, "%s", err.message);
    cr_assert_eq(d.pctx[0].id, 255);
    cr_assert_eq(d.pctx[0].result, 4);
    cr_assert_eq(d.pctx[0].n_transfer_syntaxes, 0);
    cr_assert(dq_pdu_str_eq(d.user_info.implementation_version_name, "SCP_1.0"));
    cr_assert_eq(d.user_info.n_roles, 1);
    cr_assert_eq(d.user_info.roles[0].scp_role, 1);
    cr_assert_eq(d.user_info.n_ext_neg, 1);
    cr_assert_eq(d.user_info.ext_neg[0].info_len, 1);
    cr_assert_not(d.user_info.has_user_identity);
    cr_assert_str_eq(d.called_ae, "SCP");

    /* an RQ-only user identity item (58H) appended inside an AC's user
     * information is skipped (counted), not misread as the AC's 59H */
    static const uint8_t ui58[10] = {0x58, 0, 0, 6, 1, 0, 0, 2, 'a', 'b'};
    size_t off = 74, ui = 0;
    while (off < b.len) {
        if (b.data[off] == 0x50)
            ui = off;
        off += 4 + ((size_t)b.data[off + 2] << 8 | b.data[off + 3]);
    }
    cr_assert_gt(ui, 0);
    cr_assert_eq(dq_buffer_reserve(&b, sizeof ui58, &err), 0);
    memcpy(b.data + b.len, ui58, sizeof ui58); /* user information is the last item */
    b.len += sizeof ui58;
    size_t uil = ((size_t)b.data[ui + 2] << 8 | b.data[ui + 3]) + sizeof ui58;
    b.data[ui + 2] = (uint8_t)(uil >> 8);
    b.data[ui + 3] = (uint8_t)uil;
    fix_len(b.data, b.len);
    cr_assert_eq(dq_pdu_decode_associate(b.data, b.len, &d, &err), 0, "%s", err.message);
    cr_assert_not(d.user_info.has_user_identity);
    cr_assert_eq(d.user_info.n_unknown, 1);
    dq_buffer_free(&b);
}

/* What the generator read from the standard's tables (private tables,
 * checked against PS3.8 Tables 9-11..9-26 and PS3.7 Annex D by hand). */
#include "dq_gen_pdu.h"

Test(pdu, generated_layouts)
{
    cr_assert_eq(DQ_GEN_PDU_ASSOCIATE_RQ_TYPE, 0x01);
    cr_assert_eq(DQ_GEN_PDU_ASSOCIATE_RQ_CALLED_AE_TITLE_OFFSET, 10);
    cr_assert_eq(DQ_GEN_PDU_ASSOCIATE_RQ_CALLED_AE_TITLE_SIZE, 16);
    cr_assert_eq(DQ_GEN_PDU_ASSOCIATE_RQ_CALLING_AE_TITLE_OFFSET, 26);
    cr_assert_eq(DQ_GEN_PDU_ASSOCIATE_RQ_FIXED_SIZE, 74);
    cr_assert_eq(DQ_GEN_PDU_ASSOCIATE_RJ_RESULT_OFFSET, 7);
    cr_assert_eq(DQ_GEN_PDU_ABORT_SOURCE_OFFSET, 8);
    cr_assert_eq(DQ_GEN_PDU_ABORT_REASON_DIAG_OFFSET, 9);
    cr_assert_eq(DQ_GEN_PDU_PCTX_RQ_TYPE, 0x20);
    cr_assert_eq(DQ_GEN_PDU_PCTX_AC_TYPE, 0x21);
    cr_assert_eq(DQ_GEN_PDU_PCTX_AC_RESULT_REASON_OFFSET, 6);
    cr_assert_eq(DQ_GEN_PDU_PDV_ITEM_HEADER_SIZE, 4, "PDV items have a 4-byte length and no type");
    cr_assert_eq(DQ_GEN_PDU_APP_CONTEXT_HEADER_SIZE, 4);
    cr_assert_eq(DQ_GEN_PDU_MAX_LENGTH_RQ_TYPE, 0x51);
    cr_assert_eq(DQ_GEN_PDU_IMPL_CLASS_UID_RQ_TYPE, 0x52);
    cr_assert_eq(DQ_GEN_PDU_ASYNC_OPS_RQ_TYPE, 0x53);
    cr_assert_eq(DQ_GEN_PDU_ROLE_RQ_TYPE, 0x54);
    cr_assert_eq(DQ_GEN_PDU_IMPL_VERSION_RQ_TYPE, 0x55);
    cr_assert_eq(DQ_GEN_PDU_EXT_NEG_TYPE, 0x56);
    cr_assert_eq(DQ_GEN_PDU_COMMON_EXT_NEG_TYPE, 0x57);
    cr_assert_eq(DQ_GEN_PDU_USER_IDENTITY_RQ_TYPE, 0x58);
    cr_assert_eq(DQ_GEN_PDU_USER_IDENTITY_AC_TYPE, 0x59);
    cr_assert_eq(DQ_GEN_PDU_USER_IDENTITY_RQ_POSITIVE_RESPONSE_REQUESTED_OFFSET, 5);
    cr_assert_eq(DQ_GEN_PDU_USER_IDENTITY_RQ_PRIMARY_FIELD_LENGTH_OFFSET, 6);
    cr_assert_eq(DQ_GEN_PDU_ASYNC_OPS_AC_MAXIMUM_NUMBER_OPERATIONS_PERFORMED_OFFSET, 6);

    /* descriptors: the role selection item's SCU/SCP bytes follow the
     * variable UID, so they have no fixed offset */
    const dq_gen_pdu_layout *role = &dq_gen_pdu_layouts[DQ_GEN_PDU_L_ROLE_RQ];
    cr_assert_str_eq(role->caption, "SCP/SCU Role Selection Sub-Item Fields (A-ASSOCIATE-RQ)");
    cr_assert_eq(role->fixed_size, 6);
    int seen = 0;
    for (uint32_t i = 0; i < role->nfields; i++)
        if (strcmp(role->fields[i].name, "SCU-role") == 0 ||
            strcmp(role->fields[i].name, "SCP-role") == 0) {
            cr_assert_eq(role->fields[i].offset, -1);
            cr_assert_eq(role->fields[i].size, 1);
            seen++;
        }
    cr_assert_eq(seen, 2);
    /* the decoders check every header from these descriptors: a maximum
     * length sub-item whose length leaves out its fixed field is refused */
    const dq_gen_pdu_layout *ml = &dq_gen_pdu_layouts[DQ_GEN_PDU_L_MAX_LENGTH_RQ];
    cr_assert_eq(ml->type, 0x51);
    cr_assert_eq(ml->header_size, 4);
    cr_assert_eq(ml->fixed_size, 8);
    static dq_pdu_associate a;
    dq_error err;
    uint8_t *p = dup(LIT(assoc_rq));
    size_t ml_at = 74 + 25 + 73 + 4;
    cr_assert_eq(p[ml_at], 0x51);
    p[ml_at + 3] = 2;
    cr_assert_eq(dq_pdu_decode_associate(p, sizeof assoc_rq - 1, &a, &err), -1);
    cr_assert_eq(err.kind, DQ_ERR_MALFORMED);
    cr_assert(strstr(err.message, "length shorter than the fixed fields"), "%s", err.message);
    cr_assert_eq(err.offset, ml_at);
    p[ml_at + 3] = 4;
    cr_assert_eq(dq_pdu_decode_associate(p, sizeof assoc_rq - 1, &a, &err), 0);
    cr_assert_eq(a.user_info.max_length, 16384);
    free(p);
}

/* Every User Information sub-item an RQ can carry, each decoded by its own
 * function: a sub-item whose length runs past the user information item, or
 * whose inner length field runs past the sub-item, is DQ_ERR_MALFORMED with
 * the offset of that sub-item in the PDU and its name in the message. */
Test(pdu, user_info_sub_item_errors_keep_offsets)
{
    static dq_pdu_associate a, d;
    fill_rq(&a);
    a.user_info.has_async_ops = true;
    a.user_info.max_ops_invoked = 2;
    a.user_info.n_ext_neg = 1;
    a.user_info.ext_neg[0].sop_class_uid = dq_pdu_cstr("1.2.840.10008.5.1.4.1.2.2.1");
    a.user_info.ext_neg[0].info = (const uint8_t *)"\x01";
    a.user_info.ext_neg[0].info_len = 1;
    static const dq_pdu_str related[1] = {{"1.2.3", 5}};
    a.user_info.n_common_ext_neg = 1;
    a.user_info.common_ext_neg[0].sop_class_uid = dq_pdu_cstr("1.2.840.10008.5.1.4.1.2.2.1");
    a.user_info.common_ext_neg[0].service_class_uid = dq_pdu_cstr("1.2.840.10008.4.2");
    a.user_info.common_ext_neg[0].n_related = 1;
    a.user_info.common_ext_neg[0].related_list = related;
    a.user_info.has_user_identity = true;
    a.user_info.user_identity.type = 2;
    a.user_info.user_identity.primary = (const uint8_t *)"user";
    a.user_info.user_identity.primary_len = 4;
    a.user_info.user_identity.secondary = (const uint8_t *)"pass";
    a.user_info.user_identity.secondary_len = 4;
    dq_buffer b = {0};
    dq_error err;
    cr_assert_eq(dq_pdu_encode_associate(&b, &a, &err), 0, "%s", err.message);
    cr_assert_eq(dq_pdu_decode_associate(b.data, b.len, &d, &err), 0, "%s", err.message);
    cr_assert(d.user_info.has_async_ops && d.user_info.has_user_identity);
    cr_assert_eq(d.user_info.n_common_ext_neg, 1);
    cr_assert(dq_pdu_str_eq(d.user_info.implementation_version_name, "DQ01"));

    static const struct {
        uint8_t type;
        const char *name;
        size_t inner; /* offset of a 2-byte inner length field, 0: none */
    } subs[] = {
        {0x51, "maximum length", 0},
        {0x52, "implementation class UID", 0},
        {0x53, "asynchronous operations window", 0},
        {0x54, "role selection", 4},
        {0x55, "implementation version name", 0},
        {0x56, "SOP class extended negotiation", 4},
        {0x57, "common extended negotiation", 4},
        {0x58, "user identity", 6},
    };
    size_t off = 74, ui = 0;
    while (off < b.len) { /* the user information item */
        if (b.data[off] == 0x50)
            ui = off;
        off += 4 + ((size_t)b.data[off + 2] << 8 | b.data[off + 3]);
    }
    cr_assert_gt(ui, 0);
    size_t seen = 0;
    for (size_t at = ui + 4; at < b.len; at += 4 + ((size_t)b.data[at + 2] << 8 | b.data[at + 3])) {
        size_t i = 0;
        while (i < sizeof subs / sizeof subs[0] && subs[i].type != b.data[at])
            i++;
        cr_assert_lt(i, sizeof subs / sizeof subs[0], "sub-item 0x%02X at %zu", b.data[at], at);
        seen |= (size_t)1 << i;
        uint8_t *p = dup(b.data, b.len);
        p[at + 2] = p[at + 3] = 0xFF; /* runs past the user information item */
        cr_assert_eq(dq_pdu_decode_associate(p, b.len, &d, &err), -1, "0x%02X", b.data[at]);
        cr_assert_eq(err.kind, DQ_ERR_MALFORMED);
        cr_assert_eq(err.offset, at, "0x%02X: offset %zu, want %zu", b.data[at], err.offset, at);
        cr_assert_not_null(strstr(err.message, subs[i].name), "%s", err.message);
        if (subs[i].inner) {
            memcpy(p, b.data, b.len);
            p[at + subs[i].inner] = p[at + subs[i].inner + 1] = 0xFF;
            cr_assert_eq(dq_pdu_decode_associate(p, b.len, &d, &err), -1, "0x%02X", b.data[at]);
            cr_assert_eq(err.kind, DQ_ERR_MALFORMED);
            cr_assert(err.offset >= at && err.offset <= at + subs[i].inner, "0x%02X: offset %zu",
                      b.data[at], err.offset);
            cr_assert_not_null(strstr(err.message, subs[i].name), "%s", err.message);
        }
        free(p);
    }
    cr_assert_eq(seen, ((size_t)1 << (sizeof subs / sizeof subs[0])) - 1, "every sub-item encoded");
    dq_buffer_free(&b);
}

/* A TLS record header where a PDU should start (RFC 8446 5.1): alert and
 * handshake with version major 3; never a PDU, a short input or another
 * version. */
Test(pdu, tls_record_recognised)
{
    static const uint8_t alert[] = {0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x46};
    static const uint8_t hello[] = {0x16, 0x03, 0x01, 0x00, 0x31};
    static const uint8_t old[] = {0x15, 0x02, 0x00};
    cr_assert_str_eq(dq_pdu_tls_record(alert, sizeof alert), "alert");
    cr_assert_str_eq(dq_pdu_tls_record(alert, 2), "alert");
    cr_assert_str_eq(dq_pdu_tls_record(hello, sizeof hello), "handshake");
    cr_assert_null(dq_pdu_tls_record(alert, 1));
    cr_assert_null(dq_pdu_tls_record(NULL, 7));
    cr_assert_null(dq_pdu_tls_record(old, sizeof old));
    for (unsigned t = 0; t < 256; t++) {
        uint8_t p[2] = {(uint8_t)t, 0x03};
        if (dq_pdu_type_name(t))
            cr_assert_null(dq_pdu_tls_record(p, 2), "PDU type 0x%02X", t);
        else if (t != 0x15 && t != 0x16)
            cr_assert_null(dq_pdu_tls_record(p, 2), "type 0x%02X", t);
    }
}
