/* models/reference: the plain form of every formula the layer kit computes -- loops over
 * explicitly shaped buffers, no intrinsics, no threads -- in the order a learner reads them:
 * dense, convolution, pooling, activations, dropout, flatten, the two heads and the optimizers.
 * They take plain buffers and numbers, so this header stands alone (no Model, no Optimizer); the
 * walks that apply them to a network are models/walk_ref.c (the layers) and optim_step_ref in
 * models/optim.c (the parameter tensors). `--kernels reference` trains on these alone; the fast
 * path (models/gemm.c, conv.c, rows.c, pool.c, heads.c, optim.c, walk.c) is tested against them.
 * Convention (shared with the fast path): parameter gradients accumulate (+=), input gradients are
 * overwritten (=), a NULL din skips the input gradient. */
#ifndef MNL_REFERENCE_H
#define MNL_REFERENCE_H

#include <stddef.h>
#include <gsl/gsl_rng.h>


/* ---- dense.c ---- */
/* out: [B, Out]  in: [B, In]  w: [Out, In]  b: [Out]      out = in w^T + b */
void dense_forward_ref(float *out, const float *in, const float *w, const float *b,
                       int B, int In, int Out);
/* dw: [Out, In] += dout^T in;  db: [Out] += sum over the batch of dout;  din: [B, In] = dout w */
void dense_backward_ref(float *din, float *dw, float *db, const float *dout, const float *in,
                        const float *w, int B, int In, int Out);

/* ---- conv.c: k x k kernels, stride 1, zero padding P; OH = H + 2P - K + 1, OW likewise ---- */
/* out: [B, OC, OH, OW]  in: [B, C, H, W]  w: [OC, C, K, K]  b: [OC] */
void conv2d_forward_ref(float *out, const float *in, const float *w, const float *b,
                        int B, int C, int H, int W, int OC, int K, int P);
/* dw: [OC, C, K, K], db: [OC] accumulate; din: [B, C, H, W] overwritten (or NULL);
 * dout: [B, OC, OH, OW] */
void conv2d_backward_ref(float *din, float *dw, float *db, const float *dout, const float *in,
                         const float *w, int B, int C, int H, int W, int OC, int K, int P);

/* ---- pool.c: 2x2 windows, stride 2, an odd last row/column dropped ---- */
/* out: [B, C, H/2, W/2]  in: [B, C, H, W]. A later corner wins only when strictly greater, so
 * ties go to the first of (0,0), (0,1), (1,0), (1,1). */
void maxpool2_forward_ref(float *out, const float *in, int B, int C, int H, int W);
/* din: [B, C, H, W] overwritten: each window's gradient to the corner the forward picked */
void maxpool2_backward_ref(float *din, const float *dout, const float *in, int B, int C, int H,
                           int W);

/* ---- conv.c again: a conv, the ReLU after it and a 2x2 max pool after that, forward at once ----
 * What the fast path's conv2d_relu_pool_forward (models/conv.c) computes in one pass: out: [B, OC,
 * OH, OW] the convolution, relu_out: [B, OC, OH, OW] its ReLU, pooled: [B, OC, OH/2, OW/2] their
 * 2x2 maxima; the rest as conv2d_forward_ref. */
void conv2d_relu_maxpool2_forward_ref(float *pooled, float *relu_out, float *out, const float *in,
                                      const float *w, const float *b, int B, int C, int H, int W,
                                      int OC, int K, int P);

/* ---- conv.c again: a conv, the ReLU after it and a 2x2 max pool after that, backward at once ----
 * What the fast path's conv2d_relu_pool_backward (models/conv.c) computes in one pass: the pool's
 * routing, the ReLU's mask, then the convolution's backward. dpool: [B, OC, OH/2, OW/2];
 * relu_out: [B, OC, OH, OW] (the ReLU's output, the pool's input); work: [B, OC, OH, OW] floats
 * of scratch; the rest as conv2d_backward_ref. */
void conv2d_relu_maxpool2_backward_ref(float *din, float *dw, float *db, const float *dpool,
                                       const float *relu_out, const float *in, const float *w,
                                       int B, int C, int H, int W, int OC, int K, int P,
                                       float *work);

/* ---- activations.c: elementwise, [n] each ---- */
void relu_forward_ref(float *out, const float *in, size_t n);            /* max(in, 0) */
/* din = dout where the output is positive, else 0 */
void relu_backward_ref(float *din, const float *dout, const float *out, size_t n);
/* tanh, sigmoid: backward from the output; leakyrelu A, gelu, mish: from the input */
void tanh_forward_ref(float *out, const float *in, size_t n);
void tanh_backward_ref(float *din, const float *dout, const float *out, size_t n);
void sigmoid_forward_ref(float *out, const float *in, size_t n);
void sigmoid_backward_ref(float *din, const float *dout, const float *out, size_t n);
void leakyrelu_forward_ref(float *out, const float *in, size_t n, float a);
void leakyrelu_backward_ref(float *din, const float *dout, const float *in, size_t n, float a);
void gelu_forward_ref(float *out, const float *in, size_t n);
void gelu_backward_ref(float *din, const float *dout, const float *in, size_t n);
void mish_forward_ref(float *out, const float *in, size_t n);
void mish_backward_ref(float *din, const float *dout, const float *in, size_t n);

/* ---- dropout.c: inverted dropout and flatten, [n] each ---- */
/* mask[i] = 0 with probability p, else 1/(1-p); drawn in order, so a seed fixes the mask */
void dropout_mask_ref(float *mask, size_t n, float p, gsl_rng *rng);
/* out = in * mask; also the backward, din = dout * mask */
void dropout_apply_ref(float *out, const float *in, const float *mask, size_t n);
/* out = in: flatten (and evaluation-mode dropout) move no value, forward or backward */
void flatten_ref(float *out, const float *in, size_t n);

/* ---- batchnorm.c: per channel c of x: [B, C, S] (S = H W after a conv, 1 after a dense) ---- */
/* Training: mean_c and the biased var_c over the B S values of channel c, out = gamma_c (x -
 * mean_c) / sqrt(var_c + eps) + beta_c; save_mean, save_invstd: [C] for the backward; the running
 * statistics [C] move by momentum towards mean_c and the unbiased variance (PyTorch's rule). */
void batchnorm_forward_train_ref(float *out, const float *in, const float *gamma,
                                 const float *beta, float *run_mean, float *run_var,
                                 float *save_mean, float *save_invstd, int B, int C, int S,
                                 float eps, float momentum);
/* Evaluation: the running statistics in place of the batch's */
void batchnorm_forward_eval_ref(float *out, const float *in, const float *gamma, const float *beta,
                                const float *run_mean, const float *run_var, int B, int C, int S,
                                float eps);
/* The training-mode backward: dgamma, dbeta [C] accumulate, din [B, C, S] overwritten (or NULL) */
void batchnorm_backward_ref(float *din, float *dgamma, float *dbeta, const float *dout,
                            const float *in, const float *gamma, const float *save_mean,
                            const float *save_invstd, int B, int C, int S);
/* The evaluation-mode backward (the running statistics fixed, an affine map per channel):
 * dgamma, dbeta [C] accumulate, din [B, C, S] = gamma invstd dout, overwritten (or NULL) */
void batchnorm_backward_eval_ref(float *din, float *dgamma, float *dbeta, const float *dout,
                                 const float *in, const float *gamma, const float *run_mean,
                                 const float *run_var, int B, int C, int S, float eps);

/* ---- heads.c: the loss, its gradient, probabilities and predictions (any output may be NULL) */
/* logits: [B, K]  y: [B] in 0..K-1. Returns the mean of -log softmax(z_i)[y_i];
 * dlogits: [B, K] = (softmax(z) - onehot(y)) / B;  probs: [B, K];  pred: [B] (first max) */
double softmax_ce_ref(const float *logits, const int *y, int B, int K,
                      float *dlogits, float *probs, int *pred);
/* logits: [B]  y: [B] in {0, 1}. Returns the mean of max(z,0) - z y + log(1 + exp(-|z|));
 * dlogits: [B] = (sigmoid(z) - y) / B;  probs: [B, 2] = (1 - s, s);  pred: [B] = s > 0.5 */
double sigmoid_bce_ref(const float *logits, const int *y, int B,
                       float *dlogits, float *probs, int *pred);

/* ---- optim.c: one update of one tensor, [n] each ---- */
/* SGD: g' = g + decay w;  v = mu v + g' (v may be NULL: plain SGD, v = g');  w -= lr v */
void sgd_update_ref(float *w, const float *g, float *v, size_t n, float lr, float decay,
                    float mu);
/* Adam's (and RAdam's) settings: the betas and eps in double, as PyTorch's Python floats are
 * (OptimSpec's) */
typedef struct {
    float lr;
    double beta1, beta2, eps;
} AdamRates;
/* Adam step t (1, 2, ...) with r's lr, betas and eps: g' = g + decay w;  m = b1 m + (1-b1) g';
 * v = b2 v + (1-b2) g'^2;  w -= lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps) */
void adam_update_ref(float *w, const float *g, float *m, float *v, size_t n, const AdamRates *r,
                     float decay, long t);
/* AdamW step t: the decoupled decay w *= 1 - lr decay (adamw_decay_ref), then Adam's step
 * without decay: the moments never see the decay, unlike Adam's g' = g + decay w */
void adamw_decay_ref(float *w, size_t n, float lr, float decay);
void adamw_update_ref(float *w, const float *g, float *m, float *v, size_t n, const AdamRates *r,
                      float decay, long t);
/* SGD with Nesterov momentum: g' = g + decay w;  v = mu v + g';  w -= lr (g' + mu v) -- the step
 * taken from where the momentum is about to carry w (PyTorch's nesterov=True) */
void sgd_nesterov_update_ref(float *w, const float *g, float *v, size_t n, float lr, float decay,
                             float mu);
/* RAdam step t with r's lr, betas and eps: Adam's moments (g' = g + decay w); while
 * rho_t = rho_inf - 2 t b2^t/(1 - b2^t) (rho_inf = 2/(1-b2) - 1) is at most 5,
 * w -= lr m/(1 - b1^t); after, Adam's step times
 * r_t = sqrt((rho_t-4)(rho_t-2) rho_inf / ((rho_inf-4)(rho_inf-2) rho_t))  (torch.optim.RAdam) */
void radam_update_ref(float *w, const float *g, float *m, float *v, size_t n, const AdamRates *r,
                      float decay, long t);
/* Lion with learning rate lr and betas b1, b2: c = b1 m + (1-b1) g;  w -= lr (sign(c) + decay w);
 * m = b2 m + (1-b2) g  (Chen et al. 2023, Algorithm 2) */
void lion_update_ref(float *w, const float *g, float *m, size_t n, float lr, double beta1,
                     double beta2, float decay);
#endif
