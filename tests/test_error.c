/* tests/test_error: error names and detail messages. */
#include <CUnit/CUnit.h>
#include <string.h>

#include "common/error.h"

static void test_every_code_has_a_name(void)
{
    for (int c = 0; c < MNL_ERR_COUNT_; c++)
        CU_ASSERT_STRING_NOT_EQUAL(mnl_strerror(c), "unknown error");
    CU_ASSERT_STRING_EQUAL(mnl_strerror(-1), "unknown error");
    CU_ASSERT_STRING_EQUAL(mnl_strerror(MNL_ERR_COUNT_), "unknown error");
}

static void test_fail_returns_code_and_keeps_detail(void)
{
    mnl_clear_error();
    CU_ASSERT_STRING_EQUAL(mnl_last_error(), "");
    CU_ASSERT_EQUAL(mnl_fail(MNL_ERR_IDX_TRUNCATED, "%s: expected %d bytes, found %d", "f.idx", 16, 3),
                    MNL_ERR_IDX_TRUNCATED);
    CU_ASSERT_STRING_EQUAL(mnl_last_error(), "f.idx: expected 16 bytes, found 3");
}

int register_error_tests(void)
{
    CU_pSuite s = CU_add_suite("error", NULL, NULL);
    if (!s)
        return -1;
    if (!CU_add_test(s, "every_code_has_a_name", test_every_code_has_a_name) ||
        !CU_add_test(s, "fail_returns_code_and_keeps_detail", test_fail_returns_code_and_keeps_detail))
        return -1;
    return 0;
}
