/* models/optim: SGD with L2 and momentum, Adam, AdamW, RAdam and Lion, over a Model's contiguous
 * parameter block: settings, moment buffers, and the fast step (vector variants, large tensors
 * split among threads); the formulas themselves are models/reference/optim.c. The moment buffers mirror the
 * parameter block, so a tensor's moments start at the same offset as its values; the weight/bias
 * distinction (decay or not) is made per tensor. */
#include "models/optim.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "common/error.h"
#include "common/threads.h"
#include "models/isa.h"
#include "models/model.h"
#include "models/profile.h"
#include "models/reference/reference.h"

void optim_spec_defaults(OptimSpec *s, OptimKind kind)
{
    memset(s, 0, sizeof *s);
    s->kind = kind;
    s->lr = kind == OPT_LION ? 1e-4f : optim_is_adam(kind) ? 1e-3f : 0.1f;
    s->beta1 = 0.9;
    s->beta2 = kind == OPT_LION ? 0.99 : 0.999;   /* the Lion paper's defaults: 1e-4, 0.9, 0.99 */
    s->eps = 1e-8;
}

static int check_range(const char *what, double x, double lo, double hi, int hi_open)
{
    if (!isfinite(x) || x < lo || x > hi || (hi_open && x == hi))
        return mnl_fail(MNL_ERR_ARG, "optimizer: %s = %g is out of range [%g, %g%s", what, x, lo,
                        hi, hi_open ? ")" : "]");
    return MNL_OK;
}

static int check_spec(const OptimSpec *s)
{
    if (s->kind != OPT_SGD && s->kind != OPT_LION && !optim_is_adam(s->kind))
        return mnl_fail(MNL_ERR_ARG, "optimizer: unknown kind %d", (int)s->kind);
    int rc;
    if ((rc = check_range("lr", s->lr, 0.0, INFINITY, 1)))
        return rc;
    if (s->kind == OPT_SGD) {
        if ((rc = check_range("l2", s->l2, 0.0, INFINITY, 1)) ||
            (rc = check_range("momentum", s->momentum, 0.0, INFINITY, 1)))
            return rc;
        if (s->nesterov && s->momentum <= 0.0f)
            return mnl_fail(MNL_ERR_ARG, "optimizer: Nesterov momentum needs momentum > 0");
        return MNL_OK;
    }
    if ((rc = check_range("beta1", s->beta1, 0.0, 1.0, 1)) ||
        (rc = check_range("beta2", s->beta2, 0.0, 1.0, 1)) ||
        (rc = check_range("weight_decay", s->weight_decay, 0.0, INFINITY, 1)))
        return rc;
    if (s->kind == OPT_LION)                  /* no division: eps is not used */
        return MNL_OK;
    if (!isfinite(s->eps) || s->eps <= 0.0 || (float)s->eps == 0.0f)
        return mnl_fail(MNL_ERR_ARG, "optimizer: eps = %g must be finite and > 0", s->eps);
    return MNL_OK;
}

int optim_init(Optimizer *o, const OptimSpec *spec, const Model *m)
{
    memset(o, 0, sizeof *o);
    int rc = check_spec(spec);
    if (rc)
        return rc;
    if (m->n_param_values == 0)
        return mnl_fail(MNL_ERR_ARG, "optimizer: the model has no parameters");
    o->spec = *spec;
    o->n = m->n_param_values;
    int need_m = optim_is_adam(spec->kind) || spec->kind == OPT_LION || spec->momentum > 0.0f;
    int need_v = optim_is_adam(spec->kind);
    if (need_m && !(o->m = calloc(o->n, sizeof *o->m)))
        goto nomem;
    if (need_v && !(o->v = calloc(o->n, sizeof *o->v)))
        goto nomem;
    return MNL_OK;
nomem:
    optim_free(o);
    return mnl_fail(MNL_ERR_NOMEM, "optimizer: cannot allocate %zu moment values", m->n_param_values);
}

void optim_free(Optimizer *o)
{
    free(o->m);
    free(o->v);
    o->m = o->v = NULL;
}

/* ---- the fast path: each update in one variant per instruction set (models/isa.h) ----
 * Each element sees the same float operations in the same order as in sgd_update_ref,
 * adam_update_ref, radam_update_ref and lion_update_ref (no fused multiply-adds: -std=c11 keeps
 * the compiler from contracting, and the intrinsics below use none), so every variant gives
 * bitwise the reference's result. */

typedef void (*SgdFn)(float *w, const float *g, float *v, size_t n, float lr, float decay,
                      float mu);

/* sgd_update_ref's loop without its branch per element, which the vectoriser takes whole: `omp
 * simd` (-fopenmp-simd, no runtime) makes it vectorise whatever its cost model says, in the width
 * of the function it is inlined into. */
__attribute__((always_inline)) static inline void sgd_loop(float *restrict w,
                                                           const float *restrict g,
                                                           float *restrict v, size_t n, float lr,
                                                           float decay, float mu)
{
    if (!v) {
#pragma omp simd
        for (size_t i = 0; i < n; i++)
            w[i] -= lr * (g[i] + decay * w[i]);
        return;
    }
#pragma omp simd
    for (size_t i = 0; i < n; i++) {
        v[i] = mu * v[i] + (g[i] + decay * w[i]);
        w[i] -= lr * v[i];
    }
}

#if defined(__x86_64__)
__attribute__((target("avx512f"))) static void sgd_avx512(float *w, const float *g, float *v,
                                                          size_t n, float lr, float decay, float mu)
{
    sgd_loop(w, g, v, n, lr, decay, mu);
}

__attribute__((target("avx2"))) static void sgd_avx2(float *w, const float *g, float *v, size_t n,
                                                     float lr, float decay, float mu)
{
    sgd_loop(w, g, v, n, lr, decay, mu);
}
#endif

static const SgdFn sgd_variants[ISA_COUNT] = ISA_VARIANTS(sgd_update_ref, sgd_avx2, sgd_avx512);

/* The per-step scalars of Adam, as adam_update_ref works them out (in double, then float32). */
typedef struct {
    float b2, one_minus_b1, one_minus_b2, eps;
    float step_size;       /* lr / (1 - b1^t) */
    float bc2_sqrt;        /* sqrt(1 - b2^t) */
} AdamScalars;

static AdamScalars adam_scalars(const OptimSpec *s, long t)
{
    AdamScalars a = {
        .b2 = (float)s->beta2,
        .one_minus_b1 = (float)(1.0 - s->beta1),
        .one_minus_b2 = (float)(1.0 - s->beta2),
        .eps = (float)s->eps,
        .step_size = (float)((double)s->lr / (1.0 - pow(s->beta1, (double)t))),
        .bc2_sqrt = (float)sqrt(1.0 - pow(s->beta2, (double)t)),
    };
    return a;
}

typedef void (*AdamFn)(float *w, const float *g, float *m, float *v, size_t n,
                       const AdamScalars *a, float decay);

/* adam_update_ref's loop over precomputed scalars: the portable variant, and the tail of the
 * vector ones. */
static void adam_c(float *restrict w, const float *restrict g, float *restrict m,
                   float *restrict v, size_t n, const AdamScalars *a, float decay)
{
    for (size_t i = 0; i < n; i++) {
        float d = g[i] + decay * w[i];
        m[i] += a->one_minus_b1 * (d - m[i]);
        v[i] = v[i] * a->b2 + a->one_minus_b2 * d * d;
        w[i] -= a->step_size * m[i] / (sqrtf(v[i]) / a->bc2_sqrt + a->eps);
    }
}

#if defined(__x86_64__)
/* 16 or 8 elements at a time, written with intrinsics because the compiler will not vectorise
 * sqrtf (it may set errno). */
#define ADAM_VECTOR_BODY(V, LOAD, STORE, SET1, ADD, SUB, MUL, DIV, SQRT)                           \
    const V b2 = SET1(a->b2), omb1 = SET1(a->one_minus_b1), omb2 = SET1(a->one_minus_b2);         \
    const V eps = SET1(a->eps), step = SET1(a->step_size), bc2 = SET1(a->bc2_sqrt);               \
    const V dec = SET1(decay);                                                                     \
    size_t i = 0;                                                                                  \
    for (; i + sizeof(V) / 4 <= n; i += sizeof(V) / 4) {                                           \
        V wv = LOAD(w + i), mv = LOAD(m + i), vv = LOAD(v + i);                                    \
        V d = ADD(LOAD(g + i), MUL(dec, wv));                                                      \
        mv = ADD(mv, MUL(omb1, SUB(d, mv)));                                                       \
        vv = ADD(MUL(vv, b2), MUL(MUL(omb2, d), d));                                               \
        wv = SUB(wv, DIV(MUL(step, mv), ADD(DIV(SQRT(vv), bc2), eps)));                            \
        STORE(m + i, mv), STORE(v + i, vv), STORE(w + i, wv);                                      \
    }                                                                                              \
    adam_c(w + i, g + i, m + i, v + i, n - i, a, decay)

__attribute__((target("avx512f")))
static void adam_avx512(float *restrict w, const float *restrict g, float *restrict m,
                        float *restrict v, size_t n, const AdamScalars *a, float decay)
{
    ADAM_VECTOR_BODY(__m512, _mm512_loadu_ps, _mm512_storeu_ps, _mm512_set1_ps, _mm512_add_ps,
                     _mm512_sub_ps, _mm512_mul_ps, _mm512_div_ps, _mm512_sqrt_ps);
}

__attribute__((target("avx2")))
static void adam_avx2(float *restrict w, const float *restrict g, float *restrict m,
                      float *restrict v, size_t n, const AdamScalars *a, float decay)
{
    ADAM_VECTOR_BODY(__m256, _mm256_loadu_ps, _mm256_storeu_ps, _mm256_set1_ps, _mm256_add_ps,
                     _mm256_sub_ps, _mm256_mul_ps, _mm256_div_ps, _mm256_sqrt_ps);
}
#endif

static const AdamFn adam_variants[ISA_COUNT] = ISA_VARIANTS(adam_c, adam_avx2, adam_avx512);

/* The per-step scalars of RAdam, as radam_update_ref works them out (in double, then float32). */
typedef struct {
    float b1, b2, one_minus_b1, one_minus_b2, eps, lr;
    float bc1;             /* 1 - b1^t */
    float bc2_sqrt;        /* sqrt(1 - b2^t) */
    float rect;            /* r_t, when rectified */
    int rectified;         /* rho_t > 5: Adam's step times r_t; else momentum alone */
} RadamScalars;

static RadamScalars radam_scalars(const OptimSpec *s, long t)
{
    const double b1t = pow(s->beta1, (double)t), b2t = pow(s->beta2, (double)t);
    const double rho_inf = 2.0 / (1.0 - s->beta2) - 1.0;
    const double rho_t = rho_inf - 2.0 * (double)t * b2t / (1.0 - b2t);
    RadamScalars r = {
        .b1 = (float)s->beta1, .b2 = (float)s->beta2,
        .one_minus_b1 = (float)(1.0 - s->beta1), .one_minus_b2 = (float)(1.0 - s->beta2),
        .eps = (float)s->eps, .lr = s->lr,
        .bc1 = (float)(1.0 - b1t), .bc2_sqrt = (float)sqrt(1.0 - b2t),
        .rectified = rho_t > 5.0,
    };
    if (r.rectified)
        r.rect = (float)sqrt((rho_t - 4.0) * (rho_t - 2.0) * rho_inf /
                             ((rho_inf - 4.0) * (rho_inf - 2.0) * rho_t));
    return r;
}

typedef void (*RadamFn)(float *w, const float *g, float *m, float *v, size_t n,
                        const RadamScalars *r, float decay);

/* radam_update_ref's loop over precomputed scalars: the portable variant, and the vector tails. */
static void radam_c(float *restrict w, const float *restrict g, float *restrict m,
                    float *restrict v, size_t n, const RadamScalars *r, float decay)
{
    for (size_t i = 0; i < n; i++) {
        const float d = g[i] + decay * w[i];
        m[i] = m[i] * r->b1 + r->one_minus_b1 * d;
        v[i] = v[i] * r->b2 + r->one_minus_b2 * d * d;
        const float mhat = m[i] / r->bc1;
        if (r->rectified)
            w[i] -= mhat * r->lr * (r->bc2_sqrt / (sqrtf(v[i]) + r->eps)) * r->rect;
        else
            w[i] -= mhat * r->lr;
    }
}

#if defined(__x86_64__)
#define RADAM_VECTOR_BODY(V, LOAD, STORE, SET1, ADD, SUB, MUL, DIV, SQRT)                          \
    const V b1 = SET1(r->b1), b2 = SET1(r->b2), omb1 = SET1(r->one_minus_b1);                     \
    const V omb2 = SET1(r->one_minus_b2), eps = SET1(r->eps), lr = SET1(r->lr);                   \
    const V bc1 = SET1(r->bc1), bc2 = SET1(r->bc2_sqrt), rect = SET1(r->rect), dec = SET1(decay);  \
    size_t i = 0;                                                                                  \
    for (; i + sizeof(V) / 4 <= n; i += sizeof(V) / 4) {                                           \
        V wv = LOAD(w + i), mv = LOAD(m + i), vv = LOAD(v + i);                                    \
        V d = ADD(LOAD(g + i), MUL(dec, wv));                                                      \
        mv = ADD(MUL(mv, b1), MUL(omb1, d));                                                       \
        vv = ADD(MUL(vv, b2), MUL(MUL(omb2, d), d));                                               \
        V step = MUL(DIV(mv, bc1), lr);                                                            \
        if (r->rectified)                                                                          \
            step = MUL(MUL(step, DIV(bc2, ADD(SQRT(vv), eps))), rect);                             \
        wv = SUB(wv, step);                                                                        \
        STORE(m + i, mv), STORE(v + i, vv), STORE(w + i, wv);                                      \
    }                                                                                              \
    radam_c(w + i, g + i, m + i, v + i, n - i, r, decay)

__attribute__((target("avx512f")))
static void radam_avx512(float *restrict w, const float *restrict g, float *restrict m,
                         float *restrict v, size_t n, const RadamScalars *r, float decay)
{
    RADAM_VECTOR_BODY(__m512, _mm512_loadu_ps, _mm512_storeu_ps, _mm512_set1_ps, _mm512_add_ps,
                      _mm512_sub_ps, _mm512_mul_ps, _mm512_div_ps, _mm512_sqrt_ps);
}

__attribute__((target("avx2")))
static void radam_avx2(float *restrict w, const float *restrict g, float *restrict m,
                       float *restrict v, size_t n, const RadamScalars *r, float decay)
{
    RADAM_VECTOR_BODY(__m256, _mm256_loadu_ps, _mm256_storeu_ps, _mm256_set1_ps, _mm256_add_ps,
                      _mm256_sub_ps, _mm256_mul_ps, _mm256_div_ps, _mm256_sqrt_ps);
}
#endif

static const RadamFn radam_variants[ISA_COUNT] = ISA_VARIANTS(radam_c, radam_avx2, radam_avx512);

typedef void (*LionFn)(float *w, const float *g, float *m, size_t n, const OptimSpec *s,
                       float decay);

/* lion_update_ref's loop with the sign written without a branch, (c > 0) - (c < 0), which the
 * vectoriser takes whole; the same float operations, so bitwise the reference's result. */
__attribute__((always_inline)) static inline void lion_loop(float *restrict w,
                                                            const float *restrict g,
                                                            float *restrict m, size_t n,
                                                            const OptimSpec *s, float decay)
{
    const float b1 = (float)s->beta1, b2 = (float)s->beta2, lr = s->lr;
    const float omb1 = (float)(1.0 - s->beta1), omb2 = (float)(1.0 - s->beta2);
#pragma omp simd
    for (size_t i = 0; i < n; i++) {
        const float c = b1 * m[i] + omb1 * g[i];
        const float sign = (float)(c > 0.0f) - (float)(c < 0.0f);
        w[i] -= lr * (sign + decay * w[i]);
        m[i] = b2 * m[i] + omb2 * g[i];
    }
}

static void lion_c(float *w, const float *g, float *m, size_t n, const OptimSpec *s, float decay)
{
    lion_loop(w, g, m, n, s, decay);
}

#if defined(__x86_64__)
__attribute__((target("avx512f"))) static void lion_avx512(float *w, const float *g, float *m,
                                                           size_t n, const OptimSpec *s, float decay)
{
    lion_loop(w, g, m, n, s, decay);
}

__attribute__((target("avx2"))) static void lion_avx2(float *w, const float *g, float *m, size_t n,
                                                      const OptimSpec *s, float decay)
{
    lion_loop(w, g, m, n, s, decay);
}
#endif

static const LionFn lion_variants[ISA_COUNT] = ISA_VARIANTS(lion_c, lion_avx2, lion_avx512);

/* A model with this many trained values is updated by all its threads, each on its own
 * contiguous slice of every tensor; a smaller one on the calling thread. */
#define PARALLEL_MIN 65536

/* Elements [lo, hi) of tensor p (offset off in the flat blocks). */
static void update_slice(const Optimizer *o, const ParamTensor *p, size_t off, size_t lo, size_t hi,
                         const AdamScalars *a, const RadamScalars *r)
{
    const OptimSpec *s = &o->spec;
    off += lo;
    if (s->kind == OPT_RADAM) {
        radam_variants[isa_active()](p->value + lo, p->grad + lo, o->m + off, o->v + off, hi - lo,
                                     r, p->is_weight ? s->weight_decay : 0.0f);
    } else if (s->kind == OPT_LION) {
        lion_variants[isa_active()](p->value + lo, p->grad + lo, o->m + off, hi - lo, s,
                                    p->is_weight ? s->weight_decay : 0.0f);
    } else if (s->kind == OPT_ADAM) {
        float decay = p->is_weight ? s->weight_decay : 0.0f;
        adam_variants[isa_active()](p->value + lo, p->grad + lo, o->m + off, o->v + off, hi - lo,
                                    a, decay);
    } else if (s->kind == OPT_ADAMW) {
        /* the decoupled decay as adamw_update_ref applies it, then Adam's step without decay */
        if (p->is_weight && s->weight_decay > 0.0f)
            adamw_decay_ref(p->value + lo, hi - lo, s->lr, s->weight_decay);
        adam_variants[isa_active()](p->value + lo, p->grad + lo, o->m + off, o->v + off, hi - lo,
                                    a, 0.0f);
    } else if (s->nesterov) {
        /* no vector variant: the compiler vectorises the reference loop (no sqrt in it) */
        sgd_nesterov_update_ref(p->value + lo, p->grad + lo, o->m + off, hi - lo, s->lr,
                                p->is_weight ? s->l2 : 0.0f, s->momentum);
    } else {
        float decay = p->is_weight ? s->l2 : 0.0f;
        sgd_variants[isa_active()](p->value + lo, p->grad + lo, o->m ? o->m + off : NULL, hi - lo,
                                   s->lr, decay, s->momentum);
    }
}

/* The step of every trained tensor in one job: thread t updates its slice of each (slices of whole
 * 16-float blocks, so no two threads share a cache line). One start of the threads for the whole
 * step, and the small tensors split too (each value's update is its own: the same bits whoever
 * computes it). */
typedef struct {
    const Optimizer *o;
    const Model *m;
    const AdamScalars *a;
    const RadamScalars *r;
} UpdateJob;

static void update_piece(void *arg, int t, int n)
{
    const UpdateJob *j = arg;
    for (int k = 0; k < j->m->n_params; k++) {
        const ParamTensor *p = &j->m->params[k];
        if (p->is_state)                            /* running statistics are not trained */
            continue;
        long lo, hi;
        threads_piece((long)p->n, 16, t, n, &lo, &hi);
        if (hi > lo)
            update_slice(j->o, p, (size_t)(p->value - j->m->param_block), (size_t)lo, (size_t)hi,
                         j->a, j->r);
    }
}

void optim_set_lr(Optimizer *o, float lr)
{
    o->spec.lr = lr;
}

float optim_lr(const Optimizer *o)
{
    return o->spec.lr;
}

/* The reference step: every tensor of the model once, by the formulas of models/reference/optim.c
 * (o->step already counts this step); weights decay, biases not, running statistics stay. */
void optim_step_ref(Optimizer *o, Model *m)
{
    const OptimSpec *s = &o->spec;
    const AdamRates r = {.lr = s->lr, .beta1 = s->beta1, .beta2 = s->beta2, .eps = s->eps};
    for (int k = 0; k < m->n_params; k++) {
        const ParamTensor *p = &m->params[k];
        if (p->is_state)                            /* running statistics are not trained */
            continue;
        const size_t off = (size_t)(p->value - m->param_block);   /* the moments' offset too */
        const float decay = p->is_weight ? (s->kind == OPT_SGD ? s->l2 : s->weight_decay) : 0.0f;
        if (s->kind == OPT_ADAM)
            adam_update_ref(p->value, p->grad, o->m + off, o->v + off, p->n, &r, decay, o->step);
        else if (s->kind == OPT_ADAMW)
            adamw_update_ref(p->value, p->grad, o->m + off, o->v + off, p->n, &r, decay, o->step);
        else if (s->kind == OPT_RADAM)
            radam_update_ref(p->value, p->grad, o->m + off, o->v + off, p->n, &r, decay, o->step);
        else if (s->kind == OPT_LION)
            lion_update_ref(p->value, p->grad, o->m + off, p->n, s->lr, s->beta1, s->beta2, decay);
        else if (s->nesterov)
            sgd_nesterov_update_ref(p->value, p->grad, o->m + off, p->n, s->lr, decay, s->momentum);
        else
            sgd_update_ref(p->value, p->grad, o->m ? o->m + off : NULL, p->n, s->lr,
                           p->is_weight ? s->l2 : 0.0f, s->momentum);
    }
}

void optim_step(Optimizer *o, Model *m)
{
    const OptimSpec *s = &o->spec;
    double t0 = m->profile ? model_clock() : 0.0;
    model_settle_grads(m);                          /* a zero_grad with no backward since */
    o->step++;
    if (m->kernels == KERNELS_REFERENCE) {
        optim_step_ref(o, m);
        if (m->profile)
            model_profile_optimizer(m, model_clock() - t0);
        return;
    }
    AdamScalars a = {0};
    RadamScalars r = {0};
    if (s->kind == OPT_RADAM)
        r = radam_scalars(s, o->step);
    else if (optim_is_adam(s->kind))
        a = adam_scalars(s, o->step);
    size_t trained = 0;
    for (int k = 0; k < m->n_params; k++)
        trained += m->params[k].is_state ? 0 : m->params[k].n;
    UpdateJob j = {.o = o, .m = m, .a = &a, .r = &r};
    threads_run(trained < PARALLEL_MIN ? 1 : m->threads, update_piece, &j);
    if (m->profile)
        model_profile_optimizer(m, model_clock() - t0);
}
