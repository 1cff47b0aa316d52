/* tests/test_oracle: the fast path against the reference path (models/reference/), in every
 * instruction set this CPU runs, forced one at a time with isa_limit.
 *
 * Layers: every kind of the table through its fast and its reference adapters, on random shapes
 * (odd sizes, batches of 1, widths past and short of a vector), forward and backward. Elementwise
 * kinds (ReLU, pooling, flatten, dropout) must agree bitwise; the products (dense, conv) sum in
 * another order, so they agree to float32 rounding: |fast - ref| <= 1e-5 (1 + sum of |terms|).
 * Kernels: softmax_ce, and every optimizer (SGD, Nesterov, Adam, AdamW, RAdam, Lion: bitwise), on
 * odd lengths.
 * Walks: the fast walk (chunks, fused ReLU, threads) against the reference walk: the same logits
 * and gradients to rounding, and the same losses over the first training steps from one start. */
#include <CUnit/CUnit.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "models/conv.h"
#include "models/heads.h"
#include "models/isa.h"
#include "models/layers.h"
#include "models/model.h"
#include "models/optim.h"
#include "models/pool.h"
#include "models/reference/reference.h"

#define ROUNDING 1e-5

static float *zalloc(size_t n)
{
    size_t bytes = ((n ? n : 1) * sizeof(float) + 63) / 64 * 64;
    float *p = aligned_alloc(64, bytes);
    if (p)
        memset(p, 0, bytes);
    return p;
}

/* A conv's scratch as another layer may leave it: no call may count on zeros it did not write. */
static float *dirty_scratch(const ConvShape *s)
{
    const size_t n = conv_scratch_size(s);
    float *p = zalloc(n);
    for (size_t i = 0; p && i < n; i++)
        p[i] = NAN;
    return p;
}

static void fill(float *v, size_t n, gsl_rng *rng)
{
    for (size_t i = 0; i < n; i++)
        v[i] = (float)gsl_ran_flat(rng, -1, 1);
}

/* Worst |a - b| / (1 + scale) over n values; 0 only when bitwise equal (or -0 against +0). */
static double worst_gap(const float *a, const float *b, size_t n, double scale)
{
    double worst = 0.0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - b[i]);
        if (!(d <= 0.0))      /* a NaN on either side counts as a gap */
            worst = fmax(worst, isnan(d) ? 1e9 : d / (1.0 + scale));
    }
    return worst;
}

/* ---- layers: every kind, fast adapters against reference adapters ---- */

/* Items to try for each kind; `exact`: elementwise, so bitwise equal. A kind added to the table
 * without a line here fails every_kind_has_an_oracle_entry. */
static const struct {
    const char *kind;
    const char *items[4];
    int exact;
} ORACLE_ITEMS[] = {
    {"dense", {"dense 1", "dense 7", "dense 37"}, 0},
    {"conv", {"conv 3 3 pad 1", "conv 5 2", "conv 17 5 pad 2", "conv 4 2 pad 2"}, 0},
    {"maxpool", {"maxpool 2", "maxpool", NULL}, 1},
    {"relu", {"relu", NULL, NULL}, 1},
    {"flatten", {"flatten", NULL, NULL}, 1},
    {"dropout", {"dropout 0.3", "dropout 0", NULL}, 1},
    {"batchnorm", {"batchnorm", NULL, NULL}, 0},
    {"tanh", {"tanh", NULL, NULL}, 1},
    {"sigmoid", {"sigmoid", NULL, NULL}, 1},
    {"leakyrelu", {"leakyrelu", "leakyrelu 0.2", NULL}, 1},
    {"gelu", {"gelu", NULL, NULL}, 1},
    {"mish", {"mish", NULL, NULL}, 1},
};
#define N_ORACLE_ITEMS (sizeof ORACLE_ITEMS / sizeof ORACLE_ITEMS[0])

/* One layer's forward and backward on B x c x h x w, through one path's adapters. */
typedef struct {
    float *out, *din, *dw;
} PathResult;

static void run_path(const Layer *l, LayerCtx c, const float *x, const float *p, const float *r,
                     int use_ref, PathResult *res, gsl_rng *drop)
{
    const size_t nx = (size_t)c.B * layer_in_size(l), ny = (size_t)c.B * layer_out_size(l);
    const size_t np = l->n_w + l->n_b;
    res->out = zalloc(ny), res->din = zalloc(nx), res->dw = zalloc(np);
    for (size_t i = 0; i < np; i++)
        res->dw[i] = 0.25f;                      /* gradients accumulate onto what is there */
    c.w = p, c.b = p + l->n_w, c.dw = res->dw, c.db = res->dw + l->n_w;
    gsl_rng_set(drop, 4242);                     /* the same dropout mask on both paths */
    LayerForward fwd = use_ref ? l->kind->forward_ref : layer_fast_forward(l->kind);
    LayerBackward bwd = use_ref ? l->kind->backward_ref : layer_fast_backward(l->kind);
    fwd(l, &c, x, res->out);
    bwd(l, &c, x, res->out, r, res->din);
}

static void free_result(PathResult *r)
{
    free(r->out), free(r->din), free(r->dw);
}

/* Fast against reference for one item on a random shape, in training (train = 1) or evaluation
 * mode (a backward after an evaluation forward: models/input_grad); returns the worst gap (0 =
 * bitwise). */
static double layer_gap(const char *item, gsl_rng *rng, int train)
{
    const int B = 1 + (int)gsl_rng_uniform_int(rng, 9);
    const int C = 1 + (int)gsl_rng_uniform_int(rng, 5);
    const int H = 5 + (int)gsl_rng_uniform_int(rng, 15), W = 5 + (int)gsl_rng_uniform_int(rng, 15);
    Layer l;
    if (layer_init(&l, item, 1, C, H, W))
        return 1e9;
    const size_t nx = (size_t)B * layer_in_size(&l), ny = (size_t)B * layer_out_size(&l);
    const size_t np = l.n_w + l.n_b;
    float *x = zalloc(nx), *p = zalloc(np), *r = zalloc(ny), *keep = zalloc(B * l.keep_per_image);
    float *temp = zalloc(l.temp_per_thread);
    fill(x, nx, rng), fill(p, np, rng), fill(r, ny, rng);
    gsl_rng *drop = gsl_rng_alloc(gsl_rng_mt19937);
    float *state = zalloc((size_t)layer_state_count(&l) * l.n_s);   /* batchnorm's statistics */
    for (size_t i = 0; i < l.n_s; i++)       /* a running mean in [-1, 1], a variance in [0.5, 1.5] */
        state[i] = (float)gsl_ran_flat(rng, -1.0, 1.0), state[l.n_s + i] = (float)gsl_ran_flat(rng, 0.5, 1.5);
    LayerCtx c = {.B = B, .keep = keep, .temp = temp, .train = train, .rng = drop, .threads = 2,
                  .state = l.n_s ? state : NULL};
    PathResult fast, ref;
    run_path(&l, c, x, p, r, 0, &fast, drop);
    run_path(&l, c, x, p, r, 1, &ref, drop);
    /* a sum of fan_in products of values in [-1, 1] (and, for dw, of B * pixels of them) */
    const double terms = (double)l.fan_in + 1.0, dterms = (double)B * l.out_h * l.out_w + 1.0;
    double gap = fmax(worst_gap(fast.out, ref.out, ny, terms),
                      fmax(worst_gap(fast.din, ref.din, nx, terms + l.out_c * 9.0),
                           worst_gap(fast.dw, ref.dw, np, dterms)));
    free_result(&fast), free_result(&ref);
    free(x), free(p), free(r), free(keep), free(temp), free(state);
    gsl_rng_free(drop);
    return gap;
}

static void test_every_kind_has_an_oracle_entry(void)
{
    for (int i = 0; layer_kind_at(i); i++) {
        int found = 0;
        for (size_t k = 0; k < N_ORACLE_ITEMS; k++)
            found |= strcmp(ORACLE_ITEMS[k].kind, layer_kind_at(i)->name) == 0;
        if (!found)
            fprintf(stderr, "\n  layer kind %s has no ORACLE_ITEMS line\n", layer_kind_at(i)->name);
        CU_ASSERT(found);
        CU_ASSERT_PTR_NOT_NULL(layer_kind_at(i)->forward_ref);
        CU_ASSERT_PTR_NOT_NULL(layer_kind_at(i)->backward_ref);
    }
}

static void test_every_layer_kind_fast_equals_reference_in_every_isa(void)
{
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    const Isa best = isa_limit(ISA_AVX512);
    for (int isa = best; isa >= ISA_C; isa--) {
        isa_limit((Isa)isa);
        for (size_t k = 0; k < N_ORACLE_ITEMS; k++)
            for (int j = 0; j < 4 && ORACLE_ITEMS[k].items[j]; j++)
                for (int trial = 0; trial < 6; trial++) {
                    const int train = trial % 2 == 0;
                    double gap = layer_gap(ORACLE_ITEMS[k].items[j], rng, train);
                    int ok = ORACLE_ITEMS[k].exact ? gap == 0.0 : gap < ROUNDING;
                    if (!ok)
                        fprintf(stderr, "\n  %s (%s, %s mode): fast - reference = %g\n",
                                ORACLE_ITEMS[k].items[j], isa_name((Isa)isa),
                                train ? "training" : "evaluation", gap);
                    CU_ASSERT(ok);
                }
    }
    isa_limit(best);
    gsl_rng_free(rng);
}

/* ---- fused kernels that are no layer kind of their own ---- */

/* conv2d_relu_pool_backward (the walk's conv + ReLU + max pool backward) against its reference
 * function, on random shapes (odd sizes, "same" padding with C >= 4, none), in every ISA; the
 * pool's codes made from the same ReLU output the reference reads. */
static void test_conv_relu_pool_backward_fast_equals_reference_in_every_isa(void)
{
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    const Isa best = isa_limit(ISA_AVX512);
    for (int isa = best; isa >= ISA_C; isa--) {
        isa_limit((Isa)isa);
        for (int trial = 0; trial < 8; trial++) {
            const int B = 1 + (int)gsl_rng_uniform_int(rng, 9), C = 1 + (int)gsl_rng_uniform_int(rng, 6);
            const int H = 5 + (int)gsl_rng_uniform_int(rng, 12), W = 5 + (int)gsl_rng_uniform_int(rng, 12);
            const int OC = 1 + (int)gsl_rng_uniform_int(rng, 9), P = trial % 2;
            ConvShape s;
            conv_shape(&s, B, C, H, W, OC, 3, P);
            const size_t nin = (size_t)B * C * H * W, nout = (size_t)B * OC * s.OH * s.OW;
            const size_t npool = (size_t)B * OC * (s.OH / 2) * (s.OW / 2), nw = (size_t)OC * C * 9;
            float *x = zalloc(nin), *p = zalloc(nw + OC), *relu = zalloc(nout), *out = zalloc(nout);
            float *g = zalloc(npool), *work = zalloc(nout), *scratch = dirty_scratch(&s);
            float *din[2] = {zalloc(nin), zalloc(nin)}, *dw[2] = {zalloc(nw + OC), zalloc(nw + OC)};
            float *pooled = zalloc(npool);
            const size_t ncodes = pool_codes_size(OC, s.OH, s.OW);
            unsigned char *codes = calloc((size_t)B * ncodes + 1, 1);
            fill(x, nin, rng), fill(p, nw + OC, rng), fill(g, npool, rng);
            conv2d_forward_ref(out, x, p, p + nw, B, C, H, W, OC, 3, P);
            relu_forward_ref(relu, out, nout);
            for (int b = 0; b < B; b++)
                maxpool2_forward_codes(pooled + (size_t)b * npool / B, codes + (size_t)b * ncodes,
                                       relu + (size_t)b * nout / B, OC, s.OH, s.OW);
            conv2d_relu_pool_backward(&s, din[0], dw[0], dw[0] + nw, g, codes, x, p, scratch);
            conv2d_relu_maxpool2_backward_ref(din[1], dw[1], dw[1] + nw, g, relu, x, p, B, C, H, W,
                                              OC, 3, P, work);
            const double gap = fmax(worst_gap(din[0], din[1], nin, OC * 9.0 + 1.0),
                                    worst_gap(dw[0], dw[1], nw + OC, (double)B * s.OH * s.OW + 1.0));
            if (gap >= ROUNDING)
                fprintf(stderr, "\n  conv+relu+pool backward (%s): fast - reference = %g\n",
                        isa_name((Isa)isa), gap);
            CU_ASSERT(gap < ROUNDING);
            free(x), free(p), free(relu), free(out), free(g), free(work), free(scratch);
            free(din[0]), free(din[1]), free(dw[0]), free(dw[1]), free(pooled), free(codes);
        }
    }
    isa_limit(best);
    gsl_rng_free(rng);
}

/* conv2d_relu_pool_forward (the walk's forward of a conv, its ReLU and a 2x2 max pool) in every ISA:
 * on random shapes its direct kernel takes (one channel, 3x3, even outputs, padding 0, 1, 2) and on
 * others (more channels, other kernels, odd sizes): bitwise the unfused fast pair (conv2d_forward
 * with its ReLU, then maxpool2_forward), its codes those of the pool of that ReLU, within rounding
 * of its reference function; with out NULL the conv's own output is left as it was, and with
 * relu_out NULL too (training) the pool and its codes are the same. */
static void test_conv_relu_pool_forward_is_the_unfused_pair_bitwise_in_every_isa(void)
{
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    const Isa best = isa_limit(ISA_AVX512);
    for (int isa = best; isa >= ISA_C; isa--) {
        isa_limit((Isa)isa);
        for (int trial = 0; trial < 24; trial++) {
            const int direct = trial < 12, P = trial % 3, B = 1 + (int)gsl_rng_uniform_int(rng, 5);
            const int OC = 1 + (int)gsl_rng_uniform_int(rng, 19);
            const int C = direct ? 1 : 1 + (int)gsl_rng_uniform_int(rng, 4);
            const int K = direct ? 3 : 2 + (int)gsl_rng_uniform_int(rng, 4);
            /* direct: outputs of 2 to 40 pixels a side, even (windows past and short of a vector);
             * else 5 to 20 pixels of input, odd or even */
            const int H = direct ? 2 * (1 + (int)gsl_rng_uniform_int(rng, 20)) + 2 - 2 * P
                                 : 5 + (int)gsl_rng_uniform_int(rng, 16);
            const int W = direct ? 2 * (1 + (int)gsl_rng_uniform_int(rng, 20)) + 2 - 2 * P
                                 : 5 + (int)gsl_rng_uniform_int(rng, 16);
            if (H < 1 || W < 1)
                continue;
            ConvShape s;
            conv_shape(&s, B, C, H, W, OC, K, P);
            CU_ASSERT_FATAL(conv_relu_pool_direct(&s) == direct || (!direct && C == 1 && K == 3));
            const size_t nin = (size_t)B * C * H * W, nout = (size_t)B * OC * s.OH * s.OW;
            const size_t npool = (size_t)B * OC * (s.OH / 2) * (s.OW / 2), np = (size_t)OC * C * K * K + OC;
            float *x = zalloc(nin), *p = zalloc(np), *scratch = dirty_scratch(&s);
            float *out[3], *relu[3], *pool[4];
            unsigned char *codes[4];
            const size_t ncodes = (size_t)B * pool_codes_size(OC, s.OH, s.OW);
            for (int k = 0; k < 3; k++)
                out[k] = zalloc(nout), relu[k] = zalloc(nout);
            for (int k = 0; k < 4; k++)
                pool[k] = zalloc(npool), codes[k] = calloc(ncodes + 1, 1);
            fill(x, nin, rng), fill(p, np, rng);
            for (size_t e = 0; e < nout; e++)
                out[2][e] = 7.0f;
            const float *bias = p + np - OC;
            conv2d_relu_pool_forward(&s, pool[0], codes[0], relu[0], out[0], x, p, bias, scratch);
            conv2d_relu_pool_forward(&s, pool[2], codes[2], relu[2], NULL, x, p, bias, scratch);
            conv2d_relu_pool_forward(&s, pool[3], codes[3], NULL, NULL, x, p, bias, scratch);
            conv2d_forward(&s, out[1], x, p, bias, relu[1], scratch);
            maxpool2_forward(pool[1], relu[1], B, OC, s.OH, s.OW);
            CU_ASSERT(memcmp(pool[3], pool[1], npool * sizeof(float)) == 0);
            for (int b = 0; b < B; b++)        /* codes[1]: the pool's own, of that ReLU */
                maxpool2_forward_codes(pool[1] + (size_t)b * npool / B,
                                       codes[1] + (size_t)b * ncodes / B,
                                       relu[1] + (size_t)b * nout / B, OC, s.OH, s.OW);
            int same_codes = 1;                /* the bytes that mean something: W/2 a row */
            for (size_t r = 0; r < ncodes / pool_codes_row(s.OW); r++)
                for (int k = 1; k < 4; k++)
                    same_codes &= memcmp(codes[0] + r * pool_codes_row(s.OW),
                                         codes[k] + r * pool_codes_row(s.OW),
                                         (size_t)(s.OW / 2)) == 0;
            CU_ASSERT(same_codes);
            CU_ASSERT(memcmp(out[0], out[1], nout * sizeof(float)) == 0);
            CU_ASSERT(memcmp(relu[0], relu[1], nout * sizeof(float)) == 0);
            CU_ASSERT(memcmp(pool[0], pool[1], npool * sizeof(float)) == 0);
            CU_ASSERT(memcmp(relu[2], relu[1], nout * sizeof(float)) == 0);
            CU_ASSERT(memcmp(pool[2], pool[1], npool * sizeof(float)) == 0);
            int untouched = 1;
            for (size_t e = 0; e < nout; e++)
                untouched &= out[2][e] == 7.0f;
            CU_ASSERT(untouched);
            conv2d_relu_maxpool2_forward_ref(pool[2], relu[2], out[2], x, p, bias, B, C, H, W, OC,
                                             K, P);
            const double terms = C * K * K + 1.0;
            const double gap = fmax(worst_gap(out[0], out[2], nout, terms),
                                    fmax(worst_gap(relu[0], relu[2], nout, terms),
                                         worst_gap(pool[0], pool[2], npool, terms)));
            if (gap >= ROUNDING)
                fprintf(stderr, "\n  conv+relu+pool forward (%s, %d x %dx%d, %dx%d pad %d): "
                        "fast - reference = %g\n", isa_name((Isa)isa), C, H, W, K, K, P, gap);
            CU_ASSERT(gap < ROUNDING);
            free(x), free(p), free(scratch);
            for (int k = 0; k < 3; k++)
                free(out[k]), free(relu[k]);
            for (int k = 0; k < 4; k++)
                free(pool[k]), free(codes[k]);
        }
    }
    isa_limit(best);
    gsl_rng_free(rng);
}

/* The direct forward takes only what it was written for: one input channel, 3x3, even outputs. */
static void test_conv_relu_pool_forward_takes_one_channel_3x3_even_outputs_only(void)
{
    ConvShape s;
    conv_shape(&s, 4, 1, 28, 28, 16, 3, 1);
    CU_ASSERT(conv_relu_pool_direct(&s));
    conv_shape(&s, 4, 1, 28, 28, 6, 3, 0);
    CU_ASSERT(conv_relu_pool_direct(&s));
    conv_shape(&s, 4, 2, 28, 28, 16, 3, 1);
    CU_ASSERT(!conv_relu_pool_direct(&s));
    conv_shape(&s, 4, 1, 28, 28, 16, 5, 2);
    CU_ASSERT(!conv_relu_pool_direct(&s));
    conv_shape(&s, 4, 1, 27, 28, 16, 3, 1);
    CU_ASSERT(!conv_relu_pool_direct(&s));
    conv_shape(&s, 4, 1, 28, 27, 16, 3, 1);
    CU_ASSERT(!conv_relu_pool_direct(&s));
}

/* ---- the heads ---- */

static void test_softmax_ce_fast_equals_reference_in_every_isa(void)
{
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    const Isa best = isa_limit(ISA_AVX512);
    static const int shapes[][2] = {{1, 2}, {37, 10}, {64, 10}, {5, 16}, {33, 3}, {7, 17}, {3, 40}};
    for (int isa = best; isa >= ISA_C; isa--) {
        isa_limit((Isa)isa);
        for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
            const int B = shapes[s][0], K = shapes[s][1];
            float *z = zalloc((size_t)B * K), *g1 = zalloc((size_t)B * K), *g2 = zalloc((size_t)B * K);
            float *p1 = zalloc((size_t)B * K), *p2 = zalloc((size_t)B * K);
            int *y = calloc((size_t)B, sizeof(int)), *pr1 = calloc((size_t)B, sizeof(int));
            int *pr2 = calloc((size_t)B, sizeof(int));
            for (int i = 0; i < B * K; i++)
                z[i] = (float)gsl_ran_flat(rng, -30, 30);
            for (int i = 0; i < B; i++)
                y[i] = (int)gsl_rng_uniform_int(rng, (unsigned long)K);
            double want = softmax_ce_ref(z, y, B, K, g1, p1, pr1);
            double got = softmax_ce(z, y, B, K, g2, p2, pr2);
            CU_ASSERT(fabs(got - want) <= 1e-12 * (1.0 + fabs(want)));
            CU_ASSERT(worst_gap(p1, p2, (size_t)B * K, 0.0) < 1e-6);
            CU_ASSERT(worst_gap(g1, g2, (size_t)B * K, 0.0) < 1e-6 / B);
            CU_ASSERT(memcmp(pr1, pr2, sizeof(int) * B) == 0);
            free(z), free(g1), free(g2), free(p1), free(p2), free(y), free(pr1), free(pr2);
        }
    }
    isa_limit(best);
    gsl_rng_free(rng);
}

/* ---- the optimizers: bitwise the reference in every ISA, at 1 and 3 threads ---- */

/* Weights after seven steps (RAdam rectifies from the sixth) of `kind` on one tensor of n values:
 * fast path at `isa` with
 * `threads` threads (ref = 0), or the reference path (ref = 1). */
static float *seven_steps(OptimKind kind, int nesterov, size_t n, int threads, Isa isa, int ref)
{
    float *value = zalloc(n), *grad = zalloc(n);
    ParamTensor t = {.name = "w", .value = value, .grad = grad, .n = n, .is_weight = 1, .rank = 1,
                     .shape = {(int)n}};
    Model m;
    memset(&m, 0, sizeof m);
    m.param_block = value, m.grad_block = grad, m.n_param_values = n;
    m.params = &t, m.n_params = 1, m.threads = threads;
    m.kernels = ref ? KERNELS_REFERENCE : KERNELS_FAST;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    fill(value, n, rng);
    OptimSpec s;
    optim_spec_defaults(&s, kind);
    s.weight_decay = kind != OPT_SGD ? 0.01f : 0.0f;
    s.l2 = kind == OPT_SGD ? 1e-3f : 0.0f;
    s.momentum = kind == OPT_SGD ? 0.9f : 0.0f;
    s.nesterov = nesterov;
    Optimizer o;
    const Isa best = isa_limit(ISA_AVX512);
    isa_limit(isa);
    if (optim_init(&o, &s, &m) == 0) {
        for (int step = 0; step < 7; step++) {
            for (size_t i = 0; i < n; i++)
                grad[i] = (float)gsl_ran_flat(rng, -8, 8);
            optim_step(&o, &m);
        }
        optim_free(&o);
    }
    isa_limit(best);
    gsl_rng_free(rng);
    free(grad);
    return value;
}

static void test_every_optimizer_equals_the_reference_bitwise_in_every_isa(void)
{
    static const size_t lengths[] = {1, 15, 17, 100003};   /* 100003: split among threads */
    const Isa best = isa_limit(ISA_AVX512);
    /* SGD, Adam, AdamW, SGD with Nesterov momentum, RAdam, Lion */
    static const struct { OptimKind kind; int nesterov; const char *name; } opts[] = {
        {OPT_SGD, 0, "sgd"}, {OPT_ADAM, 0, "adam"}, {OPT_ADAMW, 0, "adamw"}, {OPT_SGD, 1, "nesterov"},
        {OPT_RADAM, 0, "radam"}, {OPT_LION, 0, "lion"}};
    for (size_t k = 0; k < sizeof opts / sizeof opts[0]; k++)
        for (size_t L = 0; L < sizeof lengths / sizeof lengths[0]; L++) {
            const size_t n = lengths[L];
            const OptimKind kind = opts[k].kind;
            float *want = seven_steps(kind, opts[k].nesterov, n, 1, ISA_C, 1);
            for (int isa = best; isa >= ISA_C; isa--)
                for (int threads = 1; threads <= 3; threads += 2) {
                    float *got = seven_steps(kind, opts[k].nesterov, n, threads, (Isa)isa, 0);
                    int same = memcmp(want, got, sizeof(float) * n) == 0;
                    if (!same)
                        fprintf(stderr, "\n  %s, n %zu, %s, %d threads: differs from reference\n",
                                opts[k].name, n, isa_name((Isa)isa), threads);
                    CU_ASSERT(same);
                    free(got);
                }
            free(want);
        }
}

/* What the loops above rely on: the active set is the limit, or the CPU's best when that is
 * narrower, and the limit can be lifted again. */
static void test_isa_limit_bounds_the_active_set(void)
{
    const Isa best = isa_limit(ISA_AVX512);
    CU_ASSERT(best == isa_best());
    for (int isa = ISA_C; isa <= ISA_AVX512; isa++) {
        Isa now = isa_limit((Isa)isa);
        CU_ASSERT(now <= (Isa)isa && now <= best);
        CU_ASSERT(isa_active() == now);
    }
    isa_limit(best);
}

/* ---- the walks: the fast walk against the reference walk ---- */

static ModelSpec small_spec(const char *family, const char *layers, HeadKind head, int classes)
{
    ModelSpec s;
    memset(&s, 0, sizeof s);
    snprintf(s.family, sizeof s.family, "%s", family);
    snprintf(s.layers, sizeof s.layers, "%s", layers ? layers : "");
    s.in_c = 1, s.in_h = 14, s.in_w = 13;
    s.num_classes = classes;
    s.head = head;
    s.init = INIT_PYTORCH;
    if (!strcmp(family, "mlp"))
        s.hidden[0] = 33, s.hidden[1] = 9, s.n_hidden = 2, s.dropout = 0.25f;
    return s;
}

#define CNN_LAYERS "conv 5 3 pad 1, relu, maxpool 2, conv 7 3, relu, maxpool 2, dense 11, relu, dense 4"
#define CNN49_LAYERS "conv 4 3, relu, maxpool 2, conv 8 3, relu, dense 1"

typedef struct {
    Model m;
    Optimizer o;
    int ok;
} Trainee;

static void trainee_make(Trainee *t, const ModelSpec *s, Kernels k, int threads, OptimKind opt,
                         int B)
{
    memset(t, 0, sizeof *t);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 3);
    t->ok = model_build(&t->m, s, rng) == 0;
    gsl_rng_free(rng);
    if (!t->ok)
        return;
    t->m.kernels = k, t->m.threads = threads;
    OptimSpec os;
    optim_spec_defaults(&os, opt);
    os.lr = opt == OPT_LION ? 3e-4f : opt != OPT_SGD ? 3e-3f : 0.05f;
    os.momentum = opt == OPT_SGD ? 0.9f : 0.0f;
    os.weight_decay = opt == OPT_ADAMW || opt == OPT_LION ? 0.01f : 0.0f;
    os.l2 = opt == OPT_SGD ? 1e-4f : 0.0f;
    t->ok = model_alloc_batch(&t->m, B) == 0 && optim_init(&t->o, &os, &t->m) == 0;
}

static void trainee_free(Trainee *t)
{
    optim_free(&t->o);
    model_free(&t->m);
}

/* Random images (a fixed stream) with labels 0..K-1 that depend on them, so the losses fall. */
static void batch(float *x, int *y, int B, int n_in, int K, gsl_rng *rng)
{
    for (int i = 0; i < B; i++) {
        y[i] = (int)gsl_rng_uniform_int(rng, (unsigned long)K);
        for (int p = 0; p < n_in; p++)
            x[(size_t)i * n_in + p] = (float)gsl_ran_gaussian(rng, 0.5) + (p % K == y[i] ? 1.0f : 0.0f);
    }
}

/* Trains both paths from one start on the same batches for `steps` steps; returns the worst
 * relative gap between their losses, and in first_grad_gap the gradients' gap of step 1. */
static double loss_gap(const ModelSpec *s, OptimKind opt, int B, int steps, int threads,
                       double *first_grad_gap)
{
    Trainee f, r;
    trainee_make(&f, s, KERNELS_FAST, threads, opt, B);
    trainee_make(&r, s, KERNELS_REFERENCE, 1, opt, B);
    if (!f.ok || !r.ok) {
        trainee_free(&f), trainee_free(&r);
        return 1e9;
    }
    const int n_in = s->in_c * s->in_h * s->in_w, K = s->num_classes;
    float *x = zalloc((size_t)B * n_in);
    int *y = calloc((size_t)B, sizeof(int));
    gsl_rng *data = gsl_rng_alloc(gsl_rng_mt19937);
    double worst = 0.0;
    for (int step = 0; step < steps; step++) {
        batch(x, y, B, n_in, K, data);
        double loss[2];
        Trainee *t[2] = {&f, &r};
        for (int p = 0; p < 2; p++) {
            model_forward(&t[p]->m, x, B, 1);
            loss[p] = model_loss(&t[p]->m, y, B, NULL);
            model_zero_grad(&t[p]->m);
            model_backward(&t[p]->m, x, B);
        }
        if (step == 0)
            *first_grad_gap = worst_gap(f.m.grad_block, r.m.grad_block, f.m.n_param_values, 1.0);
        for (int p = 0; p < 2; p++)
            optim_step(&t[p]->o, &t[p]->m);
        worst = fmax(worst, fabs(loss[0] - loss[1]) / fabs(loss[1]));
    }
    free(x), free(y);
    gsl_rng_free(data);
    trainee_free(&f), trainee_free(&r);
    return worst;
}

/* Float32 rounding, compounded through a few hundred operations per value and 20 updates:
 * measured worst relative loss gaps 5e-9 to 3e-7 (ORACLE_VERBOSE=1 prints them); a 10% error in
 * one weight gradient gives over 1e-4 (loss_comparison_sees_a_ten_percent_gradient_error). */
#define LOSS_TOL 1e-5

static void check_walks_spec(const ModelSpec *spec, OptimKind opt)
{
    const ModelSpec s = *spec;
    const char *family = s.family;
    const Isa best = isa_limit(ISA_AVX512);
    for (int isa = best; isa >= ISA_C; isa--)
        for (int threads = 1; threads <= 2; threads++) {
            isa_limit((Isa)isa);
            double grad_gap = 1e9;
            double gap = loss_gap(&s, opt, 29, 20, threads, &grad_gap);
            if (getenv("ORACLE_VERBOSE"))
                fprintf(stderr, "\n  %s %s %d thread(s): loss gap %.3g, first gradients gap %.3g",
                        family, isa_name((Isa)isa), threads, gap, grad_gap);
            CU_ASSERT(gap < LOSS_TOL);
            CU_ASSERT(grad_gap < 1e-5);
        }
    isa_limit(best);
}

static void check_walks(const char *family, const char *layers, HeadKind head, int K,
                        OptimKind opt)
{
    ModelSpec s = small_spec(family, layers, head, K);
    check_walks_spec(&s, opt);
}

static void test_fast_walk_equals_reference_walk_for_a_cnn(void)
{
    check_walks("cnn", CNN_LAYERS, HEAD_SOFTMAX, 4, OPT_ADAM);
}

static void test_fast_walk_equals_reference_walk_for_a_sigmoid_cnn(void)
{
    check_walks("cnn", CNN49_LAYERS, HEAD_SIGMOID, 2, OPT_ADAM);
}

/* the kinds of issue 17 inside a network: batch norm after a conv and after a dense layer, the
 * smooth activations between the per-image layers, trained with AdamW */
#define REMEDIES_LAYERS "conv 5 3 pad 1, batchnorm, mish, maxpool 2, conv 6 3, gelu, maxpool 2, " \
                        "dense 9, batchnorm, tanh, dense 7, leakyrelu 0.1, dense 6, sigmoid, dense 4"

static void test_fast_walk_equals_reference_walk_with_batchnorm_and_new_activations(void)
{
    check_walks("cnn", REMEDIES_LAYERS, HEAD_SOFTMAX, 4, OPT_ADAMW);
}

static void test_fast_walk_equals_reference_walk_for_an_mlp_with_dropout(void)
{
    check_walks("mlp", NULL, HEAD_SOFTMAX, 10, OPT_ADAM);
}

/* Without dropout: dense, relu, dense, relu, dense, where the fast walk takes each ReLU into the
 * dense layers around it (the middle one both stores its input gradient through the first ReLU
 * and applies the second) */
static void test_fast_walk_equals_reference_walk_for_an_mlp_without_dropout(void)
{
    ModelSpec s = small_spec("mlp", NULL, HEAD_SOFTMAX, 10);
    s.dropout = 0.0f;
    check_walks_spec(&s, OPT_ADAM);
}

static void test_fast_walk_equals_reference_walk_for_softmax_with_sgd(void)
{
    check_walks("softmax", NULL, HEAD_SOFTMAX, 10, OPT_SGD);
}

/* 20 steps: RAdam's momentum-only start and its rectified steps after the fifth */
static void test_fast_walk_equals_reference_walk_for_an_mlp_with_radam(void)
{
    check_walks("mlp", NULL, HEAD_SOFTMAX, 10, OPT_RADAM);
}

static void test_fast_walk_equals_reference_walk_for_a_cnn_with_lion(void)
{
    check_walks("cnn", CNN_LAYERS, HEAD_SOFTMAX, 4, OPT_LION);
}

/* The oracle is only worth its tolerance if a real difference fails it: the reference path
 * against itself with the first weight gradient 10% too large (SGD: Adam would divide the scale
 * out) is far outside it. */
static void test_loss_comparison_sees_a_ten_percent_gradient_error(void)
{
    ModelSpec s = small_spec("cnn", CNN_LAYERS, HEAD_SOFTMAX, 4);
    Trainee a, b;
    trainee_make(&a, &s, KERNELS_REFERENCE, 1, OPT_SGD, 29);
    trainee_make(&b, &s, KERNELS_REFERENCE, 1, OPT_SGD, 29);
    CU_ASSERT_FATAL(a.ok && b.ok);
    const int n_in = 14 * 13;
    float *x = zalloc(29 * (size_t)n_in);
    int y[29];
    gsl_rng *data = gsl_rng_alloc(gsl_rng_mt19937);
    double worst = 0.0;
    for (int step = 0; step < 20; step++) {
        batch(x, y, 29, n_in, 4, data);
        Trainee *t[2] = {&a, &b};
        double loss[2];
        for (int p = 0; p < 2; p++) {
            model_forward(&t[p]->m, x, 29, 1);
            loss[p] = model_loss(&t[p]->m, y, 29, NULL);
            model_zero_grad(&t[p]->m);
            model_backward(&t[p]->m, x, 29);
        }
        for (size_t i = 0; i < b.m.params[0].n; i++)
            b.m.params[0].grad[i] *= 1.1f;
        for (int p = 0; p < 2; p++)
            optim_step(&t[p]->o, &t[p]->m);
        worst = fmax(worst, fabs(loss[0] - loss[1]) / loss[1]);
    }
    if (getenv("ORACLE_VERBOSE"))
        fprintf(stderr, "\n  10%% gradient error: loss gap %.3g", worst);
    CU_ASSERT(worst > 10 * LOSS_TOL);
    free(x);
    gsl_rng_free(data);
    trainee_free(&a), trainee_free(&b);
}

int register_oracle_tests(void)
{
    CU_pSuite s = CU_add_suite("oracle", NULL, NULL);
    if (!s)
        return -1;
    static const struct {
        const char *name;
        void (*fn)(void);
    } tests[] = {
        {"every_kind_has_an_oracle_entry", test_every_kind_has_an_oracle_entry},
        {"every_layer_kind_fast_equals_reference_in_every_isa",
         test_every_layer_kind_fast_equals_reference_in_every_isa},
        {"conv_relu_pool_backward_fast_equals_reference_in_every_isa",
         test_conv_relu_pool_backward_fast_equals_reference_in_every_isa},
        {"conv_relu_pool_forward_is_the_unfused_pair_bitwise_in_every_isa",
         test_conv_relu_pool_forward_is_the_unfused_pair_bitwise_in_every_isa},
        {"conv_relu_pool_forward_takes_one_channel_3x3_even_outputs_only",
         test_conv_relu_pool_forward_takes_one_channel_3x3_even_outputs_only},
        {"softmax_ce_fast_equals_reference_in_every_isa",
         test_softmax_ce_fast_equals_reference_in_every_isa},
        {"every_optimizer_equals_the_reference_bitwise_in_every_isa",
         test_every_optimizer_equals_the_reference_bitwise_in_every_isa},
        {"isa_limit_bounds_the_active_set", test_isa_limit_bounds_the_active_set},
        {"fast_walk_equals_reference_walk_for_a_cnn", test_fast_walk_equals_reference_walk_for_a_cnn},
        {"fast_walk_equals_reference_walk_with_batchnorm_and_new_activations",
         test_fast_walk_equals_reference_walk_with_batchnorm_and_new_activations},
        {"fast_walk_equals_reference_walk_for_a_sigmoid_cnn",
         test_fast_walk_equals_reference_walk_for_a_sigmoid_cnn},
        {"fast_walk_equals_reference_walk_for_an_mlp_with_dropout",
         test_fast_walk_equals_reference_walk_for_an_mlp_with_dropout},
        {"fast_walk_equals_reference_walk_for_an_mlp_without_dropout",
         test_fast_walk_equals_reference_walk_for_an_mlp_without_dropout},
        {"fast_walk_equals_reference_walk_for_softmax_with_sgd",
         test_fast_walk_equals_reference_walk_for_softmax_with_sgd},
        {"fast_walk_equals_reference_walk_for_an_mlp_with_radam",
         test_fast_walk_equals_reference_walk_for_an_mlp_with_radam},
        {"fast_walk_equals_reference_walk_for_a_cnn_with_lion",
         test_fast_walk_equals_reference_walk_for_a_cnn_with_lion},
        {"loss_comparison_sees_a_ten_percent_gradient_error",
         test_loss_comparison_sees_a_ten_percent_gradient_error},
    };
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++)
        if (!CU_add_test(s, tests[i].name, tests[i].fn))
            return -1;
    return 0;
}
