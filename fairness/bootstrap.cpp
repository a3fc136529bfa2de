#include "fairness/bootstrap.h"

#include <algorithm>
#include <cmath>
#include <exception>
#include <limits>

#include <fmt/format.h>

#include "engine/error.h"
#include "engine/generator.h"

namespace candor::fairness {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
}

std::vector<size_t> bootstrap_rows(const std::vector<std::vector<size_t>>& strata, uint64_t seed, uint64_t replicate) {
  size_t n = 0;
  for (const auto& s : strata) n += s.size();
  Generator gen(seed);
  std::vector<size_t> rows;
  rows.reserve(n);
  uint64_t counter = replicate * n;
  for (const auto& s : strata) {
    for (size_t k = 0; k < s.size(); ++k) {
      int64_t pick = random_below(gen.block(counter++), static_cast<int64_t>(s.size()));
      rows.push_back(s[static_cast<size_t>(pick)]);
    }
  }
  return rows;
}

double percentile(std::vector<double> values, double q) {
  if (values.empty()) return kNaN;
  std::sort(values.begin(), values.end());
  double h = (static_cast<double>(values.size()) - 1) * q;
  size_t lo = static_cast<size_t>(std::floor(h));
  if (lo + 1 >= values.size()) return values.back();
  double frac = h - static_cast<double>(lo);
  if (frac == 0 || values[lo] == values[lo + 1]) return values[lo];  // also keeps inf out of inf - inf
  return values[lo] + frac * (values[lo + 1] - values[lo]);
}

void BootstrapOptions::validate() const {
  if (replicates < 0 || replicates > kMaxReplicates) {
    throw ValueError(fmt::format("bootstrap: replicates must be in [0, {}], got {}", kMaxReplicates, replicates));
  }
  if (!(confidence > 0 && confidence < 1)) {
    throw ValueError(fmt::format("bootstrap: confidence must be in (0, 1), got {:g}", confidence));
  }
}

std::vector<Interval> bootstrap_intervals(const std::vector<std::vector<size_t>>& strata,
                                          const BootstrapStatistics& statistics, const BootstrapOptions& options) {
  options.validate();
  int b_count = options.replicates;
  std::vector<std::vector<double>> values(static_cast<size_t>(b_count));
  std::exception_ptr failure;
#pragma omp parallel for schedule(dynamic, 1)
  for (int b = 0; b < b_count; ++b) {
    try {
      values[b] = statistics(bootstrap_rows(strata, options.seed, static_cast<uint64_t>(b)));
    } catch (...) {
#pragma omp critical(candor_bootstrap_failure)
      if (!failure) failure = std::current_exception();
    }
  }
  if (failure) std::rethrow_exception(failure);
  size_t k = b_count > 0 ? values[0].size() : 0;
  std::vector<Interval> out(k, Interval{kNaN, kNaN, 0});
  double tail = (1 - options.confidence) / 2;
  for (size_t s = 0; s < k; ++s) {
    std::vector<double> defined;
    for (const auto& v : values) {
      if (v.size() != k) throw ValueError("bootstrap: the statistics returned a varying number of values");
      if (std::isnan(v[s])) {
        ++out[s].undefined;
      } else {
        defined.push_back(v[s]);
      }
    }
    out[s].low = percentile(defined, tail);
    out[s].high = percentile(defined, 1 - tail);
  }
  return out;
}

}  // namespace candor::fairness
