/* models/lr_schedule: the per-epoch learning rate (see lr_schedule.h for the formulas). */
#include "models/lr_schedule.h"

#include <math.h>

#define SCHEDULE_PI 3.14159265358979323846

double schedule_lr(const ScheduleSpec *s, double base, int e, int epochs)
{
    if (e <= s->warmup)
        return base * e / (s->warmup + 1);
    int k = e - s->warmup, T = epochs - s->warmup;
    switch (s->kind) {
    case SCHED_STEP:
        return base * pow(s->gamma, (k - 1) / s->step_every);
    case SCHED_COSINE:
        return T > 0 ? base * (1.0 + cos(SCHEDULE_PI * (k - 1) / T)) / 2.0 : base;
    case SCHED_CONSTANT:
    default:
        return base;
    }
}
