// The fast SASRec kernels, llm.c style: x_forward / x_backward pairs over plain
// float buffers, shapes in the comments, backward adding (+=) into weight
// gradients. Naive references of the same maths live in ops_ref.h (the test oracle).
//
// Packed rows. Sequences are left-padded, so each sequence's real positions are a
// suffix of its window. The kernels work on the real rows only, packed one
// sequence after another: sequence b owns packed rows [row0[b], row0[b] + len[b]),
// and packed row row0[b] + i is window position T - len[b] + i. All row-wise layers
// (LayerNorm, linear, feed-forward) then run as a few large matrix products over
// the R = sum(len) real rows, and attention runs per sequence on a len x len
// lower-triangular problem with no masking left to do: the causal mask and the
// padded-key mask are both the triangle.
//
// Threading: OpenMP over disjoint outputs only (rows, sequences, columns, item
// ranges); call these from outside a parallel region, inside a BlasSerialScope.
// Dropout masks are counter-based: each element's draw is a hash of (seed, stream,
// index), one stream per (kind, layer, sequence, head), so they do not depend on the
// thread count, the tiling or the scheduling.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace anirec {

struct PackedLayout {
    int32_t B = 0;  // sequences in the batch
    int32_t T = 0;  // window length
    int64_t R = 0;  // real rows, sum(len)
    std::vector<int32_t> len;   // (Bmax) real positions of each sequence
    std::vector<int64_t> row0;  // (Bmax+1) first packed row of each sequence
    std::vector<int64_t> att0;  // (Bmax+1) offset of each sequence's attention block: sum len * attention_ld(len)
    std::vector<int32_t> row_item;  // (Rmax) item id of each packed row
    std::vector<int32_t> row_pos;   // (Rmax) window position t of each packed row
    std::vector<int32_t> work;      // (Bmax) sequences by decreasing len (load balance)

    void reserve(int32_t max_batch, int32_t maxlen);
    // Packs seq (B,T). Checks every id is in [0, n_items] and that no padding
    // follows a real item; throws Error naming the sequence otherwise.
    void build(const int32_t* seq, int32_t B, int32_t T, int32_t n_items);
};

// Dropout streams: one per (kind, layer, sequence, head).
enum class DropKind : uint32_t { EMB = 0, ATTN = 1, FFN1 = 2, FFN2 = 3 };
uint64_t dropout_stream_id(DropKind kind, int layer, int b, int h);

// Dropout draws, counter-based: element i of a stream is kept iff
//   fmix32(fmix32(i * 0x9E3779B9 ^ key.lo) ^ key.hi) >= key.thresh,
// with (lo, hi) from splitmix64(seed ^ stream * odd constant) and thresh = p * 2^32
// (P(drop) within 2^-32 of p). Each draw is a pure function of (seed, stream, i): no
// sequential state, so the loops vectorise and the masks depend neither on tiling nor
// on threads. fmix32 is MurmurHash3's finaliser (a bijection with full avalanche);
// two rounds keyed differently decorrelate neighbouring indices.
struct DropKey {
    uint32_t lo, hi, thresh;
    DropKey(uint64_t seed, uint64_t stream, float p);
};
inline uint32_t fmix32(uint32_t h) {
    h ^= h >> 16;
    h *= 0x85EBCA6Bu;
    h ^= h >> 13;
    h *= 0xC2B2AE35u;
    h ^= h >> 16;
    return h;
}
inline bool dropout_keep(const DropKey& k, uint32_t i) {
    return fmix32(fmix32(i * 0x9E3779B9u ^ k.lo) ^ k.hi) >= k.thresh;
}

// mask (R,C): 1 = keep, P(drop) = p; element (row i of sequence b, channel c) is draw
// i*C + c of b's stream.
void dropout_mask(uint8_t* mask, const PackedLayout& lay, int C, float p, uint64_t seed, DropKind kind,
                  int layer);

// ---------------------------------------------------------------------------
// Embedding: out[r] = (E[item_r] * sqrt(C) + P[pos_r]) * mask[r] / (1-p).
// out (R,C); E (N+1,C); P (T,C); mask (R,C) or null (no dropout).
void embedding_forward(float* out, const PackedLayout& lay, const float* E, const float* P, const uint8_t* mask,
                       float p, int C);
// dE[item_r] += sqrt(C) g_r, dP[pos_r] += g_r, g = dout * mask / (1-p). dE (N+1,C), dP (T,C).
void embedding_backward(float* dE, float* dP, const float* dout, const PackedLayout& lay, const uint8_t* mask,
                        float p, int C, int n_items);

// ---------------------------------------------------------------------------
// LayerNorm (eps kLayerNormEps, as the reference port). inp, out (N,C); mean, rstd (N).
constexpr float kLayerNormEps = 1e-8f;
void layernorm_forward(float* out, float* mean, float* rstd, const float* inp, const float* w, const float* b,
                       int64_t N, int C);
// Fused residual + LayerNorm: res = a + b; out = LN(res). res may alias a.
void residual_layernorm_forward(float* res, float* out, float* mean, float* rstd, const float* a,
                                const float* b, const float* w, const float* bias, int64_t N, int C);
// dinp += LN'(dout); dw += sum dout * xhat; db += sum dout (dw, db summed over rows in
// row order, one column range per thread: the same bits for any thread count).
void layernorm_backward(float* dinp, float* dw, float* db, const float* dout, const float* inp,
                        const float* mean, const float* rstd, const float* w, int64_t N, int C);

// ---------------------------------------------------------------------------
// Linear: out (N,OC, row stride ldo) = inp (N,IC, stride ldi) W^T + b; W (OC,IC).
void linear_forward(float* out, int ldo, const float* inp, int ldi, const float* w, const float* b, int64_t N,
                    int IC, int OC);
// dinp (N,IC, stride lddi) = (accumulate ? dinp : 0) + dout W   (skipped if dinp is null)
// dw += dout^T inp;  db += column sums of dout (null: no bias)
void linear_backward(float* dinp, int lddi, bool accumulate, float* dw, float* db, const float* dout, int ldd,
                     const float* inp, int ldi, const float* w, int64_t N, int IC, int OC);

// ---------------------------------------------------------------------------
// ReLU + dropout in place on the linear output: x = max(x,0) * mask / (1-p).
// x (N,C); mask (N*C) or null.
void relu_dropout_forward(float* x, const uint8_t* mask, float p, int64_t n);
// dx = dout where the output h was nonzero (ReLU passed it and dropout kept it), scaled
// by 1/(1-p); else 0. Written in place over dout. h the stored output.
void relu_dropout_backward(float* dout_to_dx, const float* h, float p, int64_t n);
// Plain dropout in place: x = x * mask / (1-p)   (backward is the same map)
void dropout_apply(float* x, const uint8_t* mask, float p, int64_t n);
// Out of place: y = x * mask / (1-p)
void dropout_copy(float* y, const float* x, const uint8_t* mask, float p, int64_t n);

// ---------------------------------------------------------------------------
// Causal self-attention on packed rows (attention.cpp).
// qkv (R,3C) rows [Q | K | V], head h in channels [h*dh, (h+1)*dh) of each.
// out (R,C). probs: per sequence b and head h an (L x Lp) row-major block, L = len[b],
// row stride Lp = attention_ld(L) (L rounded up to 16), at att0[b] * H + h * L * Lp:
// row i holds the softmax probabilities for j <= i, zeros at i+1 .. i+15 (clamped
// to Lp), and unspecified values beyond. probs_drop: the same after dropout (null when p == 0).
// scratch: scratch_threads x attention_scratch_floats(T, C, H) floats (per-thread
// packing space); the kernels use at most scratch_threads threads.
inline int attention_ld(int L) { return (L + 15) & ~15; }
size_t attention_scratch_floats(int T, int C, int H);
void attention_forward(float* out, float* probs, float* probs_drop, const float* qkv, const PackedLayout& lay,
                       int C, int H, float p, uint64_t seed, int layer, float* scratch, int scratch_threads);
// dqkv (R,3C) is overwritten. dscratch: a buffer with the layout of probs.
void attention_backward(float* dqkv, float* dscratch, const float* dout, const float* qkv, const float* probs,
                        const float* probs_drop, const PackedLayout& lay, int C, int H, float p, float* scratch,
                        int scratch_threads);
// The attention dropout pattern attention_forward draws for (layer, b, h): keep
// (L,L) row-major, 1 = kept, for j <= i; 0 above. For tests that replay the masks.
void attention_dropout_keep(uint8_t* keep, uint64_t seed, int layer, int b, int h, int L, float p);

// ---------------------------------------------------------------------------
// Row gather / scatter between the padded (B,T,C) layout and packed rows.
void gather_rows(float* packed, const float* padded, const PackedLayout& lay, int C);
// padded rows of real positions get the packed row; padded positions get 0.
void scatter_rows(float* padded, const float* packed, const PackedLayout& lay, int C);

}  // namespace anirec
