// A shortcut past PCRE2 for the commonest piece of the GPT split patterns: an
// ASCII word, optionally led by one space (gpt2) or one other ASCII symbol (gpt4).
#pragma once

#include <cstddef>
#include <string>

namespace hfbpe {

// Which shortcut a pattern allows. Only the exact named patterns get one: the
// shortcut restates what their alternatives do at such a position, so any
// other pattern, however similar, goes through PCRE2.
enum class AsciiWords { None, Gpt2, Gpt4 };

AsciiWords ascii_words_for(const std::string& pattern);

inline bool ascii_letter(unsigned char c) { return static_cast<unsigned char>((c | 0x20) - 'a') < 26; }

// If the piece starting at `start` is certainly an ASCII word, sets `end` and
// returns true. Returns false whenever PCRE2 must decide, notably when the
// letters run into a non-ASCII byte (which may be a letter too).
//
// gpt4 (and cl100k, nanochat): "'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}+|...".
// At an ASCII letter, or at an ASCII character that is not a letter, digit,
// CR, LF or apostrophe followed by one, the first alternative cannot match
// (it needs an apostrophe) and the second takes that character and every
// letter after it. gpt2: "'s|'t|...| ?\p{L}+|...": the same with a space only.
inline bool ascii_word(AsciiWords kind, const char* text, size_t size, size_t start, size_t& end) {
    const auto* s = reinterpret_cast<const unsigned char*>(text);
    size_t i = start;
    if (i >= size) return false;
    if (!ascii_letter(s[i])) {
        const unsigned char lead = s[i];
        const bool may_lead = kind == AsciiWords::Gpt2
                                  ? lead == ' '
                                  : lead < 0x80 && !(lead >= '0' && lead <= '9') && lead != '\r' && lead != '\n' &&
                                        lead != '\'';
        if (!may_lead || i + 1 >= size || !ascii_letter(s[i + 1])) return false;
        ++i;
    }
    while (i < size && ascii_letter(s[i])) ++i;
    if (i < size && s[i] >= 0x80) return false;
    end = i;
    return true;
}

}  // namespace hfbpe
