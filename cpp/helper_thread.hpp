// One extra thread that runs a job while the caller does its own share.
#pragma once

#include <atomic>
#include <condition_variable>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>

namespace hfbpe {

// share(theirs, ours) runs `theirs` on the thread while the caller runs
// `ours`, and returns when both are done.
//
// The merge loop hands over thousands of jobs of tens of microseconds each,
// about as long as waking a sleeping thread takes. So both sides first spin
// for a while (on the flag the other side sets) before they sleep on a
// condition variable; a flag is always set before the mutex is taken and the
// condition notified, so a sleeper re-checks it under the mutex and no wake-up
// is lost. Between bursts of work the thread sleeps and costs nothing.
class HelperThread {
public:
    HelperThread() : thread_([this] { loop(); }) {}
    ~HelperThread() {
        stopping_.store(true, std::memory_order_release);
        notify(wake_);
        thread_.join();
    }
    HelperThread(const HelperThread&) = delete;
    HelperThread& operator=(const HelperThread&) = delete;

    // Rethrows what `ours` threw, or else what `theirs` threw, but only once
    // both have finished: neither may outlive the data they share.
    template <class Ours>
    void share(std::function<void()> theirs, Ours&& ours) {
        start(std::move(theirs));
        std::exception_ptr error;
        try {
            ours();
        } catch (...) {
            error = std::current_exception();
        }
        try {
            wait();
        } catch (...) {
            if (!error) error = std::current_exception();
        }
        if (error) std::rethrow_exception(error);
    }

private:
    void start(std::function<void()> job) {
        job_ = std::move(job);  // the thread reads it only after seeing pending_
        done_.store(false, std::memory_order_relaxed);
        pending_.store(true, std::memory_order_release);
        notify(wake_);
    }

    void wait() {
        if (!spin_until(done_)) {
            std::unique_lock<std::mutex> lock(mutex_);
            finished_.wait(lock, [this] { return done_.load(std::memory_order_acquire); });
        }
        if (error_) {
            std::exception_ptr error = error_;
            error_ = nullptr;
            std::rethrow_exception(error);
        }
    }

    // About 100 microseconds of polling.
    static bool spin_until(const std::atomic<bool>& flag) {
        for (int i = 0; i < 4096; ++i) {
            if (flag.load(std::memory_order_acquire)) return true;
#if defined(__x86_64__) || defined(__i386__)
            __builtin_ia32_pause();
#endif
        }
        return flag.load(std::memory_order_acquire);
    }

    void notify(std::condition_variable& condition) {
        { std::lock_guard<std::mutex> lock(mutex_); }
        condition.notify_one();
    }

    void loop() {
        for (;;) {
            if (!spin_until(pending_)) {
                std::unique_lock<std::mutex> lock(mutex_);
                wake_.wait(lock, [this] {
                    return pending_.load(std::memory_order_acquire) || stopping_.load(std::memory_order_acquire);
                });
            }
            if (!pending_.load(std::memory_order_acquire)) return;  // stopping, nothing left to do
            pending_.store(false, std::memory_order_relaxed);
            try {
                job_();
            } catch (...) {
                error_ = std::current_exception();  // read by wait() only after it sees done_
            }
            job_ = nullptr;
            done_.store(true, std::memory_order_release);
            notify(finished_);
        }
    }

    std::mutex mutex_;
    std::condition_variable wake_, finished_;
    std::function<void()> job_;
    std::exception_ptr error_;
    std::atomic<bool> pending_{false}, done_{true}, stopping_{false};
    std::thread thread_;  // last: it starts running loop() as soon as it is constructed
};

}  // namespace hfbpe
