/* models/gemm: the matrix products of the layer kit. Single-threaded kernels in three variants
 * (AVX-512, AVX2 + FMA, portable C), the one models/isa says picked at run time, so the default -O2
 * build uses the machine's full vector width. Every output element is summed in a fixed order (k = 0, 1,
 * ..., K-1, starting from its initial value), whatever block of C a call covers, so callers may split
 * C among threads and still get bitwise the same result at any thread count. */
#ifndef MNL_GEMM_H
#define MNL_GEMM_H

#include <stddef.h>

/* What C's elements start from before the products are added, and the two ways a ReLU is folded
 * into the store: a dense layer's forward and its ReLU (COL_BIAS_RELU), and the input gradient of
 * the layer above that ReLU with the ReLU's backward (ZERO_WHERE_POSITIVE). Each gives bitwise what
 * the unfused product and the ReLU's own pass give (models/reference/activations.c). */
typedef enum {
    GEMM_ZERO,          /* C = A B */
    GEMM_ACCUMULATE,    /* C += A B */
    GEMM_ROW_BIAS,      /* C[i][j] = bias[i] + (A B)[i][j] */
    GEMM_COL_BIAS,      /* C[i][j] = bias[j] + (A B)[i][j] */
    GEMM_COL_BIAS_RELU, /* C[i][j] = relu(bias[j] + (A B)[i][j]): > 0 kept, else +0 */
    GEMM_ZERO_WHERE_POSITIVE, /* C[i][j] = (A B)[i][j] where P[i][j] > 0, else +0; P is passed as
                               * bias, [M, N] with C's row stride ldc (a ReLU's output) */
} GemmInit;

/* C[M, N] = init + A[M, K] B[K, N].
 * A(i, k) = a[i*rsa + k*csa]: a row-major matrix (rsa = its row length, csa = 1) or the transpose
 * of one (rsa = 1, csa = its row length). B is row-major with row stride ldb, C with ldc.
 * bias: [M] for GEMM_ROW_BIAS, [N] for GEMM_COL_BIAS(_RELU), P for GEMM_ZERO_WHERE_POSITIVE, else
 * unused (may be NULL). */
void gemm_nn(int M, int N, int K, const float *a, ptrdiff_t rsa, ptrdiff_t csa,
             const float *b, ptrdiff_t ldb, float *c, ptrdiff_t ldc, GemmInit init, const float *bias);

/* C[M, N] = init + A[M, K] B[N, K]^T: both operands row-major along K (dot products), strides lda,
 * ldb; C row-major with ldc. */
void gemm_nt(int M, int N, int K, const float *a, ptrdiff_t lda, const float *b, ptrdiff_t ldb,
             float *c, ptrdiff_t ldc, GemmInit init, const float *bias);

/* The same products with B's rows picked from anywhere: row k of B (gemm_nn, B is [K, N]) or row j
 * of B (gemm_nt, B is [N, K]) starts at b + brow[k or j]. A convolution reads its input this way as
 * im2col columns without copying them. gemm_nt_gather also sums G such products into C at once,
 * C = init + sum over g < G of A_g B_g^T with A_g = a + g*a_step and B_g's row j at
 * b + g*b_step + brow[j], all in the vector accumulators (one reduction across lanes per element). */
void gemm_nn_gather(int M, int N, int K, const float *a, ptrdiff_t rsa, ptrdiff_t csa,
                    const float *b, const ptrdiff_t *brow, float *c, ptrdiff_t ldc, GemmInit init,
                    const float *bias);
void gemm_nt_gather(int G, ptrdiff_t a_step, ptrdiff_t b_step, int M, int N, int K,
                    const float *a, ptrdiff_t lda, const float *b, const ptrdiff_t *brow, float *c,
                    ptrdiff_t ldc, GemmInit init, const float *bias);

#endif
