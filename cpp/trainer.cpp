#include "trainer.hpp"

#include <algorithm>
#include <chrono>
#include <deque>
#include <cstring>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <utility>

#include "dary_heap.hpp"
#include "helper_thread.hpp"
#include "neighbour_moves.hpp"
#include "pair_index.hpp"
#include "word_store.hpp"

namespace hfbpe {
namespace {

using namespace trainer_detail;

// Symbol is the type of a token id inside the words: uint16_t when the
// vocabulary fits in 65,536 ids, which halves the memory the merge loop walks.
template <class Symbol>
class Trainer {
public:
    // Copies the words out of `counts`; after this the trainer never reads them
    // again. With num_threads > 1 the largest merges use a second thread.
    Trainer(WordCounts& counts, size_t num_merges, int num_threads, bool release_counts, const TrainStart* start,
            const MergeFilter* filter, int64_t min_frequency, const std::string* byte_order)
        : start_(start), filter_(filter), min_frequency_(min_frequency) {
        if (filter_ != nullptr && filter_->length_only() && filter_->max_bytes() > 0) short_word_ = filter_->max_bytes();
        if (num_threads > 1) helper_ = std::make_unique<HelperThread>();
        if (start_ == nullptr) {
            tokens_.reserve(256);
            for (int id = 0; id < 256; ++id) {
                const unsigned char b = byte_order ? static_cast<unsigned char>((*byte_order)[id]) : id;
                id_of_byte_[b] = static_cast<Symbol>(id);
                add_token(std::string(1, static_cast<char>(b)));
            }
        } else {
            tokens_.reserve(start_->tokens.size());
            for (const std::string& bytes : start_->tokens) add_token(bytes);
            // The bound of lowest_mergeable_count assumes every merge makes a
            // token: with skipped pairs a word can be left with no mergeable
            // pair, so every pair is tracked.
        }
        first_new_ = static_cast<uint32_t>(tokens_.size());
        load_words(counts, num_merges, release_counts);
    }

    // Every pair of every word, counted through the pair index: words that
    // start as a vocabulary's tokens have pairs of any two ids.
    void count_token_pairs() {
        store_.for_each_word(0, store_.end(), [&](uint32_t word) {
            const Symbol* s = store_.symbols_of(word);
            const int64_t count = store_.count_of(word);
            for (uint32_t i = 0; i + 1 < store_.size_of(word); ++i) {
                const uint32_t index = track(pair_key(s[i], s[i + 1]));
                checked_increase(pair_count_[index], count);
                std::vector<uint32_t>& words = pair_words_[index];
                if (words.empty() || words.back() != word) words.push_back(word);
            }
        });
        for (uint32_t index = 0; index < pair_count_.size(); ++index) heap_.push({pair_count_[index], pairs_.key(index)});
    }

    // Before any merge every symbol is a byte, so every pair is one of 65,536:
    // count them in plain arrays indexed by the two bytes, then list the words
    // of the pairs worth tracking, each list allocated once at its final size.
    // Each of the two passes is done in two halves of the words (side by
    // side); the second half writes its words after the first half's.
    void count_pairs() {
        if (start_ != nullptr) return count_token_pairs();
        constexpr size_t kBytePairs = 256 * 256;
        struct Half {
            uint32_t begin, end;  // word handles
            std::vector<int64_t> counts = std::vector<int64_t>(kBytePairs, 0);
            std::vector<uint32_t> num_words = std::vector<uint32_t>(kBytePairs, 0);
            std::vector<uint32_t> last_word = std::vector<uint32_t>(kBytePairs, kUntracked);
        };
        Half halves[2] = {{0, static_cast<uint32_t>(second_half_)},
                          {static_cast<uint32_t>(second_half_), static_cast<uint32_t>(store_.end())}};
        auto in_halves = [&](auto&& job) { side_by_side([&] { job(halves[0]); }, [&] { job(halves[1]); }); };
        in_halves([&](Half& h) {
            for_each_byte_pair(h.begin, h.end, [&](size_t pair, uint32_t w) {
                checked_increase(h.counts[pair], store_.count_of(w));
                if (h.last_word[pair] != w) {
                    h.last_word[pair] = w;
                    ++h.num_words[pair];
                }
            });
        });
        std::vector<uint32_t> number(kBytePairs, kUntracked);
        for (size_t pair = 0; pair < kBytePairs; ++pair) {
            int64_t count = 0;
            size_t num_words = 0;
            for (Half& h : halves) {
                checked_increase(count, h.counts[pair]);
                h.counts[pair] = static_cast<int64_t>(num_words);  // from here on: where the half's words go
                num_words += h.num_words[pair];
                h.last_word[pair] = kUntracked;
            }
            if (count < min_count_) continue;
            const uint32_t index = track(pair_key(static_cast<uint32_t>(pair >> 8), pair & 0xFF));
            pair_count_[index] = count;
            pair_words_[index].resize(num_words);
            heap_.push({count, pairs_.key(index)});
            number[pair] = index;
        }
        in_halves([&](Half& h) {
            for_each_byte_pair(h.begin, h.end, [&](size_t pair, uint32_t w) {
                if (number[pair] == kUntracked || h.last_word[pair] == w) return;
                h.last_word[pair] = w;
                pair_words_[number[pair]][static_cast<size_t>(h.counts[pair]++)] = w;
            });
        });
    }

    TrainResult run(size_t num_merges, const std::function<void(size_t)>& progress);

    // Bytes of the trainer's tables: the words, the pairs' word lists, counts and index, the heap.
    size_t memory_bytes() const {
        size_t lists = 0;
        for (const auto& words : pair_words_) lists += words.capacity() * sizeof(uint32_t);
        return store_.memory_bytes() + lists + pair_words_.capacity() * sizeof(pair_words_[0]) +
               pair_count_.capacity() * sizeof(int64_t) + pair_stamp_.capacity() * sizeof(uint32_t) +
               pairs_.memory_bytes() + heap_.memory_bytes();
    }

private:
    // Runs `ours` on this thread while the helper thread runs `theirs`; with
    // no helper, one after the other here.
    template <class Ours, class Theirs>
    void side_by_side(Ours&& ours, Theirs&& theirs) {
        if (!helper_) {
            ours();
            theirs();
            return;
        }
        helper_->share(std::forward<Theirs>(theirs), std::forward<Ours>(ours));
    }

    void add_token(std::string bytes) {
        if (!bytes.empty()) token_ids_.emplace(bytes, static_cast<uint32_t>(tokens_.size()));
        tokens_.push_back(std::move(bytes));
    }

    // Copies the words out of the counts' shards, the two halves of the
    // shards side by side. Single-byte pieces hold no pair and can never
    // change: they are left out. With `release`, each shard of the counts is
    // freed as soon as its words are copied: the word array's pages are only
    // committed as they are written, so the two do not add up.
    void load_words(WordCounts& counts, size_t num_merges, bool release) {
        constexpr size_t kShards = WordCounts::kShards;
        // With a start, each piece is encoded once, in the first pass, into a
        // stash per half (chunked, so it never holds twice its size) that the
        // second pass copies in the same order: encoding long pieces (superword
        // runs) is most of the setup, and the stash is no larger than the word
        // array. The counts' shards can go as soon as they are encoded.
        struct Stash {
            std::deque<int64_t> counts;
            std::deque<uint32_t> sizes;
            std::deque<Symbol> symbols;
            size_t words_in_shard[kShards] = {};
        };
        Stash stash[2];
        std::vector<uint32_t> encoded[2];
        auto for_each_word = [&](int half, size_t shard, auto&& f) {
            counts.shard(shard).for_each([&](std::string_view piece, int64_t count) {
                if (piece.size() < 2 || count <= 0) return;
                if (start_ == nullptr) return f(count, piece.size());
                start_->encoder->encode(piece, encoded[half]);
                const size_t size = encoded[half].size();
                if (size < 2) return;
                Stash& mine = stash[half];
                mine.counts.push_back(count);
                mine.sizes.push_back(static_cast<uint32_t>(size));
                for (uint32_t id : encoded[half]) mine.symbols.push_back(static_cast<Symbol>(id));
                ++mine.words_in_shard[shard];
                f(count, size);
            });
        };
        // Sized exactly first: this array is a large part of the trainer's
        // memory, and growing it by doubling would leave up to half of it unused.
        std::vector<size_t> shard_start(kShards + 1, 0);  // in units
        LargestCounts largest[2] = {LargestCounts(num_merges), LargestCounts(num_merges)};
        size_t words[2] = {0, 0};
        auto in_halves = [&](auto&& job) {
            side_by_side([&] { job(0, size_t{0}, kShards / 2); }, [&] { job(1, kShards / 2, kShards); });
        };
        in_halves([&](int half, size_t begin, size_t end) {
            for (size_t shard = begin; shard < end; ++shard) {
                for_each_word(half, shard, [&](int64_t count, size_t size) {
                    if (size <= short_word_) largest[half].add(count);
                    ++words[half];
                    shard_start[shard + 1] += Store::units_for(size);
                });
                if (release && start_ != nullptr) counts.shard(shard).release();
            }
        });
        for (size_t shard = 0; shard < kShards; ++shard) shard_start[shard + 1] += shard_start[shard];
        second_half_ = shard_start[kShards / 2];
        if (shard_start[kShards] >= kUntracked) {
            throw std::length_error("the distinct pieces hold more than 16 GiB: too many for the trainer's word handles");
        }
        store_.allocate(shard_start[kShards]);
        in_halves([&](int half, size_t begin, size_t end) {
            Stash& mine = stash[half];
            for (size_t shard = begin; shard < end; ++shard) {
                uint32_t word = static_cast<uint32_t>(shard_start[shard]);
                if (start_ == nullptr) {
                    counts.shard(shard).for_each([&](std::string_view piece, int64_t count) {
                        if (piece.size() < 2 || count <= 0) return;
                        Symbol* symbols = store_.put(word, count, piece.size());
                        for (size_t k = 0; k < piece.size(); ++k) {
                            symbols[k] = id_of_byte_[static_cast<unsigned char>(piece[k])];
                        }
                    });
                    if (release) counts.shard(shard).release();
                    continue;
                }
                for (size_t k = 0; k < mine.words_in_shard[shard]; ++k) {
                    const size_t size = mine.sizes.front();
                    Symbol* symbols = store_.put(word, mine.counts.front(), size);
                    std::copy_n(mine.symbols.begin(), size, symbols);
                    mine.symbols.erase(mine.symbols.begin(), mine.symbols.begin() + static_cast<std::ptrdiff_t>(size));
                    mine.sizes.pop_front();
                    mine.counts.pop_front();
                }
            }
        });
        num_words_ = words[0] + words[1];
        largest[0].absorb(largest[1]);
        // The bound assumes that each of the words it counts keeps a mergeable
        // pair until it is one token. Passed-over pairs (a start's tokens, a
        // filter) can leave a frequent word with nothing mergeable, so then
        // every pair is tracked; a length bound cannot, for words no longer
        // than it (short_word_), which are then the only ones counted.
        min_count_ = prunes() ? lowest_mergeable_count(largest[0], num_merges) : 1;
        // A pair below min_frequency when it appears can only fall further: never merged.
        min_count_ = std::max(min_count_, min_frequency_);
    }

    // Whether pairs below the bound of lowest_mergeable_count go untracked (see load_words).
    bool prunes() const { return start_ == nullptr && (filter_ == nullptr || filter_->length_only()); }

    // Numbers a pair for tracking: count, word list and heap entries.
    uint32_t track(PairKey key) {
        const uint32_t index = pairs_.find_or_add(key);
        if (index == pair_count_.size()) {
            pair_count_.push_back(0);
            pair_words_.emplace_back();
            pair_stamp_.push_back(0);
        }
        return index;
    }

    // f(byte pair, word) for every pair of the words in [begin, end), before any merge.
    template <class F>
    void for_each_byte_pair(uint32_t begin, uint32_t end, F&& f) const {
        store_.for_each_word(begin, end, [&](uint32_t word) {
            const Symbol* s = store_.symbols_of(word);
            for (uint32_t i = 0; i + 1 < store_.size_of(word); ++i) f(static_cast<size_t>(s[i] << 8 | s[i + 1]), word);
        });
    }

    // A pair only enters the heap when it appears, with the count it has
    // then; counts that later shrink leave stale entries behind, which the
    // loop re-validates when they surface (lazy deletion).
    void push_grown() {
        for (uint32_t index : grown_) {
            if (pair_count_[index] > 0) heap_.push({pair_count_[index], pairs_.key(index)});
        }
        grown_.clear();
    }

    void mark_grown(uint32_t index) {
        if (pair_stamp_[index] != stamp_) {
            pair_stamp_[index] = stamp_;
            grown_.push_back(index);
        }
    }

    // Moves `moved` occurrences from pair `from` to pair `to`, which is
    // tracked, with room for `words` more words, if it is frequent enough.
    // Returns to's number, or kUntracked.
    uint32_t move_pair(PairKey from, PairKey to, int64_t moved, uint32_t words) {
        const uint32_t old = pairs_.find(from);
        if (old != kUntracked) pair_count_[old] -= moved;
        if (moved < min_count_) return kUntracked;
        const uint32_t index = track(to);
        checked_increase(pair_count_[index], moved);
        pair_words_[index].reserve(pair_words_[index].size() + words);
        mark_grown(index);
        return index;
    }

    // Merges the pair in words[0, n) and records the neighbour moves; returns
    // how many occurrences (weighted by word count) it merged.
    int64_t scan(const uint32_t* words, size_t n, uint32_t left, uint32_t right, uint32_t merged,
                 NeighbourMoves& left_side, NeighbourMoves& right_side) {
        int64_t merged_away = 0;
        for (size_t k = 0; k < n; ++k) {
            // The words of a pair are scattered over memory, and waiting for
            // them dominates early merges: fetch each word a few steps ahead.
            if (k + 8 < n) store_.prefetch(words[k + 8]);
            const uint32_t w = words[k];
            Symbol* s = store_.symbols_of(w);
            const size_t size = store_.size_of(w);
            const int64_t count = store_.count_of(w);
            size_t i = Store::first_occurrence(s, size, left, right);
            if (i == size) continue;  // an earlier merge took the pair: nothing to write
            size_t out = i;
            while (i < size) {
                // The left neighbour is read from the output, so in "a b a b"
                // the second occurrence sees the first one's merged token.
                if (out > 0) left_side.add(s[out - 1], count, w);
                if (i + 2 < size) right_side.add(s[i + 2], count, w);
                checked_increase(merged_away, count);
                s[out++] = static_cast<Symbol>(merged);
                i += 2;
                // Slide the symbols up to the next occurrence (or the end) left.
                const size_t next = i + Store::first_occurrence(s + i, size - i, left, right);
                while (i < next) s[out++] = s[i++];
            }
            store_.set_size(w, static_cast<uint32_t>(out));
        }
        return merged_away;
    }

    // Replaces every occurrence of (left, right) by `merged` in the words that
    // may hold it, and moves the counts of the neighbouring pairs.
    //
    // Besides the merged pair itself losing every occurrence, each count that
    // changes is a move (x, left) -> (x, merged) for a left neighbour x, or
    // (right, y) -> (merged, y) for a right neighbour y, by the count of the
    // word. (right, y) can be the merged pair itself: "a a a" holds (a, a)
    // twice and merges it once. The moves are summed per neighbour first
    // (NeighbourMoves), then applied once per neighbour (move_pair).
    void apply_merge(uint32_t pair_index, uint32_t left, uint32_t right, uint32_t merged) {
        std::vector<uint32_t> words;
        words.swap(pair_words_[pair_index]);
        ++stamp_;
        left_side_.begin(tokens_.size());
        right_side_.begin(tokens_.size());
        const size_t n = words.size();
        int64_t merged_away = 0;
        const bool shared = helper_ && n >= kParallelWords;
        if (shared) {
            // The early merges visit hundreds of thousands of words, and the
            // visits wait on memory: a second thread takes the second half of
            // the list with moves of its own (its counts are added to ours
            // afterwards, its words listed after ours). A word is listed once
            // per pair, and lists run in memory order, so the halves touch
            // different words, and only the last word of our half can lie
            // right before the helper's first one: we scan it once the helper
            // is done, so that no block read past its end meets a write.
            helper_left_.begin(tokens_.size());
            helper_right_.begin(tokens_.size());
            const size_t half = n / 2;
            int64_t helper_merged_away = 0;
            helper_->share(
                [&] {
                    helper_merged_away =
                        scan(words.data() + half, n - half, left, right, merged, helper_left_, helper_right_);
                },
                [&] { merged_away = scan(words.data(), half - 1, left, right, merged, left_side_, right_side_); });
            checked_increase(merged_away, scan(words.data() + half - 1, 1, left, right, merged, left_side_, right_side_));
            checked_increase(merged_away, helper_merged_away);
            left_side_.absorb(helper_left_);
            right_side_.absorb(helper_right_);
        } else {
            merged_away = scan(words.data(), n, left, right, merged, left_side_, right_side_);
        }
        pair_count_[pair_index] -= merged_away;
        // Right side first: in "a b a b" the right side creates (merged, a)
        // and the left side then takes it away again, as an old pair.
        right_side_.move_counts([&](uint32_t y, int64_t moved, uint32_t events) {
            return move_pair(pair_key(right, y), pair_key(merged, y), moved, events);
        });
        left_side_.move_counts([&](uint32_t x, int64_t moved, uint32_t events) {
            return move_pair(pair_key(x, left), pair_key(x, merged), moved, events);
        });
        if (pair_count_[pair_index] != 0) {
            // Every occurrence the count promised must have been merged or
            // overlapped by one that was ("a a a" holds (a, a) twice, merges it once).
            throw std::logic_error("internal error: merge (" + std::to_string(left) + ", " + std::to_string(right) +
                                   ") left a count of " + std::to_string(pair_count_[pair_index]));
        }
        // The two sides list their words under different new pairs, (merged,
        // y) and (x, merged) with y never the new token, in lists already
        // reserved: for a large merge, on two threads.
        NeighbourMoves* right_rest = shared ? &helper_right_ : nullptr;
        NeighbourMoves* left_rest = shared ? &helper_left_ : nullptr;
        if (shared) {
            helper_->share([&] { right_side_.list_words(pair_words_, right_rest); },
                           [&] { left_side_.list_words(pair_words_, left_rest); });
        } else {
            right_side_.list_words(pair_words_, right_rest);
            left_side_.list_words(pair_words_, left_rest);
        }
        push_grown();
    }

    using Store = WordStore<Symbol>;
    Store store_;
    size_t second_half_ = 0;  // the first word of the second half of the shards
    size_t num_words_ = 0;

    // Pairs whose count when they appear is below this are never merged
    // within the merges asked for, so they get no number, list or heap entry.
    // The right side moves its counts first and is tested on its own sum, which the
    // left side may lower again: that can only track a pair needlessly.
    int64_t min_count_ = 1;
    PairIndex pairs_;
    std::vector<int64_t> pair_count_;
    std::vector<std::vector<uint32_t>> pair_words_;  // words that may contain the pair
    std::vector<uint32_t> pair_stamp_;  // the merge that last listed the pair in grown_
    std::vector<uint32_t> grown_;
    uint32_t stamp_ = 0;  // one per merge: far below 2^32
    NeighbourMoves left_side_, right_side_;
    // Merges whose list holds at least this many words are shared with the
    // helper thread; below it the hand-over costs more than it saves.
    static constexpr size_t kParallelWords = 512;
    std::unique_ptr<HelperThread> helper_;  // null with one thread
    NeighbourMoves helper_left_, helper_right_;

    DaryHeap<Candidate, 8, BetterCandidate> heap_;
    std::vector<std::string> tokens_;
    std::unordered_map<std::string, uint32_t> token_ids_;
    Symbol id_of_byte_[256] = {};  // without a start: the id of each single byte
    const TrainStart* start_ = nullptr;
    const MergeFilter* filter_ = nullptr;
    int64_t min_frequency_ = 1;
    // The longest word the pruning bound counts: any, unless a length bound
    // can leave longer words unmergeable.
    size_t short_word_ = std::numeric_limits<size_t>::max();
    uint32_t first_new_ = 256;
    // By pair number: a pair passed over for good when it came up (its bytes
    // were a token, or the filter refused its token).
    std::vector<bool> skipped_;

    void pass_over(uint32_t index) {
        if (skipped_.size() <= index) skipped_.resize(pair_count_.size(), false);
        skipped_[index] = true;
    }
};

template <class Symbol>
TrainResult Trainer<Symbol>::run(size_t num_merges, const std::function<void(size_t)>& progress) {
    TrainResult result;
    result.words = num_words_;
    result.first_new = first_new_;
    using Clock = std::chrono::steady_clock;
    auto last_report = Clock::now();

    while (result.merges.size() < num_merges && !heap_.empty()) {
        const Candidate top = heap_.pop();
        const uint32_t index = pairs_.find(top.pair);
        const int64_t current = pair_count_[index];
        if (index < skipped_.size() && skipped_[index]) continue;
        if (top.count != current) {
            // Stale: the stored count is no longer the pair's count. Put it
            // back with the true one; it only comes out once no pair beats it.
            if (current > 0) heap_.push({current, top.pair});
            continue;
        }
        if (current < min_frequency_) {
            // The heap's first valid entry holds the largest count: no pair is frequent enough.
            result.stopped_at_min_frequency = true;
            break;
        }
        const uint32_t left = left_of(top.pair), right = right_of(top.pair);
        std::string bytes = tokens_[left] + tokens_[right];
        // Passing a pair over drops its one heap entry for good: its count
        // only falls from here on (both its tokens exist already, so no merge
        // creates new occurrences of it).
        if (!prunes() && token_ids_.count(bytes) != 0) {
            // A vocabulary that was not trained on these words can reach a
            // token by another split than the words do ("a"+"bc" for a token
            // made as "ab"+"c"). A filtered loop cannot (see below), but with
            // max_words or forbidden patterns, which track every pair anyway,
            // such a pair is passed over too rather than trusted. Merging
            // would give one token two ids: the pair is never merged.
            pass_over(index);
            result.skipped.push_back({left, right, current});
            continue;
        }
        if (filter_ != nullptr && !filter_->allows(bytes)) {
            pass_over(index);
            result.filtered.push_back({left, right, current});
            continue;
        }
        if (token_ids_.count(bytes) != 0) {
            // Impossible from the bytes (see docs/guarantees.md, "A merge never
            // recreates a token": a filter that judges a token by its bytes
            // keeps it so), and the untracked pairs rely on it: a merged token
            // is always new.
            throw std::logic_error("internal error: merge (" + std::to_string(left) + ", " + std::to_string(right) +
                                   ") recreates token " + std::to_string(token_ids_[bytes]));
        }
        const uint32_t merged = static_cast<uint32_t>(tokens_.size());
        add_token(std::move(bytes));
        result.merges.push_back({left, right, current});
        apply_merge(index, left, right, merged);

        const auto now = Clock::now();
        if (progress && now - last_report >= std::chrono::milliseconds(50)) {
            last_report = now;
            progress(result.merges.size());
        }
    }
    if (progress) progress(result.merges.size());
    result.tokens = std::move(tokens_);  // run() is the trainer's last use
    return result;
}

}  // namespace

template <class Symbol>
TrainResult train_with(WordCounts& counts, size_t num_merges, int num_threads,
                       const std::function<void(size_t)>& progress, bool release_counts,
                       const std::function<void()>& words_loaded, const TrainStart* from,
                       const MergeFilter* filter, int64_t min_frequency, const std::string* byte_order) {
    using Clock = std::chrono::steady_clock;
    const auto start = Clock::now();
    Trainer<Symbol> trainer(counts, num_merges, num_threads, release_counts, from, filter, min_frequency, byte_order);
    if (words_loaded) words_loaded();  // before the pair lists, the trainer's other large allocation
    trainer.count_pairs();
    const size_t setup_bytes = trainer.memory_bytes();
    const auto loop_start = Clock::now();
    TrainResult result = trainer.run(num_merges, progress);
    result.memory_bytes = std::max(setup_bytes, trainer.memory_bytes());
    result.setup_seconds = std::chrono::duration<double>(loop_start - start).count();
    result.loop_seconds = std::chrono::duration<double>(Clock::now() - loop_start).count();
    return result;
}

TrainResult train_bpe(WordCounts& counts, size_t num_merges, int num_threads,
                      const std::function<void(size_t)>& progress, bool release_counts,
                      const std::function<void()>& words_loaded, const TrainStart* start,
                      const MergeFilter* filter, int64_t min_frequency, const std::string* byte_order) {
    if (min_frequency < 1) throw std::invalid_argument("min_frequency must be at least 1");
    if (byte_order != nullptr) {
        bool seen[256] = {};
        for (unsigned char b : *byte_order) seen[b] = true;
        if (byte_order->size() != 256 || std::count(seen, seen + 256, true) != 256) {
            throw std::invalid_argument("byte_order must hold each of the 256 bytes once");
        }
        if (start != nullptr) throw std::invalid_argument("byte_order is for training from the bytes, not from a start");
    }
    const size_t first_new = start == nullptr ? 256 : start->tokens.size();
    if (start != nullptr) {
        if (start->encoder == nullptr) throw std::invalid_argument("a start vocabulary needs its encoder");
        if (start->encoder->vocab_size() > first_new) {
            throw std::invalid_argument("the start's encoder produces ids beyond its tokens");
        }
    }
    if (first_new + num_merges > std::numeric_limits<uint32_t>::max() - 1) {
        throw std::length_error("the vocabulary would not fit 32-bit token ids");
    }
    if (first_new + num_merges <= 65536) {
        return train_with<uint16_t>(counts, num_merges, num_threads, progress, release_counts, words_loaded, start,
                                    filter, min_frequency, byte_order);
    }
    return train_with<uint32_t>(counts, num_merges, num_threads, progress, release_counts, words_loaded, start, filter,
                                min_frequency, byte_order);
}

}  // namespace hfbpe
