/* common/progress: terminal progress bar. */
#include "common/progress.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>

double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

void progress_start(Progress *p, int epoch, int epochs, int total_batches)
{
    p->enabled = isatty(2);
    p->total = total_batches;
    p->epoch = epoch;
    p->epochs = epochs;
    p->start = now_seconds();
    p->last_draw = 0.0;
}

void progress_update(Progress *p, int done, double running_loss, long images)
{
    if (!p->enabled)
        return;
    double t = now_seconds();
    if (done < p->total && t - p->last_draw < 0.1)
        return;
    p->last_draw = t;
    enum { WIDTH = 30 };
    char bar[WIDTH + 1];
    int filled = p->total ? done * WIDTH / p->total : WIDTH;
    for (int i = 0; i < WIDTH; i++)
        bar[i] = i < filled ? '#' : '.';
    bar[WIDTH] = '\0';
    double elapsed = t - p->start;
    double rate = elapsed > 0 ? images / elapsed : 0.0;
    double eta = done > 0 ? elapsed * (p->total - done) / done : 0.0;
    fprintf(stderr, "\r  epoch %d/%d [%s] %d/%d  loss %.4f  %.0f img/s  ETA %.0fs   ", p->epoch,
            p->epochs, bar, done, p->total, running_loss, rate, eta);
    fflush(stderr);
}

void progress_clear(Progress *p)
{
    if (p->enabled) {
        fprintf(stderr, "\r%100s\r", "");
        fflush(stderr);
    }
}
