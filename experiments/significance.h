/* experiments/significance: the "is the difference real?" parts of REPORT.md, from common/stats:
 * a run's test accuracy with its 95% Wilson interval, and the seed groups of one task compared
 * with Welch's t-test on their final test accuracies. */
#ifndef MNL_SIGNIFICANCE_H
#define MNL_SIGNIFICANCE_H

#include <stddef.h>
#include <stdio.h>

/* "98.12% (97.85–98.36)": accuracy acc (a fraction) measured on test_images images, with the 95%
 * Wilson interval of the count it stands for; just "98.12%" when test_images < 1. */
void significance_accuracy_cell(double acc, long test_images, char *buf, size_t n);

/* One group of seed runs: the folder holding them ("cnn-4v9", shown as "cnn-4v9/seed*" like the
 * table's row) and the final test accuracy of each seed (fractions). */
typedef struct {
    const char *folder;
    const double *acc;
    int n;
} SeedGroup;

/* When a task has two or more seed groups of two or more seeds: a paragraph comparing every group
 * with the one of highest mean accuracy by Welch's t-test ("... t = -8.12, df = 3.6, p = 0.0019:
 * cnn/seed* is better"). Writes nothing otherwise. Folder names go through md_text, which writes
 * a name as Markdown text (common/escape's esc_md_cell). */
void significance_write_seed_tests(FILE *o, const SeedGroup *groups, int n_groups,
                                   void (*md_text)(FILE *o, const char *s));

#endif
