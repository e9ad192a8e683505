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
                if (!piece.empty()) std::memcpy(slot.bytes, piece.data(), piece.size());  // "" may have null data()
            } else {
                const uint64_t offset = arena_.size();
                std::memcpy(slot.bytes, &offset, sizeof(offset));
                arena_.append(piece.data(), piece.size());
            }
            ++used_;
            ++shard_used_[shard_of_hash(hash)];
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
    const size_t capacity = slots_.empty() ? kMinSlots : 2 * slots_.size();
    int shift = 64;
    while ((size_t{1} << (64 - shift)) < capacity) --shift;
    PageArray<Slot> slots(capacity, /*huge=*/true);
    const size_t mask = capacity - 1;
    for (size_t k = 0; k < slots_.size(); ++k) {
        const Slot& slot = slots_[k];
        if (slot.hash == 0) continue;
        size_t i = static_cast<size_t>(slot.hash >> shift);
        while (slots[i].hash != 0) i = (i + 1) & mask;
        slots[i] = slot;
    }
    slots_ = std::move(slots);
    shift_ = shift;
}

void PieceTable::clear() {
    // Keep the capacity: the counter clears its per-batch tables after every
    // batch and would otherwise pay for the same allocations again.
    if (used_ > 0) std::memset(slots_.data(), 0, slots_.size() * sizeof(Slot));
    used_ = 0;
    std::fill(std::begin(shard_used_), std::end(shard_used_), 0);
    arena_.clear();
    total_ = 0;
}

// CountTable ------------------------------------------------------------------------------

namespace {

// Keys are stored as a LEB128 length, then the bytes: most pieces are shorter than 128.
size_t put_length(char* out, size_t n) {
    size_t k = 0;
    while (n >= 0x80) {
        out[k++] = static_cast<char>(0x80 | (n & 0x7F));
        n >>= 7;
    }
    out[k++] = static_cast<char>(n);
    return k;
}

std::string_view read_key(const char* p) {
    size_t n = 0;
    int shift = 0;
    for (;;) {
        const unsigned char b = static_cast<unsigned char>(*p++);
        n |= static_cast<size_t>(b & 0x7F) << shift;
        if (b < 0x80) break;
        shift += 7;
    }
    return {p, n};
}

}  // namespace

// Zeroed bytes kept after the last key, so that a short key can be read with
// one 8-byte load (load_short) wherever it ends.
constexpr size_t kArenaSlack = 16;

std::string_view CountTable::key(const Slot& slot) const { return read_key(arena_.data() + slot.key - 1); }

// A comparison per added entry: most keys are short, and memcmp is a call.
bool CountTable::holds(const Slot& slot, std::string_view piece, size_t readable) const {
    const std::string_view stored = key(slot);
    const size_t n = piece.size();
    if (stored.size() != n) return false;
    if (n > 16) return std::memcmp(stored.data(), piece.data(), n) == 0;
    readable = std::max(readable, n);
    if (n <= 8) return load_short(stored.data(), n, kArenaSlack) == load_short(piece.data(), n, readable);
    uint64_t a, b;
    std::memcpy(&a, stored.data(), 8);
    std::memcpy(&b, piece.data(), 8);
    return a == b && load_short(stored.data() + 8, n - 8, kArenaSlack) ==
                         load_short(piece.data() + 8, n - 8, readable - 8);
}

void CountTable::reserve(size_t n) {
    size_t capacity = slots_.size() == 0 ? 64 : slots_.size();
    while (4 * n > 3 * capacity) capacity *= 2;
    if (capacity == slots_.size()) return;
    if (capacity - 1 > std::numeric_limits<uint32_t>::max()) {
        throw std::length_error("a shard of the word counts holds more than 3 billion pieces");
    }
    PageArray<Slot> slots(capacity);
    const size_t mask = capacity - 1;
    for (size_t i = 0; i < slots_.size(); ++i) {
        const Slot& slot = slots_[i];
        if (slot.key == 0) continue;
        size_t j = slot.tag & mask;
        while (slots[j].key != 0) j = (j + 1) & mask;
        slots[j] = slot;
    }
    slots_ = std::move(slots);
}

void CountTable::insert(Slot& slot, std::string_view piece, uint32_t tag, int64_t count) {
    const size_t need = arena_used_ + piece.size() + 10 + kArenaSlack;
    if (need > arena_.size()) arena_.grow(std::max(need, 2 * arena_.size() + 4096));
    if (arena_used_ >= std::numeric_limits<uint32_t>::max()) {
        throw std::length_error("the pieces of a shard of the word counts hold more than 4 GiB");
    }
    slot.tag = tag;
    slot.key = static_cast<uint32_t>(arena_used_ + 1);
    slot.count = count;
    char* out = arena_.data() + arena_used_;
    const size_t header = put_length(out, piece.size());
    if (!piece.empty()) std::memcpy(out + header, piece.data(), piece.size());
    arena_used_ += header + piece.size();
    ++used_;
    total_ = checked_add(total_, count);
}

void CountTable::bump(Slot& slot, int64_t count) {
    slot.count = checked_add(slot.count, count);
    total_ = checked_add(total_, count);
}

void CountTable::add_from(size_t i, std::string_view piece, uint32_t tag, int64_t count, size_t readable) {
    for (;; i = (i + 1) & mask()) {
        Slot& slot = slots_[i];
        if (slot.key == 0) return insert(slot, piece, tag, count);
        if (slot.tag == tag && holds(slot, piece, readable)) return bump(slot, count);
    }
}

void CountTable::add(std::string_view piece, uint64_t hash, int64_t count) {
    reserve(used_ + 1);
    const uint32_t tag = tag_of(hash);
    add_from(tag & mask(), piece, tag, count, piece.size());
}

struct CountTable::Pending {
    std::string_view piece;
    uint32_t tag;
    int64_t count;
    size_t readable;  // bytes from piece.data() that may be read
    size_t slot;      // after the probe: the slot whose tag matched, whose key is being fetched
};

// Three steps per entry, each several entries behind the previous one so that
// the memory it needs has arrived: on arrival, the home slot is prefetched; then
// the probe finds the first slot that is empty (the key is new: fill it) or
// carries the tag (prefetch the key it points to); last, that key is compared,
// and on a mismatch (a tag collision, rare) the probe goes on. Keys of one
// batch are distinct, so no entry waits on another; a slot filled meanwhile
// only lengthens a later probe, as it would have one after the other.
template <class ForEach>
void CountTable::add_pipelined(ForEach&& entries) {
    auto compare = [&](Pending& p) {
        Slot& slot = slots_[p.slot];
        if (holds(slot, p.piece, p.readable)) return bump(slot, p.count);
        add_from((p.slot + 1) & mask(), p.piece, p.tag, p.count, p.readable);
    };
    DelayedWork<Pending, 8, decltype(compare)> comparing(compare);
    auto probe = [&](Pending& p) {
        for (size_t i = p.tag & mask();; i = (i + 1) & mask()) {
            Slot& slot = slots_[i];
            if (slot.key == 0) return insert(slot, p.piece, p.tag, p.count);
            if (slot.tag == p.tag) {
                __builtin_prefetch(arena_.data() + slot.key - 1);
                p.slot = i;
                comparing.push(p);
                return;
            }
        }
    };
    DelayedWork<Pending, 8, decltype(probe)> probing(probe);
    entries([&](std::string_view piece, uint32_t tag, int64_t count, size_t readable) {
        __builtin_prefetch(&slots_[tag & mask()]);
        probing.push({piece, tag, count, readable, 0});
    });
    probing.drain();
    comparing.drain();
}

void CountTable::add_batch(const PieceTable& batch, size_t s) {
    if (batch.shard_size(s) == 0) return;
    reserve(used_ + batch.shard_size(s));
    add_pipelined([&](auto&& add) {
        batch.for_each_in_shard(s, [&](std::string_view piece, uint64_t hash, int64_t count, size_t readable) {
            add(piece, tag_of(hash), count, readable);
        });
    });
}

void CountTable::add_all(const CountTable& other) {
    if (other.used_ == 0) return;
    reserve(used_ + other.used_);
    add_pipelined([&](auto&& add) {
        for (size_t i = 0; i < other.slots_.size(); ++i) {
            const Slot& slot = other.slots_[i];
            if (slot.key != 0) add(other.key(slot), slot.tag, slot.count, other.key(slot).size() + kArenaSlack);
        }
    });
}

void CountTable::release() {
    slots_.reset();
    arena_.reset();
    used_ = 0;
    arena_used_ = 0;
    total_ = 0;
}

// WordCounts ------------------------------------------------------------------------------

void WordCounts::add(std::string_view piece, int64_t count) {
    const uint64_t hash = hash_bytes(piece.data(), piece.size());
    shards_[shard_of(hash)].add(piece, hash, count);
}

void WordCounts::add_all(const WordCounts& other) {
    for (size_t i = 0; i < kShards; ++i) shards_[i].add_all(other.shards_[i]);
}

size_t WordCounts::size() const {
    size_t n = 0;
    for (const CountTable& s : shards_) n += s.size();
    return n;
}

int64_t WordCounts::total() const {
    int64_t n = 0;
    for (const CountTable& s : shards_) n = checked_add(n, s.total());
    return n;
}

std::array<bool, 256> WordCounts::bytes_present() const {
    std::array<bool, 256> present{};
    for_each([&](std::string_view piece, int64_t count) {
        if (count <= 0) return;
        for (unsigned char b : piece) present[b] = true;
    });
    return present;
}

size_t WordCounts::memory_bytes() const {
    size_t n = 0;
    for (const CountTable& s : shards_) n += s.memory_bytes();
    return n;
}

}  // namespace hfbpe
