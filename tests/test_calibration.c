/* tests/test_calibration: the reliability bins and expected calibration error against a small
 * case worked out by hand, and temperature scaling: it recovers the temperature that generated
 * the labels, lowers the held-out NLL and the ECE, and never changes a prediction. */
#include <CUnit/CUnit.h>
#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "common/calibration.h"
#include "common/error.h"
#include "experiments/calibrate.h"

/* Four images, two classes, ten bins:
 *   (0.9, 0.1) label 0: confidence 0.9, right      -> bin (0.8, 0.9]
 *   (0.9, 0.1) label 1: confidence 0.9, wrong      -> bin (0.8, 0.9]
 *   (0.3, 0.7) label 1: confidence 0.7, right      -> bin (0.6, 0.7]
 *   (0.45, 0.55) label 1: confidence 0.55, right   -> bin (0.5, 0.6]
 * ECE = 2/4 |0.5 - 0.9| + 1/4 |1 - 0.7| + 1/4 |1 - 0.55| = 0.2 + 0.075 + 0.1125 = 0.3875. */
static void test_ece_of_four_images_by_hand(void)
{
    const float probs[] = {0.9f, 0.1f, 0.9f, 0.1f, 0.3f, 0.7f, 0.45f, 0.55f};
    const int y[] = {0, 1, 1, 1};
    Reliability r;
    CU_ASSERT_EQUAL_FATAL(calib_reliability(probs, y, 4, 2, 10, &r), MNL_OK);
    CU_ASSERT_EQUAL(r.count[8], 2);
    CU_ASSERT_EQUAL(r.count[6], 1);
    CU_ASSERT_EQUAL(r.count[5], 1);
    CU_ASSERT_EQUAL(r.count[9], 0);
    CU_ASSERT_DOUBLE_EQUAL(r.accuracy[8], 0.5, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(r.confidence[8], 0.9, 1e-6);
    CU_ASSERT(isnan(r.accuracy[0]) && isnan(r.confidence[0]));
    CU_ASSERT_DOUBLE_EQUAL(r.ece, 0.3875, 1e-6);
}

static void test_calibration_refuses_bad_input(void)
{
    const float probs[] = {0.9f, 0.1f};
    const int bad[] = {2};
    Reliability r;
    double T;
    CU_ASSERT_EQUAL(calib_reliability(probs, bad, 1, 2, 10, &r), MNL_ERR_ARG);
    CU_ASSERT_EQUAL(calib_reliability(probs, (const int[]){0}, 1, 2, 0, &r), MNL_ERR_ARG);
    CU_ASSERT_EQUAL(calib_reliability(probs, (const int[]){0}, 0, 2, 10, &r), MNL_ERR_ARG);
    CU_ASSERT_EQUAL(calib_fit_temperature(probs, bad, 1, 2, &T), MNL_ERR_ARG);
}

#define N 20000
#define K 10

/* Logits z ~ N(0, 3^2) per class, labels drawn from softmax(z / 2): the model is overconfident by
 * a temperature of exactly 2, and maximum likelihood finds it again (to sampling noise). */
static void test_temperature_scaling_recovers_the_generating_temperature(void)
{
    static float z[N * K], p[N * K], q[N * K];
    static int y[N];
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 5);
    for (int i = 0; i < N * K; i++)
        z[i] = (float)gsl_ran_gaussian(rng, 3.0);
    calib_softmax(z, N, K, 2.0, p);
    for (int i = 0; i < N; i++) {
        double u = gsl_rng_uniform(rng), c = 0.0;
        y[i] = K - 1;
        for (int k = 0; k < K; k++)
            if ((c += p[i * K + k]) > u) {
                y[i] = k;
                break;
            }
    }
    gsl_rng_free(rng);
    double T;
    CU_ASSERT_EQUAL_FATAL(calib_fit_temperature(z, y, N, K, &T), MNL_OK);
    CU_ASSERT(fabs(T - 2.0) < 0.1);
    CU_ASSERT(calib_nll(z, y, N, K, T) < calib_nll(z, y, N, K, 1.0));
    CU_ASSERT(calib_nll(z, y, N, K, T) <= calib_nll(z, y, N, K, T * 1.01));
    CU_ASSERT(calib_nll(z, y, N, K, T) <= calib_nll(z, y, N, K, T / 1.01));
    Reliability before, after;
    calib_softmax(z, N, K, 1.0, p);
    calib_softmax(z, N, K, T, q);
    CU_ASSERT_EQUAL(calib_reliability(p, y, N, K, 15, &before), MNL_OK);
    CU_ASSERT_EQUAL(calib_reliability(q, y, N, K, 15, &after), MNL_OK);
    CU_ASSERT(before.ece > 0.1 && after.ece < 0.02);
    int same = 1;      /* one temperature for every class: the largest logit stays the largest */
    for (int i = 0; i < N; i++) {
        int a = 0, b = 0;
        for (int k = 1; k < K; k++)
            a = p[i * K + k] > p[i * K + a] ? k : a, b = q[i * K + k] > q[i * K + b] ? k : b;
        same &= a == b;
    }
    CU_ASSERT(same);
}

/* A run's calibration: the temperature is fitted on the validation logits only (test logits drawn
 * at another temperature do not move it), the test's ECE is measured before and after it; with no
 * validation split nothing is fitted and T stays 1. */
static void test_run_calibration_fits_on_validation_and_measures_the_test(void)
{
    static float zv[N * K], zt[N * K], p[N * K];
    static int yv[N], yt[N];
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 5);
    float *zs[2] = {zv, zt};
    int *ys[2] = {yv, yt};
    for (int s = 0; s < 2; s++) {          /* labels drawn from softmax(z / 2.5): overconfident */
        for (int i = 0; i < N * K; i++)
            zs[s][i] = (float)gsl_ran_gaussian(rng, 4.0);
        calib_softmax(zs[s], N, K, 2.5, p);
        for (int i = 0; i < N; i++) {
            double u = gsl_rng_uniform(rng), c = 0.0;
            ys[s][i] = K - 1;
            for (int k = 0; k < K; k++)
                if ((c += p[i * K + k]) > u) {
                    ys[s][i] = k;
                    break;
                }
        }
    }
    gsl_rng_free(rng);
    CalibReport r;
    CU_ASSERT_EQUAL_FATAL(calibrate_measure(zt, yt, N, zv, yv, N, K, &r), MNL_OK);
    CU_ASSERT(r.fitted && r.n_valid == N);
    CU_ASSERT(fabs(r.temperature - 2.5) < 0.2);
    CU_ASSERT(r.before.ece > 0.1 && r.after.ece < 0.04);
    CU_ASSERT_EQUAL(r.before.n, N);
    CU_ASSERT_EQUAL_FATAL(calibrate_measure(zt, yt, N, NULL, NULL, 0, K, &r), MNL_OK);
    CU_ASSERT(!r.fitted && r.temperature == 1.0 && r.before.ece > 0.1);
}

int register_calibration_tests(void)
{
    CU_pSuite s = CU_add_suite("calibration", NULL, NULL);
    if (!s)
        return -1;
    if (!CU_add_test(s, "ece_of_four_images_by_hand", test_ece_of_four_images_by_hand) ||
        !CU_add_test(s, "calibration_refuses_bad_input", test_calibration_refuses_bad_input) ||
        !CU_add_test(s, "temperature_scaling_recovers_the_generating_temperature",
                     test_temperature_scaling_recovers_the_generating_temperature) ||
        !CU_add_test(s, "run_calibration_fits_on_validation_and_measures_the_test",
                     test_run_calibration_fits_on_validation_and_measures_the_test))
        return -1;
    return 0;
}
