/* models/heads: the fast path of the softmax cross-entropy head. Its definition is softmax_ce_ref
 * (models/reference/heads.c), as is the sigmoid head's (sigmoid_bce_ref, which has no fast
 * version: one exp per image). Heads are not layers: they end the forward pass and start the
 * backward one. */
#ifndef MNL_HEADS_H
#define MNL_HEADS_H

/* softmax_ce_ref's contract: logits: [B, K]  y: [B] in 0..K-1; returns the mean loss;
 * dlogits: [B, K] = (softmax(z) - onehot(y)) / B; probs: [B, K]; pred: [B] argmax (first on
 * ties). Any output may be NULL. Equal to softmax_ce_ref to a few float32 ulp. */
double softmax_ce(const float *logits, const int *y, int B, int K,
                  float *dlogits, float *probs, int *pred);

#endif
