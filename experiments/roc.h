/* experiments/roc: the sigmoid head's threshold. For a binary run, the ROC curve (true-positive
 * against false-positive rate as the threshold on p(class 1) moves), its area, and the test
 * accuracy at a few thresholds: roc.dat, roc.png and thresholds.txt in the run's folder. */
#ifndef MNL_ROC_H
#define MNL_ROC_H

#include <stddef.h>

#include "experiments/predictions.h"

#define ROC_N_THRESHOLDS 5
extern const double roc_thresholds[ROC_N_THRESHOLDS];    /* 0.1 0.3 0.5 0.7 0.9 */

typedef struct {
    double threshold;
    double accuracy, tpr, fpr;
    long tp, fp, tn, fn;
} RocPoint;

/* The area under the ROC curve of scores[n] against labels[n] (1 positive, 0 negative), ties
 * counted half (the probability that a random positive scores above a random negative). NaN when
 * either class is absent. */
double roc_auc(const float *scores, const int *labels, int n);

/* Counts when "positive" means score >= t. */
RocPoint roc_at(const float *scores, const int *labels, int n, double t);

/* roc.dat, roc.png and thresholds.txt in dir for a binary run (p->p_positive set); the lines of
 * the threshold table are added to summary.txt, and the text for the run's log goes to said. */
int roc_write_run(const char *dir, const char *run_name, const Predictions *p, char *said,
                  size_t said_len);

#endif
