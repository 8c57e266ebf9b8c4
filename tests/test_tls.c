/* The TLS transport's own behaviour, without a TLS peer (tests/e2e/tls.sh
 * runs it against real ones): configuration errors, the handshake bounded by
 * its timeout, the interrupt check at every handshake wait, and a build
 * without TLS saying so. */
#include <criterion/criterion.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "dq/tls.h"

/* A listener that accepts (the kernel's backlog) and never answers. */
static int silent_listener(uint16_t *port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    cr_assert(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    cr_assert_eq(listen(fd, 4), 0);
    socklen_t l = sizeof a;
    getsockname(fd, (struct sockaddr *)&a, &l);
    *port = ntohs(a.sin_port);
    return fd;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
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
    int lfd = silent_listener(&port);
    const char *cas[] = {"/nonexistent/ca.pem"};
    dq_tls_config cfg;
    dq_tls_config_default(&cfg);
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
    int lfd = silent_listener(&port);
    dq_tls_config cfg;
    dq_tls_config_default(&cfg);
    cfg.no_verify = true;
    cfg.handshake_timeout = 0.3;
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
    int lfd = silent_listener(&port);
    dq_tls_config cfg;
    dq_tls_config_default(&cfg);
    cfg.no_verify = true;
    cfg.handshake_timeout = 10;
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
