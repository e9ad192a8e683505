// Text as the core receives it: UTF-8 bytes, or the Latin-1/UCS-2/UCS-4 storage of a Python str.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace hfbpe {

// Python keeps a str as 1, 2 or 4 bytes per code point. The counter reads that
// storage directly in its worker threads (str objects are immutable and the
// binding holds a reference), so converting to UTF-8 runs in parallel and
// never needs the GIL or a temporary Python object.
enum class TextKind : uint8_t { Utf8, Ucs1, Ucs2, Ucs4 };

struct TextView {
    const void* data;
    size_t length;  // bytes for Utf8, code points otherwise
    TextKind kind;
};

// Returns the text as UTF-8, converting into `scratch` when needed. Returns
// false and sets `bad_position` (a code point index) at a lone surrogate,
// which has no UTF-8 encoding.
bool as_utf8(const TextView& text, std::string& scratch, std::string_view& out, size_t& bad_position);

}  // namespace hfbpe
