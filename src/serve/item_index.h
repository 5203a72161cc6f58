// Nearest items by cosine similarity of item embedding rows, behind a small
// interface so an approximate index can replace the exact one later (and be tested
// against it: brute force is the oracle).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "serve/catalog.h"
#include "serve/topk.h"

namespace anirec {

class ItemIndex {
public:
    virtual ~ItemIndex() = default;
    // emb: (n_rows, dim) row-major; row 0 is padding and is never returned. Copies
    // what it needs; emb may be freed afterwards.
    virtual void build(const float* emb, int32_t n_rows, int32_t dim) = 0;
    // The k rows most cosine-similar to query (dim floats, any norm), best first, that
    // the filter allows and that are not in exclude. Fewer than k when the filter
    // leaves fewer. Thread-safe (const).
    virtual std::vector<ScoredItem> search_knn(const float* query, int32_t k, const ItemFilter& filter,
                                               std::span<const int32_t> exclude) const = 0;
    // The unit-norm row of an item (dim floats; zero for a zero row).
    virtual const float* unit_row(int32_t item) const = 0;
    virtual int32_t dim() const = 0;
    virtual int32_t n_rows() const = 0;
    virtual std::string name() const = 0;
};

// Exact search: unit rows stored transposed (dim, n_rows) so one query scores every
// row with unit-stride multiply-adds (vectorised without reassociating a reduction),
// then top-K by a bounded heap.
class BruteForceIndex final : public ItemIndex {
public:
    void build(const float* emb, int32_t n_rows, int32_t dim) override;
    std::vector<ScoredItem> search_knn(const float* query, int32_t k, const ItemFilter& filter,
                                       std::span<const int32_t> exclude) const override;
    const float* unit_row(int32_t item) const override { return unit_.data() + static_cast<size_t>(item) * dim_; }
    int32_t dim() const override { return dim_; }
    int32_t n_rows() const override { return n_rows_; }
    std::string name() const override { return "brute-force"; }

private:
    int32_t n_rows_ = 0;
    int32_t dim_ = 0;
    std::vector<float> unit_;    // (n_rows, dim)
    std::vector<float> unit_t_;  // (dim, n_rows)
};

// scores[i] = sum_c mat_t[c * n + i] * q[c] for i in [0, n): the product of a
// transposed (dim, n) matrix with a vector, in a fixed summation order (c ascending),
// so results are identical on every call and thread.
void score_transposed(const float* mat_t, int32_t n, int32_t dim, const float* q, float* scores);

// Scales v (dim floats) to unit L2 norm in place; a zero vector stays zero.
void normalize_unit(float* v, int32_t dim);

}  // namespace anirec
