/* experiments/evaluate: a model measured on a data set, in order -- mean loss, accuracy, and for
 * the test set the confusion matrix and the first right and wrong answers that samples.png and
 * confusion.png show; and the untrained model's loss written out by hand beside model_loss. */
#ifndef MNL_EVALUATE_H
#define MNL_EVALUATE_H

#include "common/dataset.h"
#include "common/metrics.h"
#include "models/model.h"

#define EVAL_SAMPLES 10       /* correct and wrong test images kept for samples.png */

/* What the last evaluation of the test set saw. */
typedef struct {
    Confusion confusion;
    int correct_idx[EVAL_SAMPLES], wrong_idx[EVAL_SAMPLES];   /* indices into the test set */
    int correct_pred[EVAL_SAMPLES], wrong_pred[EVAL_SAMPLES];
    float correct_conf[EVAL_SAMPLES], wrong_conf[EVAL_SAMPLES];
    int n_correct, n_wrong;
    int valid;                                               /* an evaluation has happened */
} TestView;

/* Mean loss and accuracy of m on d, batch after batch of `batch` images through it (made afresh
 * when it walks another set: in order, its batches are views, nothing is gathered); pred:
 * [batch] scratch; fills view when it is not NULL. MNL_OK, or MNL_ERR_NOMEM. */
int evaluate_set(Model *m, BatchIter *it, const Dataset *d, int batch, int *pred, double *loss,
                 double *acc, TestView *view);

/* Cross-entropy of the first batch of it, written out in double (*by_hand), beside model_loss
 * (*library); *B images (0: none). */
void evaluate_loss_by_hand(Model *m, BatchIter *it, int *pred, int *B, double *by_hand,
                           double *library);

#endif
