/* DIMSE message reassembly from PDVs (see dq/dimse_rx.h): no I/O, no
 * association, only the rules of PS3.7 6.3.1 and PS3.8 Annex E on the
 * order and contexts of the fragments, and the safety caps. */
#include "dq/dimse_rx.h"

#include <string.h>

void dq_dimse_rx_init(dq_dimse_rx *rx, const dq_transfer_syntax *pctx_ts,
                      size_t max_data_set_length)
{
    memset(rx, 0, sizeof *rx);
    rx->pctx_ts = pctx_ts;
    rx->max_data_set_length =
        max_data_set_length ? max_data_set_length : DQ_DIMSE_MAX_DATA_SET_LENGTH;
}

void dq_dimse_rx_free(dq_dimse_rx *rx)
{
    dq_buffer_free(&rx->cmd);
    dq_buffer_free(&rx->data);
    rx->started = false;
}

bool dq_dimse_rx_in_message(const dq_dimse_rx *rx)
{
    return rx->started;
}

/* Drops the message being assembled (after it was handed out, or refused). */
static void end_message(dq_dimse_rx *rx)
{
    rx->started = false;
    rx->cmd_done = false;
    rx->want_data = false;
}

/* Every failure drops the message being assembled. */
static int refuse(dq_dimse_rx *rx, dq_error *err, dq_error_kind kind, const char *why)
{
    end_message(rx);
    return dq_fail(err, kind, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG, "%s", why);
}

/* Hands the message out: the fragment that completes a message leaves none
 * started, which is how the entry points below tell "complete" from "more
 * fragments to come" (no flag passed down: this is the per-response path). */
static int finish_message(dq_dimse_rx *rx)
{
    rx->out->command_bytes = rx->cmd.data;
    rx->out->command_len = rx->cmd.len;
    end_message(rx);
    return 0;
}

/* The first fragment of a message fixes its context (PS3.8 Annex E: every
 * fragment of a message is on one presentation context, which must be one
 * the association accepted). */
__attribute__((always_inline)) static inline int check_context(dq_dimse_rx *rx, const dq_pdv *pdv,
                                                               dq_dimse_message *msg, dq_error *err)
{
    if (rx->pctx_ts[pdv->pctx_id] == DQ_TS_UNKNOWN) {
        end_message(rx);
        return dq_fail(err, DQ_ERR_PROTOCOL, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
                       "PDV on presentation context %u, which was not accepted", pdv->pctx_id);
    }
    if (!rx->started) {
        /* No memset: the command decoder clears the command itself. */
        rx->started = true;
        rx->out = msg;
        rx->cmd.len = 0;
        rx->data.len = 0;
        msg->pctx_id = pdv->pctx_id;
        msg->ts = rx->pctx_ts[pdv->pctx_id];
        msg->command_bytes = NULL;
        msg->command_len = 0;
        msg->data = NULL;
        msg->data_len = 0;
    } else if (msg != rx->out) {
        return refuse(rx, err, DQ_ERR_ARGUMENT,
                      "a message must be assembled in the dq_dimse_message given with "
                      "its first fragment");
    } else if (pdv->pctx_id != rx->out->pctx_id) {
        unsigned in = rx->out->pctx_id;
        end_message(rx);
        return dq_fail(err, DQ_ERR_PROTOCOL, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
                       "PDV on context %u inside a message on context %u", pdv->pctx_id, in);
    }
    return 0;
}

static int append(dq_dimse_rx *rx, dq_buffer *b, const dq_pdv *pdv, dq_error *err)
{
    rx->bytes_copied += pdv->len;
    if (dq_buffer_append(b, pdv->data, pdv->len, err) < 0) {
        end_message(rx);
        return -1;
    }
    return 0;
}

/* Forced inline like take_data: once per response, and the call cost
 * more than passing the walker's *complete out does. */
__attribute__((always_inline)) static inline int take_command(dq_dimse_rx *rx, const dq_pdv *pdv,
                                                              dq_error *err)
{
    if (rx->cmd_done)
        return refuse(rx, err, DQ_ERR_PROTOCOL, "command fragment after the last command fragment");
    if (pdv->len > DQ_DIMSE_MAX_COMMAND_LENGTH - rx->cmd.len)
        return refuse(rx, err, DQ_ERR_LIMIT, "command set larger than 1 MiB");
    if (append(rx, &rx->cmd, pdv, err) < 0)
        return -1;
    if (!pdv->last)
        return 0;
    rx->cmd_done = true;
    if (dq_dimse_command_decode(rx->cmd.data, rx->cmd.len, &rx->out->command, err) < 0) {
        end_message(rx);
        return -1;
    }
    rx->want_data = rx->out->command.data_set_type != DQ_DIMSE_NO_DATA_SET;
    return rx->want_data ? 0 : finish_message(rx);
}

/* A command without a data set completes its message at once, so a data
 * fragment after it starts a new message and is refused here too. Forced
 * inline like take_pdv: a fragmented data set comes through here once per
 * PDU. */
__attribute__((always_inline)) static inline int take_data(dq_dimse_rx *rx, const dq_pdv *pdv,
                                                           dq_error *err)
{
    if (!rx->cmd_done)
        return refuse(rx, err, DQ_ERR_PROTOCOL,
                      "data set fragment before the command was complete");
    if (pdv->len > rx->max_data_set_length - rx->data.len) {
        end_message(rx);
        return dq_fail(err, DQ_ERR_LIMIT, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
                       "data set larger than %zu bytes", rx->max_data_set_length);
    }
    if (append(rx, &rx->data, pdv, err) < 0)
        return -1;
    if (!pdv->last)
        return 0;
    /* An empty data set in several empty fragments still is one. */
    rx->out->data = rx->data.data ? rx->data.data : (const uint8_t *)"";
    rx->out->data_len = rx->data.len;
    return finish_message(rx);
}

/* Forced inline (with check_context) into the PDU walker, which is
 * dq_dimse_recv's per-response path: as separate calls they cost more
 * instructions per response than the whole reassembly logic. The one-PDV
 * entry point gets its own copy. 0 with rx->started false: the PDV
 * completed the message. */
__attribute__((always_inline)) static inline int take_pdv(dq_dimse_rx *rx, const dq_pdv *pdv,
                                                          dq_dimse_message *msg, dq_error *err)
{
    if (check_context(rx, pdv, msg, err) < 0)
        return -1;
    if (pdv->command)
        return take_command(rx, pdv, err);
    if (rx->want_data && pdv->last && rx->data.len == 0) {
        /* The whole data set in one PDV (want_data: after the whole
         * command): hand it out where it lies. */
        msg->data = pdv->data;
        msg->data_len = pdv->len;
        rx->data_sets_in_place++;
        return finish_message(rx);
    }
    return take_data(rx, pdv, err);
}

int dq_dimse_rx_pdv(dq_dimse_rx *rx, const dq_pdv *pdv, dq_dimse_message *msg, bool *complete,
                    dq_error *err)
{
    int rc = take_pdv(rx, pdv, msg, err);
    *complete = rc == 0 && !rx->started;
    return rc;
}

int dq_dimse_rx_next(dq_dimse_rx *rx, dq_dimse_message *msg, bool *complete, dq_error *err)
{
    /* dq_pdv_next would say "no more" too; asking costs a call per PDU */
    while (dq_dimse_rx_has_input(rx)) {
        size_t at = rx->it.pos;
        dq_pdv pdv;
        bool end;
        if (dq_pdv_next(&rx->it, &pdv, &end, err) < 0) {
            end_message(rx);
            *complete = false;
            return -1;
        }
        if (end)
            break;
        if (take_pdv(rx, &pdv, msg, err) < 0) {
            rx->it.pos = rx->it.size; /* no resynchronising inside a refused PDU */
            if (err && err->offset == DQ_ERROR_NO_OFFSET)
                err->offset = at;
            *complete = false;
            return -1;
        }
        if (!rx->started) {
            *complete = true;
            return 0;
        }
    }
    *complete = false;
    return 0;
}
