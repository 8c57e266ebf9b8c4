/* Harness: DIMSE messages. Byte 0 bit 0 picks what the rest is:
 *   0  one command set (Implicit VR LE group 0000), decoded and named;
 *   1  the P-DATA-TF stream of an established association (the peer's
 *      A-ASSOCIATE-AC is supplied here, accepting context 1 in the syntax
 *      bits 1-2 pick): messages are reassembled from PDVs spread over any
 *      number of PDUs with dq_dimse_recv() until the stream ends or is
 *      refused; each received identifier is decoded. Bits 3-5 pick the read
 *      size, bit 6 our max PDU (16382 or unlimited). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "assoc_setup.h"
#include "dq/assoc.h"
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

static void stream(uint8_t cfg, const uint8_t *data, size_t size)
{
    dq_transfer_syntax ts = (dq_transfer_syntax)((cfg >> 1) & 3);
    uint32_t max_pdu = (cfg & 64) ? 0 : 16382;
    dq_buffer script = {0};
    if (dq_fuzz_make_ac(&script, 1, ts, 16382) != 0 ||
        dq_buffer_reserve(&script, size, NULL) != 0) {
        dq_buffer_free(&script);
        return;
    }
    if (size)
        memcpy(script.data + script.len, data, size);
    script.len += size;
    dq_transport *t = dq_fuzz_script_transport(script.data, script.len,
                                               dq_fuzz_chunk_for((uint8_t)(cfg >> 3)));
    dq_assoc_params p;
    dq_fuzz_assoc_params(&p, max_pdu);
    dq_assoc *a = NULL;
    dq_error err;
    if (t && dq_assoc_request_on(&a, t, &p, &err) == 0) {
        dq_dataset *ds = dq_dataset_new();
        dq_dimse_message m;
        /* Every message takes at least one PDU of 12+ bytes, so this ends. */
        while (ds && dq_dimse_recv(a, &m, &err) == 0) {
            if (m.data && dq_dataset_decode_into(ds, m.data, m.data_len, m.ts, NULL, &err) == 0)
                dq_fuzz_exercise(ds);
            dq_dataset_clear(ds);
        }
        dq_dataset_free(ds);
    }
    dq_assoc_free(a);
    dq_buffer_free(&script);
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
