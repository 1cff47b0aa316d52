/* models/reference/activations: elementwise activation functions and their derivatives. */
#include "models/reference/reference.h"

void relu_forward_ref(float *out, const float *in, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = in[i] > 0.0f ? in[i] : 0.0f;         /* -0 and NaN give +0 */
}

/* relu'(x) is 1 where the output is positive and 0 elsewhere (0 is taken at x = 0) */
void relu_backward_ref(float *din, const float *dout, const float *out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        din[i] = out[i] > 0.0f ? dout[i] : 0.0f;
}
