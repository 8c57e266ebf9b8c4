/* findscu: debug dumps (see findscu_debug.h). */
#include "findscu_debug.h"

#include <stdio.h>
#include <string.h>

#include <dq/dataset.h>
#include <dq/dict.h>
#include <dq/status.h>

#include "findscu_log.h"

const char *fs_uid_name(const char *uid, char *buf, size_t cap)
{
    /* pydicom's names: the transfer syntaxes without PS3.6's ": Default
     * Transfer Syntax for DICOM", retired classes without " (Retired)". */
    dq_transfer_syntax ts = dq_ts_from_uid(uid, strlen(uid));
    if (ts != DQ_TS_UNKNOWN) {
        snprintf(buf, cap, "%s", dq_ts_name(ts));
        return buf;
    }
    const dq_uid_entry *e = dq_uid_find(uid);
    snprintf(buf, cap, "%s", e && e->name && *e->name ? e->name : uid);
    static const char retired[] = " (Retired)";
    size_t n = strlen(buf), r = sizeof retired - 1;
    if (n > r && strcmp(buf + n - r, retired) == 0)
        buf[n - r] = '\0';
    return buf;
}

static const char *str_name(dq_pdu_str s, char *buf, size_t cap)
{
    char uid[80];
    size_t n = s.len < sizeof uid - 1 ? s.len : sizeof uid - 1;
    memcpy(uid, s.ptr ? s.ptr : "", n);
    uid[n] = '\0';
    return fs_uid_name(uid, buf, cap);
}

/* _handlers.py: "  SOP Class: =<uid>" (the dotted UID, not its name), then
 * utils.pretty_bytes (16 lower-case hex bytes a line, two-space delimited,
 * at most 512 bytes) with the handler's extra two-space indent. */
static void ext_neg_lines(const dq_pdu_user_info *ui, const char *title)
{
    if (ui->n_ext_neg == 0) {
        FS_DEBUG("%s: None", title);
        return;
    }
    FS_DEBUG("%s:", title);
    for (size_t i = 0; i < ui->n_ext_neg; i++) {
        const dq_pdu_ext_neg *x = &ui->ext_neg[i];
        FS_DEBUG("  SOP Class: =%.*s", (int)x->sop_class_uid.len,
                 x->sop_class_uid.ptr ? x->sop_class_uid.ptr : "");
        size_t len = x->info_len < 512 ? x->info_len : 512;
        char line[4 * 16 + 8];
        for (size_t off = 0; off < len; off += 16) {
            size_t n = 0;
            for (size_t k = off; k < len && k < off + 16; k++)
                n += (size_t)snprintf(line + n, sizeof line - n, "%s%02x", k > off ? "  " : "",
                                      x->info[k]);
            FS_DEBUG("    %s", line);
        }
    }
}

/* The lines both A-ASSOCIATE dumps open with, up to the maximum PDU size.
 * The implementation class UID and version name: ours as sent (no version
 * line without one), theirs "unknown" when missing, as _handlers.py prints. */
static void associate_head(const dq_pdu_associate *a, bool ours)
{
    const dq_pdu_user_info *ui = &a->user_info;
    const char *who = ours ? "Our" : "Their";
    char label[40];
    FS_DEBUG("%s Parameters:", ours ? "Request" : "Accept");
    FS_DEBUG("======================= %s A-ASSOCIATE-%s PDU ========================",
             ours ? "OUTGOING" : "INCOMING", ours ? "RQ" : "AC");
    const dq_pdu_str *ids[2] = {&ui->implementation_class_uid, &ui->implementation_version_name};
    static const char *const what[2] = {"Class UID", "Version Name"};
    for (size_t i = 0; i < 2; i++) {
        snprintf(label, sizeof label, "%s Implementation %s:", who, what[i]);
        if (ids[i]->len || (ours && i == 0))
            FS_DEBUG("%-35s%.*s", label, (int)ids[i]->len, ids[i]->ptr ? ids[i]->ptr : "");
        else if (!ours)
            FS_DEBUG("%-35sunknown", label);
    }
    FS_DEBUG("Application Context Name:    %.*s", (int)a->application_context.len,
             a->application_context.ptr);
    FS_DEBUG("Calling Application Name:    %s", a->calling_ae);
    FS_DEBUG("Called Application Name:     %s", a->called_ae);
    snprintf(label, sizeof label, "%s Max PDU Receive Size:", who);
    FS_DEBUG("%-29s%u", label, (unsigned)ui->max_length);
}

/* pynetdicom's _handlers.py layout for the User Identity sub-item, except
 * that nothing secret is printed: the username is, a passcode, ticket,
 * assertion or token only by its length (PS3.7 D.3.3.7: such values must
 * not reach logs). */
static void user_identity_rq_lines(const dq_pdu_user_info *ui)
{
    if (!ui->has_user_identity) {
        FS_DEBUG("Requested User Identity Negotiation: None");
        return;
    }
    const dq_pdu_user_identity *u = &ui->user_identity;
    const char *type = dq_pdu_user_identity_type_text(u->type);
    FS_DEBUG("Requested User Identity Negotiation:");
    FS_DEBUG("  Authentication Mode: %u - %s", u->type, type ? type : "reserved");
    if (u->type == DQ_USER_IDENTITY_USERNAME || u->type == DQ_USER_IDENTITY_USERNAME_PASSCODE)
        FS_DEBUG("  Username: [%.*s]", (int)u->primary_len, (const char *)u->primary);
    else
        FS_DEBUG("  %s (not dumped) length: %u", type ? type : "Primary field", u->primary_len);
    if (u->type == DQ_USER_IDENTITY_USERNAME_PASSCODE)
        FS_DEBUG("  Password (not dumped) length: %u", u->secondary_len);
    FS_DEBUG("  Positive Response requested: %s", u->positive_response_requested ? "Yes" : "None");
}

/* pynetdicom prints "Yes" or "None"; we add the server response's length
 * (a Kerberos server ticket or SAML response is not dumped). */
static void user_identity_ac_lines(const dq_pdu_user_info *ui)
{
    if (!ui->has_user_identity) {
        FS_DEBUG("User Identity Negotiation Response: None");
        return;
    }
    FS_DEBUG("User Identity Negotiation Response: Yes");
    FS_DEBUG("  Server Response (not dumped) length: %u", ui->user_identity.primary_len);
}

void fs_debug_associate_rq(const dq_pdu_associate *rq)
{
    if (!fs_log_enabled(FS_LEVEL_DEBUG))
        return;
    const dq_pdu_user_info *ui = &rq->user_info;
    char name[256];
    associate_head(rq, true);
    FS_DEBUG("%s", rq->n_pctx == 1 ? "Presentation Context:" : "Presentation Contexts:");
    for (size_t i = 0; i < rq->n_pctx; i++) {
        const dq_pdu_pctx *pc = &rq->pctx[i];
        FS_DEBUG("  Context ID:        %u (Proposed)", pc->id);
        FS_DEBUG("    Abstract Syntax: =%s", str_name(pc->abstract_syntax, name, sizeof name));
        FS_DEBUG("    Proposed SCP/SCU Role: Default");
        FS_DEBUG("    Proposed Transfer Syntax%s:", pc->n_transfer_syntaxes == 1 ? "" : "es");
        for (size_t k = 0; k < pc->n_transfer_syntaxes; k++)
            FS_DEBUG("      =%s", str_name(dq_pdu_pctx_transfer_syntax(pc, k), name, sizeof name));
    }
    ext_neg_lines(ui, "Requested Extended Negotiation");
    FS_DEBUG("Requested Common Extended Negotiation: None");
    FS_DEBUG("Requested Asynchronous Operations Window Negotiation: None");
    user_identity_rq_lines(ui);
    FS_DEBUG("========================== END A-ASSOCIATE-RQ PDU ==========================");
}

static const char *pctx_result(unsigned r)
{
    switch (r) {
    case DQ_PDU_PCTX_RESULT_ACCEPTANCE: return "Accepted";
    case DQ_PDU_PCTX_RESULT_USER_REJECTION: return "Rejected - User Rejection";
    case DQ_PDU_PCTX_RESULT_NO_REASON_PROVIDER_REJECTION: return "Rejected - No Reason";
    case DQ_PDU_PCTX_RESULT_ABSTRACT_SYNTAX_NOT_SUPPORTED_PROVIDER_REJECTION:
        return "Rejected - Abstract Syntax Not Supported";
    case DQ_PDU_PCTX_RESULT_TRANSFER_SYNTAXES_NOT_SUPPORTED_PROVIDER_REJECTION:
        return "Rejected - Transfer Syntax Not Supported";
    }
    return "Rejected - Unknown";
}

void fs_debug_associate_ac(const dq_pdu_associate *ac, const char *const *proposed,
                           size_t n_proposed)
{
    if (!fs_log_enabled(FS_LEVEL_DEBUG))
        return;
    const dq_pdu_user_info *ui = &ac->user_info;
    char name[256];
    associate_head(ac, false);
    FS_DEBUG("Presentation Contexts:");
    for (size_t i = 0; i < ac->n_pctx; i++) {
        const dq_pdu_pctx *pc = &ac->pctx[i];
        FS_DEBUG("  Context ID:        %u (%s)", pc->id, pctx_result(pc->result));
        size_t k = (size_t)(pc->id - 1) / 2;
        if (pc->id % 2 == 1 && k < n_proposed)
            FS_DEBUG("    Abstract Syntax: =%s", fs_uid_name(proposed[k], name, sizeof name));
        if (pc->result == DQ_PDU_PCTX_RESULT_ACCEPTANCE) {
            FS_DEBUG("    Accepted SCP/SCU Role: Default");
            FS_DEBUG("    Accepted Transfer Syntax: =%s",
                     str_name(pc->transfer_syntax, name, sizeof name));
        }
    }
    ext_neg_lines(ui, "Accepted Extended Negotiation");
    FS_DEBUG("Accepted Asynchronous Operations Window Negotiation: None");
    user_identity_ac_lines(ui);
    FS_DEBUG("========================== END A-ASSOCIATE-AC PDU ==========================");
}

/* pynetdicom 2.x _handlers.py: C-FIND-RQ sent and C-FIND-RSP received are the
 * only summaries findscu can print. The RSP one is printed only for a
 * Success status (pending/failure responses print nothing) and has no context ID
 * line; C-CANCEL-RQ sent prints nothing. SOP classes by name, 76-wide rules. */
void fs_debug_dimse(const dq_dimse_message *m, bool outgoing)
{
    if (!fs_log_enabled(FS_LEVEL_DEBUG))
        return;
    const dq_dimse_command *c = &m->command;
    bool rq = c->command_field == DQ_DIMSE_CMD_C_FIND_RQ && outgoing;
    bool rsp = c->command_field == DQ_DIMSE_CMD_C_FIND_RSP && !outgoing;
    if (!rq && !(rsp && c->has_status && dq_status_class_of(c->status) == DQ_STATUS_SUCCESS))
        return;
    bool has_data = m->data && m->data_len > 0;
    char name[256];
    FS_DEBUG("========================== %s DIMSE MESSAGE ==========================",
             outgoing ? "OUTGOING" : "INCOMING");
    FS_DEBUG("Message Type                  : %s", rq ? "C-FIND RQ" : "C-FIND RSP");
    if (rq) {
        FS_DEBUG("Presentation Context ID       : %u", m->pctx_id);
        FS_DEBUG("Message ID                    : %u", c->message_id);
    } else {
        FS_DEBUG("Message ID Being Responded To : %u", c->message_id_responded);
    }
    if (c->affected_sop_class_uid[0])
        FS_DEBUG("Affected SOP Class UID        : %s",
                 fs_uid_name(c->affected_sop_class_uid, name, sizeof name));
    FS_DEBUG("Identifier                    : %s", has_data ? "Present" : "None");
    if (rq)
        FS_DEBUG("Priority                      : %s", c->priority == 1   ? "High"
                                                       : c->priority == 2 ? "Low"
                                                                          : "Medium");
    else
        FS_DEBUG("Status                        : 0x%04X", c->status);
    FS_DEBUG("============================ END DIMSE MESSAGE =============================");
}
