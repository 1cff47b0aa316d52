/* models/isa: which instruction set the fast kernels use. Every SIMD kernel of the layer kit (the
 * matrix products, the row operations, pooling, the softmax head, SGD, Adam) keeps one variant per
 * set in a table indexed by Isa and calls table[isa_active()]: the default -O2 build carries all
 * of them, the widest the CPU runs is used, and isa_limit forces a narrower one for every kernel at
 * once (the tests compare each variant with the reference path, one at a time). */
#ifndef MNL_ISA_H
#define MNL_ISA_H

/* The instruction sets, narrowest first. ISA_C is portable C (no intrinsics). */
typedef enum { ISA_C = 0, ISA_AVX2 = 1, ISA_AVX512 = 2, ISA_COUNT } Isa;

Isa isa_best(void);               /* the widest this CPU runs (AVX2 needs FMA too) */
Isa isa_active(void);             /* the one in use: isa_best(), or less after isa_limit */
/* Use at most isa for every kernel; returns the one now in use. Not thread-safe: call it between
 * steps, never while a kernel runs. */
Isa isa_limit(Isa isa);
const char *isa_name(Isa isa);    /* "c", "avx2", "avx512" */

/* The initializer of a kernel's table of variants, `static const Fn f[ISA_COUNT] = ISA_VARIANTS(
 * f_c, f_avx2, f_avx512);` called as f[isa_active()](...). Off x86 only the portable one exists. */
#if defined(__x86_64__)
#define ISA_VARIANTS(c, avx2, avx512) {[ISA_C] = (c), [ISA_AVX2] = (avx2), [ISA_AVX512] = (avx512)}
#else
#define ISA_VARIANTS(c, avx2, avx512) {[ISA_C] = (c), [ISA_AVX2] = (c), [ISA_AVX512] = (c)}
#endif

#endif
