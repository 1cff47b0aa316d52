/* common/stats: is a difference real? The 95% Wilson score interval of an accuracy, McNemar's exact
 * test on two classifiers' disagreements over the same test images (GSL's binomial distribution),
 * Welch's t-test on two groups of seeds (GSL's t distribution), and the one-line verdicts the
 * reports print from them. Pure functions of counts and summaries: no files, no models. */
#ifndef MNL_STATS_H
#define MNL_STATS_H

#include <stddef.h>

/* The two-sided 95% normal quantile, Phi^-1(0.975). */
#define STATS_Z95 1.959963984540054
/* Below this p a difference is called real (the reports' one significance level). */
#define STATS_ALPHA 0.05

/* Wilson's score interval for k successes in n trials at normal quantile z (STATS_Z95):
 *   centre = (k + z^2/2) / (n + z^2),  half = z sqrt(k (n-k) / n + z^2/4) / (n + z^2).
 * Unlike p +- z sqrt(p(1-p)/n) it stays inside [0, 1] and is not empty at k = 0 or k = n.
 * MNL_ERR_ARG unless 0 <= k <= n and n >= 1. */
int stats_wilson(long k, long n, double z, double *lo, double *hi);

/* McNemar's exact test. Of the images the two classifiers disagree on (one right, the other
 * wrong), only_a are right by A alone and only_b by B alone. Under "no difference" each
 * disagreement is a fair coin: only_a ~ Binomial(only_a + only_b, 1/2). The two-sided p is
 *   min(1, 2 P(X <= min(only_a, only_b))),
 * 1 when they never disagree. MNL_ERR_ARG for negative counts. */
int stats_mcnemar_exact(long only_a, long only_b, double *p);

/* Welch's t-test of two means with unequal variances, from each group's mean, sample standard
 * deviation (n - 1 in the denominator) and size:
 *   t = (m1 - m2) / sqrt(s1^2/n1 + s2^2/n2),
 *   df = (s1^2/n1 + s2^2/n2)^2 / ((s1^2/n1)^2/(n1-1) + (s2^2/n2)^2/(n2-1))   (Welch-Satterthwaite),
 *   p = 2 P(T_df > |t|).
 * MNL_ERR_ARG unless both n >= 2 and the standard deviations are finite, >= 0 and not both 0. */
int stats_welch(double m1, double s1, int n1, double m2, double s2, int n2, double *t, double *df,
                double *p);
/* The same from raw samples a[n1] and b[n2]. */
int stats_welch_samples(const double *a, int n1, const double *b, int n2, double *t, double *df,
                        double *p);

/* "p = 0.41", "p = 3.2e-05", or "p < 1e-100" when p is below that (or underflowed to 0). */
void stats_format_p(double p, char *buf, size_t n);

/* The verdict of McNemar's test on A and B (their names as given):
 *   "B is better than A: 676 against 24 disagreements, p < 1e-100" when p < STATS_ALPHA,
 *   "no evidence of a difference between A and B: 30 against 24 disagreements, p = 0.41" else.
 * Returns 1 when the difference is real, 0 when not, -1 on bad counts (buf then says so). */
int stats_mcnemar_verdict(const char *name_a, const char *name_b, long only_a, long only_b,
                          char *buf, size_t n);

#endif
