/* Harness: DIMSE messages, bytes straight into the reassembler (dq/dimse_rx.h):
 * no association, no transport. Byte 0 bit 0 picks what the rest is:
 *   0  one command set (Implicit VR LE group 0000), decoded and named;
 *   1  the P-DATA-TF byte stream a peer sends once the association is up,
 *      context 1 accepted in the syntax bits 1-2 pick, 3 in Implicit VR
 *      Little Endian (so a message can switch contexts), 5 not. The
 *      bytes arrive bits 3-5 (a read size) at a time and are framed with
 *      dq_pdu_frame_check under the association's P-DATA-TF cap; each
 *      P-DATA-TF is fed to the reassembler and every message that comes out
 *      is checked (its views inside the input or the reassembler's own
 *      buffers) and its identifier decoded. The stream ends at the first PDU
 *      that is not a P-DATA-TF (the association would end there), the first
 *      refused PDU or fragment, or the end of the input. Bit 6: a 32-byte
 *      data set cap instead of the default, so the cap is hit.
 * The stream format is the one the harness read through a scripted
 * transport before, so the corpus kept its meaning. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dq/assoc.h"
#include "dq/dimse_rx.h"
#include "fuzz_common.h"
#include "script_transport.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void command(const uint8_t *data, size_t size)
{
    dq_dimse_command c;
    dq_error err;
    if (dq_dimse_command_decode(data, size, &c, &err) != 0)
        return;
    (void)dq_dimse_command_name(c.command_field);
}

static bool inside(const uint8_t *p, size_t n, const uint8_t *base, size_t len)
{
    return p >= base && n <= len && (size_t)(p - base) <= len - n;
}

/* A message's views must lie in the PDU it completed in, an earlier PDU of
 * the input (a command set is copied, never kept in place) or the
 * reassembler's buffers: anything else is a bug worth a crash. */
static void check_message(const dq_dimse_rx *rx, const dq_dimse_message *m, const uint8_t *in,
                          size_t in_len)
{
    if (m->command_len && !inside(m->command_bytes, m->command_len, rx->cmd.data, rx->cmd.len))
        abort();
    if (m->data && m->data_len && !inside(m->data, m->data_len, in, in_len) &&
        !inside(m->data, m->data_len, rx->data.data, rx->data.len))
        abort();
    if ((m->pctx_id != 1 && m->pctx_id != 3) || m->ts != rx->pctx_ts[m->pctx_id])
        abort();
}

/* Walks one P-DATA-TF: false when the stream is over (a refused PDU or
 * fragment ends the association). */
static bool walk(dq_dimse_rx *rx, const uint8_t *pdu, size_t len, const uint8_t *in, size_t in_len,
                 dq_dataset *ds)
{
    dq_error err;
    if (dq_dimse_rx_feed(rx, pdu, len, &err) != 0)
        return false;
    dq_dimse_message m;
    bool complete;
    for (;;) {
        if (dq_dimse_rx_next(rx, &m, &complete, &err) < 0)
            return false;
        if (!complete)
            return true;
        check_message(rx, &m, in, in_len);
        if (m.data && dq_dataset_decode_into(ds, m.data, m.data_len, m.ts, NULL, &err) == 0)
            dq_fuzz_exercise(ds);
        dq_dataset_clear(ds);
    }
}

static void stream(uint8_t cfg, const uint8_t *data, size_t size)
{
    dq_transfer_syntax accepted[256];
    for (size_t i = 0; i < 256; i++)
        accepted[i] = DQ_TS_UNKNOWN;
    accepted[1] = (dq_transfer_syntax)((cfg >> 1) & 3);
    accepted[3] = DQ_TS_IMPLICIT_LE;
    size_t cap = (cfg & 64) ? 32 : 0;
    size_t pdata_cap = dq_assoc_pdata_cap(cap);
    size_t chunk = dq_fuzz_chunk_for((uint8_t)(cfg >> 3));
    dq_dimse_rx rx;
    dq_dimse_rx_init(&rx, accepted, cap);
    dq_dataset *ds = dq_dataset_new();
    /* have: the bytes "read" so far, pos: where the next PDU starts */
    size_t have = chunk && chunk < size ? chunk : size, pos = 0;
    while (ds && pos < size) {
        dq_pdu_frame f;
        dq_error err;
        if (dq_pdu_frame_check(data + pos, have - pos, (uint32_t)pdata_cap, &f, &err) < 0)
            break;
        if (!f.complete) {
            if (have == size)
                break; /* the peer closed in the middle of a PDU */
            have = chunk < size - have ? have + chunk : size;
            continue;
        }
        if (f.type != DQ_PDU_P_DATA_TF || !walk(&rx, data + pos, f.size, data, size, ds))
            break;
        pos += f.size;
    }
    dq_dataset_free(ds);
    dq_dimse_rx_free(&rx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if (data[0] & 1)
        stream(data[0], data + 1, size - 1);
    else
        command(data + 1, size - 1);
    return 0;
}
