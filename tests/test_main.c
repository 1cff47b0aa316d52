/* tests/test_main: the one CUnit runner. Every suite file defines a register function that adds
 * its suite; add yours to the list below, saying whether it is a unit suite (it needs no data
 * files and starts no child process: `make test-unit`). Runs the suites one after another and
 * ends with a table of each suite's tests and seconds. Exits non-zero when any test fails.
 *   mnistlab-tests                 every suite
 *   mnistlab-tests --unit          the unit suites
 *   mnistlab-tests SUITE [TEST]    one suite (or one test of it)
 *   mnistlab-tests SUITE SUITE...  those suites */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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
int register_fitted_tests(void);
int register_image_tests(void);
int register_predict_tests(void);
int register_explore_tests(void);
int register_augment_tests(void);
int register_settings_tests(void);
int register_report_tests(void);
int register_stats_tests(void);
int register_tamper_tests(void);
int register_input_grad_tests(void);
int register_calibration_tests(void);
int register_rundir_tests(void);
int register_names_tests(void);
int register_robustness_tests(void);
/* Suites (one line each): UNIT needs no data and no child process; WHOLE needs either. */
enum { WHOLE = 0, UNIT = 1 };
static const struct {
    SuiteRegister add;
    int unit;
} suites[] = {
    {register_image_tests, UNIT},
    {register_predict_tests, WHOLE},
    {register_layers_tests, UNIT},
    {register_oracle_tests, UNIT},
    {register_threads_tests, UNIT},
    {register_augment_tests, UNIT},
    {register_heads_tests, UNIT},
    {register_families_tests, UNIT},
    {register_fitted_tests, WHOLE},
    {register_robustness_tests, WHOLE},
    {register_optim_tests, UNIT},
    {register_checkpoint_tests, UNIT},
    {register_idx_tests, WHOLE},
    {register_metrics_tests, UNIT},
    {register_dataset_tests, WHOLE},
    {register_error_tests, UNIT},
    {register_config_tests, UNIT},
    {register_settings_tests, WHOLE},
    {register_report_tests, WHOLE},
    {register_stats_tests, UNIT},
    {register_tamper_tests, WHOLE},
    {register_input_grad_tests, WHOLE},
    {register_calibration_tests, UNIT},
    {register_cli_tests, WHOLE},
    {register_faults_tests, WHOLE},
    {register_fuzz_found_tests, UNIT},
    {register_hostile_tests, WHOLE},
    {register_explore_tests, WHOLE},
    {register_rundir_tests, WHOLE},
    {register_names_tests, WHOLE},
};
#define N_SUITES (sizeof suites / sizeof suites[0])

/* What one suite's run came to. */
typedef struct {
    const char *name;
    unsigned ran, failed, skipped;
    double seconds;
} SuiteResult;

static double wall_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Run suite s (or its test `test` when not NULL). -1 when the test is not there. */
static int run_suite(CU_pSuite s, const char *test, SuiteResult *r)
{
    double t0 = wall_seconds();
    if (test) {
        CU_pTest t = CU_get_test(s, test);
        if (!t) {
            fprintf(stderr, "no test named %s\n", test);
            return -1;
        }
        CU_basic_run_test(s, t);
    } else {
        CU_basic_run_suite(s);
    }
    r->name = s->pName;
    r->seconds = wall_seconds() - t0;
    r->skipped = test_skipped_count();       /* of this run: the list starts afresh each run */
    r->ran = CU_get_number_of_tests_run();
    r->failed = CU_get_number_of_tests_failed();
    test_skipped_reset();
    return 0;
}

static void print_table(const SuiteResult *r, int n)
{
    double total = 0.0;
    unsigned ran = 0, failed = 0, skipped = 0;
    printf("\n%-12s %6s %7s %7s %8s %9s\n", "suite", "tests", "passed", "failed", "skipped",
           "seconds");
    for (int i = 0; i < n; i++) {
        printf("%-12s %6u %7u %7u %8u %9.2f\n", r[i].name, r[i].ran,
               r[i].ran - r[i].failed - r[i].skipped, r[i].failed, r[i].skipped, r[i].seconds);
        total += r[i].seconds, ran += r[i].ran, failed += r[i].failed, skipped += r[i].skipped;
    }
    printf("%-12s %6u %7u %7u %8u %9.2f\n", "all", ran, ran - failed - skipped, failed, skipped,
           total);
    printf("\n%u passed, %u failed, %u skipped\n", ran - failed - skipped, failed, skipped);
}

/* Named on the command line (every suite when none is). */
static int wanted(const char *name, int argc, char **argv)
{
    if (argc < 2)
        return 1;
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], name) == 0)
            return 1;
    return 0;
}

int main(int argc, char **argv)
{
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 2;
    int unit[N_SUITES];
    for (size_t i = 0; i < N_SUITES; i++) {
        if (suites[i].add() != 0) {
            fprintf(stderr, "test registration failed: %s\n", CU_get_error_msg());
            CU_cleanup_registry();
            return 2;
        }
        unit[i] = suites[i].unit;
    }
    CU_basic_set_mode(CU_BRM_VERBOSE);
    const int unit_only = argc == 2 && strcmp(argv[1], "--unit") == 0;
    /* SUITE TEST: the second name is a test when it is no suite */
    const char *one_test = argc == 3 && !CU_get_suite(argv[2]) ? argv[2] : NULL;
    for (int i = 1; i < argc && !unit_only; i++)
        if (!CU_get_suite(argv[i]) && !(i == 2 && one_test)) {
            fprintf(stderr, "no suite named %s\n", argv[i]);
            CU_cleanup_registry();
            return 2;
        }
    SuiteResult results[N_SUITES];
    int n = 0, failed_asserts = 0, bad = 0;
    size_t i = 0;
    for (CU_pSuite s = CU_get_registry()->pSuite; s; s = s->pNext, i++) {
        int run = unit_only ? unit[i] : wanted(s->pName, one_test ? 2 : argc, argv);
        if (!run)
            continue;
        if (run_suite(s, one_test, &results[n]) != 0) {
            bad = 1;
            break;
        }
        failed_asserts += CU_get_number_of_failures() > 0;
        n++;
    }
    print_table(results, n);
    unsigned failed = 0;
    for (int k = 0; k < n; k++)
        failed += results[k].failed;
    int error = CU_get_error();
    CU_cleanup_registry();
    return (bad || failed || failed_asserts || error) ? 1 : 0;
}
