// The two objectives (reference sections 3 and 8) and their row kernels.
//  - LogLoss (binary classification, link logit): p = sigmoid(s), g = p - y, h = p (1 - p);
//    the validation metric is the mean log loss.
//  - Rmse (regression, link identity): g = s - y, h = 1 (a gradient step: the leaf value is the mean
//    residual); the validation metric is the mean squared error.
// Gradients and hessians are multiplied by the row weight. Rows are processed in [begin, end).
//
// Log-loss rows come sorted by label (rows [0, n_negative) have y = 0, the rest y = 1) and carry
// a = exp(s) for y = 0 and a = exp(-s) for y = 1, so that for every row
//   |g| = a / (1 + a),  h = a / (1 + a)^2,  loss = log(1 + a)
// (g is positive for y = 0, negative for y = 1). A boosting step multiplies a by exp(+-update) of
// the row's cell: no exp, no score and no label per row. The caller recomputes the scores from the
// model and a from them every few hundred steps (`refresh`) so that rounding cannot drift. The
// unweighted validation log loss is taken as the logarithm of running products of (1 + a) (8 lanes,
// renormalised by moving binary exponents into integers), which is exact up to rounding.
// The rmse kernels update s.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "explain/ebm/cells.h"

namespace candor::explain::ebm {

enum class Objective { LogLoss, Rmse };

std::string objective_name(Objective objective);  // "log_loss" / "rmse"
Objective objective_from_name(const std::string& name);  // EbmError for others

struct RowBlock {
  const double* y = nullptr;  // labels (rmse; log loss uses n_negative)
  const double* w = nullptr;  // null: every weight 1
  double* s = nullptr;        // scores
  double* a = nullptr;        // log loss: exp(s) (y = 0) or exp(-s) (y = 1)
  Grad* g = nullptr;          // gradient per row (training rows only)
  Grad* h = nullptr;          // hessian per row (training rows only)
  size_t n_negative = 0;      // log loss: rows with y = 0 come first
};

// One update u (a value per cell) as the log-loss kernels use it: up[c] = exp(u[c]) multiplies a
// for y = 0 rows, down[c] = exp(-u[c]) for y = 1 rows. Most updates take two values: a main term's
// tree has two leaves. When u takes at most two values over at most 256 cells, bit c of `second`
// also says which one cell c holds, and AVX2 builds pick each row's factor with a shift and a blend
// instead of loading it from the table (a load per row that the compiler cannot vectorise). When
// the second value's cells are all cells from one on (a split), every build compares instead.
struct UpdateFactors {
  std::vector<double> up, down;
  bool two_valued = false;
  uint32_t second[8] = {};                // bit c % 32 of word c / 32
  double up_of[2] = {}, down_of[2] = {};  // the two values' factors
  // A split: cells >= split_from (< 256) hold the second value, the cells below it the first
  // (0: not a split). Each row's factor is then a compare, not a table load.
  size_t split_from = 0;
  void set(const std::vector<double>& u);
};

// Training rows: a *= (y ? down : up)[cell] (log loss) or s += u[cell] (rmse); then g, h.
void apply_train(Objective objective, const CellIndex& cells, const double* u,
                 const UpdateFactors& factors, const RowBlock& rows, size_t begin, size_t end);
// apply_train with each row's new g, h added to `next`, the next term's histogram: successive
// calls must cover consecutive row ranges in order, as GhAccumulator::add requires. u is read for
// rmse only. Returns true when the rows went through the fused loop (AVX2 builds, unweighted log
// loss, 8- or 16-bit cells, a next term whose index has histogram offsets), which does not store
// g and h (stores bound it): they are then left unspecified, and `refresh_gradients` makes them
// again, the same bits, before anything reads them. Returns false when g and h were written.
bool apply_train_accumulate(Objective objective, const CellIndex& cells, const double* u,
                            const UpdateFactors& factors, const RowBlock& rows, size_t begin,
                            size_t end, GhAccumulator& next);
// Validation rows: the same update; returns the summed (weighted) loss over the rows.
double apply_validation(Objective objective, const CellIndex& cells, const double* u,
                        const UpdateFactors& factors, const RowBlock& rows, size_t begin,
                        size_t end);
// g, h of training rows from a (log loss) or the scores (rmse): the bits apply_train writes.
void refresh_gradients(Objective objective, const RowBlock& rows, size_t begin, size_t end);
// From the scores: a and g, h (training rows, g and h non-null), or a and the summed loss
// (returned; validation rows, g and h null).
double refresh(Objective objective, const RowBlock& rows, size_t begin, size_t end);

}  // namespace candor::explain::ebm
