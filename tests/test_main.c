/* tests/test_main: the one CUnit runner. Every suite file defines a register function that adds
 * its suite; add yours to the list below. Exits non-zero when any test fails. */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/test_util.h"

int register_error_tests(void);
int register_config_tests(void);
int register_cli_tests(void);
int register_faults_tests(void);
int register_fuzz_found_tests(void);
int register_hostile_tests(void);
int register_idx_tests(void);
int register_metrics_tests(void);
int register_optim_tests(void);
int register_checkpoint_tests(void);
int register_dataset_tests(void);
int register_layers_tests(void);
int register_oracle_tests(void);
int register_threads_tests(void);
int register_heads_tests(void);
int register_families_tests(void);
int register_image_tests(void);
int register_predict_tests(void);
int register_explore_tests(void);
int register_augment_tests(void);
int register_settings_tests(void);
int register_report_tests(void);
int register_names_tests(void);
/* Suites (one line each). */
static const SuiteRegister suites[] = {
    register_image_tests,
    register_predict_tests,
    register_layers_tests,
    register_oracle_tests,
    register_threads_tests,
    register_augment_tests,
    register_heads_tests,
    register_families_tests,
    register_optim_tests,
    register_checkpoint_tests,
    register_idx_tests,
    register_metrics_tests,
    register_dataset_tests,
    register_error_tests,
    register_config_tests,
    register_settings_tests,
    register_report_tests,
    register_cli_tests,
    register_faults_tests,
    register_fuzz_found_tests,
    register_hostile_tests,
    register_explore_tests,
    register_names_tests,
};

int main(int argc, char **argv)
{
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 2;
    for (size_t i = 0; i < sizeof suites / sizeof suites[0]; i++)
        if (suites[i]() != 0) {
            fprintf(stderr, "test registration failed: %s\n", CU_get_error_msg());
            CU_cleanup_registry();
            return 2;
        }
    /* mnistlab-tests SUITE [TEST]: run one suite (or one test) only. */
    CU_basic_set_mode(CU_BRM_VERBOSE);
    if (argc > 1) {
        CU_pSuite s = CU_get_suite(argv[1]);
        if (!s) { fprintf(stderr, "no suite named %s\n", argv[1]); return 2; }
        if (argc > 2) {
            CU_pTest t = CU_get_test(s, argv[2]);
            if (!t) { fprintf(stderr, "no test named %s\n", argv[2]); return 2; }
            CU_basic_run_test(s, t);
        } else {
            CU_basic_run_suite(s);
        }
    } else {
        CU_basic_run_tests();
    }
    unsigned ran = CU_get_number_of_tests_run(), failed = CU_get_number_of_tests_failed();
    unsigned asserts_failed = CU_get_number_of_failures();
    unsigned skipped = test_skipped_count();
    printf("\n%u passed, %u failed, %u skipped\n", ran - failed - skipped, failed, skipped);
    CU_cleanup_registry();
    return (failed || asserts_failed || CU_get_error()) ? 1 : 0;
}
