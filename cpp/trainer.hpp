// The BPE merge loop: turns word counts into an ordered list of merges.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "merge_filter.hpp"
#include "piece_encoder.hpp"
#include "word_counts.hpp"

namespace hfbpe {

struct Merge {
    uint32_t left;
    uint32_t right;
    int64_t count;  // how often the pair occurred when it was merged
};

// Where training starts when it continues an existing vocabulary (extending a
// tokenizer) instead of the 256 bytes.
struct TrainStart {
    // The bytes of every id of the existing vocabulary; empty for ids that are
    // no byte sequence (special tokens, unused ids). New tokens follow the last id.
    std::vector<std::string> tokens;
    // Encodes a piece into the existing vocabulary's tokens: the words the
    // merge loop starts from.
    const PieceEncoder* encoder = nullptr;
};

struct TrainResult {
    // merges[k] created token first_new + k.
    std::vector<Merge> merges;
    // The bytes of every token by id: the 256 single bytes (or the start's
    // tokens), then one per merge.
    std::vector<std::string> tokens;
    uint32_t first_new = 256;
    // Pairs the loop would have merged but whose bytes already were a token
    // (only when starting from a vocabulary): never merged, in the order met.
    std::vector<Merge> skipped;
    // Pairs the loop would have merged but whose token the merge filter
    // refuses: never merged, in the order met.
    std::vector<Merge> filtered;
    bool stopped_at_min_frequency = false;
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
// With `start`, each piece is first encoded into the start's tokens and the
// loop continues from there (see TrainStart); a pair whose bytes already are a
// token is skipped for good rather than merged. With `filter`, a pair whose
// token the filter refuses is passed over for good in the same way. Training
// stops (stopped_at_min_frequency) once the most frequent pair occurs fewer
// than `min_frequency` times. With `byte_order` (256 distinct bytes, no
// start), id k is the byte byte_order[k] instead of byte k: the ids, and so
// the tie-break among equal counts, follow that order (HF tokenizers'
// BpeTrainer numbers its alphabet by the code points of GPT-2's byte-level
// characters).
TrainResult train_bpe(WordCounts& counts, size_t num_merges, int num_threads,
                      const std::function<void(size_t)>& progress, bool release_counts = false,
                      const std::function<void()>& words_loaded = {}, const TrainStart* start = nullptr,
                      const MergeFilter* filter = nullptr, int64_t min_frequency = 1,
                      const std::string* byte_order = nullptr);

}  // namespace hfbpe
