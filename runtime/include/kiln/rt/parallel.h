// Threads for the kernels: a small persistent pool, started the first time
// a kernel asks for more than one thread and reused after that, so predict
// itself never creates a thread or allocates. A model compiled with
// `--threads N` opens a ThreadScope(N) in predict; kernels split their work
// with parallel_for, whose items must not depend on which thread runs them
// (that is what keeps results bit-identical for any N). An idle worker
// spins a little before it sleeps: a kernel such as Winograd opens
// thousands of short parallel regions per call, and waking a sleeping
// thread costs more than most of them take.
#ifndef KILN_RT_PARALLEL_H
#define KILN_RT_PARALLEL_H

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <thread>

namespace kiln {
namespace rt {

namespace detail {
inline thread_local std::size_t tls_threads = 1;
} // namespace detail

/// Threads the kernels called from this thread may use.
inline std::size_t thread_count() { return detail::tls_threads; }

/// Sets thread_count() for the enclosing scope.
class ThreadScope {
public:
  explicit ThreadScope(std::size_t threads) : saved_(detail::tls_threads) {
    detail::tls_threads = threads == 0 ? 1 : threads;
  }
  ~ThreadScope() { detail::tls_threads = saved_; }
  ThreadScope(const ThreadScope &) = delete;
  ThreadScope &operator=(const ThreadScope &) = delete;

private:
  std::size_t saved_;
};

namespace detail {

/// Tells the core this is a spin-wait (x86 pause, Arm yield).
inline void spinPause() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield" ::: "memory");
#endif
}

class ThreadPool {
public:
  static constexpr std::size_t kMaxWorkers = 63;
  using Task = void (*)(const void *context, std::size_t item);

  static ThreadPool &get() {
    static ThreadPool pool;
    return pool;
  }

  /// Runs task(context, i) for every i < items on `threads` threads, the
  /// caller being one of them; returns when all are done.
  void run(std::size_t threads, std::size_t items, Task task, const void *context) {
    std::lock_guard<std::mutex> oneCaller(callerMutex_);
    const std::size_t helpers = threads - 1 < kMaxWorkers ? threads - 1 : kMaxWorkers;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      while (started_ < helpers) {
        const std::size_t id = started_++;
        workers_[id] = std::thread([this, id] { serve(id); });
      }
      task_ = task;
      context_ = context;
      items_ = items;
      // Items are taken a few at a time: one shared counter bumped per
      // item costs a cache-line transfer each, more than a small item.
      const std::size_t chunk = items / (8 * (helpers + 1));
      chunk_ = chunk > 1 ? chunk : 1;
      helpers_ = helpers;
      next_.store(0, std::memory_order_relaxed);
      pending_.store(helpers, std::memory_order_relaxed);
      generation_.store(generation_.load(std::memory_order_relaxed) + 1,
                        std::memory_order_release);
    }
    wake_.notify_all();
    {
      ThreadScope alone(1); // a kernel called from a task runs on its thread only
      work();
    }
    while (pending_.load(std::memory_order_acquire) != 0)
      std::this_thread::yield();
  }

  ~ThreadPool() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    for (std::size_t i = 0; i < started_; ++i)
      workers_[i].join();
  }

private:
  ThreadPool() = default;

  void work() {
    for (std::size_t i; (i = next_.fetch_add(chunk_, std::memory_order_relaxed)) < items_;)
      for (const std::size_t end = i + chunk_ < items_ ? i + chunk_ : items_; i < end; ++i)
        task_(context_, i);
  }

  /// Spins up to kSpin, or until a region after `seen` opens; the caller
  /// then takes the lock either way, to read the region's fields.
  void spinFor(std::uint64_t seen) const {
    constexpr auto kSpin = std::chrono::microseconds(200);
    const auto until = std::chrono::steady_clock::now() + kSpin;
    do {
      for (int i = 0; i < 64; ++i) {
        if (generation_.load(std::memory_order_acquire) != seen)
          return;
        spinPause();
      }
    } while (std::chrono::steady_clock::now() < until);
  }

  void serve(std::size_t id) {
    std::uint64_t seen = 0;
    for (;;) {
      spinFor(seen);
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] {
          return stopping_ || generation_.load(std::memory_order_relaxed) != seen;
        });
        if (stopping_)
          return;
        seen = generation_.load(std::memory_order_relaxed);
        if (id >= helpers_)
          continue;
      }
      work();
      pending_.fetch_sub(1, std::memory_order_release);
    }
  }

  std::mutex callerMutex_, mutex_;
  std::condition_variable wake_;
  std::thread workers_[kMaxWorkers];
  std::size_t started_ = 0, helpers_ = 0, items_ = 0, chunk_ = 1;
  // Written under mutex_; read without it by spinning workers.
  std::atomic<std::uint64_t> generation_{0};
  bool stopping_ = false;
  Task task_ = nullptr;
  const void *context_ = nullptr;
  std::atomic<std::size_t> next_{0}, pending_{0};
};

} // namespace detail

/// Calls body(i) for every i < items, on up to thread_count() threads.
template <class Body>
inline void parallel_for(std::size_t items, const Body &body) {
  const std::size_t threads = thread_count() < items ? thread_count() : items;
  if (threads <= 1) {
    for (std::size_t i = 0; i < items; ++i)
      body(i);
    return;
  }
  detail::ThreadPool::get().run(
      threads, items,
      [](const void *context, std::size_t i) { (*static_cast<const Body *>(context))(i); },
      &body);
}

} // namespace rt
} // namespace kiln

#endif
