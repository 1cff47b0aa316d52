/* common/stats: the Wilson interval, McNemar's exact test and Welch's t-test over GSL's
 * distributions, and their verdict lines. */
#include "common/stats.h"

#include <math.h>
#include <stdio.h>

#include <gsl/gsl_cdf.h>

#include "common/error.h"

int stats_wilson(long k, long n, double z, double *lo, double *hi)
{
    if (n < 1 || k < 0 || k > n || !(z > 0) || !isfinite(z))
        return mnl_fail(MNL_ERR_ARG, "Wilson interval: %ld of %ld at z = %g", k, n, z);
    const double nn = (double)n, kk = (double)k, z2 = z * z;
    const double centre = (kk + z2 / 2.0) / (nn + z2);
    const double half = z * sqrt(kk * (nn - kk) / nn + z2 / 4.0) / (nn + z2);
    /* at k = 0 (or n) the bound is exactly 0 (or 1); rounding must not put it a hair outside */
    *lo = k == 0 ? 0.0 : fmax(0.0, centre - half);
    *hi = k == n ? 1.0 : fmin(1.0, centre + half);
    return MNL_OK;
}

int stats_mcnemar_exact(long only_a, long only_b, double *p)
{
    if (only_a < 0 || only_b < 0)
        return mnl_fail(MNL_ERR_ARG, "McNemar's test: negative counts %ld and %ld", only_a, only_b);
    const long n = only_a + only_b, k = only_a < only_b ? only_a : only_b;
    if (n == 0) {
        *p = 1.0;
        return MNL_OK;
    }
    /* P(X <= k) for X ~ Binomial(n, 1/2); with k < n/2 doubling it is the two-sided p, and with
     * k = n/2 it is above 1/2, so the doubled value is capped at 1 */
    const double tail = gsl_cdf_binomial_P((unsigned)k, 0.5, (unsigned)n);
    *p = fmin(1.0, 2.0 * tail);
    return MNL_OK;
}

int stats_welch(double m1, double s1, int n1, double m2, double s2, int n2, double *t, double *df,
                double *p)
{
    if (n1 < 2 || n2 < 2 || !isfinite(m1) || !isfinite(m2) || !isfinite(s1) || !isfinite(s2) ||
        s1 < 0 || s2 < 0 || (s1 == 0 && s2 == 0))
        return mnl_fail(MNL_ERR_ARG, "Welch's t-test: needs two groups of 2 or more with finite "
                        "spreads, not both 0 (n %d and %d, sd %g and %g)", n1, n2, s1, s2);
    const double v1 = s1 * s1 / n1, v2 = s2 * s2 / n2;   /* squared standard errors */
    *t = (m1 - m2) / sqrt(v1 + v2);
    *df = (v1 + v2) * (v1 + v2) / (v1 * v1 / (n1 - 1) + v2 * v2 / (n2 - 1));
    *p = fmin(1.0, 2.0 * gsl_cdf_tdist_Q(fabs(*t), *df));
    return MNL_OK;
}

static void mean_sd(const double *v, int n, double *mean, double *sd)
{
    double s = 0.0, ss = 0.0;
    for (int i = 0; i < n; i++)
        s += v[i];
    *mean = s / n;
    for (int i = 0; i < n; i++)
        ss += (v[i] - *mean) * (v[i] - *mean);
    *sd = n > 1 ? sqrt(ss / (n - 1)) : 0.0;
}

int stats_welch_samples(const double *a, int n1, const double *b, int n2, double *t, double *df,
                        double *p)
{
    if (n1 < 2 || n2 < 2)
        return mnl_fail(MNL_ERR_ARG, "Welch's t-test: needs two groups of 2 or more (%d and %d)",
                        n1, n2);
    double m1, s1, m2, s2;
    mean_sd(a, n1, &m1, &s1);
    mean_sd(b, n2, &m2, &s2);
    return stats_welch(m1, s1, n1, m2, s2, n2, t, df, p);
}

void stats_format_p(double p, char *buf, size_t n)
{
    if (p < 1e-100)
        snprintf(buf, n, "p < 1e-100");
    else if (p < 0.001)
        snprintf(buf, n, "p = %.1e", p);
    else
        snprintf(buf, n, "p = %.3g", p);
}

int stats_mcnemar_verdict(const char *name_a, const char *name_b, long only_a, long only_b,
                          char *buf, size_t n)
{
    double p;
    if (stats_mcnemar_exact(only_a, only_b, &p)) {
        snprintf(buf, n, "McNemar's test: negative disagreement counts");
        return -1;
    }
    char pt[32];
    stats_format_p(p, pt, sizeof pt);
    if (p < STATS_ALPHA) {
        int b_wins = only_b > only_a;
        snprintf(buf, n, "%s is better than %s: %ld against %ld disagreements, %s",
                 b_wins ? name_b : name_a, b_wins ? name_a : name_b, b_wins ? only_b : only_a,
                 b_wins ? only_a : only_b, pt);
        return 1;
    }
    snprintf(buf, n, "no evidence of a difference between %s and %s: %ld against %ld "
             "disagreements, %s", name_a, name_b, only_a, only_b, pt);
    return 0;
}
