// Rewrites the character classes whose Unicode meaning differs between PCRE2
// and Python's regex module (the reference for pre-tokenization) into
// explicit Unicode properties that mean the same in both.
#pragma once

#include <string>

namespace hfbpe {

// Returns `pattern` with \s, \S, \w, \W, \b and \B spelled as the regex module
// and Rust's regex define them (UTS #18): PCRE2's \s also matches U+180E, and
// its \w takes every \p{N} but misses spacing marks and Other_Alphabetic.
// Escapes, \Q...\E quoting and comments are copied unchanged. \W inside a
// bracket class keeps PCRE2's meaning (no complement inside a class without
// extended class syntax). Throws std::invalid_argument for POSIX classes such
// as [:alpha:], which the regex module reads as Unicode but tiktoken and
// rustbpe as ASCII: no spelling can agree with both.
std::string to_pcre2_dialect(const std::string& pattern);

}  // namespace hfbpe
