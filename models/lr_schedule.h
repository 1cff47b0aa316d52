/* models/lr_schedule: the learning rate of each epoch, from the base rate: constant, a step decay
 * (times G every E epochs) or a cosine from the base down towards 0, each optionally after a linear
 * warm-up. A pure function of the epoch, so a resumed run needs no state to continue it. */
#ifndef MNL_LR_SCHEDULE_H
#define MNL_LR_SCHEDULE_H

typedef enum { SCHED_CONSTANT = 0, SCHED_STEP = 1, SCHED_COSINE = 2 } ScheduleKind;

typedef struct {
    ScheduleKind kind;
    int step_every;          /* SCHED_STEP: E >= 1 */
    float gamma;             /* SCHED_STEP: G > 0 */
    int warmup;              /* epochs of linear warm-up, 0 = none */
} ScheduleSpec;

/* The rate of epoch e (1-based) of a run of `epochs` epochs:
 *   warm-up, e <= W:  base * e / (W + 1)
 *   then, with k = e - W (1, 2, ...) and T = epochs - W:
 *     constant  base
 *     step E G  base * G^floor((k - 1) / E)
 *     cosine    base * (1 + cos(pi * (k - 1) / T)) / 2
 * (step and cosine are PyTorch's StepLR and CosineAnnealingLR(T_max = T) stepped once per epoch). */
double schedule_lr(const ScheduleSpec *s, double base, int e, int epochs);

#endif
