// Explanations of a fitted EBM (reference section 7). The model is the explanation:
//  - local: a row's contribution from each term is that term's score in the row's cell; the
//    intercept plus the contributions, summed in term order, is exactly the model's score (logit
//    for log loss), bit for bit the value decision_function returns.
//  - global: per term, the bin edges (or categories), the scores without the missing and unseen
//    bins (unseen is kept when it has training weight), +-1 standard deviation across outer bags,
//    the training weight per bin, and the importance = weighted mean absolute score (the mean
//    |contribution| over the training rows, InterpretML's 'avg_weight').
#pragma once

#include <cstddef>
#include <vector>

#include <nlohmann/json.hpp>

#include "datasets/table.h"
#include "explain/ebm/model.h"

namespace candor::explain::ebm {

struct LocalExplanation {
  double intercept = 0;
  std::vector<double> contributions;  // per term, in Model::terms order
  double score = 0;                   // intercept + contributions (logit or prediction)
  double probability = 0;             // P(y = 1) for log loss; the prediction for rmse
};

std::vector<LocalExplanation> explain_local(const Model& model, const datasets::Table& table);

// Weighted mean |score| per term.
std::vector<double> term_importances(const Model& model);

// {"objective", "intercept", "terms": [{name, type, features, importance, ...}]}, terms sorted
// by importance (largest first).
nlohmann::json explain_global(const Model& model);

// {"rows": [{"row", "intercept", "score", "probability", "terms": [{name, contribution}]}]} for
// the rows `rows` of `table` (empty: all rows); terms in model order.
nlohmann::json explain_local_json(const Model& model, const datasets::Table& table,
                                  const std::vector<size_t>& rows = {});

}  // namespace candor::explain::ebm
