#ifndef AURA_PREFETCH_H
#define AURA_PREFETCH_H

/// Hints the CPU to bring the cache line holding `p` into cache for a coming write (and read).
/// A hint only: `p` is never dereferenced, so any address is safe.
static inline void aura_prefetch(const void *p) { __builtin_prefetch(p, 1, 3); }

#if defined(__GLIBC__)
#include <malloc.h>
/// Gives the heap pages glibc holds free (in its arenas, not only at the top) back to the system.
static inline int aura_malloc_trim(void) { return malloc_trim(0); }
/// Caps the number of malloc arenas (`M_ARENA_MAX`); 0 leaves it. Returns 1 on success.
static inline int aura_malloc_set_arena_max(int arenas) { return arenas > 0 ? mallopt(M_ARENA_MAX, arenas) : 1; }
/// Fixes the size from which allocations are mmapped and unmapped at free (`M_MMAP_THRESHOLD`,
/// which also stops glibc raising it dynamically); 0 leaves it. Returns 1 on success.
static inline int aura_malloc_set_mmap_threshold(int bytes) { return bytes > 0 ? mallopt(M_MMAP_THRESHOLD, bytes) : 1; }
#else
static inline int aura_malloc_trim(void) { return 0; }
static inline int aura_malloc_set_arena_max(int arenas) { (void)arenas; return 0; }
static inline int aura_malloc_set_mmap_threshold(int bytes) { (void)bytes; return 0; }
#endif

#endif
