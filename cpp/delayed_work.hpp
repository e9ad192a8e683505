// Runs each item's work a fixed number of items after it arrives, so that a
// prefetch issued on arrival has landed by the time the work needs the memory.
#pragma once

#include <cstddef>
#include <utility>

namespace hfbpe {

// push(item) runs work(the item pushed N items earlier), if any; drain() runs
// the work of the items still waiting, oldest first.
template <class T, size_t N, class Work>
class DelayedWork {
public:
    explicit DelayedWork(Work work) : work_(std::move(work)) {}

    void push(const T& item) {
        T& slot = items_[pushed_++ % N];
        if (pushed_ > N) work_(slot);
        slot = item;
    }

    void drain() {
        for (size_t k = pushed_ > N ? pushed_ - N : 0; k < pushed_; ++k) work_(items_[k % N]);
        pushed_ = 0;
    }

private:
    Work work_;
    T items_[N] = {};
    size_t pushed_ = 0;
};

}  // namespace hfbpe
