// The piece -> count table that counting fills and training reads.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hfbpe {

// One open-addressing hash table from piece bytes to a 64-bit count.
// Keys live back to back in one arena and every entry keeps its full hash,
// so growing the table never rehashes a key and a probe compares hashes
// before it touches key bytes.
class PieceTable {
public:
    void add(std::string_view piece, uint64_t hash, int64_t count);
    void add_all(const PieceTable& other);
    void clear();

    size_t size() const { return entries_.size(); }
    int64_t total() const { return total_; }
    size_t memory_bytes() const;

    template <class F>
    void for_each(F&& f) const {
        for (const Entry& e : entries_) f(key(e), e.hash, e.count);
    }

private:
    struct Entry {
        uint64_t hash;
        uint64_t offset;
        uint32_t size;
        int64_t count;
    };
    struct Slot {
        uint32_t index_plus_one;  // 0 marks an empty slot
        uint32_t hash_low;
    };

    std::string_view key(const Entry& e) const { return {arena_.data() + e.offset, e.size}; }
    void grow();

    std::vector<Slot> slots_;
    std::vector<Entry> entries_;
    std::string arena_;
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

    static size_t shard_of(uint64_t hash) { return static_cast<size_t>(hash >> (64 - kShardBits)); }

    void add(std::string_view piece, int64_t count);
    void add_all(const WordCounts& other);

    PieceTable& shard(size_t i) { return shards_[i]; }
    const PieceTable& shard(size_t i) const { return shards_[i]; }

    size_t size() const;
    int64_t total() const;
    size_t memory_bytes() const;

    template <class F>
    void for_each(F&& f) const {
        for (const PieceTable& s : shards_) s.for_each(f);
    }

private:
    std::vector<PieceTable> shards_;
};

// Adds b to a, refusing to wrap around: counts are 64-bit end to end and an
// overflow must be an error, never a silently wrong vocabulary.
int64_t checked_add(int64_t a, int64_t b);

}  // namespace hfbpe
