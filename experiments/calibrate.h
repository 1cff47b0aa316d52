/* experiments/calibrate: how far a finished run's confidence can be trusted. Every test image's
 * logits (a fitted family's log-probabilities) are binned by the top probability: the reliability
 * diagram calibration.png (accuracy against confidence per bin, the diagonal, each bar's count),
 * the expected calibration error, and the remedy, temperature scaling (common/calibration): one T
 * fitted on the validation split, never on the test images, and the ECE after it. */
#ifndef MNL_CALIBRATE_H
#define MNL_CALIBRATE_H

#include <stddef.h>

#include "common/calibration.h"
#include "common/dataset.h"
#include "models/model.h"

#define CALIBRATE_BINS 15      /* Guo et al. 2017's bins of width 1/15 */

/* Every image of d through m in evaluation mode: logits [d->n, *K] (malloc'd) and labels [d->n]
 * (malloc'd). The sigmoid head's one logit z becomes the pair (0, z), whose softmax is (1 - p, p);
 * a fitted model's log-probabilities are floored at log(1e-7), whose softmax is p again (nearly). */
int calibrate_logits(Model *m, const Dataset *d, int batch, float **logits, int **labels, int *K);

/* The same from probabilities already computed (a fitted model's last test evaluation): probs [n,
 * K] -> logits log(max(p, 1e-7)), labels a copy of y; both malloc'd. */
int calibrate_logits_of_probs(const float *probs, const int *y, long n, int K, float **logits,
                              int **labels);

/* What calibrate_run measured. */
typedef struct {
    Reliability before, after;  /* after: valid only when fitted */
    double temperature;         /* fitted on the validation split; 1 when not fitted */
    int fitted;                 /* a validation split was there to fit T on */
    long n_valid;
} CalibReport;

/* The reliability of the test logits before and (with a validation split: valid_n > 0) after
 * temperature scaling fitted on the validation logits. test: [test_n, K], valid: [valid_n, K]. */
int calibrate_measure(const float *test, const int *test_y, long test_n, const float *valid,
                      const int *valid_y, long valid_n, int K, CalibReport *r);

/* calibration.dat and calibration.png in dir (the picture drawn by plots/calibration.gp), and
 * summary.txt's lines: ece, ece_bins, temperature ("none ..." without a validation split),
 * ece_after_temperature. said: the line for the run's log. */
int calibrate_write_run(const char *dir, const char *run_name, const CalibReport *r, char *said,
                        size_t said_len);

#endif
