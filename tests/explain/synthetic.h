// Synthetic data with a known additive truth for the EBM tests:
//   x1, x2, x3 ~ U(-2, 2), x4 ~ U(-2, 2) (no effect), c ~ {"a", "b", "c"} (nominal)
//   f1(x1) = sin(1.5 x1),  f2(x2) = 0.5 x2^2 - 2/3 (centred),  g(x1, x3) = x1 x3,
//   fc("a") = -0.5, fc("b") = 0, fc("c") = 0.5
//   score = f1 + f2 + g + fc;  regression: y = score + N(0, noise);  classification:
//   y ~ Bernoulli(sigmoid(score)).
// All draws come from one candor::Generator, so a seed gives the same table everywhere.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "datasets/table.h"
#include "engine/generator.h"

namespace candor::explain::testing {

inline double f1(double x) { return std::sin(1.5 * x); }
inline double f2(double x) { return 0.5 * x * x - 2.0 / 3.0; }
inline double g13(double x1, double x3) { return x1 * x3; }
inline double fc(const std::string& c) { return c == "a" ? -0.5 : c == "b" ? 0.0 : 0.5; }

struct Synthetic {
  datasets::Table x;
  std::vector<double> y;
  std::vector<double> x1, x2, x3;
  std::vector<std::string> c;
};

inline double uniform(Generator& gen) {
  auto w = gen.block(gen.reserve(1));
  return uniform_double(w[0], w[1]);
}

inline double normal(Generator& gen) {  // Box-Muller
  const double u1 = 1.0 - uniform(gen), u2 = uniform(gen);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
}

inline Synthetic make_synthetic(size_t n, bool classification, uint64_t seed,
                                double noise = 0.3) {
  Generator gen(seed);
  Synthetic s;
  std::vector<double> x4(n);
  for (size_t i = 0; i < n; ++i) {
    s.x1.push_back(4 * uniform(gen) - 2);
    s.x2.push_back(4 * uniform(gen) - 2);
    s.x3.push_back(4 * uniform(gen) - 2);
    x4[i] = 4 * uniform(gen) - 2;
    const double u = uniform(gen);
    s.c.push_back(u < 1.0 / 3 ? "a" : u < 2.0 / 3 ? "b" : "c");
    const double score = f1(s.x1[i]) + f2(s.x2[i]) + g13(s.x1[i], s.x3[i]) + fc(s.c[i]);
    if (classification) {
      s.y.push_back(uniform(gen) < 1.0 / (1.0 + std::exp(-score)) ? 1.0 : 0.0);
    } else {
      s.y.push_back(score + noise * normal(gen));
    }
  }
  s.x = datasets::Table({datasets::Column::numeric("x1", s.x1),
                         datasets::Column::numeric("x2", s.x2),
                         datasets::Column::numeric("x3", s.x3),
                         datasets::Column::numeric("x4", x4),
                         datasets::Column::categorical("c", s.c)});
  return s;
}

// Pearson correlation.
inline double correlation(const std::vector<double>& a, const std::vector<double>& b) {
  double ma = 0, mb = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    ma += a[i];
    mb += b[i];
  }
  ma /= static_cast<double>(a.size());
  mb /= static_cast<double>(b.size());
  double sab = 0, saa = 0, sbb = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) * (a[i] - ma);
    sbb += (b[i] - mb) * (b[i] - mb);
  }
  return sab / std::sqrt(saa * sbb);
}

}  // namespace candor::explain::testing
