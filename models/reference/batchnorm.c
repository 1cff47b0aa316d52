/* models/reference/batchnorm: batch normalisation. In training each channel is normalised by the
 * mean and variance of its values in the batch and then scaled and shifted by learned gamma and
 * beta; running averages of those statistics stand in for them in evaluation, where a batch's own
 * statistics would make an image's prediction depend on the other images of its batch. */
#include "models/reference/reference.h"

#include <math.h>

void batchnorm_forward_train_ref(float *out, const float *in, const float *gamma,
                                 const float *beta, float *run_mean, float *run_var,
                                 float *save_mean, float *save_invstd, int B, int C, int S,
                                 float eps, float momentum)
{
    const double N = (double)B * S;
    for (int c = 0; c < C; c++) {
        double sum = 0.0, sq = 0.0;
        for (int b = 0; b < B; b++)
            for (int s = 0; s < S; s++)
                sum += in[((size_t)b * C + c) * S + s];
        const double mean = sum / N;
        for (int b = 0; b < B; b++)
            for (int s = 0; s < S; s++) {
                const double d = in[((size_t)b * C + c) * S + s] - mean;
                sq += d * d;
            }
        const double var = sq / N;                          /* biased: what normalises */
        const float invstd = (float)(1.0 / sqrt(var + eps));
        for (int b = 0; b < B; b++)
            for (int s = 0; s < S; s++) {
                const size_t i = ((size_t)b * C + c) * S + s;
                out[i] = gamma[c] * ((in[i] - (float)mean) * invstd) + beta[c];
            }
        save_mean[c] = (float)mean;
        save_invstd[c] = invstd;
        /* the running variance is the unbiased one, as PyTorch keeps it */
        const double unbiased = N > 1 ? var * N / (N - 1) : var;
        run_mean[c] = (float)((1.0 - momentum) * run_mean[c] + momentum * mean);
        run_var[c] = (float)((1.0 - momentum) * run_var[c] + momentum * unbiased);
    }
}

void batchnorm_forward_eval_ref(float *out, const float *in, const float *gamma, const float *beta,
                                const float *run_mean, const float *run_var, int B, int C, int S,
                                float eps)
{
    for (int c = 0; c < C; c++) {
        const float invstd = (float)(1.0 / sqrt((double)run_var[c] + eps));
        for (int b = 0; b < B; b++)
            for (int s = 0; s < S; s++) {
                const size_t i = ((size_t)b * C + c) * S + s;
                out[i] = gamma[c] * ((in[i] - run_mean[c]) * invstd) + beta[c];
            }
    }
}

/* With xhat = (x - mean) invstd and N = B S values per channel:
 *   dbeta  = sum dout          dgamma = sum dout xhat
 *   din    = gamma invstd (dout - dbeta / N - xhat dgamma / N)
 * (the mean and the variance depend on every x of the channel, hence the two correction terms) */
void batchnorm_backward_ref(float *din, float *dgamma, float *dbeta, const float *dout,
                            const float *in, const float *gamma, const float *save_mean,
                            const float *save_invstd, int B, int C, int S)
{
    const double N = (double)B * S;
    for (int c = 0; c < C; c++) {
        double sum_d = 0.0, sum_dx = 0.0;
        for (int b = 0; b < B; b++)
            for (int s = 0; s < S; s++) {
                const size_t i = ((size_t)b * C + c) * S + s;
                const double xhat = (in[i] - save_mean[c]) * save_invstd[c];
                sum_d += dout[i];
                sum_dx += dout[i] * xhat;
            }
        dbeta[c] += (float)sum_d;
        dgamma[c] += (float)sum_dx;
        if (!din)
            continue;
        const double k = (double)gamma[c] * save_invstd[c];
        for (int b = 0; b < B; b++)
            for (int s = 0; s < S; s++) {
                const size_t i = ((size_t)b * C + c) * S + s;
                const double xhat = (in[i] - save_mean[c]) * save_invstd[c];
                din[i] = (float)(k * (dout[i] - sum_d / N - xhat * sum_dx / N));
            }
    }
}

/* In evaluation the statistics are constants, so each channel is the affine map
 * out = gamma invstd (x - run_mean) + beta, with invstd = 1 / sqrt(run_var + eps):
 *   dbeta = sum dout     dgamma = sum dout xhat     din = gamma invstd dout
 * (no correction terms: no x moves the mean or the variance). What the gradient of the loss with
 * respect to the image (models/input_grad) goes through in a trained model. */
void batchnorm_backward_eval_ref(float *din, float *dgamma, float *dbeta, const float *dout,
                                 const float *in, const float *gamma, const float *run_mean,
                                 const float *run_var, int B, int C, int S, float eps)
{
    for (int c = 0; c < C; c++) {
        const float invstd = (float)(1.0 / sqrt((double)run_var[c] + eps));
        double sum_d = 0.0, sum_dx = 0.0;
        for (int b = 0; b < B; b++)
            for (int s = 0; s < S; s++) {
                const size_t i = ((size_t)b * C + c) * S + s;
                sum_d += dout[i];
                sum_dx += dout[i] * ((in[i] - run_mean[c]) * invstd);
                if (din)
                    din[i] = gamma[c] * invstd * dout[i];
            }
        dbeta[c] += (float)sum_d;
        dgamma[c] += (float)sum_dx;
    }
}
