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
// never needs the GIL or a temporary Python object. Arrow strings arrive as
// UTF-8 that nobody has checked (Arrow does not enforce it).
// Null stands for a missing value (None, an Arrow null): skipped and counted.
enum class TextKind : uint8_t { Utf8, UncheckedUtf8, Ucs1, Ucs2, Ucs4, Null };

struct TextView {
    const void* data;
    size_t length;  // bytes for the UTF-8 kinds, code points otherwise
    TextKind kind;
};

// The first `max_chars` code points of `text` (all of it when shorter).
TextView crop_to_chars(const TextView& text, size_t max_chars);

// Why a text could not be read as UTF-8.
enum class TextError : uint8_t { None, LoneSurrogate, InvalidUtf8 };

// Returns the text as UTF-8, converting into `scratch` when needed, and its
// number of code points in `chars`. On failure returns the reason and sets
// `bad_position` (a code point index) at a lone surrogate, which has no UTF-8
// encoding; unchecked UTF-8 that is not well-formed fails as a whole.
TextError as_utf8(const TextView& text, std::string& scratch, std::string_view& out, size_t& chars,
                  size_t& bad_position);

}  // namespace hfbpe
