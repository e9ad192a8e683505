// A d-ary heap: a priority queue whose nodes have D children instead of two.
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

namespace hfbpe {

// With D = 8 the tree is a third as deep as a binary heap and the children of
// a node share one or two cache lines, so pop (the hot operation of the merge
// loop, which also re-pushes stale entries) touches fewer lines.
// `Before(a, b)` is true when a must come out before b.
template <class T, size_t D, class Before>
class DaryHeap {
    static_assert(D >= 2, "a heap node needs at least two children");

public:
    bool empty() const { return items_.empty(); }
    size_t size() const { return items_.size(); }
    size_t memory_bytes() const { return items_.capacity() * sizeof(T); }
    const T& top() const { return items_.front(); }
    void reserve(size_t n) { items_.reserve(n); }

    void push(T item) {
        items_.push_back(std::move(item));
        sift_up(items_.size() - 1);
    }

    T pop() {
        T out = std::move(items_.front());
        T last = std::move(items_.back());
        items_.pop_back();
        if (!items_.empty()) sift_down(std::move(last));
        return out;
    }

private:
    void sift_up(size_t i) {
        T item = std::move(items_[i]);
        while (i > 0) {
            const size_t parent = (i - 1) / D;
            if (!before_(item, items_[parent])) break;
            items_[i] = std::move(items_[parent]);
            i = parent;
        }
        items_[i] = std::move(item);
    }

    // Moves `item` down from the root, filling the hole left by the popped top.
    void sift_down(T item) {
        const size_t n = items_.size();
        size_t i = 0;
        for (;;) {
            const size_t first = D * i + 1;
            if (first >= n) break;
            const size_t last = first + D < n ? first + D : n;
            size_t best = first;
            for (size_t c = first + 1; c < last; ++c) {
                if (before_(items_[c], items_[best])) best = c;
            }
            if (!before_(items_[best], item)) break;
            items_[i] = std::move(items_[best]);
            i = best;
        }
        items_[i] = std::move(item);
    }

    std::vector<T> items_;
    Before before_;
};

}  // namespace hfbpe
