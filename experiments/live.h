/* experiments/live: curves.png redrawn while a run trains, after an evaluated epoch, so a learner
 * who keeps it open in an image viewer watches it grow -- without gnuplot costing more than a
 * sliver of the wall time however fast the epochs are. The final drawing is the run's own. */
#ifndef MNL_LIVE_H
#define MNL_LIVE_H

#include "experiments/report.h"

typedef struct {
    double interval;          /* $MNISTLAB_LIVE_INTERVAL seconds, or -1: the limits of live.c */
    double last_draw;         /* now_seconds() when the last drawing finished (or the start) */
    double last_cost;         /* seconds it took */
    double total_cost;        /* seconds of every drawing */
    int drawn;
} LiveCurves;

/* Start the clock; interval as above. */
void live_start(LiveCurves *lc, double interval);
/* Redraw f's curves.png when it is time; a drawing that fails now is left to the end. */
void live_redraw(LiveCurves *lc, const RunFiles *f);

#endif
