#include "pattern_dialect.hpp"

#include <cstring>
#include <utility>

namespace hfbpe {
namespace {

// UTS #18 \w: what the regex module (and Rust's regex) match.
constexpr const char* kWordSet = "\\p{Alphabetic}\\p{M}\\p{Nd}\\p{Pc}\\x{200C}\\x{200D}";

// POSIX class name -> the regex module's meaning, as class contents.
constexpr std::pair<const char*, const char*> kPosixClasses[] = {
    {"alpha", "\\p{Alphabetic}"},
    {"alnum", "\\p{Alphabetic}0-9"},  // the regex module's [:digit:] is ASCII only
    {"digit", "0-9"},
    {"space", "\\p{White_Space}"},
    {"upper", "\\p{Uppercase}"},
    {"lower", "\\p{Lowercase}"},
    {"word", nullptr},  // kWordSet
};

// The class escapes that differ; `in_class` tells whether we are inside [...].
bool rewrite_escape(char letter, bool in_class, std::string& out) {
    switch (letter) {
        case 's': out += "\\p{White_Space}"; return true;
        case 'S': out += "\\P{White_Space}"; return true;
        case 'w':
            if (in_class) {
                out += kWordSet;
            } else {
                out += '[';
                out += kWordSet;
                out += ']';
            }
            return true;
        case 'W':
            if (in_class) return false;
            out += "[^";
            out += kWordSet;
            out += ']';
            return true;
        default: return false;
    }
}

// At pattern[i] == '[' inside a class: a POSIX class "[:name:]" we translate?
// Returns its length, or 0 to leave it alone.
size_t rewrite_posix(const std::string& pattern, size_t i, std::string& out) {
    if (i + 1 >= pattern.size() || pattern[i + 1] != ':') return 0;
    const size_t end = pattern.find(":]", i + 2);
    if (end == std::string::npos) return 0;
    const std::string name = pattern.substr(i + 2, end - i - 2);
    for (const auto& [posix, replacement] : kPosixClasses) {
        if (name == posix) {
            out += replacement != nullptr ? replacement : kWordSet;
            return end + 2 - i;
        }
    }
    return 0;
}

}  // namespace

std::string to_pcre2_dialect(const std::string& pattern) {
    std::string out;
    out.reserve(pattern.size() * 2);
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
            } else if (c == '[') {
                if (const size_t n = rewrite_posix(pattern, i, out)) {
                    i += n;
                    continue;
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
        if (c == '(' && pattern.compare(i, 3, "(?#") == 0) {  // comment: copied up to its ')'
            const size_t end = pattern.find(')', i);
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
