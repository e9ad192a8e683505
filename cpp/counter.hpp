// Parallel counting: pre-tokenize batches of texts on a pool of threads into word counts.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "pretokenizer.hpp"
#include "text.hpp"
#include "word_counts.hpp"

namespace hfbpe {

// A text the core cannot count (a lone surrogate); reaches Python as ValueError.
class InvalidText : public std::invalid_argument {
public:
    InvalidText(size_t index, const std::string& what) : std::invalid_argument(what), index(index) {}
    size_t index;  // position of the text in its batch
};

class Counter {
public:
    Counter(std::shared_ptr<const Pretokenizer> pretokenizer, int num_threads);

    // Splits every text into pieces and adds them to the counts. Threads take
    // texts one at a time (documents vary in length by orders of magnitude),
    // count into tables of their own, then merge those shard by shard, so the
    // counts never depend on the number of threads. `poll` is called from this
    // thread while the workers run; an exception from it aborts the batch.
    void count_batch(const std::vector<TextView>& texts, const std::function<void()>& poll);

    const WordCounts& counts() const { return counts_; }
    WordCounts take_counts();
    uint64_t documents() const { return documents_; }
    uint64_t bytes() const { return bytes_; }
    const Pretokenizer& pretokenizer() const { return *pretokenizer_; }

private:
    struct Worker {
        explicit Worker(const Pretokenizer& p) : matcher(p), local(WordCounts::kShards) {}
        Matcher matcher;
        std::vector<PieceTable> local;  // one per shard of the result
        std::string scratch;            // UTF-8 conversion buffer
        uint64_t bytes = 0;
    };

    void count_texts(Worker& worker, const std::vector<TextView>& texts, std::atomic<size_t>& next,
                     std::atomic<size_t>& first_bad);
    void clear_local();

    std::shared_ptr<const Pretokenizer> pretokenizer_;
    std::vector<std::unique_ptr<Worker>> workers_;
    WordCounts counts_;
    std::atomic<bool> cancelled_{false};
    bool broken_ = false;
    uint64_t documents_ = 0;
    uint64_t bytes_ = 0;
};

}  // namespace hfbpe
