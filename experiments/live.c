/* experiments/live: curves.png while training (see live.h). At most every LIVE_MIN_INTERVAL
 * seconds, and never more often than LIVE_COST_FACTOR times what the last drawing took, so gnuplot
 * costs at most 1/LIVE_COST_FACTOR of the wall time. $MNISTLAB_LIVE_INTERVAL=S replaces both limits
 * by S seconds (0: after every evaluated epoch, as the tests use it). */
#include "experiments/live.h"

#include "common/error.h"
#include "common/progress.h"

#define LIVE_MIN_INTERVAL 2.0
#define LIVE_COST_FACTOR 80.0

void live_start(LiveCurves *lc, double interval)
{
    *lc = (LiveCurves){.interval = interval, .last_draw = now_seconds()};
}

void live_redraw(LiveCurves *lc, const RunFiles *f)
{
    double t = now_seconds(), since = t - lc->last_draw;
    if (lc->interval >= 0) {
        if (since < lc->interval)
            return;
    } else if (since < LIVE_MIN_INTERVAL || since < LIVE_COST_FACTOR * lc->last_cost) {
        return;
    }
    RunFiles now = *f;
    now.live = 1;               /* the PNG a viewer shows; the page's SVG is drawn once, at the end */
    if (report_write_curves(&now) == MNL_OK)
        lc->drawn++;
    else
        mnl_clear_error();
    lc->last_draw = now_seconds();
    lc->last_cost = lc->last_draw - t;
    lc->total_cost += lc->last_cost;
}
