#include "fairness/bias_auc.h"

#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "engine/error.h"
#include "nn/metrics.h"

namespace candor::fairness {

namespace {
// ROC AUC on the rows for which keep(row) holds; NaN (and a warning) when a class is absent.
template <typename Keep>
double auc_on(const Predictions& data, Keep keep, const std::string& group, const char* name,
              std::vector<std::string>* warnings) {
  std::vector<double> y, s, w;
  double pos = 0, neg = 0;
  for (size_t i = 0; i < data.size(); ++i) {
    if (!keep(i)) continue;
    y.push_back(data.y_true[i]);
    s.push_back(data.y_score[i]);
    if (data.weighted()) w.push_back(data.weight[i]);
    (data.y_true[i] == 1 ? pos : neg) += data.weight_at(i);
  }
  if (pos > 0 && neg > 0) return nn::roc_auc(y, s, w);
  if (warnings) {
    warnings->push_back(fmt::format("group \"{}\": {} is NaN (one class only: no rows with y_true = {})", group,
                                    name, pos > 0 ? 0 : 1));
  }
  return std::numeric_limits<double>::quiet_NaN();
}
}  // namespace

std::vector<BiasAuc> bias_aucs(const MetricFrame& frame, std::vector<std::string>* warnings) {
  const Predictions& data = frame.data();
  if (!data.has_score()) throw ValueError("bias AUCs need scores (y_score)");
  const std::vector<size_t>& ids = frame.groups().ids;
  std::vector<BiasAuc> out;
  for (size_t g = 0; g < frame.size(); ++g) {
    const std::string& label = frame.groups().labels[g];
    auto in = [&](size_t i) { return ids[i] == g; };
    auto positive = [&](size_t i) { return data.y_true[i] == 1; };
    BiasAuc b;
    b.subgroup = auc_on(data, in, label, "subgroup_auc", warnings);
    b.bpsn = auc_on(data, [&](size_t i) { return in(i) != positive(i); }, label, "bpsn_auc", warnings);
    b.bnsp = auc_on(data, [&](size_t i) { return in(i) == positive(i); }, label, "bnsp_auc", warnings);
    out.push_back(b);
  }
  return out;
}

}  // namespace candor::fairness
