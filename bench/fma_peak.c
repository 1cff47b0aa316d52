/* bench/fma_peak.c — measures this machine's single-precision FMA peak (GFLOP/s), the ceiling
 * against which `make bench` states "% of peak". Register-only kernels: independent accumulator
 * chains, no memory traffic, so the only limit is FMA issue width x vector width x clock.
 *
 * Build: cc -std=c11 -O2 -fopenmp -Wall -Wextra -o bin/fma_peak bench/fma_peak.c
 * Run:   bin/fma_peak [--threads N] [--seconds S]      (defaults: all cores, 0.3 s per measurement)
 *
 * Output is key=value lines. The AVX2 and AVX-512 kernels carry function-level target attributes,
 * so the file compiles with plain -O2 (no -march) and the AVX-512 path only runs when the CPU has it. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#if !(defined(__x86_64__) || defined(__i386__))
int main(void)
{
    puts("isa=none");
    fputs("fma_peak: only x86 (AVX2 / AVX-512) kernels are implemented\n", stderr);
    return 1;
}
#else
#include <immintrin.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Each accumulator is an independent dependency chain acc = acc*a + b. An FMA has a latency of
 * about 4 cycles and a core issues 2 per cycle, so at least 8 chains must be in flight; 12 (AVX2,
 * 16 ymm registers) and 16 (AVX-512, 32 zmm registers) leave margin without spilling.
 * With a slightly below 1 and b tiny, every chain converges to b/(1-a): no overflow, no denormals.
 * Returns a sum of the accumulators so the compiler cannot drop the work. */
#define AVX2_ACC 12
__attribute__((target("avx2,fma"), noinline))
static float kernel_avx2(long iters)
{
    const __m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-6f);
    __m256 c0 = _mm256_set1_ps(0.0f), c1 = _mm256_set1_ps(0.1f), c2 = _mm256_set1_ps(0.2f),
           c3 = _mm256_set1_ps(0.3f), c4 = _mm256_set1_ps(0.4f), c5 = _mm256_set1_ps(0.5f),
           c6 = _mm256_set1_ps(0.6f), c7 = _mm256_set1_ps(0.7f), c8 = _mm256_set1_ps(0.8f),
           c9 = _mm256_set1_ps(0.9f), c10 = _mm256_set1_ps(1.0f), c11 = _mm256_set1_ps(1.1f);
    for (long i = 0; i < iters; i++) {
        c0 = _mm256_fmadd_ps(c0, a, b);   c1 = _mm256_fmadd_ps(c1, a, b);
        c2 = _mm256_fmadd_ps(c2, a, b);   c3 = _mm256_fmadd_ps(c3, a, b);
        c4 = _mm256_fmadd_ps(c4, a, b);   c5 = _mm256_fmadd_ps(c5, a, b);
        c6 = _mm256_fmadd_ps(c6, a, b);   c7 = _mm256_fmadd_ps(c7, a, b);
        c8 = _mm256_fmadd_ps(c8, a, b);   c9 = _mm256_fmadd_ps(c9, a, b);
        c10 = _mm256_fmadd_ps(c10, a, b); c11 = _mm256_fmadd_ps(c11, a, b);
    }
    __m256 s = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(c0, c1), _mm256_add_ps(c2, c3)),
                             _mm256_add_ps(_mm256_add_ps(c4, c5), _mm256_add_ps(c6, c7)));
    s = _mm256_add_ps(s, _mm256_add_ps(_mm256_add_ps(c8, c9), _mm256_add_ps(c10, c11)));
    float out[8];
    _mm256_storeu_ps(out, s);
    return out[0] + out[1] + out[2] + out[3] + out[4] + out[5] + out[6] + out[7];
}

#define AVX512_ACC 16
__attribute__((target("avx512f"), noinline))
static float kernel_avx512(long iters)
{
    const __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-6f);
    __m512 c0 = _mm512_set1_ps(0.0f), c1 = _mm512_set1_ps(0.1f), c2 = _mm512_set1_ps(0.2f),
           c3 = _mm512_set1_ps(0.3f), c4 = _mm512_set1_ps(0.4f), c5 = _mm512_set1_ps(0.5f),
           c6 = _mm512_set1_ps(0.6f), c7 = _mm512_set1_ps(0.7f), c8 = _mm512_set1_ps(0.8f),
           c9 = _mm512_set1_ps(0.9f), c10 = _mm512_set1_ps(1.0f), c11 = _mm512_set1_ps(1.1f),
           c12 = _mm512_set1_ps(1.2f), c13 = _mm512_set1_ps(1.3f), c14 = _mm512_set1_ps(1.4f),
           c15 = _mm512_set1_ps(1.5f);
    for (long i = 0; i < iters; i++) {
        c0 = _mm512_fmadd_ps(c0, a, b);   c1 = _mm512_fmadd_ps(c1, a, b);
        c2 = _mm512_fmadd_ps(c2, a, b);   c3 = _mm512_fmadd_ps(c3, a, b);
        c4 = _mm512_fmadd_ps(c4, a, b);   c5 = _mm512_fmadd_ps(c5, a, b);
        c6 = _mm512_fmadd_ps(c6, a, b);   c7 = _mm512_fmadd_ps(c7, a, b);
        c8 = _mm512_fmadd_ps(c8, a, b);   c9 = _mm512_fmadd_ps(c9, a, b);
        c10 = _mm512_fmadd_ps(c10, a, b); c11 = _mm512_fmadd_ps(c11, a, b);
        c12 = _mm512_fmadd_ps(c12, a, b); c13 = _mm512_fmadd_ps(c13, a, b);
        c14 = _mm512_fmadd_ps(c14, a, b); c15 = _mm512_fmadd_ps(c15, a, b);
    }
    __m512 s = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(c0, c1), _mm512_add_ps(c2, c3)),
                             _mm512_add_ps(_mm512_add_ps(c4, c5), _mm512_add_ps(c6, c7)));
    s = _mm512_add_ps(s, _mm512_add_ps(_mm512_add_ps(c8, c9), _mm512_add_ps(c10, c11)));
    s = _mm512_add_ps(s, _mm512_add_ps(_mm512_add_ps(c12, c13), _mm512_add_ps(c14, c15)));
    return _mm512_reduce_add_ps(s);
}

/* A chain of dependent integer adds retires one add per cycle on every x86 core of the last
 * decade, so adds / seconds estimates the clock the cores actually run at (the TSC rate is only
 * nominal, and in a VM often unrelated). It turns GFLOP/s into FLOP/cycle for the sanity check. */
__attribute__((noinline))
static unsigned long add_chain(long iters)
{
    unsigned long x = 0;
    for (long i = 0; i < iters; i++) {
        __asm__ volatile(
            "add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\t"
            "add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\t"
            "add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\t"
            "add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\t"
            "add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\t"
            "add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\t"
            "add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\t"
            "add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0"
            : "+r"(x));
    }
    return x;
}
#define ADDS_PER_ITER 32

typedef float (*kernel_fn)(long);
static volatile float g_sink;   /* keeps every kernel's result alive */

/* Seconds for `iters` iterations of kernel k on each of `threads` threads, all started together;
 * the time is the slowest thread's, so the aggregate rate is honest. */
static double run_kernel(kernel_fn k, long iters, int threads)
{
#ifdef _OPENMP
    double t0 = 0.0, t1 = 0.0;
    float sum = 0.0f;
#pragma omp parallel num_threads(threads) reduction(+ : sum)
    {
#pragma omp barrier
#pragma omp master
        t0 = now_s();
        sum += k(iters);
#pragma omp barrier
#pragma omp master
        t1 = now_s();
    }
    g_sink = sum;
    return t1 - t0;
#else
    (void)threads;
    double t0 = now_s();
    g_sink = k(iters);
    return now_s() - t0;
#endif
}

/* Grows the iteration count until a run takes 20 ms (which also ramps the clock up), scales it to
 * about `seconds`, and times that run. Returns the aggregate GFLOP/s over all threads. */
static double measure(kernel_fn k, int flop_per_iter, int threads, double seconds)
{
    long iters = 1L << 16;
    double t;
    while ((t = run_kernel(k, iters, threads)) < 0.02)
        iters *= 4;
    iters = (long)((double)iters * seconds / t) + 1;
    t = run_kernel(k, iters, threads);
    return (double)flop_per_iter * (double)iters * threads / t * 1e-9;
}

static double measure_ghz(double seconds)
{
    long iters = 1L << 16;
    double t0, t;
    for (;;) {
        t0 = now_s();
        g_sink = (float)add_chain(iters);
        t = now_s() - t0;
        if (t >= 0.02)
            break;
        iters *= 4;
    }
    iters = (long)((double)iters * seconds / t) + 1;
    t0 = now_s();
    g_sink = (float)add_chain(iters);
    t = now_s() - t0;
    return (double)ADDS_PER_ITER * (double)iters / t * 1e-9;
}

/* "model name" from /proc/cpuinfo, or "unknown". */
static void cpu_model(char *buf, size_t n)
{
    snprintf(buf, n, "unknown");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "model name", 10) == 0) {
            char *v = strchr(line, ':');
            if (v) {
                v++;
                while (*v == ' ' || *v == '\t')
                    v++;
                v[strcspn(v, "\n")] = '\0';
                snprintf(buf, n, "%s", v);
            }
            break;
        }
    }
    fclose(f);
}

static void usage(const char *argv0)
{
    fprintf(stderr, "usage: %s [--threads N] [--seconds S]\n", argv0);
    exit(2);
}

int main(int argc, char **argv)
{
    int threads = 1;
#ifdef _OPENMP
    threads = omp_get_num_procs();
#endif
    double seconds = 0.3;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc)
            threads = atoi(argv[++i]);
        else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc)
            seconds = atof(argv[++i]);
        else
            usage(argv[0]);
    }
    if (threads < 1 || !(seconds > 0.0))
        usage(argv[0]);
#ifndef _OPENMP
    if (threads > 1)
        fprintf(stderr, "fma_peak: built without OpenMP, measuring 1 thread only\n");
    threads = 1;
#endif

    __builtin_cpu_init();
    int has_avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    int has_avx512 = __builtin_cpu_supports("avx512f");
    char model[256];
    cpu_model(model, sizeof model);
    printf("cpu_model=%s\n", model);
    printf("threads=%d\n", threads);
    if (!has_avx2) {
        puts("isa=none");
        fputs("fma_peak: CPU has no AVX2+FMA\n", stderr);
        return 1;
    }

    /* FLOP per loop iteration: accumulators x lanes x 2 (multiply and add). */
    double avx2_1 = measure(kernel_avx2, AVX2_ACC * 8 * 2, 1, seconds);
    double avx2_n = threads > 1 ? measure(kernel_avx2, AVX2_ACC * 8 * 2, threads, seconds) : avx2_1;
    double avx512_1 = 0.0, avx512_n = 0.0;
    if (has_avx512) {
        avx512_1 = measure(kernel_avx512, AVX512_ACC * 16 * 2, 1, seconds);
        avx512_n = threads > 1 ? measure(kernel_avx512, AVX512_ACC * 16 * 2, threads, seconds)
                               : avx512_1;
    }
    double ghz = measure_ghz(seconds);

    printf("avx2_gflops_1thread=%.1f\n", avx2_1);
    printf("avx2_gflops_Nthreads=%.1f\n", avx2_n);
    if (has_avx512) {
        printf("avx512_gflops_1thread=%.1f\n", avx512_1);
        printf("avx512_gflops_Nthreads=%.1f\n", avx512_n);
    }
    int use512 = has_avx512 && avx512_1 > avx2_1;
    double peak1 = use512 ? avx512_1 : avx2_1;
    double peakn = use512 ? avx512_n : avx2_n;
    printf("isa=%s\n", use512 ? "avx512" : "avx2");
    printf("fma_peak_gflops_1thread=%.1f\n", peak1);
    printf("fma_peak_gflops_Nthreads=%.1f\n", peakn);
    printf("core_ghz_est=%.2f\n", ghz);
    printf("flop_per_cycle_per_core=%.1f\n", peak1 / ghz);
    return 0;
}
#endif
