/* experiments/report: the files a learner reads after a run (summary.txt, curves.png,
 * samples.png, confusion.png) and across runs (REPORT.md with one table and one chart per task).
 * Also the pieces other reports build on: the best-epoch and overfitting judgement, and the list
 * of finished runs under a results folder with their names, tasks and summaries. The data each
 * plot reads is written beside it, so the gnuplot command can be rerun by hand. */
#ifndef MNL_REPORT_H
#define MNL_REPORT_H

#include <stddef.h>

#include "common/config.h"
#include "common/dataset.h"
#include "common/metrics.h"
#include "experiments/rundir.h"

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
    /* a fitted family (models/fitted.h): its size in its own unit, the rounds it planned, and what
     * predicting 1,000 test images took (size_unit NULL for a network) */
    const char *size_unit;
    size_t size_bytes;
    int rounds_planned;
    double predict_ms_per_1000;
    /* the last evaluation of the test set (NULL confusion: none yet) */
    const Confusion *confusion;
    int n_correct, n_wrong;
    const int *correct_idx, *wrong_idx, *correct_pred, *wrong_pred;
    const float *correct_conf, *wrong_conf;
    int live;                        /* drawn while training: curves.png alone (its SVG at the end) */
} RunFiles;

/* The best epoch and whether the run overfits, by the rule docs/guide.md §3 states. */
typedef struct {
    int best;                /* index into records of the lowest held-out loss, -1 when none */
    int on_validation;       /* chosen on validation loss (1) or, without a split, test loss (0) */
    double best_loss;        /* the held-out loss there */
    int tail;                /* evaluated epochs averaged for "the end" (up to 5 after the best) */
    double end_loss;         /* their mean held-out loss */
    double noise;            /* median change of the held-out loss from one epoch to the next,
                                after the best */
    int overfits;            /* the held-out loss has really risen while training loss fell */
} Judgement;

/* The evaluated epoch with the lowest validation loss (test loss without a split): index into
 * records, or -1 when there are none. */
int report_best_epoch(const EpochRecord *records, int n, int *on_validation);
/* The best epoch and the overfitting rule over the records. */
void report_judge(const EpochRecord *records, int n, Judgement *j);

/* curves.png's bottom panel, the held-out loss alone: from the first epoch within twice the
 * lowest loss, over a loss range set by the epochs from the best on (so a late rise fills it). */
void report_zoom_range(const EpochRecord *records, int n, const Judgement *j, int *from_epoch,
                       double *lo, double *hi);
/* Its top panel's loss axis: loss_axis (plot.loss_axis) "linear" or "log", or for "auto" log when
 * the losses span more than a factor of 20. */
int report_log_loss_axis(const char *loss_axis, const EpochRecord *records, int n);

int report_write_run(const RunFiles *f);

/* curves.png alone, from the records so far (the runner redraws it while training). */
int report_write_curves(const RunFiles *f);


/* Every finished run under root (its completion mark verifies, experiments/rundir; at any depth
 * up to 8), sorted by task and
 * then by name in natural order (seed2 before seed10). *runs is malloc'd (free it); returns the
 * count, 0 when there are none. */
int report_list_runs(const char *root, RunSummary **runs);
/* The run folders under root that are not finished (name, dir and state only), by name. */
int report_list_unfinished(const char *root, RunSummary **runs);

/* root/REPORT.md and one chart per task (root/compare-TASK.png) from every run under root. */
int report_compare(const char *root, int *runs_found);

/* The results root a run folder reports into: the nearest folder above it named "results"
 * (results/cnn-4v9/seed3 -> results), else its parent when that holds a REPORT.md already. 1 when
 * there is one; 0 (root then holds the parent, for a hint) when there is none, as for
 * /tmp/mnistlab-try, whose parent /tmp is nobody's results folder. */
int report_root_of(const char *run_dir, char *root, size_t n);

/* The comparison chart's key leaves out the text every drawn name shares: the length of that text
 * at the start (from_end 0) or the end (1) of names[0..n), backed up to a separator (space - _ = /
 * . , :) so no word or number is cut; 0 when under 12 bytes or when it would leave a name almost
 * empty. */
size_t report_common_part(const char *const *names, int n, int from_end);

#endif
