#include "alloc_counter.hpp"

#include <cstddef>
#include <cstdlib>
#include <new>

namespace gauntlet::bench {
namespace {

// The one piece of global state in the benchmarks, and unavoidably so: a replacement operator
// new takes no context argument. thread_local keeps writers apart (no atomics on the measured
// path), and a trivially initialised thread_local never allocates itself.
thread_local std::uint64_t t_allocations = 0;

// malloc with operator new's contract: size 0 still gives a unique pointer, and on failure the
// new-handler runs until it frees memory or gives up (then nullptr).
void* allocate(std::size_t size, std::size_t alignment) noexcept {
  ++t_allocations;
  if (size == 0) size = 1;
  for (;;) {
    void* p = alignment <= alignof(std::max_align_t)
                  ? std::malloc(size)
                  // aligned_alloc wants a size that is a multiple of the alignment.
                  : std::aligned_alloc(alignment, (size + alignment - 1) / alignment * alignment);
    if (p != nullptr) return p;
    const std::new_handler handler = std::get_new_handler();
    if (handler == nullptr) return nullptr;
    try {
      handler();
    } catch (...) {
      return nullptr;
    }
  }
}

void* allocate_or_throw(std::size_t size, std::size_t alignment) {
  void* p = allocate(size, alignment);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

}  // namespace

std::uint64_t allocations() noexcept { return t_allocations; }

}  // namespace gauntlet::bench

using gauntlet::bench::allocate;
using gauntlet::bench::allocate_or_throw;

// NOLINTBEGIN(misc-new-delete-overloads): the replaceable global forms, defined as a set.
void* operator new(std::size_t size) { return allocate_or_throw(size, 0); }
void* operator new[](std::size_t size) { return allocate_or_throw(size, 0); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept { return allocate(size, 0); }
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept { return allocate(size, 0); }
void* operator new(std::size_t size, std::align_val_t al) {
  return allocate_or_throw(size, static_cast<std::size_t>(al));
}
void* operator new[](std::size_t size, std::align_val_t al) {
  return allocate_or_throw(size, static_cast<std::size_t>(al));
}
void* operator new(std::size_t size, std::align_val_t al, const std::nothrow_t&) noexcept {
  return allocate(size, static_cast<std::size_t>(al));
}
void* operator new[](std::size_t size, std::align_val_t al, const std::nothrow_t&) noexcept {
  return allocate(size, static_cast<std::size_t>(al));
}

void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }
// NOLINTEND(misc-new-delete-overloads)
