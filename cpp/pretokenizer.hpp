// Splits UTF-8 text into pieces with a PCRE2 pattern, exactly as `regex.findall` would.
#pragma once

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <cstddef>
#include <memory>
#include <stdexcept>
#include <string>

#include "native_splitter.hpp"

namespace hfbpe {

// A bad pattern or a failed match: reaches Python as ValueError.
class PatternError : public std::invalid_argument {
public:
    using std::invalid_argument::invalid_argument;
};

// PCRE2's text for an error code (of a compile or a match).
std::string pcre2_message(int code);

// The compiled pattern. Immutable after construction and shared by all threads;
// each thread matches through its own Matcher.
class Pretokenizer {
public:
    explicit Pretokenizer(const std::string& pattern);

    const std::string& pattern() const { return pattern_; }
    const pcre2_code* code() const { return code_.get(); }
    bool jit() const { return jit_; }
    NativeSplitter native_splitter() const { return native_splitter_; }

private:
    struct CodeFree {
        void operator()(pcre2_code* c) const { pcre2_code_free(c); }
    };
    std::string pattern_;
    std::unique_ptr<pcre2_code, CodeFree> code_;
    bool jit_ = false;
    NativeSplitter native_splitter_ = NativeSplitter::None;
};

// Per-thread match state: match data, match context and JIT stack are not
// thread-safe in PCRE2, and allocating them per call would dominate short matches.
class Matcher {
public:
    explicit Matcher(const Pretokenizer& pretokenizer);
    ~Matcher();
    Matcher(const Matcher&) = delete;
    Matcher& operator=(const Matcher&) = delete;

    // Calls on_piece(begin, end) for every match in text[0, size), empty
    // matches included. The text must be valid UTF-8: the JIT path does no
    // UTF check of its own.
    template <class F>
    void for_each_piece(const char* text, size_t size, F&& on_piece);

private:
    // Returns the match count (> 0) or PCRE2_ERROR_NOMATCH; throws on any other error.
    int match(const char* text, size_t size, size_t start, uint32_t options);
    void release();

    const Pretokenizer& pretokenizer_;
    pcre2_match_data* match_data_ = nullptr;
    pcre2_match_context* match_context_ = nullptr;
    pcre2_jit_stack* jit_stack_ = nullptr;
};

template <class F>
void Matcher::for_each_piece(const char* text, size_t size, F&& on_piece) {
    const NativeSplitter native = pretokenizer_.native_splitter();
    if (native != NativeSplitter::None) {
        // The named patterns never match empty, so findall's empty-match
        // rules below never come into play.
        for_each_native_piece(native, text, size, on_piece);
        return;
    }
    const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(match_data_);
    size_t start = 0;
    uint32_t options = 0;
    while (start <= size) {
        if (match(text, size, start, options) == PCRE2_ERROR_NOMATCH) {
            if (options == 0) return;
            // No non-empty match where the last empty one was: step over one
            // character (not byte) and search normally, as Python's findall does.
            options = 0;
            if (start == size) return;
            do ++start;
            while (start < size && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80);
            continue;
        }
        const size_t begin = ovector[0], end = ovector[1];
        if (end < begin) throw PatternError("pattern uses \\K to end a match before its start; not supported");
        on_piece(begin, end);
        // After an empty match, the next match may start at the same place but must not be empty.
        options = (end == begin) ? (PCRE2_NOTEMPTY_ATSTART | PCRE2_ANCHORED) : 0;
        start = end;
    }
}

}  // namespace hfbpe
