/* experiments/report: the files a learner reads after a run (summary.txt, curves.png,
 * samples.png, confusion.png) and across runs (results/REPORT.md, results/compare.png). The data
 * each plot reads is written beside it, so the gnuplot command can be rerun by hand. */
#ifndef MNL_REPORT_H
#define MNL_REPORT_H

#include <stddef.h>

#include "common/config.h"
#include "common/dataset.h"
#include "common/metrics.h"

typedef struct {
    const char *dir;                 /* results/NAME */
    const ExpConfig *cfg;
    const DataSplits *data;
    const EpochRecord *records;      /* evaluated epochs, in order */
    int n_records;
    size_t params;
    double mflops;                   /* forward, per image */
    int threads;
    double total_seconds;            /* training time of all epochs */
    int stopped_early;               /* epoch after which train.early_stop ended the run, or 0 */
    /* the last evaluation of the test set (NULL confusion: none yet) */
    const Confusion *confusion;
    int n_correct, n_wrong;
    const int *correct_idx, *wrong_idx, *correct_pred, *wrong_pred;
    const float *correct_conf, *wrong_conf;
} RunFiles;

/* The evaluated epoch with the lowest validation loss (test loss without a split): index into
 * records, or -1 when there are none. */
int report_best_epoch(const EpochRecord *records, int n, int *on_validation);

int report_write_run(const RunFiles *f);

/* curves.png alone, from the records so far (the runner redraws it while training). */
int report_write_curves(const RunFiles *f);

/* results_dir/REPORT.md and results_dir/compare.png from every run found under results_dir. */
int report_compare(const char *results_dir, int *runs_found);

#endif
