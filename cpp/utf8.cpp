#include "utf8.hpp"

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

}  // namespace hfbpe
