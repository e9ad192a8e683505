// The piece -> count table that counting fills and training reads.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "hash.hpp"
#include "page_array.hpp"

namespace hfbpe {

// The tag a table keeps of a piece's 64-bit hash: its low 32 bits, which also
// place it (the high bits choose the shard). A hash of 0 counts as 1, as the
// piece table stores it, so that both tables tag a piece alike.
inline uint32_t tag_of(uint64_t hash) { return static_cast<uint32_t>(hash == 0 ? 1 : hash); }

// The counter's per-batch table, one per thread: an open-addressing hash
// table from piece bytes to a count, built for speed.
// Most pieces are short, so a slot holds the hash, the count and up to 12 key
// bytes in one 32-byte record: a lookup of a common piece touches a single
// cache line. Longer keys live back to back in an arena. Keeping the full
// hash means growing the table never hashes a key again.
// A piece's probe starts at the high bits of its hash, the bits that also
// choose its shard of the result (WordCounts::shard_of): the pieces of one
// shard sit in one stretch of slots, so that threads can move the shards of
// one table into the result side by side, and the table can be one block of
// huge pages instead of 64 small tables (which cost a TLB entry per 4 KiB).
class alignas(64) PieceTable {
public:
    // `readable`: how many bytes from piece.data() may be read (0: just the
    // piece); more lets a short key be compared with masked loads (load_short).
    void add(std::string_view piece, uint64_t hash, int64_t count, size_t readable = 0);
    // add(piece, hash, 1, readable), with the common case inline: the piece
    // is already in the slot where its probe starts. For tables that count
    // one piece per call (the counter's per-batch tables): the +1 is not
    // checked for overflow, as 2^63 calls are out of reach.
    void add_one(std::string_view piece, uint64_t hash, size_t readable) {
        hash = stored_hash(hash);
        if (!slots_.empty() && piece.size() <= kInline) {
            Slot& slot = slots_[home(hash)];
            if (slot.hash == hash && slot.size == piece.size() && same_inline_key(slot, piece, readable)) {
                ++slot.count;
                ++total_;
                return;
            }
        }
        add(piece, hash, 1, readable);
    }
    // Starts loading the slot where add(..., hash, ...) will look first.
    void prefetch(uint64_t hash) const {
        if (!slots_.empty()) __builtin_prefetch(&slots_[home(stored_hash(hash))]);
    }
    void clear();

    size_t size() const { return used_; }
    // Entries of shard s of the result (hash >> (64 - kShardBits) == s).
    size_t shard_size(size_t s) const { return shard_used_[s]; }
    int64_t total() const { return total_; }
    size_t memory_bytes() const { return slots_.size() * sizeof(Slot) + arena_.capacity(); }

    // f(piece, hash, count, readable) for every entry of shard s (see
    // shard_size); `readable` bytes from piece.data() may be read (load_short),
    // at least piece.size().
    template <class F>
    void for_each_in_shard(size_t s, F&& f) const {
        if (shard_used_[s] == 0) return;
        const size_t capacity = slots_.size(), stretch = capacity >> kShardBits;
        auto visit = [&](const Slot& slot) {
            if (shard_of_hash(slot.hash) == s) f(key(slot), slot.hash, slot.count, std::max<size_t>(slot.size, kInline));
        };
        // The shard's home slots, then on past them (wrapping around) while the
        // probes of its pieces may have run on; pieces of the shard before,
        // pushed into this stretch, are that shard's to move.
        size_t i = s * stretch;
        for (const size_t end = i + stretch; i < end; ++i) {
            if (slots_[i].hash != 0) visit(slots_[i]);
        }
        for (i &= capacity - 1; slots_[i].hash != 0; i = (i + 1) & (capacity - 1)) visit(slots_[i]);
    }

private:
    static constexpr size_t kInline = 12;
    struct Slot {
        uint64_t hash;  // 0 marks an empty slot (a real hash of 0 is stored as 1)
        int64_t count;
        uint32_t size;
        char bytes[kInline];  // the key, or its arena offset when longer than kInline
    };
    static_assert(sizeof(Slot) == 32, "a slot should fill half a cache line");

    static constexpr int kShardBits = 6;  // WordCounts::kShardBits, checked there
    static constexpr size_t kMinSlots = size_t{1} << (kShardBits + 4);
    static uint64_t stored_hash(uint64_t hash) { return hash == 0 ? 1 : hash; }
    static size_t shard_of_hash(uint64_t hash) { return static_cast<size_t>(hash >> (64 - kShardBits)); }
    // Where the probe for a (stored) hash starts: its high bits. The table must have slots.
    size_t home(uint64_t hash) const { return static_cast<size_t>(hash >> shift_); }

    std::string_view key(const Slot& slot) const;
    // Inline keys are zero-padded in their slot, so a piece compares as two
    // words loaded with load_short (masked loads when its text goes on) instead
    // of through memcmp (a call per counted piece). The caller checked the size.
    static bool same_inline_key(const Slot& slot, std::string_view piece, size_t readable) {
        static_assert(kInline == 12, "the comparison reads 8 + 4 bytes");
        const size_t n = piece.size();
        readable = std::max(readable, n);
        uint64_t slot_low, slot_high = 0;
        std::memcpy(&slot_low, slot.bytes, 8);
        std::memcpy(&slot_high, slot.bytes + 8, 4);
        if (n <= 8) return load_short(piece.data(), n, readable) == slot_low;
        uint64_t low;
        std::memcpy(&low, piece.data(), 8);
        return low == slot_low && load_short(piece.data() + 8, n - 8, readable - 8) == slot_high;
    }
    void grow();

    PageArray<Slot> slots_;
    int shift_ = 64;  // 64 - log2(slots)
    size_t used_ = 0;
    size_t shard_used_[size_t{1} << kShardBits] = {};
    std::string arena_;
    int64_t total_ = 0;
};

// The table that holds every distinct piece of a corpus (a shard of the
// counter's result), built for size: it grows with the distinct pieces of
// gigabytes of text, tens of millions of them. A slot is 16 bytes (tag, key,
// count; up to 3/4 full) and every key lives in an arena as a varint length
// and its bytes, so a piece of n bytes costs about 21 to 43 + n + 1 bytes.
// Comparing a key needs the arena, a second memory access after the slot's:
// batches are added in a pipeline that has both in flight for many pieces.
class CountTable {
public:
    CountTable() = default;
    CountTable(CountTable&&) noexcept = default;
    CountTable& operator=(CountTable&&) noexcept = default;

    void add(std::string_view piece, uint64_t hash, int64_t count);
    // Adds every entry of shard `s` (this table's) of a per-batch table.
    void add_batch(const PieceTable& batch, size_t s);
    // Adds every entry of the same shard of another WordCounts.
    void add_all(const CountTable& other);
    // Frees the memory; the table is empty afterwards.
    void release();

    size_t size() const { return used_; }
    int64_t total() const { return total_; }
    size_t memory_bytes() const { return slots_.memory_bytes() + arena_.memory_bytes(); }

    // f(piece, count) for every entry.
    template <class F>
    void for_each(F&& f) const {
        for (size_t i = 0; i < slots_.size(); ++i) {
            const Slot& slot = slots_[i];
            if (slot.key != 0) f(key(slot), slot.count);
        }
    }

private:
    struct Slot {
        uint32_t tag;
        uint32_t key;  // 1 + where the key starts in the arena; 0 marks an empty slot
        int64_t count;
    };
    static_assert(sizeof(Slot) == 16, "four slots to a cache line");
    struct Pending;

    std::string_view key(const Slot& slot) const;
    // Whether the key of `slot` is `piece`, of which `readable` bytes may be read.
    bool holds(const Slot& slot, std::string_view piece, size_t readable) const;
    // Room for n entries within the load limit (slots never move while a batch is added).
    void reserve(size_t n);
    // Fills an empty slot with a new key.
    void insert(Slot& slot, std::string_view piece, uint32_t tag, int64_t count);
    // Probes on from slot i until the piece or an empty slot.
    void add_from(size_t i, std::string_view piece, uint32_t tag, int64_t count, size_t readable);
    template <class ForEach>
    void add_pipelined(ForEach&& entries);
    void bump(Slot& slot, int64_t count);
    size_t mask() const { return slots_.size() - 1; }

    PageArray<Slot> slots_;
    size_t used_ = 0;
    PageArray<char> arena_;
    size_t arena_used_ = 0;
    int64_t total_ = 0;
};

// Word counts: the table split into a fixed number of shards by the high bits
// of the hash, so threads can merge disjoint shards at the same time and the
// result does not depend on which thread counted what.
class WordCounts {
public:
    static constexpr int kShardBits = 6;
    static constexpr size_t kShards = size_t{1} << kShardBits;

    WordCounts() : shards_(kShards) {}
    WordCounts(WordCounts&&) noexcept = default;
    WordCounts& operator=(WordCounts&&) noexcept = default;
    // Tables of tens of millions of pieces are moved, never copied by accident.
    WordCounts(const WordCounts&) = delete;
    WordCounts& operator=(const WordCounts&) = delete;

    static size_t shard_of(uint64_t hash) { return static_cast<size_t>(hash >> (64 - kShardBits)); }
    static_assert(kShardBits == 6, "PieceTable places pieces by the same bits");

    void add(std::string_view piece, int64_t count);
    void add_all(const WordCounts& other);

    CountTable& shard(size_t i) { return shards_[i]; }
    const CountTable& shard(size_t i) const { return shards_[i]; }

    size_t size() const;
    int64_t total() const;
    size_t memory_bytes() const;
    // Which byte values occur in some piece (with a positive count): a
    // tokenizer's alphabet when it only keeps the bytes it has seen.
    std::array<bool, 256> bytes_present() const;

    // f(piece, count) for every entry.
    template <class F>
    void for_each(F&& f) const {
        for (const CountTable& s : shards_) s.for_each(f);
    }

private:
    std::vector<CountTable> shards_;
};

// Adds b to a, refusing to wrap around: counts are 64-bit end to end and an
// overflow must be an error, never a silently wrong vocabulary.
int64_t checked_add(int64_t a, int64_t b);

}  // namespace hfbpe
