/* The UL state machine: every (state, event) pair of PS3.8 Table 9-10 is
 * run once (both branches of the two conditional cells), the generated
 * table is compared with a transcription made by hand from the standard, and
 * each action's outputs (PDU sent, close, ARTIM, indication) are checked. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <string.h>

#include "dq/pdu.h"
#include "dq/ul.h"

/* PS3.8 Table 9-10, transcribed by hand: rows Evt1..Evt19, columns
 * Sta1..Sta13; "" is a blank cell; "AE-6 3/13" means "Sta3 or 13". */
static const char *const expected[DQ_UL_NEVENTS][DQ_UL_NSTATES] = {
    /* Evt1 */ {"AE-1 4", "", "", "", "", "", "", "", "", "", "", "", ""},
    /* Evt2 */ {"", "", "", "AE-2 5", "", "", "", "", "", "", "", "", ""},
    /* Evt3 */
    {"", "AA-1 13", "AA-8 13", "", "AE-3 6", "AA-8 13", "AA-8 13", "AA-8 13", "AA-8 13", "AA-8 13",
     "AA-8 13", "AA-8 13", "AA-6 13"},
    /* Evt4 */
    {"", "AA-1 13", "AA-8 13", "", "AE-4 1", "AA-8 13", "AA-8 13", "AA-8 13", "AA-8 13", "AA-8 13",
     "AA-8 13", "AA-8 13", "AA-6 13"},
    /* Evt5 */ {"AE-5 2", "", "", "", "", "", "", "", "", "", "", "", ""},
    /* Evt6 */
    {"", "AE-6 3/13", "AA-8 13", "", "AA-8 13", "AA-8 13", "AA-8 13", "AA-8 13", "AA-8 13",
     "AA-8 13", "AA-8 13", "AA-8 13", "AA-7 13"},
    /* Evt7 */ {"", "", "AE-7 6", "", "", "", "", "", "", "", "", "", ""},
    /* Evt8 */ {"", "", "AE-8 13", "", "", "", "", "", "", "", "", "", ""},
    /* Evt9 */ {"", "", "", "", "", "DT-1 6", "", "AR-7 8", "", "", "", "", ""},
    /* Evt10 */
    {"", "AA-1 13", "AA-8 13", "", "AA-8 13", "DT-2 6", "AR-6 7", "AA-8 13", "AA-8 13", "AA-8 13",
     "AA-8 13", "AA-8 13", "AA-6 13"},
    /* Evt11 */ {"", "", "", "", "", "AR-1 7", "", "", "", "", "", "", ""},
    /* Evt12 */
    {"", "AA-1 13", "AA-8 13", "", "AA-8 13", "AR-2 8", "AR-8 9/10", "AA-8 13", "AA-8 13",
     "AA-8 13", "AA-8 13", "AA-8 13", "AA-6 13"},
    /* Evt13 */
    {"", "AA-1 13", "AA-8 13", "", "AA-8 13", "AA-8 13", "AR-3 1", "AA-8 13", "AA-8 13", "AR-10 12",
     "AR-3 1", "AA-8 13", "AA-6 13"},
    /* Evt14 */ {"", "", "", "", "", "", "", "AR-4 13", "AR-9 11", "", "", "AR-4 13", ""},
    /* Evt15 */
    {"", "", "AA-1 13", "AA-2 1", "AA-1 13", "AA-1 13", "AA-1 13", "AA-1 13", "AA-1 13", "AA-1 13",
     "AA-1 13", "AA-1 13", ""},
    /* Evt16 */
    {"", "AA-2 1", "AA-3 1", "", "AA-3 1", "AA-3 1", "AA-3 1", "AA-3 1", "AA-3 1", "AA-3 1",
     "AA-3 1", "AA-3 1", "AA-2 1"},
    /* Evt17 */
    {"", "AA-5 1", "AA-4 1", "AA-4 1", "AA-4 1", "AA-4 1", "AA-4 1", "AA-4 1", "AA-4 1", "AA-4 1",
     "AA-4 1", "AA-4 1", "AR-5 1"},
    /* Evt18 */ {"", "AA-2 1", "", "", "", "", "", "", "", "", "", "", "AA-2 1"},
    /* Evt19 */
    {"", "AA-1 13", "AA-8 13", "", "AA-8 13", "AA-8 13", "AA-8 13", "AA-8 13", "AA-8 13", "AA-8 13",
     "AA-8 13", "AA-8 13", "AA-7 13"},
};

/* A PDU of the type each received-PDU event stands for. */
static const uint8_t *pdu_for(dq_ul_event e, size_t *len)
{
    static uint8_t b[16];
    memset(b, 0, sizeof b);
    b[5] = 4;
    *len = 10;
    switch (e) {
    case DQ_UL_EVT3: b[0] = 0x02; break;
    case DQ_UL_EVT4:
        b[0] = 0x03;
        b[7] = 1;
        b[8] = 1;
        b[9] = 3;
        break;
    case DQ_UL_EVT6: b[0] = 0x01; break;
    case DQ_UL_EVT10: b[0] = 0x04; break;
    case DQ_UL_EVT12: b[0] = 0x05; break;
    case DQ_UL_EVT13: b[0] = 0x06; break;
    case DQ_UL_EVT16:
        b[0] = 0x07;
        b[8] = 0;
        b[9] = 0;
        break;
    case DQ_UL_EVT19: b[0] = 0x09; break;
    case DQ_UL_EVT7: b[0] = 0x02; break; /* the AC to send */
    case DQ_UL_EVT8: b[0] = 0x03; break; /* the RJ to send */
    default: b[0] = 0x04; break;         /* primitives carrying a PDU to send */
    }
    return b;
}

/* Everything an action must ask for, by the text of PS3.8 9.2. */
static void check_outputs(dq_ul_action a, const dq_ul_output *o, const dq_ul *ul, bool artim_was)
{
    const char *n = dq_ul_action_name(a);
    unsigned sent = (o->todo & DQ_UL_DO_SEND) ? o->send[0] : 0;
    switch (a) {
    case DQ_UL_AE1: cr_assert(o->todo & DQ_UL_DO_CONNECT, "%s", n); break;
    case DQ_UL_AE2: cr_assert_eq(sent, 0x01, "%s sends the A-ASSOCIATE-RQ", n); break;
    case DQ_UL_AE3: cr_assert_eq(o->indication, DQ_UL_IND_ASSOCIATE_ACCEPTED); break;
    case DQ_UL_AE4:
        cr_assert_eq(o->indication, DQ_UL_IND_ASSOCIATE_REJECTED);
        cr_assert(o->todo & DQ_UL_DO_CLOSE);
        break;
    case DQ_UL_AE5: cr_assert(o->todo & DQ_UL_DO_ARTIM_START); break;
    case DQ_UL_AE6:
        if (o->to == DQ_UL_STA3)
            cr_assert_eq(o->indication, DQ_UL_IND_ASSOCIATE_REQUESTED);
        else {
            cr_assert_eq(sent, 0x03, "AE-6 rejects with A-ASSOCIATE-RJ");
            cr_assert(o->todo & DQ_UL_DO_ARTIM_START);
        }
        break;
    case DQ_UL_AE7: cr_assert_eq(sent, 0x02); break;
    case DQ_UL_AE8:
        cr_assert_eq(sent, 0x03);
        cr_assert(o->todo & DQ_UL_DO_ARTIM_START);
        break;
    case DQ_UL_DT1:
    case DQ_UL_AR7: cr_assert_eq(sent, 0x04, "%s", n); break;
    case DQ_UL_DT2:
    case DQ_UL_AR6: cr_assert_eq(o->indication, DQ_UL_IND_PDATA, "%s", n); break;
    case DQ_UL_AR1: cr_assert_eq(sent, 0x05); break;
    case DQ_UL_AR2:
    case DQ_UL_AR8: cr_assert_eq(o->indication, DQ_UL_IND_RELEASE_REQUESTED, "%s", n); break;
    case DQ_UL_AR3:
        cr_assert_eq(o->indication, DQ_UL_IND_RELEASE_CONFIRMED);
        cr_assert(o->todo & DQ_UL_DO_CLOSE);
        break;
    case DQ_UL_AR4:
        cr_assert_eq(sent, 0x06);
        cr_assert(o->todo & DQ_UL_DO_ARTIM_START);
        break;
    case DQ_UL_AR5: cr_assert_eq(!!(o->todo & DQ_UL_DO_ARTIM_STOP), artim_was); break;
    case DQ_UL_AR9: cr_assert_eq(sent, 0x06); break;
    case DQ_UL_AR10: cr_assert_eq(o->indication, DQ_UL_IND_RELEASE_CONFIRMED); break;
    case DQ_UL_AA1:
        cr_assert_eq(sent, 0x07);
        cr_assert_eq(o->send[8], 0, "AA-1: service-user source");
        cr_assert(o->todo & DQ_UL_DO_ARTIM_START);
        break;
    case DQ_UL_AA2: cr_assert(o->todo & DQ_UL_DO_CLOSE); break;
    case DQ_UL_AA3:
        cr_assert(o->indication == DQ_UL_IND_ABORT || o->indication == DQ_UL_IND_P_ABORT);
        cr_assert(o->todo & DQ_UL_DO_CLOSE);
        break;
    case DQ_UL_AA4: cr_assert_eq(o->indication, DQ_UL_IND_P_ABORT); break;
    case DQ_UL_AA5: cr_assert_eq(!!(o->todo & DQ_UL_DO_ARTIM_STOP), artim_was); break;
    case DQ_UL_AA6: cr_assert_eq(o->todo, 0, "AA-6 ignores the PDU"); break;
    case DQ_UL_AA7:
        cr_assert_eq(sent, 0x07);
        cr_assert_eq(o->send[8], 2);
        break;
    case DQ_UL_AA8:
        cr_assert_eq(sent, 0x07);
        cr_assert_eq(o->send[8], 2, "AA-8: service-provider source");
        cr_assert_eq(o->indication, DQ_UL_IND_P_ABORT);
        cr_assert(o->todo & DQ_UL_DO_ARTIM_START);
        break;
    default: cr_assert_fail("unexpected action %d", a);
    }
    (void)ul;
}

static void run_cell(int s, int e, bool flag, int *covered)
{
    const char *cell = expected[e - 1][s - 1];
    dq_ul ul;
    dq_ul_init(&ul);
    ul.state = (dq_ul_state)s;
    ul.requestor = flag;
    ul.artim_running = s == DQ_UL_STA2 || s == DQ_UL_STA13;
    static const uint8_t rq[10] = {0x01, 0, 0, 0, 0, 4};
    ul.pending = rq;
    ul.pending_len = sizeof rq;
    size_t len;
    const uint8_t *pdu = pdu_for((dq_ul_event)e, &len);
    dq_ul_output o;
    dq_error err;
    bool artim_was = ul.artim_running;
    int rc = dq_ul_handle(&ul, (dq_ul_event)e, pdu, len, flag, &o, &err);
    if (!*cell) {
        cr_assert_eq(rc, -1, "Sta%d Evt%d is blank in Table 9-10 but was accepted", s, e);
        cr_assert_eq(err.kind, DQ_ERR_ARGUMENT);
        cr_assert_eq(ul.state, (dq_ul_state)s, "a refused event must not change the state");
        (*covered)++;
        return;
    }
    cr_assert_eq(rc, 0, "Sta%d Evt%d: %s", s, e, err.message);
    char want_action[8];
    char want_next[8];
    cr_assert_eq(sscanf(cell, "%7s %7s", want_action, want_next), 2);
    cr_assert_str_eq(dq_ul_action_name(o.action), want_action, "Sta%d Evt%d", s, e);
    int n1 = 0, n2 = 0;
    if (sscanf(want_next, "%d/%d", &n1, &n2) < 2)
        n2 = n1;
    /* AE-6: acceptable -> first; AR-8: requestor -> first. */
    int want = flag ? n1 : n2;
    cr_assert_eq(ul.state, (dq_ul_state)want, "Sta%d Evt%d (%s): now Sta%d, want Sta%d", s, e, cell,
                 ul.state, want);
    cr_assert_eq(o.from, (dq_ul_state)s);
    cr_assert_eq(o.to, ul.state);
    check_outputs(o.action, &o, &ul, artim_was);
    (*covered)++;
}

Test(ul, every_state_event_pair_follows_table_9_10)
{
    int covered = 0;
    for (int s = 1; s <= DQ_UL_NSTATES; s++)
        for (int e = 1; e <= DQ_UL_NEVENTS; e++) {
            run_cell(s, e, true, &covered);
            if (strchr(expected[e - 1][s - 1], '/'))
                run_cell(s, e, false, &covered);
        }
    cr_assert_eq(covered, DQ_UL_NSTATES * DQ_UL_NEVENTS + 2);
}

Test(ul, generated_table_matches_the_transcription)
{
    for (int s = 1; s <= DQ_UL_NSTATES; s++)
        for (int e = 1; e <= DQ_UL_NEVENTS; e++) {
            dq_ul_action a;
            dq_ul_state n, alt;
            bool has = dq_ul_transition((dq_ul_state)s, (dq_ul_event)e, &a, &n, &alt);
            const char *cell = expected[e - 1][s - 1];
            cr_assert_eq(has, *cell != 0, "Sta%d Evt%d", s, e);
            if (!has)
                continue;
            char got[32];
            if (n == alt)
                snprintf(got, sizeof got, "%s %d", dq_ul_action_name(a), n);
            else
                snprintf(got, sizeof got, "%s %d/%d", dq_ul_action_name(a), n, alt);
            cr_assert_str_eq(got, cell, "Sta%d Evt%d", s, e);
        }
}

Test(ul, requestor_happy_path_release_and_collision)
{
    dq_ul ul;
    dq_ul_init(&ul);
    cr_assert_eq(ul.state, DQ_UL_STA1);
    static const uint8_t rq[10] = {0x01, 0, 0, 0, 0, 4};
    dq_ul_output o;
    cr_assert_eq(dq_ul_handle(&ul, DQ_UL_EVT1, rq, sizeof rq, false, &o, NULL), 0);
    cr_assert(o.todo & DQ_UL_DO_CONNECT);
    cr_assert_eq(dq_ul_handle(&ul, DQ_UL_EVT2, NULL, 0, false, &o, NULL), 0);
    cr_assert_eq(o.send, rq, "AE-2 sends the RQ given with Evt1, without copying");
    size_t len;
    const uint8_t *ac = pdu_for(DQ_UL_EVT3, &len);
    cr_assert_eq(dq_ul_handle(&ul, DQ_UL_EVT3, ac, len, false, &o, NULL), 0);
    cr_assert_eq(ul.state, DQ_UL_STA6);
    cr_assert_eq(dq_ul_handle(&ul, DQ_UL_EVT11, NULL, 0, false, &o, NULL), 0);
    cr_assert_eq(ul.state, DQ_UL_STA7);
    /* Collision: the peer's A-RELEASE-RQ arrives; we are the requestor. */
    const uint8_t *rrq = pdu_for(DQ_UL_EVT12, &len);
    cr_assert_eq(dq_ul_handle(&ul, DQ_UL_EVT12, rrq, len, false, &o, NULL), 0);
    cr_assert_eq(ul.state, DQ_UL_STA9);
    cr_assert_eq(dq_ul_handle(&ul, DQ_UL_EVT14, NULL, 0, false, &o, NULL), 0);
    cr_assert_eq(ul.state, DQ_UL_STA11);
    const uint8_t *rp = pdu_for(DQ_UL_EVT13, &len);
    cr_assert_eq(dq_ul_handle(&ul, DQ_UL_EVT13, rp, len, false, &o, NULL), 0);
    cr_assert_eq(ul.state, DQ_UL_STA1);
    cr_assert_eq(o.indication, DQ_UL_IND_RELEASE_CONFIRMED);
    cr_assert(o.todo & DQ_UL_DO_CLOSE);
}

Test(ul, abort_details_and_reasons)
{
    dq_ul ul;
    dq_ul_init(&ul);
    ul.state = DQ_UL_STA6;
    /* A-ABORT from the peer's service-user: A-ABORT indication. */
    uint8_t ab[10] = {0x07, 0, 0, 0, 0, 4, 0, 0, 0, 0};
    dq_ul_output o;
    cr_assert_eq(dq_ul_handle(&ul, DQ_UL_EVT16, ab, sizeof ab, false, &o, NULL), 0);
    cr_assert_eq(o.indication, DQ_UL_IND_ABORT);
    /* From the provider (source 2, reason 4): A-P-ABORT with the details. */
    ul.state = DQ_UL_STA6;
    ab[8] = 2;
    ab[9] = 4;
    cr_assert_eq(dq_ul_handle(&ul, DQ_UL_EVT16, ab, sizeof ab, false, &o, NULL), 0);
    cr_assert_eq(o.indication, DQ_UL_IND_P_ABORT);
    cr_assert_eq(o.abort_source, 2);
    cr_assert_eq(o.abort_reason, 4);
    /* An unknown PDU type: AA-8 with reason 1 (unrecognized-PDU). */
    ul.state = DQ_UL_STA6;
    uint8_t junk[10] = {0xEE, 0, 0, 0, 0, 4};
    cr_assert_eq(dq_ul_handle(&ul, DQ_UL_EVT19, junk, sizeof junk, false, &o, NULL), 0);
    cr_assert_eq(o.send[9], 1);
    /* A known type that did not decode: reason 6 (invalid-PDU-parameter). */
    ul.state = DQ_UL_STA6;
    uint8_t bad[10] = {0x04, 0, 0, 0, 0, 4};
    cr_assert_eq(dq_ul_handle(&ul, DQ_UL_EVT19, bad, sizeof bad, false, &o, NULL), 0);
    cr_assert_eq(o.send[9], 6);
    /* A valid but unexpected PDU: reason 2 (unexpected-PDU). */
    ul.state = DQ_UL_STA6;
    uint8_t acpdu[10] = {0x02, 0, 0, 0, 0, 4};
    cr_assert_eq(dq_ul_handle(&ul, DQ_UL_EVT3, acpdu, sizeof acpdu, false, &o, NULL), 0);
    cr_assert_eq(o.send[9], 2);
    cr_assert_eq(ul.state, DQ_UL_STA13);
}

Test(ul, names_and_pdu_classification)
{
    cr_assert_str_eq(dq_ul_action_name(DQ_UL_AR10), "AR-10");
    cr_assert_str_eq(dq_ul_state_name(DQ_UL_STA13), "Sta13");
    cr_assert_str_eq(dq_ul_event_name(DQ_UL_EVT19), "Evt19");
    cr_assert_str_eq(dq_ul_action_name((dq_ul_action)99), "?");
    uint8_t p[6] = {0x04};
    cr_assert_eq(dq_ul_event_for_pdu(p, 6), DQ_UL_EVT10);
    cr_assert_eq(dq_ul_event_for_pdu(p, 5), DQ_UL_EVT19);
    cr_assert_eq(dq_ul_event_for_pdu(NULL, 0), DQ_UL_EVT19);
    p[0] = 0;
    cr_assert_eq(dq_ul_event_for_pdu(p, 6), DQ_UL_EVT19);
}

/* The named reject/abort/context values (dq_gen_pdu_codes.h) are the values
 * PS3.8 9.3 gives them, and the library's meaning texts agree. */
Test(ul, named_reject_and_abort_values)
{
    cr_assert_eq(DQ_PDU_RJ_RESULT_REJECTED_PERMANENT, 1);
    cr_assert_eq(DQ_PDU_RJ_RESULT_REJECTED_TRANSIENT, 2);
    cr_assert_eq(DQ_PDU_RJ_SOURCE_SERVICE_USER, 1);
    cr_assert_eq(DQ_PDU_RJ_SOURCE_SERVICE_PROVIDER_ACSE_RELATED_FUNCTION, 2);
    cr_assert_eq(DQ_PDU_RJ_SOURCE_SERVICE_PROVIDER_PRESENTATION_RELATED_FUNCTION, 3);
    cr_assert_eq(DQ_PDU_RJ_REASON_SOURCE1_CALLED_AE_TITLE_NOT_RECOGNIZED, 7);
    cr_assert_eq(DQ_PDU_RJ_REASON_SOURCE2_PROTOCOL_VERSION_NOT_SUPPORTED, 2);
    cr_assert_eq(DQ_PDU_RJ_REASON_SOURCE3_LOCAL_LIMIT_EXCEEDED, 2);
    cr_assert_eq(DQ_PDU_ABORT_SOURCE_SERVICE_USER_INITIATED_ABORT, 0);
    cr_assert_eq(DQ_PDU_ABORT_SOURCE_SERVICE_PROVIDER_INITIATED_ABORT, 2);
    cr_assert_eq(DQ_PDU_ABORT_REASON_SOURCE2_UNRECOGNIZED_PDU, 1);
    cr_assert_eq(DQ_PDU_ABORT_REASON_SOURCE2_UNEXPECTED_PDU, 2);
    cr_assert_eq(DQ_PDU_ABORT_REASON_SOURCE2_INVALID_PDU_PARAMETER_VALUE, 6);
    cr_assert_eq(DQ_PDU_PCTX_RESULT_ACCEPTANCE, 0);
    cr_assert_eq(DQ_PDU_PCTX_RESULT_TRANSFER_SYNTAXES_NOT_SUPPORTED_PROVIDER_REJECTION, 4);
    cr_assert_str_eq(
        dq_pdu_reject_reason_text(DQ_PDU_RJ_SOURCE_SERVICE_USER,
                                  DQ_PDU_RJ_REASON_SOURCE1_CALLING_AE_TITLE_NOT_RECOGNIZED),
        "calling-AE-title-not-recognized");
    cr_assert_str_eq(dq_pdu_abort_reason_text(DQ_PDU_ABORT_SOURCE_SERVICE_PROVIDER_INITIATED_ABORT,
                                              DQ_PDU_ABORT_REASON_SOURCE2_UNEXPECTED_PDU_PARAMETER),
                     "unexpected-PDU parameter");
    cr_assert_str_eq(dq_pdu_pctx_result_text(DQ_PDU_PCTX_RESULT_USER_REJECTION), "user-rejection");
}
