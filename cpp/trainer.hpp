// The BPE merge loop: turns word counts into an ordered list of merges.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "word_counts.hpp"

namespace hfbpe {

struct Merge {
    uint32_t left;
    uint32_t right;
};

struct TrainResult {
    // merges[k] created token 256 + k.
    std::vector<Merge> merges;
    // The bytes of every token by id: the 256 single bytes, then one per merge.
    std::vector<std::string> tokens;
    size_t words = 0;  // distinct pieces of two or more bytes that took part
    double setup_seconds = 0;  // loading the words, words_loaded() and counting their pairs
    double loop_seconds = 0;   // the merge loop proper
};

// Learns up to `num_merges` merges, fewer if the words run out of pairs.
// Each step merges the most frequent adjacent pair; among equal counts the
// smallest (left, right) wins. `progress(merges_done)` is called about every
// 50 ms and at the end; it may throw to stop training. `words_loaded()`, if
// given, is called once the trainer has copied what it needs from `counts`
// (before the merge loop), so a caller that is done with them can free them.
// With num_threads > 1, merges of many words are applied by two threads (the
// result does not depend on it).
TrainResult train_bpe(const WordCounts& counts, size_t num_merges, int num_threads,
                      const std::function<void(size_t)>& progress, const std::function<void()>& words_loaded = {});

}  // namespace hfbpe
