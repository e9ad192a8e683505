#include "text.hpp"

#include <algorithm>

#include "utf8.hpp"

namespace hfbpe {
namespace {

template <class Unit>
bool encode_utf8(const Unit* units, size_t length, std::string& out, size_t& bad_position) {
    out.clear();
    out.reserve(length * (sizeof(Unit) == 1 ? 2 : 3));
    for (size_t i = 0; i < length; ++i) {
        const uint32_t c = units[i];
        if (c < 0x80) {
            out.push_back(static_cast<char>(c));
        } else if (c < 0x800) {
            out.push_back(static_cast<char>(0xC0 | (c >> 6)));
            out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
        } else if (c < 0x10000) {
            if (c >= 0xD800 && c <= 0xDFFF) {
                bad_position = i;
                return false;
            }
            out.push_back(static_cast<char>(0xE0 | (c >> 12)));
            out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
        } else {
            out.push_back(static_cast<char>(0xF0 | (c >> 18)));
            out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
        }
    }
    return true;
}

}  // namespace

TextView crop_to_chars(const TextView& text, size_t max_chars) {
    TextView out = text;
    if (text.kind == TextKind::Utf8 || text.kind == TextKind::UncheckedUtf8) {
        out.length = utf8_prefix_bytes(static_cast<const char*>(text.data), text.length, max_chars);
    } else {
        out.length = std::min(text.length, max_chars);
    }
    return out;
}

TextError as_utf8(const TextView& text, std::string& scratch, std::string_view& out, size_t& chars,
                  size_t& bad_position) {
    bool ok = true;
    switch (text.kind) {
        case TextKind::Null:
            out = std::string_view();
            chars = 0;
            return TextError::None;
        case TextKind::Utf8:  // from an ASCII str: one byte per code point
            out = std::string_view(static_cast<const char*>(text.data), text.length);
            chars = text.length;
            return TextError::None;
        case TextKind::UncheckedUtf8:
            out = std::string_view(static_cast<const char*>(text.data), text.length);
            return utf8_valid(out.data(), out.size(), chars) ? TextError::None : TextError::InvalidUtf8;
        case TextKind::Ucs1:
            ok = encode_utf8(static_cast<const uint8_t*>(text.data), text.length, scratch, bad_position);
            break;
        case TextKind::Ucs2:
            ok = encode_utf8(static_cast<const uint16_t*>(text.data), text.length, scratch, bad_position);
            break;
        case TextKind::Ucs4:
            ok = encode_utf8(static_cast<const uint32_t*>(text.data), text.length, scratch, bad_position);
            break;
    }
    out = scratch;
    chars = text.length;
    return ok ? TextError::None : TextError::LoneSurrogate;
}

}  // namespace hfbpe
