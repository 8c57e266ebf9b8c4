/* bench/wire.h: the few DICOM wire-format pieces the benchmark peers need.
 *
 * The replay SCP and the drain client are deliberately independent of libdq
 * (they are the yardstick libdq is measured with), so they encode PDUs, DIMSE
 * command sets and data set elements themselves from raw bytes. Only what a
 * C-FIND exchange needs is here: no dictionary, no general parser.
 *
 * Input from the peer is treated as hostile: every length is checked against
 * what was actually received, and every helper that can fail says why. */
#ifndef DQ_BENCH_WIRE_H
#define DQ_BENCH_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- transfer syntaxes ---------------------------------------------------- */

typedef enum dq_bench_ts {
    DQ_BENCH_TS_IMPLICIT_LE,
    DQ_BENCH_TS_EXPLICIT_LE,
    DQ_BENCH_TS_EXPLICIT_BE,
    DQ_BENCH_TS_DEFLATED_LE,
    DQ_BENCH_TS_COUNT
} dq_bench_ts;

/* "1.2.840.10008.1.2", ... by dq_bench_ts. */
const char *dq_bench_ts_uid(dq_bench_ts ts);
/* "implicit", "explicit", "big", "deflate". */
const char *dq_bench_ts_name(dq_bench_ts ts);
/* Name or UID -> ts; -1 when unknown. */
int dq_bench_ts_parse(const char *s);
/* Parses a comma separated list of names ("explicit,implicit") into out[]
 * (at most DQ_BENCH_TS_COUNT, no duplicates); returns the count, 0 on error. */
size_t dq_bench_ts_parse_list(const char *s, dq_bench_ts out[DQ_BENCH_TS_COUNT]);

/* ---- a growable byte buffer ----------------------------------------------- */

typedef struct dq_bench_buf {
    uint8_t *p;
    size_t len, cap;
} dq_bench_buf;

/* Makes room for n more bytes; exits the program when memory runs out
 * (these are test tools: there is nothing sensible to fall back to). */
void dq_bench_buf_reserve(dq_bench_buf *b, size_t n);
void dq_bench_buf_free(dq_bench_buf *b);
void dq_bench_put(dq_bench_buf *b, const void *data, size_t n);
void dq_bench_put8(dq_bench_buf *b, unsigned v);
void dq_bench_put16be(dq_bench_buf *b, unsigned v);
void dq_bench_put32be(dq_bench_buf *b, uint32_t v);
void dq_bench_put16le(dq_bench_buf *b, unsigned v);
void dq_bench_put32le(dq_bench_buf *b, uint32_t v);
void dq_bench_set32be(uint8_t *p, uint32_t v);
void dq_bench_set16le(uint8_t *p, unsigned v);
uint16_t dq_bench_get16be(const uint8_t *p);
uint32_t dq_bench_get32be(const uint8_t *p);
uint16_t dq_bench_get16le(const uint8_t *p);
uint32_t dq_bench_get32le(const uint8_t *p);

/* ---- data set elements ---------------------------------------------------- */

/* Appends one element in `ts` (DEFLATED encodes as explicit LE; deflate the
 * whole data set afterwards). Odd values are padded (NUL for UI, else space).
 * Returns the offset of the value's first byte in b. */
size_t dq_bench_put_element(dq_bench_buf *b, dq_bench_ts ts, uint32_t tag, const char vr[2],
                            const void *value, size_t len);
/* Appends a sequence with defined length holding the given items, each an
 * already encoded data set (items[i] of item_len[i] bytes). Returns the offset
 * of the first item's content. */
size_t dq_bench_put_sequence(dq_bench_buf *b, dq_bench_ts ts, uint32_t tag,
                             const uint8_t *const *items, const size_t *item_len, size_t n_items);

/* ---- DIMSE command sets (always implicit VR little endian, PS3.7 6.3.1) ---- */

#define DQ_BENCH_C_FIND_RQ 0x0020u
#define DQ_BENCH_C_FIND_RSP 0x8020u
#define DQ_BENCH_C_CANCEL_RQ 0x0FFFu
#define DQ_BENCH_NO_DATASET 0x0101u
#define DQ_BENCH_STATUS_PENDING 0xFF00u
#define DQ_BENCH_STATUS_CANCEL 0xFE00u
#define DQ_BENCH_STATUS_SUCCESS 0x0000u

/* The fields of a command set the peers act on; absent fields are -1. */
typedef struct dq_bench_command {
    long command_field; /* (0000,0100) */
    long message_id;    /* (0000,0110) */
    long responded_to;  /* (0000,0120) */
    long dataset_type;  /* (0000,0800) */
    long status;        /* (0000,0900) */
    char sop_class[65]; /* (0000,0002), "" when absent */
} dq_bench_command;

/* Parses an implicit LE command set. On error returns false and sets *why. */
bool dq_bench_parse_command(const uint8_t *p, size_t len, dq_bench_command *out, const char **why);

/* Appends a complete command set with its group length. Fields < 0 are left
 * out. Returns the offset of the (0000,0120) or (0000,0110) value (the message
 * ID, so a template can be patched) or (size_t)-1 when neither is present. */
size_t dq_bench_put_command(dq_bench_buf *b, const char *sop_class, unsigned command_field,
                            long message_id, long responded_to, unsigned dataset_type, long status,
                            long priority);

/* ---- Upper Layer PDUs (PS3.8 9.3) ----------------------------------------- */

#define DQ_BENCH_PDU_ASSOC_RQ 0x01
#define DQ_BENCH_PDU_ASSOC_AC 0x02
#define DQ_BENCH_PDU_ASSOC_RJ 0x03
#define DQ_BENCH_PDU_DATA 0x04
#define DQ_BENCH_PDU_RELEASE_RQ 0x05
#define DQ_BENCH_PDU_RELEASE_RP 0x06
#define DQ_BENCH_PDU_ABORT 0x07

#define DQ_BENCH_APP_CONTEXT "1.2.840.10008.3.1.1.1"
/* Our implementation class UID: a UUID-derived 2.25 UID, so no org root is needed. */
#define DQ_BENCH_IMPL_UID "2.25.166530453236120463514218337734591437231"

/* Appends one PDV to a P-DATA-TF under construction. */
void dq_bench_put_pdv(dq_bench_buf *b, unsigned ctx_id, bool command, bool last,
                      const uint8_t *data, size_t len);
/* Appends `len` bytes of one message part as P-DATA-TF PDUs, one PDV each,
 * every PDU at most max_pdu bytes long (max_pdu counts the PDU's variable
 * field; 0 = unlimited). */
void dq_bench_put_fragments(dq_bench_buf *b, unsigned ctx_id, bool command, const uint8_t *data,
                            size_t len, uint32_t max_pdu);

/* ---- sockets -------------------------------------------------------------- */

/* Writes everything (retrying on EINTR/short writes). false on error. */
bool dq_bench_write_all(int fd, const void *data, size_t len);
/* Reads exactly len bytes, waiting at most timeout_ms for each chunk.
 * Returns 1 on success, 0 on clean EOF before the first byte, -1 on error,
 * timeout or EOF mid-way (errno set; ETIMEDOUT for the timeout). */
int dq_bench_read_full(int fd, void *data, size_t len, int timeout_ms);
/* Reads one whole PDU (header + body) into b (replacing its contents); the
 * body may be at most max_len bytes. Returns 1 ok, 0 EOF, -1 error (*why set). */
int dq_bench_read_pdu(int fd, dq_bench_buf *b, uint32_t max_len, int timeout_ms, const char **why);
/* TCP_NODELAY on, SIGPIPE off for the process. */
void dq_bench_socket_setup(int fd);

/* Raw deflate (no zlib header, as PS3.5 A.5 wants) of in[] appended to out,
 * padded to even length with a NUL. */
bool dq_bench_deflate(dq_bench_buf *out, const uint8_t *in, size_t len, int level);
/* Frees the stream dq_bench_deflate keeps between calls. */
void dq_bench_deflate_end(void);

#endif
