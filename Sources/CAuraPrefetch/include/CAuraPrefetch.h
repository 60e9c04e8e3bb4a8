#ifndef AURA_PREFETCH_H
#define AURA_PREFETCH_H

/// Hints the CPU to bring the cache line holding `p` into cache for a coming write (and read).
/// A hint only: `p` is never dereferenced, so any address is safe.
static inline void aura_prefetch(const void *p) { __builtin_prefetch(p, 1, 3); }

#if defined(__GLIBC__)
#include <malloc.h>
/// Gives the heap pages glibc holds free (in its arenas, not only at the top) back to the system.
static inline int aura_malloc_trim(void) { return malloc_trim(0); }
#else
static inline int aura_malloc_trim(void) { return 0; }
#endif

#endif
