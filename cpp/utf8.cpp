#include "utf8.hpp"

#include <array>
#include <cstdint>
#include <cstring>

namespace hfbpe {
namespace {

bool is_continuation(unsigned char byte) { return (byte & 0xC0) == 0x80; }

}  // namespace

bool utf8_valid(const char* data, size_t size, size_t& chars) {
    const auto* s = reinterpret_cast<const unsigned char*>(data);
    size_t i = 0, count = 0;
    while (i < size) {
        // Most text is mostly ASCII: skip it eight bytes at a time.
        if (i + 8 <= size) {
            uint64_t word;
            std::memcpy(&word, s + i, 8);
            if ((word & 0x8080808080808080ULL) == 0) {
                i += 8;
                count += 8;
                continue;
            }
        }
        const unsigned char lead = s[i];
        size_t length;
        unsigned char low = 0x80, high = 0xBF;  // allowed range of the second byte
        if (lead < 0x80) {
            ++i;
            ++count;
            continue;
        } else if (lead >= 0xC2 && lead <= 0xDF) {
            length = 2;
        } else if (lead >= 0xE0 && lead <= 0xEF) {
            length = 3;
            if (lead == 0xE0) low = 0xA0;   // overlong
            if (lead == 0xED) high = 0x9F;  // surrogates
        } else if (lead >= 0xF0 && lead <= 0xF4) {
            length = 4;
            if (lead == 0xF0) low = 0x90;   // overlong
            if (lead == 0xF4) high = 0x8F;  // above U+10FFFF
        } else {
            return false;
        }
        if (i + length > size || s[i + 1] < low || s[i + 1] > high) return false;
        for (size_t k = 2; k < length; ++k) {
            if (!is_continuation(s[i + k])) return false;
        }
        i += length;
        ++count;
    }
    chars = count;
    return true;
}

size_t utf8_prefix_bytes(const char* data, size_t size, size_t max_chars) {
    if (size <= max_chars) return size;  // at most one code point per byte
    const auto* s = reinterpret_cast<const unsigned char*>(data);
    size_t seen = 0;
    for (size_t i = 0; i < size; ++i) {
        if (!is_continuation(s[i]) && seen++ == max_chars) return i;
    }
    return size;
}

// Whether the code point starting at s[i] (a lead byte, not ASCII) is
// whitespace; sets `length` to its byte count. Only a few multi-byte code
// points are: U+0085, U+00A0, U+1680, U+2000..U+200A, U+2028, U+2029, U+202F,
// U+205F and U+3000.
static bool multibyte_space(const unsigned char* s, size_t i, size_t size, size_t& length) {
    const unsigned char lead = s[i];
    length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    if (i + length > size) length = size - i;
    if (lead == 0xC2 && length == 2) return s[i + 1] == 0x85 || s[i + 1] == 0xA0;
    if (length != 3) return false;
    const unsigned char b1 = s[i + 1], b2 = s[i + 2];
    if (lead == 0xE1) return b1 == 0x9A && b2 == 0x80;
    if (lead == 0xE2) {
        if (b1 == 0x80) return b2 <= 0x8A || b2 == 0xA8 || b2 == 0xA9 || b2 == 0xAF;
        return b1 == 0x81 && b2 == 0x9F;
    }
    return lead == 0xE3 && b1 == 0x80 && b2 == 0x80;
}

WordStats utf8_word_stats(const char* data, size_t size) {
    // Each byte's class: 0 a non-space ASCII character, 1 ASCII white space (\t \n \v \f \r,
    // U+001C..U+001F, the space: Python's), 2 a continuation byte, 3 the lead byte of a longer
    // code point. A table lookup per byte, and branches only for non-ASCII text.
    static const auto kClass = [] {
        std::array<uint8_t, 256> table{};
        for (int b = 0; b < 256; ++b) table[b] = b < 0x80 ? 0 : (b & 0xC0) == 0x80 ? 2 : 3;
        for (int b : {9, 10, 11, 12, 13, 28, 29, 30, 31, 32}) table[b] = 1;
        return table;
    }();
    const auto* s = reinterpret_cast<const unsigned char*>(data);
    WordStats out;
    size_t space = 1;  // the text begins after white space
    for (size_t i = 0; i < size;) {
        const uint8_t kind = kClass[s[i]];
        if (kind < 2) {
            ++out.chars;
            out.words += space & (kind ^ 1);  // a non-space after a space starts a word
            space = kind;
            ++i;
            continue;
        }
        if (kind == 2) {  // a stray continuation byte: part of no code point (not well-formed UTF-8)
            ++i;
            continue;
        }
        size_t length;
        const size_t is_space = multibyte_space(s, i, size, length) ? 1 : 0;
        ++out.chars;
        out.words += space & (is_space ^ 1);
        space = is_space;
        i += length;
    }
    return out;
}

}  // namespace hfbpe
