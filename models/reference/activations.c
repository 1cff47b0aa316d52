/* models/reference/activations: elementwise activation functions and their derivatives. */
#include "models/reference/reference.h"

#include <math.h>

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

/* tanh(x); its derivative 1 - tanh(x)^2 is read off the output */
void tanh_forward_ref(float *out, const float *in, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = tanhf(in[i]);
}

void tanh_backward_ref(float *din, const float *dout, const float *out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        din[i] = dout[i] * (1.0f - out[i] * out[i]);
}

/* sigmoid(x) = 1 / (1 + exp(-x)); its derivative s (1 - s), again from the output */
void sigmoid_forward_ref(float *out, const float *in, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = 1.0f / (1.0f + expf(-in[i]));
}

void sigmoid_backward_ref(float *din, const float *dout, const float *out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        din[i] = dout[i] * out[i] * (1.0f - out[i]);
}

/* x where x > 0, else a x; the slope is a at and below 0 (as torch.nn.LeakyReLU) */
void leakyrelu_forward_ref(float *out, const float *in, size_t n, float a)
{
    for (size_t i = 0; i < n; i++)
        out[i] = in[i] > 0.0f ? in[i] : a * in[i];
}

void leakyrelu_backward_ref(float *din, const float *dout, const float *in, size_t n, float a)
{
    for (size_t i = 0; i < n; i++)
        din[i] = in[i] > 0.0f ? dout[i] : a * dout[i];
}

/* GELU, the exact form: x Phi(x) with Phi the standard normal CDF, 0.5 (1 + erf(x / sqrt 2));
 * d/dx = Phi(x) + x phi(x), phi(x) = exp(-x^2 / 2) / sqrt(2 pi) the normal density */
void gelu_forward_ref(float *out, const float *in, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = 0.5f * in[i] * (1.0f + erff(in[i] * 0.70710678f));
}

void gelu_backward_ref(float *din, const float *dout, const float *in, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        float x = in[i];
        float cdf = 0.5f * (1.0f + erff(x * 0.70710678f));
        float pdf = 0.39894228f * expf(-0.5f * x * x);
        din[i] = dout[i] * (cdf + x * pdf);
    }
}

/* softplus(x) = log(1 + exp(x)), written so that exp never overflows */
static float softplus(float x)
{
    return x > 0.0f ? x + log1pf(expf(-x)) : log1pf(expf(x));
}

/* Mish: x tanh(softplus(x)); with t = tanh(softplus(x)) and softplus' = sigmoid,
 * d/dx = t + x (1 - t^2) sigmoid(x) */
void mish_forward_ref(float *out, const float *in, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = in[i] * tanhf(softplus(in[i]));
}

void mish_backward_ref(float *din, const float *dout, const float *in, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        float x = in[i], t = tanhf(softplus(x)), s = 1.0f / (1.0f + expf(-x));
        din[i] = dout[i] * (t + x * (1.0f - t * t) * s);
    }
}
