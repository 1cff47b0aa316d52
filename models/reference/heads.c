/* models/reference/heads: softmax cross-entropy over K logits and binary cross-entropy from one
 * sigmoid logit, each in the form that never overflows, with the fused gradient (p - y) / B.
 * Per-image arithmetic in double: K is small, and the mean loss stays exact enough for
 * finite-difference checks on float32 logits. */
#include "models/reference/reference.h"

#include <math.h>

/* log sum_j exp(z_j) = m + log sum_j exp(z_j - m) with m = max z: no exponent exceeds 0, so no
 * overflow, and the largest term is 1, so the sum is never 0 (no log 0). */
double softmax_ce_ref(const float *logits, const int *y, int B, int K,
                      float *dlogits, float *probs, int *pred)
{
    double total = 0.0;
    for (int i = 0; i < B; i++) {
        const float *z = logits + (size_t)i * K;
        int best = 0;
        for (int k = 1; k < K; k++)
            if (z[k] > z[best])
                best = k;
        const double m = z[best];
        double sum = 0.0;
        for (int k = 0; k < K; k++)
            sum += exp(z[k] - m);
        for (int k = 0; k < K; k++) {
            const double p = exp(z[k] - m) / sum;
            if (probs)
                probs[(size_t)i * K + k] = (float)p;
            if (dlogits)
                dlogits[(size_t)i * K + k] = (float)((p - (k == y[i])) / B);
        }
        total += m + log(sum) - z[y[i]];            /* -log p_y */
        if (pred)
            pred[i] = best;
    }
    return total / B;
}

/* With e = exp(-|z|) <= 1 both class probabilities come without cancellation, and
 * -y log s - (1-y) log(1-s) = max(z,0) - z y + log(1 + e) takes no log of 0 for any z. */
double sigmoid_bce_ref(const float *logits, const int *y, int B,
                       float *dlogits, float *probs, int *pred)
{
    double total = 0.0;
    for (int i = 0; i < B; i++) {
        const double z = logits[i], t = y[i] ? 1.0 : 0.0;
        const double e = exp(-fabs(z));
        const double s = z >= 0 ? 1.0 / (1.0 + e) : e / (1.0 + e);     /* sigmoid(z) */
        const double s0 = z >= 0 ? e / (1.0 + e) : 1.0 / (1.0 + e);    /* 1 - sigmoid(z) */
        total += fmax(z, 0.0) - z * t + log1p(e);
        if (dlogits)
            dlogits[i] = (float)((s - t) / B);
        if (probs) {
            probs[2 * (size_t)i] = (float)s0;
            probs[2 * (size_t)i + 1] = (float)s;
        }
        if (pred)
            pred[i] = s > 0.5;
    }
    return total / B;
}
