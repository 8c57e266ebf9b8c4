/* An in-memory transport for the fuzz harnesses: reads hand out a scripted
 * byte stream (the "peer") in chunks of a chosen size, writes are counted and
 * dropped, the end of the script is an orderly close. Nothing blocks, so a
 * whole association runs in microseconds. */
#ifndef DQ_FUZZ_SCRIPT_TRANSPORT_H
#define DQ_FUZZ_SCRIPT_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>

#include "dq/transport.h"

/* A transport over data[0..len) (not copied: keep it alive while the
 * transport lives). chunk: largest read handed out (0 = all that fits), so
 * PDUs arrive split at arbitrary points. NULL when out of memory. */
dq_transport *dq_fuzz_script_transport(const uint8_t *data, size_t len, size_t chunk);

/* Read sizes the first byte of an input selects (index & 7). */
size_t dq_fuzz_chunk_for(uint8_t selector);

#endif
