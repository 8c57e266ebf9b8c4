/* Harness: decode -> encode -> decode must agree, for whatever decodes.
 * Byte 0 picks what the rest is:
 *   0-3  a data set in that transfer syntax (implicit LE, explicit LE,
 *        deflated LE, explicit BE): the re-decoded data set must hold the
 *        same elements (group lengths are recomputed and odd values padded
 *        by design, so those two differences are allowed), and encoding it
 *        again must give the same bytes (encoding is a fixed point);
 *   4    one PDU (A-ASSOCIATE-RQ/AC, -RJ, A-ABORT, A-RELEASE): if the
 *        decoded view can be encoded (the encoder is stricter, e.g. about
 *        AE titles and UID lengths), the result must decode to the same view;
 *   5    a DIMSE command set: same rule (when libdq has the DIMSE codec).
 * A disagreement abort()s, which libFuzzer reports as a crash. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dq/dataset.h"
#include "dq/pdu.h"
#include "fuzz_common.h"
#if DQ_FUZZ_HAVE_ASSOC
#include "dq/assoc.h"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what)
{
    fprintf(stderr, "round trip mismatch: %s\n", what);
    abort();
}

/* ---- data sets ---------------------------------------------------------------------- */

static size_t skip_group_lengths(const dq_dataset *ds, size_t i)
{
    size_t n = dq_dataset_count(ds);
    while (i < n && DQ_TAG_ELEMENT(dq_element_tag(dq_dataset_at(ds, i))) == 0)
        i++;
    return i;
}

static void same_dataset(const dq_dataset *a, const dq_dataset *b, unsigned depth)
{
    if (depth > 256)
        fail("nesting beyond the decoder's cap");
    size_t i = skip_group_lengths(a, 0), j = skip_group_lengths(b, 0);
    size_t na = dq_dataset_count(a), nb = dq_dataset_count(b);
    while (i < na && j < nb) {
        const dq_element *x = dq_dataset_at(a, i), *y = dq_dataset_at(b, j);
        if (dq_element_tag(x) != dq_element_tag(y))
            fail("element tags differ");
        if (dq_element_vr(x) != dq_element_vr(y))
            fail("element VRs differ");
        size_t lx, ly;
        const uint8_t *vx = dq_element_value(x, &lx), *vy = dq_element_value(y, &ly);
        bool padded = lx % 2 == 1 && ly == lx + 1;
        if (!(lx == ly || padded) || (lx && memcmp(vx, vy, lx) != 0))
            fail("element values differ");
        size_t nx = dq_element_item_count(x);
        if (nx != dq_element_item_count(y))
            fail("item counts differ");
        for (size_t k = 0; k < nx; k++)
            same_dataset(dq_element_item(x, k), dq_element_item(y, k), depth + 1);
        i = skip_group_lengths(a, i + 1);
        j = skip_group_lengths(b, j + 1);
    }
    if (i != na || j != nb)
        fail("element counts differ");
}

static void dataset_round_trip(const uint8_t *data, size_t size, dq_transfer_syntax ts)
{
    dq_limits lim;
    dq_fuzz_limits(&lim);
    dq_dataset *d1 = NULL, *d2 = NULL;
    dq_buffer e1 = {0}, e2 = {0};
    dq_error err;
    if (dq_dataset_decode(data, size, ts, &lim, &d1, &err) != 0)
        goto out;
    if (dq_dataset_encode(d1, ts, &e1, &err) != 0) {
        /* Everything that decodes is representable in its own syntax. */
        fprintf(stderr, "%s\n", err.message);
        fail("a decoded data set does not encode");
    }
    if (dq_dataset_decode(e1.data, e1.len, ts, &lim, &d2, &err) != 0) {
        fprintf(stderr, "%s\n", err.message);
        fail("our own encoding does not decode");
    }
    same_dataset(d1, d2, 0);
    if (dq_dataset_encode(d2, ts, &e2, &err) != 0)
        fail("re-encoding failed");
    if (e1.len != e2.len || (e1.len && memcmp(e1.data, e2.data, e1.len) != 0))
        fail("encoding is not a fixed point");
out:
    dq_dataset_free(d1);
    dq_dataset_free(d2);
    dq_buffer_free(&e1);
    dq_buffer_free(&e2);
}

/* ---- PDUs --------------------------------------------------------------------------- */

static bool str_same(dq_pdu_str a, dq_pdu_str b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

static bool bytes_same(const uint8_t *a, size_t na, const uint8_t *b, size_t nb)
{
    return na == nb && (na == 0 || memcmp(a, b, na) == 0);
}

static void same_associate(const dq_pdu_associate *a, const dq_pdu_associate *b)
{
    bool ac = a->type == DQ_PDU_ASSOCIATE_AC;
    if (a->type != b->type || strcmp(a->called_ae, b->called_ae) != 0 ||
        strcmp(a->calling_ae, b->calling_ae) != 0 ||
        (a->protocol_version ? a->protocol_version : DQ_PDU_PROTOCOL_VERSION) !=
            b->protocol_version ||
        !str_same(a->application_context, b->application_context))
        fail("A-ASSOCIATE header or application context");
    if (a->n_pctx != b->n_pctx)
        fail("presentation context count");
    for (size_t i = 0; i < a->n_pctx; i++) {
        const dq_pdu_pctx *x = &a->pctx[i], *y = &b->pctx[i];
        if (x->id != y->id)
            fail("presentation context ID");
        if (ac) {
            if (x->result != y->result || !str_same(x->transfer_syntax, y->transfer_syntax))
                fail("presentation context result/transfer syntax");
            continue;
        }
        if (!str_same(x->abstract_syntax, y->abstract_syntax) ||
            x->n_transfer_syntaxes != y->n_transfer_syntaxes)
            fail("presentation context abstract syntax / count");
        for (size_t k = 0; k < x->n_transfer_syntaxes; k++)
            if (!str_same(dq_pdu_pctx_transfer_syntax(x, k), dq_pdu_pctx_transfer_syntax(y, k)))
                fail("transfer syntax");
    }
    const dq_pdu_user_info *u = &a->user_info, *v = &b->user_info;
    if (u->max_length != v->max_length ||
        !str_same(u->implementation_class_uid, v->implementation_class_uid) ||
        !str_same(u->implementation_version_name, v->implementation_version_name) ||
        u->has_async_ops != v->has_async_ops ||
        (u->has_async_ops && (u->max_ops_invoked != v->max_ops_invoked ||
                              u->max_ops_performed != v->max_ops_performed)))
        fail("user information");
    if (u->n_roles != v->n_roles || u->n_ext_neg != v->n_ext_neg)
        fail("role / extended negotiation counts");
    for (size_t i = 0; i < u->n_roles; i++)
        if (!str_same(u->roles[i].sop_class_uid, v->roles[i].sop_class_uid) ||
            u->roles[i].scu_role != v->roles[i].scu_role ||
            u->roles[i].scp_role != v->roles[i].scp_role)
            fail("role selection");
    for (size_t i = 0; i < u->n_ext_neg; i++)
        if (!str_same(u->ext_neg[i].sop_class_uid, v->ext_neg[i].sop_class_uid) ||
            !bytes_same(u->ext_neg[i].info, u->ext_neg[i].info_len, v->ext_neg[i].info,
                        v->ext_neg[i].info_len))
            fail("extended negotiation");
    if (!ac) {
        if (u->n_common_ext_neg != v->n_common_ext_neg)
            fail("common extended negotiation count");
        for (size_t i = 0; i < u->n_common_ext_neg; i++) {
            const dq_pdu_common_ext_neg *x = &u->common_ext_neg[i], *y = &v->common_ext_neg[i];
            if (!str_same(x->sop_class_uid, y->sop_class_uid) ||
                !str_same(x->service_class_uid, y->service_class_uid) ||
                x->n_related != y->n_related)
                fail("common extended negotiation");
            for (size_t k = 0; k < x->n_related; k++)
                if (!str_same(dq_pdu_common_ext_neg_related(x, k),
                              dq_pdu_common_ext_neg_related(y, k)))
                    fail("related general SOP class");
        }
    }
    if (u->has_user_identity != v->has_user_identity)
        fail("user identity presence");
    if (u->has_user_identity) {
        const dq_pdu_user_identity *x = &u->user_identity, *y = &v->user_identity;
        if (!bytes_same(x->primary, x->primary_len, y->primary, y->primary_len))
            fail("user identity primary field / server response");
        if (!ac && (x->type != y->type ||
                    x->positive_response_requested != y->positive_response_requested ||
                    !bytes_same(x->secondary, x->secondary_len, y->secondary, y->secondary_len)))
            fail("user identity request");
    }
}

static dq_pdu_associate *assoc1, *assoc2; /* ~25 KB each: once, not per input */

static void pdu_round_trip(const uint8_t *data, size_t size)
{
    dq_pdu_frame fr;
    dq_error err;
    if (dq_pdu_frame_check(data, size, 0, &fr, &err) < 0 || !fr.complete)
        return;
    size = fr.size;
    dq_buffer out = {0};
    switch (data[0]) {
    case DQ_PDU_ASSOCIATE_RQ:
    case DQ_PDU_ASSOCIATE_AC:
        if (dq_pdu_decode_associate(data, size, assoc1, &err) != 0 ||
            dq_pdu_encode_associate(&out, assoc1, &err) != 0)
            break;
        if (dq_pdu_decode_associate(out.data, out.len, assoc2, &err) != 0) {
            fprintf(stderr, "%s\n", err.message);
            fail("our A-ASSOCIATE encoding does not decode");
        }
        same_associate(assoc1, assoc2);
        break;
    case DQ_PDU_ASSOCIATE_RJ: {
        dq_pdu_reject x, y;
        if (dq_pdu_decode_reject(data, size, &x, &err) != 0 ||
            dq_pdu_encode_reject(&out, &x, &err) != 0)
            break;
        if (dq_pdu_decode_reject(out.data, out.len, &y, &err) != 0 || x.result != y.result ||
            x.source != y.source || x.reason != y.reason)
            fail("A-ASSOCIATE-RJ");
        break;
    }
    case DQ_PDU_ABORT: {
        dq_pdu_abort x, y;
        if (dq_pdu_decode_abort(data, size, &x, &err) != 0 ||
            dq_pdu_encode_abort(&out, &x, &err) != 0)
            break;
        if (dq_pdu_decode_abort(out.data, out.len, &y, &err) != 0 || x.source != y.source ||
            x.reason != y.reason)
            fail("A-ABORT");
        break;
    }
    case DQ_PDU_RELEASE_RQ:
    case DQ_PDU_RELEASE_RP: {
        dq_pdu_type x, y;
        if (dq_pdu_decode_release(data, size, &x, &err) != 0 ||
            dq_pdu_encode_release(&out, x, &err) != 0)
            break;
        if (dq_pdu_decode_release(out.data, out.len, &y, &err) != 0 || x != y)
            fail("A-RELEASE");
        break;
    }
    default: break;
    }
    dq_buffer_free(&out);
}

#if DQ_FUZZ_HAVE_ASSOC
/* ---- DIMSE command sets ------------------------------------------------------------------ */

/* The text as the encoder sees it (up to the first NUL), trailing spaces
 * dropped as the decoder drops them. */
static size_t text_len(const char *s)
{
    size_t n = strlen(s);
    while (n > 0 && s[n - 1] == ' ')
        n--;
    return n;
}

static bool text_same(const char *a, const char *b)
{
    size_t n = text_len(a);
    return n == text_len(b) && memcmp(a, b, n) == 0;
}

static void command_round_trip(const uint8_t *data, size_t size)
{
    dq_dimse_command x, y;
    dq_buffer out = {0};
    dq_error err;
    if (dq_dimse_command_decode(data, size, &x, &err) == 0 &&
        dq_dimse_command_encode(&x, &out, &err) == 0) {
        if (dq_dimse_command_decode(out.data, out.len, &y, &err) != 0) {
            fprintf(stderr, "%s\n", err.message);
            fail("our command set encoding does not decode");
        }
        if (x.command_field != y.command_field || x.data_set_type != y.data_set_type ||
            x.has_message_id != y.has_message_id ||
            (x.has_message_id && x.message_id != y.message_id) ||
            x.has_message_id_responded != y.has_message_id_responded ||
            (x.has_message_id_responded && x.message_id_responded != y.message_id_responded) ||
            x.has_priority != y.has_priority || (x.has_priority && x.priority != y.priority) ||
            x.has_status != y.has_status || (x.has_status && x.status != y.status) ||
            x.has_error_id != y.has_error_id || (x.has_error_id && x.error_id != y.error_id) ||
            x.n_offending_elements != y.n_offending_elements ||
            memcmp(x.offending_elements, y.offending_elements,
                   x.n_offending_elements * sizeof x.offending_elements[0]) != 0 ||
            !text_same(x.affected_sop_class_uid, y.affected_sop_class_uid) ||
            !text_same(x.error_comment, y.error_comment))
            fail("command set fields");
    }
    dq_buffer_free(&out);
}
#else
static void command_round_trip(const uint8_t *data, size_t size)
{
    (void)data; /* libdq has no DIMSE codec yet */
    (void)size;
}
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if (!assoc1) {
        assoc1 = malloc(sizeof *assoc1);
        assoc2 = malloc(sizeof *assoc2);
        if (!assoc1 || !assoc2)
            abort();
    }
    uint8_t sel = data[0] % 6;
    data++;
    size--;
    if (sel < 4)
        dataset_round_trip(data, size, (dq_transfer_syntax)sel);
    else if (sel == 4)
        pdu_round_trip(data, size);
    else
        command_round_trip(data, size);
    return 0;
}
