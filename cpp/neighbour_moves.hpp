// What one merge does to the pairs around it, summed per neighbour symbol.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "pair_index.hpp"

namespace hfbpe {
namespace trainer_detail {

// The neighbours on one side of a merge: per neighbour symbol, the count
// that moves from its old pair to its new pair, and the words (in visit
// order) where the new pair appeared. A merge has up to hundreds of thousands
// of occurrences but only a few hundred distinct neighbours, so the moves are
// summed here in small dense arrays and the pair index is touched once per
// neighbour, not once per occurrence. Some words never get listed: the new
// pair is too rare to track, or the other side takes its count back ("a b a b").
class NeighbourMoves {
public:
    void begin(size_t num_tokens) {
        if (moved_.size() < num_tokens) {
            moved_.resize(num_tokens, 0);
            events_per_.resize(num_tokens, 0);
            number_.resize(num_tokens);
        }
    }

    void add(uint32_t neighbour, int64_t count, uint32_t word) {
        int64_t& moved = moved_[neighbour];
        if (moved == 0) touched_.push_back(neighbour);
        checked_increase(moved, count);
        ++events_per_[neighbour];
        events_.push_back({neighbour, word});
    }

    // Adds the moves another thread recorded for later words of the same
    // list; its words are listed from where they are (see list_words).
    void absorb(NeighbourMoves& other) {
        for (uint32_t x : other.touched_) {
            if (moved_[x] == 0) touched_.push_back(x);
            checked_increase(moved_[x], other.moved_[x]);
            events_per_[x] += other.events_per_[x];
            other.moved_[x] = 0;
            other.events_per_[x] = 0;
        }
        other.touched_.clear();
    }

    // For each neighbour x touched, `move(x, moved, events)` moves the summed
    // count to x's new pair and returns that pair's number, with room
    // reserved for `events` more words, or kUntracked if it is too rare to track.
    template <class Move>
    void move_counts(Move&& move) {
        for (uint32_t x : touched_) {
            number_[x] = move(x, moved_[x], events_per_[x]);
            moved_[x] = 0;
            events_per_[x] = 0;
        }
        touched_.clear();
    }

    // Lists the words under the new pairs move_counts numbered, each word
    // once, in visit order: this side's events, then those of `rest` (the
    // later words another thread visited), if any.
    void list_words(std::vector<std::vector<uint32_t>>& pair_words, NeighbourMoves* rest) {
        list_events(pair_words, events_);
        if (rest) list_events(pair_words, rest->events_);
    }

private:
    void list_events(std::vector<std::vector<uint32_t>>& pair_words,
                     std::vector<std::pair<uint32_t, uint32_t>>& events) {
        for (const auto& [x, word] : events) {
            if (number_[x] == kUntracked) continue;
            std::vector<uint32_t>& words = pair_words[number_[x]];
            if (words.empty() || words.back() != word) words.push_back(word);
        }
        events.clear();
    }

    std::vector<int64_t> moved_;        // by neighbour symbol; 0 when untouched this merge
    std::vector<uint32_t> events_per_;  // by neighbour symbol: its events, here and in absorbed ones
    std::vector<uint32_t> number_;      // by neighbour symbol: its new pair's number, or kUntracked
    std::vector<uint32_t> touched_;
    std::vector<std::pair<uint32_t, uint32_t>> events_;  // (neighbour, word)
};

}  // namespace trainer_detail
}  // namespace hfbpe
