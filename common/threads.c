/* common/threads: thread count for OpenMP and OpenBLAS; flush-to-zero. */
#include "common/threads.h"

#include <omp.h>
#include <stdlib.h>
#include <xmmintrin.h>
#include <pmmintrin.h>

/* OpenBLAS's own control (declared in its cblas.h, which would clash with GSL's gsl_cblas.h). */
void openblas_set_num_threads(int num_threads);

int threads_resolve(int flag, int configured)
{
    const char *env = getenv("MNISTLAB_THREADS");
    int n = flag;
    if (n <= 0 && env && *env)
        n = atoi(env);
    if (n <= 0)
        n = configured;
    if (n <= 0)
        n = omp_get_num_procs();
    return n < 1 ? 1 : n;
}

int threads_setup(int n)
{
    if (n < 1)
        n = 1;
    omp_set_num_threads(n);
    /* The kernels parallelise over the batch with OpenMP; a BLAS call always runs inside one of
     * those threads, so OpenBLAS's own pool would only add threads that fight them for the cores
     * (2 + 2 spinning threads on 2 cores ran cnn 6x slower than 1 + 1). */
    openblas_set_num_threads(1);
    /* Denormals make float arithmetic 10-100x slower and change nothing a network learns. */
#pragma omp parallel num_threads(n)
    {
        _MM_SET_FLUSH_ZERO_MODE(_MM_FLUSH_ZERO_ON);
        _MM_SET_DENORMALS_ZERO_MODE(_MM_DENORMALS_ZERO_ON);
    }
    return n;
}
