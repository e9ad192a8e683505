#include "pattern_dialect.hpp"

#include <stdexcept>
#include <string>

namespace hfbpe {
namespace {

// UTS #18 \w: what the regex module and Rust's regex (tiktoken, rustbpe) match.
constexpr const char* kWordSet = "\\p{Alphabetic}\\p{M}\\p{Nd}\\p{Pc}\\x{200C}\\x{200D}";

std::string word_class(bool negated) { return std::string(negated ? "[^" : "[") + kWordSet + "]"; }

// \b and \B over the UTS #18 word set, as lookarounds.
std::string word_boundary(bool inside) {
    const std::string w = word_class(false);
    if (!inside) return "(?:(?<=" + w + ")(?!" + w + ")|(?<!" + w + ")(?=" + w + "))";
    return "(?:(?<=" + w + ")(?=" + w + ")|(?<!" + w + ")(?!" + w + "))";
}

// The escapes that differ; `in_class` tells whether we are inside [...].
bool rewrite_escape(char letter, bool in_class, std::string& out) {
    switch (letter) {
        case 's': out += "\\p{White_Space}"; return true;
        case 'S': out += "\\P{White_Space}"; return true;
        case 'w': out += in_class ? std::string(kWordSet) : word_class(false); return true;
        case 'W':
            if (in_class) return false;  // no complement inside a class without extended class syntax
            out += word_class(true);
            return true;
        case 'b':
            if (in_class) return false;  // a backspace there
            out += word_boundary(false);
            return true;
        case 'B':
            if (in_class) return false;
            out += word_boundary(true);
            return true;
        default: return false;
    }
}

// Whether an inline option group such as (?x) or (?ix: turns on extended mode
// somewhere, where # starts a comment that runs to the end of the line.
bool may_be_extended(const std::string& pattern) {
    for (size_t i = pattern.find("(?"); i != std::string::npos; i = pattern.find("(?", i + 2)) {
        for (size_t k = i + 2; k < pattern.size(); ++k) {
            const char c = pattern[k];
            if (c == 'x') return true;
            if (c == ')' || c == ':' || c == '-') break;
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '^')) break;
        }
    }
    return false;
}

}  // namespace

std::string to_pcre2_dialect(const std::string& pattern) {
    std::string out;
    out.reserve(pattern.size() * 2);
    const bool extended = may_be_extended(pattern);
    bool in_class = false;
    size_t class_start = 0;  // index just past '[' or '[^': a ']' there is a literal
    for (size_t i = 0; i < pattern.size();) {
        const char c = pattern[i];
        if (c == '\\' && i + 1 < pattern.size()) {
            const char next = pattern[i + 1];
            if (next == 'Q') {  // \Q...\E: literal text, copied as it is
                const size_t end = pattern.find("\\E", i + 2);
                const size_t stop = end == std::string::npos ? pattern.size() : end + 2;
                out.append(pattern, i, stop - i);
                i = stop;
                continue;
            }
            if (!rewrite_escape(next, in_class, out)) out.append(pattern, i, 2);
            i += 2;
            continue;
        }
        if (in_class) {
            if (c == ']' && i != class_start) {
                in_class = false;
            } else if (c == '[' && i + 1 < pattern.size() && pattern[i + 1] == ':') {
                const size_t end = pattern.find(":]", i + 2);
                if (end != std::string::npos) {
                    throw std::invalid_argument(
                        "POSIX class " + pattern.substr(i, end + 2 - i) + " at offset " + std::to_string(i) +
                        ": tiktoken and rustbpe read POSIX classes as ASCII, Python's regex module as Unicode, so "
                        "counting and encoding would split differently; write a \\p{...} property or an ASCII "
                        "range instead");
                }
            }
            out += c;
            ++i;
            continue;
        }
        if (c == '[') {
            in_class = true;
            class_start = i + 1;
            if (class_start < pattern.size() && pattern[class_start] == '^') ++class_start;
            out.append(pattern, i, class_start - i);
            i = class_start;
            continue;
        }
        const bool comment = (c == '(' && pattern.compare(i, 3, "(?#") == 0);
        if (comment || (extended && c == '#')) {  // copied up to its ')' or the end of the line
            const size_t end = pattern.find(comment ? ')' : '\n', i);
            const size_t stop = end == std::string::npos ? pattern.size() : end + 1;
            out.append(pattern, i, stop - i);
            i = stop;
            continue;
        }
        out += c;
        ++i;
    }
    return out;
}

}  // namespace hfbpe
