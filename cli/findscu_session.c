/* findscu: one association and the C-FINDs on it (see findscu_session.h). */
#include "findscu_session.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dq/dataset.h>

#include "findscu_debug.h"
#include "findscu_log.h"

/* ---- what pynetdicom proposes ------------------------------------------------ */

static const char *const TRANSFER_SYNTAXES[] = {
    DQ_UID_ImplicitVRLittleEndian,
    DQ_UID_ExplicitVRLittleEndian,
    DQ_UID_DeflatedExplicitVRLittleEndian,
    DQ_UID_ExplicitVRBigEndian,
};

/* QueryRetrieve + BasicWorklistManagement + UnifiedProcedure presentation
 * contexts, each list sorted as strings (pynetdicom builds them with sorted()). */
static const char *const ABSTRACT_SYNTAXES[] = {
    DQ_UID_RepositoryQuery,
    DQ_UID_PatientRootQueryRetrieveInformationModelFind,
    DQ_UID_PatientRootQueryRetrieveInformationModelMove,
    DQ_UID_PatientRootQueryRetrieveInformationModelGet,
    DQ_UID_StudyRootQueryRetrieveInformationModelFind,
    DQ_UID_StudyRootQueryRetrieveInformationModelMove,
    DQ_UID_StudyRootQueryRetrieveInformationModelGet,
    DQ_UID_PatientStudyOnlyQueryRetrieveInformationModelFind,
    DQ_UID_PatientStudyOnlyQueryRetrieveInformationModelMove,
    DQ_UID_PatientStudyOnlyQueryRetrieveInformationModelGet,
    DQ_UID_CompositeInstanceRootRetrieveMove,
    DQ_UID_CompositeInstanceRootRetrieveGet,
    DQ_UID_CompositeInstanceRetrieveWithoutBulkDataGet,
    DQ_UID_ModalityWorklistInformationModelFind,
    DQ_UID_UnifiedProcedureStepPush,
    DQ_UID_UnifiedProcedureStepWatch,
    DQ_UID_UnifiedProcedureStepPull,
    DQ_UID_UnifiedProcedureStepEvent,
    DQ_UID_UnifiedProcedureStepQuery,
};
#define N_CONTEXTS (sizeof ABSTRACT_SYNTAXES / sizeof ABSTRACT_SYNTAXES[0])

/* ---- A-ASSOCIATE-RJ texts as pynetdicom words them ---------------------------- */

static const char *rj_result(unsigned r)
{
    switch (r) {
    case DQ_PDU_RJ_RESULT_REJECTED_PERMANENT: return "Rejected Permanent";
    case DQ_PDU_RJ_RESULT_REJECTED_TRANSIENT: return "Rejected Transient";
    }
    return "(no value available)";
}

static const char *rj_source(unsigned s)
{
    switch (s) {
    case DQ_PDU_RJ_SOURCE_SERVICE_USER: return "Service User";
    case DQ_PDU_RJ_SOURCE_SERVICE_PROVIDER_ACSE_RELATED_FUNCTION: return "Service Provider (ACSE)";
    case DQ_PDU_RJ_SOURCE_SERVICE_PROVIDER_PRESENTATION_RELATED_FUNCTION:
        return "Service Provider (Presentation)";
    }
    return "(no value available)";
}

/* Reasons by source (the values come from PS3.8 Table 9-21); anything else
 * is "Reserved". */
static const char *rj_reason(unsigned s, unsigned r)
{
    static const struct {
        unsigned source, reason;
        const char *text;
    } reasons[] = {
        {DQ_PDU_RJ_SOURCE_SERVICE_USER, DQ_PDU_RJ_REASON_SOURCE1_NO_REASON_GIVEN,
         "No reason given"},
        {DQ_PDU_RJ_SOURCE_SERVICE_USER,
         DQ_PDU_RJ_REASON_SOURCE1_APPLICATION_CONTEXT_NAME_NOT_SUPPORTED,
         "Application context name not supported"},
        {DQ_PDU_RJ_SOURCE_SERVICE_USER, DQ_PDU_RJ_REASON_SOURCE1_CALLING_AE_TITLE_NOT_RECOGNIZED,
         "Calling AE title not recognised"},
        {DQ_PDU_RJ_SOURCE_SERVICE_USER, DQ_PDU_RJ_REASON_SOURCE1_CALLED_AE_TITLE_NOT_RECOGNIZED,
         "Called AE title not recognised"},
        {DQ_PDU_RJ_SOURCE_SERVICE_PROVIDER_ACSE_RELATED_FUNCTION,
         DQ_PDU_RJ_REASON_SOURCE2_NO_REASON_GIVEN, "No reason given"},
        {DQ_PDU_RJ_SOURCE_SERVICE_PROVIDER_ACSE_RELATED_FUNCTION,
         DQ_PDU_RJ_REASON_SOURCE2_PROTOCOL_VERSION_NOT_SUPPORTED, "Protocol version not supported"},
        {DQ_PDU_RJ_SOURCE_SERVICE_PROVIDER_PRESENTATION_RELATED_FUNCTION,
         DQ_PDU_RJ_REASON_SOURCE3_TEMPORARY_CONGESTIO, "Temporary congestion"},
        {DQ_PDU_RJ_SOURCE_SERVICE_PROVIDER_PRESENTATION_RELATED_FUNCTION,
         DQ_PDU_RJ_REASON_SOURCE3_LOCAL_LIMIT_EXCEEDED, "Local limit exceeded"},
    };
    for (size_t i = 0; i < sizeof reasons / sizeof reasons[0]; i++)
        if (reasons[i].source == s && reasons[i].reason == r)
            return reasons[i].text;
    return "Reserved";
}

/* ---- the run --------------------------------------------------------------------- */

/* pynetdicom's lines for an association that ends on an error, by phase
 * (acse.py negotiate_association / negotiate_release, association.py).
 * Logged once: when the library reports the failure (DQ_ASSOC_EV_FAILED,
 * before it waits for the peer to close), or else when the call returns. */
static void report_associate_failure(const dq_error *err)
{
    switch (err->kind) {
    case DQ_ERR_REJECTED:
        FS_ERROR("Association Rejected");
        FS_ERROR("Result: %s, Source: %s", rj_result((unsigned)err->detail[0]),
                 rj_source((unsigned)err->detail[1]));
        FS_ERROR("Reason: %s", rj_reason((unsigned)err->detail[1], (unsigned)err->detail[2]));
        break;
    case DQ_ERR_TIMEOUT:
        /* pynetdicom only watches -tn once established (its reactor), so it
         * has no line of its own for it here: ours says which one expired. */
        if (err->detail[0] == DQ_TIMEOUT_NETWORK)
            FS_ERROR("Network timeout reached");
        else
            FS_ERROR("ACSE timeout reached while waiting for response to association request");
        FS_INFO("Aborting Association");
        break;
    case DQ_ERR_ARGUMENT: FS_ERROR("%s", err->message); break;
    case DQ_ERR_AUTH: /* --user-response=required: ours, pynetdicom has no such option */
        FS_ERROR("User identity not confirmed: %s", err->message);
        FS_INFO("Aborting Association");
        break;
    case DQ_ERR_TLS:
        /* Ours (--tls): e.g. TLS 1.3 checks our certificate after the handshake. */
        FS_ERROR("%s", err->message);
        break;
    default:
        /* Aborted by the peer, connection closed, protocol violation. A TLS
         * record instead of a PDU gets a line of its own first, where
         * pynetdicom logs "Unknown PDU type" for it. */
        if (err->kind == DQ_ERR_PROTOCOL && err->detail[2] == DQ_MALFORMED_TLS_RECORD)
            FS_ERROR("The peer answered with a TLS record, not a PDU: it expects TLS (try --tls)");
        FS_ERROR("Association Aborted");
        FS_DEBUG("%s", err->message);
        break;
    }
}

static void report_find_failure(const dq_error *err)
{
    switch (err->kind) {
    case DQ_ERR_TIMEOUT:
        /* The DIMSE wait, or our bounded wait after C-CANCEL (findscu_net.c,
         * which pynetdicom would count as DIMSE); else one read beyond -tn. */
        if (err->detail[0] == DQ_TIMEOUT_DIMSE || err->detail[0] == DQ_TIMEOUT_CANCEL)
            FS_ERROR("DIMSE timeout reached while waiting for message response");
        else
            FS_ERROR("Network timeout reached");
        FS_INFO("Aborting Association");
        break;
    case DQ_ERR_ABORTED: FS_INFO("Association Aborted"); break;
    case DQ_ERR_CANCELLED: FS_INFO("Aborting Association"); break;
    case DQ_ERR_CLOSED: FS_ERROR("Connection closed while waiting for DIMSE message"); break;
    case DQ_ERR_TLS: FS_ERROR("%s", err->message); break;
    case DQ_ERR_PROTOCOL:
    case DQ_ERR_MALFORMED:
        FS_ERROR("Received an invalid C-FIND response from the peer");
        FS_DEBUG("%s", err->message);
        FS_INFO("Aborting Association");
        break;
    default:
        /* DQ_ERR_LIMIT (a PDU or data set above a safety cap) and the rest:
         * the library's message says what. */
        FS_ERROR("%s", err->message);
        FS_INFO("Aborting Association");
        break;
    }
}

static void report_failure(fs_session *r, const dq_error *err)
{
    if (r->failure_reported)
        return;
    r->last_error = *err;
    r->failure_reported = true;
    if (r->phase == FS_PHASE_RELEASE) {
        /* negotiate_release: no answer within the ACSE timeout (or Ctrl-C)
         * -> abort; an A-ABORT or A-P-ABORT meanwhile -> aborted. */
        if (err->kind == DQ_ERR_TIMEOUT || err->kind == DQ_ERR_CANCELLED)
            FS_INFO("Aborting Association");
        else
            FS_INFO("Association Aborted");
        FS_DEBUG("%s", err->message);
    } else if (fs_net_interrupts() &&
               (r->phase == FS_PHASE_ASSOCIATE || err->kind == DQ_ERR_CANCELLED)) {
        FS_INFO("Aborting Association");
    } else if (r->phase == FS_PHASE_ASSOCIATE) {
        report_associate_failure(err);
    } else {
        report_find_failure(err);
    }
}

static void on_assoc_event(void *user, const dq_assoc_event *ev)
{
    fs_session *r = user;
    switch (ev->type) {
    case DQ_ASSOC_EV_REQUESTING:
        r->requested = true;
        if (ev->associate)
            fs_debug_associate_rq(ev->associate);
        break;
    case DQ_ASSOC_EV_ACCEPTED:
        if (ev->associate)
            fs_debug_associate_ac(ev->associate, ABSTRACT_SYNTAXES, N_CONTEXTS);
        break;
    case DQ_ASSOC_EV_DIMSE_SENT:
        if (ev->dimse && ev->dimse->command.command_field == DQ_DIMSE_CMD_C_CANCEL_FIND_RQ) {
            FS_INFO("Sending C-CANCEL");
            if (r->net)
                fs_net_cancel_sent(r->net);
        }
        if (ev->dimse)
            fs_debug_dimse(ev->dimse, true);
        break;
    case DQ_ASSOC_EV_DIMSE_RECEIVED:
        if (ev->dimse)
            fs_debug_dimse(ev->dimse, false);
        break;
    case DQ_ASSOC_EV_PDU_OVERSIZED:
        /* pynetdicom takes such PDUs silently (DCMTK refuses them). */
        FS_DEBUG("Received a P-DATA-TF PDU-length of %zu bytes, above the maximum of %ld we "
                 "offered: accepted",
                 ev->pdu_len - DQ_PDU_HEADER_SIZE, r->o->max_pdu);
        break;
    case DQ_ASSOC_EV_FAILED:
        if (ev->error)
            report_failure(r, ev->error);
        break;
    case DQ_ASSOC_EV_ARTIM_WAIT:
        FS_DEBUG("Waiting up to %g s for the peer to close the connection", ev->seconds);
        break;
    default: break;
    }
}

static void on_response(void *user, const dq_find_response *rsp, bool *cancel)
{
    fs_session *r = user;
    FS_DEBUG("%s", "");
    if (rsp->pending)
        FS_INFO("Find SCP Response: %zu - 0x%04X (Pending)", rsp->index, rsp->status.code);
    else
        FS_INFO("Find SCP Result: 0x%04X (%s)", rsp->status.code,
                dq_status_category_name(dq_status_class_of(rsp->status.code)));
    if (rsp->pending && rsp->identifier_error) {
        FS_ERROR("Failed to decode the received Identifier dataset");
        FS_ERROR("%s", rsp->identifier_error->message);
    }
    for (size_t i = 0; i < r->n_sinks; i++) {
        fs_sink *s = r->sinks[i];
        dq_error err;
        dq_error_clear(&err);
        if (s->response && s->response(s, &r->info, rsp, &err) != 0)
            FS_ERROR("%s", err.message);
    }
    /* Ctrl-C seen while responses flow from the buffer: let the engine send
     * the cancel (after the final response there is nothing to cancel). */
    if (r->net && fs_net_take_cancel(r->net) && rsp->pending)
        *cancel = true;
    if (r->format && r->output_error(r->format) && rsp->pending && !r->stop_asked)
        *cancel = r->stop_asked = true;
    if (rsp->pending && rsp->identifier && !rsp->identifier_error) {
        r->matches++;
        if (r->on_match)
            r->on_match(r->match_ctx, rsp->identifier);
    }
    /* --cancel N (DCMTK's): the engine sends one C-CANCEL, whatever asks. */
    if (r->cancel_after && rsp->pending && rsp->index >= r->cancel_after)
        *cancel = true;
}

static void log_dump_line(void *ctx, const char *line, size_t len)
{
    (void)ctx;
    FS_INFO("%.*s", (int)len, line);
}

/* pynetdicom's extended negotiation item (see the behaviour doc, section 3). */
static size_t build_ext_neg(const fs_options *o, uint8_t info[5])
{
    if (o->model != FS_MODEL_WORKLIST) {
        bool flags[5] = {o->relational_query, o->dt_matching, o->fuzzy_names, o->timezone_adj,
                         o->enhanced_conversion};
        bool any = false;
        for (int i = 0; i < 5; i++) {
            info[i] = flags[i] ? 1 : 0;
            any |= flags[i];
        }
        return any ? 5 : 0;
    }
    if (!o->fuzzy_names && !o->timezone_adj)
        return 0;
    info[0] = 1;
    info[1] = 1;
    info[2] = o->fuzzy_names ? 1 : 0;
    info[3] = o->timezone_adj ? 1 : 0;
    return 4;
}

/* pynetdicom's float timeouts: <= 0, inf and nan mean "no timeout" here. */
static double timeout_value(double t)
{
    return (isfinite(t) && t > 0) ? t : 0;
}

/* -ta: pynetdicom keeps 0 as 0 (ae.py accepts any value >= 0), so its wait
 * for the A-ASSOCIATE-AC (a queue get with timeout 0) expires at once. The
 * library's 0 means "none"; the smallest positive timeout makes the deadline
 * "now" (now + DBL_MIN == now), already passed when the first read starts,
 * which gives pynetdicom's result. */
static double acse_timeout_value(double t)
{
    return t == 0 ? DBL_MIN : timeout_value(t);
}

/* What findscu proposes: the association parameters and what they point to. */
typedef struct proposal {
    dq_assoc_params p;
    dq_assoc_context ctx[N_CONTEXTS];
    dq_assoc_ext_neg xn;
    uint8_t info[5];
} proposal;

static void build_proposal(fs_session *r, proposal *pr)
{
    const fs_options *o = r->o;
    for (size_t i = 0; i < N_CONTEXTS; i++) {
        pr->ctx[i].abstract_syntax = ABSTRACT_SYNTAXES[i];
        pr->ctx[i].transfer_syntaxes = TRANSFER_SYNTAXES;
        pr->ctx[i].n_transfer_syntaxes = sizeof TRANSFER_SYNTAXES / sizeof TRANSFER_SYNTAXES[0];
    }
    pr->xn = (dq_assoc_ext_neg){.sop_class_uid = r->info.model_uid, .info = pr->info};
    pr->xn.info_len = build_ext_neg(o, pr->info);

    dq_assoc_params *p = &pr->p;
    dq_assoc_params_default(p);
    p->calling_ae = o->calling_aet;
    p->called_ae = o->called_aet;
    p->max_pdu = (uint32_t)o->max_pdu;
    p->acse_timeout = acse_timeout_value(o->acse_timeout);
    p->dimse_timeout = timeout_value(o->dimse_timeout);
    p->network_timeout = timeout_value(o->network_timeout);
    /* pynetdicom leaves connecting to the OS; we bound it by the ACSE timeout
     * (-ta 0: the network timeout) so an unreachable host cannot hang a
     * script for minutes. */
    p->connect_timeout = o->acse_timeout == 0 ? p->network_timeout : p->acse_timeout;
    p->contexts = pr->ctx;
    p->n_contexts = N_CONTEXTS;
    p->ext_neg = pr->xn.info_len ? &pr->xn : NULL;
    p->n_ext_neg = pr->xn.info_len ? 1 : 0;
    p->on_event = on_assoc_event;
    p->user = r;
    p->user_identity = r->identity;
}

/* What the peer made of the user identity we sent (PS3.7 D.3.3.7): a
 * rejection an authorization failure would give, or an acceptance without
 * the positive response we asked for (=required already failed in the
 * library). */
static void report_user_identity(const fs_session *r, const dq_assoc *a, const dq_error *err)
{
    if (!r->identity)
        return;
    if (!a) {
        if (err->kind == DQ_ERR_REJECTED && err->detail[0] == 1 && err->detail[1] == 2)
            FS_ERROR("The peer may have refused the user identity (an authorization failure is "
                     "rejected-permanent, source 2: PS3.7 D.3.3.7.3)");
        return;
    }
    if (r->identity->response != DQ_USER_RESPONSE_NONE &&
        !dq_assoc_user_identity_response(a, NULL, NULL))
        FS_WARN("The peer did not confirm the user identity: no User Identity response in the "
                "A-ASSOCIATE-AC (it may not support user identity negotiation)");
}

/* --tls-key-password-file: its first line (without the line end). */
static int read_key_password(const char *file, char *pw, size_t cap)
{
    FILE *f = fopen(file, "r");
    if (!f) {
        FS_ERROR("Cannot read the TLS key password file %s: %s", file, strerror(errno));
        return -1;
    }
    bool ok = fgets(pw, (int)cap, f) != NULL || !ferror(f);
    fclose(f);
    if (!ok) {
        FS_ERROR("Cannot read the TLS key password file %s", file);
        return -1;
    }
    pw[strcspn(pw, "\r\n")] = '\0';
    return 0;
}

/* The --tls options as the library's configuration; the handshake is
 * bounded by the ACSE timeout (it is part of setting up the association). */
static int tls_config(const fs_options *o, const dq_assoc_params *p, dq_tls_config *cfg, char *pw,
                      size_t pw_cap)
{
    const fs_tls_options *t = &o->tls;
    *cfg = t->cfg;
    cfg->ca_files = t->ca_files;
    cfg->n_ca_files = t->n_ca_files;
    cfg->handshake_timeout = p->acse_timeout;
    if (t->key_password_file) {
        if (read_key_password(t->key_password_file, pw, pw_cap) != 0)
            return -1;
        cfg->key_password = pw;
    }
    return 0;
}

static void debug_tls(const dq_tls_info *info)
{
    FS_DEBUG("TLS connection: %s, cipher suite %s", info->protocol, info->cipher);
    FS_DEBUG("TLS peer certificate subject: %s", info->subject[0] ? info->subject : "(none)");
    FS_DEBUG("TLS peer certificate issuer: %s%s", info->issuer[0] ? info->issuer : "(none)",
             info->verified ? " (verified)" : " (not verified: --tls-verify none)");
}

/* The TCP or TLS connection. FS_GO_ON with *t, or the exit status (reported). */
static int connect_peer(fs_session *r, const dq_assoc_params *p, dq_transport **t)
{
    const fs_options *o = r->o;
    dq_error err;
    dq_error_clear(&err);
    dq_tls_config cfg;
    dq_tls_info info;
    char pw[1024];
    if (o->tls.enabled && tls_config(o, p, &cfg, pw, sizeof pw) != 0)
        return FS_EXIT_ASSOC;
    int rc = fs_net_connect(t, r->irq, o->addr, (uint16_t)o->port, p->connect_timeout,
                            o->tls.enabled ? &cfg : NULL, &info, &err);
    memset(pw, 0, sizeof pw);
    if (rc != 0)
        r->last_error = err;
    if (rc == 0) {
        r->net = r->irq;
        if (o->tls.enabled)
            debug_tls(&info);
        return FS_GO_ON;
    }
    if (err.kind == DQ_ERR_CANCELLED)
        return FS_EXIT_INTERRUPTED;
    if (err.kind == DQ_ERR_TLS || err.kind == DQ_ERR_ARGUMENT || err.kind == DQ_ERR_UNSUPPORTED) {
        /* One line, the TLS library's reason in it (README, secure connections). */
        FS_ERROR("%s", err.message);
        return FS_EXIT_ASSOC;
    }
    FS_ERROR("Association request failed: unable to connect to remote");
    FS_ERROR("TCP Initialisation Error: %s", err.message);
    FS_INFO("Aborting Association");
    return FS_EXIT_ASSOC;
}

/* Connects and negotiates. FS_GO_ON with *out established, or the exit
 * status (everything already reported). */
static int associate(fs_session *r, const dq_assoc_params *p, dq_assoc **out)
{
    dq_error err;
    dq_error_clear(&err);
    FS_INFO("Requesting Association");
    dq_transport *t = NULL;
    int status = connect_peer(r, p, &t);
    if (status != FS_GO_ON)
        return status;
    r->phase = FS_PHASE_ASSOCIATE;
    if (dq_assoc_request_on(out, t, p, &err) != 0) {
        r->net = NULL; /* the transport is gone with the failed association */
        report_failure(r, &err);
        report_user_identity(r, NULL, &err);
        return fs_net_interrupts() ? FS_EXIT_INTERRUPTED : FS_EXIT_ASSOC;
    }
    report_user_identity(r, *out, &err);
    return FS_GO_ON;
}

/* Which context carries the query (pynetdicom: _get_valid_context). false
 * when none: reported, the association freed. */
static bool choose_context(fs_session *r, dq_assoc *a)
{
    if (dq_assoc_context_for(a, r->info.model_uid, &r->info.pctx_id, &r->info.ts, NULL) == 0) {
        FS_INFO("Association Accepted");
        return true;
    }
    const dq_pdu_associate *ac = dq_assoc_accepted(a);
    size_t accepted = 0;
    for (size_t i = 0; ac && i < ac->n_pctx; i++)
        accepted += ac->pctx[i].result == DQ_PDU_PCTX_RESULT_ACCEPTANCE;
    dq_error_set(&r->last_error, DQ_ERR_NOT_FOUND, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
                 "no presentation context for the query model was accepted");
    if (accepted == 0) {
        FS_ERROR("No accepted presentation contexts");
    } else {
        char name[256];
        FS_INFO("Association Accepted");
        FS_ERROR("No presentation context for '%s' has been accepted by the peer for the "
                 "SCU role",
                 fs_uid_name(r->info.model_uid, name, sizeof name));
    }
    FS_INFO("Aborting Association");
    dq_assoc_free(a);
    return false;
}

/* pynetdicom's send_c_find encodes the identifier before it logs the
 * request; a failure raises (exit 1) with nothing sent. Ours: A-ABORT
 * instead of a dropped connection, and the reason at -d. false: reported,
 * the association aborted and freed. */
static bool encode_identifier(fs_session *r, dq_assoc *a, const dq_dataset *identifier,
                              dq_buffer *encoded)
{
    dq_error err;
    dq_error_clear(&err);
    dq_buffer_init(encoded);
    if (dq_dataset_encode(identifier, r->info.ts, encoded, &err) == 0)
        return true;
    FS_ERROR("Failed to encode the supplied Dataset");
    FS_DEBUG("%s", err.message);
    r->last_error = err;
    dq_buffer_free(encoded);
    r->net = NULL;
    dq_assoc_abort(a);
    dq_assoc_free(a);
    return false;
}

static void sinks_begin(fs_session *r)
{
    for (size_t i = 0; i < r->n_sinks; i++) {
        fs_sink *s = r->sinks[i];
        dq_error err;
        dq_error_clear(&err);
        if (s->begin && s->begin(s, &r->info, &err) != 0)
            FS_ERROR("%s", err.message);
    }
}

static void sinks_end(fs_session *r, const dq_find_result *res)
{
    for (size_t i = 0; i < r->n_sinks; i++) {
        fs_sink *s = r->sinks[i];
        dq_error err;
        dq_error_clear(&err);
        if (s->end && s->end(s, res, &err) != 0)
            FS_ERROR("%s", err.message);
    }
}

/* The C-FIND, its responses to the sinks. FS_GO_ON when it ended with a
 * final response; otherwise the failure is reported, the association freed
 * and the exit status returned. */
static int query(fs_session *r, dq_assoc *a, const dq_dataset *identifier, const dq_buffer *encoded,
                 dq_find_result *res)
{
    dq_error err;
    dq_error_clear(&err);
    r->matches = 0;
    sinks_begin(r);
    dq_find_request rq = {
        .sop_class_uid = r->info.model_uid,
        .identifier = identifier,
        .priority = 2, /* pynetdicom's send_c_find default: low */
        .message_id = r->next_message_id++,
    };
    FS_INFO("Sending Find Request: MsgID %u", rq.message_id);
    FS_INFO("%s", "");
    FS_INFO("# Request Identifier");
    if (fs_log_enabled(FS_LEVEL_INFO))
        dq_dataset_dump(identifier, log_dump_line, NULL, &err);
    FS_INFO("%s", "");

    memset(res, 0, sizeof *res);
    r->phase = FS_PHASE_FIND;
    int rc = dq_find_encoded(a, &rq, encoded, on_response, r, res, &err);
    if (rc != 0)
        r->net = NULL; /* the failed association closed (and freed) our transport */
    sinks_end(r, rc == 0 ? res : NULL);
    if (rc == 0)
        return FS_GO_ON;
    report_failure(r, &err);
    r->last_error = err;
    dq_assoc_free(a);
    return fs_net_interrupts() ? FS_EXIT_INTERRUPTED : 0;
}

void fs_session_init(fs_session *s, const fs_options *o, fs_net *irq)
{
    memset(s, 0, sizeof s[0]);
    s->o = o;
    s->irq = irq;
    s->info.model_uid = fs_model_uid(o->model);
    dq_error_clear(&s->last_error);
}

int fs_session_open(fs_session *s)
{
    proposal pr;
    s->a = NULL;
    s->net = NULL;
    s->requested = s->failure_reported = false;
    s->next_message_id = 1;
    dq_error_clear(&s->last_error);
    build_proposal(s, &pr);
    dq_assoc *a = NULL;
    int status = associate(s, &pr.p, &a);
    if (status != FS_GO_ON)
        return status;
    if (!choose_context(s, a)) {
        s->net = NULL;
        return FS_EXIT_ASSOC;
    }
    s->a = a;
    return FS_GO_ON;
}

int fs_session_query(fs_session *s, const dq_dataset *identifier, dq_find_result *res)
{
    dq_buffer encoded;
    if (!encode_identifier(s, s->a, identifier, &encoded)) {
        s->a = NULL;
        return FS_EXIT_ASSOC;
    }
    int status = query(s, s->a, identifier, &encoded, res);
    dq_buffer_free(&encoded);
    if (status != FS_GO_ON)
        s->a = NULL;
    return status;
}

int fs_session_close(fs_session *s, bool abort)
{
    dq_assoc *a = s->a;
    s->a = NULL;
    if (!a)
        return 0;
    if (abort) {
        FS_INFO("Aborting Association");
        dq_assoc_abort(a);
    } else {
        dq_error err;
        dq_error_clear(&err);
        FS_INFO("Releasing Association");
        s->phase = FS_PHASE_RELEASE;
        if (dq_assoc_release(a, &err) != 0)
            report_failure(s, &err);
    }
    dq_assoc_free(a);
    s->net = NULL;
    return fs_net_interrupts() ? FS_EXIT_INTERRUPTED : 0;
}

bool fs_interrupted(void)
{
    return fs_net_interrupts() > 0;
}

bool fs_query_failed(const fs_session *s, const dq_find_result *res)
{
    dq_status_category c = dq_status_class_of(res->final.code);
    return c == DQ_STATUS_FAILURE || c == DQ_STATUS_UNKNOWN ||
           (c == DQ_STATUS_CANCEL && !s->cancel_after);
}

void fs_report_format_stats(const fs_format_stats *st)
{
    if (st->replaced_bytes)
        FS_WARN("%zu undecodable byte%s in the responses' text written as U+FFFD",
                st->replaced_bytes, st->replaced_bytes == 1 ? "" : "s");
    if (st->bad_numbers)
        FS_WARN("%zu DS/IS value%s that %s not a number written as JSON string%s", st->bad_numbers,
                st->bad_numbers == 1 ? "" : "s", st->bad_numbers == 1 ? "is" : "are",
                st->bad_numbers == 1 ? "" : "s");
}
