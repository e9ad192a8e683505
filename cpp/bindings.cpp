// The nanobind module hfbpe._core: converts arguments, releases the GIL, checks for signals.
#include <nanobind/nanobind.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>

#include <Python.h>

#include <cstring>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "arrow_strings.hpp"
#include "counter.hpp"
#include "piece_encoder.hpp"
#include "pretokenizer.hpp"
#include "text.hpp"
#include "trainer.hpp"
#include "utf8.hpp"
#include "word_counts.hpp"

namespace nb = nanobind;
using namespace nb::literals;

namespace {

using namespace hfbpe;

// Runs with the GIL released; raises KeyboardInterrupt (or whatever a signal
// handler raised) inside the native loop that called it.
void check_signals() {
    nb::gil_scoped_acquire gil;
    if (PyErr_CheckSignals() != 0) throw nb::python_error();
}

// Views the storage of a str in place (None is a missing value). `position`
// names the text in error messages.
TextView view_of_str(PyObject* item, size_t position) {
    if (item == Py_None) return {nullptr, 0, TextKind::Null};
    if (!PyUnicode_Check(item)) {
        throw nb::type_error(("item " + std::to_string(position) + " of the input is " + Py_TYPE(item)->tp_name +
                              ", expected str")
                                 .c_str());
    }
#if PY_VERSION_HEX < 0x030C0000
    if (PyUnicode_READY(item) != 0) throw nb::python_error();
#endif
    const size_t length = static_cast<size_t>(PyUnicode_GET_LENGTH(item));
    const void* data = PyUnicode_DATA(item);
    if (PyUnicode_IS_ASCII(item)) return {data, length, TextKind::Utf8};
    switch (PyUnicode_KIND(item)) {
        case PyUnicode_1BYTE_KIND:
            return {data, length, TextKind::Ucs1};
        case PyUnicode_2BYTE_KIND:
            return {data, length, TextKind::Ucs2};
        default:
            return {data, length, TextKind::Ucs4};
    }
}

std::string text_error(size_t position, const std::exception& e) {
    return "item " + std::to_string(position) + " of the input " + e.what();
}

std::string_view utf8_of_str(nb::handle text, std::string& scratch) {
    if (text.is_none()) throw nb::type_error("text must be a str, got None");
    TextView view = view_of_str(text.ptr(), 0);
    std::string_view utf8;
    size_t chars = 0, bad = 0;
    if (as_utf8(view, scratch, utf8, chars, bad) != TextError::None) {
        throw nb::value_error(("text contains a lone surrogate at character " + std::to_string(bad) +
                               ", which cannot be encoded as UTF-8")
                                  .c_str());
    }
    return utf8;
}

nb::list split(const Pretokenizer& pretokenizer, nb::handle text) {
    std::string scratch;
    const std::string_view utf8 = utf8_of_str(text, scratch);
    Matcher matcher(pretokenizer);
    nb::list pieces;
    matcher.for_each_piece(utf8.data(), utf8.size(), [&](size_t begin, size_t end) {
        pieces.append(nb::steal(PyUnicode_DecodeUTF8(utf8.data() + begin, static_cast<Py_ssize_t>(end - begin),
                                                     "strict")));
    });
    return pieces;
}

// A digest of split()'s pieces (the byte offsets where each begins and
// ends) and their number: the tests compare splitters on millions of pieces,
// which as str objects would take most of their time.
nb::tuple piece_digest(const Pretokenizer& pretokenizer, nb::handle text) {
    std::string scratch;
    const std::string_view utf8 = utf8_of_str(text, scratch);
    uint64_t digest = 0, pieces = 0;
    {
        nb::gil_scoped_release release;
        Matcher matcher(pretokenizer);
        matcher.for_each_piece(utf8.data(), utf8.size(), [&](size_t begin, size_t end) {
            digest = (digest ^ (static_cast<uint64_t>(begin) << 32 ^ end)) * 0x9E3779B97F4A7C15ULL;
            digest ^= digest >> 29;
            ++pieces;
        });
    }
    return nb::make_tuple(pieces, digest);
}

void count(Counter& counter, nb::handle texts, size_t first_position) {
    // A tuple of our own keeps every str alive while the GIL is released,
    // whatever other threads do to the caller's list meanwhile.
    nb::object items = nb::steal(PySequence_Tuple(texts.ptr()));
    if (!items.is_valid()) throw nb::python_error();
    const Py_ssize_t n = PyTuple_GET_SIZE(items.ptr());
    std::vector<TextView> views;
    views.reserve(static_cast<size_t>(n));
    for (Py_ssize_t i = 0; i < n; ++i) {
        views.push_back(view_of_str(PyTuple_GET_ITEM(items.ptr(), i), first_position + static_cast<size_t>(i)));
    }
    try {
        nb::gil_scoped_release release;
        counter.count_batch(views, check_signals);
    } catch (const InvalidText& e) {
        throw nb::value_error(text_error(first_position + e.index, e).c_str());
    }
}

template <class T>
T* capsule_pointer(nb::handle capsule, const char* name) {
    void* pointer = PyCapsule_GetPointer(capsule.ptr(), name);
    if (pointer == nullptr) {
        PyErr_Clear();
        throw nb::type_error((std::string("expected a PyCapsule named '") + name + "' (the Arrow PyCapsule interface)")
                                 .c_str());
    }
    return static_cast<T*>(pointer);
}

// Counts the rows of an Arrow string array exported through the Arrow
// PyCapsule interface (`array.__arrow_c_array__()`). The capsules own the
// exported array, and the caller's references keep them alive while the GIL
// is released, so the text is read where Arrow keeps it.
void append_arrow(nb::handle schema_capsule, nb::handle array_capsule, std::vector<TextView>& views) {
    const auto* schema = capsule_pointer<ArrowSchema>(schema_capsule, "arrow_schema");
    const auto* array = capsule_pointer<ArrowArray>(array_capsule, "arrow_array");
    try {
        append_arrow_strings(*schema, *array, views);
    } catch (const std::invalid_argument& e) {
        throw nb::type_error(e.what());
    }
}

void count_arrow(Counter& counter, nb::handle schema_capsule, nb::handle array_capsule) {
    std::vector<TextView> views;
    append_arrow(schema_capsule, array_capsule, views);
    nb::gil_scoped_release release;
    counter.count_batch(views, check_signals);
}

// The chunks of a ChunkedArray, each as its (schema, array) capsule pair, counted
// as one batch: a stream's small tables (a parquet row group each) would
// otherwise pay a batch's fixed costs every time.
void count_arrow_chunks(Counter& counter, nb::list chunks) {
    std::vector<nb::object> keep;  // the capsules own the arrays the views point into
    std::vector<TextView> views;
    for (nb::handle chunk : chunks) {
        nb::tuple pair = nb::cast<nb::tuple>(chunk);
        if (pair.size() != 2) throw nb::type_error("expected (schema capsule, array capsule) pairs");
        keep.emplace_back(nb::borrow(pair));
        append_arrow(pair[0], pair[1], views);
    }
    nb::gil_scoped_release release;
    counter.count_batch(views, check_signals);
}

// Gives the memory of freed tables back to the system now, so that it does
// not count toward the peak of a process that goes on to other work.
void return_free_memory() {
#ifdef __GLIBC__
    malloc_trim(0);
#endif
}

nb::tuple train(WordCounts& counts, size_t num_merges, nb::object progress, bool release_counts, int num_threads,
                nb::object start_tokens, const PieceEncoder* start_encoder, const MergeFilter* merge_filter,
                int64_t min_frequency, std::optional<nb::bytes> byte_order) {
    TrainResult result;
    TrainStart start;
    std::string order;
    if (byte_order) order.assign(byte_order->c_str(), byte_order->size());
    const bool from_start = !start_tokens.is_none();
    if (from_start != (start_encoder != nullptr)) {
        throw nb::value_error("start_tokens and start_encoder go together");
    }
    if (from_start) {
        for (nb::handle item : start_tokens) {
            if (item.is_none()) {
                start.tokens.emplace_back();
            } else {
                nb::bytes b = nb::cast<nb::bytes>(item);
                start.tokens.emplace_back(b.c_str(), b.size());
            }
        }
        start.encoder = start_encoder;
    }
    {
        nb::gil_scoped_release release;
        auto on_progress = [&](size_t merges_done) {
            nb::gil_scoped_acquire gil;
            if (PyErr_CheckSignals() != 0) throw nb::python_error();
            if (!progress.is_none()) progress(merges_done);
        };
        auto words_loaded = [&] {
            if (release_counts) return_free_memory();
        };
        try {
            result = train_bpe(counts, num_merges, num_threads, on_progress, release_counts, words_loaded,
                               from_start ? &start : nullptr, merge_filter, min_frequency,
                               byte_order ? &order : nullptr);
        } catch (const std::invalid_argument& e) {
            throw nb::value_error(e.what());
        }
    }
    nb::list merges, token_bytes, merge_counts, skipped, filtered;
    for (const Merge& m : result.merges) {
        merges.append(nb::make_tuple(m.left, m.right));
        merge_counts.append(m.count);
    }
    for (size_t id = result.first_new; id < result.tokens.size(); ++id) {
        token_bytes.append(nb::bytes(result.tokens[id].data(), result.tokens[id].size()));
    }
    for (const Merge& m : result.skipped) skipped.append(nb::make_tuple(m.left, m.right, m.count));
    for (const Merge& m : result.filtered) filtered.append(nb::make_tuple(m.left, m.right, m.count));
    return nb::make_tuple(merges, result.words, result.setup_seconds, result.loop_seconds, token_bytes,
                          result.memory_bytes, merge_counts, skipped, filtered, result.stopped_at_min_frequency);
}

// The counts as three flat buffers (piece bytes back to back, n + 1 int64
// offsets into them, n int64 counts): what pickling and parquet files hold.
nb::tuple export_counts(const WordCounts& counts) {
    std::string data;
    std::vector<int64_t> offsets{0}, values;
    offsets.reserve(counts.size() + 1);
    values.reserve(counts.size());
    counts.for_each([&](std::string_view piece, int64_t count) {
        data.append(piece);
        offsets.push_back(static_cast<int64_t>(data.size()));
        values.push_back(count);
    });
    return nb::make_tuple(nb::bytes(data.data(), data.size()),
                          nb::bytes(reinterpret_cast<const char*>(offsets.data()), offsets.size() * sizeof(int64_t)),
                          nb::bytes(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(int64_t)));
}

WordCounts import_counts(nb::bytes data, nb::bytes offsets, nb::bytes counts) {
    const size_t n = counts.size() / sizeof(int64_t);
    if (counts.size() % sizeof(int64_t) != 0 || offsets.size() != (n + 1) * sizeof(int64_t)) {
        throw nb::value_error("word count buffers do not fit together: expected n counts and n + 1 offsets");
    }
    std::vector<int64_t> offset(n + 1), value(n);
    std::memcpy(offset.data(), offsets.c_str(), offsets.size());
    if (n > 0) std::memcpy(value.data(), counts.c_str(), counts.size());  // data() of an empty vector may be null
    if (offset[0] != 0 || offset[n] != static_cast<int64_t>(data.size())) {
        throw nb::value_error("word count offsets do not cover the piece bytes");
    }
    WordCounts out;
    {
        nb::gil_scoped_release release;
        for (size_t i = 0; i < n; ++i) {
            if (offset[i + 1] < offset[i]) throw std::invalid_argument("word count offsets decrease");
            if (value[i] < 0) throw std::invalid_argument("a word count is negative");
            out.add({data.c_str() + offset[i], static_cast<size_t>(offset[i + 1] - offset[i])}, value[i]);
        }
    }
    return out;
}

void add_piece(WordCounts& counts, nb::bytes piece, int64_t count) {
    if (count < 0) throw nb::value_error(("a count cannot be negative, got " + std::to_string(count)).c_str());
    counts.add({piece.c_str(), piece.size()}, count);
}

// The PCRE2 library linked in and the Unicode version of its tables, for
// cpp/unicode_classes.py to record where the splitter's table came from.
nb::tuple pcre2_versions() {
    auto config = [](uint32_t what) {
        char buffer[64] = {};
        pcre2_config(what, buffer);
        return std::string(buffer);
    };
    return nb::make_tuple(config(PCRE2_CONFIG_VERSION), config(PCRE2_CONFIG_UNICODE_VERSION));
}

// The splitter's compiled-in flags of every code point (surrogates included),
// so that the tests can hold them against what PCRE2 matches.
nb::bytes unicode_classes() {
    std::string flags(unicode::kCodePoints, '\0');
    for (uint32_t c = 0; c < unicode::kCodePoints; ++c) flags[c] = static_cast<char>(unicode::flags_of(c));
    return nb::bytes(flags.data(), flags.size());
}

// A PieceEncoder from flat buffers: 256 uint32 byte ids, and 4 uint32 per rule
// (left, right, result, priority), as numpy's tobytes() gives them.
void make_piece_encoder(PieceEncoder* self, nb::bytes byte_ids, nb::bytes rules, nb::list whole_tokens,
                        size_t vocab_size) {
    if (byte_ids.size() != 256 * sizeof(uint32_t)) throw nb::value_error("byte_ids must hold 256 uint32 values");
    if (rules.size() % sizeof(MergeRule) != 0) throw nb::value_error("rules must hold 4 uint32 values per rule");
    std::vector<uint32_t> bytes(256);
    std::memcpy(bytes.data(), byte_ids.c_str(), byte_ids.size());
    std::vector<MergeRule> parsed(rules.size() / sizeof(MergeRule));
    if (!parsed.empty()) std::memcpy(parsed.data(), rules.c_str(), rules.size());  // null data() when empty
    std::vector<std::pair<std::string, uint32_t>> whole;
    for (nb::handle item : whole_tokens) {
        nb::tuple pair = nb::cast<nb::tuple>(item);
        nb::bytes token = nb::cast<nb::bytes>(pair[0]);
        whole.emplace_back(std::string(token.c_str(), token.size()), nb::cast<uint32_t>(pair[1]));
    }
    try {
        new (self) PieceEncoder(std::move(bytes), parsed, std::move(whole), vocab_size);
    } catch (const std::invalid_argument& e) {
        throw nb::value_error(e.what());
    }
}

nb::list encode_piece(const PieceEncoder& encoder, nb::bytes piece) {
    std::vector<uint32_t> ids;
    encoder.encode({piece.c_str(), piece.size()}, ids);
    nb::list out;
    for (uint32_t id : ids) out.append(id);
    return out;
}

nb::tuple encode_word_counts(const PieceEncoder& encoder, const WordCounts& counts, int num_threads) {
    EncodedCounts result;
    {
        nb::gil_scoped_release release;
        result = encode_counts(counts, encoder, num_threads, check_signals);
    }
    return nb::make_tuple(result.tokens,
                          nb::bytes(reinterpret_cast<const char*>(result.usage.data()),
                                    result.usage.size() * sizeof(int64_t)),
                          result.piece_bytes);
}

// (documents, bytes, characters, words) of an Arrow string array (its two
// capsules): what an evaluation reports of the text, whatever the tokenizer.
nb::tuple text_stats(nb::handle schema_capsule, nb::handle array_capsule) {
    std::vector<TextView> views;
    append_arrow(schema_capsule, array_capsule, views);
    struct Totals {
        size_t documents = 0, bytes = 0, chars = 0, words = 0;
    };
    // Two halves on two threads: a batch is at most BATCH_BYTES, a few milliseconds of work.
    auto tally = [&](size_t begin, size_t end, Totals& out) {
        for (size_t i = begin; i < end; ++i) {
            const TextView& view = views[i];
            if (view.kind == TextKind::Null) continue;
            const WordStats stats = utf8_word_stats(static_cast<const char*>(view.data), view.length);
            ++out.documents;
            out.bytes += view.length;
            out.chars += stats.chars;
            out.words += stats.words;
        }
    };
    Totals first, second;
    {
        nb::gil_scoped_release release;
        const size_t half = views.size() / 2;
        std::thread helper(tally, half, views.size(), std::ref(second));
        tally(0, half, first);
        helper.join();
    }
    return nb::make_tuple(first.documents + second.documents, first.bytes + second.bytes,
                          first.chars + second.chars, first.words + second.words);
}

nb::dict counts_to_dict(const WordCounts& counts) {
    nb::dict out;
    counts.for_each([&](std::string_view piece, int64_t count) {
        out[nb::bytes(piece.data(), piece.size())] = count;
    });
    return out;
}

}  // namespace

NB_MODULE(_core, m) {
    m.doc() = "hfbpe's native core: PCRE2 pre-tokenization, parallel counting and the BPE merge loop.";

    nb::exception<hfbpe::PatternError>(m, "PatternError", PyExc_ValueError);

    nb::class_<Pretokenizer>(m, "Pretokenizer", "A compiled split pattern (PCRE2, UTF and UCP, JIT when available).")
        .def(nb::init<const std::string&>(), "pattern"_a)
        .def_prop_ro("pattern", &Pretokenizer::pattern)
        .def_prop_ro("jit", &Pretokenizer::jit, "Whether the pattern was JIT-compiled.")
        .def_prop_ro(
            "native_splitter", [](const Pretokenizer& p) { return p.native_splitter() != NativeSplitter::None; },
            "Whether text is split by the hand-written splitter instead of PCRE2 (the named patterns only).")
        .def("split", &split, "text"_a, "The pieces of `text`, as regex.findall(pattern, text) gives them.")
        .def("_piece_digest", &piece_digest, "text"_a,
             "(number of pieces, a 64-bit digest of where each begins and ends) of split(text), for tests.");

    nb::class_<WordCounts>(m, "WordCounts", "Counts of pre-tokenized pieces (piece bytes -> 64-bit count).")
        .def(nb::init<>())
        .def("__len__", &WordCounts::size)
        .def_prop_ro("total", &WordCounts::total, "Sum of all counts.")
        .def_prop_ro("memory_bytes", &WordCounts::memory_bytes, "Bytes held by the tables.")
        .def("add", &add_piece, "piece"_a, "count"_a)
        .def(
            "update",
            [](WordCounts& self, const WordCounts& other) {
                if (&self == &other) throw nb::value_error("cannot add counts to themselves; copy them first");
                nb::gil_scoped_release release;
                self.add_all(other);
            },
            "other"_a, "Adds every count of `other` to these.")
        .def("export", &export_counts, "(piece bytes, int64 offsets, int64 counts) as three bytes objects.")
        .def_static("from_buffers", &import_counts, "data"_a, "offsets"_a, "counts"_a,
                    "Counts from the three buffers of export().")
        .def("to_dict", &counts_to_dict, "The counts as a dict of piece bytes to count.")
        .def(
            "bytes_present",
            [](const WordCounts& self) {
                std::array<bool, 256> present;
                {
                    nb::gil_scoped_release release;
                    present = self.bytes_present();
                }
                std::string out;
                for (int b = 0; b < 256; ++b) {
                    if (present[b]) out.push_back(static_cast<char>(b));
                }
                return nb::bytes(out.data(), out.size());
            },
            "The byte values that occur in some piece, ascending, as bytes.");

    nb::class_<Counter>(m, "Counter", "Counts the pieces of batches of texts on a pool of threads.")
        .def(
            "__init__",
            [](Counter* self, const std::string& pattern, int num_threads, std::optional<uint64_t> doc_cap,
               std::optional<uint64_t> max_chars) {
                CountLimits limits;
                if (doc_cap) limits.doc_cap = *doc_cap;
                if (max_chars) limits.max_chars = *max_chars;
                new (self) Counter(std::make_shared<const Pretokenizer>(pattern), num_threads, limits);
            },
            "pattern"_a, "num_threads"_a, "doc_cap"_a = nb::none(), "max_chars"_a = nb::none(),
            "doc_cap crops every document to that many characters; max_chars stops after the document that "
            "takes the total past it.")
        .def("count", &count, "texts"_a, "first_position"_a = 0,
             "Counts a batch (a sequence of str or None); `first_position` numbers its first text in error messages.")
        .def("count_arrow", &count_arrow, "schema_capsule"_a, "array_capsule"_a,
             "Counts an Arrow string or large_string array given as the two capsules of __arrow_c_array__().")
        .def("count_arrow_chunks", &count_arrow_chunks, "chunks"_a,
             "Counts several Arrow string arrays, a list of __arrow_c_array__() pairs, as one batch.")
        .def("take_counts", &Counter::take_counts, "Returns the counts so far and starts again from empty.")
        .def_prop_ro("documents", &Counter::documents)
        .def_prop_ro("bytes", &Counter::bytes, "UTF-8 bytes counted (after doc_cap).")
        .def_prop_ro("chars", &Counter::chars, "Characters counted (after doc_cap).")
        .def_prop_ro("nulls", &Counter::nulls, "Missing values skipped.")
        .def_prop_ro("invalid", &Counter::invalid, "Arrow strings skipped for not being well-formed UTF-8.")
        .def_prop_ro("exhausted", &Counter::exhausted, "Whether max_chars was reached.");

    nb::class_<PieceEncoder>(m, "PieceEncoder",
                             "A byte-level BPE as merge rules, encoding pieces (bytes) without a split pattern.")
        .def("__init__", &make_piece_encoder, "byte_ids"_a, "rules"_a, "whole_tokens"_a, "vocab_size"_a,
             "byte_ids: 256 uint32 (the token of each byte); rules: 4 uint32 per rule (left, right, result, "
             "priority), the lowest priority applied first, the leftmost on ties; whole_tokens: (bytes, id) "
             "pairs taken whole without merging (HF's ignore_merges).")
        .def_static(
            "from_ranks",
            [](nb::list token_bytes) {
                std::vector<std::string> tokens;
                tokens.reserve(token_bytes.size());
                for (nb::handle item : token_bytes) {
                    if (item.is_none()) {
                        tokens.emplace_back();
                    } else {
                        nb::bytes b = nb::cast<nb::bytes>(item);
                        tokens.emplace_back(b.c_str(), b.size());
                    }
                }
                try {
                    nb::gil_scoped_release release;
                    return PieceEncoder::from_ranks(tokens);
                } catch (const std::invalid_argument& e) {
                    throw nb::value_error(e.what());
                }
            },
            "token_bytes"_a,
            "tiktoken's encoding of a rank table: token_bytes[id] (None for ids that are not byte sequences).")
        .def("encode", &encode_piece, "piece"_a, "The token ids of one piece (bytes).")
        .def("encode_counts", &encode_word_counts, "counts"_a, "num_threads"_a = 1,
             "(sum of count x tokens over the pieces, int64 usage count of every id as bytes, sum of count x bytes).")
        .def(
            "first_difference",
            [](const PieceEncoder& self, const PieceEncoder& other, const WordCounts& counts) -> nb::object {
                std::optional<std::string> found;
                {
                    nb::gil_scoped_release release;
                    found = first_difference(counts, self, other, check_signals);
                }
                if (!found) return nb::none();
                return nb::bytes(found->data(), found->size());
            },
            "other"_a, "counts"_a, "The first piece of `counts` this encoder and `other` encode differently, or None.")
        .def_prop_ro("vocab_size", &PieceEncoder::vocab_size);

    m.def("text_stats", &text_stats, "schema_capsule"_a, "array_capsule"_a,
          "(documents, UTF-8 bytes, characters, words as str.split() counts them) of an Arrow string array.");
    m.def("_pcre2_versions", &pcre2_versions, "(PCRE2 version, Unicode version of its tables).");
    m.def("_unicode_classes", &unicode_classes,
          "The native splitter's flag byte of every code point (see cpp/unicode_classes.py), as bytes.");

    nb::class_<MergeFilter>(m, "MergeFilter",
                            "Which tokens the merge loop may make: at most max_words words (runs of bytes other "
                            "than ASCII whitespace; 0: no limit) and none that a `forbidden` PCRE2 pattern finds "
                            "(matched on the token's bytes, without UTF mode), and none longer than max_bytes "
                            "(0: no limit).")
        .def(
            "__init__",
            [](MergeFilter* self, size_t max_words, nb::list forbidden, size_t max_bytes) {
                std::vector<std::string> patterns;
                for (nb::handle item : forbidden) {
                    nb::bytes p = nb::cast<nb::bytes>(item);
                    patterns.emplace_back(p.c_str(), p.size());
                }
                new (self) MergeFilter(max_words, patterns, max_bytes);
            },
            "max_words"_a = 0, "forbidden"_a = nb::list(), "max_bytes"_a = 0)
        .def(
            "allows", [](const MergeFilter& self, nb::bytes token) { return self.allows({token.c_str(), token.size()}); },
            "token"_a, "Whether the merge loop may make a token of these bytes.")
        .def_static(
            "words_in", [](nb::bytes token) { return MergeFilter::words_in({token.c_str(), token.size()}); },
            "token"_a, "The words in these bytes, as max_words counts them.")
        .def_prop_ro("max_words", &MergeFilter::max_words)
        .def_prop_ro("max_bytes", &MergeFilter::max_bytes)
        .def_prop_ro("forbidden", [](const MergeFilter& self) {
            nb::list out;
            for (const std::string& p : self.forbidden()) out.append(nb::bytes(p.data(), p.size()));
            return out;
        });

    m.def("train", &train, "counts"_a, "num_merges"_a, "progress"_a = nb::none(), "release_counts"_a = false,
          "num_threads"_a = 1, "start_tokens"_a = nb::none(), "start_encoder"_a.none() = nb::none(),
          "merge_filter"_a.none() = nb::none(), "min_frequency"_a = 1, "byte_order"_a.none() = nb::none(),
          "Learns up to `num_merges` merges; returns (merges, words, setup seconds, merge loop seconds, "
          "the bytes of each merged token, the bytes the trainer's tables held, the count of each merged pair, "
          "the (left, right, count) of each pair skipped because its bytes already were a token, and of each "
          "pair the merge_filter refused, and whether training stopped because no pair occurred min_frequency "
          "times). "
          "start_tokens (the bytes of every id, None where an id is no byte sequence) and start_encoder "
          "(a PieceEncoder into those ids) continue an existing vocabulary: new ids follow its last one. "
          "With release_counts, `counts` is emptied shard by shard as the words are loaded, to free its memory; "
          "with num_threads > 1 the largest merges use a second thread. "
          "byte_order (the 256 bytes, each once): id k is the byte byte_order[k], which sets the tie-break "
          "among equal counts.");
}
