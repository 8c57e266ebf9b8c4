/* findscu: debug dumps (see findscu_debug.h). */
#include "findscu_debug.h"

#include <stdio.h>
#include <string.h>

#include <dq/dataset.h>
#include <dq/dict.h>

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

static void ext_neg_lines(const dq_pdu_user_info *ui, const char *title)
{
    if (ui->n_ext_neg == 0) {
        FS_DEBUG("%s: None", title);
        return;
    }
    FS_DEBUG("%s:", title);
    for (size_t i = 0; i < ui->n_ext_neg; i++) {
        const dq_pdu_ext_neg *x = &ui->ext_neg[i];
        char name[256];
        FS_DEBUG("  SOP Class: =%s", str_name(x->sop_class_uid, name, sizeof name));
        FS_DEBUG("    Application Information, length: %zu bytes", x->info_len);
        char line[3 * 16 + 8];
        for (size_t off = 0; off < x->info_len; off += 16) {
            size_t n = 0;
            for (size_t k = off; k < x->info_len && k < off + 16; k++)
                n += (size_t)snprintf(line + n, sizeof line - n, "%s%02x", k > off ? " " : "",
                                      x->info[k]);
            FS_DEBUG("      %s", line);
        }
    }
}

void fs_debug_associate_rq(const dq_pdu_associate *rq)
{
    if (!fs_log_enabled(FS_LEVEL_DEBUG))
        return;
    const dq_pdu_user_info *ui = &rq->user_info;
    char name[256];
    FS_DEBUG("Request Parameters:");
    FS_DEBUG("======================= OUTGOING A-ASSOCIATE-RQ PDU ========================");
    FS_DEBUG("Our Implementation Class UID:      %.*s",
             (int)ui->implementation_class_uid.len, ui->implementation_class_uid.ptr);
    if (ui->implementation_version_name.len)
        FS_DEBUG("Our Implementation Version Name:   %.*s",
                 (int)ui->implementation_version_name.len, ui->implementation_version_name.ptr);
    FS_DEBUG("Application Context Name:    %.*s", (int)rq->application_context.len,
             rq->application_context.ptr);
    FS_DEBUG("Calling Application Name:    %s", rq->calling_ae);
    FS_DEBUG("Called Application Name:     %s", rq->called_ae);
    FS_DEBUG("Our Max PDU Receive Size:    %u", (unsigned)ui->max_length);
    FS_DEBUG("%s", rq->n_pctx == 1 ? "Presentation Context:" : "Presentation Contexts:");
    for (size_t i = 0; i < rq->n_pctx; i++) {
        const dq_pdu_pctx *pc = &rq->pctx[i];
        FS_DEBUG("  Context ID:        %u (Proposed)", pc->id);
        FS_DEBUG("    Abstract Syntax: =%s", str_name(pc->abstract_syntax, name, sizeof name));
        FS_DEBUG("    Proposed SCP/SCU Role: Default");
        FS_DEBUG("    Proposed Transfer Syntax%s:", pc->n_transfer_syntaxes == 1 ? "" : "es");
        for (size_t k = 0; k < pc->n_transfer_syntaxes; k++)
            FS_DEBUG("      =%s",
                     str_name(dq_pdu_pctx_transfer_syntax(pc, k), name, sizeof name));
    }
    ext_neg_lines(ui, "Requested Extended Negotiation");
    FS_DEBUG("Requested Common Extended Negotiation: None");
    FS_DEBUG("Requested Asynchronous Operations Window Negotiation: None");
    FS_DEBUG("Requested User Identity Negotiation: None");
    FS_DEBUG("========================== END A-ASSOCIATE-RQ PDU ==========================");
}

static const char *pctx_result(unsigned r)
{
    switch (r) {
    case 0: return "Accepted";
    case 1: return "Rejected - User Rejection";
    case 2: return "Rejected - No Reason";
    case 3: return "Rejected - Abstract Syntax Not Supported";
    case 4: return "Rejected - Transfer Syntax Not Supported";
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
    FS_DEBUG("Accept Parameters:");
    FS_DEBUG("======================= INCOMING A-ASSOCIATE-AC PDU ========================");
    FS_DEBUG("Their Implementation Class UID:    %.*s",
             (int)ui->implementation_class_uid.len, ui->implementation_class_uid.ptr);
    if (ui->implementation_version_name.len)
        FS_DEBUG("Their Implementation Version Name: %.*s",
                 (int)ui->implementation_version_name.len, ui->implementation_version_name.ptr);
    FS_DEBUG("Application Context Name:    %.*s", (int)ac->application_context.len,
             ac->application_context.ptr);
    FS_DEBUG("Calling Application Name:    %s", ac->calling_ae);
    FS_DEBUG("Called Application Name:     %s", ac->called_ae);
    FS_DEBUG("Their Max PDU Receive Size:  %u", (unsigned)ui->max_length);
    FS_DEBUG("Presentation Contexts:");
    for (size_t i = 0; i < ac->n_pctx; i++) {
        const dq_pdu_pctx *pc = &ac->pctx[i];
        FS_DEBUG("  Context ID:        %u (%s)", pc->id, pctx_result(pc->result));
        size_t k = (size_t)(pc->id - 1) / 2;
        if (pc->id % 2 == 1 && k < n_proposed)
            FS_DEBUG("    Abstract Syntax: =%s", fs_uid_name(proposed[k], name, sizeof name));
        if (pc->result == 0) {
            FS_DEBUG("    Accepted SCP/SCU Role: Default");
            FS_DEBUG("    Accepted Transfer Syntax: =%s",
                     str_name(pc->transfer_syntax, name, sizeof name));
        }
    }
    ext_neg_lines(ui, "Accepted Extended Negotiation");
    FS_DEBUG("Accepted Asynchronous Operations Window Negotiation: None");
    FS_DEBUG("User Identity Negotiation Response: None");
    FS_DEBUG("========================== END A-ASSOCIATE-AC PDU ==========================");
}

void fs_debug_dimse(const dq_dimse_message *m, bool outgoing)
{
    if (!fs_log_enabled(FS_LEVEL_DEBUG))
        return;
    const dq_dimse_command *c = &m->command;
    const char *type = "UNKNOWN";
    switch (c->command_field) {
    case DQ_DIMSE_C_FIND_RQ: type = "C-FIND RQ"; break;
    case DQ_DIMSE_C_FIND_RSP: type = "C-FIND RSP"; break;
    case DQ_DIMSE_C_CANCEL_RQ: type = "C-CANCEL RQ"; break;
    case DQ_DIMSE_C_ECHO_RQ: type = "C-ECHO RQ"; break;
    case DQ_DIMSE_C_ECHO_RSP: type = "C-ECHO RSP"; break;
    }
    bool has_data = m->data && m->data_len > 0;
    FS_DEBUG("===================== %s DIMSE MESSAGE ====================",
             outgoing ? "OUTGOING" : "INCOMING");
    FS_DEBUG("Message Type                  : %s", type);
    FS_DEBUG("Presentation Context ID       : %u", m->pctx_id);
    if (c->has_message_id)
        FS_DEBUG("Message ID                    : %u", c->message_id);
    if (c->has_message_id_responded)
        FS_DEBUG("Message ID Being Responded To : %u", c->message_id_responded);
    if (c->affected_sop_class_uid[0])
        FS_DEBUG("Affected SOP Class UID        : %s", c->affected_sop_class_uid);
    if (c->command_field != DQ_DIMSE_C_CANCEL_RQ)
        FS_DEBUG("Identifier                    : %s", has_data ? "Present" : "None");
    if (c->has_priority)
        FS_DEBUG("Priority                      : %s",
                 c->priority == 1 ? "High" : c->priority == 2 ? "Low" : "Medium");
    if (c->has_status)
        FS_DEBUG("Status                        : 0x%04X", c->status);
    FS_DEBUG("======================= END DIMSE MESSAGE =======================");
}
