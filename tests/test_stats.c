/* tests/test_stats: the Wilson interval, McNemar's exact test and Welch's t-test against values
 * published in the literature (each test names its source), and the verdict lines built on them. */
#include <CUnit/CUnit.h>
#include <math.h>
#include <string.h>

#include "common/error.h"
#include "common/stats.h"

/* Newcombe, R. G. (1998), "Two-sided confidence intervals for the single proportion: comparison of
 * seven methods", Statistics in Medicine 17, 857-872, Table II, method 3 (score method without
 * continuity correction), to its four decimals: 81/263 -> 0.2553-0.3662, 15/148 -> 0.0624-0.1605,
 * 0/20 -> 0.0000-0.1611, 1/29 -> 0.0061-0.1718. */
static void test_wilson_matches_newcombe_1998_table(void)
{
    static const struct { long k, n; double lo, hi; } table[] = {
        {81, 263, 0.2553, 0.3662}, {15, 148, 0.0624, 0.1605}, {0, 20, 0.0, 0.1611},
        {1, 29, 0.0061, 0.1718}};
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        double lo, hi;
        CU_ASSERT_EQUAL_FATAL(stats_wilson(table[i].k, table[i].n, STATS_Z95, &lo, &hi), MNL_OK);
        CU_ASSERT_DOUBLE_EQUAL(lo, table[i].lo, 0.00005);
        CU_ASSERT_DOUBLE_EQUAL(hi, table[i].hi, 0.00005);
    }
}

/* At k = n the interval ends exactly at 1 and is not empty; it always holds the proportion. */
static void test_wilson_interval_stays_in_the_unit_range_and_holds_the_proportion(void)
{
    double lo, hi;
    CU_ASSERT_EQUAL(stats_wilson(10000, 10000, STATS_Z95, &lo, &hi), MNL_OK);
    CU_ASSERT_EQUAL(hi, 1.0);
    CU_ASSERT(lo < 1.0 && lo > 0.999);     /* 1 - 3.84/10003.84: the "rule of three" region */
    CU_ASSERT_EQUAL(stats_wilson(9812, 10000, STATS_Z95, &lo, &hi), MNL_OK);
    CU_ASSERT(lo < 0.9812 && 0.9812 < hi && hi - lo < 0.006);
}

static void test_wilson_rejects_impossible_counts(void)
{
    double lo, hi;
    CU_ASSERT_EQUAL(stats_wilson(5, 0, STATS_Z95, &lo, &hi), MNL_ERR_ARG);
    CU_ASSERT_EQUAL(stats_wilson(-1, 10, STATS_Z95, &lo, &hi), MNL_ERR_ARG);
    CU_ASSERT_EQUAL(stats_wilson(11, 10, STATS_Z95, &lo, &hi), MNL_ERR_ARG);
}

/* Fagerland, M. W., Lydersen, S. and Laake, P. (2013), "The McNemar test for binary matched-pairs
 * data: mid-p and asymptotic are better than exact conditional", BMC Medical Research Methodology
 * 13:91, the example of Bentur et al. (2009), 1 and 7 discordant pairs: exact conditional p = 0.070
 * (by hand: 2 (1 + 8) / 2^8 = 0.0703125). */
static void test_mcnemar_exact_matches_fagerland_2013_example(void)
{
    double p;
    CU_ASSERT_EQUAL_FATAL(stats_mcnemar_exact(1, 7, &p), MNL_OK);
    CU_ASSERT_DOUBLE_EQUAL(p, 0.0703125, 1e-12);
    CU_ASSERT_EQUAL_FATAL(stats_mcnemar_exact(7, 1, &p), MNL_OK);   /* symmetric in A and B */
    CU_ASSERT_DOUBLE_EQUAL(p, 0.0703125, 1e-12);
}

/* 0 against 5: 2 / 2^5 = 0.0625, just not significant; 0 against 6: 2 / 64 = 0.03125. */
static void test_mcnemar_exact_small_counts_by_hand(void)
{
    double p;
    CU_ASSERT_EQUAL(stats_mcnemar_exact(0, 5, &p), MNL_OK);
    CU_ASSERT_DOUBLE_EQUAL(p, 0.0625, 1e-12);
    CU_ASSERT_EQUAL(stats_mcnemar_exact(0, 6, &p), MNL_OK);
    CU_ASSERT_DOUBLE_EQUAL(p, 0.03125, 1e-12);
}

static void test_mcnemar_is_one_for_equal_or_no_disagreements(void)
{
    double p;
    CU_ASSERT_EQUAL(stats_mcnemar_exact(0, 0, &p), MNL_OK);
    CU_ASSERT_EQUAL(p, 1.0);
    CU_ASSERT_EQUAL(stats_mcnemar_exact(40, 40, &p), MNL_OK);
    CU_ASSERT_EQUAL(p, 1.0);
    CU_ASSERT_EQUAL(stats_mcnemar_exact(-1, 3, &p), MNL_ERR_ARG);
}

/* NIST/SEMATECH e-Handbook of Statistical Methods, section 1.3.5.3 (two-sample t-test), the AUTO83B
 * example with unequal variances: N1 = 249, mean 20.14458, sd 6.41470; N2 = 79, mean 30.48101,
 * sd 6.10771 give T = -12.94627 and nu = 136.8750. */
static void test_welch_matches_nist_handbook_example(void)
{
    double t, df, p;
    CU_ASSERT_EQUAL_FATAL(stats_welch(20.14458, 6.41470, 249, 30.48101, 6.10771, 79, &t, &df, &p),
                          MNL_OK);
    CU_ASSERT_DOUBLE_EQUAL(t, -12.94627, 5e-5);
    CU_ASSERT_DOUBLE_EQUAL(df, 136.8750, 5e-4);
    CU_ASSERT(p < 1e-20);
}

/* NIST/SEMATECH e-Handbook, section 1.3.6.7.2 (critical values of Student's t): t(0.975, 10) =
 * 2.228. Two groups of 6 with equal spreads have df = 2 (6 - 1) = 10, so means set 2.228 standard
 * errors apart give a two-sided p of 0.05 (to the table's three decimals of t). */
static void test_welch_p_matches_the_t_table(void)
{
    double t, df, p;
    const double se = sqrt(2.0 / 6.0);    /* sd 1 in both groups of 6 */
    CU_ASSERT_EQUAL_FATAL(stats_welch(2.228 * se, 1.0, 6, 0.0, 1.0, 6, &t, &df, &p), MNL_OK);
    CU_ASSERT_DOUBLE_EQUAL(df, 10.0, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(t, 2.228, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(p, 0.05, 2e-4);
}

/* From raw samples: {1, 2, 3} against {4, 5, 6}: means 2 and 5, sd 1 each, t = -3 / sqrt(2/3)
 * = -3.674, df = 4. */
static void test_welch_from_samples_uses_the_sample_standard_deviation(void)
{
    const double a[] = {1, 2, 3}, b[] = {4, 5, 6};
    double t, df, p;
    CU_ASSERT_EQUAL_FATAL(stats_welch_samples(a, 3, b, 3, &t, &df, &p), MNL_OK);
    CU_ASSERT_DOUBLE_EQUAL(t, -3.0 / sqrt(2.0 / 3.0), 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(df, 4.0, 1e-12);
    CU_ASSERT(p > 0.02 && p < 0.025);     /* t(0.99, 4) = 3.747 and t(0.975, 4) = 2.776 */
}

static void test_welch_rejects_single_runs_and_zero_spread(void)
{
    double t, df, p;
    CU_ASSERT_EQUAL(stats_welch(1, 0.1, 1, 2, 0.1, 5, &t, &df, &p), MNL_ERR_ARG);
    CU_ASSERT_EQUAL(stats_welch(1, 0, 3, 2, 0, 3, &t, &df, &p), MNL_ERR_ARG);
    CU_ASSERT_EQUAL(stats_welch(1, NAN, 3, 2, 0.1, 3, &t, &df, &p), MNL_ERR_ARG);
}

static void test_p_values_are_written_for_reading(void)
{
    char b[32];
    stats_format_p(0.41, b, sizeof b);
    CU_ASSERT_STRING_EQUAL(b, "p = 0.41");
    stats_format_p(0.0496, b, sizeof b);
    CU_ASSERT_STRING_EQUAL(b, "p = 0.0496");
    stats_format_p(3.2e-5, b, sizeof b);
    CU_ASSERT_STRING_EQUAL(b, "p = 3.2e-05");
    stats_format_p(8e-167, b, sizeof b);
    CU_ASSERT_STRING_EQUAL(b, "p < 1e-100");
    stats_format_p(0.0, b, sizeof b);
    CU_ASSERT_STRING_EQUAL(b, "p < 1e-100");
}

static void test_verdict_names_the_better_run(void)
{
    char b[256];
    CU_ASSERT_EQUAL(stats_mcnemar_verdict("mlp", "cnn", 24, 676, b, sizeof b), 1);
    CU_ASSERT_STRING_EQUAL(b, "cnn is better than mlp: 676 against 24 disagreements, p < 1e-100");
    CU_ASSERT_EQUAL(stats_mcnemar_verdict("cnn", "mlp", 676, 24, b, sizeof b), 1);
    CU_ASSERT_STRING_EQUAL(b, "cnn is better than mlp: 676 against 24 disagreements, p < 1e-100");
}

static void test_verdict_says_no_evidence_when_p_is_large(void)
{
    char b[256];
    CU_ASSERT_EQUAL(stats_mcnemar_verdict("a", "b", 30, 24, b, sizeof b), 0);
    CU_ASSERT_STRING_EQUAL(b, "no evidence of a difference between a and b: 30 against 24 "
                              "disagreements, p = 0.497");
    /* 1 against 7 (p = 0.0703) is not enough either, 0 against 6 (p = 0.031) is */
    CU_ASSERT_EQUAL(stats_mcnemar_verdict("a", "b", 1, 7, b, sizeof b), 0);
    CU_ASSERT_EQUAL(stats_mcnemar_verdict("a", "b", 0, 6, b, sizeof b), 1);
}

int register_stats_tests(void)
{
    CU_pSuite s = CU_add_suite("stats", NULL, NULL);
    if (!s)
        return -1;
    static const struct {
        const char *name;
        void (*fn)(void);
    } tests[] = {
        {"wilson_matches_newcombe_1998_table", test_wilson_matches_newcombe_1998_table},
        {"wilson_interval_stays_in_the_unit_range_and_holds_the_proportion",
         test_wilson_interval_stays_in_the_unit_range_and_holds_the_proportion},
        {"wilson_rejects_impossible_counts", test_wilson_rejects_impossible_counts},
        {"mcnemar_exact_matches_fagerland_2013_example",
         test_mcnemar_exact_matches_fagerland_2013_example},
        {"mcnemar_exact_small_counts_by_hand", test_mcnemar_exact_small_counts_by_hand},
        {"mcnemar_is_one_for_equal_or_no_disagreements",
         test_mcnemar_is_one_for_equal_or_no_disagreements},
        {"welch_matches_nist_handbook_example", test_welch_matches_nist_handbook_example},
        {"welch_p_matches_the_t_table", test_welch_p_matches_the_t_table},
        {"welch_from_samples_uses_the_sample_standard_deviation",
         test_welch_from_samples_uses_the_sample_standard_deviation},
        {"welch_rejects_single_runs_and_zero_spread", test_welch_rejects_single_runs_and_zero_spread},
        {"p_values_are_written_for_reading", test_p_values_are_written_for_reading},
        {"verdict_names_the_better_run", test_verdict_names_the_better_run},
        {"verdict_says_no_evidence_when_p_is_large", test_verdict_says_no_evidence_when_p_is_large},
    };
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++)
        if (!CU_add_test(s, tests[i].name, tests[i].fn))
            return -1;
    return 0;
}
