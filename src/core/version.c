/* Library version and generated editions: see include/dq/version.h. */
#include "dq/version.h"

#include "dq_gen_editions.h"

const char *dq_version(void)
{
    return DQ_VERSION_STRING;
}

size_t dq_edition_count(void)
{
    return DQ_GEN_EDITION_COUNT;
}

const dq_edition *dq_edition_at(size_t i)
{
    return i < DQ_GEN_EDITION_COUNT ? &dq_gen_editions[i] : NULL;
}
