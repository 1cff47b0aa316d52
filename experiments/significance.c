/* experiments/significance: Wilson cells and the Welch paragraph of REPORT.md. */
#include "experiments/significance.h"

#include <math.h>

#include "common/error.h"
#include "common/stats.h"

void significance_accuracy_cell(double acc, long test_images, char *buf, size_t n)
{
    double lo, hi;
    long k = lround(acc * (double)test_images);   /* summary.txt keeps six decimals: exact */
    if (test_images < 1 || stats_wilson(k, test_images, STATS_Z95, &lo, &hi)) {
        mnl_clear_error();
        snprintf(buf, n, "%.2f%%", 100.0 * acc);
        return;
    }
    snprintf(buf, n, "%.2f%% (%.2f\u2013%.2f)", 100.0 * acc, 100.0 * lo, 100.0 * hi);
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

static void write_group(FILE *o, const SeedGroup *g, void (*md_text)(FILE *, const char *))
{
    double m, sd;
    mean_sd(g->acc, g->n, &m, &sd);
    md_text(o, g->folder);
    fprintf(o, "/seed* (%d seeds, %.2f\u00b1%.2f%%)", g->n, 100.0 * m, 100.0 * sd);
}

void significance_write_seed_tests(FILE *o, const SeedGroup *groups, int n_groups,
                                   void (*md_text)(FILE *o, const char *s))
{
    int best = -1, usable = 0;
    double best_mean = -1.0;
    for (int i = 0; i < n_groups; i++) {
        if (groups[i].n < 2)
            continue;
        usable++;
        double m, sd;
        mean_sd(groups[i].acc, groups[i].n, &m, &sd);
        if (m > best_mean)
            best_mean = m, best = i;
    }
    if (usable < 2)
        return;
    fprintf(o, "\nSeed groups against the best, by Welch's t-test on the final test accuracies "
               "(two-sided; a difference is called real below p = %g):\n\n", STATS_ALPHA);
    for (int i = 0; i < n_groups; i++) {
        if (i == best || groups[i].n < 2)
            continue;
        double t, df, p;
        fputs("- ", o);
        write_group(o, &groups[i], md_text);
        fputs(" against ", o);
        write_group(o, &groups[best], md_text);
        if (stats_welch_samples(groups[i].acc, groups[i].n, groups[best].acc, groups[best].n, &t,
                                &df, &p)) {
            mnl_clear_error();
            fputs(": no test, neither group varies over its seeds\n", o);
            continue;
        }
        char pt[32];
        stats_format_p(p, pt, sizeof pt);
        fprintf(o, ": t = %.2f, df = %.1f, %s: ", t, df, pt);
        if (p < STATS_ALPHA) {
            md_text(o, groups[best].folder);
            fputs("/seed* is better\n", o);
        } else {
            fputs("no evidence of a difference\n", o);
        }
    }
}
