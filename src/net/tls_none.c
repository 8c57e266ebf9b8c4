/* The TLS transport in a build without TLS (cmake -DDQ_TLS=OFF): the API of
 * dq/tls.h stays, connecting says this build has none. */
#include "dq/tls.h"

#include <string.h>

bool dq_tls_available(void)
{
    return false;
}

const char *dq_tls_library_version(void)
{
    return "none";
}

void dq_tls_config_default(dq_tls_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->profile = DQ_TLS_PROFILE_BCP195_ND;
}

int dq_transport_connect_tls(dq_transport **out, const char *host, uint16_t port,
                             double connect_timeout, const dq_transport_interrupt *irq,
                             const dq_tls_config *cfg, dq_tls_info *info, dq_error *err)
{
    (void)host;
    (void)port;
    (void)connect_timeout;
    (void)irq;
    (void)cfg;
    (void)info;
    if (out)
        *out = NULL;
    return dq_fail(err, DQ_ERR_UNSUPPORTED, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG,
                   "this build of dq has no TLS (configured with -DDQ_TLS=OFF)");
}
