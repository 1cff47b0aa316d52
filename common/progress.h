/* common/progress: the one-line progress bar drawn on stderr during an epoch (batches done, running
 * loss, images per second, time left), only when stderr is a terminal; silent otherwise. */
#ifndef MNL_PROGRESS_H
#define MNL_PROGRESS_H

typedef struct {
    int enabled;          /* stderr is a terminal */
    int total;            /* batches in the epoch */
    int epoch, epochs;
    double start;         /* seconds, monotonic */
    double last_draw;
} Progress;

double now_seconds(void);     /* monotonic clock */
void progress_start(Progress *p, int epoch, int epochs, int total_batches);
/* Redraw at most ~10 times a second. */
void progress_update(Progress *p, int done, double running_loss, long images);
/* Erase the bar so the epoch's summary line prints cleanly. */
void progress_clear(Progress *p);

#endif
