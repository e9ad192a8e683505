// Zeroed arrays for the large tables, in whole pages from the operating system.
#pragma once

#include <cstddef>
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
template <class T>
class PageArray {
    static_assert(std::is_trivially_copyable<T>::value, "the array is zero-filled and moved as bytes");

public:
    PageArray() = default;
    explicit PageArray(size_t n) { allocate(n); }
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
                munmap(data_, round_to_pages(size_ * sizeof(T)));
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
    }

private:
    static constexpr size_t kPage = 4096;
    static constexpr size_t kMapAtLeast = 256 * 1024;  // smaller arrays come from malloc
    static size_t round_to_pages(size_t bytes) { return (bytes + kPage - 1) / kPage * kPage; }

    void allocate(size_t n) {
        if (n == 0) return;
        if (n > static_cast<size_t>(-1) / sizeof(T)) throw std::bad_alloc();
        const size_t bytes = n * sizeof(T);
#ifdef HFBPE_HAVE_MMAP
        if (bytes >= kMapAtLeast) {
            void* p = mmap(nullptr, round_to_pages(bytes), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            if (p == MAP_FAILED) throw std::bad_alloc();
            data_ = static_cast<T*>(p);
            size_ = n;
            mapped_ = true;
            return;
        }
#endif
        void* p = std::calloc(n, sizeof(T));
        if (p == nullptr) throw std::bad_alloc();
        data_ = static_cast<T*>(p);
        size_ = n;
    }

    T* data_ = nullptr;
    size_t size_ = 0;
    bool mapped_ = false;
};

}  // namespace hfbpe
