/* models/optim: SGD with L2 and momentum, and Adam, over a Model's contiguous parameter block.
 * The moment buffers mirror the parameter block, so a tensor's moments start at the same offset
 * as its values; the weight/bias distinction (decay or not) is made per tensor. */
#include "models/optim.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"

void optim_spec_defaults(OptimSpec *s, OptimKind kind)
{
    memset(s, 0, sizeof *s);
    s->kind = kind;
    s->lr = kind == OPT_ADAM ? 1e-3f : 0.1f;
    s->beta1 = 0.9;
    s->beta2 = 0.999;
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
    if (s->kind != OPT_SGD && s->kind != OPT_ADAM)
        return mnl_fail(MNL_ERR_ARG, "optimizer: unknown kind %d", (int)s->kind);
    int rc;
    if ((rc = check_range("lr", s->lr, 0.0, INFINITY, 1)))
        return rc;
    if (s->kind == OPT_SGD) {
        if ((rc = check_range("l2", s->l2, 0.0, INFINITY, 1)) ||
            (rc = check_range("momentum", s->momentum, 0.0, INFINITY, 1)))
            return rc;
        return MNL_OK;
    }
    if ((rc = check_range("beta1", s->beta1, 0.0, 1.0, 1)) ||
        (rc = check_range("beta2", s->beta2, 0.0, 1.0, 1)) ||
        (rc = check_range("weight_decay", s->weight_decay, 0.0, INFINITY, 1)))
        return rc;
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
    int need_m = spec->kind == OPT_ADAM || spec->momentum > 0.0f;
    int need_v = spec->kind == OPT_ADAM;
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

/* w -= lr * (g + decay*w), or through the momentum buffer: buf = mu*buf + g'; w -= lr*buf.
 * With a zeroed buffer the first step gives buf = g', which is PyTorch's first-step copy. */
static void sgd_tensor(float *restrict w, const float *restrict g, float *restrict buf, size_t n,
                       float lr, float decay, float mu)
{
    if (!buf) {
        for (size_t i = 0; i < n; i++)
            w[i] -= lr * (g[i] + decay * w[i]);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        buf[i] = mu * buf[i] + (g[i] + decay * w[i]);
        w[i] -= lr * buf[i];
    }
}

/* The per-step scalars of Adam. As in PyTorch, they are worked out in double from the double
 * hyper-parameters and the step count (beta^t underflows gracefully there), then applied to the
 * float32 tensors as float32. */
typedef struct {
    float b2, one_minus_b1, one_minus_b2, eps;
    float step_size;       /* lr / (1 - b1^t) */
    float bc2_sqrt;        /* sqrt(1 - b2^t) */
} AdamScalars;

static AdamScalars adam_scalars(const OptimSpec *s, long t)
{
    double bc1 = 1.0 - pow(s->beta1, (double)t);
    double bc2 = 1.0 - pow(s->beta2, (double)t);
    AdamScalars a = {
        .b2 = (float)s->beta2,
        .one_minus_b1 = (float)(1.0 - s->beta1),
        .one_minus_b2 = (float)(1.0 - s->beta2),
        .eps = (float)s->eps,
        .step_size = (float)((double)s->lr / bc1),
        .bc2_sqrt = (float)sqrt(bc2),
    };
    return a;
}

/* torch.optim.Adam's arithmetic, operation for operation:
 *   g' = g + decay w;  m += (1-b1)(g' - m)  (its lerp form of m = b1 m + (1-b1) g');
 *   v = b2 v + (1-b2) g' g';  w -= (lr/bc1) m / (sqrt(v)/sqrt(bc2) + eps),
 * which is w -= lr mhat / (sqrt(vhat) + eps) with mhat = m/bc1, vhat = v/bc2, bc = 1 - beta^t. */
static void adam_tensor(float *restrict w, const float *restrict g, float *restrict m,
                        float *restrict v, size_t n, const AdamScalars *a, float decay)
{
    for (size_t i = 0; i < n; i++) {
        float d = g[i] + decay * w[i];
        m[i] += a->one_minus_b1 * (d - m[i]);
        v[i] = v[i] * a->b2 + a->one_minus_b2 * d * d;
        w[i] -= a->step_size * m[i] / (sqrtf(v[i]) / a->bc2_sqrt + a->eps);
    }
}

void optim_step(Optimizer *o, Model *m)
{
    const OptimSpec *s = &o->spec;
    double t0 = m->profile ? model_clock() : 0.0;
    o->step++;
    AdamScalars a = {0};
    if (s->kind == OPT_ADAM)
        a = adam_scalars(s, o->step);
    for (int k = 0; k < m->n_params; k++) {
        ParamTensor *p = &m->params[k];
        size_t off = (size_t)(p->value - m->param_block);
        if (s->kind == OPT_ADAM) {
            float decay = p->is_weight ? s->weight_decay : 0.0f;
            adam_tensor(p->value, p->grad, o->m + off, o->v + off, p->n, &a, decay);
        } else {
            float decay = p->is_weight ? s->l2 : 0.0f;
            sgd_tensor(p->value, p->grad, o->m ? o->m + off : NULL, p->n, s->lr, decay, s->momentum);
        }
    }
    if (m->profile)
        model_profile_optimizer(m, model_clock() - t0);
}
