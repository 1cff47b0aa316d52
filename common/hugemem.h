/* common/hugemem: room for a large array read at random places (a data set's images, libsvm's
 * support-vector nodes), aligned to 2 MiB and asked to live on huge pages, so that touching it
 * here and there costs no TLB miss per 4 KiB page. Small requests are plain malloc. */
#ifndef MNL_HUGEMEM_H
#define MNL_HUGEMEM_H

#include <stddef.h>

/* bytes of memory, freed with free(); NULL when out of memory. Where the kernel gives no huge
 * pages (THP off, or not on this system) the pages stay small and nothing else changes. */
void *huge_alloc(size_t bytes);

#endif
