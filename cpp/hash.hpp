// 64-bit hashes for byte strings and symbol pairs, used by every hash table in
// the core, and the short-word load they share with the piece table.
#pragma once

#include <cstdint>
#include <cstring>

namespace hfbpe {

// Final avalanche step for the trainer's pair keys, whose table takes its
// slot from the low bits: every bit must depend on every bit of the key.
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
    if (size == 0) return 0;  // data may be null
    uint64_t word = 0;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (readable >= 8) {
        std::memcpy(&word, data, 8);
        return word & (~uint64_t{0} >> (64 - 8 * size));  // the first bytes are the low ones
    }
#endif
    (void)readable;
    if (size > 0) std::memcpy(&word, data, size);  // an empty piece's data may be null
    return word;
}

// The 128-bit product of x and k with its two halves folded together: the
// high half makes every bit of the result depend on every bit of x, for one
// multiply (piece tables take their slot from the low bits, the counter its
// shard from the high bits).
inline uint64_t fold_multiply(uint64_t x, uint64_t k) {
#if defined(__SIZEOF_INT128__)
    const unsigned __int128 product = static_cast<unsigned __int128>(x) * k;
    return static_cast<uint64_t>(product) ^ static_cast<uint64_t>(product >> 64);
#else
    // The same product from 32-bit halves, where there is no 128-bit type.
    const uint64_t x_lo = x & 0xFFFFFFFFu, x_hi = x >> 32, k_lo = k & 0xFFFFFFFFu, k_hi = k >> 32;
    const uint64_t lo_lo = x_lo * k_lo, hi_lo = x_hi * k_lo, lo_hi = x_lo * k_hi, hi_hi = x_hi * k_hi;
    const uint64_t middle = (lo_lo >> 32) + (hi_lo & 0xFFFFFFFFu) + lo_hi;
    const uint64_t low = (middle << 32) | (lo_lo & 0xFFFFFFFFu);
    const uint64_t high = hi_hi + (hi_lo >> 32) + (middle >> 32);
    return low ^ high;
#endif
}

// Pre-tokenized pieces are short (a word, a run of spaces), so the hash reads
// eight bytes at a time with one folded multiply each, and most pieces take one.
// `readable` is how many bytes from `data` may be read (at least `size`), for
// load_short; the hash does not depend on it.
inline uint64_t hash_bytes(const char* data, size_t size, size_t readable) {
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ (static_cast<uint64_t>(size) * 0xff51afd7ed558ccdULL);
    while (size > 8) {
        uint64_t word;
        std::memcpy(&word, data, 8);
        h = fold_multiply(h ^ word, 0xbf58476d1ce4e5b9ULL);
        data += 8;
        size -= 8;
        readable -= 8;
    }
    return fold_multiply(h ^ load_short(data, size, readable), 0x94d049bb133111ebULL);
}

inline uint64_t hash_bytes(const char* data, size_t size) { return hash_bytes(data, size, size); }

}  // namespace hfbpe
