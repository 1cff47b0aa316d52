/* models/isa: the CPU's widest instruction set, and the one switch that limits it. */
#include "models/isa.h"

static Isa limit = ISA_AVX512;

Isa isa_best(void)
{
#if defined(__x86_64__) || defined(__i386__)
    if (__builtin_cpu_supports("avx512f"))
        return ISA_AVX512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        return ISA_AVX2;
#endif
    return ISA_C;
}

Isa isa_active(void)
{
    Isa best = isa_best();
    return best < limit ? best : limit;
}

Isa isa_limit(Isa isa)
{
    limit = isa < ISA_C ? ISA_C : isa >= ISA_COUNT ? ISA_AVX512 : isa;
    return isa_active();
}

const char *isa_name(Isa isa)
{
    return isa == ISA_AVX512 ? "avx512" : isa == ISA_AVX2 ? "avx2" : "c";
}
