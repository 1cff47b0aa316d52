/* models/peak: the machine's single-precision FMA peak, measured in-process, so that
 * `mnistlab train --profile` can state each layer's GFLOP/s as a share of it (bench/fma_peak.c is
 * the standalone measurement `make bench` uses; the two kernels are the same idea). */
#ifndef MNL_PEAK_H
#define MNL_PEAK_H

/* GFLOP/s of independent register-only FMA chains (multiply-add = 2 FLOP) in the widest vector
 * width models/isa allows, on `threads` threads of common/threads at once: the best of a few
 * measurements of about 20 ms each. Other load on the machine only lowers it. *used receives the
 * threads the pool actually ran (it may use fewer when a core is busy), or is left alone if NULL. */
double fma_peak_gflops(int threads, int *used);

#endif
