/* models/peak: an FMA throughput measurement in the widest vector width in use, on the pool's
 * threads (see peak.h). */
#include "models/peak.h"

#include <time.h>

#include "common/threads.h"
#include "models/isa.h"

/* The monotonic clock, here rather than profile's model_clock: the profile reads the peak, so the
 * peak may not read the profile. */
static double seconds_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

#if defined(__x86_64__)
#include "models/simd_avx512.inc"
#include "models/peak_simd.inc"
#include "models/simd_end.inc"

#include "models/simd_avx2.inc"
#include "models/peak_simd.inc"
#include "models/simd_end.inc"
#endif

/* Portable C: 8 scalar chains (what the compiler makes of it is the C path's peak). */
static float fma_chains_c(long iters, float seed)
{
    float acc[8];
    for (int c = 0; c < 8; c++)
        acc[c] = seed + (float)c;
    for (long i = 0; i < iters; i++)
        for (int c = 0; c < 8; c++)
            acc[c] = acc[c] * 0.999999f + 1e-7f;
    float s = 0.0f;
    for (int c = 0; c < 8; c++)
        s += acc[c];
    return s;
}

static double fma_flops_c(long iters) { return 2.0 * 8 * (double)iters; }

typedef float (*ChainsFn)(long iters, float seed);
typedef double (*FlopsFn)(long iters);
static const ChainsFn chains_variants[ISA_COUNT] =
    ISA_VARIANTS(fma_chains_c, fma_chains_avx2, fma_chains_avx512);
static const FlopsFn flops_variants[ISA_COUNT] =
    ISA_VARIANTS(fma_flops_c, fma_flops_avx2, fma_flops_avx512);

typedef struct {
    long iters;
    int ran;                    /* threads the pool used */
    volatile float sink[THREADS_MAX];
} PeakJob;

static void peak_piece(void *arg, int t, int n)
{
    PeakJob *j = arg;
    j->sink[t] = chains_variants[isa_active()](j->iters, (float)t);
    if (t == 0)
        j->ran = n;
}

double fma_peak_gflops(int threads, int *used)
{
    static PeakJob job;         /* one measurement at a time: the profile prints on one thread */
    const Isa isa = isa_active();
    double best = 0.0;
    job.iters = 1000;
    for (int round = 0; round < 8; round++) {
        double t0 = seconds_now();
        threads_run(threads, peak_piece, &job);
        double dt = seconds_now() - t0;
        if (dt < 0.01 && job.iters < (1L << 30)) {    /* too short to time: longer, again */
            job.iters *= dt > 1e-4 ? (long)(0.02 / dt) + 1 : 100;
            round--;
            continue;
        }
        double g = flops_variants[isa](job.iters) * job.ran / dt * 1e-9;
        if (g > best) {
            best = g;
            if (used)
                *used = job.ran;
        }
    }
    return best;
}
