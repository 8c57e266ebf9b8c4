/* The Upper Layer state machine runtime (PS3.8 9.2): the generated Table
 * 9-10 says which action runs and where it leads; each action below is a
 * small function saying what the caller must do. No I/O here. */
#include "dq/ul.h"

#include <string.h>

#include "dq/pdu.h"
#include "dq_gen_pdu.h"
#include "dq_gen_ul.h"

_Static_assert(DQ_GEN_UL_NSTATES == DQ_UL_NSTATES && DQ_GEN_UL_NEVENTS == DQ_UL_NEVENTS,
               "the generated table has the standard's 13 states and 19 events");

/* ---- names ------------------------------------------------------------------ */

const char *dq_ul_action_name(dq_ul_action a)
{
    return (unsigned)a < DQ_UL_NACTIONS ? dq_gen_ul_action_names[a] : "?";
}

const char *dq_ul_state_name(dq_ul_state s)
{
    static const char *const names[DQ_UL_NSTATES + 1] = {"?",     "Sta1",  "Sta2",  "Sta3", "Sta4",
                                                         "Sta5",  "Sta6",  "Sta7",  "Sta8", "Sta9",
                                                         "Sta10", "Sta11", "Sta12", "Sta13"};
    return (unsigned)s <= DQ_UL_NSTATES ? names[s] : "?";
}

const char *dq_ul_event_name(dq_ul_event e)
{
    static const char *const names[DQ_UL_NEVENTS + 1] = {
        "?",     "Evt1",  "Evt2",  "Evt3",  "Evt4",  "Evt5",  "Evt6",  "Evt7",  "Evt8",  "Evt9",
        "Evt10", "Evt11", "Evt12", "Evt13", "Evt14", "Evt15", "Evt16", "Evt17", "Evt18", "Evt19"};
    return (unsigned)e <= DQ_UL_NEVENTS ? names[e] : "?";
}

/* ---- small PDUs the machine builds itself ---------------------------------- */

/* A-ASSOCIATE-RJ, A-RELEASE-RQ/RP and A-ABORT have the same fixed size, and
 * RJ and A-ABORT their source and reason at the same places (PS3.8 9.3.4,
 * 9.3.6-9.3.8); A-RELEASE has reserved zeros there. */
#define SMALL_SIZE DQ_GEN_PDU_ABORT_FIXED_SIZE
#define SMALL_SOURCE DQ_GEN_PDU_ABORT_SOURCE_OFFSET
#define SMALL_REASON DQ_GEN_PDU_ABORT_REASON_DIAG_OFFSET
_Static_assert(DQ_GEN_PDU_ASSOCIATE_RJ_FIXED_SIZE == SMALL_SIZE &&
                   DQ_GEN_PDU_RELEASE_RQ_FIXED_SIZE == SMALL_SIZE &&
                   DQ_GEN_PDU_RELEASE_RP_FIXED_SIZE == SMALL_SIZE &&
                   sizeof((dq_ul *)0)->small == SMALL_SIZE,
               "the small PDUs share one size");
_Static_assert(DQ_GEN_PDU_ASSOCIATE_RJ_SOURCE_OFFSET == SMALL_SOURCE &&
                   DQ_GEN_PDU_ASSOCIATE_RJ_REASON_DIAG_OFFSET == SMALL_REASON,
               "A-ASSOCIATE-RJ and A-ABORT place source and reason alike");

static void small_pdu(dq_ul *ul, dq_ul_output *out, uint8_t type, uint8_t source, uint8_t reason)
{
    uint32_t len = SMALL_SIZE - DQ_GEN_PDU_ABORT_HEADER_SIZE;
    memset(ul->small, 0, SMALL_SIZE);
    ul->small[DQ_GEN_PDU_ABORT_PDU_TYPE_OFFSET] = type;
    for (unsigned i = 0; i < DQ_GEN_PDU_ABORT_PDU_LENGTH_SIZE; i++) /* big-endian */
        ul->small[DQ_GEN_PDU_ABORT_PDU_LENGTH_OFFSET + i] =
            (uint8_t)(len >> (8 * (DQ_GEN_PDU_ABORT_PDU_LENGTH_SIZE - 1 - i)));
    ul->small[SMALL_SOURCE] = source;
    ul->small[SMALL_REASON] = reason;
    out->todo |= DQ_UL_DO_SEND;
    out->send = ul->small;
    out->send_len = sizeof ul->small;
}

static void send_given(dq_ul_output *out, const uint8_t *pdu, size_t len)
{
    out->todo |= DQ_UL_DO_SEND;
    out->send = pdu;
    out->send_len = len;
}

static void artim_start(dq_ul *ul, dq_ul_output *out)
{
    ul->artim_running = true;
    out->todo |= DQ_UL_DO_ARTIM_START;
}

static void artim_stop(dq_ul *ul, dq_ul_output *out)
{
    if (ul->artim_running)
        out->todo |= DQ_UL_DO_ARTIM_STOP;
    ul->artim_running = false;
}

/* ---- the actions (PS3.8 Tables 9-6 to 9-9) ---------------------------------- */

typedef struct act_ctx {
    dq_ul *ul;
    dq_ul_event ev;
    const uint8_t *pdu;
    size_t len;
    bool acceptable;
    dq_ul_output *out;
    dq_ul_state next, next_alt;
} act_ctx;

/* The actions that only issue a primitive to the service user, and maybe
 * close the transport: one row each, as PS3.8 Tables 9-6 to 9-9 define them. */
#define ISSUE_ACTION(fn, primitive, todo_flags) \
    static void fn(act_ctx *c)                  \
    {                                           \
        c->out->indication = primitive;         \
        c->out->todo |= todo_flags;             \
    }
/* AE-3: A-ASSOCIATE confirmation (accept); AE-4: (reject), close transport. */
ISSUE_ACTION(ae3, DQ_UL_IND_ASSOCIATE_ACCEPTED, 0)
ISSUE_ACTION(ae4, DQ_UL_IND_ASSOCIATE_REJECTED, DQ_UL_DO_CLOSE)
/* DT-2: P-DATA indication. */
ISSUE_ACTION(dt2, DQ_UL_IND_PDATA, 0)
/* AR-2: A-RELEASE indication; AR-3: A-RELEASE confirmation, close transport;
 * AR-10: A-RELEASE confirmation. */
ISSUE_ACTION(ar2, DQ_UL_IND_RELEASE_REQUESTED, 0)
ISSUE_ACTION(ar3, DQ_UL_IND_RELEASE_CONFIRMED, DQ_UL_DO_CLOSE)
ISSUE_ACTION(ar10, DQ_UL_IND_RELEASE_CONFIRMED, 0)
#undef ISSUE_ACTION

/* AE-1: issue TRANSPORT CONNECT request. */
static void ae1(act_ctx *c)
{
    c->ul->requestor = true;
    c->ul->pending = c->pdu;
    c->ul->pending_len = c->len;
    c->out->todo |= DQ_UL_DO_CONNECT;
}

/* AE-2: send A-ASSOCIATE-RQ PDU. */
static void ae2(act_ctx *c)
{
    send_given(c->out, c->ul->pending, c->ul->pending_len);
    c->ul->pending = NULL;
    c->ul->pending_len = 0;
}

/* AE-5: issue transport connection response; start ARTIM. */
static void ae5(act_ctx *c)
{
    c->ul->requestor = false;
    artim_start(c->ul, c->out);
}

/* AE-6: stop ARTIM; if the A-ASSOCIATE-RQ is acceptable issue an A-ASSOCIATE
 * indication (next Sta3), otherwise send A-ASSOCIATE-RJ and start ARTIM
 * (next Sta13). The RJ sent here: rejected-permanent, service-user,
 * no-reason-given (the caller rejects with details through Evt8). */
static void ae6(act_ctx *c)
{
    artim_stop(c->ul, c->out);
    if (c->acceptable) {
        c->out->indication = DQ_UL_IND_ASSOCIATE_REQUESTED;
        c->out->to = c->next;
    } else {
        small_pdu(c->ul, c->out, DQ_PDU_ASSOCIATE_RJ, DQ_PDU_RJ_SOURCE_SERVICE_USER,
                  DQ_PDU_RJ_REASON_SOURCE1_NO_REASON_GIVEN);
        c->ul->small[DQ_GEN_PDU_ASSOCIATE_RJ_RESULT_OFFSET] = DQ_PDU_RJ_RESULT_REJECTED_PERMANENT;
        artim_start(c->ul, c->out);
        c->out->to = c->next_alt;
    }
}

/* AE-7: send A-ASSOCIATE-AC PDU. */
static void ae7(act_ctx *c)
{
    send_given(c->out, c->pdu, c->len);
}

/* AE-8: send A-ASSOCIATE-RJ PDU and start ARTIM. */
static void ae8(act_ctx *c)
{
    send_given(c->out, c->pdu, c->len);
    artim_start(c->ul, c->out);
}

/* DT-1: send P-DATA-TF PDU. */
static void dt1(act_ctx *c)
{
    send_given(c->out, c->pdu, c->len);
}

/* AR-1: send A-RELEASE-RQ PDU. */
static void ar1(act_ctx *c)
{
    small_pdu(c->ul, c->out, DQ_PDU_RELEASE_RQ, 0, 0);
}

/* AR-4: send A-RELEASE-RP PDU and start ARTIM. */
static void ar4(act_ctx *c)
{
    small_pdu(c->ul, c->out, DQ_PDU_RELEASE_RP, 0, 0);
    artim_start(c->ul, c->out);
}

/* AR-5: stop ARTIM. */
static void ar5(act_ctx *c)
{
    artim_stop(c->ul, c->out);
}

/* AR-8: issue A-RELEASE indication (release collision); the requestor goes
 * to Sta9, the acceptor to Sta10. */
static void ar8(act_ctx *c)
{
    c->out->indication = DQ_UL_IND_RELEASE_REQUESTED;
    c->out->to = c->ul->requestor ? c->next : c->next_alt;
}

/* AR-9: send A-RELEASE-RP PDU. */
static void ar9(act_ctx *c)
{
    small_pdu(c->ul, c->out, DQ_PDU_RELEASE_RP, 0, 0);
}

/* AA-1: send A-ABORT PDU (service-user source), (re)start ARTIM. */
static void aa1(act_ctx *c)
{
    small_pdu(c->ul, c->out, DQ_PDU_ABORT, DQ_PDU_ABORT_SOURCE_SERVICE_USER_INITIATED_ABORT,
              DQ_PDU_ABORT_REASON_SOURCE2_REASON_NOT_SPECIFIED);
    c->out->abort_source = DQ_PDU_ABORT_SOURCE_SERVICE_USER_INITIATED_ABORT;
    c->out->abort_reason = DQ_PDU_ABORT_REASON_SOURCE2_REASON_NOT_SPECIFIED;
    artim_start(c->ul, c->out);
}

/* AA-2: stop ARTIM if running; close transport. */
static void aa2(act_ctx *c)
{
    artim_stop(c->ul, c->out);
    c->out->todo |= DQ_UL_DO_CLOSE;
}

/* AA-3: A-ABORT indication if the peer's service-user aborted, otherwise
 * A-P-ABORT; close transport. */
static void aa3(act_ctx *c)
{
    bool whole = c->pdu && c->len >= SMALL_SIZE;
    uint8_t source =
        whole ? c->pdu[SMALL_SOURCE] : DQ_PDU_ABORT_SOURCE_SERVICE_PROVIDER_INITIATED_ABORT;
    uint8_t reason =
        whole ? c->pdu[SMALL_REASON] : DQ_PDU_ABORT_REASON_SOURCE2_REASON_NOT_SPECIFIED;
    c->out->indication = source == DQ_PDU_ABORT_SOURCE_SERVICE_USER_INITIATED_ABORT
                             ? DQ_UL_IND_ABORT
                             : DQ_UL_IND_P_ABORT;
    c->out->abort_source = source;
    c->out->abort_reason = reason;
    c->out->todo |= DQ_UL_DO_CLOSE;
}

/* AA-4: issue A-P-ABORT indication (the transport is gone). */
static void aa4(act_ctx *c)
{
    artim_stop(c->ul, c->out);
    c->out->indication = DQ_UL_IND_P_ABORT;
    c->out->abort_source = DQ_PDU_ABORT_SOURCE_SERVICE_PROVIDER_INITIATED_ABORT;
    c->out->abort_reason = DQ_PDU_ABORT_REASON_SOURCE2_REASON_NOT_SPECIFIED;
    c->out->todo |= DQ_UL_DO_CLOSE;
}

/* AA-5: stop ARTIM. */
static void aa5(act_ctx *c)
{
    artim_stop(c->ul, c->out);
}

/* AA-6: ignore the PDU. */
static void aa6(act_ctx *c)
{
    (void)c;
}

/* Provider reason for an abort caused by this event. */
static uint8_t provider_reason(const act_ctx *c)
{
    if (c->ev != DQ_UL_EVT19)
        return DQ_PDU_ABORT_REASON_SOURCE2_UNEXPECTED_PDU;
    if (c->ul->abort_reason)
        return c->ul->abort_reason;
    return dq_ul_event_for_pdu(c->pdu, c->len) == DQ_UL_EVT19
               ? DQ_PDU_ABORT_REASON_SOURCE2_UNRECOGNIZED_PDU
               : DQ_PDU_ABORT_REASON_SOURCE2_INVALID_PDU_PARAMETER_VALUE;
}

/* AA-7: send A-ABORT PDU (service-provider source). */
static void aa7(act_ctx *c)
{
    uint8_t reason = provider_reason(c);
    small_pdu(c->ul, c->out, DQ_PDU_ABORT, DQ_PDU_ABORT_SOURCE_SERVICE_PROVIDER_INITIATED_ABORT,
              reason);
    c->out->abort_source = DQ_PDU_ABORT_SOURCE_SERVICE_PROVIDER_INITIATED_ABORT;
    c->out->abort_reason = reason;
}

/* AA-8: send A-ABORT PDU (service-provider source), issue A-P-ABORT
 * indication, start ARTIM. */
static void aa8(act_ctx *c)
{
    aa7(c);
    c->out->indication = DQ_UL_IND_P_ABORT;
    artim_start(c->ul, c->out);
}

/* AR-6: issue P-DATA indication (what DT-2 does). */
static void ar6(act_ctx *c)
{
    dt2(c);
}

/* AR-7: issue P-DATA-TF PDU (what DT-1 does). */
static void ar7(act_ctx *c)
{
    dt1(c);
}

/* One function per action Table 9-10 names (the generated list): an action
 * without a function here does not compile. */
#define ACTION(NAME, fn) [DQ_UL_##NAME] = fn,
static void (*const actions[DQ_UL_NACTIONS])(act_ctx *) = {DQ_UL_FOR_EACH_ACTION(ACTION)};
#undef ACTION

/* ---- the table ------------------------------------------------------------------ */

bool dq_ul_transition(dq_ul_state s, dq_ul_event e, dq_ul_action *action, dq_ul_state *next,
                      dq_ul_state *next_alt)
{
    if (s < DQ_UL_STA1 || s > DQ_UL_STA13 || e < DQ_UL_EVT1 || e > DQ_UL_EVT19)
        return false;
    const dq_gen_ul_cell *c = &dq_gen_ul_table[e - 1][s - 1];
    if (c->action == DQ_UL_ACTION_NONE)
        return false;
    *action = (dq_ul_action)c->action;
    *next = (dq_ul_state)c->next;
    *next_alt = (dq_ul_state)c->next_alt;
    return true;
}

/* ---- the runtime --------------------------------------------------------------- */

void dq_ul_init(dq_ul *ul)
{
    memset(ul, 0, sizeof *ul);
    ul->state = DQ_UL_STA1;
}

dq_ul_event dq_ul_event_for_pdu(const uint8_t *pdu, size_t len)
{
    if (!pdu || len < 6)
        return DQ_UL_EVT19;
    switch (pdu[0]) {
    case DQ_PDU_ASSOCIATE_RQ: return DQ_UL_EVT6;
    case DQ_PDU_ASSOCIATE_AC: return DQ_UL_EVT3;
    case DQ_PDU_ASSOCIATE_RJ: return DQ_UL_EVT4;
    case DQ_PDU_P_DATA_TF: return DQ_UL_EVT10;
    case DQ_PDU_RELEASE_RQ: return DQ_UL_EVT12;
    case DQ_PDU_RELEASE_RP: return DQ_UL_EVT13;
    case DQ_PDU_ABORT: return DQ_UL_EVT16;
    default: return DQ_UL_EVT19;
    }
}

int dq_ul_handle(dq_ul *ul, dq_ul_event ev, const uint8_t *pdu, size_t len, bool acceptable,
                 dq_ul_output *out, dq_error *err)
{
    memset(out, 0, sizeof *out);
    out->from = out->to = ul->state;
    dq_ul_action action;
    dq_ul_state next, alt;
    if (!dq_ul_transition(ul->state, ev, &action, &next, &alt))
        return dq_fail(err, DQ_ERR_ARGUMENT, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
                       "%s cannot happen in %s (PS3.8 Table 9-10 has no entry)",
                       dq_ul_event_name(ev), dq_ul_state_name(ul->state));
    act_ctx c = {ul, ev, pdu, len, acceptable, out, next, alt};
    out->action = action;
    out->to = next;
    actions[action](&c);
    ul->state = out->to;
    return 0;
}
