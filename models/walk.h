/* models/walk: the fast walk (see walk.c). model_forward and model_backward call it unless the
 * model is on the reference path. */
#ifndef MNL_WALK_H
#define MNL_WALK_H

#include <stdatomic.h>

#include "models/network.h"

/* The per-image layers walk the batch in this many slices whatever the thread count (24 share out
 * evenly over 1, 2, 3, 4, 6, 8 or 12 threads; summing 24 partial copies of the conv weights costs
 * well under 1% of a step). model_alloc_batch sizes the partial gradients for it. */
#define WALK_CHUNKS 24

/* Which thread walks which chunk. Each thread owns a contiguous run of chunks (chunks*t/runs ..
 * chunks*(t+1)/runs) and takes them in order, so it walks neighbouring images; a thread done with
 * its own run then takes what is left of the others', run t+1, t+2, ... round. The pieces are
 * equal on paper but not on a virtual machine: measured on cnn, 2 threads, the caller waited
 * 66-127 us for its helper in each forward pass of the convs and 145-257 us in each backward,
 * 10-18% of the step; taking the rest of a slow run brought those waits to 5 and 14 us. Which
 * thread walks a chunk changes nothing in the result: each chunk writes its own images and its own
 * block of partial gradients, and those are summed in chunk order. */
typedef struct {
    int chunks, runs;               /* runs: the threads, or the chunks when fewer */
    atomic_int taken[WALK_CHUNKS];  /* chunks claimed so far from each run */
} WalkChunks;

void walk_chunks_init(WalkChunks *w, int chunks, int threads);
/* The next chunk for `thread` (< runs), or -1 when every chunk is taken; *emptied counts the runs
 * this thread found empty (0 before its first call). Threads may call it at the same time. */
int walk_next_chunk(WalkChunks *w, int thread, int *emptied);

/* x: [B, in_c, in_h, in_w]; as model_forward_ref / model_backward_ref (models/walk_ref.h), m->train already set. */
void walk_forward(Model *m, const float *x, int B);
void walk_backward(Model *m, const float *x, int B);

#endif
