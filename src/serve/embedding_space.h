// The space `similar` measures cosines in.
//
// Trained SASRec item embeddings share a large common component: on the anime data
// the mean row is two thirds as long as a typical row, and the first principal
// direction of the centred rows correlates 0.94 with log popularity (docs/results.md).
// Raw cosines are then dominated by "both are popular": every hit show's nearest
// neighbours are the other hit shows. Removing the mean and the top principal
// direction ("all-but-the-top", Mu & Viswanath, ICLR 2018) leaves what distinguishes
// the animes; on the anime data it lifts the genre overlap of neighbours and the
// share of queries with a same-franchise neighbour (docs/results.md).
#pragma once

#include <cstdint>
#include <vector>

namespace anirec {

enum class SimilaritySpace : int32_t {
    RAW = 0,       // cosine of the item embedding rows as trained
    DEBIASED = 1,  // cosine after removing the mean row and the top principal direction
};

const char* similarity_space_name(SimilaritySpace s);  // "raw" / "debiased"

// Rows 1..n_rows-1 of emb (n_rows, dim) with the mean of those rows subtracted and
// their projections on the top `components` principal directions removed; row 0
// (padding) stays zero. Principal directions come from the dim x dim covariance by
// power iteration with deflation, in double, from a fixed start: deterministic.
// With fewer than dim + 2 items the directions are not meaningful: the rows are
// returned unchanged (see effective_space).
std::vector<float> debias_embeddings(const float* emb, int32_t n_rows, int32_t dim, int32_t components);

// The space actually used for a catalogue of n_items items of size dim.
SimilaritySpace effective_space(SimilaritySpace wanted, int32_t n_items, int32_t dim);

}  // namespace anirec
