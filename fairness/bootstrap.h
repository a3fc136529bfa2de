// Seeded, stratified percentile-bootstrap confidence intervals.
//
// Each replicate resamples, with replacement, as many rows from each stratum as it holds (strata
// are the groups of a sensitive feature), so every group keeps its size and none vanishes from a
// replicate: the interval describes the sampling variability of the rates within groups, with the
// group sizes held at their observed values (Fairlearn's MetricFrame bootstrap resamples all rows
// together instead, which can drop a small group). A class can still vanish inside a group, making
// a rate NaN in that replicate: such replicates are left out of that statistic's interval and
// counted in Interval::undefined.
//
// Row draw j (j-th slot over the strata laid end to end, n slots in all) of replicate b is
// random_below(philox(seed, counter = b·n + j), n_stratum): a pure function of (seed, b, j), so the
// intervals are identical for any thread count (replicates run in an OpenMP loop).
//
// The interval is the percentile interval [q_{(1−c)/2}, q_{(1+c)/2}] of the replicate values, with
// quantiles interpolated linearly between order statistics (numpy.percentile's default).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

namespace candor::fairness {

struct BootstrapOptions {
  // At most this many replicates: 100,000 puts a percentile interval's Monte Carlo error far
  // below its sampling error, and a mistyped --bootstrap 1e9 would run for days.
  static constexpr int kMaxReplicates = 100000;
  int replicates = 1000;    // B in [0, kMaxReplicates]; 0 switches the bootstrap off (intervals are NaN)
  double confidence = 0.95;  // c in (0, 1)
  uint64_t seed = 0;

  void validate() const;  // ValueError naming the option out of range
};

struct Interval {
  double low, high;   // NaN when no replicate gave a defined value
  int undefined = 0;  // replicates whose value was NaN
};

// The statistics of one resample, given the rows it holds (repeats allowed); must be thread-safe.
using BootstrapStatistics = std::function<std::vector<double>(const std::vector<size_t>& rows)>;

// The rows of replicate `replicate`: strata[k] holds the rows of stratum k.
std::vector<size_t> bootstrap_rows(const std::vector<std::vector<size_t>>& strata, uint64_t seed, uint64_t replicate);

// One interval per statistic (statistics must return the same count every time); an empty vector
// when options.replicates is 0.
std::vector<Interval> bootstrap_intervals(const std::vector<std::vector<size_t>>& strata,
                                          const BootstrapStatistics& statistics, const BootstrapOptions& options);

// Quantile q in [0, 1] of `values` (any order; NaN-free), linear between order statistics.
double percentile(std::vector<double> values, double q);

}  // namespace candor::fairness
