#include "unicode_classes.hpp"

#include "native_splitter.hpp"

namespace hfbpe {
namespace unicode {

#include "unicode_classes.inc"

char caseless_letter(uint32_t c) {
    for (const CaselessLetter& x : kCaselessLetters) {
        if (x.code_point == c) return x.letter;
    }
    return 0;
}

namespace {

// The splitter's hand-written ASCII paths must agree with the table PCRE2
// gave: its byte classes, and o200k's letter sets being just A-Z and a-z.
constexpr bool ascii_paths_agree() {
    for (unsigned c = 0; c < 0x80; ++c) {
        const uint8_t f = kBlockFlags[c];
        if (native::classify(static_cast<unsigned char>(c)) != (f & kClassBits)) return false;
        if (((f & kUpperSet) != 0) != (c >= 'A' && c <= 'Z')) return false;
        if (((f & kLowerSet) != 0) != (c >= 'a' && c <= 'z')) return false;
    }
    return kBlockOf[0] == 0;
}
static_assert(ascii_paths_agree(), "the ASCII classes of native_splitter.hpp disagree with unicode_classes.inc");

}  // namespace
}  // namespace unicode
}  // namespace hfbpe
