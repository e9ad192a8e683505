// Runs work on std::threads while the calling thread stays free to poll for interruption.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace hfbpe {

// Thrown inside workers that noticed `cancelled`; never escapes run_on_threads.
struct Cancelled {};

// Calls work(t) for t in [0, num_threads) on as many threads. Meanwhile the
// calling thread calls poll() about every 50 ms; if poll throws (a pending
// KeyboardInterrupt, say), `cancelled` is set, the workers are joined, and the
// exception is rethrown, so Ctrl-C gets through long native work. Otherwise
// the first exception a worker threw is rethrown after all have finished.
inline void run_on_threads(int num_threads, const std::function<void(int)>& work, const std::function<void()>& poll,
                           std::atomic<bool>& cancelled) {
    std::mutex mutex;
    std::condition_variable finished;
    int running = num_threads;
    std::exception_ptr worker_error, poll_error;

    std::vector<std::thread> threads;
    threads.reserve(static_cast<size_t>(num_threads));
    for (int t = 0; t < num_threads; ++t) {
        threads.emplace_back([&, t] {
            std::exception_ptr error;
            try {
                work(t);
            } catch (const Cancelled&) {
            } catch (...) {
                error = std::current_exception();
                cancelled = true;
            }
            std::lock_guard<std::mutex> lock(mutex);
            if (error && !worker_error) worker_error = error;
            if (--running == 0) finished.notify_all();
        });
    }
    {
        std::unique_lock<std::mutex> lock(mutex);
        while (!finished.wait_for(lock, std::chrono::milliseconds(50), [&] { return running == 0; })) {
            if (!poll || poll_error) continue;
            lock.unlock();
            try {
                poll();
            } catch (...) {
                poll_error = std::current_exception();
                cancelled = true;
            }
            lock.lock();
        }
    }
    for (std::thread& thread : threads) thread.join();
    if (poll_error) std::rethrow_exception(poll_error);
    if (worker_error) std::rethrow_exception(worker_error);
}

}  // namespace hfbpe
