#include "merge_filter.hpp"

#include <stdexcept>

#include "pretokenizer.hpp"

namespace hfbpe {
namespace {

bool is_ascii_space(unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

}  // namespace

MergeFilter::MergeFilter(size_t max_words, const std::vector<std::string>& forbidden, size_t max_bytes)
    : max_words_(max_words), max_bytes_(max_bytes), patterns_(forbidden) {
    for (const std::string& pattern : patterns_) {
        int error_code = 0;
        PCRE2_SIZE error_offset = 0;
        pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(), 0,
                                         &error_code, &error_offset, nullptr);
        if (code == nullptr) {
            throw PatternError("invalid merge filter pattern at offset " + std::to_string(error_offset) + ": " +
                               pcre2_message(error_code) + " (pattern: " + pattern + ")");
        }
        codes_.emplace_back(code);
    }
    match_data_.reset(pcre2_match_data_create(1, nullptr));
    if (!match_data_) throw std::bad_alloc();
}

size_t MergeFilter::words_in(std::string_view token) {
    size_t words = 0;
    bool in_word = false;
    for (const char c : token) {
        const bool space = is_ascii_space(static_cast<unsigned char>(c));
        if (!space && !in_word) ++words;
        in_word = !space;
    }
    return words;
}

bool MergeFilter::allows(std::string_view token) const {
    if (max_bytes_ != 0 && token.size() > max_bytes_) return false;
    if (max_words_ != 0 && words_in(token) > max_words_) return false;
    for (const auto& code : codes_) {
        const int rc = pcre2_match(code.get(), reinterpret_cast<PCRE2_SPTR>(token.data()), token.size(), 0, 0,
                                   match_data_.get(), nullptr);
        if (rc >= 0) return false;
        if (rc != PCRE2_ERROR_NOMATCH) {
            throw PatternError("merge filter pattern failed on a token: " + pcre2_message(rc));
        }
    }
    return true;
}

}  // namespace hfbpe
