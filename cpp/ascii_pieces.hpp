// A splitter for ASCII text that gives exactly the pieces of the named GPT
// split patterns, so that most pieces never reach PCRE2.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

namespace hfbpe {

// Which named pattern the splitter restates. Only the exact pattern strings
// get one: any other pattern, however similar, goes through PCRE2.
enum class AsciiPieces { None, Gpt2, Gpt4, Nanochat };

AsciiPieces ascii_pieces_for(const std::string& pattern);

namespace ascii {

// What \p{L}, \p{N} and \s are on ASCII (\s is Unicode's White_Space:
// tab, LF, VT, FF, CR and space). Everything else ASCII is "other"; a byte of
// a non-ASCII character is kNonAscii, which no ASCII run continues into.
enum Class : uint8_t { kOther, kLetter, kDigit, kSpace, kNonAscii };

constexpr Class classify(unsigned char c) {
    return c >= 0x80                                ? kNonAscii
           : ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') ? kLetter
           : (c >= '0' && c <= '9')                 ? kDigit
           : ((c >= 0x09 && c <= 0x0D) || c == ' ') ? kSpace
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

constexpr uint64_t kEveryByte = 0x0101010101010101ULL;  // times a byte value: that value in all eight bytes
constexpr uint64_t kHighBits = 0x80 * kEveryByte;

// Bit 7 of each byte of `w` set where that byte is an ASCII letter; every
// other bit of the result is clear.
inline uint64_t letter_bytes(uint64_t w) {
    // Folded to lower case in seven bits, so that adding or subtracting
    // below never carries or borrows across a byte.
    const uint64_t lower = (w & (0x7F * kEveryByte)) | (0x20 * kEveryByte);
    const uint64_t at_least_a = lower + (0x80 - 'a') * kEveryByte;
    const uint64_t at_most_z = (0x80 + 'z') * kEveryByte - lower;
    return at_least_a & at_most_z & ~w & kHighBits;
}

// The end of the run of `cls` starting at i; *unsure set when the run stops
// at a non-ASCII byte, which may be a character of the same class.
inline size_t run_of(const unsigned char* s, size_t size, size_t i, Class cls, bool* unsure) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (cls == kLetter) {
        // Words are letter runs, most shorter than eight bytes: finding where
        // the run ends in eight bytes at once spares the branch that a byte
        // loop mispredicts at the end of every word.
        while (i + 8 <= size) {
            uint64_t w;
            std::memcpy(&w, s + i, 8);
            const uint64_t stops = ~letter_bytes(w) & kHighBits;
            if (stops != 0) {
                i += static_cast<size_t>(__builtin_ctzll(stops)) / 8;
                *unsure = s[i] >= 0x80;
                return i;
            }
            i += 8;
        }
    }
#endif
    while (i < size && class_of(s[i]) == cls) ++i;
    *unsure = i < size && s[i] >= 0x80;
    return i;
}

inline size_t run_of_cr_lf(const unsigned char* s, size_t size, size_t i) {
    while (i < size && (s[i] == '\r' || s[i] == '\n')) ++i;
    return i;
}

inline unsigned char lower(unsigned char c) { return c | 0x20; }

// \s+(?!\S) then \s+ (both patterns end this way), after the caller ruled out
// the alternatives before them: a run of spaces that does not end the text
// leaves its last character to the next piece.
// `j` is the end of the run of spaces that starts at i.
inline size_t spaces_end(size_t size, size_t i, size_t j) { return (j == size || j - i == 1) ? j : j - 1; }

// gpt4 / cl100k (max_digits 3) and nanochat (2):
// '(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]++[\r\n]*|\s*[\r\n]|\s+(?!\S)|\s+
inline bool gpt4_piece(const unsigned char* s, size_t size, size_t i, size_t max_digits, size_t& end) {
    const unsigned char c = s[i];
    const Class cls = class_of(c);
    bool unsure;
    // '(?i:[sdmt]|ll|ve|re). Caseless matching also lets U+017F (long s)
    // match "s": a non-ASCII byte after the apostrophe goes to PCRE2.
    if (c == '\'' && i + 1 < size) {
        const unsigned char a = s[i + 1];
        if (a >= 0x80) return false;
        const unsigned char la = lower(a);
        if (la == 's' || la == 'd' || la == 'm' || la == 't') {
            end = i + 2;
            return true;
        }
        if (i + 2 < size && (la == 'l' || la == 'v' || la == 'r')) {
            const unsigned char b = s[i + 2];
            if (b >= 0x80) return false;
            const unsigned char lb = lower(b);
            if ((la == 'l' && lb == 'l') || (la == 'v' && lb == 'e') || (la == 'r' && lb == 'e')) {
                end = i + 3;
                return true;
            }
        }
    }
    // [^\r\n\p{L}\p{N}]?+\p{L}+: letters, or one lead character (possessive:
    // never given back) and letters.
    if (cls == kLetter) {
        end = run_of(s, size, i, kLetter, &unsure);
        return !unsure;
    }
    if (cls != kDigit && c != '\r' && c != '\n' && i + 1 < size) {
        const unsigned char next = s[i + 1];
        if (next >= 0x80) return false;
        if (class_of(next) == kLetter) {
            end = run_of(s, size, i + 1, kLetter, &unsure);
            return !unsure;
        }
    }
    // \p{N}{1,3}
    if (cls == kDigit) {
        size_t j = i;
        while (j < size && j - i < max_digits && class_of(s[j]) == kDigit) ++j;
        if (j - i < max_digits && j < size && s[j] >= 0x80) return false;
        end = j;
        return true;
    }
    //  ?[^\s\p{L}\p{N}]++[\r\n]*
    size_t first = i;
    if (c == ' ' && i + 1 < size) {
        if (s[i + 1] >= 0x80) return false;
        if (class_of(s[i + 1]) == kOther) first = i + 1;
    }
    if (class_of(s[first]) == kOther) {
        const size_t j = run_of(s, size, first, kOther, &unsure);
        if (unsure) return false;
        end = run_of_cr_lf(s, size, j);
        return true;
    }
    // Only spaces are left. \s*[\r\n]: up to the last CR or LF of the run.
    const size_t j = run_of(s, size, i, kSpace, &unsure);
    if (unsure) return false;
    for (size_t k = j; k > i; --k) {
        if (s[k - 1] == '\r' || s[k - 1] == '\n') {
            end = k;
            return true;
        }
    }
    end = spaces_end(size, i, j);
    return true;
}

// gpt2 / r50k: 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
inline bool gpt2_piece(const unsigned char* s, size_t size, size_t i, size_t& end) {
    const unsigned char c = s[i];
    bool unsure;
    if (c == '\'' && i + 1 < size) {  // case-sensitive: only ASCII can match
        const unsigned char a = s[i + 1];
        if (a == 's' || a == 't' || a == 'm' || a == 'd') {
            end = i + 2;
            return true;
        }
        if (i + 2 < size) {
            const unsigned char b = s[i + 2];
            if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) {
                end = i + 3;
                return true;
            }
        }
    }
    // " ?" then a run of letters, digits or others: the three alternatives
    // differ only in the class of the run.
    size_t first = i;
    if (c == ' ' && i + 1 < size) {
        if (s[i + 1] >= 0x80) return false;
        if (class_of(s[i + 1]) != kSpace) first = i + 1;
    }
    const Class cls = class_of(s[first]);
    const size_t j = run_of(s, size, first, cls, &unsure);
    if (unsure) return false;
    end = cls == kSpace ? spaces_end(size, i, j) : j;
    return true;
}

}  // namespace ascii

// If the piece that the pattern matches at `start` lies in ASCII and does not
// depend on any non-ASCII character, sets `end` and returns true; otherwise
// returns false and PCRE2 decides. text[start] must exist.
inline bool ascii_piece(AsciiPieces kind, const char* text, size_t size, size_t start, size_t& end) {
    const auto* s = reinterpret_cast<const unsigned char*>(text);
    if (s[start] >= 0x80) return false;
    switch (kind) {
        case AsciiPieces::Gpt4:
            return ascii::gpt4_piece(s, size, start, 3, end);
        case AsciiPieces::Nanochat:
            return ascii::gpt4_piece(s, size, start, 2, end);
        case AsciiPieces::Gpt2:
            return ascii::gpt2_piece(s, size, start, end);
        case AsciiPieces::None:
            break;
    }
    return false;
}

}  // namespace hfbpe
