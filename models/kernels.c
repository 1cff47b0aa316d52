/* models/kernels: the fast dense layer (models/gemm, split over threads), ReLU (models/rows) and
 * flatten (memcpy), forward and backward over plain buffers. Batch-major layouts; the innermost loop runs along
 * contiguous memory. */
#include "models/kernels.h"

#include <string.h>

#include "common/threads.h"
#include "models/gemm.h"
#include "models/rows.h"

/* ---- dense ---- */

/* Threads worth using on `work` multiply-adds: starting a job costs a few microseconds. The bar is
 * low enough for softmax's 100 x 784 x 10 (measured on 2 threads: evaluation, which streams its
 * batch from memory, 4.1 -> 6.7 M images/s; training 2.3 -> 2.6 M; no change for lenet). */
static int threads_for(double work, int threads)
{
    return work < 5e5 ? 1 : threads;
}

/* One dense layer's operands, shared by the pieces of its jobs. */
typedef struct {
    float *out, *din, *dw, *db;
    const float *in, *w, *b, *dout, *din_mask;
    int B, In, Out;
    GemmInit out_init;           /* GEMM_COL_BIAS, or GEMM_COL_BIAS_RELU with the ReLU taken in */
    int store;                   /* the backward overwrites dw and db instead of adding to them */
} DenseJob;

/* out [B, Out] = b + in [B, In] x w^T [In, Out] (and its ReLU): the larger of the two output sides
 * is split, so that each thread reads only its part of the larger operand. */
static void dense_forward_piece(void *arg, int t, int n)
{
    const DenseJob *j = arg;
    long lo, hi;
    if (j->Out >= j->B) {
        threads_piece(j->Out, 16, t, n, &lo, &hi);
        gemm_nt(j->B, (int)(hi - lo), j->In, j->in, j->In, j->w + lo * j->In, j->In, j->out + lo,
                j->Out, j->out_init, j->b + lo);
    } else {
        threads_piece(j->B, 4, t, n, &lo, &hi);
        gemm_nt((int)(hi - lo), j->Out, j->In, j->in + lo * j->In, j->In, j->w, j->In,
                j->out + lo * j->Out, j->Out, j->out_init, j->b);
    }
}

void dense_forward(float *out, const float *in, const float *w, const float *b,
                   int B, int In, int Out, int relu, int threads)
{
    DenseJob j = {.out = out, .in = in, .w = w, .b = b, .B = B, .In = In, .Out = Out,
                  .out_init = relu ? GEMM_COL_BIAS_RELU : GEMM_COL_BIAS};
    threads_run(threads_for((double)B * In * Out, threads), dense_forward_piece, &j);
}

/* Both products of the backward over the same slice of In columns, and the bias gradient over a
 * slice of Out: db[o] (+)= the sum over the batch, image by image in order. */
static void dense_backward_piece(void *arg, int t, int n)
{
    const DenseJob *j = arg;
    long lo, hi;
    threads_piece(j->Out, 16, t, n, &lo, &hi);
    if (j->store)
        memset(j->db + lo, 0, sizeof(float) * (size_t)(hi - lo));
    for (int i = 0; i < j->B; i++) {
        const float *row = j->dout + (size_t)i * j->Out;
        for (long o = lo; o < hi; o++)
            j->db[o] += row[o];
    }
    threads_piece(j->In, 64, t, n, &lo, &hi);
    /* dw [Out, In] (+)= dout^T [Out, B] x in [B, In] */
    gemm_nn(j->Out, (int)(hi - lo), j->B, j->dout, 1, j->Out, j->in + lo, j->In, j->dw + lo, j->In,
            j->store ? GEMM_ZERO : GEMM_ACCUMULATE, NULL);
    /* din [B, In] = dout [B, Out] x w [Out, In], kept where din_mask [B, In] is positive */
    if (j->din)
        gemm_nn(j->B, (int)(hi - lo), j->Out, j->dout, j->Out, 1, j->w + lo, j->In, j->din + lo,
                j->In, j->din_mask ? GEMM_ZERO_WHERE_POSITIVE : GEMM_ZERO,
                j->din_mask ? j->din_mask + lo : NULL);
}

void dense_backward(float *din, float *dw, float *db, const float *dout, const float *in,
                    const float *w, const float *din_mask, int B, int In, int Out, int store,
                    int threads)
{
    DenseJob j = {.din = din, .dw = dw, .db = db, .dout = dout, .in = in, .w = w,
                  .din_mask = din_mask, .B = B, .In = In, .Out = Out, .store = store};
    threads_run(threads_for(2.0 * B * In * Out, threads), dense_backward_piece, &j);
}

/* ---- ReLU (single-threaded: the model's walk runs it image by image on each thread) ---- */

/* The row operations' vector ReLU (models/rows.c), one long row at a time; the walk's buffers
 * hold at most INT_MAX floats (model_alloc_batch), so n fits a row length. */
void relu_forward(float *out, const float *in, size_t n)
{
    rows_move(ROWS_RELU, 1, (int)n, in, 0, out, 0, NULL, 0);
}

void relu_backward(float *din, const float *dout, const float *out, size_t n)
{
    rows_move(ROWS_WHERE_POSITIVE, 1, (int)n, dout, 0, din, 0, out, 0);
}

void copy_forward(float *out, const float *in, size_t n)
{
    memcpy(out, in, sizeof(float) * n);
}
