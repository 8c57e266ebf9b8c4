#include <criterion/criterion.h>
#include <string.h>

#include "dq/error.h"

/* Every field is written, none left from before (the struct starts as junk). */
static void expect_filled(const dq_error *e, dq_error_kind kind, size_t offset, uint32_t tag,
                          const char *message)
{
    cr_assert_eq(e->kind, kind);
    cr_assert_eq(e->offset, offset);
    cr_assert_eq(e->tag, tag);
    cr_assert_eq(e->sys_errno, 0);
    for (int i = 0; i < 3; i++)
        cr_assert_eq(e->detail[i], 0);
    cr_assert_str_eq(e->message, message);
}

Test(error, set_fills_every_field)
{
    dq_error e;
    memset(&e, 0x55, sizeof e);
    dq_error_set(&e, DQ_ERR_MALFORMED, 12, 0x00100010u, "bad length %u", 7u);
    expect_filled(&e, DQ_ERR_MALFORMED, 12, 0x00100010u, "bad length 7");
}

Test(error, fail_fills_every_field_and_returns_minus_one)
{
    dq_error e;
    memset(&e, 0x55, sizeof e);
    cr_assert_eq(dq_fail(&e, DQ_ERR_LIMIT, 3, 0x00080005u, "over %s", "cap"), -1);
    expect_filled(&e, DQ_ERR_LIMIT, 3, 0x00080005u, "over cap");
}

Test(error, null_error_is_allowed)
{
    dq_error_set(NULL, DQ_ERR_IO, 0, 0, "x");
    cr_assert_eq(dq_fail(NULL, DQ_ERR_IO, 0, 0, "x"), -1);
    dq_error_clear(NULL);
    dq_error_prefix(NULL, "ctx");
}

Test(error, prefix_adds_context_and_truncates_safely)
{
    dq_error e;
    dq_error_set(&e, DQ_ERR_IO, DQ_ERROR_NO_OFFSET, DQ_ERROR_NO_TAG, "cannot open");
    dq_error_prefix(&e, "file %s", "a.dcm");
    cr_assert_str_eq(e.message, "file a.dcm: cannot open");
    char long_msg[400];
    memset(long_msg, 'x', sizeof long_msg - 1);
    long_msg[sizeof long_msg - 1] = 0;
    dq_error_set(&e, DQ_ERR_IO, 0, 0, "%s", long_msg);
    dq_error_prefix(&e, "p");
    cr_assert_eq(strlen(e.message), sizeof e.message - 1);
    cr_assert(strncmp(e.message, "p: xxx", 6) == 0);
}

Test(error, clear_and_kind_names)
{
    dq_error e;
    dq_error_set(&e, DQ_ERR_TIMEOUT, 1, 2, "t");
    dq_error_clear(&e);
    cr_assert_eq(e.kind, DQ_OK);
    cr_assert_eq(e.offset, DQ_ERROR_NO_OFFSET);
    cr_assert_str_eq(e.message, "");
    for (int k = DQ_OK; k <= DQ_ERR_TLS; k++)
        cr_assert_str_neq(dq_error_kind_name((dq_error_kind)k), "unknown error");
}
