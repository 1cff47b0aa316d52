/* models/reference/conv: 2-D convolution (k x k, stride 1, zero padding P) as its definition,
 *   out[n][o][y][x] = b[o] + sum over c, i, j of w[o][c][i][j] * in[n][c][y + i - P][x + j - P],
 * pixels outside the image counting as 0; and its backward, the same sum read the other way. */
#include "models/reference/reference.h"

/* Element offsets in the [B, C, H, W] layouts. */
static size_t at4(int n, int c, int y, int x, int C, int H, int W)
{
    return (((size_t)n * C + c) * H + y) * W + x;
}

void conv2d_forward_ref(float *out, const float *in, const float *w, const float *b,
                        int B, int C, int H, int W, int OC, int K, int P)
{
    const int OH = H + 2 * P - K + 1, OW = W + 2 * P - K + 1;
    for (int n = 0; n < B; n++)
        for (int o = 0; o < OC; o++)
            for (int y = 0; y < OH; y++)
                for (int x = 0; x < OW; x++) {
                    float z = b[o];
                    for (int c = 0; c < C; c++)
                        for (int i = 0; i < K; i++)
                            for (int j = 0; j < K; j++) {
                                const int iy = y + i - P, ix = x + j - P;
                                if (iy >= 0 && iy < H && ix >= 0 && ix < W)
                                    z += w[at4(o, c, i, j, C, K, K)] * in[at4(n, c, iy, ix, C, H, W)];
                            }
                    out[at4(n, o, y, x, OC, OH, OW)] = z;
                }
}

/* Every product w * in of the forward sends the output's gradient g to both factors:
 * dw += g * in and din += g * w; db sums g over the batch and the pixels. */
void conv2d_backward_ref(float *din, float *dw, float *db, const float *dout, const float *in,
                         const float *w, int B, int C, int H, int W, int OC, int K, int P)
{
    const int OH = H + 2 * P - K + 1, OW = W + 2 * P - K + 1;
    if (din)
        for (size_t e = 0; e < (size_t)B * C * H * W; e++)
            din[e] = 0.0f;
    for (int n = 0; n < B; n++)
        for (int o = 0; o < OC; o++)
            for (int y = 0; y < OH; y++)
                for (int x = 0; x < OW; x++) {
                    const float g = dout[at4(n, o, y, x, OC, OH, OW)];
                    db[o] += g;
                    for (int c = 0; c < C; c++)
                        for (int i = 0; i < K; i++)
                            for (int j = 0; j < K; j++) {
                                const int iy = y + i - P, ix = x + j - P;
                                if (iy < 0 || iy >= H || ix < 0 || ix >= W)
                                    continue;
                                dw[at4(o, c, i, j, C, K, K)] += g * in[at4(n, c, iy, ix, C, H, W)];
                                if (din)
                                    din[at4(n, c, iy, ix, C, H, W)] += g * w[at4(o, c, i, j, C, K, K)];
                            }
                }
}

/* The three forwards in turn. */
void conv2d_relu_maxpool2_forward_ref(float *pooled, float *relu_out, float *out, const float *in,
                                      const float *w, const float *b, int B, int C, int H, int W,
                                      int OC, int K, int P)
{
    const int OH = H + 2 * P - K + 1, OW = W + 2 * P - K + 1;
    conv2d_forward_ref(out, in, w, b, B, C, H, W, OC, K, P);
    relu_forward_ref(relu_out, out, (size_t)B * OC * OH * OW);
    maxpool2_forward_ref(pooled, relu_out, B, OC, OH, OW);
}

/* The three backwards in turn, through work: the pool sends each window's gradient to the corner
 * it picked, the ReLU keeps it where its output is positive, the convolution takes the rest. */
void conv2d_relu_maxpool2_backward_ref(float *din, float *dw, float *db, const float *dpool,
                                       const float *relu_out, const float *in, const float *w,
                                       int B, int C, int H, int W, int OC, int K, int P,
                                       float *work)
{
    const int OH = H + 2 * P - K + 1, OW = W + 2 * P - K + 1;
    maxpool2_backward_ref(work, dpool, relu_out, B, OC, OH, OW);
    relu_backward_ref(work, work, relu_out, (size_t)B * OC * OH * OW);
    conv2d_backward_ref(din, dw, db, work, in, w, B, C, H, W, OC, K, P);
}
