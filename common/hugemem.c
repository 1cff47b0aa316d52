/* common/hugemem: 2 MiB-aligned allocations with the huge-page advice (see hugemem.h). */
#define _DEFAULT_SOURCE   /* madvise's MADV_HUGEPAGE */
#include "common/hugemem.h"

#include <stdlib.h>
#include <sys/mman.h>

void *huge_alloc(size_t bytes)
{
    const size_t huge = (size_t)2 << 20;
    if (bytes < 2 * huge)
        return malloc(bytes);
    size_t rounded = (bytes + huge - 1) / huge * huge;
    void *p = NULL;
    if (posix_memalign(&p, huge, rounded) != 0)
        return NULL;
#ifdef MADV_HUGEPAGE
    (void)madvise(p, rounded, MADV_HUGEPAGE);
#endif
    return p;
}
