#ifndef AURA_PREFETCH_H
#define AURA_PREFETCH_H

/// Hints the CPU to bring the cache line holding `p` into cache for a coming write (and read).
/// A hint only: `p` is never dereferenced, so any address is safe.
static inline void aura_prefetch(const void *p) { __builtin_prefetch(p, 1, 3); }

// Any C library header defines `__GLIBC__` on glibc (through <features.h>); without one before
// the test below the test is always false and every malloc function here is the no-op fallback.
#include <stdlib.h>

#if defined(__GLIBC__)
#include <malloc.h>
/// Gives the heap pages glibc holds free (in its arenas, not only at the top) back to the system.
static inline int aura_malloc_trim(void) { return malloc_trim(0); }
/// Caps the number of malloc arenas (`M_ARENA_MAX`); 0 leaves it. Returns 1 on success.
static inline int aura_malloc_set_arena_max(int arenas) { return arenas > 0 ? mallopt(M_ARENA_MAX, arenas) : 1; }
/// Fixes the size from which allocations are mmapped and unmapped at free (`M_MMAP_THRESHOLD`,
/// which also stops glibc raising it dynamically); 0 leaves it. Returns 1 on success.
static inline int aura_malloc_set_mmap_threshold(int bytes) { return bytes > 0 ? mallopt(M_MMAP_THRESHOLD, bytes) : 1; }
#if __GLIBC_PREREQ(2, 33)
/// The allocator's own account (`mallinfo2`, every arena): bytes handed out and not freed (in the
/// arenas, `uordblks`, plus mmapped blocks, `hblkhd`) in `*in_use`, bytes free but held in the
/// arenas (`fordblks`) in `*held_free`. Returns 1, or 0 (and zeros) where the C library lacks it.
static inline int aura_malloc_usage(unsigned long long *in_use, unsigned long long *held_free) {
    struct mallinfo2 info = mallinfo2();
    *in_use = (unsigned long long)info.uordblks + (unsigned long long)info.hblkhd;
    *held_free = (unsigned long long)info.fordblks;
    return 1;
}
#else
static inline int aura_malloc_usage(unsigned long long *in_use, unsigned long long *held_free) {
    *in_use = 0; *held_free = 0; return 0;
}
#endif
#else
static inline int aura_malloc_trim(void) { return 0; }
static inline int aura_malloc_set_arena_max(int arenas) { (void)arenas; return 0; }
static inline int aura_malloc_set_mmap_threshold(int bytes) { (void)bytes; return 0; }
static inline int aura_malloc_usage(unsigned long long *in_use, unsigned long long *held_free) {
    *in_use = 0; *held_free = 0; return 0;
}
#endif

#endif
