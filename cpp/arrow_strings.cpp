#include "arrow_strings.hpp"

#include <stdexcept>
#include <string>

namespace hfbpe {
namespace {

template <class Offset>
void append_rows(const ArrowArray& array, std::vector<TextView>& out) {
    const auto* validity = static_cast<const uint8_t*>(array.buffers[0]);
    const auto* offsets = static_cast<const Offset*>(array.buffers[1]);
    const auto* data = static_cast<const char*>(array.buffers[2]);
    if (array.length > 0 && offsets == nullptr) throw std::invalid_argument("Arrow string array without offsets");
    if (array.null_count == 0) validity = nullptr;  // producers may omit the bitmap then, or leave it unset
    out.reserve(out.size() + static_cast<size_t>(array.length));
    for (int64_t row = 0; row < array.length; ++row) {
        const int64_t i = array.offset + row;
        if (validity != nullptr && ((validity[i >> 3] >> (i & 7)) & 1) == 0) {
            out.push_back({nullptr, 0, TextKind::Null});
            continue;
        }
        const int64_t begin = offsets[i], end = offsets[i + 1];
        if (begin < 0 || end < begin) {
            throw std::invalid_argument("Arrow string array with decreasing offsets at row " + std::to_string(row));
        }
        if (end == begin) {
            out.push_back({"", 0, TextKind::Utf8});
            continue;
        }
        if (data == nullptr) throw std::invalid_argument("Arrow string array without a data buffer");
        out.push_back({data + begin, static_cast<size_t>(end - begin), TextKind::UncheckedUtf8});
    }
}

}  // namespace

void append_arrow_strings(const ArrowSchema& schema, const ArrowArray& array, std::vector<TextView>& out) {
    const std::string format = schema.format != nullptr ? schema.format : "";
    if (schema.release == nullptr || array.release == nullptr) {
        throw std::invalid_argument("the Arrow array was already released");
    }
    if (format != "u" && format != "U") {
        throw std::invalid_argument("expected an Arrow string or large_string array, got format '" + format + "'");
    }
    if (array.n_buffers != 3 || array.buffers == nullptr) {
        throw std::invalid_argument("an Arrow string array has 3 buffers, this one has " +
                                    std::to_string(array.n_buffers));
    }
    if (array.length < 0 || array.offset < 0) throw std::invalid_argument("Arrow array with a negative length");
    if (format == "u") {
        append_rows<int32_t>(array, out);
    } else {
        append_rows<int64_t>(array, out);
    }
}

}  // namespace hfbpe
