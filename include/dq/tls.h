/* dq: the TLS transport (DICOM over TLS, PS3.15 Annex B secure transport
 * connection profiles).
 *
 * A dq_transport like the TCP one (dq/transport.h): it connects over TCP,
 * runs the TLS handshake, then reads and writes through TLS. Everything
 * above the transport (PDUs, associations, DIMSE, C-FIND) is unchanged.
 * OpenSSL is used only behind this header: no OpenSSL type appears here.
 * A build without TLS (cmake -DDQ_TLS=OFF) keeps the header; then
 * dq_tls_available() is false and dq_transport_connect_tls() fails with
 * DQ_ERR_UNSUPPORTED. */
#ifndef DQ_TLS_H
#define DQ_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dq/error.h"
#include "dq/transport.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The secure transport connection profiles a client may choose (PS3.15
 * Annex B.9 BCP 195, B.10 Non-Downgrading BCP 195, B.11 Extended BCP 195;
 * the protocol versions and cipher suites each allows are in src/net/tls.c). */
typedef enum dq_tls_profile {
    DQ_TLS_PROFILE_BCP195_ND = 0, /* B.10, the default */
    DQ_TLS_PROFILE_BCP195,        /* B.9 */
    DQ_TLS_PROFILE_BCP195_EX,     /* B.11 */
} dq_tls_profile;

typedef struct dq_tls_config {
    const char *cert_file;       /* our certificate (chain), PEM; NULL: none sent */
    const char *key_file;        /* its private key, PEM (NULL: in cert_file) */
    const char *key_password;    /* for an encrypted key, or NULL */
    const char *const *ca_files; /* trusted CA certificates, PEM */
    size_t n_ca_files;           /* with ca_dir 0/NULL: the system's store */
    const char *ca_dir;          /* hashed CA folder (c_rehash), or NULL */
    bool no_verify;              /* true: accept any peer certificate */
    dq_tls_profile profile;
    const char *sni;          /* server name sent and checked; NULL: the host if a name */
    const char *crl_file;     /* a PEM CRL checked against the peer's certificate */
    double handshake_timeout; /* seconds for the whole handshake; <= 0: none */
} dq_tls_config;

/* What was negotiated, for logs. Strings are empty when unknown. */
typedef struct dq_tls_info {
    char protocol[16]; /* "TLSv1.3" */
    char cipher[64];   /* the OpenSSL name of the cipher suite */
    char subject[256]; /* the peer certificate's subject, one line (RFC 2253) */
    char issuer[256];  /* and its issuer */
    bool verified;     /* the peer certificate was checked (not no_verify) */
} dq_tls_info;

/* True when this build has TLS. */
bool dq_tls_available(void);
/* The TLS library's version text ("OpenSSL 3.0.x ..."), or "none". */
const char *dq_tls_library_version(void);

/* dq_tls_config with the defaults: verify the peer against the system's
 * CAs, profile BCP195_ND, nothing else set. */
void dq_tls_config_default(dq_tls_config *cfg);

/* Connects to host:port over TCP (as dq_transport_connect_tcp_irq, the same
 * connect_timeout, interrupt and errors), then runs the TLS handshake within
 * cfg->handshake_timeout. The interrupt's check() runs at every handshake
 * wait with DQ_TRANSPORT_STEP_HANDSHAKE_WAIT and, afterwards, at the steps
 * the TCP transport uses. Handshake failures are DQ_ERR_TLS with the TLS
 * library's reason in the message (e.g. "certificate verify failed:
 * certificate has expired"); a handshake not done in time is DQ_ERR_TLS
 * with detail[0] = DQ_TIMEOUT_ACSE; bad cfg files are DQ_ERR_ARGUMENT.
 * *info (may be NULL) is filled on success. Closing the transport sends the
 * TLS close_notify alert. Every write hands one whole buffer (a PDU) to TLS
 * in one call; reads fill the transport's buffer from as many records as
 * are already received, so memory stays constant as with TCP. */
int dq_transport_connect_tls(dq_transport **out, const char *host, uint16_t port,
                             double connect_timeout, const dq_transport_interrupt *irq,
                             const dq_tls_config *cfg, dq_tls_info *info, dq_error *err);

#ifdef __cplusplus
}
#endif
#endif
