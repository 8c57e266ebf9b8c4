/* findscu: Ctrl-C handling for the TCP transport findscu hands to the library.
 *
 * The library's TCP transport retries through signals, so a blocked read
 * would not notice Ctrl-C until the peer spoke; findscu connects it with a
 * dq_transport_interrupt (dq/transport.h) whose waits also watch a self-pipe
 * the SIGINT handler writes to:
 *   first Ctrl-C during a C-FIND  -> writes a C-CANCEL-RQ PDU at once and keeps
 *                                    reading (at most FS_CANCEL_WAIT seconds) for
 *                                    the final response;
 *   first Ctrl-C otherwise, or a second one -> the read fails with
 *                                    DQ_ERR_CANCELLED, and the library aborts. */
#ifndef FINDSCU_NET_H
#define FINDSCU_NET_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include <dq/transport.h>

#define FS_CANCEL_WAIT 5.0

/* Installs the SIGINT handler (once). */
void fs_net_install_sigint(void);
/* Ctrl-C presses so far. */
int fs_net_interrupts(void);

typedef struct fs_net fs_net;

/* Connects (each address of host in turn, bounded by timeout seconds, <= 0:
 * none). *handle stays valid until the transport is closed (the association
 * owning it is freed). On failure err->kind is DQ_ERR_CONNECT, DQ_ERR_TIMEOUT
 * or DQ_ERR_CANCELLED and err->message is Python's wording
 * ("[Errno 111] Connection refused"). */
int fs_net_connect(dq_transport **out, fs_net **handle, const char *host, uint16_t port,
                   double timeout, dq_error *err);

/* Tells the transport which C-FIND is in flight (the cancel target), or none. */
void fs_net_set_find(fs_net *n, bool active, uint8_t pctx_id, uint16_t message_id);
/* True once a C-CANCEL-RQ went out (sent here, or marked by the caller). */
bool fs_net_cancel_sent(const fs_net *n);
/* The caller had the library send the cancel: don't send another, but bound
 * the wait for the final response the same way. */
void fs_net_mark_cancel_sent(fs_net *n);

#endif
