/* The TLS transport (dq/tls.h) on OpenSSL 3: the only file of libdq that
 * knows OpenSSL. It drives OpenSSL over a non-blocking socket with the TCP
 * transport's waits (transport_impl.h), so timeouts and the interrupt check
 * (Ctrl-C) behave as on TCP, the handshake included. */
#include "dq/tls.h"
#include "transport_impl.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

/* ---- the profiles ----------------------------------------------------------
 *
 * PS3.15 Annex B.9 (BCP 195 TLS Secure Transport Connection Profile), B.10
 * (Non-Downgrading BCP 195) and B.11 (Extended BCP 195) all build on BCP 195
 * (RFC 7525, as updated by RFC 8996, which deprecates TLS 1.0 and 1.1). The
 * TLS 1.2 suites are those DCMTK 3.6.7's findscu +tls offers for the same
 * profiles (+py, +px, +pz), the reference we can check against here (PS3.15
 * itself is not among the parts this build reads); tests/e2e/tls.sh (mode
 * bytes) compares the two ClientHellos:
 * - B.10: the four RFC 7525 section 4.2 suites (ECDHE or DHE with RSA,
 *   AES-GCM);
 * - B.9: those, and TLS_RSA_WITH_AES_128_CBC_SHA for peers of the older
 *   profiles (it allowed falling back to TLS 1.0/1.1 too, which RFC 8996
 *   removed from BCP 195 and OpenSSL 3 refuses at its default security
 *   level: TLS 1.2 is the floor here as well);
 * - B.11: the four, and the ECDHE-ECDSA AES-GCM suites.
 * TLS 1.3 (its suites are all AEAD) is allowed by every profile. Security
 * level 2 (keys of 112 bits of strength, RSA/DHE >= 2048 bits) applies to all. */
typedef struct tls_profile {
    const char *name;
    const char *tls12_ciphers; /* OpenSSL names, in our order of preference */
} tls_profile;

#define RFC7525_SUITES                                                                   \
    "ECDHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:" \
    "DHE-RSA-AES256-GCM-SHA384"

static const tls_profile PROFILES[] = {
    [DQ_TLS_PROFILE_BCP195_ND] = {"bcp195-nd", RFC7525_SUITES},
    [DQ_TLS_PROFILE_BCP195] = {"bcp195", RFC7525_SUITES ":AES128-SHA"},
    [DQ_TLS_PROFILE_BCP195_EX] = {"bcp195-ex", RFC7525_SUITES
                                  ":ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256"},
};

bool dq_tls_available(void)
{
    return true;
}

const char *dq_tls_library_version(void)
{
    return OpenSSL_version(OPENSSL_VERSION);
}

void dq_tls_config_default(dq_tls_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->profile = DQ_TLS_PROFILE_BCP195_ND;
}

/* ---- errors ------------------------------------------------------------------ */

/* OpenSSL's reason for the last failure (its error queue, emptied), with
 * the certificate check's own words when that is what failed. */
static void tls_reason(SSL *ssl, char *buf, size_t cap)
{
    /* The queue runs from the cause to its consequences ("PEM lib", "system
     * lib"): the last specific reason says most; a system error says it in
     * errno's words. */
    unsigned long e, last = 0, specific = 0, sys = 0;
    while ((e = ERR_get_error()) != 0) {
        last = e;
        if (ERR_SYSTEM_ERROR(e))
            sys = sys ? sys : e;
        else if (!ERR_COMMON_ERROR(e))
            specific = e;
    }
    if (sys && !specific) {
        snprintf(buf, cap, "%s", strerror(ERR_GET_REASON(sys)));
        return;
    }
    last = specific ? specific : last;
    const char *why = last ? ERR_reason_error_string(last) : NULL;
    long v = ssl ? SSL_get_verify_result(ssl) : X509_V_OK;
    if (last && ERR_GET_REASON(last) == SSL_R_CERTIFICATE_VERIFY_FAILED && v != X509_V_OK)
        snprintf(buf, cap, "%s: %s", why, X509_verify_cert_error_string(v));
    else if (why)
        snprintf(buf, cap, "%s", why);
    else if (last)
        snprintf(buf, cap, "OpenSSL error %lx", last);
    else
        snprintf(buf, cap, "%s", "the connection was closed");
    /* A peer that answers a ClientHello with something else than TLS. */
    int r = last ? ERR_GET_REASON(last) : 0;
    if (r == SSL_R_WRONG_VERSION_NUMBER || r == SSL_R_PACKET_LENGTH_TOO_LONG) {
        size_t n = strlen(buf);
        snprintf(buf + n, cap - n, " (the peer does not seem to speak TLS)");
    }
}

static int tls_fail(dq_error *err, dq_error_kind kind, SSL *ssl, const char *what)
{
    char why[200];
    tls_reason(ssl, why, sizeof why);
    return dq_fail(err, kind, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG, "%s: %s", what, why);
}

/* ---- the context: profile, our certificate, trust --------------------------- */

typedef struct tls_ctx {
    int fd;
    SSL_CTX *sctx;
    SSL *ssl;
    bool broken;     /* a fatal TLS error: no close_notify (OpenSSL forbids it) */
    bool got_data;   /* application data came in (see closed_early) */
    dq_transport *t; /* the transport wrapping this context (for irq.check) */
    bool has_irq;
    dq_transport_interrupt irq;
} tls_ctx;

static int password_cb(char *buf, int size, int rwflag, void *user)
{
    (void)rwflag;
    const char *pw = user;
    if (!pw || size <= 0)
        return 0;
    size_t n = strlen(pw);
    if (n > (size_t)size)
        n = (size_t)size;
    memcpy(buf, pw, n);
    return (int)n;
}

static int bad_file(dq_error *err, const char *what, const char *file)
{
    char why[200];
    tls_reason(NULL, why, sizeof why);
    return dq_fail(err, DQ_ERR_ARGUMENT, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG, "%s %s: %s", what,
                   file, why);
}

static int load_identity(SSL_CTX *sctx, const dq_tls_config *cfg, dq_error *err)
{
    if (!cfg->cert_file && !cfg->key_file)
        return 0;
    if (!cfg->cert_file)
        return dq_fail(err, DQ_ERR_ARGUMENT, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
                       "a TLS private key needs its certificate");
    const char *key = cfg->key_file ? cfg->key_file : cfg->cert_file;
    SSL_CTX_set_default_passwd_cb(sctx, password_cb);
    SSL_CTX_set_default_passwd_cb_userdata(sctx, (void *)cfg->key_password);
    if (SSL_CTX_use_certificate_chain_file(sctx, cfg->cert_file) != 1)
        return bad_file(err, "cannot use the TLS certificate", cfg->cert_file);
    if (SSL_CTX_use_PrivateKey_file(sctx, key, SSL_FILETYPE_PEM) != 1)
        return bad_file(err, "cannot use the TLS private key", key);
    if (SSL_CTX_check_private_key(sctx) != 1)
        return bad_file(err, "the TLS private key does not match the certificate", key);
    return 0;
}

static int load_trust(SSL_CTX *sctx, const dq_tls_config *cfg, dq_error *err)
{
    if (cfg->no_verify) {
        SSL_CTX_set_verify(sctx, SSL_VERIFY_NONE, NULL);
        return 0;
    }
    SSL_CTX_set_verify(sctx, SSL_VERIFY_PEER, NULL);
    for (size_t i = 0; i < cfg->n_ca_files; i++)
        if (SSL_CTX_load_verify_file(sctx, cfg->ca_files[i]) != 1)
            return bad_file(err, "cannot load the TLS CA certificates", cfg->ca_files[i]);
    if (cfg->ca_dir && SSL_CTX_load_verify_dir(sctx, cfg->ca_dir) != 1)
        return bad_file(err, "cannot use the TLS CA folder", cfg->ca_dir);
    if (cfg->n_ca_files == 0 && !cfg->ca_dir && SSL_CTX_set_default_verify_paths(sctx) != 1)
        return bad_file(err, "cannot load the system's CA certificates", "");
    if (cfg->crl_file) {
        X509_STORE *store = SSL_CTX_get_cert_store(sctx);
        X509_LOOKUP *lk = X509_STORE_add_lookup(store, X509_LOOKUP_file());
        if (!lk || X509_load_crl_file(lk, cfg->crl_file, X509_FILETYPE_PEM) <= 0)
            return bad_file(err, "cannot load the TLS CRL", cfg->crl_file);
        X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK);
    }
    return 0;
}

static int make_context(SSL_CTX **out, const dq_tls_config *cfg, dq_error *err)
{
    if ((unsigned)cfg->profile >= sizeof PROFILES / sizeof PROFILES[0])
        return dq_fail(err, DQ_ERR_ARGUMENT, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
                       "unknown TLS profile %d", (int)cfg->profile);
    ERR_clear_error();
    SSL_CTX *sctx = SSL_CTX_new(TLS_client_method());
    if (!sctx)
        return tls_fail(err, DQ_ERR_NOMEM, NULL, "cannot set up TLS");
    SSL_CTX_set_security_level(sctx, 2);
    if (SSL_CTX_set_min_proto_version(sctx, TLS1_2_VERSION) != 1 ||
        SSL_CTX_set_cipher_list(sctx, PROFILES[cfg->profile].tls12_ciphers) != 1) {
        SSL_CTX_free(sctx);
        return tls_fail(err, DQ_ERR_TLS, NULL, "cannot set up the TLS profile");
    }
    /* No renegotiation, no compression; the read-ahead lets one receive
     * take in many records (a large read as on TCP). */
    SSL_CTX_set_options(sctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
    SSL_CTX_set_read_ahead(sctx, 1);
    if (load_identity(sctx, cfg, err) < 0 || load_trust(sctx, cfg, err) < 0) {
        SSL_CTX_free(sctx);
        return -1;
    }
    *out = sctx;
    return 0;
}

/* ---- the waits ---------------------------------------------------------------- */

static const dq_transport_interrupt *ctx_irq(const tls_ctx *c)
{
    return c->has_irq ? &c->irq : NULL;
}

/* After an OpenSSL call returned r <= 0: 1 when it only has to wait (done,
 * *ready says whether the socket became ready before `deadline`), or -1 with
 * *err. `timed_out` words a deadline that passed as the caller's error. */
typedef struct tls_wait {
    double deadline;
    dq_transport_step step;
    const char *what; /* "TLS handshake failed", "TLS receive failed", ... */
} tls_wait;

/* The peer ended the connection before sending any data. With TLS 1.3 the
 * server checks our certificate after our handshake is done, and its alert
 * may be lost in a reset when our first PDU crosses it: say what is likely. */
static int closed_early(dq_error *err)
{
    return dq_fail(err, DQ_ERR_TLS, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
                   "TLS connection closed by the peer before it answered (did it refuse our "
                   "certificate, or want one: --tls-cert?)");
}

static int tls_wait_for(tls_ctx *c, int r, const tls_wait *w, bool *ready, dq_error *err)
{
    int e = SSL_get_error(c->ssl, r);
    short events;
    if (e == SSL_ERROR_WANT_READ)
        events = POLLIN;
    else if (e == SSL_ERROR_WANT_WRITE)
        events = POLLOUT;
    else {
        c->broken = e == SSL_ERROR_SSL || e == SSL_ERROR_SYSCALL;
        bool early = w->step != DQ_TRANSPORT_STEP_HANDSHAKE_WAIT && !c->got_data;
        if (e == SSL_ERROR_ZERO_RETURN || (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0)) {
            int se = errno;
            ERR_clear_error();
            if (early && (e == SSL_ERROR_ZERO_RETURN || se == 0 || se == ECONNRESET || se == EPIPE))
                return closed_early(err);
            if (e == SSL_ERROR_SYSCALL && se && se != ECONNRESET && se != EPIPE)
                return dq_fail(err, DQ_ERR_IO, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG, "%s: %s",
                               w->what, strerror(se));
            if (w->step == DQ_TRANSPORT_STEP_HANDSHAKE_WAIT)
                return dq_fail(err, DQ_ERR_TLS, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
                               "%s: the peer closed the connection (a peer without TLS, or "
                               "one that refused us)",
                               w->what);
            return dq_fail(err, DQ_ERR_CLOSED, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
                           "the peer closed the connection");
        }
        if (ERR_GET_REASON(ERR_peek_last_error()) == SSL_R_UNEXPECTED_EOF_WHILE_READING &&
            w->step != DQ_TRANSPORT_STEP_HANDSHAKE_WAIT) {
            ERR_clear_error();
            if (early)
                return closed_early(err);
            return dq_fail(err, DQ_ERR_CLOSED, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
                           "the peer closed the connection without TLS close_notify");
        }
        return tls_fail(err, DQ_ERR_TLS, c->ssl, w->what);
    }
    dq_transport_step step = w->step;
    if (step == DQ_TRANSPORT_STEP_READ_WAIT && events == POLLOUT)
        step = DQ_TRANSPORT_STEP_WRITE_WAIT;
    return dq_transport_wait_fd(c->fd, events, w->deadline, ctx_irq(c),
                                step == DQ_TRANSPORT_STEP_HANDSHAKE_WAIT ? NULL : c->t, step, ready,
                                err) < 0
               ? -1
               : 1;
}

/* ---- the transport ------------------------------------------------------------- */

static ssize_t tls_read(void *vctx, void *buf, size_t cap, double timeout, dq_error *err)
{
    tls_ctx *c = vctx;
    tls_wait w = {dq_transport_deadline(timeout), DQ_TRANSPORT_STEP_READ_WAIT,
                  "TLS receive failed"};
    const dq_transport_interrupt *irq = ctx_irq(c);
    for (;;) {
        if (dq_transport_check_read(irq, c->t, err) < 0)
            return -1;
        size_t got = 0;
        ERR_clear_error();
        int r = SSL_read_ex(c->ssl, buf, cap, &got);
        if (r == 1) {
            c->got_data = true;
            /* Records already received (read ahead) fill the rest of the
             * buffer without another system call. */
            size_t more;
            while (got < cap && SSL_has_pending(c->ssl) &&
                   SSL_read_ex(c->ssl, (char *)buf + got, cap - got, &more) == 1)
                got += more;
            ERR_clear_error();
            return (ssize_t)got;
        }
        bool ready = false;
        if (tls_wait_for(c, r, &w, &ready, err) < 0)
            return -1;
        if (!ready)
            return dq_transport_timed_out(err, false, timeout);
    }
}

/* One SSL_write_ex of the whole buffer (a PDU): OpenSSL cuts it into
 * records of at most 16 KiB itself; a wait repeats the same call, as
 * OpenSSL requires. */
static int tls_write(void *vctx, const void *buf, size_t len, double timeout, dq_error *err)
{
    tls_ctx *c = vctx;
    tls_wait w = {0, DQ_TRANSPORT_STEP_WRITE_WAIT, "TLS send failed"};
    while (len > 0) {
        size_t done = 0;
        ERR_clear_error();
        int r = SSL_write_ex(c->ssl, buf, len, &done);
        if (r == 1)
            return 0;
        w.deadline = dq_transport_deadline(timeout);
        bool ready = false;
        if (tls_wait_for(c, r, &w, &ready, err) < 0)
            return -1;
        if (!ready)
            return dq_transport_timed_out(err, true, timeout);
    }
    return 0;
}

/* Sends close_notify (PS3.15 B: the TLS connection ends with the TLS
 * closure alert) without waiting for the peer's: the association is over. */
static void tls_close(void *vctx)
{
    tls_ctx *c = vctx;
    if (c->ssl) {
        if (!c->broken && SSL_is_init_finished(c->ssl)) {
            ERR_clear_error();
            if (SSL_shutdown(c->ssl) < 0)
                ERR_clear_error();
        }
        SSL_free(c->ssl);
    }
    SSL_CTX_free(c->sctx);
    if (c->fd >= 0)
        close(c->fd);
    free(c);
}

static const dq_transport_ops tls_ops = {tls_read, tls_write, tls_close};

/* ---- connecting ------------------------------------------------------------------ */

static bool is_ip_literal(const char *host)
{
    unsigned char a[16];
    return inet_pton(AF_INET, host, a) == 1 || inet_pton(AF_INET6, host, a) == 1;
}

/* SNI and the name the peer's certificate must match: --tls-sni, else the
 * host when it is a name (an address is sent nowhere and checked against
 * nothing but the chain). */
static int set_peer_name(tls_ctx *c, const char *host, const dq_tls_config *cfg, dq_error *err)
{
    const char *name = cfg->sni ? cfg->sni : (is_ip_literal(host) ? NULL : host);
    if (!name)
        return 0;
    if (SSL_set_tlsext_host_name(c->ssl, name) != 1)
        return tls_fail(err, DQ_ERR_ARGUMENT, NULL, "cannot use the TLS server name");
    if (!cfg->no_verify && SSL_set1_host(c->ssl, name) != 1)
        return tls_fail(err, DQ_ERR_ARGUMENT, NULL, "cannot check the TLS server name");
    return 0;
}

static int handshake(tls_ctx *c, double timeout, dq_error *err)
{
    tls_wait w = {dq_transport_deadline(timeout), DQ_TRANSPORT_STEP_HANDSHAKE_WAIT,
                  "TLS handshake failed"};
    for (;;) {
        ERR_clear_error();
        int r = SSL_connect(c->ssl);
        if (r == 1)
            return 0;
        bool ready = false;
        if (tls_wait_for(c, r, &w, &ready, err) < 0)
            return -1;
        if (!ready) {
            c->broken = true;
            dq_error_set(err, DQ_ERR_TLS, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
                         "TLS handshake failed: no answer from the peer within %g s", timeout);
            err->detail[0] = DQ_TIMEOUT_ACSE;
            return -1;
        }
    }
}

static void name_line(X509_NAME *n, char *buf, size_t cap)
{
    buf[0] = '\0';
    BIO *b = BIO_new(BIO_s_mem());
    if (!b)
        return;
    if (X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253) >= 0) {
        int len = BIO_read(b, buf, (int)cap - 1);
        buf[len > 0 ? len : 0] = '\0';
    }
    BIO_free(b);
}

static void fill_info(SSL *ssl, bool verified, dq_tls_info *info)
{
    memset(info, 0, sizeof *info);
    snprintf(info->protocol, sizeof info->protocol, "%s", SSL_get_version(ssl));
    snprintf(info->cipher, sizeof info->cipher, "%s", SSL_get_cipher_name(ssl));
    X509 *peer = SSL_get1_peer_certificate(ssl);
    if (peer) {
        name_line(X509_get_subject_name(peer), info->subject, sizeof info->subject);
        name_line(X509_get_issuer_name(peer), info->issuer, sizeof info->issuer);
        X509_free(peer);
    }
    info->verified = verified;
}

static int start_tls(tls_ctx *c, const char *host, const dq_tls_config *cfg, dq_error *err)
{
    if (make_context(&c->sctx, cfg, err) < 0)
        return -1;
    c->ssl = SSL_new(c->sctx);
    if (!c->ssl)
        return tls_fail(err, DQ_ERR_NOMEM, NULL, "cannot set up TLS");
    if (SSL_set_fd(c->ssl, c->fd) != 1)
        return tls_fail(err, DQ_ERR_TLS, NULL, "cannot set up TLS");
    if (set_peer_name(c, host, cfg, err) < 0)
        return -1;
    return handshake(c, cfg->handshake_timeout, err);
}

int dq_transport_connect_tls(dq_transport **out, const char *host, uint16_t port,
                             double connect_timeout, const dq_transport_interrupt *irq,
                             const dq_tls_config *cfg, dq_tls_info *info, dq_error *err)
{
    dq_error scratch;
    if (!err)
        err = &scratch;
    if (!out || !cfg)
        return dq_fail(err, DQ_ERR_ARGUMENT, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
                       "no output or no TLS configuration");
    *out = NULL;
    tls_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return dq_fail(err, DQ_ERR_NOMEM, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG, "out of memory");
    c->fd = -1;
    if (irq) {
        c->has_irq = true;
        c->irq = *irq;
    }
    if (dq_transport_connect_fd(&c->fd, host, port, connect_timeout, irq, err) < 0 ||
        start_tls(c, host, cfg, err) < 0) {
        c->broken = true;
        tls_close(c);
        return -1;
    }
    dq_transport *t = dq_transport_new(&tls_ops, c);
    if (!t) {
        tls_close(c);
        return dq_fail(err, DQ_ERR_NOMEM, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG, "out of memory");
    }
    c->t = t;
    if (info)
        fill_info(c->ssl, !cfg->no_verify, info);
    *out = t;
    return 0;
}
