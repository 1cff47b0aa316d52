/* tests/test_optim: SGD (L2 on weights only, momentum), Adam (bias-corrected, weight decay on
 * weights only), AdamW, RAdam and Lion against values worked out by hand, on a hand-built model with one weight tensor
 * [1,2] and one bias [1]; and that the vectorised, multi-threaded update gives bitwise the scalar
 * loop's result. */
#include <CUnit/CUnit.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "models/isa.h"
#include "models/reference/reference.h"
#include "models/model.h"
#include "models/optim.h"

/* Parameter block layout: w[0], w[1], b[0]. */
typedef struct {
    Model m;
    ParamTensor t[2];
    float value[3], grad[3];
} TinyModel;

static void tiny_model(TinyModel *tm, float w0, float w1, float b)
{
    memset(tm, 0, sizeof *tm);
    tm->value[0] = w0, tm->value[1] = w1, tm->value[2] = b;
    tm->t[0] = (ParamTensor){ .name = "fc.weight", .value = tm->value, .grad = tm->grad, .n = 2,
                              .is_weight = 1, .rank = 2, .shape = { 1, 2 } };
    tm->t[1] = (ParamTensor){ .name = "fc.bias", .value = tm->value + 2, .grad = tm->grad + 2,
                              .n = 1, .is_weight = 0, .rank = 1, .shape = { 1 } };
    tm->m.param_block = tm->value;
    tm->m.grad_block = tm->grad;
    tm->m.n_param_values = 3;
    tm->m.params = tm->t;
    tm->m.n_params = 2;
}

static void set_grads(TinyModel *tm, float g0, float g1, float gb)
{
    tm->grad[0] = g0, tm->grad[1] = g1, tm->grad[2] = gb;
}

/* float32 arithmetic against exact decimal values: agree to a relative 1e-6. */
#define ASSERT_NEAR(actual, expected) \
    CU_ASSERT_DOUBLE_EQUAL((actual), (expected), 1e-6 * fabs((double)(expected)) + 1e-9)

static void sgd_spec(OptimSpec *s, float lr, float l2, float momentum)
{
    optim_spec_defaults(s, OPT_SGD);
    s->lr = lr, s->l2 = l2, s->momentum = momentum;
}

static void adam_spec(OptimSpec *s, float lr, float weight_decay)
{
    optim_spec_defaults(s, OPT_ADAM);
    s->lr = lr, s->weight_decay = weight_decay;
}

static void test_defaults_match_pytorch(void)
{
    OptimSpec s;
    optim_spec_defaults(&s, OPT_ADAM);
    CU_ASSERT_EQUAL(s.kind, OPT_ADAM);
    CU_ASSERT_EQUAL(s.lr, 1e-3f);
    CU_ASSERT_EQUAL(s.beta1, 0.9);
    CU_ASSERT_EQUAL(s.beta2, 0.999);
    CU_ASSERT_EQUAL(s.eps, 1e-8);
    CU_ASSERT_EQUAL(s.weight_decay, 0.0f);
    optim_spec_defaults(&s, OPT_SGD);
    CU_ASSERT_EQUAL(s.kind, OPT_SGD);
    CU_ASSERT_EQUAL(s.lr, 0.1f);
    CU_ASSERT_EQUAL(s.l2, 0.0f);
    CU_ASSERT_EQUAL(s.momentum, 0.0f);
}

/* w' = w - lr (g + l2 w) for weights, b' = b - lr g for biases; lr 0.1, l2 0.01. */
static void test_sgd_step_adds_l2_to_weights_only(void)
{
    TinyModel tm;
    tiny_model(&tm, 1.0f, -2.0f, 0.5f);
    set_grads(&tm, 0.1f, 0.2f, 0.3f);
    OptimSpec s;
    sgd_spec(&s, 0.1f, 0.01f, 0.0f);
    Optimizer o;
    CU_ASSERT_EQUAL_FATAL(optim_init(&o, &s, &tm.m), MNL_OK);
    optim_step(&o, &tm.m);
    ASSERT_NEAR(tm.value[0], 0.989);     /* 1 - 0.1 (0.1 + 0.01*1) */
    ASSERT_NEAR(tm.value[1], -2.018);    /* -2 - 0.1 (0.2 + 0.01*(-2)) */
    ASSERT_NEAR(tm.value[2], 0.47);      /* 0.5 - 0.1*0.3: no L2 on the bias */
    optim_free(&o);
}

static void test_sgd_never_decays_biases(void)
{
    TinyModel tm;
    tiny_model(&tm, 1.0f, -2.0f, 0.5f);
    set_grads(&tm, 0.0f, 0.0f, 0.0f);
    OptimSpec s;
    sgd_spec(&s, 0.1f, 0.5f, 0.0f);
    Optimizer o;
    CU_ASSERT_EQUAL_FATAL(optim_init(&o, &s, &tm.m), MNL_OK);
    optim_step(&o, &tm.m);
    ASSERT_NEAR(tm.value[0], 0.95);      /* shrinks by lr*l2 = 5% */
    ASSERT_NEAR(tm.value[1], -1.9);
    CU_ASSERT_EQUAL(tm.value[2], 0.5f);  /* exactly untouched */
    optim_free(&o);
}

/* v = mu v + g; w -= lr v, with lr 0.1, mu 0.9:
 *   step 1, g = (0.1, 0.2, 0.3):  v = (0.1, 0.2, 0.3),    w = (0.99, -2.02, 0.47)
 *   step 2, g = (-0.4, 0.5, 0):   v = (-0.31, 0.68, 0.27), w = (1.021, -2.088, 0.443) */
static void test_sgd_momentum_accumulates_over_two_steps(void)
{
    TinyModel tm;
    tiny_model(&tm, 1.0f, -2.0f, 0.5f);
    OptimSpec s;
    sgd_spec(&s, 0.1f, 0.0f, 0.9f);
    Optimizer o;
    CU_ASSERT_EQUAL_FATAL(optim_init(&o, &s, &tm.m), MNL_OK);
    CU_ASSERT_PTR_NOT_NULL_FATAL(o.m);
    set_grads(&tm, 0.1f, 0.2f, 0.3f);
    optim_step(&o, &tm.m);
    ASSERT_NEAR(tm.value[0], 0.99);
    ASSERT_NEAR(tm.value[1], -2.02);
    ASSERT_NEAR(tm.value[2], 0.47);
    set_grads(&tm, -0.4f, 0.5f, 0.0f);
    optim_step(&o, &tm.m);
    ASSERT_NEAR(o.m[0], -0.31);
    ASSERT_NEAR(o.m[1], 0.68);
    ASSERT_NEAR(o.m[2], 0.27);
    ASSERT_NEAR(tm.value[0], 1.021);
    ASSERT_NEAR(tm.value[1], -2.088);
    ASSERT_NEAR(tm.value[2], 0.443);
    optim_free(&o);
}

/* Nesterov, lr 0.1, mu 0.9, w = (1, -2), b = 0.5. Step 1, g = (0.1, 0.2, 0.3): v = g, the step is
 * g + 0.9 v = 1.9 g, w = (0.981, -2.038, 0.443). Step 2, g = (-0.4, 0.5, 0): v = 0.9 v + g =
 * (-0.31, 0.68, 0.27), step g + 0.9 v = (-0.679, 1.112, 0.243), w = (1.0489, -2.1492, 0.4187). */
static void test_sgd_nesterov_steps_from_where_momentum_carries(void)
{
    TinyModel tm;
    tiny_model(&tm, 1.0f, -2.0f, 0.5f);
    OptimSpec s;
    sgd_spec(&s, 0.1f, 0.0f, 0.9f);
    s.nesterov = 1;
    Optimizer o;
    CU_ASSERT_EQUAL_FATAL(optim_init(&o, &s, &tm.m), MNL_OK);
    set_grads(&tm, 0.1f, 0.2f, 0.3f);
    optim_step(&o, &tm.m);
    ASSERT_NEAR(tm.value[0], 0.981);
    ASSERT_NEAR(tm.value[1], -2.038);
    ASSERT_NEAR(tm.value[2], 0.443);
    set_grads(&tm, -0.4f, 0.5f, 0.0f);
    optim_step(&o, &tm.m);
    ASSERT_NEAR(o.m[0], -0.31);
    ASSERT_NEAR(o.m[1], 0.68);
    ASSERT_NEAR(o.m[2], 0.27);
    ASSERT_NEAR(tm.value[0], 1.0489);
    ASSERT_NEAR(tm.value[1], -2.1492);
    ASSERT_NEAR(tm.value[2], 0.4187);
    optim_free(&o);
    OptimSpec bad;
    sgd_spec(&bad, 0.1f, 0.0f, 0.0f);
    bad.nesterov = 1;
    CU_ASSERT_EQUAL(optim_init(&o, &bad, &tm.m), MNL_ERR_ARG);   /* nothing to look ahead with */
}

/* AdamW, lr 1e-3, decay 0.1, w = (1, -2), b = 0.5, g = (0.5, -0.1, -0.25): first the weights
 * shrink by 1 - lr*decay = 0.9999 to (0.9999, -1.9998) (the bias not), then Adam's first step
 * moves each value by lr |g| / (|g| + eps) against its gradient; the moments are those of g alone,
 * m = 0.1 g, v = 0.001 g^2, where Adam's weight decay would have put g + 0.1 w in them. */
static void test_adamw_decays_apart_from_the_moments(void)
{
    TinyModel tm;
    tiny_model(&tm, 1.0f, -2.0f, 0.5f);
    OptimSpec s;
    optim_spec_defaults(&s, OPT_ADAMW);
    s.lr = 1e-3f, s.weight_decay = 0.1f;
    Optimizer o;
    CU_ASSERT_EQUAL_FATAL(optim_init(&o, &s, &tm.m), MNL_OK);
    set_grads(&tm, 0.5f, -0.1f, -0.25f);
    optim_step(&o, &tm.m);
    ASSERT_NEAR(o.m[0], 0.05);
    ASSERT_NEAR(o.m[1], -0.01);
    ASSERT_NEAR(o.v[0], 2.5e-4);
    ASSERT_NEAR(o.v[1], 1e-5);
    ASSERT_NEAR(tm.value[0], 0.9999 - 0.001 * 0.5 / (0.5 + 1e-8));
    ASSERT_NEAR(tm.value[1], -1.9998 + 0.001 * 0.1 / (0.1 + 1e-8));
    ASSERT_NEAR(tm.value[2], 0.5 + 0.001 * 0.25 / (0.25 + 1e-8));
    optim_free(&o);
}

/* Adam, lr 1e-3, weight decay 0.1, betas 0.9/0.999, eps 1e-8; w = (1, -2), b = 0.5.
 * Step 1, g = (0.5, -0.1, -0.25): g' = (0.6, -0.3, -0.25) (the bias is not decayed),
 *   m = 0.1 g' = (0.06, -0.03, -0.025), v = 0.001 g'^2 = (3.6e-4, 9e-5, 6.25e-5),
 *   mhat = m/0.1 = g', vhat = v/0.001 = g'^2, so each value moves by lr |g'|/(|g'| + eps). */
static void test_adam_first_step_matches_hand_computation(void)
{
    TinyModel tm;
    tiny_model(&tm, 1.0f, -2.0f, 0.5f);
    OptimSpec s;
    adam_spec(&s, 1e-3f, 0.1f);
    Optimizer o;
    CU_ASSERT_EQUAL_FATAL(optim_init(&o, &s, &tm.m), MNL_OK);
    set_grads(&tm, 0.5f, -0.1f, -0.25f);
    optim_step(&o, &tm.m);
    ASSERT_NEAR(o.m[0], 0.06);
    ASSERT_NEAR(o.m[1], -0.03);
    ASSERT_NEAR(o.m[2], -0.025);
    ASSERT_NEAR(o.v[0], 3.6e-4);
    ASSERT_NEAR(o.v[1], 9e-5);
    ASSERT_NEAR(o.v[2], 6.25e-5);
    ASSERT_NEAR(tm.value[0], 0.999000000017);
    ASSERT_NEAR(tm.value[1], -1.99900000003);
    ASSERT_NEAR(tm.value[2], 0.50099999996);
    optim_free(&o);
}

/* Continuing the case above with g = (-0.2, 0.3, 0.1):
 *   g' = (-0.2 + 0.1*0.999, 0.3 + 0.1*(-1.999), 0.1) = (-0.1001, 0.1001, 0.1)
 *   m = 0.9 m + 0.1 g' = (0.04399, -0.01699, -0.0125)
 *   v = 0.999 v + 0.001 g'^2 = (3.6966001e-4, 9.99300099993e-5, 7.24375e-5)
 *   w -= lr (m / 0.19) / (sqrt(v / 0.001999) + eps)  (bias corrections 1-0.9^2, 1-0.999^2) */
static void test_adam_second_step_matches_hand_computation(void)
{
    TinyModel tm;
    tiny_model(&tm, 1.0f, -2.0f, 0.5f);
    OptimSpec s;
    adam_spec(&s, 1e-3f, 0.1f);
    Optimizer o;
    CU_ASSERT_EQUAL_FATAL(optim_init(&o, &s, &tm.m), MNL_OK);
    set_grads(&tm, 0.5f, -0.1f, -0.25f);
    optim_step(&o, &tm.m);
    set_grads(&tm, -0.2f, 0.3f, 0.1f);
    optim_step(&o, &tm.m);
    CU_ASSERT_EQUAL(o.step, 2);
    ASSERT_NEAR(o.m[0], 0.04399);
    ASSERT_NEAR(o.m[1], -0.01699);
    ASSERT_NEAR(o.m[2], -0.0125);
    ASSERT_NEAR(o.v[0], 3.6966001e-4);
    ASSERT_NEAR(o.v[1], 9.99300099993e-5);
    ASSERT_NEAR(o.v[2], 7.24375e-5);
    ASSERT_NEAR(tm.value[0], 0.998461599445);
    ASSERT_NEAR(tm.value[1], -1.99860005695);
    ASSERT_NEAR(tm.value[2], 0.50134560579);
    optim_free(&o);
}

/* ---- RAdam (torch.optim.RAdam; Liu et al. 2020, "On the Variance of the Adaptive Learning Rate
 * and Beyond", Algorithm 2) ---- */

static void radam_spec(OptimSpec *s, float lr, float weight_decay)
{
    optim_spec_defaults(s, OPT_RADAM);
    s->lr = lr, s->weight_decay = weight_decay;
}

/* lr 1e-3, decay 0.1, betas 0.9/0.999; w = (1, -2), b = 0.5. At b2 = 0.999, rho_inf = 1999 and
 * rho_t = 1999 - 2 t 0.999^t / (1 - 0.999^t) is 1, 1.9995, 2.9987, 3.9975, 4.9960, 5.9942 for
 * t = 1..6: the first five steps are momentum alone, w -= lr m / (1 - 0.9^t).
 * Step 1, g = (0.5, -0.1, -0.25): g' = (0.6, -0.3, -0.25), m = 0.1 g', so mhat = g' and
 *   w = (0.9994, -1.9997, 0.50025); v = 0.001 g'^2 = (3.6e-4, 9e-5, 6.25e-5), not yet used.
 * Step 2, g = (-0.2, 0.3, 0.1): g' = (-0.2 + 0.09994, 0.3 - 0.19997, 0.1) = (-0.10006, 0.10003, 0.1)
 *   m = 0.9 m + 0.1 g' = (0.043994, -0.016997, -0.0125), mhat = m / 0.19,
 *   w = (0.9994 - 0.001*0.231547368, -1.9997 + 0.001*0.0894578947, 0.50025 + 0.001*0.0657894737). */
static void test_radam_first_steps_are_momentum_alone(void)
{
    TinyModel tm;
    tiny_model(&tm, 1.0f, -2.0f, 0.5f);
    OptimSpec s;
    radam_spec(&s, 1e-3f, 0.1f);
    Optimizer o;
    CU_ASSERT_EQUAL_FATAL(optim_init(&o, &s, &tm.m), MNL_OK);
    CU_ASSERT_PTR_NOT_NULL_FATAL(o.v);
    set_grads(&tm, 0.5f, -0.1f, -0.25f);
    optim_step(&o, &tm.m);
    ASSERT_NEAR(tm.value[0], 0.9994);
    ASSERT_NEAR(tm.value[1], -1.9997);
    ASSERT_NEAR(tm.value[2], 0.50025);
    ASSERT_NEAR(o.v[0], 3.6e-4);
    ASSERT_NEAR(o.v[2], 6.25e-5);
    set_grads(&tm, -0.2f, 0.3f, 0.1f);
    optim_step(&o, &tm.m);
    ASSERT_NEAR(o.m[0], 0.043994);
    ASSERT_NEAR(o.m[1], -0.016997);
    ASSERT_NEAR(o.m[2], -0.0125);
    ASSERT_NEAR(tm.value[0], 0.999168452632);
    ASSERT_NEAR(tm.value[1], -1.99961054211);
    ASSERT_NEAR(tm.value[2], 0.500315789474);
    optim_free(&o);
}

/* A constant gradient g and no decay: m_t = (1 - 0.9^t) g and v_t = (1 - 0.999^t) g^2, so mhat = g
 * and sqrt(1 - b2^t) / sqrt(v_t) = 1/|g|. Steps 1-5 move w by lr g each: 1 - 5e-3 * 0.5 = 0.9975
 * for g = 0.5. Step 6 is the first rectified one (rho_6 = 5.99416 > 5):
 *   r_6 = sqrt((rho_6 - 4)(rho_6 - 2) 1999 / (1995 * 1997 * rho_6)) = 0.0258211128,
 * and the step is lr sign(g) r_6 (times |g| / (|g| + eps)): w = 0.9975 - 2.58211128e-5. */
static void test_radam_rectifies_from_the_sixth_step(void)
{
    TinyModel tm;
    tiny_model(&tm, 1.0f, 1.0f, 1.0f);
    OptimSpec s;
    radam_spec(&s, 1e-3f, 0.0f);
    Optimizer o;
    CU_ASSERT_EQUAL_FATAL(optim_init(&o, &s, &tm.m), MNL_OK);
    for (int t = 1; t <= 5; t++) {
        set_grads(&tm, 0.5f, -0.1f, 0.0f);
        optim_step(&o, &tm.m);
    }
    ASSERT_NEAR(tm.value[0], 0.9975);
    ASSERT_NEAR(tm.value[1], 1.0005);
    CU_ASSERT_EQUAL(tm.value[2], 1.0f);            /* no gradient, no decay: never moves */
    set_grads(&tm, 0.5f, -0.1f, 0.0f);
    optim_step(&o, &tm.m);
    ASSERT_NEAR(tm.value[0], 0.9975 - 2.58211128e-5);
    ASSERT_NEAR(tm.value[1], 1.0005 + 2.58211128e-5);
    CU_ASSERT_EQUAL(tm.value[2], 1.0f);
    optim_free(&o);
}

/* ---- Lion (Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms", Algorithm 2:
 *   c_t = b1 m_{t-1} + (1 - b1) g_t;  w_t = w_{t-1} - lr (sign(c_t) + decay w_{t-1});
 *   m_t = b2 m_{t-1} + (1 - b2) g_t) ---- */

static void lion_spec(OptimSpec *s, float lr, float weight_decay)
{
    optim_spec_defaults(s, OPT_LION);
    s->lr = lr, s->weight_decay = weight_decay;
}

static void test_lion_defaults_are_the_papers(void)
{
    OptimSpec s;
    optim_spec_defaults(&s, OPT_LION);
    CU_ASSERT_EQUAL(s.lr, 1e-4f);
    CU_ASSERT_EQUAL(s.beta1, 0.9);
    CU_ASSERT_EQUAL(s.beta2, 0.99);
}

/* Algorithm 2 step by step, lr 0.1, decay 0.5 (weights only), b1 0.9, b2 0.99; w = (1, -2),
 * b = 0.5, m = 0.
 * Step 1, g = (0.5, -0.1, 0): c = 0.1 g = (0.05, -0.01, 0), sign (1, -1, 0);
 *   w = (1 - 0.1 (1 + 0.5), -2 - 0.1 (-1 - 1), 0.5 - 0) = (0.85, -1.8, 0.5) (sign(0) = 0: b stays);
 *   m = 0.01 g = (0.005, -0.001, 0).
 * Step 2, g = (-0.02, 0.3, 0.2): c = 0.9 m + 0.1 g = (0.0025, 0.0291, 0.02), sign (1, 1, 1): the
 *   first weight still moves down, its momentum outweighing a gradient of the other sign;
 *   w = (0.85 - 0.1 (1 + 0.425), -1.8 - 0.1 (1 - 0.9), 0.5 - 0.1) = (0.7075, -1.81, 0.4);
 *   m = 0.99 m + 0.01 g = (0.00475, 0.00201, 0.002). */
static void test_lion_follows_the_published_update_step_by_step(void)
{
    TinyModel tm;
    tiny_model(&tm, 1.0f, -2.0f, 0.5f);
    OptimSpec s;
    lion_spec(&s, 0.1f, 0.5f);
    Optimizer o;
    CU_ASSERT_EQUAL_FATAL(optim_init(&o, &s, &tm.m), MNL_OK);
    CU_ASSERT(o.m != NULL && o.v == NULL);      /* one buffer */
    set_grads(&tm, 0.5f, -0.1f, 0.0f);
    optim_step(&o, &tm.m);
    ASSERT_NEAR(tm.value[0], 0.85);
    ASSERT_NEAR(tm.value[1], -1.8);
    CU_ASSERT_EQUAL(tm.value[2], 0.5f);
    ASSERT_NEAR(o.m[0], 0.005);
    ASSERT_NEAR(o.m[1], -0.001);
    CU_ASSERT_EQUAL(o.m[2], 0.0f);
    set_grads(&tm, -0.02f, 0.3f, 0.2f);
    optim_step(&o, &tm.m);
    ASSERT_NEAR(tm.value[0], 0.7075);
    ASSERT_NEAR(tm.value[1], -1.81);
    ASSERT_NEAR(tm.value[2], 0.4);
    ASSERT_NEAR(o.m[0], 0.00475);
    ASSERT_NEAR(o.m[1], 0.00201);
    ASSERT_NEAR(o.m[2], 0.002);
    optim_free(&o);
}

/* The sign makes every step the same size: gradients of 1e-6 and 100 move their weights by lr. */
static void test_lion_step_size_does_not_depend_on_the_gradient_size(void)
{
    TinyModel tm;
    tiny_model(&tm, 0.0f, 0.0f, 0.0f);
    OptimSpec s;
    lion_spec(&s, 0.01f, 0.0f);
    Optimizer o;
    CU_ASSERT_EQUAL_FATAL(optim_init(&o, &s, &tm.m), MNL_OK);
    set_grads(&tm, 1e-6f, -100.0f, 3.0f);
    optim_step(&o, &tm.m);
    CU_ASSERT_EQUAL(tm.value[0], -0.01f);
    CU_ASSERT_EQUAL(tm.value[1], 0.01f);
    CU_ASSERT_EQUAL(tm.value[2], -0.01f);
    optim_free(&o);
}

static void test_adam_never_decays_biases(void)
{
    TinyModel tm;
    tiny_model(&tm, 1.0f, -2.0f, 0.5f);
    set_grads(&tm, 0.0f, 0.0f, 0.0f);
    OptimSpec s;
    adam_spec(&s, 1e-3f, 0.5f);
    Optimizer o;
    CU_ASSERT_EQUAL_FATAL(optim_init(&o, &s, &tm.m), MNL_OK);
    optim_step(&o, &tm.m);
    ASSERT_NEAR(tm.value[0], 0.999);     /* decay alone moves weights by lr towards 0 */
    ASSERT_NEAR(tm.value[1], -1.999);
    CU_ASSERT_EQUAL(tm.value[2], 0.5f);
    CU_ASSERT_EQUAL(o.m[2], 0.0f);
    CU_ASSERT_EQUAL(o.v[2], 0.0f);
    optim_free(&o);
}

static void test_optim_allocates_only_the_buffers_it_uses(void)
{
    TinyModel tm;
    tiny_model(&tm, 1.0f, -2.0f, 0.5f);
    OptimSpec s;
    Optimizer o;
    sgd_spec(&s, 0.1f, 0.0f, 0.0f);
    CU_ASSERT_EQUAL_FATAL(optim_init(&o, &s, &tm.m), MNL_OK);
    CU_ASSERT(o.m == NULL && o.v == NULL && o.n == 3 && o.step == 0);
    optim_free(&o);
    sgd_spec(&s, 0.1f, 0.0f, 0.9f);
    CU_ASSERT_EQUAL_FATAL(optim_init(&o, &s, &tm.m), MNL_OK);
    CU_ASSERT(o.m != NULL && o.v == NULL);
    optim_free(&o);
    adam_spec(&s, 1e-3f, 0.0f);
    CU_ASSERT_EQUAL_FATAL(optim_init(&o, &s, &tm.m), MNL_OK);
    CU_ASSERT(o.m != NULL && o.v != NULL);
    CU_ASSERT(o.m[0] == 0.0f && o.m[2] == 0.0f && o.v[0] == 0.0f && o.v[2] == 0.0f);
    optim_free(&o);
}

static void expect_rejected(const OptimSpec *s, const TinyModel *tm, const char *field)
{
    Optimizer o;
    mnl_clear_error();
    CU_ASSERT_EQUAL(optim_init(&o, s, &tm->m), MNL_ERR_ARG);
    CU_ASSERT_PTR_NOT_NULL(strstr(mnl_last_error(), field));
    CU_ASSERT(o.m == NULL && o.v == NULL);
}

static void test_optim_init_rejects_out_of_range_settings(void)
{
    TinyModel tm;
    tiny_model(&tm, 1.0f, -2.0f, 0.5f);
    OptimSpec s;
    sgd_spec(&s, -0.1f, 0.0f, 0.0f);
    expect_rejected(&s, &tm, "lr");
    sgd_spec(&s, NAN, 0.0f, 0.0f);
    expect_rejected(&s, &tm, "lr");
    sgd_spec(&s, 0.1f, -1e-4f, 0.0f);
    expect_rejected(&s, &tm, "l2");
    adam_spec(&s, 1e-3f, 0.0f);
    s.beta1 = 1.0;
    expect_rejected(&s, &tm, "beta1");
    adam_spec(&s, 1e-3f, 0.0f);
    s.eps = 0.0;
    expect_rejected(&s, &tm, "eps");
    radam_spec(&s, 1e-3f, 0.0f);
    s.beta2 = 1.0;
    expect_rejected(&s, &tm, "beta2");
    lion_spec(&s, 1e-4f, -0.1f);
    expect_rejected(&s, &tm, "weight_decay");
    lion_spec(&s, 1e-4f, 0.0f);
    s.beta1 = -0.5;
    expect_rejected(&s, &tm, "beta1");
}

/* Weights after seven steps (RAdam rectifies from the sixth) of the optimizer `kind` on one tensor of n values (random, seeded),
 * with `threads` threads and at most instruction set `isa`. */
static float *seven_steps(OptimKind kind, size_t n, int threads, Isa isa)
{
    float *value = malloc(sizeof(float) * n), *grad = malloc(sizeof(float) * n);
    ParamTensor t = {.name = "w", .value = value, .grad = grad, .n = n, .is_weight = 1, .rank = 1,
                     .shape = {(int)n}};
    Model m;
    memset(&m, 0, sizeof m);
    m.param_block = value, m.grad_block = grad, m.n_param_values = n;
    m.params = &t, m.n_params = 1, m.threads = threads;
    unsigned x = 12345;
    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        value[i] = (float)(x >> 8) / (float)(1 << 24) - 0.5f;
    }
    OptimSpec s;
    optim_spec_defaults(&s, kind);
    s.weight_decay = kind != OPT_SGD ? 0.01f : 0.0f;
    s.l2 = kind == OPT_SGD ? 1e-3f : 0.0f;
    s.momentum = kind == OPT_SGD ? 0.9f : 0.0f;
    Optimizer o;
    isa_limit(isa);
    if (optim_init(&o, &s, &m) == 0) {
        for (int step = 0; step < 7; step++) {
            for (size_t i = 0; i < n; i++) {
                x = x * 1103515245u + 12345u;
                grad[i] = (float)(x >> 8) / (float)(1 << 20) - 8.0f;
            }
            optim_step(&o, &m);
        }
        optim_free(&o);
    }
    isa_limit(ISA_AVX512);
    free(grad);
    return value;
}

static void test_vector_and_threaded_updates_equal_the_scalar_loop_bitwise(void)
{
    const size_t n = 100003;     /* large enough to be split among threads; not a multiple of 16 */
    for (int kind = OPT_SGD; kind <= OPT_LION; kind++) {
        float *scalar = seven_steps((OptimKind)kind, n, 1, ISA_C);
        float *avx2 = seven_steps((OptimKind)kind, n, 2, ISA_AVX2);
        float *best = seven_steps((OptimKind)kind, n, 3, ISA_AVX512);
        CU_ASSERT(memcmp(scalar, avx2, sizeof(float) * n) == 0);
        CU_ASSERT(memcmp(scalar, best, sizeof(float) * n) == 0);
        free(scalar), free(avx2), free(best);
    }
}

int register_optim_tests(void)
{
    CU_pSuite s = CU_add_suite("optim", NULL, NULL);
    if (!s)
        return -1;
    if (!CU_add_test(s, "defaults_match_pytorch", test_defaults_match_pytorch) ||
        !CU_add_test(s, "sgd_step_adds_l2_to_weights_only", test_sgd_step_adds_l2_to_weights_only) ||
        !CU_add_test(s, "sgd_never_decays_biases", test_sgd_never_decays_biases) ||
        !CU_add_test(s, "sgd_momentum_accumulates_over_two_steps",
                     test_sgd_momentum_accumulates_over_two_steps) ||
        !CU_add_test(s, "sgd_nesterov_steps_from_where_momentum_carries",
                     test_sgd_nesterov_steps_from_where_momentum_carries) ||
        !CU_add_test(s, "adamw_decays_apart_from_the_moments", test_adamw_decays_apart_from_the_moments) ||
        !CU_add_test(s, "adam_first_step_matches_hand_computation",
                     test_adam_first_step_matches_hand_computation) ||
        !CU_add_test(s, "adam_second_step_matches_hand_computation",
                     test_adam_second_step_matches_hand_computation) ||
        !CU_add_test(s, "adam_never_decays_biases", test_adam_never_decays_biases) ||
        !CU_add_test(s, "radam_first_steps_are_momentum_alone",
                     test_radam_first_steps_are_momentum_alone) ||
        !CU_add_test(s, "radam_rectifies_from_the_sixth_step", test_radam_rectifies_from_the_sixth_step) ||
        !CU_add_test(s, "lion_defaults_are_the_papers", test_lion_defaults_are_the_papers) ||
        !CU_add_test(s, "lion_follows_the_published_update_step_by_step",
                     test_lion_follows_the_published_update_step_by_step) ||
        !CU_add_test(s, "lion_step_size_does_not_depend_on_the_gradient_size",
                     test_lion_step_size_does_not_depend_on_the_gradient_size) ||
        !CU_add_test(s, "optim_allocates_only_the_buffers_it_uses",
                     test_optim_allocates_only_the_buffers_it_uses) ||
        !CU_add_test(s, "optim_init_rejects_out_of_range_settings",
                     test_optim_init_rejects_out_of_range_settings) ||
        !CU_add_test(s, "vector_and_threaded_updates_equal_the_scalar_loop_bitwise",
                     test_vector_and_threaded_updates_equal_the_scalar_loop_bitwise))
        return -1;
    return 0;
}
