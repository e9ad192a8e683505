#include "trainer.hpp"

#include <chrono>
#include <limits>
#include <stdexcept>
#include <string>
#include <unordered_map>

#include "dary_heap.hpp"
#include "hash.hpp"

namespace hfbpe {
namespace {

using PairKey = uint64_t;  // left << 32 | right: ordering keys orders pairs as (left, right) tuples

PairKey pair_key(uint32_t left, uint32_t right) { return (static_cast<uint64_t>(left) << 32) | right; }
uint32_t left_of(PairKey key) { return static_cast<uint32_t>(key >> 32); }
uint32_t right_of(PairKey key) { return static_cast<uint32_t>(key); }

// Dense numbering of the pairs seen so far, so that per-pair state lives in
// plain vectors indexed by pair number.
class PairIndex {
public:
    uint32_t find_or_add(PairKey key) {
        if (2 * (keys_.size() + 1) > slots_.size()) grow();
        const size_t mask = slots_.size() - 1;
        for (size_t i = mix64(key) & mask;; i = (i + 1) & mask) {
            const uint32_t slot = slots_[i];
            if (slot == 0) {
                keys_.push_back(key);
                slots_[i] = static_cast<uint32_t>(keys_.size());
                return slots_[i] - 1;
            }
            if (keys_[slot - 1] == key) return slot - 1;
        }
    }
    PairKey key(uint32_t index) const { return keys_[index]; }
    size_t size() const { return keys_.size(); }

private:
    void grow() {
        const size_t capacity = slots_.empty() ? 1024 : 2 * slots_.size();
        if (capacity / 2 >= std::numeric_limits<uint32_t>::max()) throw std::length_error("too many distinct pairs");
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

class Trainer {
public:
    explicit Trainer(const WordCounts& counts) {
        tokens_.reserve(256);
        for (int b = 0; b < 256; ++b) add_token(std::string(1, static_cast<char>(b)));
        load_words(counts);
        count_pairs();
    }

    TrainResult run(size_t num_merges, const std::function<void(size_t)>& progress);

private:
    void add_token(std::string bytes) {
        token_ids_.emplace(bytes, static_cast<uint32_t>(tokens_.size()));
        tokens_.push_back(std::move(bytes));
    }

    void load_words(const WordCounts& counts) {
        // Sized exactly first: these two arrays are most of the trainer's memory,
        // and growing them by doubling would leave up to half of it unused.
        size_t num_words = 0, num_symbols = 0;
        counts.for_each([&](std::string_view piece, uint64_t, int64_t count) {
            if (piece.size() < 2 || count <= 0) return;
            ++num_words;
            num_symbols += piece.size();
        });
        if (num_symbols >= std::numeric_limits<uint32_t>::max()) {
            throw std::length_error("the distinct pieces hold more than 4 GiB of bytes");
        }
        words_.reserve(num_words);
        symbols_.reserve(num_symbols);
        // Single-byte pieces hold no pair and can never change: leave them out.
        counts.for_each([&](std::string_view piece, uint64_t, int64_t count) {
            if (piece.size() < 2 || count <= 0) return;
            words_.push_back({count, static_cast<uint32_t>(symbols_.size()), static_cast<uint32_t>(piece.size())});
            for (unsigned char byte : piece) symbols_.push_back(byte);
        });
    }

    uint32_t pair_number(PairKey key) {
        // A merge touches few distinct neighbour pairs (the letters around
        // "e" and "r", say) but looks each up once per occurrence, and the
        // pair index is too large to stay in cache. Pair numbers never change,
        // so a small direct-mapped cache of them needs no invalidation.
        RecentPair& recent = recent_[(key * 0x9e3779b97f4a7c15ULL) >> (64 - kRecentBits)];
        if (recent.key == key) return recent.number;
        const uint32_t index = pairs_.find_or_add(key);
        if (index == pair_count_.size()) {
            pair_count_.push_back(0);
            pair_words_.emplace_back();
            pair_stamp_.push_back(0);
        }
        recent = {key, index};
        return index;
    }

    // Adds `delta` occurrences of a pair in word `word`. Words are visited one
    // after the other, so a word is listed once per pair by checking the last entry.
    void change(uint32_t left, uint32_t right, int64_t delta, uint32_t word) {
        const uint32_t index = pair_number(pair_key(left, right));
        // A pair can occur more often than any single piece (a word holds it
        // several times), so its count can overflow even when piece counts do not.
        if (__builtin_add_overflow(pair_count_[index], delta, &pair_count_[index])) [[unlikely]] {
            throw std::overflow_error("a pair count overflows a signed 64-bit integer");
        }
        if (delta <= 0) return;
        std::vector<uint32_t>& words = pair_words_[index];
        if (words.empty() || words.back() != word) words.push_back(word);
        if (pair_stamp_[index] != stamp_) {
            pair_stamp_[index] = stamp_;
            grown_.push_back(index);
        }
    }

    // Before any merge every symbol is a byte, so every pair is one of 65,536:
    // count them in plain arrays indexed by the two bytes, then number them.
    void count_pairs() {
        constexpr size_t kBytePairs = 256 * 256;
        std::vector<int64_t> counts(kBytePairs, 0);
        std::vector<std::vector<uint32_t>> words(kBytePairs);
        for (uint32_t w = 0; w < words_.size(); ++w) {
            const uint32_t* s = &symbols_[words_[w].start];
            const int64_t count = words_[w].count;
            for (uint32_t i = 0; i + 1 < words_[w].size; ++i) {
                const size_t pair = s[i] << 8 | s[i + 1];
                if (__builtin_add_overflow(counts[pair], count, &counts[pair])) [[unlikely]] {
                    throw std::overflow_error("a pair count overflows a signed 64-bit integer");
                }
                if (words[pair].empty() || words[pair].back() != w) words[pair].push_back(w);
            }
        }
        for (size_t pair = 0; pair < kBytePairs; ++pair) {
            if (counts[pair] == 0) continue;
            const uint32_t index = pair_number(pair_key(static_cast<uint32_t>(pair >> 8), pair & 0xFF));
            pair_count_[index] = counts[pair];
            pair_words_[index] = std::move(words[pair]);
            heap_.push({counts[pair], pairs_.key(index)});
        }
    }

    // A pair only enters the heap when its count grows, with the count it has
    // then; counts that later shrink leave stale entries behind, which the
    // loop re-validates when they surface (lazy deletion).
    void push_grown() {
        for (uint32_t index : grown_) {
            if (pair_count_[index] > 0) heap_.push({pair_count_[index], pairs_.key(index)});
        }
        grown_.clear();
    }

    // Replaces every occurrence of (left, right) by `merged` in the words that
    // may hold it and updates the pair counts of their neighbours, as rustbpe does.
    void apply_merge(uint32_t pair_index, uint32_t left, uint32_t right, uint32_t merged) {
        std::vector<uint32_t> words;
        words.swap(pair_words_[pair_index]);
        ++stamp_;
        const size_t n = words.size();
        for (size_t k = 0; k < n; ++k) {
            // The words of a pair are scattered over memory, and waiting for
            // them dominates early merges: fetch a word's record 16 steps
            // ahead and its symbols 8 steps ahead (by then its record is in cache).
            if (k + 16 < n) __builtin_prefetch(&words_[words[k + 16]]);
            if (k + 8 < n) __builtin_prefetch(&symbols_[words_[words[k + 8]].start]);
            const uint32_t w = words[k];
            uint32_t* s = &symbols_[words_[w].start];
            const uint32_t size = words_[w].size;
            const int64_t count = words_[w].count;
            uint32_t out = 0;
            for (uint32_t i = 0; i < size;) {
                if (i + 1 < size && s[i] == left && s[i + 1] == right) {
                    if (out > 0) {
                        change(s[out - 1], left, -count, w);
                        change(s[out - 1], merged, count, w);
                    }
                    pair_count_[pair_index] -= count;
                    if (i + 2 < size) {
                        change(right, s[i + 2], -count, w);
                        change(merged, s[i + 2], count, w);
                    }
                    s[out++] = merged;
                    i += 2;
                } else {
                    s[out++] = s[i++];
                }
            }
            words_[w].size = out;
        }
        push_grown();
    }

    // 16 bytes, so four records share a cache line: the merge loop reads one
    // for every word a pair may be in.
    struct Word {
        int64_t count;
        uint32_t start;  // into symbols_
        uint32_t size;   // shrinks as merges apply
    };
    std::vector<uint32_t> symbols_;  // all words back to back
    std::vector<Word> words_;

    PairIndex pairs_;
    struct RecentPair {
        PairKey key = ~PairKey{0};  // no pair has this key: ids stay far below 2^32 - 1
        uint32_t number = 0;
    };
    static constexpr int kRecentBits = 12;  // 4096 entries, 64 KiB: 10 and 14 bits measured no better
    std::vector<RecentPair> recent_ = std::vector<RecentPair>(size_t{1} << kRecentBits);
    std::vector<int64_t> pair_count_;
    std::vector<std::vector<uint32_t>> pair_words_;  // words that may contain the pair
    std::vector<uint32_t> pair_stamp_;  // the merge that last listed the pair in grown_
    std::vector<uint32_t> grown_;
    uint32_t stamp_ = 0;  // one per merge and one for the initial count: far below 2^32

    DaryHeap<Candidate, 8, BetterCandidate> heap_;
    std::vector<std::string> tokens_;
    std::unordered_map<std::string, uint32_t> token_ids_;
};

TrainResult Trainer::run(size_t num_merges, const std::function<void(size_t)>& progress) {
    TrainResult result;
    result.words = words_.size();
    using Clock = std::chrono::steady_clock;
    auto last_report = Clock::now();

    while (result.merges.size() < num_merges && !heap_.empty()) {
        const Candidate top = heap_.pop();
        const uint32_t index = pair_number(top.pair);
        const int64_t current = pair_count_[index];
        if (top.count != current) {
            // Stale: the stored count is no longer the pair's count. Put it
            // back with the true one; it only comes out once no pair beats it.
            if (current > 0) heap_.push({current, top.pair});
            continue;
        }
        const uint32_t left = left_of(top.pair), right = right_of(top.pair);
        std::string bytes = tokens_[left] + tokens_[right];
        auto existing = token_ids_.find(bytes);
        uint32_t merged;
        if (existing != token_ids_.end()) {
            merged = existing->second;
            result.redundant.push_back({{left, right}, merged});
        } else {
            merged = static_cast<uint32_t>(tokens_.size());
            add_token(std::move(bytes));
            result.merges.push_back({left, right});
        }
        apply_merge(index, left, right, merged);

        const auto now = Clock::now();
        if (progress && now - last_report >= std::chrono::milliseconds(50)) {
            last_report = now;
            progress(result.merges.size());
        }
    }
    if (progress) progress(result.merges.size());
    return result;
}

}  // namespace

TrainResult train_bpe(const WordCounts& counts, size_t num_merges, const std::function<void(size_t)>& progress) {
    Trainer trainer(counts);
    return trainer.run(num_merges, progress);
}

}  // namespace hfbpe
