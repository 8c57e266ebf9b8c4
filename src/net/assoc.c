/* Association requestor (ACSE over the UL state machine): A-ASSOCIATE-RQ,
 * A-ASSOCIATE-AC/-RJ, release with collision, abort. */
#include "assoc_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

double dq_assoc_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void dq_assoc_params_default(dq_assoc_params *p)
{
    memset(p, 0, sizeof *p);
    p->calling_ae = "FINDSCU";
    p->called_ae = "ANY-SCP";
    p->max_pdu = 16382;
    p->connect_timeout = 0;
    p->acse_timeout = 30;
    p->dimse_timeout = 30;
    p->network_timeout = 30;
    p->artim_timeout = 1;
}

static int ae_problem(dq_error *err, dq_ae_title_problem why, const char *ae, const char *what)
{
    dq_error_set(err, DQ_ERR_ARGUMENT, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG, "AE title '%s' %s", ae,
                 what);
    if (err)
        err->detail[0] = (int)why;
    return -1;
}

/* PS3.5 Table 6.2-1, VR AE: leading and trailing spaces are not significant,
 * a value of only spaces is not allowed, 16 bytes maximum, and the characters
 * are the Default Character Repertoire (ISO 646 G0, PS3.5 E.1: bytes below
 * 0x80) without backslash (0x5C) and without control characters. The
 * repertoire is checked before the length, so a UTF-8 title such as "ÄÖ" is
 * called what it is, not "too long". */
int dq_ae_title_check(const char *ae, dq_error *err)
{
    if (!ae || !*ae)
        return ae_problem(err, DQ_AE_TITLE_EMPTY, ae ? ae : "", "is empty");
    size_t n = strlen(ae), b = 0;
    while (b < n && ae[b] == ' ')
        b++;
    while (n > b && ae[n - 1] == ' ')
        n--;
    if (n == b)
        return ae_problem(err, DQ_AE_TITLE_BLANK, ae, "has only spaces");
    for (size_t i = b; i < n; i++)
        if ((unsigned char)ae[i] >= 0x80)
            return ae_problem(err, DQ_AE_TITLE_REPERTOIRE, ae,
                              "has a character outside the default character repertoire");
    if (n - b > DQ_PDU_AE_TITLE_SIZE)
        return ae_problem(err, DQ_AE_TITLE_TOO_LONG, ae, "is longer than 16 characters");
    for (size_t i = b; i < n; i++) {
        unsigned char ch = (unsigned char)ae[i];
        if (ch == '\\' || ch < 0x20 || ch == 0x7F)
            return ae_problem(err, DQ_AE_TITLE_FORBIDDEN, ae,
                              "contains a backslash or control character");
    }
    return 0;
}

void dq_assoc_emit(dq_assoc *a, dq_assoc_event_type type, const uint8_t *pdu, size_t len)
{
    if (!a->on_event)
        return;
    dq_assoc_event ev = {.type = type, .pdu = pdu, .pdu_len = len};
    a->on_event(a->user, &ev);
}

/* Copies the transport's counters (they die with it on close). */
static void transport_stats_keep(dq_assoc *a)
{
    if (a->t)
        dq_transport_stats_get(a->t, &a->stats.transport);
}

static void close_transport(dq_assoc *a)
{
    transport_stats_keep(a);
    if (a->t) {
        dq_transport_close(a->t);
        a->t = NULL;
    }
    a->held = 0;
    a->in_pdu = false;
}

/* Writes pdus[0..len), whole PDUs the machine asked to send, with one
 * transport write. -1 with *err when it fails: the connection is gone, the
 * transport is closed and the machine hears so (Evt17). */
static int write_pdus(dq_assoc *a, const uint8_t *pdus, size_t len, dq_error *err)
{
    dq_error werr;
    if (dq_transport_write_all(a->t, pdus, len, &werr) < 0) {
        close_transport(a);
        dq_ul_output o2;
        dq_ul_handle(&a->ul, DQ_UL_EVT17, NULL, 0, false, &o2, NULL);
        if (err)
            *err = werr;
        return -1;
    }
    a->stats.bytes_sent += len;
    return 0;
}

/* Carries out what the machine asked for in *out (send, close). */
static int carry_out(dq_assoc *a, const dq_ul_output *out, dq_error *err)
{
    if ((out->todo & DQ_UL_DO_SEND) && a->t) {
        if (out->send_len >= 10 && out->send[0] == DQ_PDU_ABORT && a->on_event) {
            dq_pdu_abort ab = {out->send[8], out->send[9]};
            dq_assoc_event e = {.type = DQ_ASSOC_EV_ABORT_SENT,
                                .pdu = out->send,
                                .pdu_len = out->send_len,
                                .abort = &ab};
            a->on_event(a->user, &e);
        }
        if (write_pdus(a, out->send, out->send_len, err) < 0)
            return -1;
        a->stats.pdus_sent++;
        dq_assoc_emit(a, DQ_ASSOC_EV_PDU_SENT, out->send, out->send_len);
    }
    if (out->todo & DQ_UL_DO_CLOSE)
        close_transport(a);
    return 0;
}

int dq_assoc_ul_event(dq_assoc *a, dq_ul_event ev, const uint8_t *pdu, size_t len,
                      dq_ul_output *out, dq_error *err)
{
    if (dq_ul_handle(&a->ul, ev, pdu, len, false, out, err) < 0)
        return -1;
    /* Most events (every P-DATA-TF received) ask for nothing. */
    return out->todo ? carry_out(a, out, err) : 0;
}

/* The size of the PDU at p (its header's length), at most the n bytes there. */
static size_t pdu_size(const uint8_t *p, size_t n)
{
    dq_pdu_frame fr;
    if (dq_pdu_frame_check(p, n, 0, &fr, NULL) < 0 || !fr.complete)
        return n;
    return fr.size;
}

/* pdus[0..len), PDUs the machine accepted and asked to send as given, leave
 * in one write, then each is counted and reported (PDU_SENT). */
static int flush_pdata(dq_assoc *a, const uint8_t *pdus, size_t len, size_t n_pdus, dq_error *err)
{
    if (len == 0 || !a->t)
        return 0;
    if (write_pdus(a, pdus, len, err) < 0)
        return -1;
    a->stats.pdus_sent += n_pdus;
    for (size_t off = 0, n; a->on_event && off < len; off += n) {
        n = pdu_size(pdus + off, len - off);
        dq_assoc_emit(a, DQ_ASSOC_EV_PDU_SENT, pdus + off, n);
    }
    return 0;
}

int dq_assoc_pdata_send(dq_assoc *a, const uint8_t *pdus, size_t len, dq_error *err)
{
    size_t off = 0, from = 0, queued = 0; /* pdus[from..off): `queued` PDUs not yet written */
    while (off < len) {
        const uint8_t *p = pdus + off;
        size_t n = pdu_size(p, len - off);
        dq_ul_output o;
        dq_error why;
        if (dq_ul_handle(&a->ul, DQ_UL_EVT9, p, n, false, &o, &why) < 0) {
            /* Refused: those accepted before it still leave, as one by one. */
            if (flush_pdata(a, pdus + from, off - from, queued, err) == 0 && err)
                *err = why;
            return -1;
        }
        if (o.todo == DQ_UL_DO_SEND && o.send == p && o.send_len == n) {
            queued++; /* DT-1 (Sta6), AR-7 (Sta8): send this P-DATA-TF */
            off += n;
            continue;
        }
        /* Anything else: what went before leaves first, then this. */
        if (flush_pdata(a, pdus + from, off - from, queued, err) < 0 || carry_out(a, &o, err) < 0)
            return -1;
        off += n;
        from = off;
        queued = 0;
    }
    return flush_pdata(a, pdus + from, off - from, queued, err);
}

/* Sta13 with ARTIM running (we sent A-ABORT, AA-1): PS3.8 9.2 has the
 * requestor wait for the peer to close (Evt17) or ARTIM to expire (Evt18)
 * before it closes, so the A-ABORT is read before our FIN/RST. Whatever
 * arrives meanwhile is dropped (AA-6/AA-7). Bounded by artim_timeout. */
static void artim_wait(dq_assoc *a)
{
    if (!a->t || a->ul.state != DQ_UL_STA13 || !a->ul.artim_running || a->artim_timeout <= 0)
        return;
    if (a->on_event) {
        dq_assoc_event e = {.type = DQ_ASSOC_EV_ARTIM_WAIT, .seconds = a->artim_timeout};
        a->on_event(a->user, &e);
    }
    double deadline = dq_assoc_now() + a->artim_timeout;
    dq_ul_event ev = DQ_UL_EVT18;
    for (;;) {
        a->held = 0;
        a->in_pdu = false;
        dq_transport_consume(a->t, dq_transport_buffered(a->t));
        double left = deadline - dq_assoc_now();
        if (left <= 0)
            break;
        dq_transport_set_timeout(a->t, left);
        const uint8_t *p;
        dq_error e;
        if (dq_transport_need(a->t, 1, &p, &e) < 0) {
            if (e.kind != DQ_ERR_TIMEOUT)
                ev = DQ_UL_EVT17; /* closed (or failed): the transport is gone */
            break;
        }
    }
    dq_ul_output o;
    if (ev == DQ_UL_EVT17)
        close_transport(a);
    /* Evt17 -> AR-5, Evt18 -> AA-2 (close): both end in Sta1 */
    dq_assoc_ul_event(a, ev, NULL, 0, &o, NULL);
}

/* After A-ABORT a requestor reports why (before waiting, so the caller can
 * tell the user when it happened), waits (ARTIM) for the peer to close, then
 * closes and tells the machine (Evt17 -> AR-5 -> Sta1). */
static void finish_abort(dq_assoc *a, const dq_error *why)
{
    if (why && why->kind != DQ_OK && !a->failed_reported) {
        a->failed_reported = true;
        if (a->on_event) {
            dq_assoc_event e = {.type = DQ_ASSOC_EV_FAILED, .error = why};
            a->on_event(a->user, &e);
        }
    }
    artim_wait(a);
    close_transport(a);
    if (a->ul.state != DQ_UL_STA1) {
        dq_ul_output o;
        dq_ul_handle(&a->ul, DQ_UL_EVT17, NULL, 0, false, &o, NULL);
    }
}

void dq_assoc_fail(dq_assoc *a, const dq_error *why)
{
    if (a->ul.state != DQ_UL_STA1 && a->ul.state != DQ_UL_STA13 && a->t) {
        dq_ul_output o;
        dq_assoc_ul_event(a, DQ_UL_EVT15, NULL, 0, &o, NULL);
    }
    finish_abort(a, why);
}

size_t dq_assoc_pdata_cap(size_t max_data_set_length)
{
    size_t ds = max_data_set_length ? max_data_set_length : DQ_DIMSE_MAX_DATA_SET_LENGTH;
    size_t buffer = DQ_TRANSPORT_DEFAULT_MAX_BUFFER - DQ_PDU_HEADER_SIZE;
    return ds < buffer - DQ_DIMSE_MAX_COMMAND_LENGTH ? ds + DQ_DIMSE_MAX_COMMAND_LENGTH : buffer;
}

static const char *timeout_name(dq_timeout_kind what)
{
    return what == DQ_TIMEOUT_ACSE ? "ACSE" : what == DQ_TIMEOUT_DIMSE ? "DIMSE" : "network";
}

/* A whole PDU has been framed: counters, the first-oversized report, the
 * PDU_RECEIVED event. */
static void took_pdu(dq_assoc *a, const uint8_t *p, const dq_pdu_frame *fr)
{
    a->held = fr->size;
    a->stats.pdus_received++;
    a->stats.bytes_received += fr->size;
    if (fr->type == DQ_PDU_P_DATA_TF && a->our_max_pdu && fr->length > a->our_max_pdu &&
        !a->oversized_seen) {
        a->oversized_seen = true;
        dq_assoc_emit(a, DQ_ASSOC_EV_PDU_OVERSIZED, p, fr->size);
    }
    dq_assoc_emit(a, DQ_ASSOC_EV_PDU_RECEIVED, p, fr->size);
}

/* A read the transport's interrupt check ended with "cancel wanted": the
 * handler acts (e.g. sends a C-CANCEL-RQ) and the read goes on (true).
 * false: the read fails with *err (the handler's error when it failed). */
static bool cancel_handled(dq_assoc *a, dq_error *err)
{
    if (!err || err->kind != DQ_ERR_CANCELLED || err->detail[0] != DQ_CANCEL_REQUEST ||
        !a->on_cancel)
        return false;
    return a->on_cancel(a->cancel_user, a, err) == 0 && a->t;
}

void dq_assoc_set_cancel_handler(dq_assoc *a, dq_assoc_cancel_fn fn, void *user)
{
    a->on_cancel = fn;
    a->cancel_user = fn ? user : NULL;
}

/* Each read waits for the network timeout or what is left of the ACSE/DIMSE
 * wait, whichever is shorter; *overall: the ACSE/DIMSE wait is the shorter. */
static double read_wait(const dq_assoc *a, double deadline, bool *overall)
{
    double wait = a->network_timeout;
    *overall = false;
    if (deadline > 0) {
        double left = deadline - dq_assoc_now();
        if (wait <= 0 || left < wait) {
            wait = left;
            *overall = true;
        }
    }
    return wait;
}

/* A read failed (expired: the ACSE/DIMSE deadline had passed before it
 * started). When the ACSE/DIMSE wait is what ran out (not the network
 * timeout, not a cancel's), *err says so, with `what` in detail[0]. */
static int read_failed(bool expired, bool overall, dq_timeout_kind what, dq_error *err)
{
    if (expired ||
        (err && err->kind == DQ_ERR_TIMEOUT && overall && err->detail[0] != DQ_TIMEOUT_CANCEL)) {
        dq_error_set(err, DQ_ERR_TIMEOUT, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
                     "%s timeout: no answer from the peer", timeout_name(what));
        if (err)
            err->detail[0] = (int)what;
    }
    return -1;
}

/* Frames the buffered bytes at p (*fr). -1 with *err: unknown type or
 * impossible length (Evt19); a P-DATA-TF above our cap says which cap; a TLS
 * record in answer to our A-ASSOCIATE-RQ says that the peer wants TLS (a
 * TLS server answers plain bytes with an alert, or with nothing at all). */
static int frame_buffered(dq_assoc *a, const uint8_t *p, dq_pdu_frame *fr, dq_error *err)
{
    dq_error ferr;
    size_t n = dq_transport_buffered(a->t);
    int r = dq_pdu_frame_check(p, n, a->pdata_cap, fr, &ferr);
    if (r >= 0)
        return 0;
    const char *tls = a->ul.state == DQ_UL_STA5 ? dq_pdu_tls_record(p, n) : NULL;
    if (tls) {
        dq_error_set(&ferr, DQ_ERR_MALFORMED, 0, DQ_ERROR_NO_TAG,
                     "the peer answered with a TLS record (%s), not a PDU: it expects TLS; "
                     "try --tls",
                     tls);
        ferr.detail[0] = DQ_MALFORMED_TLS_RECORD;
    } else if (ferr.kind == DQ_ERR_LIMIT && fr->type == DQ_PDU_P_DATA_TF)
        dq_error_set(&ferr, DQ_ERR_LIMIT, 2, DQ_ERROR_NO_TAG,
                     "P-DATA-TF PDU-length %lu is above our safety limit of %zu bytes",
                     (unsigned long)fr->length, a->pdata_cap);
    if (err)
        *err = ferr;
    return -1;
}

int dq_assoc_read_pdu(dq_assoc *a, double deadline, dq_timeout_kind what, const uint8_t **pdu,
                      size_t *len, bool *invalid, dq_error *err)
{
    *invalid = false;
    if (a->held) {
        dq_transport_consume(a->t, a->held);
        a->held = 0;
    }
    a->in_pdu = false;
    if (!a->t)
        return dq_fail(err, DQ_ERR_CLOSED, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
                       "the connection is closed");
    const uint8_t *p;
    size_t have = DQ_PDU_HEADER_SIZE;
    for (;;) {
        bool overall;
        double wait = read_wait(a, deadline, &overall);
        /* A deadline that has passed takes what is already here, no more. */
        if (overall && wait <= 0 && dq_transport_buffered(a->t) < have)
            return read_failed(true, overall, what, err);
        dq_transport_set_timeout(a->t, overall && wait <= 0 ? 1e-9 : wait);
        if (dq_transport_need(a->t, have, &p, err) < 0) {
            if (cancel_handled(a, err))
                continue; /* what was buffered stays: the read resumes */
            return read_failed(false, overall, what, err);
        }
        dq_pdu_frame fr;
        if (frame_buffered(a, p, &fr, err) < 0) {
            *pdu = p;
            *len = DQ_PDU_HEADER_SIZE;
            *invalid = true;
            return 0;
        }
        if (fr.complete) {
            *pdu = p;
            *len = fr.size;
            took_pdu(a, p, &fr);
            return 0;
        }
        have = fr.size ? fr.size : DQ_PDU_HEADER_SIZE;
    }
}

/* Fills *err from an abort output. */
static void abort_error(const dq_ul_output *o, bool received, dq_error *err)
{
    dq_error_set(
        err, DQ_ERR_ABORTED, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
        "association aborted by %s (source %u: %s, reason %u: %s)", received ? "the peer" : "us",
        o->abort_source,
        dq_pdu_abort_source_text(o->abort_source) ? dq_pdu_abort_source_text(o->abort_source) : "?",
        o->abort_reason,
        dq_pdu_abort_reason_text(o->abort_source, o->abort_reason)
            ? dq_pdu_abort_reason_text(o->abort_source, o->abort_reason)
            : "?");
    if (err) {
        err->detail[0] = o->abort_source;
        err->detail[1] = o->abort_reason;
        err->detail[2] = received ? 1 : 0;
    }
}

/* The peer's A-ABORT (Evt16, AA-3): ABORT_RECEIVED to the caller, *err says
 * who aborted and why. */
static void abort_received(dq_assoc *a, const dq_ul_output *o, const uint8_t *pdu, size_t len,
                           dq_error *err)
{
    if (a->on_event) {
        dq_pdu_abort ab = {o->abort_source, o->abort_reason};
        dq_assoc_event e = {
            .type = DQ_ASSOC_EV_ABORT_RECEIVED, .pdu = pdu, .pdu_len = len, .abort = &ab};
        a->on_event(a->user, &e);
    }
    abort_error(o, true, err);
}

/* A PDU that did not frame or decode (Evt19, *why says what was wrong) and
 * was answered with A-ABORT (*o): *err from *why, with the abort's source
 * and reason in detail[0..1] and what came instead (dq_malformed_kind) in
 * detail[2]. */
static void bad_pdu_error(const dq_ul_output *o, const dq_error *why, const uint8_t *pdu,
                          size_t len, dq_ul_state before, dq_error *err)
{
    if (!err)
        return;
    *err = *why;
    if (why->kind == DQ_ERR_LIMIT) {
        /* A safety cap hit stays a limit error, worded as such. */
        size_t n = strlen(err->message);
        snprintf(err->message + n, sizeof err->message - n, ": refused, association aborted");
    } else {
        err->kind = DQ_ERR_PROTOCOL;
        dq_error_prefix(
            err, "%s from the peer in %s, association aborted",
            pdu && len ? (dq_pdu_type_name(pdu[0]) ? dq_pdu_type_name(pdu[0]) : "unrecognized PDU")
                       : "invalid PDU",
            dq_ul_state_name(before));
    }
    err->detail[0] = o->abort_source;
    err->detail[1] = o->abort_reason;
    /* What came instead of a PDU, when known (dq_malformed_kind). */
    err->detail[2] = why->kind == DQ_ERR_MALFORMED ? why->detail[0] : DQ_MALFORMED_UNSPECIFIED;
}

int dq_assoc_unexpected(dq_assoc *a, dq_ul_event ev, const uint8_t *pdu, size_t len,
                        const dq_error *why, dq_error *err)
{
    dq_ul_output o;
    dq_ul_state before = a->ul.state;
    /* The UL action may close the transport (AA-3), freeing the buffer the
     * PDU lies in: keep the (short) bytes reported below. fuzz_assoc found
     * the use-after-free. */
    uint8_t copy[16];
    size_t kept = pdu && len ? (len < sizeof copy ? len : sizeof copy) : 0;
    if (kept)
        memcpy(copy, pdu, kept);
    pdu = kept ? copy : NULL;
    len = kept;
    if (dq_assoc_ul_event(a, ev, pdu, len, &o, err) < 0) {
        finish_abort(a, err);
        return -1;
    }
    if (ev == DQ_UL_EVT16) {
        abort_received(a, &o, pdu, len, err);
    } else if (ev == DQ_UL_EVT12 && o.indication == DQ_UL_IND_RELEASE_REQUESTED) {
        /* The peer released in the middle of an operation: answer (A-RELEASE
         * response primitive, AR-4) and report it. */
        dq_assoc_ul_event(a, DQ_UL_EVT14, NULL, 0, &o, NULL);
        dq_error_set(err, DQ_ERR_CLOSED, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
                     "the peer released the association (A-RELEASE-RQ in %s)",
                     dq_ul_state_name(before));
    } else if (why) {
        bad_pdu_error(&o, why, pdu, len, before, err);
    } else {
        dq_error_set(err, DQ_ERR_PROTOCOL, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
                     "unexpected %s from the peer in %s, association aborted",
                     pdu && len && dq_pdu_type_name(pdu[0]) ? dq_pdu_type_name(pdu[0]) : "PDU",
                     dq_ul_state_name(before));
        if (err) {
            err->detail[0] = o.abort_source;
            err->detail[1] = o.abort_reason;
        }
    }
    finish_abort(a, err);
    return -1;
}

/* One PDU read while waiting for an answer, and the UL event it is. */
typedef struct received {
    const uint8_t *pdu;
    size_t len;
    dq_ul_event ev;
    dq_error why; /* for Evt19: what is wrong with the PDU */
} received;

/* The deadline of an ACSE wait starting now (0: none). */
static double acse_deadline(const dq_assoc *a)
{
    return a->acse_timeout > 0 ? dq_assoc_now() + a->acse_timeout : 0;
}

/* Reads and classifies one PDU: 0 with r->ev set, or -1 (timeout, closed:
 * the association is then over and *err says why). For a PDU that does not
 * frame or decode, r->ev is Evt19 and r->why says what was wrong. */
static int next_event(dq_assoc *a, double deadline, dq_timeout_kind what, received *r,
                      dq_error *err)
{
    bool invalid;
    dq_error *why = &r->why;
    dq_error_clear(why);
    if (dq_assoc_read_pdu(a, deadline, what, &r->pdu, &r->len, &invalid, why) < 0) {
        if (why->kind == DQ_ERR_CLOSED) {
            /* Evt17: the machine issues A-P-ABORT. */
            dq_ul_output o;
            close_transport(a);
            dq_ul_handle(&a->ul, DQ_UL_EVT17, NULL, 0, false, &o, NULL);
            if (err) {
                *err = *why;
                dq_error_prefix(err, "connection closed by the peer while waiting for %s",
                                timeout_name(what));
            }
        } else {
            if (err)
                *err = *why;
            dq_assoc_fail(a, why);
        }
        return -1;
    }
    r->ev = invalid ? DQ_UL_EVT19 : dq_ul_event_for_pdu(r->pdu, r->len);
    if (r->ev != DQ_UL_EVT19 && dq_pdu_validate(r->pdu, r->len, why) < 0)
        r->ev = DQ_UL_EVT19;
    return 0;
}

/* ---- A-ASSOCIATE ---------------------------------------------------------------- */

/* Both AE titles (PS3.5 Table 6.2-1), each error saying which. */
static int check_ae_titles(const dq_assoc_params *p, dq_error *err)
{
    if (dq_ae_title_check(p->calling_ae, err) < 0) {
        dq_error_prefix(err, "calling AE title");
        return -1;
    }
    if (dq_ae_title_check(p->called_ae, err) < 0) {
        dq_error_prefix(err, "called AE title");
        return -1;
    }
    return 0;
}

/* The User Identity sub-item's fields (PS3.7 D.3.3.7.1): a known type, a
 * primary field that fits its 16-bit length, a secondary field (the
 * passcode) with type 2 only. */
static int check_user_identity(const dq_assoc_user_identity *u, dq_error *err)
{
    if (!u)
        return 0;
    if (!dq_pdu_user_identity_type_text(u->type))
        return dq_fail(err, DQ_ERR_ARGUMENT, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
                       "user identity type %u is not one of PS3.7 D.3.3.7.1", (unsigned)u->type);
    if (u->primary_len == 0 || u->primary_len > UINT16_MAX || !u->primary)
        return dq_fail(err, DQ_ERR_ARGUMENT, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
                       "user identity: the %s must be 1..65535 bytes, not %zu",
                       dq_pdu_user_identity_type_text(u->type), u->primary_len);
    if (u->secondary_len > UINT16_MAX || (u->secondary_len && !u->secondary))
        return dq_fail(err, DQ_ERR_ARGUMENT, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
                       "user identity: the passcode must be 0..65535 bytes, not %zu",
                       u->secondary_len);
    if (u->secondary_len && u->type != DQ_USER_IDENTITY_USERNAME_PASSCODE)
        return dq_fail(err, DQ_ERR_ARGUMENT, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
                       "user identity: a passcode goes with a username only (type %u)",
                       DQ_USER_IDENTITY_USERNAME_PASSCODE);
    return 0;
}

/* Checks what the A-ASSOCIATE-RQ is built from; *nts: transfer syntaxes
 * proposed over all contexts. */
static int check_rq_params(const dq_assoc_params *p, size_t *nts, dq_error *err)
{
    if (check_ae_titles(p, err) < 0)
        return -1;
    if (p->n_contexts == 0 || p->n_contexts > DQ_PDU_MAX_PCTX || !p->contexts)
        return dq_fail(err, DQ_ERR_ARGUMENT, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
                       "between 1 and %u presentation contexts are needed, not %zu",
                       DQ_PDU_MAX_PCTX, p->n_contexts);
    if (p->n_ext_neg > DQ_PDU_MAX_EXT_NEG)
        return dq_fail(err, DQ_ERR_ARGUMENT, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
                       "too many extended negotiation items (%zu)", p->n_ext_neg);
    if (check_user_identity(p->user_identity, err) < 0)
        return -1;
    *nts = 0;
    for (size_t i = 0; i < p->n_contexts; i++) {
        if (!p->contexts[i].abstract_syntax || p->contexts[i].n_transfer_syntaxes == 0 ||
            p->contexts[i].n_transfer_syntaxes > 255)
            return dq_fail(err, DQ_ERR_ARGUMENT, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
                           "presentation context %zu needs an abstract syntax and 1..255 "
                           "transfer syntaxes",
                           i * 2 + 1);
        *nts += p->contexts[i].n_transfer_syntaxes;
    }
    return 0;
}

/* An AE title without its leading and trailing spaces (dq_ae_title_check
 * passed: at most 16 characters are left). */
static void ae_copy_trimmed(char *dst, const char *s)
{
    while (*s == ' ')
        s++;
    size_t n = strlen(s);
    while (n > 0 && s[n - 1] == ' ')
        n--;
    memcpy(dst, s, n);
    dst[n] = 0;
}

/* The proposed presentation contexts; their transfer syntaxes go to ts. */
static void fill_rq_pctx(dq_pdu_associate *rq, const dq_assoc_params *p, dq_pdu_str *ts)
{
    rq->n_pctx = p->n_contexts;
    size_t k = 0;
    for (size_t i = 0; i < p->n_contexts; i++) {
        const dq_assoc_context *c = &p->contexts[i];
        dq_pdu_pctx *pc = &rq->pctx[i];
        pc->id = (uint8_t)(2 * i + 1); /* odd IDs, PS3.8 9.3.2.2 */
        pc->abstract_syntax = dq_pdu_cstr(c->abstract_syntax);
        pc->n_transfer_syntaxes = (uint16_t)c->n_transfer_syntaxes;
        pc->transfer_syntaxes = ts + k;
        for (size_t j = 0; j < c->n_transfer_syntaxes; j++)
            ts[k++] = dq_pdu_cstr(c->transfer_syntaxes[j]);
        pc->transfer_syntax = pc->transfer_syntaxes[0];
    }
}

static void fill_rq_user_info(dq_pdu_user_info *ui, const dq_assoc_params *p)
{
    ui->has_max_length = true;
    ui->max_length = p->max_pdu;
    ui->implementation_class_uid = dq_pdu_cstr(
        p->implementation_class_uid ? p->implementation_class_uid : DQ_IMPLEMENTATION_CLASS_UID);
    const char *vn = p->implementation_version_name ? p->implementation_version_name
                                                    : DQ_IMPLEMENTATION_VERSION_NAME;
    if (*vn)
        ui->implementation_version_name = dq_pdu_cstr(vn);
    ui->n_ext_neg = p->n_ext_neg;
    for (size_t i = 0; i < p->n_ext_neg; i++) {
        ui->ext_neg[i].sop_class_uid = dq_pdu_cstr(p->ext_neg[i].sop_class_uid);
        ui->ext_neg[i].info = p->ext_neg[i].info;
        ui->ext_neg[i].info_len = p->ext_neg[i].info_len;
    }
    const dq_assoc_user_identity *u = p->user_identity;
    if (u) { /* lengths checked by check_user_identity */
        ui->has_user_identity = true;
        ui->user_identity.type = (uint8_t)u->type;
        ui->user_identity.positive_response_requested = u->response != DQ_USER_RESPONSE_NONE;
        ui->user_identity.primary = u->primary;
        ui->user_identity.primary_len = (uint16_t)u->primary_len;
        ui->user_identity.secondary = u->secondary;
        ui->user_identity.secondary_len = (uint16_t)u->secondary_len;
    }
}

/* Encodes rq into a->rq and keeps a decoded view of exactly what goes out
 * (for the debug dump) in a->rq_view, reusing rq; rq is freed on failure.
 * ts (the strings rq points to) is freed either way. */
static int encode_rq(dq_assoc *a, dq_pdu_associate *rq, dq_pdu_str *ts, dq_error *err)
{
    int rc = dq_pdu_encode_associate(&a->rq, rq, err);
    free(ts);
    if (rc < 0) {
        free(rq);
        return -1;
    }
    memset(rq, 0, sizeof *rq);
    if (dq_pdu_decode_associate(a->rq.data, a->rq.len, rq, err) < 0) {
        free(rq);
        dq_error_prefix(err, "our own A-ASSOCIATE-RQ does not decode");
        return -1;
    }
    a->rq_view = rq;
    return 0;
}

static int build_rq(dq_assoc *a, const dq_assoc_params *p, dq_error *err)
{
    size_t nts = 0;
    if (check_rq_params(p, &nts, err) < 0)
        return -1;
    dq_pdu_associate *rq = calloc(1, sizeof *rq);
    dq_pdu_str *ts = calloc(nts, sizeof *ts);
    if (!rq || !ts) {
        free(rq);
        free(ts);
        return dq_fail(err, DQ_ERR_NOMEM, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG, "out of memory");
    }
    rq->type = DQ_PDU_ASSOCIATE_RQ;
    rq->protocol_version = DQ_PDU_PROTOCOL_VERSION;
    ae_copy_trimmed(rq->called_ae, p->called_ae);
    ae_copy_trimmed(rq->calling_ae, p->calling_ae);
    rq->application_context = dq_pdu_cstr(DQ_UID_DICOMApplicationContextName);
    fill_rq_pctx(rq, p, ts);
    fill_rq_user_info(&rq->user_info, p);
    return encode_rq(a, rq, ts, err);
}

static int take_ac(dq_assoc *a, const uint8_t *pdu, size_t len, dq_error *err)
{
    a->ac = malloc(len);
    a->ac_view = calloc(1, sizeof *a->ac_view);
    if (!a->ac || !a->ac_view)
        return dq_fail(err, DQ_ERR_NOMEM, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG, "out of memory");
    memcpy(a->ac, pdu, len);
    a->ac_len = len;
    if (dq_pdu_decode_associate(a->ac, a->ac_len, a->ac_view, err) < 0)
        return -1;
    const dq_pdu_associate *ac = a->ac_view;
    a->peer_max_pdu = ac->user_info.has_max_length ? ac->user_info.max_length : 0;
    for (size_t i = 0; i < ac->n_pctx; i++) {
        const dq_pdu_pctx *pc = &ac->pctx[i];
        if (pc->result != DQ_PDU_PCTX_RESULT_ACCEPTANCE)
            continue;
        /* Only contexts we proposed count; the syntax must be one we offered. */
        bool ours = false;
        for (size_t j = 0; j < a->rq_view->n_pctx; j++)
            if (a->rq_view->pctx[j].id == pc->id)
                ours = true;
        if (!ours)
            continue;
        /* A syntax we did not propose for this context cannot be used. */
        bool offered = false;
        for (size_t j = 0; j < a->rq_view->n_pctx && !offered; j++) {
            const dq_pdu_pctx *rp = &a->rq_view->pctx[j];
            if (rp->id != pc->id)
                continue;
            for (size_t k = 0; k < rp->n_transfer_syntaxes; k++) {
                dq_pdu_str t = dq_pdu_pctx_transfer_syntax(rp, k);
                if (t.len == pc->transfer_syntax.len && t.len &&
                    memcmp(t.ptr, pc->transfer_syntax.ptr, t.len) == 0)
                    offered = true;
            }
        }
        if (!offered)
            continue;
        char uid[65];
        size_t n = pc->transfer_syntax.len < 64 ? pc->transfer_syntax.len : 64;
        memcpy(uid, pc->transfer_syntax.ptr ? pc->transfer_syntax.ptr : "", n);
        uid[n] = 0;
        a->pctx_ts[pc->id] = dq_ts_from_uid(uid, n);
    }
    return 0;
}

/* A new association object on transport t, in Sta1, nothing sent yet. */
static dq_assoc *assoc_new(dq_transport *t, const dq_assoc_params *p)
{
    dq_assoc *a = calloc(1, sizeof *a);
    if (!a)
        return NULL;
    a->t = t;
    a->on_event = p->on_event;
    a->user = p->user;
    a->acse_timeout = p->acse_timeout;
    a->dimse_timeout = p->dimse_timeout;
    a->network_timeout = p->network_timeout;
    a->artim_timeout = p->artim_timeout;
    a->max_data_set_length =
        p->max_data_set_length ? p->max_data_set_length : DQ_DIMSE_MAX_DATA_SET_LENGTH;
    a->pdata_cap = dq_assoc_pdata_cap(a->max_data_set_length);
    a->our_max_pdu = p->max_pdu;
    a->user_response = p->user_identity ? p->user_identity->response : DQ_USER_RESPONSE_NONE;
    a->next_message_id = 1;
    for (size_t i = 0; i < 256; i++)
        a->pctx_ts[i] = DQ_TS_UNKNOWN;
    dq_dimse_rx_init(&a->rx, a->pctx_ts, a->max_data_set_length);
    dq_ul_init(&a->ul);
    /* The buffer never needs more than our largest acceptable PDU (it grows
     * only as far as the PDUs that actually arrive). */
    size_t cap = (size_t)DQ_PDU_ASSOC_MAX_LENGTH + DQ_PDU_HEADER_SIZE;
    if (a->pdata_cap + DQ_PDU_HEADER_SIZE > cap)
        cap = a->pdata_cap + DQ_PDU_HEADER_SIZE;
    dq_transport_set_max_buffer(t, cap);
    dq_transport_set_timeout(t, p->network_timeout);
    return a;
}

/* Sends the A-ASSOCIATE-RQ: Evt1 (AE-1: connect; the transport is already
 * open), REQUESTING to the caller, then Evt2 (AE-2). */
static int send_rq(dq_assoc *a, dq_error *err)
{
    dq_ul_output o;
    if (dq_assoc_ul_event(a, DQ_UL_EVT1, a->rq.data, a->rq.len, &o, err) < 0)
        return -1;
    if (a->on_event) {
        dq_assoc_event e = {.type = DQ_ASSOC_EV_REQUESTING,
                            .pdu = a->rq.data,
                            .pdu_len = a->rq.len,
                            .associate = a->rq_view};
        a->on_event(a->user, &e);
    }
    return dq_assoc_ul_event(a, DQ_UL_EVT2, NULL, 0, &o, err);
}

/* The acceptor may accept without confirming a user identity (PS3.7
 * D.3.3.7): only a caller that required the confirmation ends the
 * association over it (A-ABORT). */
static int check_user_response(dq_assoc *a, dq_error *err)
{
    if (a->user_response != DQ_USER_RESPONSE_REQUIRED || a->ac_view->user_info.has_user_identity)
        return 0;
    dq_error_set(err, DQ_ERR_AUTH, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
                 "the peer accepted the association without confirming the user identity "
                 "(no User Identity sub-item in the A-ASSOCIATE-AC)");
    dq_assoc_fail(a, err);
    return -1;
}

/* A-ASSOCIATE-AC (Evt3, AE-3): kept and decoded, then ACCEPTED to the
 * caller. -1: it does not decode, or it lacks a user identity response the
 * caller required (the association is aborted). */
static int accepted(dq_assoc *a, const uint8_t *pdu, size_t len, dq_error *err)
{
    dq_ul_output o;
    if (take_ac(a, pdu, len, err) < 0) {
        dq_error_prefix(err, "A-ASSOCIATE-AC");
        dq_assoc_fail(a, err);
        return -1;
    }
    dq_assoc_ul_event(a, DQ_UL_EVT3, pdu, len, &o, err);
    if (a->on_event) {
        dq_assoc_event e = {.type = DQ_ASSOC_EV_ACCEPTED,
                            .pdu = a->ac,
                            .pdu_len = a->ac_len,
                            .associate = a->ac_view};
        a->on_event(a->user, &e);
    }
    return check_user_response(a, err);
}

/* A-ASSOCIATE-RJ (Evt4, AE-4): REJECTED to the caller; always -1 with *err
 * (err not NULL) holding result, source and reason in detail[]. */
static int rejected(dq_assoc *a, const uint8_t *pdu, size_t len, dq_error *err)
{
    dq_pdu_reject rj = {0};
    dq_pdu_decode_reject(pdu, len, &rj, NULL);
    if (a->on_event) {
        dq_assoc_event e = {
            .type = DQ_ASSOC_EV_REJECTED, .pdu = pdu, .pdu_len = len, .reject = &rj};
        a->on_event(a->user, &e);
    }
    const char *rs = dq_pdu_reject_result_text(rj.result);
    const char *ss = dq_pdu_reject_source_text(rj.source);
    const char *xs = dq_pdu_reject_reason_text(rj.source, rj.reason);
    dq_ul_output o;
    dq_assoc_ul_event(a, DQ_UL_EVT4, pdu, len, &o, NULL);
    dq_error_set(err, DQ_ERR_REJECTED, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
                 "association rejected: result %u (%s), source %u (%s), reason %u (%s)", rj.result,
                 rs ? rs : "?", rj.source, ss ? ss : "?", rj.reason, xs ? xs : "?");
    err->detail[0] = rj.result;
    err->detail[1] = rj.source;
    err->detail[2] = rj.reason;
    return -1;
}

/* Waits (ACSE timeout) for the answer to our A-ASSOCIATE-RQ and acts on it. */
static int await_answer(dq_assoc *a, dq_error *err)
{
    received r;
    if (next_event(a, acse_deadline(a), DQ_TIMEOUT_ACSE, &r, err) < 0)
        return -1;
    if (r.ev == DQ_UL_EVT3)
        return accepted(a, r.pdu, r.len, err);
    if (r.ev == DQ_UL_EVT4)
        return rejected(a, r.pdu, r.len, err);
    return dq_assoc_unexpected(a, r.ev, r.pdu, r.len, r.ev == DQ_UL_EVT19 ? &r.why : NULL, err);
}

int dq_assoc_request_on(dq_assoc **out, dq_transport *t, const dq_assoc_params *p, dq_error *err)
{
    dq_error scratch;
    if (!err)
        err = &scratch;
    *out = NULL;
    dq_assoc *a = assoc_new(t, p);
    if (!a) {
        dq_transport_close(t);
        return dq_fail(err, DQ_ERR_NOMEM, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG, "out of memory");
    }
    if (build_rq(a, p, err) < 0 || send_rq(a, err) < 0 || await_answer(a, err) < 0) {
        dq_assoc_free(a);
        return -1;
    }
    *out = a;
    return 0;
}

int dq_assoc_request(dq_assoc **out, const char *host, uint16_t port, const dq_assoc_params *p,
                     dq_error *err)
{
    *out = NULL;
    /* Check what we can before touching the network. */
    if (check_ae_titles(p, err) < 0)
        return -1;
    dq_transport *t;
    if (dq_transport_connect_tcp(&t, host, port, p->connect_timeout, err) < 0)
        return -1;
    return dq_assoc_request_on(out, t, p, err);
}

/* ---- accessors ---------------------------------------------------------------------- */

const dq_pdu_associate *dq_assoc_accepted(const dq_assoc *a)
{
    return a ? a->ac_view : NULL;
}

const dq_pdu_associate *dq_assoc_requested(const dq_assoc *a)
{
    return a ? a->rq_view : NULL;
}

const uint8_t *dq_assoc_ac_bytes(const dq_assoc *a, size_t *len)
{
    *len = a ? a->ac_len : 0;
    return a ? a->ac : NULL;
}

const uint8_t *dq_assoc_rq_bytes(const dq_assoc *a, size_t *len)
{
    *len = a ? a->rq.len : 0;
    return a ? a->rq.data : NULL;
}

bool dq_assoc_user_identity_response(const dq_assoc *a, const uint8_t **response, size_t *len)
{
    const dq_pdu_user_info *ui = a && a->ac_view ? &a->ac_view->user_info : NULL;
    bool has = ui && ui->has_user_identity;
    if (response)
        *response = has ? ui->user_identity.primary : NULL;
    if (len)
        *len = has ? ui->user_identity.primary_len : 0;
    return has;
}

uint32_t dq_assoc_peer_max_pdu(const dq_assoc *a)
{
    return a->peer_max_pdu;
}

void dq_assoc_stats_get(const dq_assoc *a, dq_assoc_stats *out)
{
    transport_stats_keep((dq_assoc *)a);
    *out = a->stats;
    out->bytes_copied = a->rx.bytes_copied;
    out->data_sets_in_place = a->rx.data_sets_in_place;
}

bool dq_assoc_is_established(const dq_assoc *a)
{
    return a && a->ul.state == DQ_UL_STA6;
}

uint16_t dq_assoc_next_message_id(dq_assoc *a)
{
    uint16_t id = a->next_message_id++;
    if (a->next_message_id == 0)
        a->next_message_id = 1;
    return id;
}

int dq_assoc_context_for(const dq_assoc *a, const char *abstract_syntax, uint8_t *pctx_id,
                         dq_transfer_syntax *ts, dq_error *err)
{
    for (size_t i = 0; a->rq_view && i < a->rq_view->n_pctx; i++) {
        const dq_pdu_pctx *pc = &a->rq_view->pctx[i];
        if (dq_pdu_str_eq(pc->abstract_syntax, abstract_syntax) &&
            a->pctx_ts[pc->id] != DQ_TS_UNKNOWN) {
            if (pctx_id)
                *pctx_id = pc->id;
            if (ts)
                *ts = a->pctx_ts[pc->id];
            return 0;
        }
    }
    return dq_fail(err, DQ_ERR_NOT_FOUND, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
                   "no presentation context for %s was accepted", abstract_syntax);
}

/* ---- release and abort --------------------------------------------------------------- */

int dq_assoc_release(dq_assoc *a, dq_error *err)
{
    dq_error scratch;
    if (!err)
        err = &scratch;
    if (!dq_assoc_is_established(a))
        return dq_fail(err, DQ_ERR_ARGUMENT, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
                       "the association is not established");
    a->in_pdu = false;
    dq_assoc_emit(a, DQ_ASSOC_EV_RELEASING, NULL, 0);
    dq_ul_output o;
    if (dq_assoc_ul_event(a, DQ_UL_EVT11, NULL, 0, &o, err) < 0)
        return -1;
    double deadline = acse_deadline(a);
    for (;;) {
        received r;
        if (next_event(a, deadline, DQ_TIMEOUT_ACSE, &r, err) < 0)
            return -1;
        const uint8_t *pdu = r.pdu;
        size_t len = r.len;
        dq_ul_event ev = r.ev;
        if (ev == DQ_UL_EVT10 && a->ul.state == DQ_UL_STA7) {
            /* AR-6: late P-DATA (e.g. responses after a cancel) is dropped. */
            dq_assoc_ul_event(a, ev, pdu, len, &o, err);
            continue;
        }
        if (ev == DQ_UL_EVT12 && a->ul.state == DQ_UL_STA7) {
            /* Release collision: we are the requestor, AR-8 -> Sta9, then
             * our A-RELEASE response (AR-9 -> Sta11) and wait for the RP. */
            if (dq_assoc_ul_event(a, ev, pdu, len, &o, err) < 0 ||
                dq_assoc_ul_event(a, DQ_UL_EVT14, NULL, 0, &o, err) < 0)
                return -1;
            continue;
        }
        if (ev == DQ_UL_EVT13 && (a->ul.state == DQ_UL_STA7 || a->ul.state == DQ_UL_STA11)) {
            /* AR-3: confirmation, the transport is closed at once. */
            if (dq_assoc_ul_event(a, ev, pdu, len, &o, err) < 0)
                return -1;
            close_transport(a);
            dq_assoc_emit(a, DQ_ASSOC_EV_RELEASED, NULL, 0);
            return 0;
        }
        return dq_assoc_unexpected(a, ev, pdu, len, ev == DQ_UL_EVT19 ? &r.why : NULL, err);
    }
}

void dq_assoc_abort(dq_assoc *a)
{
    if (!a)
        return;
    dq_assoc_fail(a, NULL);
}

void dq_assoc_abort_error(dq_assoc *a, const dq_error *why)
{
    if (!a)
        return;
    dq_assoc_fail(a, why);
}

void dq_assoc_free(dq_assoc *a)
{
    if (!a)
        return;
    dq_assoc_fail(a, NULL);
    close_transport(a);
    /* The RQ may hold a passcode or token (PS3.7 D.3.3.7): not left in freed
     * memory. */
    if (a->rq.data)
        explicit_bzero(a->rq.data, a->rq.len);
    dq_buffer_free(&a->rq);
    dq_buffer_free(&a->tx);
    dq_buffer_free(&a->tx_cmd);
    dq_dimse_rx_free(&a->rx);
    free(a->rq_view);
    free(a->ac_view);
    free(a->ac);
    free(a);
}
