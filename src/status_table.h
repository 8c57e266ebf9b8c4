/* Private: the C-FIND status classification used by src/find.c, on top of
 * the generated status table (dq/status.h has the public lookups). */
#ifndef DQ_STATUS_TABLE_H
#define DQ_STATUS_TABLE_H

#include <stdint.h>

/* Sets *category to "Success", "Pending", "Cancel", "Warning" or "Failure"
 * and *meaning to the standard's text when a table lists the code; leaves
 * both untouched and returns 0 otherwise (1 when found). */
int dq_status_lookup_find(uint16_t code, const char **category, const char **meaning);

#endif
