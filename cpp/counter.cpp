#include "counter.hpp"

#include <algorithm>
#include <limits>

#include "delayed_work.hpp"
#include "hash.hpp"
#include "parallel.hpp"

namespace hfbpe {

Counter::Counter(std::shared_ptr<const Pretokenizer> pretokenizer, int num_threads, CountLimits limits)
    : pretokenizer_(std::move(pretokenizer)), limits_(limits) {
    if (num_threads < 1) throw std::invalid_argument("num_threads must be at least 1");
    for (int t = 0; t < num_threads; ++t) workers_.push_back(std::make_unique<Worker>(*pretokenizer_));
}

// How many leading texts of the batch fit the max_chars budget. This pass
// runs before the threads start so that the cut never depends on their timing.
size_t Counter::documents_within_limit(const std::vector<TextView>& texts) {
    if (exhausted_) return 0;
    if (limits_.max_chars == CountLimits::kNone) return texts.size();
    std::string scratch;
    for (size_t i = 0; i < texts.size(); ++i) {
        const TextView text = crop_to_chars(texts[i], limits_.doc_cap);
        size_t chars = text.length;
        if (text.kind == TextKind::UncheckedUtf8) {
            std::string_view unused;
            size_t position = 0;
            if (as_utf8(text, scratch, unused, chars, position) != TextError::None) continue;  // skipped: counts 0
        }
        chars_budgeted_ += chars;
        if (chars_budgeted_ > limits_.max_chars) {
            exhausted_ = true;
            return i + 1;
        }
    }
    return texts.size();
}

void Counter::count_texts(Worker& worker, const std::vector<TextView>& texts, size_t limit,
                          std::atomic<size_t>& next, std::atomic<size_t>& first_bad) {
    uint32_t pieces_since_check = 0;
    for (;;) {
        const size_t i = next.fetch_add(1, std::memory_order_relaxed);
        if (i >= limit || cancelled_.load(std::memory_order_relaxed)) return;
        if (texts[i].kind == TextKind::Null) {
            ++worker.nulls;
            continue;
        }
        std::string_view text;
        size_t chars = 0, bad_position = 0;
        const TextError error =
            as_utf8(crop_to_chars(texts[i], limits_.doc_cap), worker.scratch, text, chars, bad_position);
        if (error == TextError::InvalidUtf8) {
            ++worker.invalid;
            continue;
        }
        if (error == TextError::LoneSurrogate) {
            // Keep counting: the batch is discarded anyway, and finishing it
            // lets us name the first bad text whatever the thread count.
            size_t seen = first_bad.load();
            while (i < seen && !first_bad.compare_exchange_weak(seen, i)) {
            }
            continue;
        }
        worker.bytes += text.size();
        worker.chars += chars;
        // Most of a piece's cost is waiting for its table slot, so pieces are
        // added a few behind the splitter: each slot is prefetched when its
        // piece is found and is in cache by the time the piece is added.
        auto add_piece = [&](const PendingPiece& p) {
            worker.local.add_one(text.substr(p.begin, p.size), p.hash, text.size() - p.begin);
        };
        DelayedWork<PendingPiece, kPiecesInFlight, decltype(add_piece)> pending(add_piece);
        worker.matcher.for_each_piece(text.data(), text.size(), [&](size_t begin, size_t end) HFBPE_PIECE_INLINE_LAMBDA {
            // A single huge document must not delay Ctrl-C by seconds.
            if (++pieces_since_check == 4096) {
                pieces_since_check = 0;
                if (cancelled_.load(std::memory_order_relaxed)) throw Cancelled{};
            }
            if (end == begin) return;  // an empty match holds no bytes to count
            if (end - begin == 1) {
                ++worker.single_bytes[static_cast<unsigned char>(text[begin])];
                return;
            }
            const uint64_t hash = hash_bytes(text.data() + begin, end - begin, text.size() - begin);
            worker.local.prefetch(hash);
            pending.push({begin, end - begin, hash});
        });
        pending.drain();
    }
}

void Counter::clear_local() {
    for (auto& worker : workers_) {
        worker->local.clear();
        worker->single_bytes.fill(0);
        worker->bytes = 0;
        worker->chars = 0;
        worker->invalid = 0;
        worker->nulls = 0;
    }
}

void Counter::count_batch(const std::vector<TextView>& texts, const std::function<void()>& poll) {
    if (broken_) throw std::logic_error("this counter was interrupted while merging a batch; its counts are incomplete");
    const uint64_t budgeted_before = chars_budgeted_;
    const bool exhausted_before = exhausted_;
    const size_t end = documents_within_limit(texts);
    if (end == 0) return;
    cancelled_ = false;
    clear_local();
    const int num_threads = static_cast<int>(std::min(workers_.size(), end));

    std::atomic<size_t> next{0};
    std::atomic<size_t> first_bad{std::numeric_limits<size_t>::max()};
    try {
        run_on_threads(
            num_threads, [&](int t) { count_texts(*workers_[t], texts, end, next, first_bad); }, poll, cancelled_);
        const size_t bad = first_bad.load();
        if (bad != std::numeric_limits<size_t>::max()) {
            std::string scratch;
            std::string_view unused;
            size_t chars = 0, position = 0;
            as_utf8(crop_to_chars(texts[bad], limits_.doc_cap), scratch, unused, chars, position);
            clear_local();
            throw InvalidText(bad, "contains a lone surrogate at character " + std::to_string(position) +
                                       ", which cannot be encoded as UTF-8");
        }
    } catch (...) {
        // Nothing of this batch was counted: the budget must not keep it either.
        chars_budgeted_ = budgeted_before;
        exhausted_ = exhausted_before;
        throw;
    }

    // Each shard of the result is written by exactly one thread. An
    // interruption here leaves some shards merged and others not.
    std::atomic<size_t> next_shard{0};
    broken_ = true;
    run_on_threads(
        static_cast<int>(workers_.size()),
        [&](int) {
            for (;;) {
                const size_t s = next_shard.fetch_add(1, std::memory_order_relaxed);
                if (s >= WordCounts::kShards || cancelled_.load(std::memory_order_relaxed)) return;
                for (auto& worker : workers_) {
                    counts_.shard(s).add_batch(worker->local, s);
                }
            }
        },
        poll, cancelled_);
    for (auto& worker : workers_) {
        for (int byte = 0; byte < 256; ++byte) {
            if (worker->single_bytes[byte] == 0) continue;
            const char piece = static_cast<char>(byte);
            counts_.add(std::string_view(&piece, 1), worker->single_bytes[byte]);
        }
    }
    broken_ = false;

    uint64_t skipped = 0;
    for (auto& worker : workers_) {
        bytes_ += worker->bytes;
        chars_ += worker->chars;
        invalid_ += worker->invalid;
        nulls_ += worker->nulls;
        skipped += worker->invalid + worker->nulls;
    }
    documents_ += end - skipped;
}

WordCounts Counter::take_counts() {
    WordCounts out = std::move(counts_);
    counts_ = WordCounts();
    return out;
}

}  // namespace hfbpe
