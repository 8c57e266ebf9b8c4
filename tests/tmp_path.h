/* Temporary paths for the tests: under $TMPDIR when it is set, else /tmp,
 * so a run can be moved off a small or shared /tmp. */
#ifndef DQ_TESTS_TMP_PATH_H
#define DQ_TESTS_TMP_PATH_H

#include <stdio.h>
#include <stdlib.h>

/* The folder temporary files go in. */
static inline const char *dq_test_tmpdir(void)
{
    const char *t = getenv("TMPDIR");
    return (t && *t) ? t : "/tmp";
}

/* Writes "$TMPDIR/NAME-XXXXXX" into buf, a template for mkstemp/mkdtemp.
 * Returns buf, or NULL when it does not fit. */
static inline char *dq_test_tmp_template(char *buf, size_t size, const char *name)
{
    int n = snprintf(buf, size, "%s/%s-XXXXXX", dq_test_tmpdir(), name);
    return (n < 0 || (size_t)n >= size) ? NULL : buf;
}

#endif
