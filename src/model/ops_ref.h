// Naive reference versions of every SASRec layer, templated on the float type.
//
// They are the test oracle: the fast kernels of ops.h must match them (in float),
// and their backward passes are checked against central finite differences in
// double. They work on the plain padded layout (B,T,...) with an explicit validity
// mask, written as directly from the definitions as possible: no packing, no
// tiling, no threads. Backward functions add (+=) into every gradient they touch.
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

namespace anirec::ref {

// ---------------------------------------------------------------------------
// LayerNorm over the last dimension: out = (x - mean) * rstd * w + b,
// rstd = 1 / sqrt(var + eps), var the biased variance (as torch.nn.LayerNorm).
// inp, out (N,C); mean, rstd (N); w, b (C)
template <typename T>
void layernorm_forward(T* out, T* mean, T* rstd, const T* inp, const T* w, const T* b, int N, int C,
                       double eps) {
    for (int n = 0; n < N; ++n) {
        const T* x = inp + (long)n * C;
        T m = 0;
        for (int c = 0; c < C; ++c) m += x[c];
        m /= C;
        T v = 0;
        for (int c = 0; c < C; ++c) v += (x[c] - m) * (x[c] - m);
        v /= C;
        const T s = T(1) / std::sqrt(v + T(eps));
        for (int c = 0; c < C; ++c) out[(long)n * C + c] = (x[c] - m) * s * w[c] + b[c];
        mean[n] = m;
        rstd[n] = s;
    }
}

// xhat = (x - mean) * rstd, g = dout * w:
//   dx = rstd * (g - mean_c(g) - xhat * mean_c(g * xhat)),  dw += dout * xhat,  db += dout
template <typename T>
void layernorm_backward(T* dinp, T* dw, T* db, const T* dout, const T* inp, const T* mean, const T* rstd,
                        const T* w, int N, int C) {
    for (int n = 0; n < N; ++n) {
        const T* x = inp + (long)n * C;
        const T* dy = dout + (long)n * C;
        T g_mean = 0, gx_mean = 0;
        for (int c = 0; c < C; ++c) {
            const T xhat = (x[c] - mean[n]) * rstd[n];
            g_mean += dy[c] * w[c];
            gx_mean += dy[c] * w[c] * xhat;
        }
        g_mean /= C;
        gx_mean /= C;
        for (int c = 0; c < C; ++c) {
            const T xhat = (x[c] - mean[n]) * rstd[n];
            dinp[(long)n * C + c] += rstd[n] * (dy[c] * w[c] - g_mean - xhat * gx_mean);
            dw[c] += dy[c] * xhat;
            db[c] += dy[c];
        }
    }
}

// ---------------------------------------------------------------------------
// Linear (also the k=1 Conv1d of the feed-forward): out = inp W^T + b.
// inp (N,IC), w (OC,IC), b (OC) or null, out (N,OC)
template <typename T>
void linear_forward(T* out, const T* inp, const T* w, const T* b, int N, int IC, int OC) {
    for (int n = 0; n < N; ++n)
        for (int o = 0; o < OC; ++o) {
            T s = b ? b[o] : T(0);
            for (int i = 0; i < IC; ++i) s += inp[(long)n * IC + i] * w[(long)o * IC + i];
            out[(long)n * OC + o] = s;
        }
}

// dinp += dout W, dw += dout^T inp, db += sum_n dout; dinp/db may be null
template <typename T>
void linear_backward(T* dinp, T* dw, T* db, const T* dout, const T* inp, const T* w, int N, int IC, int OC) {
    for (int n = 0; n < N; ++n)
        for (int o = 0; o < OC; ++o) {
            const T d = dout[(long)n * OC + o];
            if (db) db[o] += d;
            for (int i = 0; i < IC; ++i) {
                if (dinp) dinp[(long)n * IC + i] += d * w[(long)o * IC + i];
                dw[(long)o * IC + i] += d * inp[(long)n * IC + i];
            }
        }
}

// ---------------------------------------------------------------------------
// Causal multi-head self-attention with a key-padding mask, on the output of the
// input projection. Head h uses channels [h*dh, (h+1)*dh) of each of Q, K, V.
//   allowed(i, j) = j <= i and valid[j];  a query row with valid[i] = 0 outputs 0.
//   s_ij = q_i . k_j / sqrt(dh) (allowed j only);  p_i = softmax_j(s_i)
//   out_i = sum_j p_ij * keep_ij * v_j    (keep = dropout mask / (1-p), or 1)
// qkv (B,T,3C) rows [Q | K | V]; valid (B,T); keep (B,H,T,T) or null;
// out (B,T,C); probs (B,H,T,T): p before dropout, 0 where not allowed.
template <typename T>
void attention_forward(T* out, T* probs, const T* qkv, const uint8_t* valid, const T* keep, int B, int Tn,
                       int C, int H) {
    const int dh = C / H;
    const T scale = T(1) / std::sqrt(T(dh));
    std::vector<T> s(Tn);
    for (int b = 0; b < B; ++b)
        for (int h = 0; h < H; ++h)
            for (int i = 0; i < Tn; ++i) {
                T* p = probs + (((long)b * H + h) * Tn + i) * Tn;
                T* o = out + ((long)b * Tn + i) * C + h * dh;
                for (int j = 0; j < Tn; ++j) p[j] = 0;
                for (int d = 0; d < dh; ++d) o[d] = 0;
                if (!valid[(long)b * Tn + i]) continue;
                const T* q = qkv + ((long)b * Tn + i) * 3 * C + h * dh;
                T mx = -INFINITY;
                for (int j = 0; j <= i; ++j) {
                    if (!valid[(long)b * Tn + j]) continue;
                    const T* k = qkv + ((long)b * Tn + j) * 3 * C + C + h * dh;
                    T dot = 0;
                    for (int d = 0; d < dh; ++d) dot += q[d] * k[d];
                    s[j] = dot * scale;
                    if (s[j] > mx) mx = s[j];
                }
                T sum = 0;
                for (int j = 0; j <= i; ++j) {
                    if (!valid[(long)b * Tn + j]) continue;
                    p[j] = std::exp(s[j] - mx);
                    sum += p[j];
                }
                for (int j = 0; j <= i; ++j) p[j] /= sum;
                for (int j = 0; j <= i; ++j) {
                    if (!valid[(long)b * Tn + j]) continue;
                    const T* v = qkv + ((long)b * Tn + j) * 3 * C + 2 * C + h * dh;
                    const T pk = keep ? p[j] * keep[(((long)b * H + h) * Tn + i) * Tn + j] : p[j];
                    for (int d = 0; d < dh; ++d) o[d] += pk * v[d];
                }
            }
}

// With pd = p * keep:  dv_j += sum_i pd_ij do_i;  dpd_ij = do_i . v_j;  dp = dpd * keep;
// softmax backward ds_ij = p_ij (dp_ij - sum_k p_ik dp_ik);
// dq_i += scale sum_j ds_ij k_j;  dk_j += scale sum_i ds_ij q_i.
template <typename T>
void attention_backward(T* dqkv, const T* dout, const T* qkv, const T* probs, const uint8_t* valid,
                        const T* keep, int B, int Tn, int C, int H) {
    const int dh = C / H;
    const T scale = T(1) / std::sqrt(T(dh));
    std::vector<T> dp(Tn);
    for (int b = 0; b < B; ++b)
        for (int h = 0; h < H; ++h)
            for (int i = 0; i < Tn; ++i) {
                if (!valid[(long)b * Tn + i]) continue;
                const T* p = probs + (((long)b * H + h) * Tn + i) * Tn;
                const T* kp = keep ? keep + (((long)b * H + h) * Tn + i) * Tn : nullptr;
                const T* dO = dout + ((long)b * Tn + i) * C + h * dh;
                T rowdot = 0;
                for (int j = 0; j <= i; ++j) {
                    dp[j] = 0;
                    if (!valid[(long)b * Tn + j]) continue;
                    const T* v = qkv + ((long)b * Tn + j) * 3 * C + 2 * C + h * dh;
                    T* dv = dqkv + ((long)b * Tn + j) * 3 * C + 2 * C + h * dh;
                    const T kk = kp ? kp[j] : T(1);
                    T d = 0;
                    for (int e = 0; e < dh; ++e) {
                        d += dO[e] * v[e];
                        dv[e] += p[j] * kk * dO[e];
                    }
                    dp[j] = d * kk;
                    rowdot += dp[j] * p[j];
                }
                const T* q = qkv + ((long)b * Tn + i) * 3 * C + h * dh;
                T* dq = dqkv + ((long)b * Tn + i) * 3 * C + h * dh;
                for (int j = 0; j <= i; ++j) {
                    if (!valid[(long)b * Tn + j]) continue;
                    const T ds = p[j] * (dp[j] - rowdot) * scale;
                    const T* k = qkv + ((long)b * Tn + j) * 3 * C + C + h * dh;
                    T* dk = dqkv + ((long)b * Tn + j) * 3 * C + C + h * dh;
                    for (int e = 0; e < dh; ++e) {
                        dq[e] += ds * k[e];
                        dk[e] += ds * q[e];
                    }
                }
            }
}

// ---------------------------------------------------------------------------
// ReLU then dropout (keep = mask / (1-p), or null): out = max(x, 0) * keep. x, out (N)
template <typename T>
void relu_dropout_forward(T* out, const T* x, const T* keep, long N) {
    for (long i = 0; i < N; ++i) out[i] = (x[i] > 0 ? x[i] : T(0)) * (keep ? keep[i] : T(1));
}
template <typename T>
void relu_dropout_backward(T* dx, const T* dout, const T* x, const T* keep, long N) {
    for (long i = 0; i < N; ++i) dx[i] += x[i] > 0 ? dout[i] * (keep ? keep[i] : T(1)) : T(0);
}

// ---------------------------------------------------------------------------
// Input embedding: out[b,t] = (E[seq] * sqrt(C) + P[t]) * keep[b,t] where seq != 0,
// else 0. seq (B,T); E (N+1,C); P (T,C); keep (B,T,C) or null; out (B,T,C).
template <typename T>
void embedding_forward(T* out, const int32_t* seq, const T* E, const T* P, const T* keep, int B, int Tn, int C) {
    const T sc = std::sqrt(T(C));
    for (int b = 0; b < B; ++b)
        for (int t = 0; t < Tn; ++t) {
            const long r = (long)b * Tn + t;
            const int32_t it = seq[r];
            for (int c = 0; c < C; ++c)
                out[r * C + c] =
                    it == 0 ? T(0) : (E[(long)it * C + c] * sc + P[(long)t * C + c]) * (keep ? keep[r * C + c] : T(1));
        }
}
template <typename T>
void embedding_backward(T* dE, T* dP, const T* dout, const int32_t* seq, const T* keep, int B, int Tn, int C) {
    const T sc = std::sqrt(T(C));
    for (int b = 0; b < B; ++b)
        for (int t = 0; t < Tn; ++t) {
            const long r = (long)b * Tn + t;
            const int32_t it = seq[r];
            if (it == 0) continue;
            for (int c = 0; c < C; ++c) {
                const T g = dout[r * C + c] * (keep ? keep[r * C + c] : T(1));
                dE[(long)it * C + c] += g * sc;
                dP[(long)t * C + c] += g;
            }
        }
}

}  // namespace anirec::ref
