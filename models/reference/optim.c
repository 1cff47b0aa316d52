/* models/reference/optim: SGD (L2, momentum), Adam, AdamW, RAdam and Lion, one tensor at a time,
 * with PyTorch's arithmetic operation for operation (so the fast path and PyTorch give these
 * numbers bit for bit); Lion, which PyTorch lacks, as its paper writes it. */
#include "models/reference/reference.h"

#include <math.h>

/* With a zeroed buffer the first step gives v = g', which is PyTorch's first-step copy. */
void sgd_update_ref(float *w, const float *g, float *v, size_t n, float lr, float decay,
                    float mu)
{
    for (size_t i = 0; i < n; i++) {
        const float d = g[i] + decay * w[i];
        if (v) {
            v[i] = mu * v[i] + d;
            w[i] -= lr * v[i];
        } else {
            w[i] -= lr * d;
        }
    }
}

/* torch.optim.Adam: the bias corrections bc = 1 - beta^t in double from the double betas, then
 * float32 per element; m moves by its lerp form m += (1-b1)(g' - m), and
 * w -= (lr/bc1) m / (sqrt(v)/sqrt(bc2) + eps), which is lr mhat / (sqrt(vhat) + eps). */
void adam_update_ref(float *w, const float *g, float *m, float *v, size_t n, const AdamRates *s,
                     float decay, long t)
{
    const float b2 = (float)s->beta2, one_minus_b1 = (float)(1.0 - s->beta1);
    const float one_minus_b2 = (float)(1.0 - s->beta2), eps = (float)s->eps;
    const float step_size = (float)((double)s->lr / (1.0 - pow(s->beta1, (double)t)));
    const float bc2_sqrt = (float)sqrt(1.0 - pow(s->beta2, (double)t));
    for (size_t i = 0; i < n; i++) {
        const float d = g[i] + decay * w[i];
        m[i] += one_minus_b1 * (d - m[i]);
        v[i] = v[i] * b2 + one_minus_b2 * d * d;
        w[i] -= step_size * m[i] / (sqrtf(v[i]) / bc2_sqrt + eps);
    }
}

void adamw_decay_ref(float *w, size_t n, float lr, float decay)
{
    const float shrink = (float)(1.0 - (double)lr * decay);     /* PyTorch: w.mul_(1 - lr*wd) */
    for (size_t i = 0; i < n; i++)
        w[i] *= shrink;
}

void adamw_update_ref(float *w, const float *g, float *m, float *v, size_t n, const AdamRates *s,
                      float decay, long t)
{
    adamw_decay_ref(w, n, s->lr, decay);
    adam_update_ref(w, g, m, v, n, s, 0.0f, t);
}

void sgd_nesterov_update_ref(float *w, const float *g, float *v, size_t n, float lr, float decay,
                             float mu)
{
    for (size_t i = 0; i < n; i++) {
        const float d = g[i] + decay * w[i];
        v[i] = mu * v[i] + d;
        w[i] -= lr * (d + mu * v[i]);
    }
}

/* torch.optim.RAdam (Liu et al. 2020, "On the Variance of the Adaptive Learning Rate and Beyond"):
 * the moments as Adam's; the length of the approximated simple moving average
 *   rho_inf = 2/(1-b2) - 1,   rho_t = rho_inf - 2 t b2^t / (1 - b2^t)
 * says whether v can be trusted yet. While rho_t <= 5 (the first 5 steps at b2 = 0.999) the step is
 * momentum alone, w -= lr mhat; after, Adam's step times the rectification
 *   r_t = sqrt((rho_t-4)(rho_t-2) rho_inf / ((rho_inf-4)(rho_inf-2) rho_t)),
 * which grows from 0.05 towards 1. The scalars in double, the elements in float32 in PyTorch's
 * order: w -= ((m/bc1) lr) (sqrt(bc2) / (sqrt(v) + eps)) r_t. */
void radam_update_ref(float *w, const float *g, float *m, float *v, size_t n, const AdamRates *s,
                      float decay, long t)
{
    const double b1t = pow(s->beta1, (double)t), b2t = pow(s->beta2, (double)t);
    const double rho_inf = 2.0 / (1.0 - s->beta2) - 1.0;
    const double rho_t = rho_inf - 2.0 * (double)t * b2t / (1.0 - b2t);
    const int rectified = rho_t > 5.0;
    const float rect = rectified ? (float)sqrt((rho_t - 4.0) * (rho_t - 2.0) * rho_inf /
                                               ((rho_inf - 4.0) * (rho_inf - 2.0) * rho_t)) : 0.0f;
    const float b1 = (float)s->beta1, b2 = (float)s->beta2, eps = (float)s->eps, lr = s->lr;
    const float one_minus_b1 = (float)(1.0 - s->beta1), one_minus_b2 = (float)(1.0 - s->beta2);
    const float bc1 = (float)(1.0 - b1t), bc2_sqrt = (float)sqrt(1.0 - b2t);
    for (size_t i = 0; i < n; i++) {
        const float d = g[i] + decay * w[i];
        m[i] = m[i] * b1 + one_minus_b1 * d;
        v[i] = v[i] * b2 + one_minus_b2 * d * d;
        const float mhat = m[i] / bc1;
        if (rectified)
            w[i] -= mhat * lr * (bc2_sqrt / (sqrtf(v[i]) + eps)) * rect;
        else
            w[i] -= mhat * lr;
    }
}

/* Lion (Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms", Algorithm 2): the
 * update is the sign of an interpolation c = b1 m + (1-b1) g, every element moving by exactly lr
 * (plus the decoupled decay); the momentum itself moves at the slower b2:
 *   c = b1 m + (1-b1) g;   w -= lr (sign(c) + decay w);   m = b2 m + (1-b2) g.
 * sign(0) = 0, as torch.sign gives. */
void lion_update_ref(float *w, const float *g, float *m, size_t n, float lr, double beta1,
                     double beta2, float decay)
{
    const float b1 = (float)beta1, b2 = (float)beta2;
    const float one_minus_b1 = (float)(1.0 - beta1), one_minus_b2 = (float)(1.0 - beta2);
    for (size_t i = 0; i < n; i++) {
        const float c = b1 * m[i] + one_minus_b1 * g[i];
        const float sign = c > 0.0f ? 1.0f : c < 0.0f ? -1.0f : 0.0f;
        w[i] -= lr * (sign + decay * w[i]);
        m[i] = b2 * m[i] + one_minus_b2 * g[i];
    }
}
