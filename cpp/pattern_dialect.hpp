// Rewrites the character classes whose Unicode meaning differs between PCRE2
// and Python's regex module (the reference for pre-tokenization) into
// explicit Unicode properties that mean the same in both.
#pragma once

#include <string>

namespace hfbpe {

// Returns `pattern` with \s, \S, \w, \W and the POSIX classes alpha, alnum,
// digit, space, upper, lower and word spelled as the regex module defines them
// (UTS #18): PCRE2's \s also matches U+180E, its \w takes every \p{N} but
// misses spacing marks and Other_Alphabetic, and its [:alpha:] is only \p{L}.
// Escapes, \Q...\E quoting and (?#...) comments are copied unchanged. \W and
// negated POSIX classes inside a bracket class keep PCRE2's meaning: there is
// no way to complement a set inside a class without extended class syntax.
std::string to_pcre2_dialect(const std::string& pattern);

}  // namespace hfbpe
