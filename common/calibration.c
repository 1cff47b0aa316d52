/* common/calibration: reliability bins, ECE, and temperature scaling by golden-section search. */
#include "common/calibration.h"

#include <math.h>
#include <string.h>

#include "common/error.h"

static int check_labels(const int *y, long n, int K)
{
    if (n < 1 || K < 2)
        return mnl_fail(MNL_ERR_ARG, "calibration: %ld images of %d classes", n, K);
    for (long i = 0; i < n; i++)
        if (y[i] < 0 || y[i] >= K)
            return mnl_fail(MNL_ERR_ARG, "calibration: label %d of image %ld is not a class of %d",
                            y[i], i, K);
    return MNL_OK;
}

int calib_reliability(const float *probs, const int *y, long n, int K, int bins, Reliability *r)
{
    memset(r, 0, sizeof *r);
    if (bins < 1 || bins > CALIB_MAX_BINS)
        return mnl_fail(MNL_ERR_ARG, "calibration: %d bins (1..%d)", bins, CALIB_MAX_BINS);
    int rc = check_labels(y, n, K);
    if (rc)
        return rc;
    double conf_sum[CALIB_MAX_BINS] = {0};
    long right[CALIB_MAX_BINS] = {0};
    for (long i = 0; i < n; i++) {
        const float *p = probs + i * K;
        int pred = 0;
        for (int k = 1; k < K; k++)
            pred = p[k] > p[pred] ? k : pred;
        /* (b/bins, (b+1)/bins]: the bin whose upper edge is the first at or above the confidence */
        int b = (int)ceil((double)p[pred] * bins) - 1;
        b = b < 0 ? 0 : b >= bins ? bins - 1 : b;
        r->count[b]++;
        conf_sum[b] += p[pred];
        right[b] += pred == y[i];
    }
    r->bins = bins, r->n = n;
    for (int b = 0; b < bins; b++) {
        r->confidence[b] = r->count[b] ? conf_sum[b] / r->count[b] : NAN;
        r->accuracy[b] = r->count[b] ? (double)right[b] / r->count[b] : NAN;
        if (r->count[b])
            r->ece += (double)r->count[b] / n * fabs(r->accuracy[b] - r->confidence[b]);
    }
    return MNL_OK;
}

/* -log softmax(z / T)[y] for one image, by the log-sum-exp with the maximum taken out. */
static double image_nll(const float *z, int y, int K, double T)
{
    double zmax = z[0];
    for (int k = 1; k < K; k++)
        zmax = z[k] > zmax ? z[k] : zmax;
    double sum = 0.0;
    for (int k = 0; k < K; k++)
        sum += exp((z[k] - zmax) / T);
    return log(sum) - (z[y] - zmax) / T;
}

double calib_nll(const float *logits, const int *y, long n, int K, double T)
{
    double total = 0.0;
    for (long i = 0; i < n; i++)
        total += image_nll(logits + i * K, y[i], K, T);
    return total / n;
}

int calib_fit_temperature(const float *logits, const int *y, long n, int K, double *T)
{
    int rc = check_labels(y, n, K);
    if (rc)
        return rc;
    /* golden section on u = log T: the NLL is convex in 1/T, so it has one minimum in u too */
    const double g = (sqrt(5.0) - 1.0) / 2.0;
    double a = log(0.01), b = log(100.0);
    double c = b - g * (b - a), d = a + g * (b - a);
    double fc = calib_nll(logits, y, n, K, exp(c)), fd = calib_nll(logits, y, n, K, exp(d));
    while (b - a > 1e-6) {
        if (fc <= fd) {
            b = d, d = c, fd = fc;
            c = b - g * (b - a);
            fc = calib_nll(logits, y, n, K, exp(c));
        } else {
            a = c, c = d, fc = fd;
            d = a + g * (b - a);
            fd = calib_nll(logits, y, n, K, exp(d));
        }
    }
    *T = exp(0.5 * (a + b));
    return MNL_OK;
}

void calib_softmax(const float *logits, long n, int K, double T, float *probs)
{
    for (long i = 0; i < n; i++) {
        const float *z = logits + i * K;
        double zmax = z[0], sum = 0.0;
        for (int k = 1; k < K; k++)
            zmax = z[k] > zmax ? z[k] : zmax;
        for (int k = 0; k < K; k++)
            sum += exp((z[k] - zmax) / T);
        for (int k = 0; k < K; k++)
            probs[i * K + k] = (float)(exp((z[k] - zmax) / T) / sum);
    }
}
