/* experiments/cost: what each run paid for its accuracy, for REPORT.md. Per task, the training
 * seconds and epochs until each run first reached a few test accuracies, and cost-TASK.png: final
 * test accuracy against parameters and against training seconds, one labelled point per run. */
#ifndef MNL_COST_H
#define MNL_COST_H

#include <stdio.h>

#include "common/metrics.h"
#include "experiments/rundir.h"

#define COST_LEVELS 3

/* The first evaluated epoch whose test accuracy reached level, and the training seconds up to and
 * including it (scaled to total_seconds when epochs between evaluations were not recorded); -1 and
 * NaN when the run never got there. */
int cost_first_reaching(const EpochRecord *r, int n, double level, double total_seconds,
                        double *seconds);

/* Three accuracies worth asking about for these final accuracies: the highest step of a fixed
 * ladder (50% ... 99.5%) that some run reached, the highest that every run clearly above chance
 * (by 10 points) reached, and one between (three distinct steps always). */
void cost_choose_levels(const double *final_acc, int n, double chance, double levels[COST_LEVELS]);

/* The section for the runs of one task (runs[0..n)) on o, and root/cost-SLUG.png. */
int cost_write_task(FILE *o, const char *root, const RunSummary *runs, int n, const char *slug);

#endif
