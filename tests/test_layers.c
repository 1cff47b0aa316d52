/* tests/test_layers: every layer kind against finite differences (input and parameter gradients,
 * through the same adapters the network walk uses), convolution against a direct convolution, and
 * the routing rules of max pooling and dropout.
 *
 * Gradient check: the scalar L = sum_i r_i out_i with a fixed random r (so dL/dout = r), central
 * differences with EPS = 1e-2 on float32 values, L summed in double. An element passes when
 * |analytic - numeric| / max(|analytic| + |numeric|, 1e-2) <= 2e-3; every layer here is linear or
 * piecewise linear in each value, so the only error is float rounding (measured worst 1.6e-4),
 * while a gradient off by 10% scores about 5e-2 (see gradient_check_catches_a_ten_percent_error).
 *
 * The vector kernels (models/gemm) are checked in every instruction set this CPU runs (AVX-512,
 * AVX2, portable C): products against a double-precision definition, pooling bitwise against the
 * scalar tie rule, and the model walk bitwise across thread counts. */
#include <CUnit/CUnit.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "common/error.h"
#include "models/conv.h"
#include "models/gemm.h"
#include "models/isa.h"
#include "models/reference/reference.h"
#include "models/kernels.h"
#include "models/layers.h"
#include "models/walk.h"
#include "models/pool.h"
#include "models/rows.h"
#include "models/model.h"

#define EPS        1e-2
#define REL_FLOOR  1e-2
#define GRAD_TOL   2e-3

/* ---- a single layer with its own buffers ---- */

typedef struct {
    Layer l;
    LayerCtx c;
    float *x, *y, *r, *dx;          /* in [B, in], out [B, out], dL/dout [B, out], dL/din [B, in] */
    float *p, *g;                   /* weight then bias, and their gradients */
    float *keep, *temp, *state;     /* state: running statistics (batchnorm) */
    size_t nx, ny, np;
    gsl_rng *drop;
    LayerForward forward;           /* the reference or the fast adapters of the kind */
    LayerBackward backward;
} Rig;

static float *zalloc(size_t n) { return calloc(n ? n : 1, sizeof(float)); }

static void fill_uniform(float *v, size_t n, double lo, double hi, gsl_rng *rng)
{
    for (size_t i = 0; i < n; i++)
        v[i] = (float)gsl_ran_flat(rng, lo, hi);
}

/* Build the layer from item on a B x c x h x w input with random input, parameters and r; its
 * adapters of path k. */
static int rig_make_path(Rig *t, const char *item, int B, int c, int h, int w, gsl_rng *rng,
                         Kernels k)
{
    memset(t, 0, sizeof *t);
    if (layer_init(&t->l, item, 1, c, h, w))
        return -1;
    t->forward = k == KERNELS_REFERENCE ? t->l.kind->forward_ref : layer_fast_forward(t->l.kind);
    t->backward = k == KERNELS_REFERENCE ? t->l.kind->backward_ref : layer_fast_backward(t->l.kind);
    t->nx = (size_t)B * layer_in_size(&t->l);
    t->ny = (size_t)B * layer_out_size(&t->l);
    t->np = t->l.n_w + t->l.n_b;
    t->x = zalloc(t->nx), t->dx = zalloc(t->nx);
    t->y = zalloc(t->ny), t->r = zalloc(t->ny);
    t->p = zalloc(t->np), t->g = zalloc(t->np);
    t->keep = zalloc(B * t->l.keep_per_image);
    t->state = zalloc((size_t)layer_state_count(&t->l) * t->l.n_s);
    t->temp = zalloc(t->l.temp_per_thread);
    t->drop = gsl_rng_alloc(gsl_rng_mt19937);
    fill_uniform(t->x, t->nx, -1, 1, rng);
    fill_uniform(t->r, t->ny, -1, 1, rng);
    fill_uniform(t->p, t->np, -0.5, 0.5, rng);
    t->c = (LayerCtx){.B = B, .w = t->p, .b = t->p + t->l.n_w, .dw = t->g, .db = t->g + t->l.n_w,
                      .keep = t->keep, .temp = t->temp, .train = 1, .rng = t->drop, .threads = 2,
                      .state = t->l.n_s ? t->state : NULL};
    return 0;
}

static int rig_make(Rig *t, const char *item, int B, int c, int h, int w, gsl_rng *rng)
{
    return rig_make_path(t, item, B, c, h, w, rng, KERNELS_FAST);
}

static void rig_free(Rig *t)
{
    free(t->x), free(t->dx), free(t->y), free(t->r), free(t->p), free(t->g);
    free(t->keep), free(t->temp), free(t->state);
    if (t->drop)
        gsl_rng_free(t->drop);
}

/* L = sum r_i out_i. The dropout stream is reseeded first, so every forward draws the same mask. */
static double rig_loss(Rig *t)
{
    gsl_rng_set(t->drop, 12345);
    t->forward(&t->l, &t->c, t->x, t->y);
    double L = 0.0;
    for (size_t i = 0; i < t->ny; i++)
        L += (double)t->r[i] * t->y[i];
    return L;
}

/* Analytic gradients of L into dx and g. */
static void rig_backward(Rig *t)
{
    memset(t->g, 0, sizeof(float) * (t->np ? t->np : 1));
    rig_loss(t);
    t->backward(&t->l, &t->c, t->x, t->y, t->r, t->dx);
}

/* Largest relative error between analytic[i] and the central difference of L in v[i]. */
static double max_rel_error(Rig *t, float *v, const float *analytic, size_t n)
{
    double worst = 0.0;
    for (size_t i = 0; i < n; i++) {
        float keep = v[i];
        float up = (float)(keep + EPS), down = (float)(keep - EPS);
        v[i] = up;
        double lp = rig_loss(t);
        v[i] = down;
        double lm = rig_loss(t);
        v[i] = keep;
        double num = (lp - lm) / ((double)up - (double)down);
        double err = fabs(analytic[i] - num) / fmax(fabs(analytic[i]) + fabs(num), REL_FLOOR);
        if (err > worst)
            worst = err;
    }
    return worst;
}

/* Check input and parameter gradients of one rig; returns the worst relative error. */
static double rig_check(Rig *t)
{
    rig_backward(t);
    float *dx = zalloc(t->nx), *g = zalloc(t->np);
    memcpy(dx, t->dx, sizeof(float) * t->nx);
    memcpy(g, t->g, sizeof(float) * t->np);
    double ein = max_rel_error(t, t->x, dx, t->nx);
    double epar = max_rel_error(t, t->p, g, t->np);
    free(dx), free(g);
    return fmax(ein, epar);
}

/* The worst error of the reference adapters and of the fast ones, from the same start. */
static double check_item(const char *item, int B, int c, int h, int w, unsigned long seed)
{
    double worst = 0.0;
    for (int k = KERNELS_FAST; k <= KERNELS_REFERENCE; k++) {
        gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
        gsl_rng_set(rng, seed);
        Rig t;
        double err = 1e9;
        if (rig_make_path(&t, item, B, c, h, w, rng, (Kernels)k) == 0)
            err = rig_check(&t);
        rig_free(&t);
        gsl_rng_free(rng);
        worst = fmax(worst, err);
    }
    return worst;
}

/* ---- gradient checks, one per layer kind and variant ---- */

static void test_dense_gradients_match_finite_differences(void)
{
    CU_ASSERT(check_item("dense 4", 3, 5, 1, 1, 1) < GRAD_TOL);
}

static void test_dense_gradients_on_a_feature_map_input(void)
{
    CU_ASSERT(check_item("dense 3", 2, 2, 3, 3, 2) < GRAD_TOL);
}

static void test_conv_gradients_without_padding(void)
{
    CU_ASSERT(check_item("conv 3 3", 2, 2, 5, 6, 3) < GRAD_TOL);
}

static void test_conv_gradients_with_padding(void)
{
    CU_ASSERT(check_item("conv 3 3 pad 1", 2, 2, 5, 4, 4) < GRAD_TOL);
    CU_ASSERT(check_item("conv 2 2 pad 2", 2, 1, 3, 3, 5) < GRAD_TOL);
}

static void test_relu_gradients_away_from_zero(void)
{
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 6);
    Rig t;
    CU_ASSERT_FATAL(rig_make(&t, "relu", 2, 3, 4, 4, rng) == 0);
    /* |x| >= 0.1 > EPS: no difference straddles the kink */
    for (size_t i = 0; i < t.nx; i++)
        t.x[i] = (float)((gsl_rng_uniform(rng) < 0.5 ? -1 : 1) * gsl_ran_flat(rng, 0.1, 1.0));
    CU_ASSERT(rig_check(&t) < GRAD_TOL);
    rig_free(&t);
    gsl_rng_free(rng);
}

static void test_maxpool_gradients_with_distinct_values(void)
{
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 7);
    Rig t;
    CU_ASSERT_FATAL(rig_make(&t, "maxpool 2", 2, 2, 5, 4, rng) == 0);
    /* a shuffled ramp with steps of 0.05 > 2 EPS: every window has one clear maximum */
    for (size_t i = 0; i < t.nx; i++)
        t.x[i] = 0.05f * (float)i - 1.0f;
    gsl_ran_shuffle(rng, t.x, t.nx, sizeof(float));
    CU_ASSERT(rig_check(&t) < GRAD_TOL);
    rig_free(&t);
    gsl_rng_free(rng);
}

static void test_flatten_gradients_match_finite_differences(void)
{
    CU_ASSERT(check_item("flatten", 2, 3, 2, 2, 8) < GRAD_TOL);
}

static void test_dropout_gradients_with_a_fixed_mask(void)
{
    CU_ASSERT(check_item("dropout 0.5", 3, 4, 2, 2, 9) < GRAD_TOL);
}

/* Batch norm: every output of a channel depends on every input of it (through the batch mean and
 * variance), so this checks the two correction terms of the backward as well. */
static void test_batchnorm_gradients_after_a_conv(void)
{
    CU_ASSERT(check_item("batchnorm", 3, 2, 3, 4, 26) < GRAD_TOL);
}

static void test_batchnorm_gradients_after_a_dense(void)
{
    CU_ASSERT(check_item("batchnorm", 5, 4, 1, 1, 27) < GRAD_TOL);
}

/* Training normalises each channel to mean 0, variance 1 (before gamma, beta) and moves the
 * running statistics a tenth of the way to the batch's (unbiased variance); evaluation then
 * normalises by the running statistics instead. */
static void test_batchnorm_normalises_and_keeps_running_statistics(void)
{
    Layer l;
    CU_ASSERT_FATAL(layer_init(&l, "batchnorm", 1, 2, 1, 2) == 0);   /* C 2, S 2 */
    CU_ASSERT(l.n_w == 2 && l.n_b == 2 && l.n_s == 2 && layer_state_count(&l) == 2);
    /* x: [B 2, C 2, S 2]; channel 0 holds 1 2 3 4, channel 1 holds 10 10 30 30 */
    const float x[8] = {1, 2, 10, 10, 3, 4, 30, 30};
    float w[2] = {1, 2}, b[2] = {0, 1}, state[4], keep[8], y[8];
    l.kind->init(&l, (float[2]){0}, (float[2]){0}, state);
    CU_ASSERT(state[0] == 0 && state[1] == 0 && state[2] == 1 && state[3] == 1);
    LayerCtx c = {.B = 2, .w = w, .b = b, .keep = keep, .state = state, .train = 1, .threads = 1};
    l.kind->forward_ref(&l, &c, x, y);
    const double z = 1.0 / sqrt(1.25 + 1e-5);       /* channel 0: mean 2.5, variance 1.25 */
    CU_ASSERT_DOUBLE_EQUAL(y[0], -1.5 * z, 1e-5);
    CU_ASSERT_DOUBLE_EQUAL(y[5], 1.5 * z, 1e-5);
    CU_ASSERT_DOUBLE_EQUAL(y[2], 2 * -1.0 * (10 / sqrt(100 + 1e-5)) + 1, 1e-5);   /* var 100 */
    CU_ASSERT_DOUBLE_EQUAL(state[0], 0.25, 1e-6);                /* 0.9 * 0 + 0.1 * 2.5 */
    CU_ASSERT_DOUBLE_EQUAL(state[1], 2.0, 1e-6);
    CU_ASSERT_DOUBLE_EQUAL(state[2], 0.9 + 0.1 * 1.25 * 4 / 3, 1e-6);   /* unbiased: n/(n-1) */
    CU_ASSERT_DOUBLE_EQUAL(state[3], 0.9 + 0.1 * 100 * 4 / 3, 1e-4);
    c.train = 0;
    l.kind->forward_ref(&l, &c, x, y);
    CU_ASSERT_DOUBLE_EQUAL(y[0], (1 - 0.25) / sqrt(state[2] + 1e-5), 1e-5);
}

/* The fast batch norm splits channels among threads; each channel is summed in one order by one
 * thread, so any thread count gives the same bits (here above the size where it does split). */
static void test_batchnorm_fast_path_is_bitwise_equal_at_any_thread_count(void)
{
    float *out[2], *din[2], *dg[2];
    for (int t = 0; t < 2; t++) {
        gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
        gsl_rng_set(rng, 28);
        Rig r;
        CU_ASSERT_FATAL(rig_make(&r, "batchnorm", 16, 6, 20, 20, rng) == 0);   /* 38400 values */
        r.c.threads = t + 1;
        rig_backward(&r);
        out[t] = zalloc(r.ny), din[t] = zalloc(r.nx), dg[t] = zalloc(r.np);
        memcpy(out[t], r.y, r.ny * sizeof(float));
        memcpy(din[t], r.dx, r.nx * sizeof(float));
        memcpy(dg[t], r.g, r.np * sizeof(float));
        if (t == 1) {
            CU_ASSERT(memcmp(out[0], out[1], r.ny * sizeof(float)) == 0);
            CU_ASSERT(memcmp(din[0], din[1], r.nx * sizeof(float)) == 0);
            CU_ASSERT(memcmp(dg[0], dg[1], r.np * sizeof(float)) == 0);
        }
        rig_free(&r);
        gsl_rng_free(rng);
    }
    for (int t = 0; t < 2; t++)
        free(out[t]), free(din[t]), free(dg[t]);
}

/* The smooth activations: their curvature adds an O(EPS^2) truncation error to the central
 * difference (about 1e-5 relative here), still far below the tolerance. */
static void test_tanh_gradients_match_finite_differences(void)
{
    CU_ASSERT(check_item("tanh", 3, 2, 3, 3, 21) < GRAD_TOL);
}

static void test_sigmoid_gradients_match_finite_differences(void)
{
    CU_ASSERT(check_item("sigmoid", 3, 2, 3, 3, 22) < GRAD_TOL);
}

static void test_gelu_gradients_match_finite_differences(void)
{
    CU_ASSERT(check_item("gelu", 3, 2, 3, 3, 23) < GRAD_TOL);
}

static void test_mish_gradients_match_finite_differences(void)
{
    CU_ASSERT(check_item("mish", 3, 2, 3, 3, 24) < GRAD_TOL);
}

static void test_leakyrelu_gradients_away_from_zero(void)
{
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 25);
    Rig t;
    CU_ASSERT_FATAL(rig_make(&t, "leakyrelu 0.2", 2, 3, 4, 4, rng) == 0);
    for (size_t i = 0; i < t.nx; i++)      /* |x| >= 0.1 > EPS: no difference straddles the kink */
        t.x[i] = (float)((gsl_rng_uniform(rng) < 0.5 ? -1 : 1) * gsl_ran_flat(rng, 0.1, 1.0));
    CU_ASSERT(rig_check(&t) < GRAD_TOL);
    rig_free(&t);
    gsl_rng_free(rng);
}

/* The activations at points whose values are known by hand (the same in both paths). */
static void test_activations_take_their_textbook_values(void)
{
    static const struct { const char *item; float x, y; } cases[] = {
        {"tanh", 0.5f, 0.46211716f},       {"sigmoid", 0.0f, 0.5f},
        {"sigmoid", 2.0f, 0.88079708f},    {"leakyrelu", -2.0f, -0.02f},
        {"leakyrelu 0.3", -2.0f, -0.6f},   {"leakyrelu 0.3", 1.5f, 1.5f},
        {"gelu", 1.0f, 0.84134475f},       {"gelu", -1.0f, -0.15865525f},
        {"mish", 1.0f, 0.86509839f},       {"mish", -30.0f, -2.8e-12f},
        {"mish", 30.0f, 30.0f},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        Layer l;
        CU_ASSERT_FATAL(layer_init(&l, cases[i].item, 1, 1, 1, 1) == 0);
        LayerCtx c = {.B = 1, .threads = 1};
        float y = NAN;
        l.kind->forward_ref(&l, &c, &cases[i].x, &y);
        if (fabs(y - cases[i].y) > 1e-6 * fmax(1.0, fabs(cases[i].y)))
            fprintf(stderr, "\n    %s(%g) = %.9g, expected %.9g", cases[i].item, cases[i].x, y,
                    cases[i].y);
        CU_ASSERT(fabs(y - cases[i].y) <= 1e-6 * fmax(1.0, fabs(cases[i].y)));
    }
}

/* The check is only worth its tolerance if a wrong backward fails it: scale one weight
 * gradient by 1.1 and the same check must see it. */
static void test_gradient_check_catches_a_ten_percent_error(void)
{
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 10);
    Rig t;
    CU_ASSERT_FATAL(rig_make(&t, "conv 2 3 pad 1", 2, 2, 4, 4, rng) == 0);
    rig_backward(&t);
    float *g = zalloc(t.np);
    memcpy(g, t.g, sizeof(float) * t.np);
    g[5] *= 1.1f;
    CU_ASSERT(max_rel_error(&t, t.p, g, t.np) > GRAD_TOL);
    free(g);
    rig_free(&t);
    gsl_rng_free(rng);
}

/* ---- forward against the definitions ---- */

/* out[b][o][y][x] = bias[o] + sum_{c,i,j} w[o][c][i][j] in[b][c][y+i-pad][x+j-pad], in double */
static double direct_conv(const ConvShape *s, const float *in, const float *w, const float *bias,
                          int b, int o, int y, int x)
{
    double acc = bias[o];
    for (int c = 0; c < s->C; c++)
        for (int i = 0; i < s->K; i++)
            for (int j = 0; j < s->K; j++) {
                int iy = y + i - s->pad, ix = x + j - s->pad;
                if (iy < 0 || iy >= s->H || ix < 0 || ix >= s->W)
                    continue;
                acc += (double)w[((o * s->C + c) * s->K + i) * s->K + j] *
                       in[((size_t)(b * s->C + c) * s->H + iy) * s->W + ix];
            }
    return acc;
}

/* Worst |conv2d_forward - direct| over a random 3-image batch. */
static double conv_vs_direct(int pad)
{
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 11 + pad);
    ConvShape s;
    conv_shape(&s, 3, 2, 7, 6, 4, 3, pad);
    size_t nin = (size_t)s.B * s.C * s.H * s.W, nout = (size_t)s.B * s.OC * s.OH * s.OW;
    float *in = zalloc(nin), *out = zalloc(nout), *w = zalloc(s.OC * s.C * 9), *b = zalloc(s.OC);
    float *temp = zalloc(conv_scratch_size(&s));
    fill_uniform(in, nin, -1, 1, rng);
    fill_uniform(w, (size_t)s.OC * s.C * 9, -1, 1, rng);
    fill_uniform(b, s.OC, -1, 1, rng);
    conv2d_forward(&s, out, in, w, b, NULL, temp);
    double worst = 0.0;
    for (int bi = 0; bi < s.B; bi++)
        for (int o = 0; o < s.OC; o++)
            for (int y = 0; y < s.OH; y++)
                for (int x = 0; x < s.OW; x++) {
                    double want = direct_conv(&s, in, w, b, bi, o, y, x);
                    double got = out[((size_t)(bi * s.OC + o) * s.OH + y) * s.OW + x];
                    worst = fmax(worst, fabs(got - want));
                }
    free(in), free(out), free(w), free(b), free(temp);
    gsl_rng_free(rng);
    return worst;
}

static void test_conv_forward_equals_direct_convolution_without_padding(void)
{
    CU_ASSERT(conv_vs_direct(0) < 1e-5);
}

static void test_conv_forward_equals_direct_convolution_with_padding(void)
{
    CU_ASSERT(conv_vs_direct(1) < 1e-5);
    CU_ASSERT(conv_vs_direct(2) < 1e-5);
}

static void test_conv_output_shape_follows_padding(void)
{
    Layer l;
    CU_ASSERT_FATAL(layer_init(&l, "conv 16 3 pad 1", 1, 1, 28, 28) == 0);
    CU_ASSERT(l.out_c == 16 && l.out_h == 28 && l.out_w == 28);
    CU_ASSERT_FATAL(layer_init(&l, "conv 8 3", 1, 4, 13, 11) == 0);
    CU_ASSERT(l.out_c == 8 && l.out_h == 11 && l.out_w == 9);
    CU_ASSERT_EQUAL(l.n_w, 8 * 4 * 3 * 3);
    CU_ASSERT_EQUAL(l.n_b, 8);
}

static void test_dense_reads_a_feature_map_in_chw_order(void)
{
    /* in [1, 2, 2, 3], w [1, 12] = one-hot at 7 -> picks in[c=1][h=0][w=1] */
    float in[12], w[12] = {0}, b[1] = {0.5f}, out[1];
    for (int i = 0; i < 12; i++)
        in[i] = (float)(i * i);
    w[1 * 6 + 0 * 3 + 1] = 1.0f;
    dense_forward(out, in, w, b, 1, 12, 1, 0, 1);
    CU_ASSERT_DOUBLE_EQUAL(out[0], 49.5, 1e-6);
}

static void test_first_layer_backward_without_input_gradient_gives_same_weights(void)
{
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 12);
    Rig t;
    CU_ASSERT_FATAL(rig_make(&t, "conv 3 3 pad 1", 2, 1, 6, 6, rng) == 0);
    rig_backward(&t);
    float *with_din = zalloc(t.np);
    memcpy(with_din, t.g, sizeof(float) * t.np);
    memset(t.g, 0, sizeof(float) * t.np);
    rig_loss(&t);
    t.backward(&t.l, &t.c, t.x, t.y, t.r, NULL);
    CU_ASSERT(memcmp(with_din, t.g, sizeof(float) * t.np) == 0);
    free(with_din);
    rig_free(&t);
    gsl_rng_free(rng);
}

/* ---- pooling and dropout rules ---- */

static void test_maxpool_routes_gradient_only_to_the_max(void)
{
    /* one 4x4 plane; the maxima (9s) sit at a different corner of each window */
    const float in[16] = {9, 1, 2, 3,
                          4, 5, 6, 9,
                          1, 2, 3, 4,
                          9, 0, 5, 9};
    const float dout[4] = {10, 20, 30, 40};
    float out[4], din[16];
    maxpool2_forward(out, in, 1, 1, 4, 4);
    maxpool2_backward(din, dout, in, 1, 1, 4, 4);
    const float want[16] = {10, 0, 0, 0,
                            0, 0, 0, 20,
                            0, 0, 0, 0,
                            30, 0, 0, 40};
    for (int i = 0; i < 4; i++)
        CU_ASSERT_EQUAL(out[i], 9.0f);
    CU_ASSERT(memcmp(din, want, sizeof want) == 0);
}

static void test_maxpool_floors_odd_sizes_and_zeroes_their_gradient(void)
{
    Layer l;
    CU_ASSERT_FATAL(layer_init(&l, "maxpool 2", 1, 3, 5, 7) == 0);
    CU_ASSERT(l.out_c == 3 && l.out_h == 2 && l.out_w == 3);
    float in[5 * 7], out[2 * 3], dout[2 * 3], din[5 * 7];
    for (int i = 0; i < 35; i++)
        in[i] = (float)i;           /* the max of each window is its bottom-right corner */
    for (int i = 0; i < 6; i++)
        dout[i] = 1.0f;
    maxpool2_forward(out, in, 1, 1, 5, 7);
    maxpool2_backward(din, dout, in, 1, 1, 5, 7);
    CU_ASSERT_EQUAL(out[0], 8.0f);  /* in[1][1] */
    CU_ASSERT_EQUAL(out[5], 26.0f); /* in[3][5] */
    float total = 0;
    for (int i = 0; i < 35; i++)
        total += din[i];
    CU_ASSERT_EQUAL(total, 6.0f);
    for (int x = 0; x < 7; x++)
        CU_ASSERT_EQUAL(din[4 * 7 + x], 0.0f);   /* the dropped last row */
    for (int y = 0; y < 5; y++)
        CU_ASSERT_EQUAL(din[y * 7 + 6], 0.0f);   /* the dropped last column */
}

static void test_dropout_drops_about_p_and_scales_the_rest(void)
{
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    enum { N = 20000 };
    float *mask = zalloc(N);
    dropout_mask_ref(mask, N, 0.25f, rng);
    int dropped = 0, bad = 0;
    for (int i = 0; i < N; i++) {
        dropped += mask[i] == 0.0f;
        bad += mask[i] != 0.0f && mask[i] != 1.0f / 0.75f;
    }
    CU_ASSERT(fabs(dropped / (double)N - 0.25) < 0.02);
    CU_ASSERT_EQUAL(bad, 0);
    free(mask);
    gsl_rng_free(rng);
}

static void test_dropout_in_eval_mode_is_the_identity(void)
{
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    Rig t;
    CU_ASSERT_FATAL(rig_make(&t, "dropout 0.9", 2, 8, 1, 1, rng) == 0);
    t.c.train = 0;
    t.forward(&t.l, &t.c, t.x, t.y);
    CU_ASSERT(memcmp(t.x, t.y, sizeof(float) * t.nx) == 0);
    t.backward(&t.l, &t.c, t.x, t.y, t.r, t.dx);
    CU_ASSERT(memcmp(t.r, t.dx, sizeof(float) * t.nx) == 0);
    rig_free(&t);
    gsl_rng_free(rng);
}

static void test_every_kind_is_in_the_table(void)
{
    const char *names[] = {"dense", "conv",      "maxpool", "relu", "flatten", "dropout",
                           "batchnorm", "tanh",  "sigmoid",   "leakyrelu", "gelu", "mish"};
    const int n_names = (int)(sizeof names / sizeof names[0]);
    for (int i = 0; i < n_names; i++)
        CU_ASSERT_PTR_NOT_NULL(layer_kind_find(names[i]));
    CU_ASSERT_PTR_NULL(layer_kind_find("pool"));
    int n = 0;
    while (layer_kind_at(n))
        n++;
    CU_ASSERT_EQUAL(n, n_names);
}

static void test_layer_item_errors_name_the_item(void)
{
    Layer l;
    CU_ASSERT_EQUAL(layer_init(&l, "conv 16 3 pad", 4, 1, 28, 28), MNL_ERR_SPEC);
    CU_ASSERT_STRING_EQUAL(mnl_last_error(),
                           "layer 4 \"conv 16 3 pad\": expected \"conv OUT K [pad P]\"");
    CU_ASSERT_EQUAL(layer_init(&l, "dropout 1", 2, 10, 1, 1), MNL_ERR_SPEC);
    CU_ASSERT_STRING_EQUAL(mnl_last_error(),
                           "layer 2 \"dropout 1\": drop probability 1 is outside [0, 1)");
    CU_ASSERT_EQUAL(layer_init(&l, "maxpool 3", 1, 1, 28, 28), MNL_ERR_SPEC);
    CU_ASSERT_STRING_EQUAL(mnl_last_error(), "layer 1 \"maxpool 3\": only 2x2 pooling is supported");
    CU_ASSERT_EQUAL(layer_init(&l, "relu 2", 1, 1, 28, 28), MNL_ERR_SPEC);
    CU_ASSERT_EQUAL(layer_init(&l, "dense 0", 1, 1, 28, 28), MNL_ERR_SPEC);
    CU_ASSERT_STRING_EQUAL(mnl_last_error(), "layer 1 \"dense 0\": 0 is out of range (1 to 65536)");
}


/* ---- the vector kernels, in every instruction set this CPU has ---- */

/* The best instruction set this CPU runs; a test loops from it down to ISA_C with
 * isa_limit, and ends with all_isas() again to leave the best one in use. */
static int all_isas(void)
{
    return (int)isa_limit(ISA_AVX512);
}

/* A dot product as the vector tiles of gemm_nt sum it with `lanes` lanes: lane l adds a[k] b[k] for
 * k = l, l + lanes, ... in order, one fused multiply-add each, then the lanes are summed in the
 * pairs of VHSUM -- 16 lanes: i and i+8, then j and j+4, then 0 and 2 with 1 and 3, then those
 * two (GCC's _mm512_reduce_add_ps); 8 lanes: i and i+4, then 0 and 2 with 1 and 3, then those two
 * (hsum_avx2). */
static float dot_in_lanes(const float *a, const float *b, int K, int lanes)
{
    float acc[16] = {0};
    for (int k = 0; k < K; k++)
        acc[k % lanes] = fmaf(a[k], b[k], acc[k % lanes]);
    if (lanes == 16)
        for (int i = 0; i < 8; i++)
            acc[i] = acc[i] + acc[i + 8];
    for (int i = 0; i < 4; i++)
        acc[i] = acc[i] + acc[i + 4];
    acc[0] = acc[0] + acc[2], acc[1] = acc[1] + acc[3];
    return acc[0] + acc[1];
}

/* Which sums the vector gemm_nt makes, bit for bit, in each vector ISA this CPU runs: its tiles of
 * 4 columns reduce their four accumulators together (VHSUM4), which must give each the bits of its
 * own VHSUM; columns 9 = 4 + 4 + 1 and K = 37 (two whole vectors of 16 and a tail) cover the
 * tiles and the masked tail. */
static void test_gemm_nt_sums_each_dot_product_in_the_lane_order_of_its_isa(void)
{
    enum { M = 7, N = 9, K = 37 };
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 3);
    float a[M * K], b[N * K], c[M * N];
    for (int i = 0; i < M * K; i++)
        a[i] = (float)gsl_ran_flat(rng, -1, 1);
    for (int i = 0; i < N * K; i++)
        b[i] = (float)gsl_ran_flat(rng, -1, 1) * (i % 5 == 0 ? 1e4f : 1.0f);
    int checked = 0;
    for (int isa = all_isas(); isa > ISA_C; isa--) {
        isa_limit((Isa)isa);
        const int lanes = isa == ISA_AVX512 ? 16 : 8;
        gemm_nt(M, N, K, a, K, b, K, c, N, GEMM_ZERO, NULL);
        int same = 1;
        for (int i = 0; i < M; i++)
            for (int j = 0; j < N; j++) {
                const float want = dot_in_lanes(a + i * K, b + j * K, K, lanes);
                same &= memcmp(&want, &c[i * N + j], sizeof want) == 0;
            }
        CU_ASSERT(same);
        checked++;
    }
    all_isas();
    CU_ASSERT(checked >= 1);          /* every x86-64 CPU this suite runs on has AVX2 and FMA */
    gsl_rng_free(rng);
}

/* Worst |C - definition| / (K + 1) of one product on random data; columns past N (C is allocated
 * with 3 spare ones holding 7.0f) must stay untouched, else it returns 1e9. nt: gemm_nt; ta: A is
 * given transposed. For GEMM_ZERO_WHERE_POSITIVE, bias is P [M, ldc], a third of it <= 0 (zeros
 * and negative zeros among them). */
static double gemm_error(int M, int N, int K, int nt, int ta, GemmInit init, gsl_rng *rng)
{
    const int ldc = N + 3;
    const size_t nbias = (size_t)M * ldc + (M > N ? M : N);
    float *a = zalloc((size_t)M * K), *b = zalloc((size_t)K * N), *c = zalloc((size_t)M * ldc);
    float *bias = zalloc(nbias);
    fill_uniform(a, (size_t)M * K, -1, 1, rng);
    fill_uniform(b, (size_t)K * N, -1, 1, rng);
    fill_uniform(c, (size_t)M * ldc, -1, 1, rng);
    fill_uniform(bias, nbias, -0.5, 1, rng);
    for (size_t e = 0; e < nbias; e += 7)
        bias[e] = e % 2 ? -0.0f : 0.0f;
    for (int i = 0; i < M; i++)
        for (int j = N; j < ldc; j++)
            c[(size_t)i * ldc + j] = 7.0f;
    double *want = calloc((size_t)M * N, sizeof(double));
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) {
            double v = init == GEMM_ACCUMULATE ? c[(size_t)i * ldc + j] : init == GEMM_ROW_BIAS ? bias[i]
                     : init == GEMM_COL_BIAS || init == GEMM_COL_BIAS_RELU ? bias[j] : 0.0;
            for (int k = 0; k < K; k++)
                v += (double)(ta ? a[(size_t)k * M + i] : a[(size_t)i * K + k]) *
                     (nt ? b[(size_t)j * K + k] : b[(size_t)k * N + j]);
            if (init == GEMM_COL_BIAS_RELU)
                v = v > 0.0 ? v : 0.0;
            if (init == GEMM_ZERO_WHERE_POSITIVE)
                v = bias[(size_t)i * ldc + j] > 0.0f ? v : 0.0;
            want[(size_t)i * N + j] = v;
        }
    if (nt)
        gemm_nt(M, N, K, a, K, b, K, c, ldc, init, bias);
    else
        gemm_nn(M, N, K, a, ta ? 1 : K, ta ? M : 1, b, N, c, ldc, init, bias);
    double worst = 0.0;
    for (int i = 0; i < M; i++) {
        for (int j = 0; j < N; j++)
            worst = fmax(worst, fabs(c[(size_t)i * ldc + j] - want[(size_t)i * N + j]) / (K + 1));
        for (int j = N; j < ldc; j++)
            if (c[(size_t)i * ldc + j] != 7.0f)
                worst = 1e9;
    }
    free(a), free(b), free(c), free(bias), free(want);
    return worst;
}

/* Shapes that hit every tile size and edge: rows 1..13 past whole tiles, columns past whole
 * vectors, K of 1 and K past a vector for the dot products. */
static const int GEMM_SHAPES[][3] = {
    {1, 1, 1}, {3, 5, 7}, {13, 37, 29}, {7, 17, 1}, {16, 70, 9}, {32, 196, 33},
    {25, 200, 5}, {6, 6, 6}, {12, 64, 3}, {9, 130, 40}, {24, 33, 17}, {5, 16, 48},
};

static void test_gemm_nn_matches_its_definition_in_every_isa(void)
{
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    for (int isa = all_isas(); isa >= 0; isa--) {
        isa_limit((Isa)isa);
        double worst = 0.0;
        for (size_t s = 0; s < sizeof GEMM_SHAPES / sizeof GEMM_SHAPES[0]; s++)
            for (int ta = 0; ta < 2; ta++)
                for (int init = GEMM_ZERO; init <= GEMM_ZERO_WHERE_POSITIVE; init++)
                    worst = fmax(worst, gemm_error(GEMM_SHAPES[s][0], GEMM_SHAPES[s][1],
                                                   GEMM_SHAPES[s][2], 0, ta, (GemmInit)init, rng));
        CU_ASSERT(worst < 1e-6);
    }
    all_isas();
    gsl_rng_free(rng);
}

static void test_gemm_nt_matches_its_definition_in_every_isa(void)
{
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    for (int isa = all_isas(); isa >= 0; isa--) {
        isa_limit((Isa)isa);
        double worst = 0.0;
        for (size_t s = 0; s < sizeof GEMM_SHAPES / sizeof GEMM_SHAPES[0]; s++)
            for (int init = GEMM_ZERO; init <= GEMM_ZERO_WHERE_POSITIVE; init++)
                worst = fmax(worst, gemm_error(GEMM_SHAPES[s][0], GEMM_SHAPES[s][1],
                                               GEMM_SHAPES[s][2], 1, 0, (GemmInit)init, rng));
        CU_ASSERT(worst < 1e-6);
    }
    all_isas();
    gsl_rng_free(rng);
}

/* A dense layer with its ReLU taken in (the walk's dense, relu, dense) against the unfused calls:
 * the forward's relu(in w^T + b) bitwise relu_forward of the plain forward, and the backward with
 * din_mask bitwise relu_backward of the plain input gradient, weight and bias gradients unchanged,
 * in every ISA at 1, 2 and 3 threads; both output splits (Out >= B and Out < B). The fused
 * backward also stores its gradients (after model_zero_grad): bitwise the plain one's added to
 * zeros. */
static void test_dense_with_its_relu_is_the_unfused_pair_bitwise_in_every_isa(void)
{
    static const int SHAPES[][3] = {{13, 37, 29}, {70, 45, 20}, {128, 96, 64}}; /* B, In, Out */
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    for (size_t s = 0; s < sizeof SHAPES / sizeof SHAPES[0]; s++) {
        const int B = SHAPES[s][0], In = SHAPES[s][1], Out = SHAPES[s][2];
        const size_t nin = (size_t)B * In, nout = (size_t)B * Out, nw = (size_t)Out * In;
        float *x = zalloc(nin), *w = zalloc(nw), *b = zalloc(Out), *g = zalloc(nout);
        float *mask = zalloc(nin), *plain = zalloc(nout), *relu = zalloc(nout);
        float *fused = zalloc(nout);
        float *din[2] = {zalloc(nin), zalloc(nin)}, *dw[2] = {zalloc(nw), zalloc(nw)};
        float *db[2] = {zalloc(Out), zalloc(Out)};
        fill_uniform(x, nin, -1, 1, rng), fill_uniform(w, nw, -0.3, 0.3, rng);
        fill_uniform(b, Out, -0.5, 0.5, rng), fill_uniform(g, nout, -1, 1, rng);
        relu_forward_ref(mask, x, nin);           /* a ReLU's output: zeros where x <= 0 */
        for (int isa = all_isas(); isa >= 0; isa--) {
            isa_limit((Isa)isa);
            for (int threads = 1; threads <= 3; threads++) {
                dense_forward(plain, x, w, b, B, In, Out, 0, threads);
                relu_forward(relu, plain, nout);
                dense_forward(fused, x, w, b, B, In, Out, 1, threads);
                CU_ASSERT(memcmp(fused, relu, sizeof(float) * nout) == 0);
                memset(dw[0], 0, sizeof(float) * nw), memset(db[0], 0, sizeof(float) * Out);
                for (size_t i = 0; i < nw; i++)           /* stored over, whatever they held */
                    dw[1][i] = NAN;
                for (int i = 0; i < Out; i++)
                    db[1][i] = 1e30f;
                dense_backward(din[0], dw[0], db[0], g, x, w, NULL, B, In, Out, 0, threads);
                relu_backward(din[0], din[0], mask, nin);
                dense_backward(din[1], dw[1], db[1], g, x, w, mask, B, In, Out, 1, threads);
                CU_ASSERT(memcmp(din[0], din[1], sizeof(float) * nin) == 0);
                CU_ASSERT(memcmp(dw[0], dw[1], sizeof(float) * nw) == 0);
                CU_ASSERT(memcmp(db[0], db[1], sizeof(float) * Out) == 0);
            }
        }
        all_isas();
        free(x), free(w), free(b), free(g), free(mask), free(plain), free(relu), free(fused);
        for (int k = 0; k < 2; k++)
            free(din[k]), free(dw[k]), free(db[k]);
    }
    gsl_rng_free(rng);
}

/* The gather forms read B's rows through a table: scatter the rows of a B to shuffled places in a
 * larger buffer and the product must come out bitwise as from the packed B. */
static void test_gemm_gather_equals_the_packed_product_bitwise(void)
{
    enum { M = 13, N = 45, K = 19, GAP = 7 };
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    float *a = zalloc(M * K), *b = zalloc(K * N), *bt = zalloc(N * K);
    float *spread = zalloc((K + N) * (N + K + GAP));
    float *want = zalloc(M * N), *got = zalloc(M * N);
    ptrdiff_t rows[K > N ? K : N];
    size_t order[K > N ? K : N];
    fill_uniform(a, M * K, -1, 1, rng);
    fill_uniform(b, K * N, -1, 1, rng);
    fill_uniform(bt, N * K, -1, 1, rng);
    for (int isa = all_isas(); isa >= 0; isa--) {
        isa_limit((Isa)isa);
        /* gemm_nn: B [K, N], its rows placed in shuffled slots GAP floats apart */
        for (size_t k = 0; k < K; k++)
            order[k] = k;
        gsl_ran_shuffle(rng, order, K, sizeof order[0]);
        for (int k = 0; k < K; k++) {
            rows[k] = (ptrdiff_t)order[k] * (N + GAP);
            memcpy(spread + rows[k], b + k * N, sizeof(float) * N);
        }
        gemm_nn(M, N, K, a, K, 1, b, N, want, N, GEMM_ROW_BIAS, a);
        gemm_nn_gather(M, N, K, a, K, 1, spread, rows, got, N, GEMM_ROW_BIAS, a);
        CU_ASSERT(memcmp(want, got, sizeof(float) * M * N) == 0);
        /* gemm_nt: B [N, K], likewise */
        for (size_t j = 0; j < N; j++)
            order[j] = j;
        gsl_ran_shuffle(rng, order, N, sizeof order[0]);
        for (int j = 0; j < N; j++) {
            rows[j] = (ptrdiff_t)order[j] * (K + GAP);
            memcpy(spread + rows[j], bt + j * K, sizeof(float) * K);
        }
        gemm_nt(M, N, K, a, K, bt, K, want, N, GEMM_ACCUMULATE, NULL);
        memcpy(got, want, sizeof(float) * M * N);
        gemm_nt(M, N, K, a, K, bt, K, want, N, GEMM_ACCUMULATE, NULL);
        gemm_nt_gather(1, 0, 0, M, N, K, a, K, spread, rows, got, N, GEMM_ACCUMULATE, NULL);
        CU_ASSERT(memcmp(want, got, sizeof(float) * M * N) == 0);
    }
    all_isas();
    free(a), free(b), free(bt), free(spread), free(want), free(got);
    gsl_rng_free(rng);
}

/* What lets threads split a product: any block of C comes out bitwise as in the whole product. */
static void test_gemm_blocks_of_c_equal_the_whole_product_bitwise(void)
{
    enum { M = 29, N = 150, K = 37 };
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    float *a = zalloc(M * K), *b = zalloc(K * N), *bt = zalloc(N * K), *whole = zalloc(M * N),
          *parts = zalloc(M * N);
    fill_uniform(a, M * K, -1, 1, rng);
    fill_uniform(b, K * N, -1, 1, rng);
    fill_uniform(bt, N * K, -1, 1, rng);
    for (int isa = all_isas(); isa >= 0; isa--) {
        isa_limit((Isa)isa);
        gemm_nn(M, N, K, a, K, 1, b, N, whole, N, GEMM_ZERO, NULL);
        gemm_nn(11, N, K, a, K, 1, b, N, parts, N, GEMM_ZERO, NULL);              /* rows 0..10 */
        gemm_nn(M - 11, 67, K, a + 11 * K, K, 1, b, N, parts + 11 * N, N, GEMM_ZERO, NULL);
        gemm_nn(M - 11, N - 67, K, a + 11 * K, K, 1, b + 67, N, parts + 11 * N + 67, N, GEMM_ZERO,
                NULL);
        CU_ASSERT(memcmp(whole, parts, sizeof(float) * M * N) == 0);
        gemm_nt(M, N, K, a, K, bt, K, whole, N, GEMM_ZERO, NULL);
        gemm_nt(7, N, K, a, K, bt, K, parts, N, GEMM_ZERO, NULL);
        gemm_nt(M - 7, 33, K, a + 7 * K, K, bt, K, parts + 7 * N, N, GEMM_ZERO, NULL);
        gemm_nt(M - 7, N - 33, K, a + 7 * K, K, bt + 33 * K, K, parts + 7 * N + 33, N, GEMM_ZERO, NULL);
        CU_ASSERT(memcmp(whole, parts, sizeof(float) * M * N) == 0);
    }
    all_isas();
    free(a), free(b), free(bt), free(whole), free(parts);
    gsl_rng_free(rng);
}

/* Their elements, and +0 (rows_copy only) in the gaps between rows: nothing after the last row. */
static void test_rows_copy_and_add_touch_only_their_elements(void)
{
    enum { ROWS = 3, LEN = 37, SLD = 41, DLD = 45 };
    float src[ROWS * SLD], dst[ROWS * DLD];
    for (int i = 0; i < ROWS * SLD; i++)
        src[i] = (float)i;
    for (int isa = all_isas(); isa >= 0; isa--) {
        isa_limit((Isa)isa);
        for (int i = 0; i < ROWS * DLD; i++)
            dst[i] = -1.0f;
        rows_copy(ROWS, LEN, src, SLD, dst, DLD);
        rows_add(ROWS, LEN, src, SLD, dst, DLD);
        int bad = 0;
        for (int r = 0; r < ROWS; r++)
            for (int x = 0; x < DLD; x++)
                bad += x < LEN ? dst[r * DLD + x] != 2.0f * src[r * SLD + x]
                       : r < ROWS - 1 ? dst[r * DLD + x] != -1.0f && dst[r * DLD + x] != 0.0f
                                      : dst[r * DLD + x] != -1.0f;
        CU_ASSERT_EQUAL(bad, 0);
    }
    all_isas();
}

/* Pooling in every instruction set, bitwise against the portable build, on planes full of ties
 * (values from {0, 1, 2}) and of sizes around the vector widths, odd ones included. */
static void test_maxpool_kernels_follow_the_tie_rule_in_every_isa(void)
{
    static const int sizes[][2] = {{28, 28}, {14, 14}, {5, 7}, {11, 11}, {3, 3}, {33, 35}, {2, 66}};
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        const int H = sizes[s][0], W = sizes[s][1], P = 3;
        const size_t n_in = (size_t)P * H * W, n_out = (size_t)P * (H / 2) * (W / 2);
        float *in = zalloc(n_in), *g = zalloc(n_out), *out = zalloc(n_out), *din = zalloc(n_in);
        float *want_out = zalloc(n_out), *want_din = zalloc(n_in);
        for (size_t i = 0; i < n_in; i++)
            in[i] = (float)gsl_rng_uniform_int(rng, 3);
        fill_uniform(g, n_out, 1, 2, rng);
        isa_limit(ISA_C);
        maxpool2_forward(want_out, in, P, 1, H, W);
        maxpool2_backward(want_din, g, in, P, 1, H, W);
        for (int isa = all_isas(); isa >= 0; isa--) {
            isa_limit((Isa)isa);
            for (size_t i = 0; i < n_in; i++)
                din[i] = 5.0f;                      /* every element must be written */
            maxpool2_forward(out, in, P, 1, H, W);
            maxpool2_backward(din, g, in, P, 1, H, W);
            CU_ASSERT(memcmp(out, want_out, sizeof(float) * n_out) == 0);
            CU_ASSERT(memcmp(din, want_din, sizeof(float) * n_in) == 0);
        }
        all_isas();
        free(in), free(g), free(out), free(din), free(want_out), free(want_din);
    }
    gsl_rng_free(rng);
}

/* The pool that keeps its codes and the backward that reads them, in every instruction set, on
 * planes full of ties and of ReLU zeros (values from {0, 1, 2}, a third of them 0) and of sizes
 * around the vector widths, odd ones included: the pool bitwise maxpool2_forward's, the gradient
 * bitwise maxpool2_backward_ref then relu_backward_ref, written into rows of a longer stride with
 * every element of the plane written, at most +0 in the gaps between rows and nothing after the
 * last row. */
static void test_pool_codes_follow_the_tie_rule_and_the_relu_in_every_isa(void)
{
    static const int sizes[][2] = {{28, 28}, {14, 14}, {5, 7}, {11, 11}, {3, 3}, {33, 35}, {2, 66}};
    enum { PAD = 19 };
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        const int H = sizes[k][0], W = sizes[k][1], C = 3;
        const ptrdiff_t ldd = W + PAD;
        const size_t n_in = (size_t)C * H * W, n_out = (size_t)C * (H / 2) * (W / 2);
        const size_t plane_out = (size_t)(H / 2) * (W / 2), span = (size_t)H * ldd + PAD;
        float *in = zalloc(n_in), *g = zalloc(n_out), *out = zalloc(n_out);
        float *want_out = zalloc(n_out);
        float *want_din = zalloc(n_in), *dst = zalloc(span);
        unsigned char *codes = calloc(pool_codes_size(C, H, W) + 1, 1);
        for (size_t i = 0; i < n_in; i++)
            in[i] = (float)gsl_rng_uniform_int(rng, 3);
        fill_uniform(g, n_out, 1, 2, rng);
        maxpool2_forward_ref(want_out, in, 1, C, H, W);
        maxpool2_backward_ref(want_din, g, in, 1, C, H, W);
        relu_backward_ref(want_din, want_din, in, n_in);   /* in: a ReLU's output already */
        for (int isa = all_isas(); isa >= 0; isa--) {
            isa_limit((Isa)isa);
            maxpool2_forward_codes(out, codes, in, C, H, W);
            CU_ASSERT(memcmp(out, want_out, sizeof(float) * n_out) == 0);
            int bad = 0;
            for (int c = 0; c < C; c++) {
                for (size_t i = 0; i < span; i++)
                    dst[i] = -1.0f;
                maxpool2_relu_backward_codes(dst, ldd, g + c * plane_out,
                                             codes + c * pool_codes_size(1, H, W), H, W);
                for (int y = 0; y < H; y++)
                    for (ptrdiff_t x = 0; x < ldd; x++) {
                        const float v = dst[y * ldd + x];
                        const float *want = &want_din[((size_t)c * H + y) * W + x];
                        bad += x < W ? memcmp(&v, want, sizeof v) != 0
                               : y < H - 1 ? v != -1.0f && !(v == 0.0f && !signbit(v))
                                           : v != -1.0f;
                    }
                for (size_t i = (size_t)H * ldd; i < span; i++)
                    bad += dst[i] != -1.0f;
            }
            CU_ASSERT_EQUAL(bad, 0);
        }
        all_isas();
        free(in), free(g), free(out), free(want_out), free(want_din), free(dst), free(codes);
    }
    gsl_rng_free(rng);
}

static void test_conv_matches_direct_convolution_and_differences_in_every_isa(void)
{
    for (int isa = all_isas(); isa >= 0; isa--) {
        isa_limit((Isa)isa);
        CU_ASSERT(conv_vs_direct(0) < 1e-5);
        CU_ASSERT(conv_vs_direct(1) < 1e-5);
        CU_ASSERT(check_item("conv 3 3 pad 1", 2, 2, 5, 4, 13) < GRAD_TOL);
        CU_ASSERT(check_item("conv 5 2", 3, 3, 4, 5, 14) < GRAD_TOL);
        CU_ASSERT(check_item("dense 5", 3, 2, 3, 3, 15) < GRAD_TOL);
    }
    all_isas();
}

/* With "same" padding and at least 4 input channels the fast backward computes the input gradient
 * as a convolution of the padded output gradient (models/conv.c), not through col2im. */
static void test_conv_input_gradient_in_direct_form_matches_finite_differences(void)
{
    for (int isa = all_isas(); isa >= 0; isa--) {
        isa_limit((Isa)isa);
        CU_ASSERT(check_item("conv 3 3 pad 1", 2, 4, 5, 6, 21) < GRAD_TOL);
        CU_ASSERT(check_item("conv 2 5 pad 2", 2, 4, 5, 5, 22) < GRAD_TOL);
    }
    all_isas();
}

/* conv + ReLU fused (the ReLU's output written with the conv's, its backward applied while the
 * conv reads dout) must equal the two layers run apart, bitwise, forward and backward. */
static void test_conv_with_fused_relu_equals_conv_then_relu_bitwise(void)
{
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    ConvShape s;
    conv_shape(&s, 3, 2, 6, 7, 5, 3, 1);
    const size_t nin = (size_t)s.B * s.C * s.H * s.W, nout = (size_t)s.B * s.OC * s.OH * s.OW;
    const size_t nw = (size_t)s.OC * s.C * 9;
    float *in = zalloc(nin), *w = zalloc(nw), *b = zalloc(s.OC);
    float *scratch = zalloc(conv_scratch_size(&s));
    float *out = zalloc(nout), *relu = zalloc(nout), *out2 = zalloc(nout), *relu2 = zalloc(nout);
    float *g = zalloc(nout), *gconv = zalloc(nout), *din = zalloc(nin), *din2 = zalloc(nin);
    float *dw = zalloc(nw + s.OC), *dw2 = zalloc(nw + s.OC);
    fill_uniform(in, nin, -1, 1, rng);
    fill_uniform(w, nw, -1, 1, rng);
    fill_uniform(b, s.OC, -0.5, 0.5, rng);
    fill_uniform(g, nout, -1, 1, rng);
    for (int isa = all_isas(); isa >= 0; isa--) {
        isa_limit((Isa)isa);
        conv2d_forward(&s, out, in, w, b, relu, scratch);
        conv2d_forward(&s, out2, in, w, b, NULL, scratch);
        relu_forward(relu2, out2, nout);
        CU_ASSERT(memcmp(out, out2, sizeof(float) * nout) == 0);
        CU_ASSERT(memcmp(relu, relu2, sizeof(float) * nout) == 0);
        memset(dw, 0, sizeof(float) * (nw + s.OC));
        memset(dw2, 0, sizeof(float) * (nw + s.OC));
        conv2d_backward(&s, din, dw, dw + nw, g, relu, in, w, scratch);
        relu_backward(gconv, g, relu2, nout);
        conv2d_backward(&s, din2, dw2, dw2 + nw, gconv, NULL, in, w, scratch);
        CU_ASSERT(memcmp(din, din2, sizeof(float) * nin) == 0);
        CU_ASSERT(memcmp(dw, dw2, sizeof(float) * (nw + s.OC)) == 0);
    }
    all_isas();
    free(in), free(w), free(b), free(scratch), free(out), free(relu), free(out2), free(relu2);
    free(g), free(gconv), free(din), free(din2), free(dw), free(dw2);
    gsl_rng_free(rng);
}

/* conv + ReLU + 2x2 max pool backward in one pass (the walk's fusion, from the codes its fused
 * forward kept) must equal the pool's backward followed by the conv's (with its fused ReLU),
 * bitwise: "same" padding with 4 channels (the direct input gradient), no padding, odd output
 * sizes (a dropped row and column), one channel (the direct forward), and many ties (every window
 * of ReLU zeros). */
static void test_conv_relu_pool_backward_equals_the_backwards_in_turn_bitwise(void)
{
    static const int shapes[][7] = {{3, 4, 6, 8, 5, 3, 1}, {2, 2, 7, 9, 3, 3, 0},
                                    {7, 3, 9, 7, 6, 3, 1}, {1, 1, 28, 28, 16, 3, 1},
                                    {3, 1, 10, 12, 5, 3, 0}, {2, 32, 14, 14, 8, 3, 1}};
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    for (size_t k = 0; k < sizeof shapes / sizeof shapes[0]; k++) {
        const int *d = shapes[k];
        ConvShape s;
        conv_shape(&s, d[0], d[1], d[2], d[3], d[4], d[5], d[6]);
        const size_t nin = (size_t)s.B * s.C * s.H * s.W, nout = (size_t)s.B * s.OC * s.OH * s.OW;
        const size_t npool = (size_t)s.B * s.OC * (s.OH / 2) * (s.OW / 2);
        const size_t nw = (size_t)s.OC * s.C * s.K * s.K;
        float *in = zalloc(nin), *w = zalloc(nw), *b = zalloc(s.OC), *out = zalloc(nout);
        float *relu = zalloc(nout), *gpool = zalloc(npool), *gin = zalloc(nout);
        float *din = zalloc(nin), *din2 = zalloc(nin), *dw = zalloc(nw + s.OC), *dw2 = zalloc(nw + s.OC);
        float *scratch = zalloc(conv_scratch_size(&s)), *pooled = zalloc(npool);
        unsigned char *codes = calloc((size_t)s.B * pool_codes_size(s.OC, s.OH, s.OW) + 1, 1);
        fill_uniform(in, nin, -1, 1, rng);
        fill_uniform(w, nw, -1, 1, rng);
        fill_uniform(b, s.OC, -0.5, 0.5, rng);
        fill_uniform(gpool, npool, -1, 1, rng);
        for (int isa = all_isas(); isa >= 0; isa--) {
            isa_limit((Isa)isa);
            conv2d_forward(&s, out, in, w, b, relu, scratch);
            conv2d_relu_pool_forward(&s, pooled, codes, NULL, NULL, in, w, b, scratch);
            memset(dw, 0, sizeof(float) * (nw + s.OC));
            memset(dw2, 0, sizeof(float) * (nw + s.OC));
            /* the scratch as another layer may leave it: no padding may count on earlier zeros */
            for (size_t i = 0; i < conv_scratch_size(&s); i++)
                scratch[i] = NAN;
            conv2d_relu_pool_backward(&s, din, dw, dw + nw, gpool, codes, in, w, scratch);
            maxpool2_backward(gin, gpool, relu, s.B, s.OC, s.OH, s.OW);
            conv2d_backward(&s, din2, dw2, dw2 + nw, gin, relu, in, w, scratch);
            CU_ASSERT(memcmp(din, din2, sizeof(float) * nin) == 0);
            CU_ASSERT(memcmp(dw, dw2, sizeof(float) * (nw + s.OC)) == 0);
            int finite = 1;                 /* (both sides NaN alike would pass the two above) */
            for (size_t i = 0; i < nin; i++)
                finite &= isfinite(din[i]) != 0;
            for (size_t i = 0; i < nw + s.OC; i++)
                finite &= isfinite(dw[i]) != 0;
            CU_ASSERT(finite);
        }
        all_isas();
        free(in), free(w), free(b), free(out), free(relu), free(gpool), free(gin);
        free(din), free(din2), free(dw), free(dw2), free(scratch), free(pooled), free(codes);
    }
    gsl_rng_free(rng);
}

/* L = sum of r * maxpool(relu(conv(x))), all in double from the definitions (so that a step of
 * 1e-4 is far above the rounding and crosses a kink only where two corners lie that close). */
static double conv_relu_pool_loss(const ConvShape *s, const float *x, const float *w,
                                  const float *b, const float *r)
{
    const int PH = s->OH / 2, PW = s->OW / 2;
    double L = 0.0;
    for (int n = 0; n < s->B; n++)
        for (int o = 0; o < s->OC; o++)
            for (int py = 0; py < PH; py++)
                for (int px = 0; px < PW; px++) {
                    double best = 0.0;      /* max over the window of relu(z) */
                    for (int k = 0; k < 4; k++) {
                        const int y = 2 * py + k / 2, xx = 2 * px + k % 2;
                        double z = b[o];
                        for (int c = 0; c < s->C; c++)
                            for (int i = 0; i < s->K; i++)
                                for (int j = 0; j < s->K; j++) {
                                    const int iy = y + i - s->pad, ix = xx + j - s->pad;
                                    if (iy >= 0 && iy < s->H && ix >= 0 && ix < s->W)
                                        z += (double)w[((o * s->C + c) * s->K + i) * s->K + j] *
                                             x[((n * s->C + c) * s->H + iy) * s->W + ix];
                                }
                        best = fmax(best, z);
                    }
                    L += (double)r[((n * s->OC + o) * PH + py) * PW + px] * best;
                }
    return L;
}

/* The fused backward's input and weight gradients against central differences of that loss. */
static void test_conv_relu_pool_backward_matches_finite_differences(void)
{
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 31);
    ConvShape s;
    conv_shape(&s, 2, 4, 6, 6, 3, 3, 1);
    const size_t nin = (size_t)s.B * s.C * s.H * s.W, nout = (size_t)s.B * s.OC * s.OH * s.OW;
    const size_t nw = (size_t)s.OC * s.C * 9;
    float *x = zalloc(nin), *p = zalloc(nw + s.OC), *r = zalloc(nout / 4), *out = zalloc(nout);
    float *relu = zalloc(nout), *din = zalloc(nin), *pooled = zalloc(nout / 4);
    float *g = zalloc(nw + s.OC), *scratch = zalloc(conv_scratch_size(&s));
    unsigned char *codes = calloc((size_t)s.B * pool_codes_size(s.OC, s.OH, s.OW), 1);
    fill_uniform(x, nin, -1, 1, rng);
    fill_uniform(p, nw + s.OC, -1, 1, rng);
    fill_uniform(r, nout / 4, -1, 1, rng);
    conv2d_relu_pool_forward(&s, pooled, codes, relu, out, x, p, p + nw, scratch);
    conv2d_relu_pool_backward(&s, din, g, g + nw, r, codes, x, p, scratch);
    double worst = 0.0;
    float *vars[2] = {x, p}, *grads[2] = {din, g};
    const size_t counts[2] = {nin, nw + s.OC};
    for (int v = 0; v < 2; v++)
        for (size_t i = 0; i < counts[v]; i++) {
            const float keep = vars[v][i], up = (float)(keep + 1e-4), down = (float)(keep - 1e-4);
            vars[v][i] = up;
            const double lp = conv_relu_pool_loss(&s, x, p, p + nw, r);
            vars[v][i] = down;
            const double lm = conv_relu_pool_loss(&s, x, p, p + nw, r);
            vars[v][i] = keep;
            const double num = (lp - lm) / ((double)up - (double)down), a = grads[v][i];
            worst = fmax(worst, fabs(a - num) / fmax(fabs(a) + fabs(num), REL_FLOOR));
        }
    if (getenv("FD_VERBOSE"))
        fprintf(stderr, "\n  conv+relu+pool worst relative error %.3g", worst);
    CU_ASSERT(worst < GRAD_TOL);
    free(x), free(p), free(r), free(out), free(relu), free(din), free(g), free(scratch);
    free(pooled), free(codes);
    gsl_rng_free(rng);
}

/* ---- the profile ---- */

/* The whitespace-separated fields of the line of `text` that starts with `name `, into f (at most
 * max, each cut at 31 characters); their count, 0 when there is no such line. */
static int profile_fields(const char *text, const char *name, char f[][32], int max)
{
    const size_t len = strlen(name);
    const char *line = text;
    while (strncmp(line, name, len) != 0 || line[len] != ' ') {
        line = strchr(line, '\n');
        if (!line)
            return 0;
        line++;
    }
    const char *end = strchr(line, '\n');
    const size_t n = end ? (size_t)(end - line) : strlen(line);
    char buf[256];
    snprintf(buf, sizeof buf, "%.*s", (int)n, line);
    int count = 0;
    for (char *save = NULL, *w = strtok_r(buf, " ", &save); w && count < max;
         w = strtok_r(NULL, " ", &save))
        snprintf(f[count++], 32, "%s", w);
    return count;
}

/* --profile: a conv's row rates its multiply-adds (GFLOP/s and a share of the FMA peak measured
 * on the spot), a pool's row, which has none, shows dashes, and a pool whose backward its conv does
 * says so. */
static void test_profile_prints_each_layers_gflops_and_share_of_the_fma_peak(void)
{
    ModelSpec spec;
    memset(&spec, 0, sizeof spec);
    snprintf(spec.family, sizeof spec.family, "cnn");
    snprintf(spec.layers, sizeof spec.layers, "conv 8 3 pad 1, relu, maxpool 2, dense 5");
    spec.in_c = 1, spec.in_h = 12, spec.in_w = 12, spec.num_classes = 5;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 8);
    Model m;
    CU_ASSERT_FATAL(model_build(&m, &spec, rng) == 0);
    const int B = 16;
    float *x = zalloc((size_t)B * 144);
    int y[16];
    fill_uniform(x, (size_t)B * 144, -1, 1, rng);
    for (int i = 0; i < B; i++)
        y[i] = i % 5;
    CU_ASSERT_FATAL(model_alloc_batch(&m, B) == 0 && model_profile_enable(&m, 1) == 0);
    for (int step = 0; step < 3; step++) {
        model_forward(&m, x, B, 1);
        model_loss(&m, y, B, NULL);
        model_zero_grad(&m);
        model_backward(&m, x, B);
    }
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    CU_ASSERT_FATAL(out != NULL);
    model_profile_print(&m, out);
    fclose(out);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "% of the FMA peak"));
    char f[16][32];
    /* conv1 conv 8 3 pad 1 fwd bwd share eval trainGF %peak evalGF %peak */
    CU_ASSERT_EQUAL(profile_fields(text, "conv1", f, 16), 14);
    CU_ASSERT(atof(f[10]) > 0.0 && strchr(f[11], '%') != NULL && atof(f[11]) > 0.0);
    CU_ASSERT(atof(f[10]) < 1e6);     /* GFLOP/s, not FLOPs */
    /* maxpool1 2x2, in conv fwd bwd share eval - - - -: both its passes are the conv's, so its
     * row's own times are 0 */
    const int n = profile_fields(text, "maxpool1", f, 16);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "2x2, in conv"));
    CU_ASSERT(n >= 8 && strcmp(f[n - 1], "-") == 0 && strcmp(f[n - 4], "-") == 0);
    CU_ASSERT(n >= 8 && atof(f[n - 8]) == 0.0 && atof(f[n - 7]) == 0.0);
    CU_ASSERT(profile_fields(text, "total", f, 16) >= 8);
    free(text), free(x);
    model_free(&m);
    gsl_rng_free(rng);
}

/* ---- the model's walk: per-image layers in fixed chunks of the batch ---- */

/* Gradients of one step of a small cnn on B images with the given threads. */
static float *cnn_gradients(int B, int threads, size_t *n)
{
    ModelSpec spec;
    memset(&spec, 0, sizeof spec);
    snprintf(spec.family, sizeof spec.family, "cnn");
    snprintf(spec.layers, sizeof spec.layers,
             "conv 4 3 pad 1, relu, maxpool 2, conv 6 3, relu, maxpool 2, dense 7, relu, dense 3");
    spec.in_c = 1, spec.in_h = 12, spec.in_w = 12, spec.num_classes = 3;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 5);
    Model m;
    float *grads = NULL;
    if (model_build(&m, &spec, rng) == 0) {
        m.threads = threads;
        float *x = zalloc((size_t)B * 144);
        int *y = calloc((size_t)B, sizeof(int));
        fill_uniform(x, (size_t)B * 144, -1, 1, rng);
        for (int i = 0; i < B; i++)
            y[i] = i % 3;
        if (model_alloc_batch(&m, B) == 0 && model_forward(&m, x, B, 1)) {
            model_loss(&m, y, B, NULL);
            model_zero_grad(&m);
            model_backward(&m, x, B);
            *n = m.n_param_values;
            grads = zalloc(*n);
            memcpy(grads, m.grad_block, sizeof(float) * *n);
        }
        free(x), free(y);
        model_free(&m);
    }
    gsl_rng_free(rng);
    return grads;
}

static void test_model_gradients_are_bitwise_equal_at_any_thread_count(void)
{
    size_t n1 = 0, n2 = 0, n3 = 0;
    float *g1 = cnn_gradients(53, 1, &n1), *g2 = cnn_gradients(53, 2, &n2);
    float *g3 = cnn_gradients(53, 3, &n3);
    CU_ASSERT_FATAL(g1 && g2 && g3 && n1 == n2 && n1 == n3);
    CU_ASSERT(memcmp(g1, g2, sizeof(float) * n1) == 0);
    CU_ASSERT(memcmp(g1, g3, sizeof(float) * n1) == 0);
    free(g1), free(g2), free(g3);
}

/* The walk's chunks: a thread that finds its helpers gone (or slow) walks every chunk, its own run
 * first and then the others' round from the next; threads taking turns take each chunk once, each
 * its own run in order. */
static void test_walk_takes_each_chunk_once_whoever_asks(void)
{
    const int counts[] = {1, 5, 23, WALK_CHUNKS};
    for (int ci = 0; ci < 4; ci++)
        for (int threads = 1; threads <= 5; threads++) {
            const int chunks = counts[ci];
            WalkChunks w;
            walk_chunks_init(&w, chunks, threads);
            CU_ASSERT(w.runs == (threads < chunks ? threads : chunks));
            /* the last thread alone: its run, then runs 0, 1, ... in order */
            const int last = w.runs - 1;
            int emptied = 0, expect = chunks * last / w.runs, taken = 0;
            for (int c; (c = walk_next_chunk(&w, last, &emptied)) >= 0; taken++) {
                if (expect == chunks)
                    expect = 0;
                CU_ASSERT_EQUAL(c, expect);
                expect++;
            }
            CU_ASSERT_EQUAL(taken, chunks);
            for (int t = 0; t < w.runs; t++) {
                int e = 0;
                CU_ASSERT_EQUAL(walk_next_chunk(&w, t, &e), -1);
            }
            /* every thread in turn, one chunk each */
            walk_chunks_init(&w, chunks, threads);
            int seen[WALK_CHUNKS] = {0}, emptied_by[5] = {0}, prev[5], done = 0;
            for (int t = 0; t < 5; t++)
                prev[t] = -1;
            while (done < w.runs) {
                done = 0;
                for (int t = 0; t < w.runs; t++) {
                    const int c = walk_next_chunk(&w, t, &emptied_by[t]);
                    if (c < 0) {
                        done++;
                        continue;
                    }
                    seen[c]++;
                    if (emptied_by[t] == 0) {       /* still in its own run: in order */
                        CU_ASSERT(c > prev[t]);
                        CU_ASSERT(c >= chunks * t / w.runs && c < chunks * (t + 1) / w.runs);
                        prev[t] = c;
                    }
                }
            }
            for (int c = 0; c < chunks; c++)
                CU_ASSERT_EQUAL(seen[c], 1);
        }
}

int register_layers_tests(void)
{
    CU_pSuite s = CU_add_suite("layers", NULL, NULL);
    if (!s)
        return -1;
    struct { const char *name; CU_TestFunc fn; } tests[] = {
        {"dense_gradients_match_finite_differences", test_dense_gradients_match_finite_differences},
        {"walk_takes_each_chunk_once_whoever_asks", test_walk_takes_each_chunk_once_whoever_asks},
        {"gemm_nt_sums_each_dot_product_in_the_lane_order_of_its_isa",
         test_gemm_nt_sums_each_dot_product_in_the_lane_order_of_its_isa},
        {"dense_gradients_on_a_feature_map_input", test_dense_gradients_on_a_feature_map_input},
        {"conv_gradients_without_padding", test_conv_gradients_without_padding},
        {"conv_gradients_with_padding", test_conv_gradients_with_padding},
        {"conv_relu_pool_backward_equals_the_backwards_in_turn_bitwise",
         test_conv_relu_pool_backward_equals_the_backwards_in_turn_bitwise},
        {"profile_prints_each_layers_gflops_and_share_of_the_fma_peak",
         test_profile_prints_each_layers_gflops_and_share_of_the_fma_peak},
        {"conv_relu_pool_backward_matches_finite_differences",
         test_conv_relu_pool_backward_matches_finite_differences},
        {"conv_input_gradient_in_direct_form_matches_finite_differences",
         test_conv_input_gradient_in_direct_form_matches_finite_differences},
        {"relu_gradients_away_from_zero", test_relu_gradients_away_from_zero},
        {"maxpool_gradients_with_distinct_values", test_maxpool_gradients_with_distinct_values},
        {"flatten_gradients_match_finite_differences", test_flatten_gradients_match_finite_differences},
        {"batchnorm_gradients_after_a_conv", test_batchnorm_gradients_after_a_conv},
        {"batchnorm_gradients_after_a_dense", test_batchnorm_gradients_after_a_dense},
        {"batchnorm_normalises_and_keeps_running_statistics",
         test_batchnorm_normalises_and_keeps_running_statistics},
        {"batchnorm_fast_path_is_bitwise_equal_at_any_thread_count",
         test_batchnorm_fast_path_is_bitwise_equal_at_any_thread_count},
        {"tanh_gradients_match_finite_differences", test_tanh_gradients_match_finite_differences},
        {"sigmoid_gradients_match_finite_differences", test_sigmoid_gradients_match_finite_differences},
        {"gelu_gradients_match_finite_differences", test_gelu_gradients_match_finite_differences},
        {"mish_gradients_match_finite_differences", test_mish_gradients_match_finite_differences},
        {"leakyrelu_gradients_away_from_zero", test_leakyrelu_gradients_away_from_zero},
        {"activations_take_their_textbook_values", test_activations_take_their_textbook_values},
        {"dropout_gradients_with_a_fixed_mask", test_dropout_gradients_with_a_fixed_mask},
        {"gradient_check_catches_a_ten_percent_error", test_gradient_check_catches_a_ten_percent_error},
        {"conv_forward_equals_direct_convolution_without_padding",
         test_conv_forward_equals_direct_convolution_without_padding},
        {"conv_forward_equals_direct_convolution_with_padding",
         test_conv_forward_equals_direct_convolution_with_padding},
        {"conv_output_shape_follows_padding", test_conv_output_shape_follows_padding},
        {"dense_reads_a_feature_map_in_chw_order", test_dense_reads_a_feature_map_in_chw_order},
        {"first_layer_backward_without_input_gradient_gives_same_weights",
         test_first_layer_backward_without_input_gradient_gives_same_weights},
        {"maxpool_routes_gradient_only_to_the_max", test_maxpool_routes_gradient_only_to_the_max},
        {"maxpool_floors_odd_sizes_and_zeroes_their_gradient",
         test_maxpool_floors_odd_sizes_and_zeroes_their_gradient},
        {"dropout_drops_about_p_and_scales_the_rest", test_dropout_drops_about_p_and_scales_the_rest},
        {"dropout_in_eval_mode_is_the_identity", test_dropout_in_eval_mode_is_the_identity},
        {"every_kind_is_in_the_table", test_every_kind_is_in_the_table},
        {"layer_item_errors_name_the_item", test_layer_item_errors_name_the_item},
        {"gemm_nn_matches_its_definition_in_every_isa", test_gemm_nn_matches_its_definition_in_every_isa},
        {"gemm_nt_matches_its_definition_in_every_isa", test_gemm_nt_matches_its_definition_in_every_isa},
        {"gemm_gather_equals_the_packed_product_bitwise",
         test_gemm_gather_equals_the_packed_product_bitwise},
        {"dense_with_its_relu_is_the_unfused_pair_bitwise_in_every_isa",
         test_dense_with_its_relu_is_the_unfused_pair_bitwise_in_every_isa},
        {"gemm_blocks_of_c_equal_the_whole_product_bitwise",
         test_gemm_blocks_of_c_equal_the_whole_product_bitwise},
        {"rows_copy_and_add_touch_only_their_elements", test_rows_copy_and_add_touch_only_their_elements},
        {"maxpool_kernels_follow_the_tie_rule_in_every_isa",
         test_maxpool_kernels_follow_the_tie_rule_in_every_isa},
        {"pool_codes_follow_the_tie_rule_and_the_relu_in_every_isa",
         test_pool_codes_follow_the_tie_rule_and_the_relu_in_every_isa},
        {"conv_matches_direct_convolution_and_differences_in_every_isa",
         test_conv_matches_direct_convolution_and_differences_in_every_isa},
        {"conv_with_fused_relu_equals_conv_then_relu_bitwise",
         test_conv_with_fused_relu_equals_conv_then_relu_bitwise},
        {"model_gradients_are_bitwise_equal_at_any_thread_count",
         test_model_gradients_are_bitwise_equal_at_any_thread_count},
    };
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++)
        if (!CU_add_test(s, tests[i].name, tests[i].fn))
            return -1;
    return 0;
}
