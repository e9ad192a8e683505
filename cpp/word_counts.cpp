#include "word_counts.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <stdexcept>

#include "delayed_work.hpp"
#include "hash.hpp"

namespace hfbpe {

int64_t checked_add(int64_t a, int64_t b) {
    int64_t out;
    if (__builtin_add_overflow(a, b, &out)) {
        throw std::overflow_error("piece count overflows a signed 64-bit integer");
    }
    return out;
}

std::string_view PieceTable::key(const Slot& slot) const {
    if (slot.size <= kInline) return {slot.bytes, slot.size};
    uint64_t offset;
    std::memcpy(&offset, slot.bytes, sizeof(offset));
    return {arena_.data() + offset, slot.size};
}

void PieceTable::add(std::string_view piece, uint64_t hash, int64_t count, size_t readable) {
    hash = stored_hash(hash);
    if (2 * (used_ + 1) > slots_.size()) grow();
    const size_t mask = slots_.size() - 1;
    for (size_t i = home(hash);; i = (i + 1) & mask) {
        Slot& slot = slots_[i];
        if (slot.hash == 0) {
            if (piece.size() > std::numeric_limits<uint32_t>::max()) {
                throw std::length_error("a single pre-tokenized piece is longer than 4 GiB");
            }
            slot.hash = hash;
            slot.count = count;
            slot.size = static_cast<uint32_t>(piece.size());
            if (piece.size() <= kInline) {
                std::memcpy(slot.bytes, piece.data(), piece.size());
            } else {
                const uint64_t offset = arena_.size();
                std::memcpy(slot.bytes, &offset, sizeof(offset));
                arena_.append(piece.data(), piece.size());
            }
            ++used_;
            total_ = checked_add(total_, count);
            return;
        }
        if (slot.hash == hash && slot.size == piece.size() &&
            (piece.size() <= kInline ? same_inline_key(slot, piece, readable) : key(slot) == piece)) {
            slot.count = checked_add(slot.count, count);
            total_ = checked_add(total_, count);
            return;
        }
    }
}

void PieceTable::grow() {
    const size_t capacity = slots_.empty() ? 64 : 2 * slots_.size();
    std::vector<Slot> slots(capacity, Slot{});
    const size_t mask = capacity - 1;
    for (const Slot& slot : slots_) {
        if (slot.hash == 0) continue;
        size_t i = slot.hash & mask;
        while (slots[i].hash != 0) i = (i + 1) & mask;
        slots[i] = slot;
    }
    slots_.swap(slots);
}

void PieceTable::add_all(const PieceTable& other) {
    other.for_each([&](std::string_view piece, uint64_t hash, int64_t count) { add(piece, hash, count); });
}

void PieceTable::move_all_from(PieceTable& other) {
    if (other.used_ > 0) {
        // Room first, so that the slots prefetched below stay where they are.
        while (2 * (used_ + other.used_) > slots_.size()) grow();
        // The result is large and its slots are scattered: each entry is
        // moved eight entries after its slot here was prefetched.
        auto move = [&](Slot* slot) {
            add(other.key(*slot), slot->hash, slot->count);
            *slot = Slot{};
        };
        DelayedWork<Slot*, 8, decltype(move)> pending(move);
        for (Slot& slot : other.slots_) {
            if (slot.hash == 0) continue;
            prefetch(slot.hash);
            pending.push(&slot);
        }
        pending.drain();
    }
    other.used_ = 0;
    other.arena_.clear();
    other.total_ = 0;
}

void PieceTable::clear() {
    // Keep the capacity: the counter clears its per-batch tables after every
    // batch and would otherwise pay for the same allocations again.
    if (used_ > 0) std::fill(slots_.begin(), slots_.end(), Slot{});
    used_ = 0;
    arena_.clear();
    total_ = 0;
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
