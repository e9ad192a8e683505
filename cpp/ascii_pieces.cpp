#include "ascii_pieces.hpp"

namespace hfbpe {
namespace {

// The named patterns, as hfbpe/patterns.py spells them (tests/test_pretokenizer.py
// checks that every named gpt2/gpt4 pattern gets its splitter).
constexpr const char* kGpt4 =
    R"('(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]++[\r\n]*|\s*[\r\n]|\s+(?!\S)|\s+)";
constexpr const char* kNanochat =
    R"('(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}+|\p{N}{1,2}| ?[^\s\p{L}\p{N}]++[\r\n]*|\s*[\r\n]|\s+(?!\S)|\s+)";
constexpr const char* kGpt2 = R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

}  // namespace

AsciiPieces ascii_pieces_for(const std::string& pattern) {
    if (pattern == kGpt4) return AsciiPieces::Gpt4;
    if (pattern == kNanochat) return AsciiPieces::Nanochat;
    if (pattern == kGpt2) return AsciiPieces::Gpt2;
    return AsciiPieces::None;
}

}  // namespace hfbpe
