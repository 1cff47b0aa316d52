/* models/reference/pool: 2x2 max pooling, stride 2. The maximum is locally the identity on the
 * corner that holds it and constant in the other three, so the backward sends each window's whole
 * gradient to that corner. */
#include "models/reference/reference.h"

/* Which corner of the window at p (row length W) holds the maximum: 0 (0,0), 1 (0,1), 2 (1,0),
 * 3 (1,1); a later corner wins only when strictly greater. */
static int window_argmax(const float *p, int W)
{
    const float v[4] = {p[0], p[1], p[W], p[W + 1]};
    int best = 0;
    for (int k = 1; k < 4; k++)
        if (v[k] > v[best])
            best = k;
    return best;
}

void maxpool2_forward_ref(float *out, const float *in, int B, int C, int H, int W)
{
    const int OH = H / 2, OW = W / 2;
    for (int plane = 0; plane < B * C; plane++)
        for (int oy = 0; oy < OH; oy++)
            for (int ox = 0; ox < OW; ox++) {
                const float *p = in + ((size_t)plane * H + 2 * oy) * W + 2 * ox;
                const int k = window_argmax(p, W);
                out[((size_t)plane * OH + oy) * OW + ox] = p[(k / 2) * W + k % 2];
            }
}

void maxpool2_backward_ref(float *din, const float *dout, const float *in, int B, int C, int H,
                           int W)
{
    const int OH = H / 2, OW = W / 2;
    for (size_t e = 0; e < (size_t)B * C * H * W; e++)
        din[e] = 0.0f;
    for (int plane = 0; plane < B * C; plane++)
        for (int oy = 0; oy < OH; oy++)
            for (int ox = 0; ox < OW; ox++) {
                const size_t corner = ((size_t)plane * H + 2 * oy) * W + 2 * ox;
                const int k = window_argmax(in + corner, W);
                din[corner + (size_t)(k / 2) * W + k % 2] = dout[((size_t)plane * OH + oy) * OW + ox];
            }
}
