/* The TLS transport's own behaviour, without a TLS peer (tests/e2e/tls.sh
 * runs it against real ones): configuration errors, the handshake bounded by
 * its timeout, the interrupt check at every handshake wait, and a build
 * without TLS saying so. */
#include <criterion/criterion.h>

#include <string.h>
#include <unistd.h>

#include "dq/tls.h"
#include "loopback.h"

/* A listener that never answers (connections wait in its backlog) and the
 * default configuration without verification, with a handshake timeout. */
static int silent_peer(uint16_t *port, dq_tls_config *cfg, double handshake_timeout)
{
    dq_tls_config_default(cfg);
    cfg->no_verify = true;
    cfg->handshake_timeout = handshake_timeout;
    return listen_any(port);
}

Test(tls, without_tls_the_build_says_so)
{
    dq_tls_config cfg;
    dq_tls_config_default(&cfg);
    cr_assert_eq(cfg.profile, DQ_TLS_PROFILE_BCP195_ND);
    cr_assert_not(cfg.no_verify);
    if (dq_tls_available()) {
        cr_assert(strstr(dq_tls_library_version(), "OpenSSL 3"), "%s", dq_tls_library_version());
        return;
    }
    dq_transport *t = (dq_transport *)1;
    dq_error e;
    cr_assert_eq(dq_transport_connect_tls(&t, "127.0.0.1", 1, 1, NULL, &cfg, NULL, &e), -1);
    cr_assert_null(t);
    cr_assert_eq(e.kind, DQ_ERR_UNSUPPORTED);
    cr_assert(strstr(e.message, "no TLS"));
}

Test(tls, unreadable_ca_file_is_an_argument_error)
{
    if (!dq_tls_available())
        return; /* without_tls_the_build_says_so covers that build */
    uint16_t port;
    dq_tls_config cfg;
    int lfd = silent_peer(&port, &cfg, 2);
    const char *cas[] = {"/nonexistent/ca.pem"};
    cfg.no_verify = false;
    cfg.ca_files = cas;
    cfg.n_ca_files = 1;
    dq_transport *t;
    dq_error e;
    cr_assert_eq(dq_transport_connect_tls(&t, "127.0.0.1", port, 2, NULL, &cfg, NULL, &e), -1);
    cr_assert_eq(e.kind, DQ_ERR_ARGUMENT);
    cr_assert(strstr(e.message, "/nonexistent/ca.pem") && strstr(e.message, "no such file"), "%s",
              e.message);
    close(lfd);
}

Test(tls, handshake_is_bounded_by_its_timeout)
{
    if (!dq_tls_available())
        return;
    uint16_t port;
    dq_tls_config cfg;
    int lfd = silent_peer(&port, &cfg, 0.3);
    dq_transport *t;
    dq_error e;
    double t0 = now();
    cr_assert_eq(dq_transport_connect_tls(&t, "127.0.0.1", port, 2, NULL, &cfg, NULL, &e), -1);
    double el = now() - t0;
    cr_assert_eq(e.kind, DQ_ERR_TLS, "%s", e.message);
    cr_assert_eq(e.detail[0], DQ_TIMEOUT_ACSE);
    cr_assert(el >= 0.29 && el < 2.0, "took %g s", el);
    close(lfd);
}

typedef struct seen {
    int handshake_waits;
} seen;

/* Ends the operation at the first handshake wait, as findscu's Ctrl-C does. */
static int cancel_in_handshake(void *user, dq_transport *t, dq_transport_step step,
                               double *wait_max, dq_error *err)
{
    (void)t;
    (void)wait_max;
    seen *s = user;
    if (step != DQ_TRANSPORT_STEP_HANDSHAKE_WAIT)
        return 0;
    s->handshake_waits++;
    return dq_fail(err, DQ_ERR_CANCELLED, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG, "interrupted");
}

Test(tls, interrupt_check_ends_the_handshake)
{
    if (!dq_tls_available())
        return;
    uint16_t port;
    dq_tls_config cfg;
    int lfd = silent_peer(&port, &cfg, 10);
    seen s = {0};
    dq_transport_interrupt irq = {.wake_fd = -1, .check = cancel_in_handshake, .user = &s};
    dq_transport *t;
    dq_error e;
    double t0 = now();
    cr_assert_eq(dq_transport_connect_tls(&t, "127.0.0.1", port, 2, &irq, &cfg, NULL, &e), -1);
    cr_assert_eq(e.kind, DQ_ERR_CANCELLED, "%s", e.message);
    cr_assert_eq(s.handshake_waits, 1);
    cr_assert(now() - t0 < 1.0);
    close(lfd);
}
