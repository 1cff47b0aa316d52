/* models/heads: the two ways a network's outputs become a loss. Softmax cross-entropy over K logits
 * (fused, log-sum-exp stable) and binary cross-entropy from one sigmoid logit (stable for any
 * logit). Each returns the mean loss over the batch, its gradient, the class probabilities and the
 * predictions. Heads are not layers: they end the forward pass and start the backward one. */
#ifndef MNL_HEADS_H
#define MNL_HEADS_H

/* logits: [B, K]  y: [B] in 0..K-1.  Returns mean_i -log softmax(z_i)[y_i] (summed in double).
 * dlogits: [B, K] = (softmax(z) - onehot(y)) / B, the gradient of the mean.
 * probs: [B, K] softmax; pred: [B] argmax (first on ties). Any output may be NULL. */
double softmax_ce(const float *logits, const int *y, int B, int K,
                  float *dlogits, float *probs, int *pred);

/* logits: [B] (one per image)  y: [B] in {0, 1}.  Returns the mean of
 * max(z,0) - z y + log1p(exp(-|z|)), which equals -y log s - (1-y) log(1-s) with s = sigmoid(z)
 * but never takes the log of 0, so logits of +-100 and beyond stay finite and exact.
 * dlogits: [B] = (s - y) / B; probs: [B, 2] = (1 - s, s); pred: [B] = s > 0.5. Any may be NULL. */
double sigmoid_bce(const float *logits, const int *y, int B,
                   float *dlogits, float *probs, int *pred);

#endif
