/* models/batchnorm: batch normalisation's fast path (see batchnorm.h). */
#include "models/batchnorm.h"

#include <math.h>
#include <stddef.h>

#include "common/threads.h"

/* Below this many values a channel split is not worth waking a thread. */
#define BN_PARALLEL_MIN 32768

typedef struct {
    float *out, *din, *dgamma, *dbeta;
    const float *in, *dout, *gamma, *beta;
    float *run_mean, *run_var, *save_mean, *save_invstd;
    const float *eval_mean, *eval_var, *saved_mean, *saved_invstd;
    int B, C, S;
    float eps, momentum;
} BnJob;

/* sum of x[0..S) and of (x - m)^2, one plane, in float lanes */
static float plane_sum(const float *restrict x, int S)
{
    float s = 0.0f;
#pragma omp simd reduction(+ : s)
    for (int i = 0; i < S; i++)
        s += x[i];
    return s;
}

static float plane_sq(const float *restrict x, int S, float m)
{
    float s = 0.0f;
#pragma omp simd reduction(+ : s)
    for (int i = 0; i < S; i++)
        s += (x[i] - m) * (x[i] - m);
    return s;
}

static void plane_affine(float *restrict y, const float *restrict x, int S, float m, float k,
                         float beta)
{
#pragma omp simd
    for (int i = 0; i < S; i++)
        y[i] = (x[i] - m) * k + beta;
}

static void train_channel(const BnJob *j, int c)
{
    const size_t S = (size_t)j->S, stride = (size_t)j->C * S;
    const double N = (double)j->B * j->S;
    double sum = 0.0, sq = 0.0;
    for (int b = 0; b < j->B; b++)
        sum += plane_sum(j->in + b * stride + c * S, j->S);
    const double mean = sum / N;
    for (int b = 0; b < j->B; b++)
        sq += plane_sq(j->in + b * stride + c * S, j->S, (float)mean);
    const double var = sq / N;
    const float invstd = (float)(1.0 / sqrt(var + j->eps));
    for (int b = 0; b < j->B; b++)
        plane_affine(j->out + b * stride + c * S, j->in + b * stride + c * S, j->S, (float)mean,
                     j->gamma[c] * invstd, j->beta[c]);
    j->save_mean[c] = (float)mean;
    j->save_invstd[c] = invstd;
    const double unbiased = N > 1 ? var * N / (N - 1) : var;
    j->run_mean[c] = (float)((1.0 - j->momentum) * j->run_mean[c] + j->momentum * mean);
    j->run_var[c] = (float)((1.0 - j->momentum) * j->run_var[c] + j->momentum * unbiased);
}

static void eval_channel(const BnJob *j, int c)
{
    const size_t S = (size_t)j->S, stride = (size_t)j->C * S;
    const float invstd = (float)(1.0 / sqrt((double)j->eval_var[c] + j->eps));
    for (int b = 0; b < j->B; b++)
        plane_affine(j->out + b * stride + c * S, j->in + b * stride + c * S, j->S,
                     j->eval_mean[c], j->gamma[c] * invstd, j->beta[c]);
}

static void backward_channel(const BnJob *j, int c)
{
    const size_t S = (size_t)j->S, stride = (size_t)j->C * S;
    const double N = (double)j->B * j->S;
    const float m = j->saved_mean[c], is = j->saved_invstd[c];
    double sum_d = 0.0, sum_dx = 0.0;
    for (int b = 0; b < j->B; b++) {
        const float *restrict x = j->in + b * stride + c * S, *restrict d = j->dout + b * stride + c * S;
        float sd = 0.0f, sdx = 0.0f;
#pragma omp simd reduction(+ : sd, sdx)
        for (int i = 0; i < j->S; i++) {
            sd += d[i];
            sdx += d[i] * ((x[i] - m) * is);
        }
        sum_d += sd, sum_dx += sdx;
    }
    j->dbeta[c] += (float)sum_d;
    j->dgamma[c] += (float)sum_dx;
    if (!j->din)
        return;
    const float k = j->gamma[c] * is, a = (float)(sum_d / N), g = (float)(sum_dx / N);
    for (int b = 0; b < j->B; b++) {
        const float *restrict x = j->in + b * stride + c * S, *restrict d = j->dout + b * stride + c * S;
        float *restrict dx = j->din + b * stride + c * S;
#pragma omp simd
        for (int i = 0; i < j->S; i++)
            dx[i] = k * (d[i] - a - ((x[i] - m) * is) * g);
    }
}

/* the evaluation-mode backward: the running statistics are constants (reference: models/reference/
 * batchnorm.c batchnorm_backward_eval_ref) */
static void backward_eval_channel(const BnJob *j, int c)
{
    const size_t S = (size_t)j->S, stride = (size_t)j->C * S;
    const float m = j->eval_mean[c], is = (float)(1.0 / sqrt((double)j->eval_var[c] + j->eps));
    const float k = j->gamma[c] * is;
    double sum_d = 0.0, sum_dx = 0.0;
    for (int b = 0; b < j->B; b++) {
        const float *restrict x = j->in + b * stride + c * S, *restrict d = j->dout + b * stride + c * S;
        float sd = 0.0f, sdx = 0.0f;
#pragma omp simd reduction(+ : sd, sdx)
        for (int i = 0; i < j->S; i++) {
            sd += d[i];
            sdx += d[i] * ((x[i] - m) * is);
        }
        sum_d += sd, sum_dx += sdx;
        if (j->din) {
            float *restrict dx = j->din + b * stride + c * S;
#pragma omp simd
            for (int i = 0; i < j->S; i++)
                dx[i] = k * d[i];
        }
    }
    j->dbeta[c] += (float)sum_d;
    j->dgamma[c] += (float)sum_dx;
}

typedef void (*ChannelFn)(const BnJob *j, int c);

typedef struct {
    const BnJob *job;
    ChannelFn fn;
} ChannelRun;

static void channel_piece(void *arg, int thread, int threads)
{
    const ChannelRun *r = arg;
    long lo, hi;
    threads_piece(r->job->C, 1, thread, threads, &lo, &hi);
    for (long c = lo; c < hi; c++)
        r->fn(r->job, (int)c);
}

static void run_channels(const BnJob *j, ChannelFn fn, int threads)
{
    ChannelRun r = {j, fn};
    size_t values = (size_t)j->B * j->C * j->S;
    threads_run(values < BN_PARALLEL_MIN || threads < 1 ? 1 : threads, channel_piece, &r);
}

void batchnorm_forward_train(float *out, const float *in, const float *gamma, const float *beta,
                             float *run_mean, float *run_var, float *save_mean, float *save_invstd,
                             int B, int C, int S, float eps, float momentum, int threads)
{
    BnJob j = {.out = out, .in = in, .gamma = gamma, .beta = beta, .run_mean = run_mean,
               .run_var = run_var, .save_mean = save_mean, .save_invstd = save_invstd, .B = B,
               .C = C, .S = S, .eps = eps, .momentum = momentum};
    run_channels(&j, train_channel, threads);
}

void batchnorm_forward_eval(float *out, const float *in, const float *gamma, const float *beta,
                            const float *run_mean, const float *run_var, int B, int C, int S,
                            float eps, int threads)
{
    BnJob j = {.out = out, .in = in, .gamma = gamma, .beta = beta, .eval_mean = run_mean,
               .eval_var = run_var, .B = B, .C = C, .S = S, .eps = eps};
    run_channels(&j, eval_channel, threads);
}

void batchnorm_backward(float *din, float *dgamma, float *dbeta, const float *dout,
                        const float *in, const float *gamma, const float *save_mean,
                        const float *save_invstd, int B, int C, int S, int threads)
{
    BnJob j = {.din = din, .dgamma = dgamma, .dbeta = dbeta, .dout = dout, .in = in,
               .gamma = gamma, .saved_mean = save_mean, .saved_invstd = save_invstd, .B = B,
               .C = C, .S = S};
    run_channels(&j, backward_channel, threads);
}

void batchnorm_backward_eval(float *din, float *dgamma, float *dbeta, const float *dout,
                             const float *in, const float *gamma, const float *run_mean,
                             const float *run_var, int B, int C, int S, float eps, int threads)
{
    BnJob j = {.din = din, .dgamma = dgamma, .dbeta = dbeta, .dout = dout, .in = in,
               .gamma = gamma, .eval_mean = run_mean, .eval_var = run_var, .B = B, .C = C, .S = S,
               .eps = eps};
    run_channels(&j, backward_eval_channel, threads);
}
