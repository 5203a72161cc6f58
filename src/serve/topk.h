// Top-K by partial selection: a bounded min-heap of the K best (score, item) seen so
// far, O(N log K) and never a full sort of the catalogue. The order is total: higher
// score first, ties broken by the lower item id, so results do not depend on the scan
// order or on threads.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace anirec {

struct ScoredItem {
    int32_t item = 0;
    float score = 0.f;
};

// True when a ranks before b.
inline bool ranks_before(const ScoredItem& a, const ScoredItem& b) {
    return a.score > b.score || (a.score == b.score && a.item < b.item);
}

// Keeps the K best of a stream of candidates.
class TopK {
public:
    explicit TopK(int32_t k) : k_(k) { heap_.reserve(static_cast<size_t>(k > 0 ? k : 0)); }

    // The heap's front is the worst kept candidate (ranks_before as "less").
    void push(int32_t item, float score) {
        if (k_ <= 0 || std::isnan(score)) return;
        const ScoredItem c{item, score};
        if (static_cast<int32_t>(heap_.size()) < k_) {
            heap_.push_back(c);
            std::push_heap(heap_.begin(), heap_.end(), ranks_before);
        } else if (ranks_before(c, heap_.front())) {
            std::pop_heap(heap_.begin(), heap_.end(), ranks_before);
            heap_.back() = c;
            std::push_heap(heap_.begin(), heap_.end(), ranks_before);
        }
    }
    // Cheap pre-check for hot loops: could a candidate with this score enter?
    bool could_enter(float score) const {
        if (k_ <= 0) return false;
        if (static_cast<int32_t>(heap_.size()) < k_) return true;
        return score >= heap_.front().score;
    }
    // The kept candidates, best first. Leaves the object empty.
    std::vector<ScoredItem> take_sorted() {
        std::sort_heap(heap_.begin(), heap_.end(), ranks_before);  // ascending by "less" = best first
        return std::move(heap_);
    }

private:
    int32_t k_;
    std::vector<ScoredItem> heap_;
};

// The K best items of scores[first, last) for which keep(item) is true; -inf and NaN
// scores never enter. Best first.
template <typename Keep>
std::vector<ScoredItem> top_k(const float* scores, int32_t first, int32_t last, int32_t k, Keep&& keep) {
    TopK top(k);
    for (int32_t i = first; i < last; ++i) {
        const float s = scores[i];
        if (s == -INFINITY || !top.could_enter(s)) continue;
        if (!keep(i)) continue;
        top.push(i, s);
    }
    return top.take_sorted();
}

}  // namespace anirec
