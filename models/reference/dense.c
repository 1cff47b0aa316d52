/* models/reference/dense: a fully connected layer, out = in w^T + b, and its three gradients. */
#include "models/reference/reference.h"

void dense_forward_ref(float *out, const float *in, const float *w, const float *b,
                       int B, int In, int Out)
{
    for (int i = 0; i < B; i++)
        for (int o = 0; o < Out; o++) {
            float z = b[o];
            for (int k = 0; k < In; k++)
                z += in[(size_t)i * In + k] * w[(size_t)o * In + k];
            out[(size_t)i * Out + o] = z;
        }
}

void dense_backward_ref(float *din, float *dw, float *db, const float *dout, const float *in,
                        const float *w, int B, int In, int Out)
{
    for (int i = 0; i < B; i++)
        for (int o = 0; o < Out; o++) {
            const float g = dout[(size_t)i * Out + o];          /* dL/dout[i][o] */
            db[o] += g;
            for (int k = 0; k < In; k++)
                dw[(size_t)o * In + k] += g * in[(size_t)i * In + k];
        }
    if (!din)
        return;
    for (int i = 0; i < B; i++) {
        float *d = din + (size_t)i * In;                        /* din[i] = sum_o dout[i][o] w[o] */
        for (int k = 0; k < In; k++)
            d[k] = 0.0f;
        for (int o = 0; o < Out; o++) {
            const float g = dout[(size_t)i * Out + o];
            for (int k = 0; k < In; k++)
                d[k] += g * w[(size_t)o * In + k];
        }
    }
}
