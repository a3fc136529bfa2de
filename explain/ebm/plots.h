// SVG plots of a fitted EBM, as self-contained strings (no scripts, no fonts to fetch):
//  - shape_svg: a main term's shape function. Continuous: a step line over the feature's values
//    with a +-1 standard deviation band (across outer bags) and a density strip of the training
//    weight per bin below; nominal: one bar per category with +-1 std whiskers, categories by
//    score, highest first ("(unseen)" last), long names cut with the whole name as a tooltip. The
//    missing bin, when it holds training rows or a score, is a bar of its own at the left; a legend
//    says what the line, band, bars and whiskers are.
//  - pair_heatmap_svg: a pair's scores over its two binned axes, blue (negative) to red (positive).
//  - importance_svg: terms by importance (weighted mean |score|), largest first.
//  - waterfall_svg: one row's local explanation, from the intercept through the largest
//    contributions to the score.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "explain/ebm/explanation.h"
#include "explain/ebm/model.h"

namespace candor::explain::ebm {

std::string shape_svg(const Model& model, size_t term);
std::string pair_heatmap_svg(const Model& model, size_t term);
std::string importance_svg(const Model& model, size_t top = 25);
// `values`: the row's value of each model feature (feature_values), shown beside each term ("age =
// 39"); `note` is added to the title (e.g. the row's label).
std::string waterfall_svg(const Model& model, const LocalExplanation& row, size_t top = 12,
                          const std::vector<std::string>& values = {}, const std::string& note = "");
// One row's value of every model feature as text ("39", "Male", "missing"). EbmError for a row out
// of range or a table without a feature's column.
std::vector<std::string> feature_values(const Model& model, const datasets::Table& table, size_t row);

}  // namespace candor::explain::ebm
