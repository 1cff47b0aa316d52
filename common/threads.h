/* common/threads: how many cores a run uses, the small pool of threads the kernels split their work
 * over, and denormals flushed to zero in every thread. */
#ifndef MNL_THREADS_H
#define MNL_THREADS_H

/* The most threads a run may ask for: --threads, train.threads and MNISTLAB_THREADS alike. */
#define THREADS_MAX 256

/* The count to use, into *out: the command line's (flag > 0), else $MNISTLAB_THREADS, else the
 * config's (configured > 0), else every core. MNL_OK, or MNL_ERR_CONFIG when MNISTLAB_THREADS is
 * set but not a whole number in 1..THREADS_MAX (checked even when a flag overrides it, so that a
 * typo never goes unseen). */
int threads_resolve(int flag, int configured, int *out);
/* $MNISTLAB_THREADS checked, into *out (0 when unset or empty). */
int threads_from_env(int *out);
/* Flush denormals on the calling thread (the pool's threads do it themselves); returns n (at
 * least 1). */
int threads_setup(int n);

/* One piece of a parallel job: the work of thread `thread` of `threads` (0 <= thread < threads).
 * A task must split its work by these two numbers only, so that its result never depends on
 * which thread ran which piece. */
typedef void (*ThreadsTask)(void *arg, int thread, int threads);

/* Run task on up to n threads, the caller being thread 0, and return when every piece is done.
 * It may use fewer threads than n (never more): always 1 inside another job, and for a while when
 * the machine has no core to spare (a helper thread started late), where waiting for the helper
 * would cost more than the helper brings. Helpers spin briefly between jobs, then sleep. */
void threads_run(int n, ThreadsTask task, void *arg);

/* The length of the pool's last stretch on the caller alone, in nanoseconds: 2 ms after a first
 * starved job, four times longer after each further one up to 50 ms, and 0 again once helpers
 * kept up for 32 jobs in a row (common/threads.c says why). */
long long threads_serial_ns(void);

/* Piece `thread` of `threads` of [0, n), in whole blocks of `block` (the last piece ends at n):
 * [*lo, *hi). Pieces are contiguous and in thread order. */
void threads_piece(long n, long block, int thread, int threads, long *lo, long *hi);

#endif
