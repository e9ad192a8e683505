#include "piece_encoder.hpp"

#include <algorithm>
#include <queue>
#include <stdexcept>
#include <utility>

#include "hash.hpp"
#include "parallel.hpp"

namespace hfbpe {
namespace {

constexpr uint64_t kEmpty = UINT64_MAX;  // (left, right) can never both be 2^32 - 1: ids are below vocab_size

uint64_t key_of(uint32_t left, uint32_t right) { return (static_cast<uint64_t>(left) << 32) | right; }

// Pieces up to this many bytes are merged by scanning their pairs (what
// tiktoken does); longer ones, runs of spaces or digits, with a heap, so that
// a piece of n bytes costs n log n and not n^2.
constexpr size_t kShortPiece = 64;

}  // namespace

PieceEncoder::PieceEncoder(std::vector<uint32_t> byte_ids, const std::vector<MergeRule>& rules,
                           std::vector<std::pair<std::string, uint32_t>> whole_tokens, size_t vocab_size)
    : byte_ids_(std::move(byte_ids)), vocab_size_(vocab_size) {
    if (byte_ids_.size() != 256) throw std::invalid_argument("expected the token of each of the 256 bytes");
    for (uint32_t id : byte_ids_) {
        if (id >= vocab_size_) throw std::invalid_argument("a byte's token id is not below vocab_size");
    }
    size_t capacity = 16;
    while (capacity < 2 * rules.size()) capacity *= 2;
    slots_.assign(capacity, Slot{kEmpty, kNoRule});
    const size_t mask = capacity - 1;
    for (const MergeRule& r : rules) {
        if (r.left >= vocab_size_ || r.right >= vocab_size_ || r.result >= vocab_size_) {
            throw std::invalid_argument("a merge refers to a token id that is not below vocab_size");
        }
        if (r.priority == UINT32_MAX) throw std::invalid_argument("a merge's priority must be below 2^32 - 1");
        const uint64_t key = key_of(r.left, r.right);
        size_t i = mix64(key) & mask;
        while (slots_[i].key != kEmpty && slots_[i].key != key) i = (i + 1) & mask;
        // A pair listed twice takes its last rule, as HF's BPE model reads its merges into a map.
        slots_[i] = {key, {r.result, r.priority}};
    }
    mark_joins(rules);
    if (!whole_tokens.empty()) {
        size_t slots = 16;
        while (slots < 2 * whole_tokens.size()) slots *= 2;
        whole_.assign(slots, WholeSlot{0, 0});
        for (auto& [bytes, id] : whole_tokens) {
            if (id >= vocab_size_) throw std::invalid_argument("a token id is not below vocab_size");
            if (find_whole(bytes) != nullptr) continue;  // the first of two tokens with the same bytes
            const uint64_t hash = hash_bytes(bytes.data(), bytes.size()) | 1;
            size_t i = hash & (slots - 1);
            while (whole_[i].hash != 0) i = (i + 1) & (slots - 1);
            whole_[i] = {hash, static_cast<uint32_t>(whole_ids_.size())};
            longest_whole_ = std::max(longest_whole_, bytes.size());
            whole_bytes_.push_back(std::move(bytes));
            whole_ids_.push_back(id);
        }
    }
}

// The first and last byte of every token a piece can reach (from the bytes, through the rules,
// in any order: the rules are followed until nothing new is reached), and for every rule between
// two such tokens the bigram it joins across.
void PieceEncoder::mark_joins(const std::vector<MergeRule>& rules) {
    constexpr uint16_t kUnreached = 0xFFFF;
    std::vector<uint16_t> first(vocab_size_, kUnreached), last(vocab_size_, kUnreached);
    for (int b = 0; b < 256; ++b) first[byte_ids_[b]] = last[byte_ids_[b]] = static_cast<uint16_t>(b);
    for (bool changed = true; changed;) {
        changed = false;
        for (const MergeRule& r : rules) {
            if (first[r.left] == kUnreached || first[r.right] == kUnreached || first[r.result] != kUnreached) continue;
            first[r.result] = first[r.left];
            last[r.result] = last[r.right];
            changed = true;
        }
    }
    for (const MergeRule& r : rules) {
        if (first[r.left] == kUnreached || first[r.right] == kUnreached) continue;
        const unsigned bigram = unsigned{last[r.left]} << 8 | first[r.right];
        joins_[bigram >> 6] |= uint64_t{1} << (bigram & 63);
    }
}

PieceEncoder PieceEncoder::from_ranks(const std::vector<std::string>& token_bytes) {
    std::unordered_map<std::string_view, uint32_t> id_of;
    id_of.reserve(token_bytes.size());
    for (size_t id = 0; id < token_bytes.size(); ++id) {
        if (!token_bytes[id].empty()) id_of.emplace(token_bytes[id], static_cast<uint32_t>(id));
    }
    std::vector<uint32_t> byte_ids(256);
    for (int b = 0; b < 256; ++b) {
        const char c = static_cast<char>(b);
        auto it = id_of.find(std::string_view(&c, 1));
        if (it == id_of.end()) throw std::invalid_argument("byte " + std::to_string(b) + " has no token");
        byte_ids[static_cast<size_t>(b)] = it->second;
    }
    std::vector<MergeRule> rules;
    std::vector<std::pair<std::string, uint32_t>> whole;
    whole.reserve(id_of.size());
    for (const auto& [bytes, id] : id_of) {
        whole.emplace_back(std::string(bytes), id);
        for (size_t cut = 1; cut < bytes.size(); ++cut) {
            auto left = id_of.find(bytes.substr(0, cut));
            if (left == id_of.end()) continue;
            auto right = id_of.find(bytes.substr(cut));
            if (right != id_of.end()) rules.push_back({left->second, right->second, id, id});
        }
    }
    return PieceEncoder(std::move(byte_ids), rules, std::move(whole), token_bytes.size());
}

const uint32_t* PieceEncoder::find_whole(std::string_view piece) const {
    if (whole_.empty()) return nullptr;
    const uint64_t hash = hash_bytes(piece.data(), piece.size()) | 1;
    const size_t mask = whole_.size() - 1;
    for (size_t i = hash & mask; whole_[i].hash != 0; i = (i + 1) & mask) {
        if (whole_[i].hash == hash && whole_bytes_[whole_[i].index] == piece) return &whole_ids_[whole_[i].index];
    }
    return nullptr;
}

const PieceEncoder::Rule& PieceEncoder::find(uint32_t left, uint32_t right) const {
    const uint64_t key = key_of(left, right);
    const size_t mask = slots_.size() - 1;
    for (size_t i = mix64(key) & mask;; i = (i + 1) & mask) {
        if (slots_[i].key == key) return slots_[i].rule;
        if (slots_[i].key == kEmpty) return kNoRule;
    }
}

void PieceEncoder::encode(std::string_view piece, std::vector<uint32_t>& ids) const {
    ids.resize(piece.size());
    size_t out = 0, begin = 0;
    auto merge_stretch = [&](size_t end) {
        const size_t n = end - begin;
        for (size_t k = 0; k < n; ++k) ids[out + k] = byte_ids_[static_cast<unsigned char>(piece[begin + k])];
        out += n <= kShortPiece ? merge_short(&ids[out], n) : merge_long(&ids[out], n);
        begin = end;
    };
    for (size_t p = 1; p < piece.size(); ++p) {
        if (!joins(static_cast<unsigned char>(piece[p - 1]), static_cast<unsigned char>(piece[p]))) merge_stretch(p);
    }
    merge_stretch(piece.size());
    ids.resize(out);
    // Looked up after merging, and only when merging left several tokens: a
    // piece that merges into one token is that token already (token bytes are
    // unique), and most pieces do, so most pieces skip the lookup.
    if (ids.size() > 1 && piece.size() <= longest_whole_) {
        if (const uint32_t* id = find_whole(piece)) ids.assign(1, *id);
    }
}

// The lowest-priority pair, leftmost on ties, is merged until none applies;
// the priorities of the pairs are kept beside the ids and only the two pairs
// next to a merge are looked up again.
size_t PieceEncoder::merge_short(uint32_t* ids, size_t n) const {
    if (n < 2) return n;
    Rule pair[kShortPiece];
    for (size_t i = 0; i + 1 < n; ++i) pair[i] = find(ids[i], ids[i + 1]);
    while (n > 1) {
        size_t best = 0;
        for (size_t i = 1; i + 1 < n; ++i) {
            if (pair[i].priority < pair[best].priority) best = i;
        }
        if (pair[best].priority == UINT32_MAX) break;
        ids[best] = pair[best].result;
        for (size_t j = best + 1; j + 1 < n; ++j) ids[j] = ids[j + 1];
        for (size_t j = best + 1; j + 2 < n; ++j) pair[j] = pair[j + 1];
        --n;
        if (best > 0) pair[best - 1] = find(ids[best - 1], ids[best]);
        if (best + 1 < n) pair[best] = find(ids[best], ids[best + 1]);
    }
    return n;
}

// The same order of merges for long pieces: a min-heap of (priority, position)
// over a linked list of symbols. Entries go stale when a neighbour merges;
// they are recognised on the way out by the pair no longer having that rule.
size_t PieceEncoder::merge_long(uint32_t* ids, size_t n) const {
    std::vector<int64_t> prev(n), next(n);
    for (size_t i = 0; i < n; ++i) {
        prev[i] = static_cast<int64_t>(i) - 1;
        next[i] = i + 1 < n ? static_cast<int64_t>(i + 1) : -1;
    }
    std::vector<bool> alive(n, true);
    using Entry = std::pair<uint32_t, size_t>;  // (priority, position of the left symbol)
    std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> heap;
    auto offer = [&](size_t left) {
        const int64_t right = next[left];
        if (right < 0) return;
        const Rule& rule = find(ids[left], ids[static_cast<size_t>(right)]);
        if (rule.priority != UINT32_MAX) heap.emplace(rule.priority, left);
    };
    for (size_t i = 0; i + 1 < n; ++i) offer(i);
    while (!heap.empty()) {
        const auto [priority, left] = heap.top();
        heap.pop();
        if (!alive[left] || next[left] < 0) continue;
        const size_t right = static_cast<size_t>(next[left]);
        const Rule& rule = find(ids[left], ids[right]);
        if (rule.priority != priority) continue;
        ids[left] = rule.result;
        alive[right] = false;
        next[left] = next[right];
        if (next[right] >= 0) prev[static_cast<size_t>(next[right])] = static_cast<int64_t>(left);
        if (prev[left] >= 0) offer(static_cast<size_t>(prev[left]));
        offer(left);
    }
    size_t out = 0;
    for (int64_t i = 0; i >= 0; i = next[static_cast<size_t>(i)]) ids[out++] = ids[static_cast<size_t>(i)];
    return out;
}

EncodedCounts encode_counts(const WordCounts& counts, const PieceEncoder& encoder, int num_threads,
                            const std::function<void()>& poll) {
    num_threads = std::max(1, std::min(num_threads, static_cast<int>(WordCounts::kShards)));
    std::vector<EncodedCounts> partial(static_cast<size_t>(num_threads));
    std::atomic<size_t> next_shard{0};
    std::atomic<bool> cancelled{false};
    run_on_threads(
        num_threads,
        [&](int t) {
            EncodedCounts& mine = partial[static_cast<size_t>(t)];
            mine.usage.assign(encoder.vocab_size(), 0);
            std::vector<uint32_t> ids;
            size_t since_check = 0;
            for (size_t s; (s = next_shard.fetch_add(1)) < WordCounts::kShards;) {
                counts.shard(s).for_each([&](std::string_view piece, int64_t count) {
                    if (++since_check == 4096) {
                        since_check = 0;
                        if (cancelled) throw Cancelled{};
                    }
                    encoder.encode(piece, ids);
                    int64_t tokens;
                    if (__builtin_mul_overflow(count, static_cast<int64_t>(ids.size()), &tokens)) {
                        throw std::overflow_error("the token count overflows a signed 64-bit integer");
                    }
                    mine.tokens = checked_add(mine.tokens, tokens);
                    int64_t bytes;
                    if (__builtin_mul_overflow(count, static_cast<int64_t>(piece.size()), &bytes)) {
                        throw std::overflow_error("the byte count overflows a signed 64-bit integer");
                    }
                    mine.piece_bytes = checked_add(mine.piece_bytes, bytes);
                    for (uint32_t id : ids) mine.usage[id] = checked_add(mine.usage[id], count);
                });
            }
        },
        poll, cancelled);
    EncodedCounts out = std::move(partial[0]);
    for (size_t t = 1; t < partial.size(); ++t) {
        out.tokens = checked_add(out.tokens, partial[t].tokens);
        out.piece_bytes = checked_add(out.piece_bytes, partial[t].piece_bytes);
        for (size_t id = 0; id < out.usage.size(); ++id) out.usage[id] = checked_add(out.usage[id], partial[t].usage[id]);
    }
    return out;
}

std::optional<std::string> first_difference(const WordCounts& counts, const PieceEncoder& a, const PieceEncoder& b,
                                            const std::function<void()>& poll) {
    std::vector<uint32_t> ids_a, ids_b;
    std::optional<std::string> found;
    for (size_t s = 0; s < WordCounts::kShards && !found; ++s) {
        counts.shard(s).for_each([&](std::string_view piece, int64_t) {
            if (found) return;
            a.encode(piece, ids_a);
            b.encode(piece, ids_b);
            if (ids_a != ids_b) found.emplace(piece);
        });
        if (poll) poll();
    }
    return found;
}

}  // namespace hfbpe
