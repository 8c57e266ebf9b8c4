/* findscu: Ctrl-C handling for the TCP transport findscu hands to the library.
 *
 * The library's TCP transport retries through signals, so a blocked read
 * would not notice Ctrl-C until the peer spoke; findscu connects it with a
 * dq_transport_interrupt (dq/transport.h) whose waits also watch a self-pipe
 * the SIGINT handler writes to. The check only reports what the user wants;
 * the library decides what it means (dq_assoc_set_cancel_handler):
 *   first Ctrl-C  -> "cancel wanted" (DQ_ERR_CANCELLED, DQ_CANCEL_REQUEST): while
 *                    dq_find waits, it sends the C-CANCEL-RQ at once and keeps
 *                    reading; findscu then bounds the wait for the final
 *                    response to FS_CANCEL_WAIT seconds (fs_net_cancel_sent);
 *                    in any other phase the association is aborted;
 *   a second one  -> "abort wanted" (DQ_CANCEL_ABORT): the library aborts. */
#ifndef FINDSCU_NET_H
#define FINDSCU_NET_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include <dq/tls.h>
#include <dq/transport.h>

#define FS_CANCEL_WAIT 5.0
/* Connections open at once, at most (findscu --jobs). */
#define FS_NET_MAX 16

/* Installs the SIGINT handler with a wake pipe for each of `connections`
 * connections (at most FS_NET_MAX; calling it again adds pipes). */
void fs_net_install_sigint(size_t connections);
/* Ctrl-C presses so far. */
int fs_net_interrupts(void);

typedef struct fs_net fs_net;

/* The Ctrl-C state of connection slot i (0 .. FS_NET_MAX-1): one per thread
 * that connects; it stays valid until exit. */
fs_net *fs_net_slot(size_t i);

/* Connects (each address of host in turn, bounded by timeout seconds, <= 0:
 * none), over TLS when tls is not NULL (dq/tls.h; *info filled), with n's
 * wake pipe and Ctrl-C state (reset). On failure err->kind is DQ_ERR_CONNECT, DQ_ERR_TIMEOUT or
 * DQ_ERR_CANCELLED and err->message is Python's wording ("[Errno 111]
 * Connection refused"); with TLS also DQ_ERR_TLS, DQ_ERR_ARGUMENT (a file
 * of the configuration) or DQ_ERR_UNSUPPORTED (no TLS in this build), in
 * the library's words. */
int fs_net_connect(dq_transport **out, fs_net *n, const char *host, uint16_t port, double timeout,
                   const dq_tls_config *tls, dq_tls_info *info, dq_error *err);

/* True once, for a first Ctrl-C the check has not reported yet (responses
 * read from the buffer need no wait the check could end): the caller acts
 * on it (asks dq_find for the cancel) and the check will not report it. */
bool fs_net_take_cancel(fs_net *n);
/* A C-CANCEL-RQ went out (DQ_ASSOC_EV_DIMSE_SENT): the Ctrl-C that asked
 * for it is handled, and the final response is due within FS_CANCEL_WAIT s. */
void fs_net_cancel_sent(fs_net *n);

#endif
