// The merge loop's bookkeeping of pairs: their keys, a dense numbering of the
// tracked ones, the heap's candidates and its tie-break, and the bound below
// which a pair never needs tracking.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <stdexcept>
#include <vector>

#include "hash.hpp"

namespace hfbpe {
namespace trainer_detail {

using PairKey = uint64_t;  // left << 32 | right: ordering keys orders pairs as (left, right) tuples

inline PairKey pair_key(uint32_t left, uint32_t right) { return (static_cast<uint64_t>(left) << 32) | right; }
inline uint32_t left_of(PairKey key) { return static_cast<uint32_t>(key >> 32); }
inline uint32_t right_of(PairKey key) { return static_cast<uint32_t>(key); }

constexpr uint32_t kUntracked = std::numeric_limits<uint32_t>::max();

// Dense numbering of the tracked pairs, so that per-pair state lives in plain
// vectors indexed by pair number.
class PairIndex {
public:
    // The pair's number, or kUntracked.
    uint32_t find(PairKey key) const {
        if (slots_.empty()) return kUntracked;
        const uint32_t slot = slots_[slot_of(key)];
        return slot == 0 ? kUntracked : slot - 1;
    }

    uint32_t find_or_add(PairKey key) {
        if (2 * (keys_.size() + 1) > slots_.size()) grow();
        uint32_t& slot = slots_[slot_of(key)];
        if (slot == 0) {
            keys_.push_back(key);
            slot = static_cast<uint32_t>(keys_.size());
        }
        return slot - 1;
    }
    PairKey key(uint32_t index) const { return keys_[index]; }
    size_t size() const { return keys_.size(); }
    size_t memory_bytes() const { return slots_.capacity() * sizeof(uint32_t) + keys_.capacity() * sizeof(PairKey); }

private:
    // Where `key` is, or the empty slot where it would go (linear probing).
    size_t slot_of(PairKey key) const {
        const size_t mask = slots_.size() - 1;
        size_t i = mix64(key) & mask;
        while (slots_[i] != 0 && keys_[slots_[i] - 1] != key) i = (i + 1) & mask;
        return i;
    }

    void grow() {
        const size_t capacity = slots_.empty() ? 1024 : 2 * slots_.size();
        if (capacity / 2 >= kUntracked) throw std::length_error("too many distinct pairs");
        slots_.assign(capacity, 0);
        const size_t mask = capacity - 1;
        for (size_t index = 0; index < keys_.size(); ++index) {
            size_t i = mix64(keys_[index]) & mask;
            while (slots_[i] != 0) i = (i + 1) & mask;
            slots_[i] = static_cast<uint32_t>(index + 1);
        }
    }

    std::vector<uint32_t> slots_;  // pair number + 1, 0 when empty
    std::vector<PairKey> keys_;
};

struct Candidate {
    int64_t count;
    PairKey pair;
};

// The tie-break that makes the result reproducible: higher count first, then
// the smaller (left, right) pair.
struct BetterCandidate {
    bool operator()(const Candidate& a, const Candidate& b) const {
        return a.count != b.count ? a.count > b.count : a.pair < b.pair;
    }
};

inline void checked_increase(int64_t& total, int64_t delta) {
    // A pair can occur more often than any single piece (a word holds it
    // several times), so its count can overflow even when piece counts do not.
    if (__builtin_add_overflow(total, delta, &total)) [[unlikely]] {
        throw std::overflow_error("a pair count overflows a signed 64-bit integer");
    }
}

// The count below which a pair can never be merged in the first `num_merges`
// merges: the count of the num_merges-th most frequent word (of two or more
// bytes). Before merge k, only k - 1 tokens exist beyond the bytes, so at
// least one of those num_merges words is still two or more tokens and holds
// a pair at least that frequent: every merge's count is at least this.
// (With a bound on a token's length, only words within it count: any pair of
// such a word makes a token within the bound, so it stays mergeable.)
// A pair's count is largest when the pair first appears (merges only remove
// occurrences of existing pairs; new occurrences always involve the new
// token), so a pair that appears with a smaller count never needs tracking.
// The num_merges largest counts seen, in a min-heap: the count of the
// num_merges-th most frequent word without a list of every word's count
// (8 bytes a word, on tens of millions of words). Most words are rare and
// fail the first comparison.
class LargestCounts {
public:
    explicit LargestCounts(size_t n) : n_(n) { heap_.reserve(n); }
    void add(int64_t count) {
        if (n_ == 0) return;
        if (heap_.size() < n_) {
            heap_.push_back(count);
            std::push_heap(heap_.begin(), heap_.end(), std::greater<int64_t>());
        } else if (count > heap_.front()) {
            std::pop_heap(heap_.begin(), heap_.end(), std::greater<int64_t>());
            heap_.back() = count;
            std::push_heap(heap_.begin(), heap_.end(), std::greater<int64_t>());
        }
    }
    void absorb(const LargestCounts& other) {
        for (int64_t c : other.heap_) add(c);
    }
    // The n-th largest count, or 0 if fewer than n were seen.
    int64_t nth() const { return heap_.size() < n_ || n_ == 0 ? 0 : heap_.front(); }

private:
    size_t n_;
    std::vector<int64_t> heap_;
};

inline int64_t lowest_mergeable_count(const LargestCounts& largest, size_t num_merges) {
    if (num_merges == 0) return std::numeric_limits<int64_t>::max();  // nothing to track
    return std::max<int64_t>(largest.nth(), 1);
}

}  // namespace trainer_detail
}  // namespace hfbpe
