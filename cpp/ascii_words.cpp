#include "ascii_words.hpp"

namespace hfbpe {
namespace {

// The named patterns, as hfbpe/patterns.py spells them (tests/test_pretokenizer.py
// checks that every named gpt2/gpt4 pattern gets its shortcut).
constexpr const char* kGpt4 =
    R"('(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]++[\r\n]*|\s*[\r\n]|\s+(?!\S)|\s+)";
constexpr const char* kNanochat =
    R"('(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}+|\p{N}{1,2}| ?[^\s\p{L}\p{N}]++[\r\n]*|\s*[\r\n]|\s+(?!\S)|\s+)";
constexpr const char* kGpt2 = R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

}  // namespace

AsciiWords ascii_words_for(const std::string& pattern) {
    if (pattern == kGpt4 || pattern == kNanochat) return AsciiWords::Gpt4;
    if (pattern == kGpt2) return AsciiWords::Gpt2;
    return AsciiWords::None;
}

}  // namespace hfbpe
