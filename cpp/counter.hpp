// Parallel counting: pre-tokenize batches of texts on a pool of threads into word counts.
#pragma once

#include <array>
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

// Limits on what is counted, in code points (characters, as Python's len() counts them).
struct CountLimits {
    static constexpr uint64_t kNone = UINT64_MAX;
    uint64_t doc_cap = kNone;    // every document is cropped to its first doc_cap characters
    uint64_t max_chars = kNone;  // stop after the document that takes the total past max_chars
};

class Counter {
public:
    Counter(std::shared_ptr<const Pretokenizer> pretokenizer, int num_threads, CountLimits limits = {});

    // Splits every text into pieces and adds them to the counts. Threads take
    // texts one at a time (documents vary in length by orders of magnitude),
    // count into tables of their own, then merge those shard by shard, so the
    // counts never depend on the number of threads. `poll` is called from this
    // thread while the workers run; an exception from it aborts the batch.
    // Unchecked UTF-8 that is not well-formed is skipped and counted in
    // invalid(); a lone surrogate in a str throws InvalidText. Once max_chars
    // is reached, the rest of the batch and every later batch is left out.
    void count_batch(const std::vector<TextView>& texts, const std::function<void()>& poll);

    const WordCounts& counts() const { return counts_; }
    WordCounts take_counts();
    uint64_t documents() const { return documents_; }  // counted, skipped ones excluded
    uint64_t bytes() const { return bytes_; }          // UTF-8 bytes counted, after cropping
    uint64_t chars() const { return chars_; }          // code points counted, after cropping
    uint64_t invalid() const { return invalid_; }      // skipped: not well-formed UTF-8
    uint64_t nulls() const { return nulls_; }          // skipped: missing values
    bool exhausted() const { return exhausted_; }      // max_chars was reached
    const Pretokenizer& pretokenizer() const { return *pretokenizer_; }

private:
    struct PendingPiece {
        size_t begin;
        size_t size;
        uint64_t hash;
    };
    static constexpr size_t kPiecesInFlight = 8;

    struct Worker {
        explicit Worker(const Pretokenizer& p) : matcher(p) {}
        Matcher matcher;
        PieceTable local;  // this batch's counts
        // A fifth of all pieces are a single byte (a space, a newline, a
        // comma): counted by value, they skip the hash and the table.
        std::array<int64_t, 256> single_bytes{};
        std::string scratch;            // UTF-8 conversion buffer
        uint64_t bytes = 0;
        uint64_t chars = 0;
        uint64_t invalid = 0;
        uint64_t nulls = 0;
    };

    size_t documents_within_limit(const std::vector<TextView>& texts);
    void count_texts(Worker& worker, const std::vector<TextView>& texts, size_t limit, std::atomic<size_t>& next,
                     std::atomic<size_t>& first_bad);
    void clear_local();

    std::shared_ptr<const Pretokenizer> pretokenizer_;
    CountLimits limits_;
    std::vector<std::unique_ptr<Worker>> workers_;
    WordCounts counts_;
    std::atomic<bool> cancelled_{false};
    bool broken_ = false;
    uint64_t documents_ = 0;
    uint64_t bytes_ = 0;
    uint64_t chars_ = 0;
    uint64_t invalid_ = 0;
    uint64_t nulls_ = 0;
    uint64_t chars_budgeted_ = 0;  // characters of the documents taken so far, for max_chars
    bool exhausted_ = false;
};

}  // namespace hfbpe
