// Large buffers (the columns of a 57M-row file, the read buffer) are asked to be backed
// by transparent huge pages: touching 700 MB in 4 KiB pages costs ~170k page faults,
// which on a virtual machine cost more than parsing the data. With THP in "madvise"
// mode (the Debian default) this is what turns them on; elsewhere it is a no-op.
#pragma once

#include <cstddef>
#include <vector>

namespace anirec {

// Advises MADV_HUGEPAGE on the 2 MiB-aligned part of [p, p + bytes). Does nothing for
// buffers under 4 MiB. Never fails (advice only).
void advise_huge_pages(const void* p, size_t bytes);

// reserve(n) then advise: call before the vector is first written, so its pages are
// faulted in as huge pages.
template <typename T>
void reserve_huge(std::vector<T>& v, size_t n) {
    v.reserve(n);
    advise_huge_pages(v.data(), v.capacity() * sizeof(T));
}

// resize(n) with the pages advised first (a fresh vector's zero-fill then faults huge pages).
template <typename T>
void resize_huge(std::vector<T>& v, size_t n) {
    if (v.capacity() < n) reserve_huge(v, n);
    v.resize(n);
}

}  // namespace anirec
