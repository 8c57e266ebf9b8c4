/* Private: what the TCP transport (transport.c) shares with the other
 * transports of this layer (tls.c): the socket connect and the waits with
 * their interrupt checks, so every transport times out and wakes for Ctrl-C
 * the same way (dq/transport.h, dq_transport_interrupt). */
#ifndef DQ_TRANSPORT_IMPL_H
#define DQ_TRANSPORT_IMPL_H

#include <stdbool.h>
#include <stdint.h>

#include "dq/transport.h"

/* CLOCK_MONOTONIC seconds. */
double dq_transport_now(void);
/* now + timeout, or 0 ("no deadline") for timeout <= 0. */
double dq_transport_deadline(double timeout);

/* Waits for `events` (poll) on fd until `deadline` (<= 0: forever), also
 * waking when irq's wake_fd becomes readable; irq->check runs before every
 * wait with `step` and may shorten it or end the operation. 0 with *ready
 * (false: the deadline passed first), or -1 with *err (check()'s error, or
 * DQ_ERR_IO when poll fails). After a wake a read or write step returns
 * ready (the caller retries); a connect or handshake step waits on. */
int dq_transport_wait_fd(int fd, short events, double deadline, const dq_transport_interrupt *irq,
                         dq_transport *t, dq_transport_step step, bool *ready, dq_error *err);

/* The network timeout of one read (sending false) or write: DQ_ERR_TIMEOUT,
 * DQ_TIMEOUT_NETWORK in detail[0]. Returns -1. */
int dq_transport_timed_out(dq_error *err, bool sending, double timeout);
/* irq's check() at DQ_TRANSPORT_STEP_READ (before every receive attempt);
 * 0, or -1 with check()'s *err. irq may be NULL. */
int dq_transport_check_read(const dq_transport_interrupt *irq, dq_transport *t, dq_error *err);

/* The TCP connection of dq_transport_connect_tcp_irq() (each address of host
 * in turn, bounded by connect_timeout, TCP_NODELAY), as a non-blocking
 * socket: 0 with *fd, or -1 with *err (the same errors). */
int dq_transport_connect_fd(int *fd, const char *host, uint16_t port, double connect_timeout,
                            const dq_transport_interrupt *irq, dq_error *err);

#endif
