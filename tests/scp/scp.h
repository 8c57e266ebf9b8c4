/* A scripted test SCP on raw sockets (it deliberately shares no code with
 * libdq, so it checks the library against an independent reading of PS3.8).
 *
 * It runs in a forked child on a free loopback port, serves `connections`
 * connections one after another, runs the script for each, and appends what
 * it received to a record file as "key value" lines.
 *
 * Script: one command per line, '#' starts a comment.
 *   set KEY VALUE     maxpdu N (AC max length, default 16384; 0 = unlimited),
 *                     ts UID (accept this transfer syntax if proposed),
 *                     forcets UID (answer this syntax even if not proposed),
 *                     result ID R (answer context ID with result R),
 *                     split K (split each later write after byte K: 0 off),
 *                     chunk N (write in N-byte pieces: 0 off),
 *                     onepdu 0|1 (command + data set PDVs in one PDU),
 *                     pdvmax N (fragment PDVs to N bytes of value, default 16372),
 *                     timeout MS (each read's timeout, default 10000),
 *                     userid-ac HEX (the AC gets a User Identity sub-item 59H
 *                     whose value is HEX: server-response length and bytes)
 *   accept            read A-ASSOCIATE-RQ, record it, answer A-ASSOCIATE-AC
 *   reject R S REASON read A-ASSOCIATE-RQ, record it, answer A-ASSOCIATE-RJ
 *   read-rq           read A-ASSOCIATE-RQ and record it, answer nothing
 *   abort S R         send A-ABORT
 *   recv-msg          read P-DATA-TF PDUs until one whole DIMSE message
 *                     (command, and data set if announced); records
 *                     cmd_hex, command_field, msg_id, data_hex, pctx
 *   find-rsp STATUS [HEX]   C-FIND-RSP for the last message (HEX: identifier bytes)
 *   find-rsp-n COUNT STATUS HEX   COUNT pending responses, pre-encoded, written in big blocks
 *   release           read A-RELEASE-RQ, answer A-RELEASE-RP
 *   send-release-rq   send A-RELEASE-RQ
 *   send-release-rp   send A-RELEASE-RP
 *   recv-pdu          read one PDU, record "pdu TYPE"
 *   send HEX          raw bytes
 *   garbage N         N bytes of junk (first byte 0xEE: no valid PDU type)
 *   oversized LEN     a P-DATA-TF header claiming LEN bytes, then 1 KiB of it
 *   delay MS          sleep
 *   wait-close        read until the client closes; records each PDU and "eof";
 *                     after an A-ABORT records "closed-after-abort" and closes
 *   hold              like wait-close but never closes, even after an A-ABORT
 *   close             close the connection now
 */
#ifndef DQ_TEST_SCP_H
#define DQ_TEST_SCP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct dq_test_scp {
    pid_t pid;
    uint16_t port;
    char record_path[512];
} dq_test_scp;

/* Forks the SCP. 0 on success. */
int dq_test_scp_start(dq_test_scp *s, const char *script, int connections);
/* Waits at most timeout seconds for the child to finish (kills it after);
 * returns its exit status (0: the script ran to the end), or -1 if killed. */
int dq_test_scp_finish(dq_test_scp *s, double timeout);
/* The record file's text (malloc'd, NUL-terminated; "" when empty). */
char *dq_test_scp_record(const dq_test_scp *s);
/* The value of the first line "key value" (nth: 0 first, 1 second...),
 * copied into buf; NULL when absent. */
const char *dq_test_scp_get(const char *record, const char *key, int nth, char *buf, size_t cap);
/* Removes the record file. */
void dq_test_scp_cleanup(dq_test_scp *s);

/* Serves on an already listening socket (what the child runs; also the
 * standalone program's core). Returns 0 when every script line ran. */
int dq_test_scp_serve(int listen_fd, const char *script, int connections, const char *record);

#endif
