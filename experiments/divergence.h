/* experiments/divergence: when a run has diverged (docs/guide.md, "When training diverges"): a loss
 * that is not finite, a weight that is not finite, or a finite blow-up far above the chance level
 * or far above epoch 1's loss. Each check returns MNL_OK or MNL_ERR_DIVERGED with a one-line
 * detail naming the epoch (and batch) and the learning rate the optimizer used. */
#ifndef MNL_DIVERGENCE_H
#define MNL_DIVERGENCE_H

#include "models/model.h"

/* The mean loss of one training batch (batch is 1-based). */
int divergence_check_batch(int epoch, int batch, double loss, float lr);
/* After the last batch of an epoch: every weight finite. */
int divergence_check_weights(const Model *m, int epoch, int batches, float lr);
/* A mean loss over an epoch, which: "training", "test" or "validation"; K classes; epoch1_loss:
 * training loss of epoch 1 (0: not known). */
int divergence_check_epoch(int epoch, const char *which, double loss, int K, double epoch1_loss,
                           float lr);
/* Every value of the parameter block is finite. */
int weights_finite(const Model *m);

#endif
