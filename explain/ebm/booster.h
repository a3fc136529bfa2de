// Boosting one outer bag (reference sections 3 and 4): the bag's training and validation rows,
// their scores and gradients, and the boosting schedule for one stage (mains, then pairs).
//
// Schedule of a stage with T terms (InterpretML's `boost`):
//   smoothing_rounds cycles that visit every term once, in an order reshuffled each cycle, and
//   apply a random-split update; then, repeatedly, an exam cycle (every term's best update and gain
//   are computed, none applied; the best one is cached) and a greedy block of ceil(greedy_ratio * T)
//   steps, each popping the term with the largest (possibly stale) gain from a heap, boosting it on
//   the current residuals (the first pop reuses the cached update) and pushing its new gain back.
//   Nominal mains have their gain multiplied by gain_scale for the heap. cyclic_progress > 0 makes
//   that fraction of the exam cycles apply their updates (greedy_ratio = 0: classic cyclic
//   boosting). A step is one applied update; at most max_rounds * T steps.
// Early stopping (after smoothing, with validation rows): with a window of
// early_stopping_rounds * T steps, stop when the best validation metric that left the window,
// less the tolerance min(|best|, |that|) * early_stopping_tolerance, is not above the window's
// minimum. The stage returns the model with the lowest validation metric seen at any step (the
// last model when the bag has no validation rows).
//
// Speed: when the term of the next step is already known (the next term of a cycle, or the top of
// the greedy heap, which cannot change before the pop) a step's update and the next term's
// histogram are computed in one pass over the rows (the histogram has the same bits either way).
//
// All randomness comes from the bag's Generator and a bag runs on one thread, so a bag's result is
// a pure function of its seed (bags run in parallel; see fit.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "engine/generator.h"
#include "explain/ebm/cells.h"
#include "explain/ebm/newton.h"
#include "explain/ebm/objective.h"

namespace candor::explain::ebm {

// The training set, binned at both levels.
struct TrainingData {
  Objective objective = Objective::LogLoss;
  std::vector<double> y;
  std::vector<double> w;                       // empty: every weight 1
  std::vector<std::vector<uint32_t>> bins[2];  // [level][feature][row]
  std::vector<size_t> n_bins[2];               // [level][feature]
  std::vector<bool> nominal;                   // [feature]
  std::vector<int> monotone;                   // [feature]: +1, -1 or 0
  size_t rows() const { return y.size(); }
  double weight(size_t row) const { return w.empty() ? 1.0 : w[row]; }
};

// A term: one feature (main effect, main-level bins) or two (pair, pair-level bins).
using TermFeatures = std::vector<size_t>;

std::vector<size_t> term_shape(const TrainingData& data, const TermFeatures& term);
// Cell index (row-major over term_shape) of each of `rows`.
std::vector<uint32_t> term_cells(const TrainingData& data, const TermFeatures& term,
                                 const std::vector<size_t>& rows);

struct BoostParams {
  double learning_rate = 0.015;
  size_t max_leaves = 2;
  LeafRules rules;
  size_t smoothing_rounds = 75;
  double greedy_ratio = 10.0;
  double cyclic_progress = 0.0;
  size_t max_rounds = 50000;
  size_t early_stopping_rounds = 100;
  double early_stopping_tolerance = 1e-5;
  double gain_scale = 5.0;
  uint64_t min_cat_samples = 10;
  double cat_smooth = 10.0;
};

struct StageResult {
  std::vector<std::vector<double>> tensors;  // per term
  size_t steps = 0;                          // boosting steps applied
  double best_metric = 0;                    // lowest validation metric (0 without validation)
};

class BagBooster {
 public:
  // The bag's rows (indexes into `data`) and its generator (after drawing the split).
  BagBooster(const TrainingData& data, std::vector<size_t> train, std::vector<size_t> validation,
             Generator gen);

  double intercept() const { return intercept_; }
  double train_weight() const { return train_weight_; }
  size_t train_rows() const { return train_.size(); }

  // Base scores of the bag's rows: the intercept plus the given terms' tensors.
  void set_base(const std::vector<TermFeatures>& terms,
                const std::vector<std::vector<double>>& tensors);
  // Boosts `terms` on top of the base scores.
  StageResult boost(const std::vector<TermFeatures>& terms, const BoostParams& params);
  // FAST strengths of `pairs` on the residuals of the base scores (training rows only); pairs
  // whose tensor has more than max_cells cells get 0.
  std::vector<double> pair_strengths(const std::vector<TermFeatures>& pairs,
                                     const LeafRules& rules, size_t max_cells);

 private:
  struct Stage;
  void histogram(const CellIndex& cells, double* out);
  // Applies `update` to `term`; with next != -1 also computes that term's histogram.
  double apply(Stage& stage, size_t term, const std::vector<double>& update, size_t next);
  double resync(Stage& stage);
  void reset_rows();
  RowBlock train_block();
  RowBlock val_block();

  const TrainingData& data_;
  std::vector<size_t> train_, val_;
  Generator gen_;
  double intercept_ = 0, train_weight_ = 0, val_weight_ = 0;
  // Per row: y, weight (empty: 1), base score, score, exp(+-score) (see RowBlock), g/h (training).
  // Log loss: rows with y = 0 first.
  std::vector<double> y_train_, w_train_, base_train_, s_train_, a_train_;
  std::vector<Grad> g_, h_;
  bool gh_stale_ = false;  // g_, h_ lag a (after a fused apply): histogram() remakes them
  std::vector<double> y_val_, w_val_, base_val_, s_val_, a_val_;
  size_t n_negative_train_ = 0, n_negative_val_ = 0;
  std::vector<double> scratch_;  // histogram partials
  size_t applies_ = 0;
};

}  // namespace candor::explain::ebm
