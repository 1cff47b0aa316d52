/* tests/test_families: the three families built through the registry: their parameter and FLOP
 * totals, spec errors that name the offending item, initialisers, the summary table, whole-model
 * gradient checks, and that each family can overfit 64 training images.
 *
 * Whole-model gradient check: the mean head loss of a tiny model, central differences with
 * EPS = 1e-3 on every float32 parameter; an element passes when
 * |analytic - numeric| / max(|analytic| + |numeric|, 1e-3) <= 2e-2. Smaller EPS than the layer
 * checks keeps ReLU kinks out of reach; the looser tolerance covers the float32 rounding of the
 * logits that then dominates (measured worst 3.7e-3). */
#include <CUnit/CUnit.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "common/error.h"
#include "common/idx.h"
#include "models/layers.h"
#include "models/model.h"
#include "models/reference/reference.h"
#include "tests/test_util.h"

#define CNN_SPEC   "conv 16 3 pad 1, relu, maxpool 2, conv 32 3 pad 1, relu, maxpool 2, dense 128, " \
                   "relu, dense 10"
#define CNN49_SPEC "conv 4 3, relu, maxpool 2, conv 8 3, relu, maxpool 2, conv 16 3, relu, " \
                   "maxpool 2, dense 1"

#define EPS        1e-3
#define REL_FLOOR  1e-3
#define GRAD_TOL   2e-2

static ModelSpec spec_of(const char *family, const char *layers, HeadKind head, int classes)
{
    ModelSpec s;
    memset(&s, 0, sizeof s);
    snprintf(s.family, sizeof s.family, "%s", family);
    snprintf(s.layers, sizeof s.layers, "%s", layers ? layers : "");
    s.in_c = 1, s.in_h = 28, s.in_w = 28;
    s.num_classes = classes;
    s.head = head;
    s.init = INIT_PYTORCH;
    return s;
}

/* Build; returns the status (the model is freed by model_build on failure). */
static int build(Model *m, const ModelSpec *s, unsigned long seed)
{
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, seed);
    mnl_clear_error();
    int rc = model_build(m, s, rng);
    gsl_rng_free(rng);
    return rc;
}

/* The status of building a cnn from layers, with the detail left in mnl_last_error(). */
static int cnn_error(const char *layers, HeadKind head, int classes)
{
    ModelSpec s = spec_of("cnn", layers, head, classes);
    Model m;
    int rc = build(&m, &s, 1);
    if (rc == 0)
        model_free(&m);
    return rc;
}

/* ---- registry and totals ---- */

static void test_registry_finds_the_nine_families(void)
{
    const char *names[] = {"softmax", "mlp", "cnn", "knn", "svm", "linear", "boosted-trees", "tree",
                           "forest"};
    for (int i = 0; i < 9; i++) {
        CU_ASSERT_PTR_NOT_NULL(model_family_find(names[i]));
        CU_ASSERT_PTR_NOT_NULL(model_family_at(i));
        /* the first three are networks (build), the others fitted (models/fitted.h) */
        CU_ASSERT_EQUAL(model_family_find(names[i])->fitted != NULL, i >= 3);
        CU_ASSERT_EQUAL(model_family_find(names[i])->build != NULL, i < 3);
    }
    CU_ASSERT_PTR_NULL(model_family_find("resnet"));
    CU_ASSERT_PTR_NULL(model_family_at(9));
}

static void test_two_conv_cnn_has_206922_parameters(void)
{
    ModelSpec s = spec_of("cnn", CNN_SPEC, HEAD_SOFTMAX, 10);
    Model m;
    CU_ASSERT_FATAL(build(&m, &s, 1) == 0);
    CU_ASSERT_EQUAL(model_param_count(&m), 206922);
    CU_ASSERT_EQUAL(m.n_layers, 9);
    CU_ASSERT_EQUAL(m.n_params, 8);
    CU_ASSERT_STRING_EQUAL(m.params[0].name, "conv1.weight");
    CU_ASSERT(m.params[0].rank == 4 && m.params[0].shape[0] == 16 && m.params[0].shape[1] == 1 &&
              m.params[0].shape[2] == 3 && m.params[0].shape[3] == 3 && m.params[0].is_weight);
    CU_ASSERT_STRING_EQUAL(m.params[5].name, "dense1.bias");
    CU_ASSERT(m.params[4].rank == 2 && m.params[4].shape[0] == 128 && m.params[4].shape[1] == 1568);
    CU_ASSERT(!m.params[5].is_weight && m.params[5].n == 128);
    model_free(&m);
}

static void test_4v9_cnn_with_sigmoid_head_has_1521_parameters(void)
{
    ModelSpec s = spec_of("cnn", CNN49_SPEC, HEAD_SIGMOID, 2);
    Model m;
    CU_ASSERT_FATAL(build(&m, &s, 1) == 0);
    CU_ASSERT_EQUAL(model_param_count(&m), 1521);
    CU_ASSERT_EQUAL(m.num_outputs, 1);
    model_free(&m);
}

static void test_mflops_count_multiply_adds_of_conv_and_dense_twice(void)
{
    /* 2 * (16*784*9 + 32*196*144 + 1568*128 + 128*10) = 2,436,096; a training step is ~3x,
     * the 7.31 MFLOP/image of the speed issue */
    ModelSpec s = spec_of("cnn", CNN_SPEC, HEAD_SOFTMAX, 10);
    Model m;
    CU_ASSERT_FATAL(build(&m, &s, 1) == 0);
    CU_ASSERT_DOUBLE_EQUAL(model_mflops(&m), 2.436096, 1e-9);
    model_free(&m);
    s = spec_of("mlp", NULL, HEAD_SOFTMAX, 10);
    s.hidden[0] = 256, s.hidden[1] = 128, s.n_hidden = 2;
    CU_ASSERT_FATAL(build(&m, &s, 1) == 0);
    CU_ASSERT_DOUBLE_EQUAL(model_mflops(&m), 0.469504, 1e-9);
    CU_ASSERT_EQUAL(model_param_count(&m), 235146);
    model_free(&m);
}

static void test_softmax_family_is_one_dense_layer(void)
{
    ModelSpec s = spec_of("softmax", NULL, HEAD_SOFTMAX, 10);
    Model m;
    CU_ASSERT_FATAL(build(&m, &s, 1) == 0);
    CU_ASSERT_EQUAL(m.n_layers, 1);
    CU_ASSERT_EQUAL(model_param_count(&m), 7850);
    model_free(&m);
}

static void test_mlp_stacks_dense_relu_dropout_per_hidden_width(void)
{
    ModelSpec s = spec_of("mlp", NULL, HEAD_SOFTMAX, 10);
    s.hidden[0] = 32, s.hidden[1] = 16, s.n_hidden = 2;
    s.dropout = 0.2f;
    Model m;
    CU_ASSERT_FATAL(build(&m, &s, 1) == 0);
    LayerInfo rows[16];
    int n = model_layer_info(&m, rows, 16);
    const char *want[] = {"dense1", "relu1", "dropout1", "dense2", "relu2", "dropout2", "dense3"};
    CU_ASSERT_EQUAL_FATAL(n, 7);
    for (int i = 0; i < n; i++)
        CU_ASSERT_STRING_EQUAL(rows[i].name, want[i]);
    CU_ASSERT_EQUAL(m.layers[2].farg, 0.2f);
    CU_ASSERT(rows[6].out_c == 10 && rows[6].params == 170);
    model_free(&m);
}

/* ---- spec errors name the offending item ---- */

static void test_spec_error_names_a_pool_below_1x1(void)
{
    CU_ASSERT_EQUAL(cnn_error("conv 4 3, relu, maxpool 2, conv 8 3, relu, maxpool 2, conv 16 3, "
                              "relu, maxpool 2, maxpool 2, dense 10", HEAD_SOFTMAX, 10), MNL_ERR_SPEC);
    CU_ASSERT_STRING_EQUAL(mnl_last_error(), "layer 10 \"maxpool 2\": input 1x1 is too small to pool");
}

static void test_spec_error_names_an_unknown_kind(void)
{
    CU_ASSERT_EQUAL(cnn_error("conv 4 3, relu, pool 2, dense 10", HEAD_SOFTMAX, 10), MNL_ERR_SPEC);
    CU_ASSERT(strncmp(mnl_last_error(), "layer 3 \"pool 2\": unknown layer kind \"pool\"", 43) == 0);
}

static void test_spec_error_names_a_bad_number(void)
{
    CU_ASSERT_EQUAL(cnn_error("conv 4x 3, relu, dense 10", HEAD_SOFTMAX, 10), MNL_ERR_SPEC);
    CU_ASSERT_STRING_EQUAL(mnl_last_error(), "layer 1 \"conv 4x 3\": \"4x\" is not a whole number");
}

static void test_spec_error_names_a_kernel_larger_than_its_input(void)
{
    CU_ASSERT_EQUAL(cnn_error("conv 4 5, maxpool 2, maxpool 2, maxpool 2, conv 4 5 pad 0, dense 10",
                              HEAD_SOFTMAX, 10), MNL_ERR_SPEC);
    CU_ASSERT_STRING_EQUAL(mnl_last_error(), "layer 5 \"conv 4 5 pad 0\": kernel 5x5 is larger than "
                                             "its padded input 3x3");
}

static void test_spec_error_names_a_final_width_that_misses_the_head(void)
{
    CU_ASSERT_EQUAL(cnn_error("conv 4 3, relu, dense 5", HEAD_SOFTMAX, 10), MNL_ERR_SPEC);
    CU_ASSERT_STRING_EQUAL(mnl_last_error(), "layer 3 \"dense 5\": output width 5 does not match "
                                             "the softmax head's 10 classes");
}

static void test_spec_error_when_sigmoid_head_gets_more_than_one_logit(void)
{
    CU_ASSERT_EQUAL(cnn_error("conv 4 3, relu, dense 2", HEAD_SIGMOID, 2), MNL_ERR_SPEC);
    CU_ASSERT(strstr(mnl_last_error(), "layer 3 \"dense 2\"") != NULL);
    CU_ASSERT_EQUAL(cnn_error("conv 4 3, relu, dense 1", HEAD_SIGMOID, 10), MNL_ERR_SPEC);
}

static void test_spec_error_names_an_empty_item(void)
{
    CU_ASSERT_EQUAL(cnn_error("conv 4 3,, relu, dense 10", HEAD_SOFTMAX, 10), MNL_ERR_SPEC);
    CU_ASSERT(strncmp(mnl_last_error(), "layer 2 \"\": empty item", 22) == 0);
    CU_ASSERT_EQUAL(cnn_error("   ", HEAD_SOFTMAX, 10), MNL_ERR_SPEC);
}

static void test_spec_error_beyond_64_layers(void)
{
    char spec[MODEL_SPEC_LEN] = "";
    for (int i = 0; i < MODEL_MAX_LAYERS; i++)
        strcat(spec, "relu, ");
    strcat(spec, "dense 10");
    CU_ASSERT_EQUAL(cnn_error(spec, HEAD_SOFTMAX, 10), MNL_ERR_SPEC);
    CU_ASSERT_STRING_EQUAL(mnl_last_error(), "layer 65 \"dense 10\": more than 64 layers");
}

static void test_unknown_family_is_an_error(void)
{
    ModelSpec s = spec_of("resnet", NULL, HEAD_SOFTMAX, 10);
    Model m;
    CU_ASSERT_EQUAL(build(&m, &s, 1), MNL_ERR_SPEC);
    CU_ASSERT_STRING_EQUAL(mnl_last_error(), "unknown model family \"resnet\"");
}

static void test_dense_flattens_a_feature_map_without_an_explicit_flatten(void)
{
    Model a, b;
    ModelSpec s = spec_of("cnn", "conv 2 3, relu, dense 10", HEAD_SOFTMAX, 10);
    ModelSpec t = spec_of("cnn", "conv 2 3, relu, flatten, dense 10", HEAD_SOFTMAX, 10);
    CU_ASSERT_FATAL(build(&a, &s, 3) == 0);
    CU_ASSERT_FATAL(build(&b, &t, 3) == 0);
    CU_ASSERT_EQUAL(model_param_count(&a), model_param_count(&b));
    CU_ASSERT(memcmp(a.param_block, b.param_block, sizeof(float) * a.n_param_values) == 0);
    model_free(&a), model_free(&b);
}

/* ---- initialisers ---- */

/* Weights of a dense 784 -> 256 layer under init. */
static Model dense_model(InitKind init, float scale)
{
    ModelSpec s = spec_of("cnn", "dense 256, relu, dense 10", HEAD_SOFTMAX, 10);
    s.init = init, s.init_scale = scale;
    Model m;
    CU_ASSERT_FATAL(build(&m, &s, 4) == 0);
    return m;
}

static void test_uniform_init_stays_within_a_and_zeroes_biases(void)
{
    Model m = dense_model(INIT_UNIFORM, 0.08f);
    const ParamTensor *w = &m.params[0], *b = &m.params[1];
    float lo = 1, hi = -1;
    for (size_t i = 0; i < w->n; i++)
        lo = fminf(lo, w->value[i]), hi = fmaxf(hi, w->value[i]);
    CU_ASSERT(lo >= -0.08f && hi <= 0.08f && lo < -0.079f && hi > 0.079f);
    for (size_t i = 0; i < b->n; i++)
        CU_ASSERT_EQUAL(b->value[i], 0.0f);
    model_free(&m);
}

static void test_pytorch_init_bounds_weights_and_biases_by_one_over_sqrt_fan_in(void)
{
    Model m = dense_model(INIT_PYTORCH, 0);
    const float bound = 1.0f / sqrtf(784.0f);
    const ParamTensor *w = &m.params[0], *b = &m.params[1];
    float wmax = 0, bmax = 0;
    for (size_t i = 0; i < w->n; i++)
        wmax = fmaxf(wmax, fabsf(w->value[i]));
    for (size_t i = 0; i < b->n; i++)
        bmax = fmaxf(bmax, fabsf(b->value[i]));
    CU_ASSERT(wmax <= bound && wmax > 0.99f * bound);
    CU_ASSERT(bmax <= bound && bmax > 0.9f * bound);
    model_free(&m);
}

static void test_he_init_has_variance_2_over_fan_in(void)
{
    Model m = dense_model(INIT_HE, 0);
    const ParamTensor *w = &m.params[0];
    double sum = 0, sq = 0;
    for (size_t i = 0; i < w->n; i++)
        sum += w->value[i], sq += (double)w->value[i] * w->value[i];
    double mean = sum / w->n, var = sq / w->n - mean * mean;
    CU_ASSERT(fabs(mean) < 1e-3);
    CU_ASSERT(fabs(var / (2.0 / 784.0) - 1.0) < 0.02);
    CU_ASSERT_EQUAL(m.params[1].value[0], 0.0f);
    model_free(&m);
}

static void test_same_seed_builds_identical_weights(void)
{
    ModelSpec s = spec_of("cnn", CNN49_SPEC, HEAD_SIGMOID, 2);
    Model a, b, c;
    CU_ASSERT_FATAL(build(&a, &s, 7) == 0 && build(&b, &s, 7) == 0 && build(&c, &s, 8) == 0);
    size_t bytes = sizeof(float) * a.n_param_values;
    CU_ASSERT(memcmp(a.param_block, b.param_block, bytes) == 0);
    CU_ASSERT(memcmp(a.param_block, c.param_block, bytes) != 0);
    model_free(&a), model_free(&b), model_free(&c);
}

/* ---- the summary and the feature maps ---- */

static void test_summary_shows_each_layer_and_the_totals(void)
{
    ModelSpec s = spec_of("cnn", CNN_SPEC, HEAD_SOFTMAX, 10);
    Model m;
    CU_ASSERT_FATAL(build(&m, &s, 1) == 0);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    CU_ASSERT_FATAL(f != NULL);
    model_print_summary(&m, f);
    fclose(f);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "conv1"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "16x28x28"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "32x7x7"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "200,832"));     /* dense1: 1568*128 + 128 */
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "206,922"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "2.436"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "multiply-add counted as 2 FLOPs"));
    free(text);
    model_free(&m);
}

static void test_layer_output_gives_each_image_feature_maps(void)
{
    ModelSpec s = spec_of("cnn", CNN_SPEC, HEAD_SOFTMAX, 10);
    Model m;
    CU_ASSERT_FATAL(build(&m, &s, 1) == 0);
    CU_ASSERT_FATAL(model_alloc_batch(&m, 2) == 0);
    float x[2 * 784];
    for (int i = 0; i < 2 * 784; i++)
        x[i] = (float)(i % 29) / 29.0f;
    m.keep_maps = 1;
    const float *logits = model_forward(&m, x, 2, 0);
    int c, h, w;
    const float *f1 = model_layer_output(&m, 0, 1, &c, &h, &w);
    CU_ASSERT(c == 16 && h == 28 && w == 28);
    /* the conv's own output (before its fused ReLU and pool): conv1 of image 1 by the reference */
    float *want = malloc(sizeof(float) * 16 * 784);
    CU_ASSERT_FATAL(want != NULL);
    conv2d_forward_ref(want, x + 784, m.param_block + m.layers[0].param_off,
                       m.param_block + m.layers[0].param_off + m.layers[0].n_w, 1, 1, 28, 28, 16, 3, 1);
    double gap = 0.0;
    for (int e = 0; e < 16 * 784; e++)
        gap = fmax(gap, fabs((double)f1[e] - want[e]));
    CU_ASSERT(gap < 1e-5);
    free(want);
    /* dense1 takes in its ReLU; with the maps kept, its own output is there before the ReLU */
    const float *f6 = model_layer_output(&m, 6, 1, &c, &h, &w);
    const float *f7 = model_layer_output(&m, 7, 1, &c, &h, &w);
    int negative = 0, relu_ok = 1;
    for (int e = 0; e < 128; e++) {
        negative += f6[e] < 0.0f;
        relu_ok &= f7[e] == (f6[e] > 0.0f ? f6[e] : 0.0f);
    }
    CU_ASSERT(negative > 0 && relu_ok);
    const float *f8 = model_layer_output(&m, 8, 1, &c, &h, &w);
    CU_ASSERT(c == 10 && h == 1 && w == 1);
    CU_ASSERT_PTR_EQUAL(f8, logits + 10);
    CU_ASSERT_PTR_NOT_NULL(f1);
    CU_ASSERT_PTR_NULL(model_layer_output(&m, 9, 0, &c, &h, &w));
    model_free(&m);
}

static void test_forward_refuses_more_images_than_allocated(void)
{
    ModelSpec s = spec_of("softmax", NULL, HEAD_SOFTMAX, 10);
    Model m;
    CU_ASSERT_FATAL(build(&m, &s, 1) == 0);
    float x[3 * 784] = {0};
    CU_ASSERT_PTR_NULL(model_forward(&m, x, 1, 0));        /* no buffers yet */
    CU_ASSERT_FATAL(model_alloc_batch(&m, 2) == 0);
    CU_ASSERT_PTR_NULL(model_forward(&m, x, 3, 0));
    CU_ASSERT_PTR_NOT_NULL(model_forward(&m, x, 2, 0));
    model_free(&m);
}

static void test_forward_is_bitwise_identical_with_one_and_two_threads(void)
{
    ModelSpec s = spec_of("cnn", CNN_SPEC, HEAD_SOFTMAX, 10);
    Model m;
    CU_ASSERT_FATAL(build(&m, &s, 1) == 0);
    CU_ASSERT_FATAL(model_alloc_batch(&m, 4) == 0);
    float x[4 * 784], one[40];
    int y[4] = {1, 2, 3, 4};
    for (int i = 0; i < 4 * 784; i++)
        x[i] = (float)((i * 7919) % 255) / 255.0f;
    memcpy(one, model_forward(&m, x, 4, 1), sizeof one);
    model_loss(&m, y, 4, NULL);
    model_zero_grad(&m);
    model_backward(&m, x, 4);
    float *g1 = malloc(sizeof(float) * m.n_param_values);
    memcpy(g1, m.grad_block, sizeof(float) * m.n_param_values);
    m.threads = 2;
    CU_ASSERT(memcmp(one, model_forward(&m, x, 4, 1), sizeof one) == 0);
    model_loss(&m, y, 4, NULL);
    model_zero_grad(&m);
    model_backward(&m, x, 4);
    CU_ASSERT(memcmp(g1, m.grad_block, sizeof(float) * m.n_param_values) == 0);
    free(g1);
    model_free(&m);
}

/* model_zero_grad writes nothing: the dense layers store their gradients and the walk zeroes the
 * others' (a conv's, a batchnorm's). Whatever grad_block held, the gradients are then those of a
 * backward onto zeros; a second backward adds to them; model_settle_grads writes the zeros. */
static void test_backward_after_zero_grad_ignores_what_the_gradients_held(void)
{
    ModelSpec s = spec_of("cnn", "conv 4 3 pad 1, batchnorm, relu, maxpool 2, dense 16, relu, "
                          "dense 12, relu, dense 10", HEAD_SOFTMAX, 10);
    Model m;
    CU_ASSERT_FATAL(build(&m, &s, 3) == 0);
    CU_ASSERT_FATAL(model_alloc_batch(&m, 4) == 0);
    m.threads = 2;
    const size_t n = m.n_param_values;
    float x[4 * 784], *onto_zeros = malloc(sizeof(float) * n);
    int y[4] = {7, 0, 3, 9};
    CU_ASSERT_FATAL(onto_zeros != NULL);
    for (int i = 0; i < 4 * 784; i++)
        x[i] = (float)((i * 7919) % 255) / 255.0f - 0.3f;
    model_forward(&m, x, 4, 1);
    model_loss(&m, y, 4, NULL);
    memset(m.grad_block, 0, sizeof(float) * n);     /* the old way: zeros, then add */
    m.grads_unset = 0;
    model_backward(&m, x, 4);
    memcpy(onto_zeros, m.grad_block, sizeof(float) * n);
    model_backward(&m, x, 4);                       /* no zero_grad between: it adds */
    float *added = malloc(sizeof(float) * n);
    CU_ASSERT_FATAL(added != NULL);
    memcpy(added, m.grad_block, sizeof(float) * n);
    size_t changed = 0;
    for (size_t i = 0; i < n; i++)
        changed += added[i] != onto_zeros[i];
    CU_ASSERT(changed > n / 2);
    for (size_t i = 0; i < n; i++)               /* now what the gradients held is garbage */
        m.grad_block[i] = i % 2 ? NAN : 1e30f;
    model_zero_grad(&m);
    model_backward(&m, x, 4);
    CU_ASSERT(memcmp(onto_zeros, m.grad_block, sizeof(float) * n) == 0);
    model_backward(&m, x, 4);
    CU_ASSERT(memcmp(added, m.grad_block, sizeof(float) * n) == 0);
    model_zero_grad(&m);
    model_settle_grads(&m);
    size_t zeros = 0;
    for (size_t i = 0; i < n; i++)
        zeros += m.grad_block[i] == 0.0f;
    CU_ASSERT_EQUAL(zeros, n);
    free(onto_zeros), free(added);
    model_free(&m);
}

/* ---- whole-model gradient checks ---- */

static double model_loss_at(Model *m, const float *x, const int *y, int B)
{
    gsl_rng_set(m->dropout_rng, 99);     /* the same dropout mask at every evaluation */
    model_forward(m, x, B, 1);
    return model_loss(m, y, B, NULL);
}

/* Worst relative error over every parameter of a model built from s on small random inputs,
 * computed on path k. */
static double model_grad_error_on(ModelSpec *s, int B, Kernels k)
{
    Model m;
    if (build(&m, s, 21))
        return 1e9;
    m.kernels = k;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    size_t nx = (size_t)B * s->in_c * s->in_h * s->in_w;
    float *x = malloc(sizeof(float) * nx);
    int y[8];
    for (size_t i = 0; i < nx; i++)
        x[i] = (float)gsl_ran_flat(rng, -1, 1);
    for (int i = 0; i < B; i++)
        y[i] = (int)gsl_rng_uniform_int(rng, s->num_classes);
    model_alloc_batch(&m, B);
    model_loss_at(&m, x, y, B);
    model_zero_grad(&m);
    model_backward(&m, x, B);
    double worst = 0.0;
    for (size_t i = 0; i < m.n_param_values; i++) {
        float *v = &m.param_block[i], keep = *v;
        float up = (float)(keep + EPS), down = (float)(keep - EPS);
        *v = up;
        double lp = model_loss_at(&m, x, y, B);
        *v = down;
        double lm = model_loss_at(&m, x, y, B);
        *v = keep;
        double num = (lp - lm) / ((double)up - (double)down), a = m.grad_block[i];
        worst = fmax(worst, fabs(a - num) / fmax(fabs(a) + fabs(num), REL_FLOOR));
    }
    free(x);
    gsl_rng_free(rng);
    model_free(&m);
    return worst;
}

/* Both paths, the reference and the fast, checked the same way. */
static double model_grad_error(ModelSpec *s, int B)
{
    return fmax(model_grad_error_on(s, B, KERNELS_REFERENCE), model_grad_error_on(s, B, KERNELS_FAST));
}

static ModelSpec tiny_spec(const char *family, const char *layers, HeadKind head, int classes)
{
    ModelSpec s = spec_of(family, layers, head, classes);
    s.in_h = 8, s.in_w = 8;
    return s;
}

static void test_softmax_model_gradients_match_finite_differences(void)
{
    ModelSpec s = tiny_spec("softmax", NULL, HEAD_SOFTMAX, 4);
    CU_ASSERT(model_grad_error(&s, 3) < GRAD_TOL);
}

static void test_mlp_model_gradients_match_finite_differences(void)
{
    ModelSpec s = tiny_spec("mlp", NULL, HEAD_SOFTMAX, 3);
    s.hidden[0] = 6, s.hidden[1] = 5, s.n_hidden = 2;
    CU_ASSERT(model_grad_error(&s, 3) < GRAD_TOL);
}

static void test_mlp_with_dropout_gradients_match_finite_differences(void)
{
    ModelSpec s = tiny_spec("mlp", NULL, HEAD_SOFTMAX, 3);
    s.hidden[0] = 6, s.n_hidden = 1, s.dropout = 0.3f;
    CU_ASSERT(model_grad_error(&s, 3) < GRAD_TOL);
}

static void test_cnn_model_gradients_match_finite_differences(void)
{
    ModelSpec s = tiny_spec("cnn", "conv 2 3 pad 1, relu, maxpool 2, conv 3 3, relu, dense 4",
                            HEAD_SOFTMAX, 4);
    CU_ASSERT(model_grad_error(&s, 2) < GRAD_TOL);
}

static void test_sigmoid_cnn_model_gradients_match_finite_differences(void)
{
    ModelSpec s = tiny_spec("cnn", "conv 2 3, relu, maxpool 2, flatten, dense 1", HEAD_SIGMOID, 2);
    CU_ASSERT(model_grad_error(&s, 3) < GRAD_TOL);
}

/* ---- each family overfits 64 training images ---- */

enum { N_FIT = 64, FIT_STEPS = 300 };

typedef struct {
    float x[N_FIT * 784];
    int y[N_FIT];
} TinySet;

/* The first 64 training images (of classes a and b only, relabelled 0/1, when a >= 0), normalised
 * as the experiments do; synthetic blobs when the MNIST files are not there. */
static void load_fit_set(TinySet *f, int a, int b)
{
    const char *dir = test_mnist_dir();
    char ip[1200], lp[1200];
    IdxImages im = {0};
    IdxLabels lb = {0};
    int n = 0;
    if (dir) {
        snprintf(ip, sizeof ip, "%s/train-images-idx3-ubyte", dir);
        snprintf(lp, sizeof lp, "%s/train-labels-idx1-ubyte", dir);
        if (idx_read_images(ip, &im) == 0 && idx_read_labels(lp, 10, &lb) == 0)
            for (int i = 0; i < im.n && n < N_FIT; i++) {
                int l = lb.labels[i];
                if (a >= 0 && l != a && l != b)
                    continue;
                for (int p = 0; p < 784; p++)
                    f->x[n * 784 + p] = (im.pixels[(size_t)i * 784 + p] / 255.0f - 0.1307f) / 0.3081f;
                f->y[n++] = a >= 0 ? l == b : l;
            }
        idx_images_free(&im);
        idx_labels_free(&lb);
    }
    if (n == N_FIT)
        return;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    for (int i = 0; i < N_FIT; i++) {
        int k = a >= 0 ? i % 2 : i % 10;
        for (int p = 0; p < 784; p++)
            f->x[i * 784 + p] = (float)gsl_ran_gaussian(rng, 1.0) +
                                ((p / 28) / 3 == k || (p % 28) / 3 == k ? 1.0f : 0.0f);
        f->y[i] = k;
    }
    gsl_rng_free(rng);
}

/* Full-batch Adam (PyTorch's defaults, bias-corrected); returns the training loss after it. */
static double fit(ModelSpec *s, const TinySet *f, float lr)
{
    Model m;
    if (build(&m, s, 1) || model_alloc_batch(&m, N_FIT))
        return 1e9;
    size_t n = m.n_param_values;
    float *mo = calloc(n, sizeof(float)), *ve = calloc(n, sizeof(float));
    for (int t = 1; t <= FIT_STEPS; t++) {
        model_forward(&m, f->x, N_FIT, 1);
        if (model_loss(&m, f->y, N_FIT, NULL) < 0.01)
            break;
        model_zero_grad(&m);
        model_backward(&m, f->x, N_FIT);
        double c1 = 1 - pow(0.9, t), c2 = 1 - pow(0.999, t);
        for (size_t i = 0; i < n; i++) {
            float g = m.grad_block[i];
            mo[i] = 0.9f * mo[i] + 0.1f * g;
            ve[i] = 0.999f * ve[i] + 0.001f * g * g;
            m.param_block[i] -= (float)(lr * (mo[i] / c1) / (sqrt(ve[i] / c2) + 1e-8));
        }
    }
    model_forward(&m, f->x, N_FIT, 0);
    double loss = model_loss(&m, f->y, N_FIT, NULL);
    free(mo), free(ve);
    model_free(&m);
    return loss;
}

static TinySet fit_digits, fit_4v9;

static int load_fit_sets(void)
{
    load_fit_set(&fit_digits, -1, -1);
    load_fit_set(&fit_4v9, 4, 9);
    return 0;
}

static void test_softmax_overfits_64_images(void)
{
    ModelSpec s = spec_of("softmax", NULL, HEAD_SOFTMAX, 10);
    CU_ASSERT(fit(&s, &fit_digits, 0.01f) < 0.05);
}

static void test_mlp_overfits_64_images(void)
{
    ModelSpec s = spec_of("mlp", NULL, HEAD_SOFTMAX, 10);
    s.hidden[0] = 64, s.n_hidden = 1;
    CU_ASSERT(fit(&s, &fit_digits, 0.003f) < 0.05);
}

static void test_cnn_overfits_64_images(void)
{
    ModelSpec s = spec_of("cnn", "conv 4 3 pad 1, relu, maxpool 2, conv 8 3, relu, maxpool 2, "
                          "dense 10", HEAD_SOFTMAX, 10);
    CU_ASSERT(fit(&s, &fit_digits, 0.003f) < 0.05);
}

static void test_4v9_sigmoid_cnn_overfits_64_images(void)
{
    ModelSpec s = spec_of("cnn", CNN49_SPEC, HEAD_SIGMOID, 2);
    CU_ASSERT(fit(&s, &fit_4v9, 0.004f) < 0.05);
}

int register_families_tests(void)
{
    CU_pSuite s = CU_add_suite("families", load_fit_sets, NULL);
    if (!s)
        return -1;
    struct { const char *name; CU_TestFunc fn; } tests[] = {
        {"registry_finds_the_nine_families", test_registry_finds_the_nine_families},
        {"backward_after_zero_grad_ignores_what_the_gradients_held",
         test_backward_after_zero_grad_ignores_what_the_gradients_held},
        {"two_conv_cnn_has_206922_parameters", test_two_conv_cnn_has_206922_parameters},
        {"4v9_cnn_with_sigmoid_head_has_1521_parameters",
         test_4v9_cnn_with_sigmoid_head_has_1521_parameters},
        {"mflops_count_multiply_adds_of_conv_and_dense_twice",
         test_mflops_count_multiply_adds_of_conv_and_dense_twice},
        {"softmax_family_is_one_dense_layer", test_softmax_family_is_one_dense_layer},
        {"mlp_stacks_dense_relu_dropout_per_hidden_width",
         test_mlp_stacks_dense_relu_dropout_per_hidden_width},
        {"spec_error_names_a_pool_below_1x1", test_spec_error_names_a_pool_below_1x1},
        {"spec_error_names_an_unknown_kind", test_spec_error_names_an_unknown_kind},
        {"spec_error_names_a_bad_number", test_spec_error_names_a_bad_number},
        {"spec_error_names_a_kernel_larger_than_its_input",
         test_spec_error_names_a_kernel_larger_than_its_input},
        {"spec_error_names_a_final_width_that_misses_the_head",
         test_spec_error_names_a_final_width_that_misses_the_head},
        {"spec_error_when_sigmoid_head_gets_more_than_one_logit",
         test_spec_error_when_sigmoid_head_gets_more_than_one_logit},
        {"spec_error_names_an_empty_item", test_spec_error_names_an_empty_item},
        {"spec_error_beyond_64_layers", test_spec_error_beyond_64_layers},
        {"unknown_family_is_an_error", test_unknown_family_is_an_error},
        {"dense_flattens_a_feature_map_without_an_explicit_flatten",
         test_dense_flattens_a_feature_map_without_an_explicit_flatten},
        {"uniform_init_stays_within_a_and_zeroes_biases",
         test_uniform_init_stays_within_a_and_zeroes_biases},
        {"pytorch_init_bounds_weights_and_biases_by_one_over_sqrt_fan_in",
         test_pytorch_init_bounds_weights_and_biases_by_one_over_sqrt_fan_in},
        {"he_init_has_variance_2_over_fan_in", test_he_init_has_variance_2_over_fan_in},
        {"same_seed_builds_identical_weights", test_same_seed_builds_identical_weights},
        {"summary_shows_each_layer_and_the_totals", test_summary_shows_each_layer_and_the_totals},
        {"layer_output_gives_each_image_feature_maps",
         test_layer_output_gives_each_image_feature_maps},
        {"forward_refuses_more_images_than_allocated",
         test_forward_refuses_more_images_than_allocated},
        {"forward_is_bitwise_identical_with_one_and_two_threads",
         test_forward_is_bitwise_identical_with_one_and_two_threads},
        {"softmax_model_gradients_match_finite_differences",
         test_softmax_model_gradients_match_finite_differences},
        {"mlp_model_gradients_match_finite_differences",
         test_mlp_model_gradients_match_finite_differences},
        {"mlp_with_dropout_gradients_match_finite_differences",
         test_mlp_with_dropout_gradients_match_finite_differences},
        {"cnn_model_gradients_match_finite_differences",
         test_cnn_model_gradients_match_finite_differences},
        {"sigmoid_cnn_model_gradients_match_finite_differences",
         test_sigmoid_cnn_model_gradients_match_finite_differences},
        {"softmax_overfits_64_images", test_softmax_overfits_64_images},
        {"mlp_overfits_64_images", test_mlp_overfits_64_images},
        {"cnn_overfits_64_images", test_cnn_overfits_64_images},
        {"4v9_sigmoid_cnn_overfits_64_images", test_4v9_sigmoid_cnn_overfits_64_images},
    };
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++)
        if (!CU_add_test(s, tests[i].name, tests[i].fn))
            return -1;
    return 0;
}
