/* models/reference/dropout: inverted dropout (zero a fraction p of the activations in training and
 * scale the rest by 1/(1-p), so evaluation needs no scaling) and flatten (moves no value). */
#include "models/reference/reference.h"

void dropout_mask_ref(float *mask, size_t n, float p, gsl_rng *rng)
{
    const float keep = 1.0f / (1.0f - p);
    for (size_t i = 0; i < n; i++)
        mask[i] = gsl_rng_uniform(rng) < p ? 0.0f : keep;
}

void dropout_apply_ref(float *out, const float *in, const float *mask, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = in[i] * mask[i];
}

void flatten_ref(float *out, const float *in, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = in[i];
}
