/* models/batchnorm: the fast path of batch normalisation (its definition is
 * models/reference/batchnorm.c): the channels split among threads, each channel's sums taken
 * plane by plane in float vectors and added up in double. Same results to float rounding as the
 * reference, and the same bits at any thread count (a channel is always summed in one order).
 * x: [B, C, S]; gamma, beta, run_mean, run_var, save_mean, save_invstd: [C]. */
#ifndef MNL_BATCHNORM_H
#define MNL_BATCHNORM_H

void batchnorm_forward_train(float *out, const float *in, const float *gamma, const float *beta,
                             float *run_mean, float *run_var, float *save_mean, float *save_invstd,
                             int B, int C, int S, float eps, float momentum, int threads);
void batchnorm_forward_eval(float *out, const float *in, const float *gamma, const float *beta,
                            const float *run_mean, const float *run_var, int B, int C, int S,
                            float eps, int threads);
/* dgamma, dbeta accumulate; din overwritten (or NULL) */
void batchnorm_backward(float *din, float *dgamma, float *dbeta, const float *dout,
                        const float *in, const float *gamma, const float *save_mean,
                        const float *save_invstd, int B, int C, int S, int threads);

/* The evaluation-mode backward (running statistics fixed): dgamma, dbeta accumulate; din = gamma
 * invstd dout, overwritten (or NULL) */
void batchnorm_backward_eval(float *din, float *dgamma, float *dbeta, const float *dout,
                             const float *in, const float *gamma, const float *run_mean,
                             const float *run_var, int B, int C, int S, float eps, int threads);

#endif
