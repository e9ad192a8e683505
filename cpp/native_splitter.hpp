// A hand-written splitter that gives exactly the pieces of the named GPT
// split patterns on any valid UTF-8, so that those patterns never reach PCRE2.
//
// Each function below restates one pattern alternative by alternative, in
// the order the regex tries them. ASCII is classified by a byte table and
// letter runs are scanned eight bytes at a time; a byte >= 0x80 is decoded
// and looked up in the table generated from PCRE2 (unicode_classes.hpp), and
// the scan goes on from there, back into the eight-byte steps.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>

#include "unicode_classes.hpp"

namespace hfbpe {

// Which named pattern the splitter restates. Only the exact pattern strings
// get one: any other pattern, however similar, goes through PCRE2.
enum class NativeSplitter { None, Gpt2, Gpt4, Nanochat, O200k };

NativeSplitter native_splitter_for(const std::string& pattern);

// The piece functions go into the loop that calls them, as one body with the
// caller's on_piece: out of line (GCC's choice for gpt4_piece), counting ASCII
// text took 7% more instructions than with the old ASCII splitter inlined.
#if defined(__GNUC__)
#define HFBPE_PIECE_INLINE inline __attribute__((always_inline))
#define HFBPE_PIECE_INLINE_LAMBDA __attribute__((always_inline))
#else
#define HFBPE_PIECE_INLINE inline
#define HFBPE_PIECE_INLINE_LAMBDA
#endif

namespace native {

using unicode::Class;
using unicode::kDigit;
using unicode::kLetter;
using unicode::kNonAscii;
using unicode::kOther;
using unicode::kSpace;

// What \p{L}, \p{N} and \s are on ASCII (\s is Unicode's White_Space:
// tab, LF, VT, FF, CR and space); unicode_classes.cpp checks this against
// PCRE2's table at compile time. Every byte >= 0x80 is kNonAscii, so that an
// ASCII run stops there and the character is decoded.
constexpr Class classify(unsigned char c) {
    return c >= 0x80                                  ? kNonAscii
           : ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') ? kLetter
           : (c >= '0' && c <= '9')                   ? kDigit
           : ((c >= 0x09 && c <= 0x0D) || c == ' ')   ? kSpace
                                                      : kOther;
}

// A table, because the runs below test every byte of the text.
struct ClassTable {
    Class of[256];
    constexpr ClassTable() : of() {
        for (int c = 0; c < 256; ++c) of[c] = classify(static_cast<unsigned char>(c));
    }
};
inline constexpr ClassTable kClasses{};

constexpr Class class_of(unsigned char c) { return kClasses.of[c]; }

struct Char {
    uint8_t flags;  // unicode::flags_of
    uint8_t size;   // in bytes
    Class cls() const { return static_cast<Class>(flags & unicode::kClassBits); }
};

// The character at s[i], which is >= 0x80.
inline Char non_ascii_at(const unsigned char* s, size_t size, size_t i) {
    const unicode::Decoded d = unicode::decode(s, size, i);
    return {unicode::flags_of(d.code_point), static_cast<uint8_t>(d.size)};
}

inline Char char_at(const unsigned char* s, size_t size, size_t i) {
    const unsigned char c = s[i];
    if (c < 0x80) return {unicode::kBlockFlags[c], 1};
    return non_ascii_at(s, size, i);
}

constexpr uint64_t kEveryByte = 0x0101010101010101ULL;  // times a byte value: that value in all eight bytes
constexpr uint64_t kHighBits = 0x80 * kEveryByte;

// Bit 7 of each byte of `w` set where that byte lies in [lo, hi] after
// `fold` is or-ed in (0x20 folds ASCII letters to lower case); every other
// bit of the result is clear. Bytes >= 0x80 are never in the range.
template <unsigned char lo, unsigned char hi, unsigned char fold>
inline uint64_t bytes_in(uint64_t w) {
    // Seven bits per byte, so that adding or subtracting below never carries
    // or borrows across a byte.
    const uint64_t low7 = (w & (0x7F * kEveryByte)) | (fold * kEveryByte);
    const uint64_t at_least_lo = low7 + (0x80 - lo) * kEveryByte;
    const uint64_t at_most_hi = (0x80 + hi) * kEveryByte - low7;
    return at_least_lo & at_most_hi & ~w & kHighBits;
}

inline uint64_t letter_bytes(uint64_t w) { return bytes_in<'a', 'z', 0x20>(w); }

// The end of the run of bytes in [lo, hi] (folded) from i, eight at a time:
// words are such runs, most shorter than eight bytes, and finding their end
// in one step spares the branch a byte loop mispredicts at every word's end.
template <unsigned char lo, unsigned char hi, unsigned char fold>
inline size_t ascii_run(const unsigned char* s, size_t size, size_t i) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    while (i + 8 <= size) {
        uint64_t w;
        std::memcpy(&w, s + i, 8);
        const uint64_t stops = ~bytes_in<lo, hi, fold>(w) & kHighBits;
        if (stops != 0) return i + static_cast<size_t>(__builtin_ctzll(stops)) / 8;
        i += 8;
    }
#endif
    while (i < size && static_cast<unsigned char>(s[i] | fold) >= lo && static_cast<unsigned char>(s[i] | fold) <= hi &&
           s[i] < 0x80) {
        ++i;
    }
    return i;
}

// \p{L}* from i: ASCII letters eight at a time, then any non-ASCII letters
// one by one, then ASCII again.
inline size_t letter_run(const unsigned char* s, size_t size, size_t i) {
    for (;;) {
        i = ascii_run<'a', 'z', 0x20>(s, size, i);
        while (i < size && s[i] >= 0x80) {
            const Char ch = non_ascii_at(s, size, i);
            if (ch.cls() != kLetter) return i;
            i += ch.size;
        }
        if (i == size || class_of(s[i]) != kLetter) return i;
    }
}

// The end of the run of characters of class `cls` from i.
inline size_t run_of(const unsigned char* s, size_t size, size_t i, Class cls) {
    while (i < size) {
        const unsigned char c = s[i];
        if (c < 0x80) {
            if (class_of(c) != cls) break;
            ++i;
            continue;
        }
        const Char ch = non_ascii_at(s, size, i);
        if (ch.cls() != cls) break;
        i += ch.size;
    }
    return i;
}

// \p{N}{1,max_digits}: characters, not bytes.
inline size_t digit_run(const unsigned char* s, size_t size, size_t i, size_t max_digits) {
    for (size_t n = 0; n < max_digits && i < size; ++n) {
        const unsigned char c = s[i];
        if (c < 0x80) {
            if (class_of(c) != kDigit) break;
            ++i;
            continue;
        }
        const Char ch = non_ascii_at(s, size, i);
        if (ch.cls() != kDigit) break;
        i += ch.size;
    }
    return i;
}

template <class IsTail>
inline size_t run_of_bytes(const unsigned char* s, size_t size, size_t i, IsTail is_tail) {
    while (i < size && is_tail(s[i])) ++i;
    return i;
}

inline bool is_cr_lf(unsigned char c) { return c == '\r' || c == '\n'; }

// The whitespace alternatives every named pattern ends with, at a character
// of \s at i, after the caller ruled out the alternatives before them:
// \s*[\r\n] (o200k: \s*[\r\n]+, the same end) goes up to the last CR or LF
// of the run; without one, \s+(?!\S) leaves the run's last character (which
// may be several bytes long) to the next piece unless the run ends the text
// or is that one character, which \s+ then takes.
inline size_t spaces_piece(const unsigned char* s, size_t size, size_t i, bool cr_lf_ends) {
    const size_t start = i;
    size_t last = i, after_cr_lf = i;
    while (i < size) {
        const unsigned char c = s[i];
        if (c < 0x80) {
            if (class_of(c) != kSpace) break;
            last = i++;
            if (is_cr_lf(c)) after_cr_lf = i;
            continue;
        }
        const Char ch = non_ascii_at(s, size, i);
        if (ch.cls() != kSpace) break;
        last = i;
        i += ch.size;
    }
    if (cr_lf_ends && after_cr_lf != start) return after_cr_lf;
    return (i == size || last == start) ? i : last;
}

// The lower-case ASCII letter (?i) matches the character at s[k] as, or 0.
inline char caseless_at(const unsigned char* s, size_t size, size_t k, size_t& n) {
    const unsigned char c = s[k];
    if (c < 0x80) {
        n = 1;
        return class_of(c) == kLetter ? static_cast<char>(c | 0x20) : 0;
    }
    const unicode::Decoded d = unicode::decode(s, size, k);
    n = d.size;
    return unicode::caseless_letter(d.code_point);
}

// '(?i:[sdmt]|ll|ve|re) (o200k spells the same set out) at the apostrophe
// s[i]: the end of the match, or 0. Caseless matching makes U+017F (long s)
// an "s" here.
inline size_t caseless_contraction(const unsigned char* s, size_t size, size_t i) {
    size_t k = i + 1, n = 0;
    if (k >= size) return 0;
    const char a = caseless_at(s, size, k, n);
    k += n;
    if (a == 's' || a == 'd' || a == 'm' || a == 't') return k;
    if ((a != 'l' && a != 'v' && a != 'r') || k >= size) return 0;
    const char b = caseless_at(s, size, k, n);
    return (a == 'l' ? b == 'l' : b == 'e') ? k + n : 0;
}

// gpt4 / cl100k (max_digits 3) and nanochat (2):
// '(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]++[\r\n]*|\s*[\r\n]|\s+(?!\S)|\s+
HFBPE_PIECE_INLINE size_t gpt4_piece(const unsigned char* s, size_t size, size_t i, size_t max_digits) {
    const unsigned char c = s[i];
    if (c == '\'') {
        const size_t end = caseless_contraction(s, size, i);
        if (end != 0) return end;
    }
    Class cls = class_of(c);
    size_t next = i + 1;
    if (cls == kNonAscii) {
        const Char ch = non_ascii_at(s, size, i);
        cls = ch.cls();
        next = i + ch.size;
    }
    // [^\r\n\p{L}\p{N}]?+\p{L}+: letters, or one lead character (any but CR,
    // LF, letters and digits: a space, a mark, a symbol) and letters. The
    // lead is possessive, but giving it back could not help: it is no letter.
    if (cls == kLetter) return letter_run(s, size, next);
    if (cls == kDigit) return digit_run(s, size, i, max_digits);  // \p{N}{1,3}; no lead is a digit
    Class next_cls = kSpace;  // at the end of the text: as if a space followed, which no rule below takes
    if (next < size) {
        next_cls = class_of(s[next]);
        if (next_cls == kNonAscii) next_cls = non_ascii_at(s, size, next).cls();
    }
    if (next_cls == kLetter && !is_cr_lf(c)) return letter_run(s, size, next);
    //  ?[^\s\p{L}\p{N}]++[\r\n]*: the optional space is U+0020 only.
    if (cls == kOther || (c == ' ' && next_cls == kOther)) {
        return run_of_bytes(s, size, run_of(s, size, cls == kOther ? i : next, kOther), is_cr_lf);
    }
    return spaces_piece(s, size, i, true);
}

// gpt2 / r50k: 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
HFBPE_PIECE_INLINE size_t gpt2_piece(const unsigned char* s, size_t size, size_t i) {
    const unsigned char c = s[i];
    if (c == '\'' && i + 1 < size) {  // case-sensitive: only ASCII can match
        const unsigned char a = s[i + 1];
        if (a == 's' || a == 't' || a == 'm' || a == 'd') return i + 2;
        if (i + 2 < size) {
            const unsigned char b = s[i + 2];
            if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) return i + 3;
        }
    }
    // " ?" then a run of letters, digits or others: the three alternatives
    // differ only in the class of the run.
    size_t first = i;
    Class cls = class_of(c);
    if (c == ' ' && i + 1 < size) {
        Class next = class_of(s[i + 1]);
        if (next == kNonAscii) next = non_ascii_at(s, size, i + 1).cls();
        if (next != kSpace) {
            first = i + 1;
            cls = next;
        }
    } else if (cls == kNonAscii) {
        cls = non_ascii_at(s, size, i).cls();
    }
    if (cls == kLetter) return letter_run(s, size, first);
    if (cls == kSpace) return spaces_piece(s, size, i, false);
    return run_of(s, size, first, cls);
}

// o200k:
// A [^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?
// B [^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?
// C \p{N}{1,3}   D  ?[^\s\p{L}\p{N}]+[\r\n/]*   E \s*[\r\n]+   F \s+(?!\S)   G \s+
// Nothing here is possessive: where the regex backtracks, the result of its
// first successful path is computed directly (see o200k_letters).

// [\p{Ll}\p{Lm}\p{Lo}\p{M}]* from i.
inline size_t lower_run(const unsigned char* s, size_t size, size_t i) {
    for (;;) {
        i = ascii_run<'a', 'z', 0>(s, size, i);
        while (i < size && s[i] >= 0x80) {
            const Char ch = non_ascii_at(s, size, i);
            if ((ch.flags & unicode::kLowerSet) == 0) return i;
            i += ch.size;
        }
        if (i == size || s[i] < 'a' || s[i] > 'z') return i;
    }
}

struct LetterEnds {
    size_t a, b;  // where alternatives A and B end from one start, 0 where they fail
};

// A and B (before their contraction) from p. The upper run U* is greedy: if
// the character after it is in the lower set, A's lower run goes on from
// there. Otherwise U* gives back characters until one in both sets (Lm, Lo,
// a mark) is left over for A's [...]+: A ends after the last such character
// of the upper run, and fails if it has none. B takes the upper run (at
// least one character) and the lower run after it.
inline LetterEnds o200k_letters(const unsigned char* s, size_t size, size_t p) {
    size_t q = p, after_both = 0;
    while (q < size) {
        const unsigned char c = s[q];
        if (c < 0x80) {
            if (c < 'A' || c > 'Z') break;
            ++q;
            continue;
        }
        const Char ch = non_ascii_at(s, size, q);
        if ((ch.flags & unicode::kUpperSet) == 0) break;
        q += ch.size;
        if (ch.flags & unicode::kLowerSet) after_both = q;
    }
    if (q < size && (char_at(s, size, q).flags & unicode::kLowerSet) != 0) {
        const size_t r = lower_run(s, size, q);
        return {r, q > p ? r : 0};
    }
    return {after_both, q > p ? q : 0};
}

inline size_t o200k_contraction(const unsigned char* s, size_t size, size_t end) {
    if (end < size && s[end] == '\'') {
        const size_t with = caseless_contraction(s, size, end);
        if (with != 0) return with;
    }
    return end;
}

HFBPE_PIECE_INLINE size_t o200k_piece(const unsigned char* s, size_t size, size_t i) {
    const unsigned char c = s[i];
    const Char first = char_at(s, size, i);
    const Class cls = first.cls();
    // The regex tries A with the lead, A without it, then B likewise. Without
    // the lead, A and B can only match where the first character is in one
    // of the letter sets: a letter, or a mark (which can also be the lead).
    const bool lead = (cls == kOther || cls == kSpace) && !is_cr_lf(c);
    LetterEnds led{0, 0}, bare{0, 0};
    if (lead) {
        led = o200k_letters(s, size, i + first.size);
        if (led.a != 0) return o200k_contraction(s, size, led.a);
    }
    if (first.flags & (unicode::kUpperSet | unicode::kLowerSet)) {
        bare = o200k_letters(s, size, i);
        if (bare.a != 0) return o200k_contraction(s, size, bare.a);
    }
    if (led.b != 0) return o200k_contraction(s, size, led.b);
    if (bare.b != 0) return o200k_contraction(s, size, bare.b);
    if (cls == kDigit) return digit_run(s, size, i, 3);
    size_t from = i;
    bool others = cls == kOther;
    if (!others && c == ' ' && i + 1 < size && char_at(s, size, i + 1).cls() == kOther) {
        others = true;
        from = i + 1;
    }
    if (others) {
        return run_of_bytes(s, size, run_of(s, size, from, kOther),
                            [](unsigned char b) { return is_cr_lf(b) || b == '/'; });
    }
    return spaces_piece(s, size, i, true);
}

// One loop per pattern, so that the piece function is inlined into it with
// the caller's on_piece and nothing is dispatched per piece.
template <class PieceEnd, class F>
inline void split_all(const unsigned char* s, size_t size, PieceEnd piece_end, F& on_piece) {
    for (size_t start = 0; start < size;) {
        const size_t end = piece_end(s, size, start);
        // Cheap next to a piece; a splitter bug must not loop forever.
        if (end <= start || end > size) throw std::logic_error("hfbpe: the native splitter did not advance");
        on_piece(start, end);
        start = end;
    }
}

}  // namespace native

// Calls on_piece(begin, end) for every piece of text[0, size), which must be
// valid UTF-8. None of these patterns matches empty, so every piece holds a byte.
template <class F>
void for_each_native_piece(NativeSplitter kind, const char* text, size_t size, F& on_piece) {
    const auto* s = reinterpret_cast<const unsigned char*>(text);
    switch (kind) {
        case NativeSplitter::Gpt4:
            return native::split_all(
                s, size, [](const unsigned char* t, size_t n, size_t i) { return native::gpt4_piece(t, n, i, 3); },
                on_piece);
        case NativeSplitter::Nanochat:
            return native::split_all(
                s, size, [](const unsigned char* t, size_t n, size_t i) { return native::gpt4_piece(t, n, i, 2); },
                on_piece);
        case NativeSplitter::Gpt2:
            return native::split_all(
                s, size, [](const unsigned char* t, size_t n, size_t i) { return native::gpt2_piece(t, n, i); },
                on_piece);
        case NativeSplitter::O200k:
            return native::split_all(
                s, size, [](const unsigned char* t, size_t n, size_t i) { return native::o200k_piece(t, n, i); },
                on_piece);
        case NativeSplitter::None:
            break;
    }
}

}  // namespace hfbpe
