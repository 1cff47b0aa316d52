/* tests/test_heads: softmax cross-entropy and sigmoid binary cross-entropy against their textbook
 * definitions, at extreme logits, and against finite differences of their own loss.
 *
 * Gradient check: central differences with EPS = 1e-3 on the float32 logits, the loss in double;
 * pass when |analytic - numeric| / max(|analytic| + |numeric|, 1e-3) <= 1e-5 (the heads are smooth
 * and computed in double, so the truncation error is O(EPS^2); measured worst 9e-8). */
#include <CUnit/CUnit.h>
#include <math.h>
#include <stdlib.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "models/isa.h"
#include "models/reference/reference.h"
#include "models/heads.h"

#define EPS        1e-3
#define REL_FLOOR  1e-3
#define GRAD_TOL   1e-5

static void random_logits(float *z, int *y, int B, int K, double sd, unsigned long seed)
{
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, seed);
    for (int i = 0; i < B * K; i++)
        z[i] = (float)gsl_ran_gaussian(rng, sd);
    for (int i = 0; i < B; i++)
        y[i] = (int)gsl_rng_uniform_int(rng, K == 1 ? 2 : K);
    gsl_rng_free(rng);
}

typedef double (*LossFn)(const float *z, const int *y, int B, int K);

static double ce_loss(const float *z, const int *y, int B, int K)
{
    return softmax_ce(z, y, B, K, NULL, NULL, NULL);
}

static double bce_loss(const float *z, const int *y, int B, int K)
{
    (void)K;
    return sigmoid_bce_ref(z, y, B, NULL, NULL, NULL);
}

/* Worst relative error of analytic against central differences of loss over every logit. */
static double head_grad_error(LossFn loss, float *z, const int *y, int B, int K, const float *g)
{
    double worst = 0.0;
    for (int i = 0; i < B * K; i++) {
        float keep = z[i], up = (float)(keep + EPS), down = (float)(keep - EPS);
        z[i] = up;
        double lp = loss(z, y, B, K);
        z[i] = down;
        double lm = loss(z, y, B, K);
        z[i] = keep;
        double num = (lp - lm) / ((double)up - (double)down);
        worst = fmax(worst, fabs(g[i] - num) / fmax(fabs(g[i]) + fabs(num), REL_FLOOR));
    }
    return worst;
}

/* ---- softmax cross-entropy ---- */

static void test_softmax_ce_equals_the_long_way_on_random_64x10_logits(void)
{
    enum { B = 64, K = 10 };
    float z[B * K];
    int y[B];
    random_logits(z, y, B, K, 3.0, 1);
    double want = 0.0;
    for (int i = 0; i < B; i++) {
        double sum = 0.0;
        for (int k = 0; k < K; k++)
            sum += exp(z[i * K + k]);
        want += -log(exp(z[i * K + y[i]]) / sum);
    }
    want /= B;
    CU_ASSERT_DOUBLE_EQUAL(softmax_ce(z, y, B, K, NULL, NULL, NULL), want, 1e-9 * want);
}

static void test_softmax_ce_gradient_matches_finite_differences(void)
{
    enum { B = 4, K = 5 };
    float z[B * K], g[B * K];
    int y[B];
    random_logits(z, y, B, K, 2.0, 2);
    softmax_ce(z, y, B, K, g, NULL, NULL);
    CU_ASSERT(head_grad_error(ce_loss, z, y, B, K, g) < GRAD_TOL);
}

static void test_softmax_ce_gradient_is_probs_minus_onehot_over_batch(void)
{
    enum { B = 8, K = 10 };
    float z[B * K], g[B * K], p[B * K];
    int y[B];
    random_logits(z, y, B, K, 1.0, 3);
    softmax_ce(z, y, B, K, g, p, NULL);
    for (int i = 0; i < B * K; i++)
        CU_ASSERT_DOUBLE_EQUAL(g[i], (p[i] - (i % K == y[i / K])) / B, 1e-7);
}

static void test_softmax_ce_is_finite_for_huge_logits(void)
{
    const float z[3] = {1000.0f, -1000.0f, 0.0f};
    const int y0 = 0, y1 = 1;
    float g[3], p[3];
    CU_ASSERT_DOUBLE_EQUAL(softmax_ce(z, &y0, 1, 3, g, p, NULL), 0.0, 1e-12);
    double l1 = softmax_ce(z, &y1, 1, 3, g, p, NULL);
    CU_ASSERT_DOUBLE_EQUAL(l1, 2000.0, 1e-9);
    CU_ASSERT(isfinite(g[0]) && isfinite(g[1]) && isfinite(g[2]));
    CU_ASSERT_DOUBLE_EQUAL(g[1], -1.0, 1e-12);
}

static void test_softmax_probs_sum_to_one_and_pred_is_argmax(void)
{
    enum { B = 16, K = 10 };
    float z[B * K], p[B * K];
    int y[B], pred[B];
    random_logits(z, y, B, K, 2.0, 4);
    softmax_ce(z, y, B, K, NULL, p, pred);
    for (int i = 0; i < B; i++) {
        double sum = 0.0;
        int best = 0;
        for (int k = 0; k < K; k++) {
            sum += p[i * K + k];
            if (z[i * K + k] > z[i * K + best])
                best = k;
        }
        CU_ASSERT_DOUBLE_EQUAL(sum, 1.0, 1e-6);
        CU_ASSERT_EQUAL(pred[i], best);
    }
}

/* ---- sigmoid binary cross-entropy ---- */

static void test_sigmoid_bce_is_finite_and_correct_for_logits_plus_minus_100(void)
{
    /* log1p(exp(-100)) = 3.72e-44: right answers are tiny but never log(0) */
    const float zs[4] = {100.0f, 100.0f, -100.0f, -100.0f};
    const int ys[4] = {1, 0, 0, 1};
    const double want_loss[4] = {3.720075976020836e-44, 100.0, 3.720075976020836e-44, 100.0};
    const double want_grad[4] = {0.0, 1.0, 0.0, -1.0};
    for (int i = 0; i < 4; i++) {
        float g, p[2];
        int pred;
        double l = sigmoid_bce_ref(&zs[i], &ys[i], 1, &g, p, &pred);
        CU_ASSERT(isfinite(l) && isfinite(g));
        CU_ASSERT_DOUBLE_EQUAL(l, want_loss[i], 1e-12 * fmax(want_loss[i], 1e-40));
        CU_ASSERT_DOUBLE_EQUAL(g, want_grad[i], 1e-12);
        CU_ASSERT_EQUAL(pred, zs[i] > 0);
        CU_ASSERT_DOUBLE_EQUAL(p[0] + p[1], 1.0, 1e-7);
    }
}

static void test_sigmoid_bce_equals_the_textbook_formula_for_moderate_logits(void)
{
    enum { B = 32 };
    float z[B];
    int y[B];
    random_logits(z, y, B, 1, 4.0, 5);
    double want = 0.0;
    for (int i = 0; i < B; i++) {
        double s = 1.0 / (1.0 + exp(-(double)z[i]));
        want += -(y[i] * log(s) + (1 - y[i]) * log(1.0 - s));
    }
    want /= B;
    CU_ASSERT_DOUBLE_EQUAL(sigmoid_bce_ref(z, y, B, NULL, NULL, NULL), want, 1e-9 * want);
}

static void test_sigmoid_bce_gradient_matches_finite_differences(void)
{
    enum { B = 8 };
    float z[B], g[B];
    int y[B];
    random_logits(z, y, B, 1, 3.0, 6);
    sigmoid_bce_ref(z, y, B, g, NULL, NULL);
    CU_ASSERT(head_grad_error(bce_loss, z, y, B, 1, g) < GRAD_TOL);
}

static void test_sigmoid_predicts_class_1_only_above_one_half(void)
{
    const float z[3] = {0.0f, 1e-3f, -1e-3f};
    const int y[3] = {0, 0, 0};
    int pred[3];
    float p[6];
    sigmoid_bce_ref(z, y, 3, NULL, p, pred);
    CU_ASSERT(pred[0] == 0 && pred[1] == 1 && pred[2] == 0);
    CU_ASSERT_DOUBLE_EQUAL(p[0], 0.5, 1e-7);
    CU_ASSERT(p[3] > 0.5f && p[5] < 0.5f);
}

/* The vectorised exponentials (AVX-512) against libm's: over logits spread from -90 to 90 and
 * rows of 2, 10 and 16 classes, the loss agrees to 1e-14 relative, every probability to one float
 * rounding, and every gradient (p - onehot) / B to one rounding of p. */
static void test_softmax_ce_vector_exp_matches_libm(void)
{
    enum { B = 50, KMAX = 16 };
    static const int widths[3] = {2, 10, 16};
    float z[B * KMAX], g1[B * KMAX], g2[B * KMAX], p1[B * KMAX], p2[B * KMAX];
    int y[B];
    for (int w = 0; w < 3; w++) {
        const int K = widths[w];
        random_logits(z, y, B, K, 30.0, 40 + w);
        Isa best = isa_limit(ISA_AVX512);
        isa_limit(ISA_C);
        double want = softmax_ce(z, y, B, K, g1, p1, NULL);
        isa_limit(best);
        double got = softmax_ce(z, y, B, K, g2, p2, NULL);
        CU_ASSERT(fabs(got - want) <= 1e-14 * fabs(want));
        /* probabilities to a float rounding; gradients (p - onehot) / B to a rounding of p */
        int off = 0;
        for (int i = 0; i < B * K; i++)
            off += fabsf(p1[i] - p2[i]) > 1.2e-7f * fabsf(p1[i]) ||
                   fabsf(g1[i] - g2[i]) > 1.2e-7f / B;
        CU_ASSERT_EQUAL(off, 0);
    }
}

int register_heads_tests(void)
{
    CU_pSuite s = CU_add_suite("heads", NULL, NULL);
    if (!s)
        return -1;
    struct { const char *name; CU_TestFunc fn; } tests[] = {
        {"softmax_ce_equals_the_long_way_on_random_64x10_logits",
         test_softmax_ce_equals_the_long_way_on_random_64x10_logits},
        {"softmax_ce_gradient_matches_finite_differences",
         test_softmax_ce_gradient_matches_finite_differences},
        {"softmax_ce_gradient_is_probs_minus_onehot_over_batch",
         test_softmax_ce_gradient_is_probs_minus_onehot_over_batch},
        {"softmax_ce_is_finite_for_huge_logits", test_softmax_ce_is_finite_for_huge_logits},
        {"softmax_probs_sum_to_one_and_pred_is_argmax", test_softmax_probs_sum_to_one_and_pred_is_argmax},
        {"sigmoid_bce_is_finite_and_correct_for_logits_plus_minus_100",
         test_sigmoid_bce_is_finite_and_correct_for_logits_plus_minus_100},
        {"sigmoid_bce_equals_the_textbook_formula_for_moderate_logits",
         test_sigmoid_bce_equals_the_textbook_formula_for_moderate_logits},
        {"sigmoid_bce_gradient_matches_finite_differences",
         test_sigmoid_bce_gradient_matches_finite_differences},
        {"sigmoid_predicts_class_1_only_above_one_half", test_sigmoid_predicts_class_1_only_above_one_half},
        {"softmax_ce_vector_exp_matches_libm", test_softmax_ce_vector_exp_matches_libm},
    };
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++)
        if (!CU_add_test(s, tests[i].name, tests[i].fn))
            return -1;
    return 0;
}
