// Every layer's backward against central finite differences, in double, on the
// naive reference kernels (ops_ref.h). Table-driven: each case builds its inputs,
// a forward and a backward; the runner checks d(sum(out * G))/d(input) for a random G.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "grad_check.h"
#include "model/ops_ref.h"

namespace anirec {
namespace {

using Vec = std::vector<double>;
using test::Tol;

struct GradCase {
    std::string name;
    double eps;  // finite-difference step
    Tol tol;     // analytic vs numeric
    std::vector<Vec> inputs;
    std::vector<std::string> input_names;
    std::function<Vec(const std::vector<Vec>&)> forward;
    // gradients of sum(out * dout) w.r.t. each input (same order)
    std::function<std::vector<Vec>(const std::vector<Vec>&, const Vec&)> backward;
};

Vec randn(size_t n, Rng& rng, double scale = 1.0, double shift = 0.0) {
    Vec v(n);
    test::fill_normal(v, rng, scale, shift);
    return v;
}

// A fixed dropout keep-factor mask: 0 with probability p, else 1/(1-p).
Vec keep_mask(size_t n, double p, Rng& rng) {
    Vec v(n);
    for (auto& x : v) x = rng.uniform_double() < p ? 0.0 : 1.0 / (1.0 - p);
    return v;
}

std::vector<GradCase> cases() {
    std::vector<GradCase> cs;
    Rng rng(42);
    const Tol tol{1e-8, 1e-6};
    {
        const int N = 5, C = 7;
        GradCase c{"layernorm N5 C7", 1e-5, tol, {randn(N * C, rng, 2.0, 0.5), randn(C, rng, 0.5, 1.0), randn(C, rng)},
                   {"inp", "w", "b"}, nullptr, nullptr};
        c.forward = [=](const std::vector<Vec>& in) {
            Vec out(N * C), mean(N), rstd(N);
            ref::layernorm_forward(out.data(), mean.data(), rstd.data(), in[0].data(), in[1].data(), in[2].data(), N,
                                   C, 1e-8);
            return out;
        };
        c.backward = [=](const std::vector<Vec>& in, const Vec& dout) {
            Vec out(N * C), mean(N), rstd(N), dx(N * C, 0.0), dw(C, 0.0), db(C, 0.0);
            ref::layernorm_forward(out.data(), mean.data(), rstd.data(), in[0].data(), in[1].data(), in[2].data(), N,
                                   C, 1e-8);
            ref::layernorm_backward(dx.data(), dw.data(), db.data(), dout.data(), in[0].data(), mean.data(),
                                    rstd.data(), in[1].data(), N, C);
            return std::vector<Vec>{dx, dw, db};
        };
        cs.push_back(c);
    }
    {
        const int N = 4, IC = 5, OC = 3;
        GradCase c{"linear N4 5->3", 1e-5, tol, {randn(N * IC, rng), randn(OC * IC, rng), randn(OC, rng)},
                   {"inp", "w", "b"}, nullptr, nullptr};
        c.forward = [=](const std::vector<Vec>& in) {
            Vec out(N * OC);
            ref::linear_forward(out.data(), in[0].data(), in[1].data(), in[2].data(), N, IC, OC);
            return out;
        };
        c.backward = [=](const std::vector<Vec>& in, const Vec& dout) {
            Vec dx(N * IC, 0.0), dw(OC * IC, 0.0), db(OC, 0.0);
            ref::linear_backward(dx.data(), dw.data(), db.data(), dout.data(), in[0].data(), in[1].data(), N, IC, OC);
            return std::vector<Vec>{dx, dw, db};
        };
        cs.push_back(c);
    }
    // attention: (B, T, C, H, valid pattern, dropout p)
    struct Att {
        const char* name;
        int B, T, C, H;
        std::vector<uint8_t> valid;
        double p;
    };
    const std::vector<Att> atts = {
        {"attention 1 head, no padding", 1, 5, 4, 1, {1, 1, 1, 1, 1}, 0.0},
        {"attention 2 heads, padding", 2, 6, 8, 2, {0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, 0.0},
        {"attention 2 heads, padding, all-padded row, dropout", 3, 5, 6, 2,
         {0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1}, 0.3},
    };
    for (const Att& a : atts) {
        const long NP = (long)a.B * a.H * a.T * a.T;
        Vec keep = a.p > 0 ? keep_mask(NP, a.p, rng) : Vec();
        GradCase c{a.name, 1e-5, tol, {randn((long)a.B * a.T * 3 * a.C, rng)}, {"qkv"}, nullptr, nullptr};
        c.forward = [=](const std::vector<Vec>& in) {
            Vec out((long)a.B * a.T * a.C), probs(NP);
            ref::attention_forward(out.data(), probs.data(), in[0].data(), a.valid.data(),
                                   keep.empty() ? nullptr : keep.data(), a.B, a.T, a.C, a.H);
            return out;
        };
        c.backward = [=](const std::vector<Vec>& in, const Vec& dout) {
            Vec out((long)a.B * a.T * a.C), probs(NP), dqkv(in[0].size(), 0.0);
            const double* kp = keep.empty() ? nullptr : keep.data();
            ref::attention_forward(out.data(), probs.data(), in[0].data(), a.valid.data(), kp, a.B, a.T, a.C, a.H);
            ref::attention_backward(dqkv.data(), dout.data(), in[0].data(), probs.data(), a.valid.data(), kp, a.B, a.T,
                                    a.C, a.H);
            return std::vector<Vec>{dqkv};
        };
        cs.push_back(c);
    }
    {
        const long n = 40;
        Vec x = randn(n, rng);
        for (auto& v : x) v += v >= 0 ? 0.1 : -0.1;  // stay away from the kink at 0
        Vec keep = keep_mask(n, 0.25, rng);
        GradCase c{"relu + dropout", 1e-5, tol, {x}, {"x"}, nullptr, nullptr};
        c.forward = [=](const std::vector<Vec>& in) {
            Vec out(n);
            ref::relu_dropout_forward(out.data(), in[0].data(), keep.data(), n);
            return out;
        };
        c.backward = [=](const std::vector<Vec>& in, const Vec& dout) {
            Vec dx(n, 0.0);
            ref::relu_dropout_backward(dx.data(), dout.data(), in[0].data(), keep.data(), n);
            return std::vector<Vec>{dx};
        };
        cs.push_back(c);
    }
    {
        const int B = 2, T = 4, C = 3, N = 5;
        const std::vector<int32_t> seq = {0, 2, 5, 2, 1, 3, 4, 1};
        Vec keep = keep_mask((long)B * T * C, 0.2, rng);
        GradCase c{"embedding + dropout", 1e-5, tol, {randn((N + 1) * C, rng), randn(T * C, rng)}, {"E", "P"}, nullptr,
                   nullptr};
        c.forward = [=](const std::vector<Vec>& in) {
            Vec out((long)B * T * C);
            ref::embedding_forward(out.data(), seq.data(), in[0].data(), in[1].data(), keep.data(), B, T, C);
            return out;
        };
        c.backward = [=](const std::vector<Vec>& in, const Vec& dout) {
            Vec dE(in[0].size(), 0.0), dP(in[1].size(), 0.0);
            ref::embedding_backward(dE.data(), dP.data(), dout.data(), seq.data(), keep.data(), B, T, C);
            return std::vector<Vec>{dE, dP};
        };
        cs.push_back(c);
    }
    return cs;
}

class OpGrad : public ::testing::TestWithParam<GradCase> {};

TEST_P(OpGrad, BackwardMatchesCentralDifferences) {
    GradCase c = GetParam();
    Rng rng(7);
    const Vec out = c.forward(c.inputs);
    const Vec G = randn(out.size(), rng);
    const std::vector<Vec> analytic = c.backward(c.inputs, G);
    ASSERT_EQ(analytic.size(), c.inputs.size());
    auto objective = [&]() {
        const Vec o = c.forward(c.inputs);
        double s = 0;
        for (size_t i = 0; i < o.size(); ++i) s += o[i] * G[i];
        return s;
    };
    for (size_t k = 0; k < c.inputs.size(); ++k) {
        Vec numeric(c.inputs[k].size());
        for (size_t i = 0; i < numeric.size(); ++i) numeric[i] = test::central_diff(c.inputs[k][i], c.eps, objective);
        EXPECT_TRUE(test::all_close(c.name + " d" + c.input_names[k], analytic[k], numeric, c.tol));
        // the check must be able to fail: some gradient is far from zero
        double mx = 0;
        for (double v : numeric) mx = std::max(mx, std::fabs(v));
        EXPECT_GT(mx, 1e-3) << c.name << " d" << c.input_names[k] << " is all ~0";
    }
}

INSTANTIATE_TEST_SUITE_P(Layers, OpGrad, ::testing::ValuesIn(cases()), [](const auto& info) {
    std::string s = info.param.name;
    for (char& ch : s)
        if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
    return s;
});

}  // namespace
}  // namespace anirec
