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

}  // namespace hfbpe
