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
    int64_t count;  // how often the pair occurred when it was merged
};

struct TrainResult {
    // merges[k] created token 256 + k.
    std::vector<Merge> merges;
    // The bytes of every token by id: the 256 single bytes, then one per merge.
    std::vector<std::string> tokens;
    size_t words = 0;  // distinct pieces of two or more bytes that took part
    double setup_seconds = 0;  // loading the words, words_loaded() and counting their pairs
    double loop_seconds = 0;   // the merge loop proper
    // The trainer's tables, in bytes, after setting up or at the end, whichever is more.
    size_t memory_bytes = 0;
};

// Learns up to `num_merges` merges, fewer if the words run out of pairs.
// Each step merges the most frequent adjacent pair; among equal counts the
// smallest (left, right) wins. `progress(merges_done)` is called about every
// 50 ms and at the end; it may throw to stop training. With `release_counts`,
// each shard of `counts` is freed as soon as the trainer has copied its words
// (the counts are empty afterwards); otherwise they are left as they were.
// `words_loaded()`, if given, is called once the words are loaded (before the
// pair lists, the trainer's other large allocation). With num_threads > 1,
// merges of many words are applied by two threads (the result does not depend on it).
TrainResult train_bpe(WordCounts& counts, size_t num_merges, int num_threads,
                      const std::function<void(size_t)>& progress, bool release_counts = false,
                      const std::function<void()>& words_loaded = {});

}  // namespace hfbpe
