// The character classes of the named split patterns for every code point, as
// PCRE2 matches them (the table is generated from PCRE2 by
// cpp/unicode_classes.py, so the splitter follows PCRE2's Unicode tables,
// not whichever ones the compiler or the host might carry).
#pragma once

#include <cstddef>
#include <cstdint>

namespace hfbpe {
namespace unicode {

// Bits 0-1 of a code point's flags: \p{L}, \p{N} and \s (White_Space) are
// disjoint, so one two-bit class holds them. kNonAscii never comes from the
// table: the byte table of the splitter gives it to every byte >= 0x80.
enum Class : uint8_t { kOther = 0, kLetter = 1, kDigit = 2, kSpace = 3, kNonAscii = 4 };

constexpr uint8_t kClassBits = 3;
// o200k's two letter sets, which overlap in Lm, Lo and the marks (\p{M} is
// no letter, but both sets hold it).
constexpr uint8_t kUpperSet = 4;  // [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]
constexpr uint8_t kLowerSet = 8;  // [\p{Ll}\p{Lm}\p{Lo}\p{M}]

// Two stages: the flags of code point c are
// kBlockFlags[kBlockOf[c >> kBlockShift] << kBlockShift | (c & kBlockMask)].
// Block 0 is U+0000..U+007F, so kBlockFlags[c] are the flags of ASCII c.
constexpr unsigned kBlockShift = 7;
constexpr uint32_t kBlockMask = (1u << kBlockShift) - 1;
constexpr uint32_t kCodePoints = 0x110000;
extern const uint8_t kBlockOf[kCodePoints >> kBlockShift];
extern const uint8_t kBlockFlags[];

// Valid for c < kCodePoints only.
inline uint8_t flags_of(uint32_t c) {
    return kBlockFlags[(static_cast<uint32_t>(kBlockOf[c >> kBlockShift]) << kBlockShift) | (c & kBlockMask)];
}

struct CaselessLetter {
    uint32_t code_point;
    char letter;
};

// The lower-case ASCII letter that (?i) matches non-ASCII code point c as
// (U+017F LONG S as 's', U+212A KELVIN SIGN as 'k'), or 0.
char caseless_letter(uint32_t c);

struct Decoded {
    uint32_t code_point;
    uint32_t size;
};

// The character whose first byte s[i] is >= 0x80. Callers pass valid UTF-8;
// anything else still reads within [0, size) and moves on by at least a byte.
inline Decoded decode(const unsigned char* s, size_t size, size_t i) {
    const uint32_t c = s[i];
    if (c < 0xE0 && i + 2 <= size) return {((c & 0x1F) << 6) | (s[i + 1] & 0x3Fu), 2};
    if (c < 0xF0 && i + 3 <= size) {
        return {((c & 0x0F) << 12) | ((s[i + 1] & 0x3Fu) << 6) | (s[i + 2] & 0x3Fu), 3};
    }
    if (c >= 0xF0 && i + 4 <= size) {
        const uint32_t cp = ((c & 0x07) << 18) | ((s[i + 1] & 0x3Fu) << 12) | ((s[i + 2] & 0x3Fu) << 6) |
                            (s[i + 3] & 0x3Fu);
        if (cp < kCodePoints) return {cp, 4};
    }
    return {0xFFFD, 1};
}

}  // namespace unicode
}  // namespace hfbpe
