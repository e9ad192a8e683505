// Zeroed arrays for the large tables, in whole pages from the operating system.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <type_traits>
#include <utility>

#if defined(__unix__) || defined(__APPLE__)
#include <sys/mman.h>
#define HFBPE_HAVE_MMAP 1
#endif

namespace hfbpe {

// A zero-initialized array of a trivially copyable type. Large ones are mapped
// from the operating system rather than taken from malloc, for two reasons:
// freeing one gives its memory back at once (glibc keeps large freed blocks in
// its heap once its mmap threshold has risen past them, so a table freed while
// the trainer loads would still count toward the peak), and pages that are
// never written are never committed (a word array sized for all words fills
// as the count tables it is read from are freed).
//
// With `huge`, an array of 2 MiB or more is aligned to 2 MiB and marked for
// transparent huge pages (Linux): a table probed at random then costs one TLB
// entry per 2 MiB instead of per 4 KiB, and under virtualization a TLB miss is
// a two-level page walk (the counter's per-batch tables: 18% faster).
template <class T>
class PageArray {
    static_assert(std::is_trivially_copyable<T>::value, "the array is zero-filled and moved as bytes");

public:
    PageArray() = default;
    explicit PageArray(size_t n, bool huge = false) { allocate(n, huge); }
    ~PageArray() { reset(); }
    PageArray(const PageArray&) = delete;
    PageArray& operator=(const PageArray&) = delete;
    PageArray(PageArray&& other) noexcept { swap(other); }
    PageArray& operator=(PageArray&& other) noexcept {
        if (this != &other) {
            reset();
            swap(other);
        }
        return *this;
    }
    void swap(PageArray& other) noexcept {
        std::swap(data_, other.data_);
        std::swap(size_, other.size_);
        std::swap(mapped_, other.mapped_);
        std::swap(mapping_, other.mapping_);
        std::swap(mapping_bytes_, other.mapping_bytes_);
    }

    T* data() { return data_; }
    const T* data() const { return data_; }
    size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }
    T& operator[](size_t i) { return data_[i]; }
    const T& operator[](size_t i) const { return data_[i]; }
    // Bytes held (mapped, committed or not).
    size_t memory_bytes() const { return mapped_ ? round_to_pages(size_ * sizeof(T)) : size_ * sizeof(T); }

    // Grows to n elements, keeping the first size() and zeroing the rest.
    void grow(size_t n) {
        if (n <= size_) return;
        PageArray bigger(n);
        if (size_ > 0) std::memcpy(bigger.data_, data_, size_ * sizeof(T));
        swap(bigger);
    }

    void reset() {
        if (data_ != nullptr) {
#ifdef HFBPE_HAVE_MMAP
            if (mapped_) {
                munmap(mapping_, mapping_bytes_);
            } else {
                std::free(data_);
            }
#else
            std::free(data_);
#endif
        }
        data_ = nullptr;
        size_ = 0;
        mapped_ = false;
        mapping_ = nullptr;
        mapping_bytes_ = 0;
    }

private:
    static constexpr size_t kPage = 4096;
    static constexpr size_t kMapAtLeast = 256 * 1024;  // smaller arrays come from malloc
    static constexpr size_t kHugePage = 2 * 1024 * 1024;
    static size_t round_to_pages(size_t bytes) { return (bytes + kPage - 1) / kPage * kPage; }

    void allocate(size_t n, bool huge) {
        if (n == 0) return;
        if (n > static_cast<size_t>(-1) / sizeof(T)) throw std::bad_alloc();
        const size_t bytes = n * sizeof(T);
#ifdef HFBPE_HAVE_MMAP
        if (bytes >= kMapAtLeast) {
            huge = huge && bytes >= kHugePage;
            // Huge pages need 2 MiB alignment: map that much more and use an aligned start.
            const size_t mapping_bytes = round_to_pages(bytes) + (huge ? kHugePage : 0);
            void* p = mmap(nullptr, mapping_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            if (p == MAP_FAILED) throw std::bad_alloc();
            char* start = static_cast<char*>(p);
            if (huge) {
                start += (kHugePage - reinterpret_cast<uintptr_t>(start) % kHugePage) % kHugePage;
#ifdef MADV_HUGEPAGE
                madvise(start, round_to_pages(bytes), MADV_HUGEPAGE);  // advice: refused is fine
#endif
            }
            mapping_ = p;
            mapping_bytes_ = mapping_bytes;
            data_ = reinterpret_cast<T*>(start);
            size_ = n;
            mapped_ = true;
            return;
        }
#else
        (void)huge;
#endif
        void* p = std::calloc(n, sizeof(T));
        if (p == nullptr) throw std::bad_alloc();
        data_ = static_cast<T*>(p);
        size_ = n;
    }

    T* data_ = nullptr;
    size_t size_ = 0;
    bool mapped_ = false;
    void* mapping_ = nullptr;  // what mmap returned (data_ may start later in it)
    size_t mapping_bytes_ = 0;
};

}  // namespace hfbpe
