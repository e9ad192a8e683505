// Reads Arrow string arrays handed over through the Arrow C data interface,
// in place: no copy of the text, no Python object per row.
#pragma once

#include <cstdint>
#include <vector>

#include "text.hpp"

// The two ABI structs of the Arrow C data interface, as its specification
// defines them (stable since Arrow 1.0; any producer's arrays fit them).
#ifndef ARROW_C_DATA_INTERFACE
#define ARROW_C_DATA_INTERFACE
extern "C" {
struct ArrowSchema {
    const char* format;
    const char* name;
    const char* metadata;
    int64_t flags;
    int64_t n_children;
    struct ArrowSchema** children;
    struct ArrowSchema* dictionary;
    void (*release)(struct ArrowSchema*);
    void* private_data;
};

struct ArrowArray {
    int64_t length;
    int64_t null_count;
    int64_t offset;
    int64_t n_buffers;
    int64_t n_children;
    const void** buffers;
    struct ArrowArray** children;
    struct ArrowArray* dictionary;
    void (*release)(struct ArrowArray*);
    void* private_data;
};
}
#endif

namespace hfbpe {

// Appends a view of every row of a string ("u") or large_string ("U") array
// to `out` (null rows as TextKind::Null). The array must outlive the views.
// Throws std::invalid_argument for any other type.
void append_arrow_strings(const ArrowSchema& schema, const ArrowArray& array, std::vector<TextView>& out);

}  // namespace hfbpe
