/* common/calibration: how far a model's confidence can be trusted. The reliability table (the
 * images binned by their top probability: in each bin the mean confidence beside the accuracy),
 * the expected calibration error over it, and temperature scaling (Guo et al. 2017, "On
 * Calibration of Modern Neural Networks"): one number T that divides every logit, fitted on
 * held-out images by maximum likelihood, which leaves every prediction as it was. */
#ifndef MNL_CALIBRATION_H
#define MNL_CALIBRATION_H

#define CALIB_MAX_BINS 50

typedef struct {
    int bins;
    long n;                              /* images */
    long count[CALIB_MAX_BINS];          /* images whose top probability falls in bin b */
    double confidence[CALIB_MAX_BINS];   /* their mean top probability (NaN when empty) */
    double accuracy[CALIB_MAX_BINS];     /* the fraction of them predicted right (NaN when empty) */
    double ece;                          /* sum over bins of count/n |accuracy - confidence| */
} Reliability;

/* probs: [n, K] class probabilities, y: [n]. Bin b of `bins` (1..CALIB_MAX_BINS) holds top
 * probabilities in (b/bins, (b+1)/bins], bin 0 also 0. The prediction is the first largest
 * probability. MNL_ERR_ARG for n < 1, K < 2, a bad bin count or a label outside 0..K-1. */
int calib_reliability(const float *probs, const int *y, long n, int K, int bins, Reliability *r);

/* Mean negative log-likelihood of labels y under softmax(z / T); logits: [n, K]. */
double calib_nll(const float *logits, const int *y, long n, int K, double T);

/* The temperature T in [0.01, 100] that minimises calib_nll over the given (validation) logits:
 * the NLL is convex in 1/T, so a golden-section search over log T finds it (to 1e-6 relative).
 * MNL_ERR_ARG as calib_reliability. */
int calib_fit_temperature(const float *logits, const int *y, long n, int K, double *T);

/* probs: [n, K] = softmax(logits / T). */
void calib_softmax(const float *logits, long n, int K, double T, float *probs);

#endif
