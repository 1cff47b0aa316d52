/* common/threads: how many cores a run uses, applied once to OpenMP and to OpenBLAS (whose own
 * threads must never oversubscribe the cores), and denormals flushed to zero in every thread. */
#ifndef MNL_THREADS_H
#define MNL_THREADS_H

/* The count to use: the command line's (flag > 0), else $MNISTLAB_THREADS, else the config's
 * (configured > 0), else every core. */
int threads_resolve(int flag, int configured);
/* Use n OpenMP threads (the kernels' own parallelism) with OpenBLAS kept single-threaded, and
 * flush denormals in each thread; returns n. */
int threads_setup(int n);

#endif
