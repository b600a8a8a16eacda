// Heap allocations counted while g_counting is set: malloc, its relatives
// and operator new are interposed. Included by exactly one translation unit
// of each guarantee checker (it defines them).
#ifndef KILN_TEST_GUARANTEES_COUNT_ALLOCATIONS_H
#define KILN_TEST_GUARANTEES_COUNT_ALLOCATIONS_H

#include <atomic>
#include <cstddef>
#include <new>

extern "C" {
void *__libc_malloc(std::size_t);
void *__libc_calloc(std::size_t, std::size_t);
void *__libc_realloc(void *, std::size_t);
void *__libc_memalign(std::size_t, std::size_t);
void __libc_free(void *);
}

namespace {
std::atomic<bool> g_counting{false};
std::atomic<long> g_allocations{0};
void count() {
  if (g_counting.load(std::memory_order_relaxed))
    g_allocations.fetch_add(1, std::memory_order_relaxed);
}
} // namespace

extern "C" {
void *malloc(std::size_t n) { count(); return __libc_malloc(n); }
void *calloc(std::size_t n, std::size_t m) { count(); return __libc_calloc(n, m); }
void *realloc(void *p, std::size_t n) { count(); return __libc_realloc(p, n); }
void *memalign(std::size_t a, std::size_t n) { count(); return __libc_memalign(a, n); }
void *aligned_alloc(std::size_t a, std::size_t n) { count(); return __libc_memalign(a, n); }
int posix_memalign(void **p, std::size_t a, std::size_t n) {
  count();
  *p = __libc_memalign(a, n);
  return *p ? 0 : 12;
}
void free(void *p) { __libc_free(p); }
}
void *operator new(std::size_t n) { count(); return __libc_malloc(n ? n : 1); }
void *operator new[](std::size_t n) { count(); return __libc_malloc(n ? n : 1); }
void operator delete(void *p) noexcept { __libc_free(p); }
void operator delete[](void *p) noexcept { __libc_free(p); }
void operator delete(void *p, std::size_t) noexcept { __libc_free(p); }
void operator delete[](void *p, std::size_t) noexcept { __libc_free(p); }

#endif
