#include "pretokenizer.hpp"

#include <string>

#include "pattern_dialect.hpp"

namespace hfbpe {

std::string pcre2_message(int code) {
    PCRE2_UCHAR buffer[256];
    int n = pcre2_get_error_message(code, buffer, sizeof(buffer));
    if (n < 0) return "unknown PCRE2 error " + std::to_string(code);
    return std::string(reinterpret_cast<const char*>(buffer), static_cast<size_t>(n));
}

namespace {

pcre2_code* compile(const std::string& pattern, int& error_code, PCRE2_SIZE& error_offset) {
    // UCP makes \s, \w, \d and the POSIX classes Unicode-aware, as they are in
    // Python's regex module; without it \s would miss U+00A0 and friends.
    return pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(), PCRE2_UTF | PCRE2_UCP,
                         &error_code, &error_offset, nullptr);
}

}  // namespace

Pretokenizer::Pretokenizer(const std::string& pattern) : pattern_(pattern) {
    int error_code = 0;
    PCRE2_SIZE error_offset = 0;
    // The pattern as written is compiled first so that errors quote offsets in it.
    pcre2_code* code = compile(pattern, error_code, error_offset);
    if (code == nullptr) {
        throw PatternError("invalid pattern at offset " + std::to_string(error_offset) + ": " +
                           pcre2_message(error_code) + " (pattern: " + pattern + ")");
    }
    std::string dialect;
    try {
        dialect = to_pcre2_dialect(pattern);
    } catch (const std::invalid_argument& e) {
        pcre2_code_free(code);
        throw PatternError(std::string("unsupported pattern: ") + e.what() + " (pattern: " + pattern + ")");
    }
    if (pcre2_code* translated = compile(dialect, error_code, error_offset)) {
        pcre2_code_free(code);
        code = translated;
    }
    code_.reset(code);
    native_splitter_ = native_splitter_for(pattern);
    // A pattern the JIT cannot compile still works through the interpreter, only slower.
    jit_ = pcre2_jit_compile(code, PCRE2_JIT_COMPLETE) == 0;
}

Matcher::Matcher(const Pretokenizer& pretokenizer) : pretokenizer_(pretokenizer) {
    match_data_ = pcre2_match_data_create_from_pattern(pretokenizer.code(), nullptr);
    match_context_ = pcre2_match_context_create(nullptr);
    if (pretokenizer.jit()) {
        // Long whitespace runs make \s+(?!\S) backtrack deeply; the default
        // 32 KiB machine stack of the JIT is too small for them.
        jit_stack_ = pcre2_jit_stack_create(32 * 1024, 64 * 1024 * 1024, nullptr);
        if (jit_stack_ != nullptr && match_context_ != nullptr) {
            pcre2_jit_stack_assign(match_context_, nullptr, jit_stack_);
        }
    }
    if (match_data_ == nullptr || match_context_ == nullptr || (pretokenizer.jit() && jit_stack_ == nullptr)) {
        release();
        throw std::bad_alloc();
    }
}

Matcher::~Matcher() { release(); }

void Matcher::release() {
    if (jit_stack_ != nullptr) pcre2_jit_stack_free(jit_stack_);
    if (match_context_ != nullptr) pcre2_match_context_free(match_context_);
    if (match_data_ != nullptr) pcre2_match_data_free(match_data_);
    jit_stack_ = nullptr;
    match_context_ = nullptr;
    match_data_ = nullptr;
}

int Matcher::match(const char* text, size_t size, size_t start, uint32_t options) {
    const auto subject = reinterpret_cast<PCRE2_SPTR>(text);
    int rc = PCRE2_ERROR_JIT_STACKLIMIT;
    if (pretokenizer_.jit() && options == 0) {
        rc = pcre2_jit_match(pretokenizer_.code(), subject, size, start, 0, match_data_, match_context_);
    }
    if (rc == PCRE2_ERROR_JIT_STACKLIMIT) {
        // The interpreter handles the anchored retry after an empty match (the
        // JIT does not take PCRE2_ANCHORED at match time), patterns the JIT
        // could not compile, and the rare subject that overflows even the
        // enlarged JIT stack.
        rc = pcre2_match(pretokenizer_.code(), subject, size, start, options | PCRE2_NO_UTF_CHECK | PCRE2_NO_JIT,
                         match_data_, match_context_);
    }
    if (rc > 0 || rc == PCRE2_ERROR_NOMATCH) return rc;
    if (rc == 0) throw PatternError("PCRE2 match data too small");
    throw PatternError("matching the pattern failed at byte offset " + std::to_string(start) + ": " +
                       pcre2_message(rc));
}

}  // namespace hfbpe
