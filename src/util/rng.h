// Seeded, reproducible random numbers whose whole state can be saved and restored
// (training resume restores it exactly). xoshiro256** seeded through splitmix64.
#pragma once

#include <array>
#include <cmath>
#include <cstdint>

namespace anirec {

inline uint64_t splitmix64(uint64_t& x) {
    uint64_t z = (x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

class Rng {
public:
    using State = std::array<uint64_t, 4>;

    explicit Rng(uint64_t seed = 0) { reseed(seed); }

    void reseed(uint64_t seed) {
        uint64_t x = seed;
        for (auto& w : s_) w = splitmix64(x);
    }
    // A stream for worker `stream` that does not overlap the parent's in practice.
    static Rng derive(uint64_t seed, uint64_t stream) {
        uint64_t x = seed ^ (0xA0761D6478BD642Full * (stream + 1));
        return Rng(splitmix64(x));
    }

    uint64_t next() {
        const uint64_t result = rotl(s_[1] * 5, 7) * 9;
        const uint64_t t = s_[1] << 17;
        s_[2] ^= s_[0];
        s_[3] ^= s_[1];
        s_[1] ^= s_[2];
        s_[0] ^= s_[3];
        s_[2] ^= t;
        s_[3] = rotl(s_[3], 45);
        return result;
    }
    // Uniform integer in [0, n), n > 0 (Lemire's multiply-shift; bias < 2^-32 for n < 2^32).
    uint64_t below(uint64_t n) {
        return static_cast<uint64_t>((static_cast<unsigned __int128>(next()) * n) >> 64);
    }
    // Uniform float in [0, 1).
    float uniform() { return static_cast<float>(next() >> 40) * 0x1.0p-24f; }
    double uniform_double() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
    // Standard normal (Box-Muller; one value per call keeps the state simple to save).
    double normal() {
        double u1 = uniform_double();
        double u2 = uniform_double();
        if (u1 < 1e-300) u1 = 1e-300;
        return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
    }

    const State& state() const { return s_; }
    void set_state(const State& s) { s_ = s; }

private:
    static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
    State s_{};
};

}  // namespace anirec
