/* models/reference/optim: SGD (L2, momentum) and Adam, one tensor at a time, with PyTorch's
 * arithmetic operation for operation (so the fast path and PyTorch give these numbers bit for bit). */
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
