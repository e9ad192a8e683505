// Encoding the distinct pieces of a corpus with a byte-level BPE, to evaluate
// a tokenizer: the tokens of the whole corpus are the sum over its distinct
// pieces of count x tokens of the piece, so each piece is encoded once.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "word_counts.hpp"

namespace hfbpe {

// One merge rule: the adjacent tokens (left, right) become `result`. Among the
// rules that apply in a piece, the lowest `priority` is applied first, the
// leftmost on ties. HF's BPE model gives each listed merge its index as
// priority; tiktoken merges the pair whose concatenated bytes have the lowest
// rank, which is the same with priority = rank of the result and a rule for
// every split of every token into two tokens.
struct MergeRule {
    uint32_t left, right, result, priority;
};

class PieceEncoder {
public:
    // byte_ids[b]: the token of the single byte b. whole_tokens: a piece that
    // is one of these tokens as a whole is that token, whatever merging would
    // give (tiktoken looks a piece up before merging it, as HF's BPE does with
    // ignore_merges); empty when the tokenizer merges every piece.
    PieceEncoder(std::vector<uint32_t> byte_ids, const std::vector<MergeRule>& rules,
                 std::vector<std::pair<std::string, uint32_t>> whole_tokens, size_t vocab_size);

    // tiktoken's encoding of a rank table (token_bytes[id], empty for ids that
    // are not byte sequences): a rule for every split of every token into two
    // tokens, with the token's id as priority, and every token taken whole.
    static PieceEncoder from_ranks(const std::vector<std::string>& token_bytes);

    // Replaces `ids` by the tokens of `piece`.
    void encode(std::string_view piece, std::vector<uint32_t>& ids) const;
    size_t vocab_size() const { return vocab_size_; }

private:
    struct Rule {
        uint32_t result, priority;
    };
    static constexpr Rule kNoRule{0, UINT32_MAX};
    const Rule& find(uint32_t left, uint32_t right) const;
    void mark_joins(const std::vector<MergeRule>& rules);
    // Merge ids[0, n) in place; return how many tokens are left.
    size_t merge_short(uint32_t* ids, size_t n) const;
    size_t merge_long(uint32_t* ids, size_t n) const;
    // Whether some rule joins a token ending in byte `a` to one starting with byte `b`.
    bool joins(unsigned char a, unsigned char b) const {
        const unsigned bigram = unsigned{a} << 8 | b;
        return (joins_[bigram >> 6] >> (bigram & 63)) & 1;
    }

    std::vector<uint32_t> byte_ids_;
    // Bit a * 256 + b: some rule's left token ends in byte a and its right token starts with
    // byte b. Between two bytes no rule joins, no merge ever crosses, so a long piece (a
    // superword run) is merged as the independent stretches between such places.
    std::vector<uint64_t> joins_ = std::vector<uint64_t>(65536 / 64, 0);
    // Open addressing on (left, right) -> rule, at most half full.
    // A slot keeps the key beside its rule: a lookup touches one cache line.
    struct Slot {
        uint64_t key;
        Rule rule;
    };
    std::vector<Slot> slots_;
    // Whole tokens in open addressing on their bytes' hash (at most half full), a piece longer
    // than the longest of them never looked up.
    struct WholeSlot {
        uint64_t hash;  // 0: empty
        uint32_t index;  // into whole_bytes_ and whole_ids_
    };
    const uint32_t* find_whole(std::string_view piece) const;
    std::vector<WholeSlot> whole_;
    std::vector<std::string> whole_bytes_;
    std::vector<uint32_t> whole_ids_;
    size_t longest_whole_ = 0;
    size_t vocab_size_;
};

struct EncodedCounts {
    int64_t tokens = 0;           // sum of count x tokens over the pieces
    int64_t piece_bytes = 0;      // sum of count x bytes over the pieces
    std::vector<int64_t> usage;   // per token id: how often the corpus produces it
};

// Encodes every piece of `counts` on `num_threads` threads (shards shared out
// between them); `poll` runs on the calling thread meanwhile (see run_on_threads).
EncodedCounts encode_counts(const WordCounts& counts, const PieceEncoder& encoder, int num_threads,
                            const std::function<void()>& poll);

// The first piece of `counts` (in their order) that `a` and `b` encode
// differently, if any; `poll` runs between shards on the calling thread.
std::optional<std::string> first_difference(const WordCounts& counts, const PieceEncoder& a, const PieceEncoder& b,
                                            const std::function<void()>& poll);

}  // namespace hfbpe
