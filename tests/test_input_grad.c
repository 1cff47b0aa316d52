/* tests/test_input_grad: the gradient of each image's loss with respect to its pixels, on the fast
 * and the reference path, against finite differences (central, EPS = 1e-3 or 1e-2, the tolerance of
 * the whole-model check of test_families: an element passes when |analytic - numeric| /
 * max(|analytic| + |numeric|, 1e-3) <= 2e-2), against softmax regression's closed form W^T (p - onehot(y)), and the fast
 * gradient sign method built on it. */
#include <CUnit/CUnit.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "common/error.h"
#include "models/input_grad.h"
#include "models/layers.h"
#include "models/model.h"
#include "tests/test_util.h"

#define EPS 1e-3
#define EPS_LARGE 1e-2
#define REL_FLOOR 1e-3
#define GRAD_TOL 2e-2
#define B 3

static ModelSpec spec_of(const char *family, const char *layers, HeadKind head, int classes)
{
    ModelSpec s;
    memset(&s, 0, sizeof s);
    snprintf(s.family, sizeof s.family, "%s", family);
    snprintf(s.layers, sizeof s.layers, "%s", layers ? layers : "");
    s.in_c = 1, s.in_h = 8, s.in_w = 7, s.num_classes = classes, s.head = head;
    s.init = INIT_PYTORCH;
    if (!strcmp(family, "mlp"))
        s.hidden[0] = 9, s.hidden[1] = 5, s.n_hidden = 2, s.dropout = 0.3f;   /* off when testing */
    return s;
}

typedef struct {
    Model m;
    float x[B * 56], dx[B * 56];
    int y[B];
} Rig;

/* A trained batch norm is no identity: gamma in [0.5, 2], beta in [-1, 1], a running mean in
 * [-1, 1] and variance in [0.2, 3] per channel, so a backward that ignored any of them fails. */
static void scramble_batchnorm(Model *m, gsl_rng *rng)
{
    for (int i = 0; i < m->n_layers; i++) {
        const Layer *l = &m->layers[i];
        if (strcmp(l->kind->name, "batchnorm") != 0)
            continue;
        float *gamma = m->param_block + l->param_off, *beta = gamma + l->n_w;
        float *mean = beta + l->n_b, *var = mean + l->n_s;
        for (size_t c = 0; c < l->n_w; c++) {
            gamma[c] = (float)gsl_ran_flat(rng, 0.5, 2.0);
            beta[c] = (float)gsl_ran_flat(rng, -1.0, 1.0);
            mean[c] = (float)gsl_ran_flat(rng, -1.0, 1.0);
            var[c] = (float)gsl_ran_flat(rng, 0.2, 3.0);
        }
    }
}

static int rig_make(Rig *r, const ModelSpec *s, Kernels k)
{
    memset(r, 0, sizeof *r);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 17);
    int rc = model_build(&r->m, s, rng);
    if (!rc)
        rc = model_alloc_batch(&r->m, B);
    if (!rc) {
        r->m.kernels = k;
        scramble_batchnorm(&r->m, rng);
        for (int i = 0; i < B * 56; i++)
            r->x[i] = (float)gsl_ran_flat(rng, -1, 1);
        for (int i = 0; i < B; i++)
            r->y[i] = (int)gsl_rng_uniform_int(rng, (unsigned long)s->num_classes);
    }
    gsl_rng_free(rng);
    return rc;
}

/* The sum of the B images' losses, evaluation mode. */
static double loss_sum(Rig *r)
{
    model_forward(&r->m, r->x, B, 0);
    return B * model_loss(&r->m, r->y, B, NULL);
}

/* Relative error of analytic gradient a against the central difference of the loss in x[i] with
 * step h. */
static double fd_error(Rig *r, int i, double a, double h)
{
    float keep = r->x[i], up = (float)(keep + h), down = (float)(keep - h);
    r->x[i] = up;
    double lp = loss_sum(r);
    r->x[i] = down;
    double lm = loss_sum(r);
    r->x[i] = keep;
    double num = (lp - lm) / ((double)up - (double)down);
    return fabs(a - num) / fmax(fabs(a) + fabs(num), REL_FLOOR);
}

/* Worst relative error of the input gradient against central differences on path k. A pixel
 * passes at either step: at EPS the float32 rounding of the loss (about 3e-5 in a difference
 * quotient) is a few percent of the smallest input gradients; at EPS_LARGE that noise is ten
 * times smaller, but a ReLU or max-pool switch may lie within reach. A wrong gradient fails at
 * both. */
static double input_grad_error(const ModelSpec *s, Kernels k)
{
    Rig r;
    if (rig_make(&r, s, k))
        return 1e9;
    double worst = 1e9;
    if (model_input_gradient(&r.m, r.x, r.y, B, r.dx, NULL) == MNL_OK) {
        worst = 0.0;
        for (int i = 0; i < B * 56; i++)
            worst = fmax(worst, fmin(fd_error(&r, i, r.dx[i], EPS), fd_error(&r, i, r.dx[i],
                                                                             EPS_LARGE)));
    }
    model_free(&r.m);
    return worst;
}

static void check_both_paths(const ModelSpec *s)
{
    double fast = input_grad_error(s, KERNELS_FAST), ref = input_grad_error(s, KERNELS_REFERENCE);
    if (fast >= GRAD_TOL || ref >= GRAD_TOL)
        fprintf(stderr, "\n    %s: worst relative error fast %.3g, reference %.3g", s->family, fast,
                ref);
    CU_ASSERT(fast < GRAD_TOL);
    CU_ASSERT(ref < GRAD_TOL);
}

static void test_input_gradient_of_softmax_matches_finite_differences(void)
{
    ModelSpec s = spec_of("softmax", NULL, HEAD_SOFTMAX, 4);
    check_both_paths(&s);
}

static void test_input_gradient_of_an_mlp_with_dropout_matches_finite_differences(void)
{
    ModelSpec s = spec_of("mlp", NULL, HEAD_SOFTMAX, 3);
    check_both_paths(&s);
}

static void test_input_gradient_of_a_cnn_matches_finite_differences(void)
{
    ModelSpec s = spec_of("cnn", "conv 2 3 pad 1, relu, maxpool 2, conv 3 3, tanh, dense 4",
                          HEAD_SOFTMAX, 4);
    check_both_paths(&s);
}

static void test_input_gradient_of_a_sigmoid_cnn_matches_finite_differences(void)
{
    ModelSpec s = spec_of("cnn", "conv 2 3, relu, maxpool 2, dense 1", HEAD_SIGMOID, 2);
    check_both_paths(&s);
}

/* Softmax regression, z = W x + b: d loss_i / d x_i = W^T (softmax(z_i) - onehot(y_i)), exactly. */
static void test_input_gradient_of_softmax_is_w_transpose_times_the_error(void)
{
    ModelSpec s = spec_of("softmax", NULL, HEAD_SOFTMAX, 4);
    Rig r;
    CU_ASSERT_EQUAL_FATAL(rig_make(&r, &s, KERNELS_REFERENCE), MNL_OK);
    CU_ASSERT_EQUAL_FATAL(model_input_gradient(&r.m, r.x, r.y, B, r.dx, NULL), MNL_OK);
    const float *w = r.m.params[0].value, *bias = r.m.params[1].value;   /* [4, 56], [4] */
    double worst = 0.0;
    for (int i = 0; i < B; i++) {
        double z[4], zmax = -INFINITY, sum = 0.0;
        for (int k = 0; k < 4; k++) {
            z[k] = bias[k];
            for (int p = 0; p < 56; p++)
                z[k] += (double)w[k * 56 + p] * r.x[i * 56 + p];
            zmax = fmax(zmax, z[k]);
        }
        for (int k = 0; k < 4; k++)
            sum += exp(z[k] - zmax);
        for (int p = 0; p < 56; p++) {
            double g = 0.0;
            for (int k = 0; k < 4; k++)
                g += w[k * 56 + p] * (exp(z[k] - zmax) / sum - (k == r.y[i]));
            worst = fmax(worst, fabs(g - r.dx[i * 56 + p]));
        }
    }
    CU_ASSERT(worst < 1e-6);
    model_free(&r.m);
}

/* Saliency of softmax regression: d z_c / d x = W[c], exactly, whatever the image; of a CNN, the
 * central difference of the class's logit (EPS_LARGE: a logit is no sum of B losses, its rounding
 * noise is smaller, but the ReLUs are the same), on both paths. */
static void test_saliency_is_the_gradient_of_the_class_score(void)
{
    ModelSpec s = spec_of("softmax", NULL, HEAD_SOFTMAX, 4);
    Rig r;
    CU_ASSERT_EQUAL_FATAL(rig_make(&r, &s, KERNELS_FAST), MNL_OK);
    const int cls[B] = {2, 0, 3};
    CU_ASSERT_EQUAL_FATAL(model_saliency(&r.m, r.x, cls, B, r.dx), MNL_OK);
    int exact = 1;
    for (int i = 0; i < B; i++)
        for (int p = 0; p < 56; p++)
            exact &= r.dx[i * 56 + p] == r.m.params[0].value[cls[i] * 56 + p];
    CU_ASSERT(exact);
    model_free(&r.m);
    s = spec_of("cnn", "conv 2 3 pad 1, relu, maxpool 2, conv 3 3, tanh, dense 4", HEAD_SOFTMAX, 4);
    for (int k = KERNELS_FAST; k <= KERNELS_REFERENCE; k++) {
        CU_ASSERT_EQUAL_FATAL(rig_make(&r, &s, (Kernels)k), MNL_OK);
        CU_ASSERT_EQUAL_FATAL(model_saliency(&r.m, r.x, cls, B, r.dx), MNL_OK);
        double worst = 0.0;
        for (int i = 0; i < B * 56; i++) {
            const int img = i / 56;
            float keep = r.x[i], up = (float)(keep + EPS_LARGE), down = (float)(keep - EPS_LARGE);
            r.x[i] = up;
            double zp = model_forward(&r.m, r.x, B, 0)[img * 4 + cls[img]];
            r.x[i] = down;
            double zm = model_forward(&r.m, r.x, B, 0)[img * 4 + cls[img]];
            r.x[i] = keep;
            double num = (zp - zm) / ((double)up - (double)down), a = r.dx[i];
            worst = fmax(worst, fabs(a - num) / fmax(fabs(a) + fabs(num), REL_FLOOR));
        }
        CU_ASSERT(worst < GRAD_TOL);
        model_free(&r.m);
    }
}

/* The two paths agree to rounding; the parameter gradients are left at zero, the hook detached. */
static void test_input_gradient_fast_equals_reference_and_leaves_no_trace(void)
{
    ModelSpec s = spec_of("cnn", "conv 3 3 pad 1, relu, maxpool 2, dense 5, relu, dense 4",
                          HEAD_SOFTMAX, 4);
    Rig f, r;
    CU_ASSERT_EQUAL_FATAL(rig_make(&f, &s, KERNELS_FAST), MNL_OK);
    CU_ASSERT_EQUAL_FATAL(rig_make(&r, &s, KERNELS_REFERENCE), MNL_OK);
    double lf, lr;
    CU_ASSERT_EQUAL(model_input_gradient(&f.m, f.x, f.y, B, f.dx, &lf), MNL_OK);
    CU_ASSERT_EQUAL(model_input_gradient(&r.m, r.x, r.y, B, r.dx, &lr), MNL_OK);
    CU_ASSERT_DOUBLE_EQUAL(lf, lr, 1e-6);
    double worst = 0.0, size = 0.0;
    for (int i = 0; i < B * 56; i++)
        worst = fmax(worst, fabs(f.dx[i] - r.dx[i])), size = fmax(size, fabs(r.dx[i]));
    CU_ASSERT(size > 1e-3 && worst < 1e-5 * (1.0 + size));
    int zero = 1;
    for (size_t i = 0; i < f.m.n_param_values; i++)
        zero &= f.m.grad_block[i] == 0.0f;
    CU_ASSERT(zero);
    CU_ASSERT_PTR_NULL(f.m.dinput);
    model_free(&f.m), model_free(&r.m);
}

/* In evaluation batch norm is an affine map per channel with its running statistics: the input
 * gradient goes through it (after a conv and after a dense) on both paths. */
static void test_input_gradient_through_batchnorm_matches_finite_differences(void)
{
    ModelSpec s = spec_of("cnn", "conv 2 3, batchnorm, relu, maxpool 2, dense 5, batchnorm, tanh, "
                          "dense 3", HEAD_SOFTMAX, 3);
    check_both_paths(&s);
}

/* The two paths' evaluation-mode batch-norm backward agree to rounding, gamma's and beta's
 * gradients included (the input gradient then zeroes them, so they are read off one backward). */
static void test_batchnorm_eval_backward_fast_equals_reference(void)
{
    ModelSpec s = spec_of("cnn", "conv 3 3 pad 1, batchnorm, relu, dense 4", HEAD_SOFTMAX, 4);
    Rig f, r;
    CU_ASSERT_EQUAL_FATAL(rig_make(&f, &s, KERNELS_FAST), MNL_OK);
    CU_ASSERT_EQUAL_FATAL(rig_make(&r, &s, KERNELS_REFERENCE), MNL_OK);
    Rig *rigs[2] = {&f, &r};
    for (int k = 0; k < 2; k++) {
        Model *m = &rigs[k]->m;
        model_forward(m, rigs[k]->x, B, 0);
        model_loss(m, rigs[k]->y, B, NULL);
        model_zero_grad(m);
        m->dinput = rigs[k]->dx;
        model_backward(m, rigs[k]->x, B);
        m->dinput = NULL;
    }
    double worst = 0.0, size = 0.0;
    for (size_t i = 0; i < f.m.n_param_values; i++)
        worst = fmax(worst, fabs(f.m.grad_block[i] - r.m.grad_block[i])),
        size = fmax(size, fabs(r.m.grad_block[i]));
    for (int i = 0; i < B * 56; i++)
        worst = fmax(worst, fabs(f.dx[i] - r.dx[i])), size = fmax(size, fabs(r.dx[i]));
    CU_ASSERT(size > 1e-3 && worst < 1e-5 * (1.0 + size));
    const Layer *bn = &f.m.layers[1];
    const float *dgamma = f.m.grad_block + bn->param_off;
    CU_ASSERT(dgamma[0] != 0.0f);       /* the parameters' share was computed */
    model_free(&f.m), model_free(&r.m);
}

static void test_input_gradient_refuses_oversized_batches(void)
{
    ModelSpec s = spec_of("softmax", NULL, HEAD_SOFTMAX, 3);
    Rig r;
    CU_ASSERT_EQUAL_FATAL(rig_make(&r, &s, KERNELS_FAST), MNL_OK);
    CU_ASSERT_EQUAL(model_input_gradient(&r.m, r.x, r.y, B + 1, r.dx, NULL), MNL_ERR_ARG);
    model_free(&r.m);
}

/* FGSM: every pixel moves by exactly eps along its gradient's sign unless the range clips it, and
 * the loss of every image rises (a small step up a smooth loss). */
static void test_fgsm_moves_every_pixel_by_eps_up_the_loss_within_range(void)
{
    ModelSpec s = spec_of("mlp", NULL, HEAD_SOFTMAX, 3);
    Rig r;
    CU_ASSERT_EQUAL_FATAL(rig_make(&r, &s, KERNELS_FAST), MNL_OK);
    float adv[B * 56], dx[B * 56];
    const float eps = 0.01f, lo = -0.995f, hi = 1.0f;
    CU_ASSERT_EQUAL_FATAL(model_fgsm(&r.m, r.x, r.y, B, eps, lo, hi, dx, adv), MNL_OK);
    int moved = 1, clipped = 0;
    for (int i = 0; i < B * 56; i++) {
        float want = r.x[i] + eps * (float)((dx[i] > 0) - (dx[i] < 0));
        if (want < lo || want > hi)
            clipped++, moved &= adv[i] == (want < lo ? lo : hi);
        else
            moved &= adv[i] == want;
    }
    CU_ASSERT(moved);
    CU_ASSERT(clipped > 0);             /* x is drawn from [-1, 1]: some pixels reach the edge */
    double before[B], after[B];
    for (int i = 0; i < B; i++) {
        model_forward(&r.m, r.x + i * 56, 1, 0);
        before[i] = model_loss(&r.m, r.y + i, 1, NULL);
        model_forward(&r.m, adv + i * 56, 1, 0);
        after[i] = model_loss(&r.m, r.y + i, 1, NULL);
        CU_ASSERT(after[i] > before[i]);
    }
    CU_ASSERT_EQUAL(model_fgsm(&r.m, r.x, r.y, B, -0.1f, lo, hi, dx, adv), MNL_ERR_ARG);
    model_free(&r.m);
}

/* `features --saliency` draws the map for a trained model's test image; --weights with it is
 * refused. */
static void test_features_saliency_draws_the_map(void)
{
    if (!test_need_mnist())
        return;
    char args[2400], run[800];
    snprintf(run, sizeof run, "%s", test_path("saliency-run"));
    snprintf(args, sizeof args, "train experiments/mlp.conf --set 'data.subset=2000 500' --set "
             "train.epochs=1 --set model.hidden=16 --no-live --out %s", run);
    CU_ASSERT_EQUAL_FATAL(test_run_program(NULL, args, 0, test_path("ig.out"), test_path("ig.err")), 0);
    snprintf(args, sizeof args, "features %s/model.ckpt --saliency --index 3 --out %s/sal", run, run);
    CU_ASSERT_EQUAL_FATAL(test_run_program(NULL, args, 0, test_path("ig.out"), test_path("ig.err")), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(test_slurp(test_path("ig.out")), "saliency.png"));
    char png[900];
    snprintf(png, sizeof png, "%s/sal/saliency.png", run);
    unsigned w = 0, h = 0;
    CU_ASSERT_EQUAL(test_png_size(png, &w, &h), 0);
    CU_ASSERT(w > 300 && h > 200);
    snprintf(args, sizeof args, "features %s/model.ckpt --saliency --weights", run);
    CU_ASSERT_NOT_EQUAL(test_run_program(NULL, args, 0, test_path("ig.out"), test_path("ig.err")), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(test_slurp(test_path("ig.err")), "--weights or --saliency"));
}

/* The accuracy at each eps of `attack` from its attack.csv: acc[0..n). */
static int read_attack_csv(const char *path, double *acc, int max)
{
    const char *t = test_slurp(path);
    int n = 0;
    for (const char *l = t ? strchr(t, '\n') : NULL; l && n < max; l = strchr(l + 1, '\n')) {
        double eps, a;
        if (sscanf(l + 1, "%lf,%lf", &eps, &a) == 2)
            acc[n++] = a;
    }
    return n;
}

/* `mnistlab attack`: at eps 0 the accuracy is the run's own test accuracy; it falls as eps grows;
 * the reference path agrees with the fast one at eps 0 exactly; flipped digits are drawn; a
 * fitted family, a falling eps list and a step above 1 are refused by name. */
static void test_attack_lowers_accuracy_with_eps_on_both_paths(void)
{
    if (!test_need_mnist())
        return;
    char args[2400], run[800], csv[900], png[900];
    snprintf(run, sizeof run, "%s", test_path("attack-run"));
    snprintf(args, sizeof args, "train experiments/mlp.conf --set 'data.subset=3000 400' --set "
             "train.epochs=2 --set model.hidden=32 --no-live --out %s", run);
    CU_ASSERT_EQUAL_FATAL(test_run_program(NULL, args, 0, test_path("ig.out"), test_path("ig.err")), 0);
    snprintf(args, sizeof args, "attack %s --eps '0 0.1 0.3'", run);
    CU_ASSERT_EQUAL_FATAL(test_run_program(NULL, args, 0, test_path("ig.out"), test_path("ig.err")), 0);
    snprintf(csv, sizeof csv, "%s/attack.csv", run);
    snprintf(png, sizeof png, "%s/attack.png", run);
    double fast[4] = {0}, ref[4] = {0};
    CU_ASSERT_EQUAL_FATAL(read_attack_csv(csv, fast, 4), 3);
    char summary[900], v[64] = "";
    snprintf(summary, sizeof summary, "%s/summary.txt", run);
    const char *st = strstr(test_slurp(summary), "final_test_acc = ");
    CU_ASSERT_FATAL(st != NULL);
    sscanf(st, "final_test_acc = %63s", v);
    CU_ASSERT_DOUBLE_EQUAL(fast[0], atof(v), 1e-6);
    CU_ASSERT(fast[0] > 0.8 && fast[1] < fast[0] - 0.1 && fast[2] < fast[1]);
    unsigned w = 0, h = 0;
    CU_ASSERT_EQUAL(test_png_size(png, &w, &h), 0);
    CU_ASSERT(w > 600 && h > 300);
    CU_ASSERT_PTR_NOT_NULL(strstr(test_slurp(test_path("ig.out")), "digits flipped at eps 0.10"));
    snprintf(args, sizeof args, "attack %s/model.ckpt --eps '0 0.1 0.3' --kernels reference", run);
    CU_ASSERT_EQUAL_FATAL(test_run_program(NULL, args, 0, test_path("ig.out"), test_path("ig.err")), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(test_slurp(test_path("ig.out")), "reference path"));
    CU_ASSERT_EQUAL_FATAL(read_attack_csv(csv, ref, 4), 3);
    CU_ASSERT_EQUAL(ref[0], fast[0]);
    CU_ASSERT(fabs(ref[1] - fast[1]) <= 0.01 && fabs(ref[2] - fast[2]) <= 0.01);
    snprintf(args, sizeof args, "attack %s --eps '0.1 0.05'", run);
    CU_ASSERT_EQUAL(test_run_program(NULL, args, 0, test_path("ig.out"), test_path("ig.err")), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(test_slurp(test_path("ig.err")), "give the steps rising"));
    snprintf(args, sizeof args, "attack %s --eps '0 1.5'", run);
    CU_ASSERT_EQUAL(test_run_program(NULL, args, 0, test_path("ig.out"), test_path("ig.err")), 2);
    snprintf(run, sizeof run, "%s", test_path("attack-knn"));
    snprintf(args, sizeof args, "train experiments/knn.conf --set 'data.subset=500 100' --no-live "
             "--out %s", run);
    CU_ASSERT_EQUAL_FATAL(test_run_program(NULL, args, 0, test_path("ig.out"), test_path("ig.err")), 0);
    snprintf(args, sizeof args, "attack %s", run);
    CU_ASSERT_EQUAL(test_run_program(NULL, args, 0, test_path("ig.out"), test_path("ig.err")), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(test_slurp(test_path("ig.err")), "has no gradient with respect"));
}

int register_input_grad_tests(void)
{
    CU_pSuite s = CU_add_suite("input_grad", NULL, NULL);
    if (!s)
        return -1;
    static const struct {
        const char *name;
        void (*fn)(void);
    } tests[] = {
        {"input_gradient_of_softmax_matches_finite_differences",
         test_input_gradient_of_softmax_matches_finite_differences},
        {"input_gradient_of_an_mlp_with_dropout_matches_finite_differences",
         test_input_gradient_of_an_mlp_with_dropout_matches_finite_differences},
        {"input_gradient_of_a_cnn_matches_finite_differences",
         test_input_gradient_of_a_cnn_matches_finite_differences},
        {"input_gradient_of_a_sigmoid_cnn_matches_finite_differences",
         test_input_gradient_of_a_sigmoid_cnn_matches_finite_differences},
        {"input_gradient_of_softmax_is_w_transpose_times_the_error",
         test_input_gradient_of_softmax_is_w_transpose_times_the_error},
        {"input_gradient_fast_equals_reference_and_leaves_no_trace",
         test_input_gradient_fast_equals_reference_and_leaves_no_trace},
        {"input_gradient_through_batchnorm_matches_finite_differences",
         test_input_gradient_through_batchnorm_matches_finite_differences},
        {"batchnorm_eval_backward_fast_equals_reference",
         test_batchnorm_eval_backward_fast_equals_reference},
        {"input_gradient_refuses_oversized_batches", test_input_gradient_refuses_oversized_batches},
        {"saliency_is_the_gradient_of_the_class_score",
         test_saliency_is_the_gradient_of_the_class_score},
        {"fgsm_moves_every_pixel_by_eps_up_the_loss_within_range",
         test_fgsm_moves_every_pixel_by_eps_up_the_loss_within_range},
        {"attack_lowers_accuracy_with_eps_on_both_paths",
         test_attack_lowers_accuracy_with_eps_on_both_paths},
        {"features_saliency_draws_the_map", test_features_saliency_draws_the_map},
    };
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++)
        if (!CU_add_test(s, tests[i].name, tests[i].fn))
            return -1;
    return 0;
}
