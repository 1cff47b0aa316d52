/* models/heads: softmax cross-entropy and sigmoid binary cross-entropy, with their gradients,
 * probabilities and predictions. Per-image work in double: K is small, and it keeps the mean loss
 * exact enough for finite-difference checks on float32 logits. */
#include "models/heads.h"

#include <math.h>
#include <stddef.h>

double softmax_ce(const float *logits, const int *y, int B, int K,
                  float *dlogits, float *probs, int *pred)
{
    double total = 0.0;
    for (int i = 0; i < B; i++) {
        const float *z = logits + (size_t)i * K;
        int best = 0;
        for (int k = 1; k < K; k++)
            if (z[k] > z[best])
                best = k;
        /* log sum exp(z) = max + log sum exp(z - max): no overflow, and the largest term is 1.
         * Each exp is taken once (e[k], up to 16 kept; wider heads recompute) and then
         * p = exp(z - max) / sum, which is exp(z - lse). */
        double e[16], sum = 0.0;
        for (int k = 0; k < K; k++) {
            double ek = exp((double)z[k] - z[best]);
            if (k < 16)
                e[k] = ek;
            sum += ek;
        }
        double lse = z[best] + log(sum);
        total += lse - z[y[i]];
        for (int k = 0; k < K; k++) {
            double p = (k < 16 ? e[k] : exp((double)z[k] - z[best])) / sum;
            if (probs)
                probs[(size_t)i * K + k] = (float)p;
            if (dlogits)
                dlogits[(size_t)i * K + k] = (float)((p - (k == y[i])) / B);
        }
        if (pred)
            pred[i] = best;
    }
    return total / B;
}

double sigmoid_bce(const float *logits, const int *y, int B,
                   float *dlogits, float *probs, int *pred)
{
    double total = 0.0;
    for (int i = 0; i < B; i++) {
        double z = logits[i], t = y[i] ? 1.0 : 0.0;
        /* e = exp(-|z|) <= 1, so both class probabilities are computed without cancellation */
        double e = exp(-fabs(z));
        double s = z >= 0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
        double s0 = z >= 0 ? e / (1.0 + e) : 1.0 / (1.0 + e);
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
