// UTF-8 checks for text that arrives unchecked (Arrow string arrays may hold any bytes).
#pragma once

#include <cstddef>

namespace hfbpe {

// Whether bytes [0, size) are well-formed UTF-8 (Unicode Table 3-7: no
// overlongs, no surrogates, nothing above U+10FFFF); sets `chars` to the
// number of code points when they are.
bool utf8_valid(const char* data, size_t size, size_t& chars);

// The number of leading bytes that hold the first `max_chars` code points
// (counting bytes that do not continue a sequence; exact for valid UTF-8).
size_t utf8_prefix_bytes(const char* data, size_t size, size_t max_chars);

// Words as Python's str.split() counts them: runs of code points that are not
// whitespace (Unicode White_Space, and U+001C to U+001F as Python adds).
// Code points are counted as in utf8_prefix_bytes.
struct WordStats {
    size_t chars = 0;
    size_t words = 0;
};
WordStats utf8_word_stats(const char* data, size_t size);

}  // namespace hfbpe
