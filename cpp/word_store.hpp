// The merge loop's words: every distinct piece, as its count and its symbols,
// back to back in one array.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "page_array.hpp"

namespace hfbpe {
namespace trainer_detail {

// Each word is a 12-byte header (its count, int64, and its length in symbols,
// uint32, which shrinks as merges apply) followed by its symbols, padded to 4
// bytes. A word is named by where it starts, in 4-byte units (so 32-bit names
// reach 16 GiB), and the merge loop reaches a word, header and symbols, with
// one memory access instead of two dependent ones. Symbol is a token id
// (see the trainer).
template <class Symbol>
class WordStore {
public:
    // Zeroed cells after the last word: first_occurrence reads up to seven
    // cells past a word's end.
    static constexpr size_t kScanSlack = 16;

    // How many 4-byte units a word of `size` symbols takes.
    static size_t units_for(size_t size) { return (kHeaderCells + size + kCellsPerUnit - 1) / kCellsPerUnit; }

    // Room for words of `units` units in all, zeroed; the pages are only
    // committed as they are written.
    void allocate(size_t units) {
        cells_ = PageArray<Symbol>(units * kCellsPerUnit + kScanSlack);
        end_ = units;
    }
    // Where the words end, in units.
    size_t end() const { return end_; }

    // Writes the header of a word of `size` symbols at `word`, moves `word`
    // on to the next one, and returns where the symbols go.
    Symbol* put(uint32_t& word, int64_t count, size_t size) {
        std::memcpy(header(word), &count, sizeof(count));
        set_size(word, static_cast<uint32_t>(size));
        Symbol* symbols = symbols_of(word);
        word += static_cast<uint32_t>(units_for(size));
        return symbols;
    }

    // f(w) for every word that starts in [begin, end) (in units), in memory
    // order. Before any merge only: each word's length then still gives the
    // next word's place.
    template <class F>
    void for_each_word(size_t begin, size_t end, F&& f) const {
        for (size_t w = begin; w < end; w += units_for(size_of(static_cast<uint32_t>(w)))) f(static_cast<uint32_t>(w));
    }

    // Starts loading word `w`, header and first symbols.
    void prefetch(uint32_t w) const { __builtin_prefetch(header(w)); }
    int64_t count_of(uint32_t w) const {
        int64_t count;
        std::memcpy(&count, header(w), sizeof(count));
        return count;
    }
    uint32_t size_of(uint32_t w) const {
        uint32_t size;
        std::memcpy(&size, header(w) + 8 / sizeof(Symbol), sizeof(size));
        return size;
    }
    void set_size(uint32_t w, uint32_t size) { std::memcpy(header(w) + 8 / sizeof(Symbol), &size, sizeof(size)); }
    Symbol* symbols_of(uint32_t w) { return header(w) + kHeaderCells; }
    const Symbol* symbols_of(uint32_t w) const { return header(w) + kHeaderCells; }

    size_t memory_bytes() const { return cells_.memory_bytes(); }

    // The first i with s[i] == left and s[i + 1] == right, or size if none.
    // The scans of the largest merges spend as much time comparing symbols
    // as waiting for memory, so a 16-byte block of symbols (eight 16-bit or
    // four 32-bit ones) is compared at once.
    static size_t first_occurrence(const Symbol* s, size_t size, uint32_t left, uint32_t right) {
#if defined(__SSE2__)
        constexpr size_t kLanes = 16 / sizeof(Symbol);
        static_assert(kScanSlack >= kLanes - 1, "a block may read kLanes - 1 cells past a word");
        auto equal = [](__m128i a, __m128i b) {
            if constexpr (sizeof(Symbol) == 2) return _mm_cmpeq_epi16(a, b);
            else return _mm_cmpeq_epi32(a, b);
        };
        auto broadcast = [](uint32_t symbol) {
            if constexpr (sizeof(Symbol) == 2) return _mm_set1_epi16(static_cast<short>(symbol));
            else return _mm_set1_epi32(static_cast<int>(symbol));
        };
        const __m128i l = broadcast(left), r = broadcast(right);
        for (size_t i = 0; i + 1 < size; i += kLanes) {
            // Reads s[i, i + kLanes + 1): up to kLanes - 1 cells past the
            // word's end, into the next word or the slack; those lanes are
            // masked off below. (The trainer keeps a concurrent writer out.)
            const __m128i here = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i));
            const __m128i next = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i + 1));
            uint32_t hits = static_cast<uint32_t>(_mm_movemask_epi8(_mm_and_si128(equal(here, l), equal(next, r))));
            const size_t pairs_here = size - 1 - i;  // pairs that start in this block, when fewer than kLanes
            if (pairs_here < kLanes) hits &= (1u << (sizeof(Symbol) * pairs_here)) - 1;
            if (hits != 0) return i + static_cast<size_t>(__builtin_ctz(hits)) / sizeof(Symbol);
        }
        return size;
#else
        for (size_t i = 0; i + 1 < size; ++i) {
            if (s[i] == left && s[i + 1] == right) return i;
        }
        return size;
#endif
    }

private:
    static constexpr size_t kHeaderCells = 12 / sizeof(Symbol);
    static constexpr size_t kCellsPerUnit = 4 / sizeof(Symbol);
    static_assert(12 % sizeof(Symbol) == 0 && 4 % sizeof(Symbol) == 0, "the header must fill whole cells");

    Symbol* header(uint32_t w) { return &cells_[size_t{w} * kCellsPerUnit]; }
    const Symbol* header(uint32_t w) const { return &cells_[size_t{w} * kCellsPerUnit]; }

    PageArray<Symbol> cells_;
    size_t end_ = 0;
};

}  // namespace trainer_detail
}  // namespace hfbpe
