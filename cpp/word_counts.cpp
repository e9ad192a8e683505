#include "word_counts.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>

#include "hash.hpp"

namespace hfbpe {

int64_t checked_add(int64_t a, int64_t b) {
    int64_t out;
    if (__builtin_add_overflow(a, b, &out)) {
        throw std::overflow_error("piece count overflows a signed 64-bit integer");
    }
    return out;
}

void PieceTable::add(std::string_view piece, uint64_t hash, int64_t count) {
    if (2 * (entries_.size() + 1) > slots_.size()) grow();
    const size_t mask = slots_.size() - 1;
    const uint32_t hash_low = static_cast<uint32_t>(hash);
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
        Slot& slot = slots_[i];
        if (slot.index_plus_one == 0) {
            if (piece.size() > std::numeric_limits<uint32_t>::max()) {
                throw std::length_error("a single pre-tokenized piece is longer than 4 GiB");
            }
            slot.index_plus_one = static_cast<uint32_t>(entries_.size() + 1);
            slot.hash_low = hash_low;
            entries_.push_back({hash, arena_.size(), static_cast<uint32_t>(piece.size()), count});
            arena_.append(piece.data(), piece.size());
            total_ = checked_add(total_, count);
            return;
        }
        if (slot.hash_low != hash_low) continue;
        Entry& e = entries_[slot.index_plus_one - 1];
        if (e.hash == hash && key(e) == piece) {
            e.count = checked_add(e.count, count);
            total_ = checked_add(total_, count);
            return;
        }
    }
}

void PieceTable::grow() {
    const size_t capacity = slots_.empty() ? 64 : 2 * slots_.size();
    if (capacity / 2 > std::numeric_limits<uint32_t>::max()) {
        throw std::length_error("more than 2^32 distinct pieces in one shard");
    }
    std::vector<Slot> slots(capacity, Slot{0, 0});
    const size_t mask = capacity - 1;
    for (size_t index = 0; index < entries_.size(); ++index) {
        const uint64_t hash = entries_[index].hash;
        size_t i = hash & mask;
        while (slots[i].index_plus_one != 0) i = (i + 1) & mask;
        slots[i] = {static_cast<uint32_t>(index + 1), static_cast<uint32_t>(hash)};
    }
    slots_.swap(slots);
}

void PieceTable::add_all(const PieceTable& other) {
    for (const Entry& e : other.entries_) add(other.key(e), e.hash, e.count);
}

void PieceTable::clear() {
    // Keep the capacity: the counter clears its per-batch tables after every
    // batch and would otherwise pay for the same allocations again.
    std::fill(slots_.begin(), slots_.end(), Slot{0, 0});
    entries_.clear();
    arena_.clear();
    total_ = 0;
}

size_t PieceTable::memory_bytes() const {
    return slots_.capacity() * sizeof(Slot) + entries_.capacity() * sizeof(Entry) + arena_.capacity();
}

void WordCounts::add(std::string_view piece, int64_t count) {
    const uint64_t hash = hash_bytes(piece.data(), piece.size());
    shards_[shard_of(hash)].add(piece, hash, count);
}

void WordCounts::add_all(const WordCounts& other) {
    for (size_t i = 0; i < kShards; ++i) shards_[i].add_all(other.shards_[i]);
}

size_t WordCounts::size() const {
    size_t n = 0;
    for (const PieceTable& s : shards_) n += s.size();
    return n;
}

int64_t WordCounts::total() const {
    int64_t n = 0;
    for (const PieceTable& s : shards_) n = checked_add(n, s.total());
    return n;
}

size_t WordCounts::memory_bytes() const {
    size_t n = 0;
    for (const PieceTable& s : shards_) n += s.memory_bytes();
    return n;
}

}  // namespace hfbpe
