// 64-bit hashes for byte strings and symbol pairs, used by every hash table in
// the core, and the short-word load they share with the piece table.
#pragma once

#include <cstdint>
#include <cstring>

namespace hfbpe {

// Final avalanche step; every table takes its slot from the low bits and the
// counter takes its shard from the high bits, so all bits must be well mixed.
inline uint64_t mix64(uint64_t x) {
    x ^= x >> 32;
    x *= 0xd6e8feb86659fd93ULL;
    x ^= x >> 32;
    x *= 0xd6e8feb86659fd93ULL;
    x ^= x >> 32;
    return x;
}

// The first `size` (at most 8) bytes at `data` as one word, the rest zero, as
// memcpy into a zeroed word gives them. `readable` is how many bytes from
// `data` may be read (at least `size`): when it is 8 or more, this is one
// 8-byte load masked to `size`, instead of a variable-length copy (which took
// a tenth of the counting time for hashing alone).
inline uint64_t load_short(const char* data, size_t size, size_t readable) {
    uint64_t word = 0;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (readable >= 8) {
        std::memcpy(&word, data, 8);
        return size == 0 ? 0 : word & (~uint64_t{0} >> (64 - 8 * size));  // the first bytes are the low ones
    }
#endif
    (void)readable;
    std::memcpy(&word, data, size);
    return word;
}

// Pre-tokenized pieces are short (a word, a run of spaces), so the hash reads
// eight bytes at a time and spends its work on the final mix, not on a long loop.
// `readable` is how many bytes from `data` may be read (at least `size`), for
// load_short; the hash does not depend on it.
inline uint64_t hash_bytes(const char* data, size_t size, size_t readable) {
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ (static_cast<uint64_t>(size) * 0xff51afd7ed558ccdULL);
    while (size >= 8) {
        uint64_t word;
        std::memcpy(&word, data, 8);
        h = (h ^ word) * 0xbf58476d1ce4e5b9ULL;
        h ^= h >> 29;
        data += 8;
        size -= 8;
        readable -= 8;
    }
    if (size > 0) {
        const uint64_t word = load_short(data, size, readable);
        h = (h ^ word) * 0x94d049bb133111ebULL;
        h ^= h >> 31;
    }
    return mix64(h);
}

inline uint64_t hash_bytes(const char* data, size_t size) { return hash_bytes(data, size, size); }

}  // namespace hfbpe
