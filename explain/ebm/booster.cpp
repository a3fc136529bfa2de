#include "explain/ebm/booster.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>
#include <queue>
#include <tuple>

#include <fmt/format.h>

#include "explain/ebm/errors.h"
#include "explain/ebm/fast.h"
#include "explain/ebm/random.h"
#include "explain/ebm/tree_main.h"
#include "explain/ebm/tree_pair.h"

namespace candor::explain::ebm {

namespace {

constexpr size_t kResyncEvery = 512;  // applies between exact recomputations of s and exp(s)
constexpr size_t kFuseRows = 1024;    // rows per block when an update is fused with a histogram
constexpr size_t kNoTerm = static_cast<size_t>(-1);

std::vector<double> gather(const std::vector<double>& v, const std::vector<size_t>& rows) {
  if (v.empty()) return {};
  std::vector<double> out(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) out[i] = v[rows[i]];
  return out;
}

double sum_or_count(const std::vector<double>& w, size_t n) {
  if (w.empty()) return static_cast<double>(n);
  double s = 0;
  for (double x : w) s += x;
  return s;
}

}  // namespace

std::vector<size_t> term_shape(const TrainingData& data, const TermFeatures& term) {
  const int level = term.size() == 1 ? 0 : 1;
  std::vector<size_t> shape;
  for (size_t f : term) shape.push_back(data.n_bins[level][f]);
  return shape;
}

std::vector<uint32_t> term_cells(const TrainingData& data, const TermFeatures& term,
                                 const std::vector<size_t>& rows) {
  const int level = term.size() == 1 ? 0 : 1;
  const std::vector<size_t> shape = term_shape(data, term);
  std::vector<uint32_t> cells(rows.size(), 0);
  for (size_t d = 0; d < term.size(); ++d) {
    const auto& bins = data.bins[level][term[d]];
    const auto n = static_cast<uint32_t>(shape[d]);
    for (size_t i = 0; i < rows.size(); ++i) cells[i] = cells[i] * n + bins[rows[i]];
  }
  return cells;
}

BagBooster::BagBooster(const TrainingData& data, std::vector<size_t> train,
                       std::vector<size_t> validation, Generator gen)
    : data_(data), train_(std::move(train)), val_(std::move(validation)), gen_(gen) {
  if (data.objective == Objective::LogLoss) {
    // Negatives first (each group in row order): the kernels then need no labels.
    auto by_label = [&](std::vector<size_t>& rows) {
      std::stable_partition(rows.begin(), rows.end(), [&](size_t r) { return data.y[r] == 0; });
      return static_cast<size_t>(
          std::count_if(rows.begin(), rows.end(), [&](size_t r) { return data.y[r] == 0; }));
    };
    n_negative_train_ = by_label(train_);
    n_negative_val_ = by_label(val_);
  }
  y_train_ = gather(data.y, train_);
  w_train_ = gather(data.w, train_);
  y_val_ = gather(data.y, val_);
  w_val_ = gather(data.w, val_);
  train_weight_ = sum_or_count(w_train_, train_.size());
  val_weight_ = sum_or_count(w_val_, val_.size());
  if (!(train_weight_ > 0))
    throw EbmError("ebm: a bag's training rows have zero total weight");
  double wy = 0;
  for (size_t i = 0; i < train_.size(); ++i) wy += (w_train_.empty() ? 1.0 : w_train_[i]) * y_train_[i];
  const double mean = wy / train_weight_;
  if (data.objective == Objective::LogLoss) {
    if (!(mean > 0 && mean < 1))
      throw EbmError(fmt::format(
          "ebm: the training rows of a bag hold only one class (positive share {}); the "
          "minority class has too few rows for validation_size splits",
          mean));
    intercept_ = std::log(mean / (1 - mean));
  } else {
    intercept_ = mean;
  }
  base_train_.assign(train_.size(), intercept_);
  base_val_.assign(val_.size(), intercept_);
  s_train_.resize(train_.size());
  a_train_.resize(train_.size());
  g_.resize(train_.size());
  h_.resize(train_.size());
  s_val_.resize(val_.size());
  a_val_.resize(val_.size());
}

void BagBooster::set_base(const std::vector<TermFeatures>& terms,
                          const std::vector<std::vector<double>>& tensors) {
  base_train_.assign(train_.size(), intercept_);
  base_val_.assign(val_.size(), intercept_);
  for (size_t t = 0; t < terms.size(); ++t) {
    const auto ct = term_cells(data_, terms[t], train_);
    for (size_t i = 0; i < ct.size(); ++i) base_train_[i] += tensors[t][ct[i]];
    const auto cv = term_cells(data_, terms[t], val_);
    for (size_t i = 0; i < cv.size(); ++i) base_val_[i] += tensors[t][cv[i]];
  }
}

void BagBooster::reset_rows() {
  s_train_ = base_train_;
  s_val_ = base_val_;
  refresh(data_.objective, train_block(), 0, train_.size());
  refresh(data_.objective, val_block(), 0, val_.size());
  gh_stale_ = false;
  applies_ = 0;
}

RowBlock BagBooster::train_block() {
  return {y_train_.data(), w_train_.empty() ? nullptr : w_train_.data(), s_train_.data(),
          a_train_.data(), g_.data(), h_.data(), n_negative_train_};
}

RowBlock BagBooster::val_block() {
  return {y_val_.data(), w_val_.empty() ? nullptr : w_val_.data(), s_val_.data(), a_val_.data(),
          nullptr, nullptr, n_negative_val_};
}

void BagBooster::histogram(const CellIndex& cells, double* out) {
  if (gh_stale_) {
    refresh_gradients(data_.objective, train_block(), 0, train_.size());
    gh_stale_ = false;
  }
  gh_histogram(cells, g_.data(), h_.data(), train_.size(), out, scratch_);
}

struct BagBooster::Stage {
  std::vector<TermFeatures> terms;
  std::vector<std::vector<size_t>> shape;
  std::vector<CellIndex> train_cells, val_cells;
  std::vector<std::vector<uint32_t>> counts;
  std::vector<std::vector<double>> current, best;
  std::vector<bool> dirty;
  UpdateFactors factors;  // of the last update (log loss)
  std::vector<double> prefetched;  // histogram of prefetched_term, computed by the last apply
  size_t prefetched_term = kNoTerm;
};

// Scores from the model (base + every term's current tensor, in term order), then exp(s) and g, h.
// Returns the summed validation loss.
double BagBooster::resync(Stage& st) {
  auto rebuild = [&](std::vector<double>& s, const std::vector<double>& base,
                     const std::vector<CellIndex>& cells) {
    s = base;
    for (size_t t = 0; t < st.current.size(); ++t) {
      const double* cur = st.current[t].data();
      cells[t].visit([&](const auto* c) {
        for (size_t i = 0; i < s.size(); ++i) s[i] += cur[c[i]];
      });
    }
  };
  rebuild(s_train_, base_train_, st.train_cells);
  rebuild(s_val_, base_val_, st.val_cells);
  refresh(data_.objective, train_block(), 0, train_.size());
  gh_stale_ = false;
  return refresh(data_.objective, val_block(), 0, val_.size());
}

double BagBooster::apply(Stage& st, size_t t, const std::vector<double>& update, size_t next) {
  st.prefetched_term = kNoTerm;
  auto& cur = st.current[t];
  for (size_t c = 0; c < cur.size(); ++c) cur[c] += update[c];
  st.dirty[t] = true;
  double loss;
  if (++applies_ % kResyncEvery == 0) {
    loss = resync(st);
  } else {
    if (data_.objective == Objective::LogLoss) st.factors.set(update);
    if (next == kNoTerm) {
      apply_train(data_.objective, st.train_cells[t], update.data(), st.factors,
                  train_block(), 0, train_.size());
      gh_stale_ = false;
    } else {
      // Fused with the next term's histogram: rows go to it straight from registers (AVX2,
      // unweighted log loss, 8- or 16-bit cells) or block by block while g, h are still in cache.
      GhAccumulator acc(st.train_cells[next], scratch_);
      const RowBlock rows = train_block();
      bool fused = false;
      for (size_t b = 0; b < train_.size(); b += kFuseRows) {
        const size_t e = std::min(train_.size(), b + kFuseRows);
        fused |= apply_train_accumulate(data_.objective, st.train_cells[t], update.data(),
                                        st.factors, rows, b, e, acc);
      }
      st.prefetched.resize(2 * st.current[next].size());
      acc.finish(st.prefetched.data());
      st.prefetched_term = next;
      gh_stale_ = fused;  // the fused loop leaves g, h unwritten
    }
    loss = apply_validation(data_.objective, st.val_cells[t], update.data(), st.factors,
                            val_block(), 0, val_.size());
  }
  return val_.empty() ? 0.0 : loss / val_weight_;
}

StageResult BagBooster::boost(const std::vector<TermFeatures>& terms, const BoostParams& p) {
  const size_t n_terms = terms.size();
  StageResult result;
  if (n_terms == 0) return result;
  Stage st;
  st.terms = terms;
  for (const auto& term : terms) {
    st.shape.push_back(term_shape(data_, term));
    size_t cells = 1;
    for (size_t n : st.shape.back()) cells *= n;
    st.train_cells.emplace_back(term_cells(data_, term, train_), cells, CellOffsets::Histogram);
    st.val_cells.emplace_back(term_cells(data_, term, val_), cells);
    std::vector<uint32_t> counts;
    std::vector<double> weights;
    count_histogram(st.train_cells.back(), {}, counts, weights);
    st.counts.push_back(std::move(counts));
    st.current.emplace_back(cells, 0.0);
  }
  st.best = st.current;
  st.dirty.assign(n_terms, false);
  reset_rows();

  const bool has_val = !val_.empty();
  std::vector<double> hist, update, cached;
  auto compute_update = [&](size_t t, bool random) {
    const auto& shape = st.shape[t];
    const size_t cells = st.current[t].size();
    hist.resize(2 * cells);
    update.resize(cells);
    if (st.prefetched_term == t) {
      hist.swap(st.prefetched);
      st.prefetched_term = kNoTerm;
    } else {
      histogram(st.train_cells[t], hist.data());
    }
    double gain;
    if (shape.size() == 1) {
      MainTreeParams mp;
      mp.max_leaves = p.max_leaves;
      mp.rules = p.rules;
      mp.learning_rate = p.learning_rate;
      mp.monotone = data_.monotone[terms[t][0]];
      mp.nominal = data_.nominal[terms[t][0]];
      mp.min_cat_samples = p.min_cat_samples;
      mp.cat_smooth = p.cat_smooth;
      gain = random ? random_main_update(hist.data(), st.counts[t].data(), cells, mp, gen_,
                                         update.data())
                    : best_main_update(hist.data(), st.counts[t].data(), cells, mp, gen_,
                                       update.data());
    } else {
      gain = random ? random_pair_update(hist.data(), st.counts[t].data(), shape[0], shape[1],
                                         p.learning_rate, gen_, update.data())
                    : best_pair_update(hist.data(), st.counts[t].data(), shape[0], shape[1],
                                       p.rules, p.learning_rate, update.data());
    }
    gain /= train_weight_;
    if (shape.size() == 1 && data_.nominal[terms[t][0]]) gain *= p.gain_scale;
    return std::isnan(gain) ? 0.0 : gain;
  };

  using Key = std::tuple<double, uint64_t, size_t>;  // (-gain, random tiebreak, term)
  std::priority_queue<Key, std::vector<Key>, std::greater<Key>> heap;
  bool have_best_key = false;
  Key best_key{};
  std::vector<size_t> order(n_terms);
  for (size_t t = 0; t < n_terms; ++t) order[t] = t;

  const size_t max_steps = p.max_rounds * n_terms;
  const double ratio = std::min(p.greedy_ratio, static_cast<double>(p.max_rounds));
  const auto greedy_steps = static_cast<long long>(std::ceil(ratio * static_cast<double>(n_terms)));
  double cyclic_progress = greedy_steps <= 0 ? 1.0 : p.cyclic_progress;
  double cyclic_state = cyclic_progress;
  size_t smoothing_left = p.smoothing_rounds;

  // Early stopping: a window of the last W metrics, its minimum through a monotone deque.
  const size_t window = has_val ? p.early_stopping_rounds * n_terms : 0;
  std::vector<double> circular(window, std::numeric_limits<double>::infinity());
  std::deque<std::pair<size_t, double>> window_min;  // (push index, metric), increasing metric
  size_t pushes = 0, circ_idx = 0;
  double min_metric = std::numeric_limits<double>::infinity(), min_prev = min_metric;
  double best_metric = std::numeric_limits<double>::infinity();

  size_t step = 0;
  long long state = 0;
  while (step < max_steps) {
    size_t t;
    bool make_progress;
    if (state >= 0) {
      if (state == 0) {
        have_best_key = false;
        heap = {};
        if (step == 0 || greedy_steps > 0) shuffle(order, gen_);
      }
      t = order[static_cast<size_t>(state)];
      make_progress = cyclic_state >= 1.0 || smoothing_left > 0;
    } else {
      make_progress = true;
      t = std::get<2>(heap.top());
      heap.pop();
    }
    Key key;
    if (!have_best_key || state >= 0) {
      const double gain = compute_update(t, smoothing_left > 0);
      key = Key{-gain, gen_.next_u64(), t};
      if (!make_progress && (!have_best_key || key < best_key)) {
        have_best_key = true;
        best_key = key;
        cached = update;
      }
    } else {
      key = best_key;
      have_best_key = false;
      update = cached;
    }
    heap.push(key);

    if (make_progress) {
      ++step;
      // The term the next iteration boosts, when it is known now: the next term of this cycle,
      // or the top of the heap inside a greedy block (the heap does not change before the pop).
      const long long next_state = state + 1;
      size_t next = kNoTerm;
      if (next_state < 0) next = std::get<2>(heap.top());
      else if (next_state < static_cast<long long>(n_terms)) next = order[static_cast<size_t>(next_state)];
      const double metric = apply(st, t, update, next);
      if (has_val && metric < best_metric) {
        best_metric = metric;
        for (size_t k = 0; k < n_terms; ++k)
          if (st.dirty[k]) {
            st.best[k] = st.current[k];
            st.dirty[k] = false;
          }
      }
      double tol = std::min(std::fabs(min_metric), std::fabs(min_prev)) * p.early_stopping_tolerance;
      if (std::isnan(tol) || std::isinf(tol)) tol = 0.0;
      min_metric = std::min(metric, min_metric);
      if (window > 0 && smoothing_left == 0) {
        const double toss = circular[circ_idx];
        circular[circ_idx] = metric;
        circ_idx = (circ_idx + 1) % window;
        min_prev = std::min(toss, min_prev);
        while (!window_min.empty() && window_min.back().second >= metric) window_min.pop_back();
        window_min.emplace_back(pushes, metric);
        ++pushes;
        while (window_min.front().first + window < pushes) window_min.pop_front();
        if (min_prev - tol <= window_min.front().second) break;
      }
    }

    ++state;
    if (state >= static_cast<long long>(n_terms)) {
      if (smoothing_left > 0) {
        state = 0;
        --smoothing_left;
      } else {
        state = -greedy_steps;
        if (cyclic_state >= 1.0) cyclic_state -= 1.0;
        cyclic_state += cyclic_progress;
      }
    }
  }
  result.steps = step;
  result.best_metric = has_val ? best_metric : 0.0;
  result.tensors = has_val ? std::move(st.best) : std::move(st.current);
  return result;
}

std::vector<double> BagBooster::pair_strengths(const std::vector<TermFeatures>& pairs,
                                               const LeafRules& rules, size_t max_cells) {
  reset_rows();
  std::vector<double> out(pairs.size(), 0.0), hist;
  for (size_t k = 0; k < pairs.size(); ++k) {
    const auto shape = term_shape(data_, pairs[k]);
    const size_t cells = shape[0] * shape[1];
    if (cells > max_cells) continue;
    CellIndex index(term_cells(data_, pairs[k], train_), cells);
    std::vector<uint32_t> counts;
    std::vector<double> weights;
    count_histogram(index, {}, counts, weights);
    hist.resize(2 * cells);
    histogram(index, hist.data());
    out[k] = fast_strength(hist.data(), counts.data(), shape[0], shape[1], rules, train_weight_);
  }
  return out;
}

}  // namespace candor::explain::ebm
