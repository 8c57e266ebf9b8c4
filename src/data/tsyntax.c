/* The four transfer syntaxes the codecs implement (PS3.5 section 10 and
 * Annex A): UID <-> dq_transfer_syntax, name, and the two encoding choices
 * each one makes (implicit VR, big endian). */
#include <string.h>

#include "dq/dataset.h"
#include "dq/dict.h"

static const struct {
    const char *uid, *name;
} ts_table[] = {
    {DQ_UID_ImplicitVRLittleEndian, "Implicit VR Little Endian"},
    {DQ_UID_ExplicitVRLittleEndian, "Explicit VR Little Endian"},
    {DQ_UID_DeflatedExplicitVRLittleEndian, "Deflated Explicit VR Little Endian"},
    {DQ_UID_ExplicitVRBigEndian, "Explicit VR Big Endian"},
};

dq_transfer_syntax dq_ts_from_uid(const char *uid, size_t len)
{
    if (!uid)
        return DQ_TS_UNKNOWN;
    while (len > 0 && (uid[len - 1] == '\0' || uid[len - 1] == ' '))
        len--;
    for (int i = 0; i < 4; i++)
        if (strlen(ts_table[i].uid) == len && memcmp(ts_table[i].uid, uid, len) == 0)
            return (dq_transfer_syntax)i;
    return DQ_TS_UNKNOWN;
}

const char *dq_ts_uid(dq_transfer_syntax ts)
{
    return ts >= 0 && ts <= 3 ? ts_table[ts].uid : NULL;
}

const char *dq_ts_name(dq_transfer_syntax ts)
{
    return ts >= 0 && ts <= 3 ? ts_table[ts].name : NULL;
}

bool dq_ts_is_implicit(dq_transfer_syntax ts)
{
    return ts == DQ_TS_IMPLICIT_LE;
}
bool dq_ts_is_big_endian(dq_transfer_syntax ts)
{
    return ts == DQ_TS_EXPLICIT_BE;
}
