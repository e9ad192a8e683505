// Which tokens the merge loop may make: a limit on the words a token spans
// and byte patterns no token may contain. Only changes which pairs are
// eligible; the order among eligible pairs (the tie-break) is untouched.
#pragma once

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace hfbpe {

class MergeFilter {
public:
    // max_words: a token may hold at most this many words (maximal runs of
    // bytes other than ASCII whitespace); 0 for no limit. forbidden: PCRE2
    // patterns matched against a token's bytes (no UTF mode: `.` is one byte,
    // since a token may hold part of a character); a token any of them finds
    // is never made. max_bytes: no token longer than this many bytes (0: no
    // limit; in a byte-level BPE, HF's BpeTrainer counts a token's length in
    // its byte-level characters, one per byte). Throws PatternError for a
    // pattern PCRE2 rejects.
    MergeFilter(size_t max_words, const std::vector<std::string>& forbidden, size_t max_bytes = 0);

    bool allows(std::string_view token) const;

    // Whether the filter only bounds a token's length: then a word of at most
    // max_bytes bytes can always be merged down to one token.
    bool length_only() const { return max_words_ == 0 && patterns_.empty(); }
    size_t max_words() const { return max_words_; }
    size_t max_bytes() const { return max_bytes_; }
    const std::vector<std::string>& forbidden() const { return patterns_; }

    // The words of `token` as max_words counts them.
    static size_t words_in(std::string_view token);

private:
    struct CodeFree {
        void operator()(pcre2_code* c) const { pcre2_code_free(c); }
    };
    struct MatchDataFree {
        void operator()(pcre2_match_data* d) const { pcre2_match_data_free(d); }
    };
    size_t max_words_;
    size_t max_bytes_;
    std::vector<std::string> patterns_;
    std::vector<std::unique_ptr<pcre2_code, CodeFree>> codes_;
    // Only the merge loop's thread asks, once per pair that reaches the top
    // of the heap: one match data is enough.
    std::unique_ptr<pcre2_match_data, MatchDataFree> match_data_;
};

}  // namespace hfbpe
