#include "explain/ebm/model_io.h"

#include <cmath>
#include <fstream>

#include <fmt/format.h>

#include "datasets/csv.h"
#include "datasets/json_integer.h"
#include "engine/files.h"
#include "explain/ebm/errors.h"

namespace candor::explain::ebm {

namespace {

constexpr const char* kFormat = "candor-ebm";
constexpr int kVersion = 1;

}  // namespace

nlohmann::json model_to_json(const Model& m) {
  nlohmann::json features = nlohmann::json::array();
  for (const auto& f : m.features) {
    nlohmann::json j = {{"name", f.name}};
    if (f.kind == FeatureKind::Continuous) {
      j["kind"] = "continuous";
      j["cuts"] = f.cuts;
      j["interaction_cuts"] = f.interaction_cuts;
    } else {
      j["kind"] = "nominal";
      j["categories"] = f.categories;
    }
    features.push_back(j);
  }
  nlohmann::json terms = nlohmann::json::array();
  for (const auto& t : m.terms)
    terms.push_back({{"name", t.name},
                     {"features", t.features},
                     {"shape", t.shape},
                     {"scores", t.scores},
                     {"standard_deviations", t.standard_deviations},
                     {"bin_weights", t.bin_weights},
                     {"bagged_scores", t.bagged_scores}});
  return {{"format", kFormat},
          {"version", kVersion},
          {"objective", objective_name(m.objective)},
          {"intercept", m.intercept},
          {"bagged_intercepts", m.bagged_intercepts},
          {"bag_weights", m.bag_weights},
          {"best_iterations", m.best_iterations},
          {"features", features},
          {"terms", terms}};
}

Model model_from_json(const nlohmann::json& j, const std::string& source) {
  auto fail = [&](const std::string& what) -> EbmError {
    return EbmError(fmt::format("ebm model {}: {}", source, what));
  };
  try {
    if (!j.is_object() || j.value("format", std::string()) != kFormat)
      throw fail(fmt::format("not a candor EBM model (expected \"format\": \"{}\")", kFormat));
    if (datasets::json_integer<int>(j.at("version")) != kVersion)
      throw fail(fmt::format("version {} is not supported (this build reads {})",
                             j.at("version").dump(), kVersion));
    Model m;
    m.objective = objective_from_name(j.at("objective").get<std::string>());
    m.intercept = j.at("intercept").get<double>();
    m.bagged_intercepts = j.at("bagged_intercepts").get<std::vector<double>>();
    m.bag_weights = j.at("bag_weights").get<std::vector<double>>();
    if (j.contains("best_iterations"))
      for (const auto& stage : j.at("best_iterations"))
        m.best_iterations.push_back(datasets::json_integers<size_t>(stage));
    if (m.bagged_intercepts.size() != m.bag_weights.size())
      throw fail("bagged_intercepts and bag_weights differ in length");
    for (const auto& jf : j.at("features")) {
      FeatureBins f;
      f.name = jf.at("name").get<std::string>();
      const std::string kind = jf.at("kind").get<std::string>();
      if (kind == "continuous") {
        f.kind = FeatureKind::Continuous;
        f.cuts = jf.at("cuts").get<std::vector<double>>();
        f.interaction_cuts = jf.at("interaction_cuts").get<std::vector<double>>();
        for (const auto* cuts : {&f.cuts, &f.interaction_cuts})
          for (size_t k = 0; k < cuts->size(); ++k)
            if (!std::isfinite((*cuts)[k]) || (k > 0 && !((*cuts)[k - 1] < (*cuts)[k])))
              throw fail(fmt::format("feature \"{}\": cuts must be finite and increasing", f.name));
      } else if (kind == "nominal") {
        f.kind = FeatureKind::Nominal;
        f.categories = jf.at("categories").get<std::vector<std::string>>();
      } else {
        throw fail(fmt::format("feature \"{}\" has kind \"{}\" (expected continuous or nominal)",
                               f.name, kind));
      }
      m.features.push_back(std::move(f));
    }
    for (const auto& jt : j.at("terms")) {
      Term t;
      t.name = jt.at("name").get<std::string>();
      t.features = datasets::json_integers<size_t>(jt.at("features"));
      t.shape = datasets::json_integers<size_t>(jt.at("shape"));
      t.scores = jt.at("scores").get<std::vector<double>>();
      t.standard_deviations = jt.at("standard_deviations").get<std::vector<double>>();
      t.bin_weights = jt.at("bin_weights").get<std::vector<double>>();
      t.bagged_scores = jt.at("bagged_scores").get<std::vector<std::vector<double>>>();
      if (t.features.empty() || t.features.size() > 2 || t.shape.size() != t.features.size())
        throw fail(fmt::format("term \"{}\": needs 1 or 2 features and a shape to match", t.name));
      size_t cells = 1;
      for (size_t d = 0; d < t.features.size(); ++d) {
        if (t.features[d] >= m.features.size())
          throw fail(fmt::format("term \"{}\": feature index {} out of range ({} features)",
                                 t.name, t.features[d], m.features.size()));
        const size_t bins = m.features[t.features[d]].bin_count(t.level());
        if (t.shape[d] != bins)
          throw fail(fmt::format("term \"{}\": axis {} has {} bins but feature \"{}\" has {}",
                                 t.name, d, t.shape[d], m.features[t.features[d]].name, bins));
        cells *= bins;
      }
      if (t.scores.size() != cells || t.standard_deviations.size() != cells ||
          t.bin_weights.size() != cells)
        throw fail(fmt::format("term \"{}\": scores, standard_deviations and bin_weights need {} "
                               "values each (got {}, {}, {})",
                               t.name, cells, t.scores.size(), t.standard_deviations.size(),
                               t.bin_weights.size()));
      for (const auto& b : t.bagged_scores)
        if (b.size() != cells) throw fail(fmt::format("term \"{}\": a bagged tensor has {} values, not {}", t.name, b.size(), cells));
      m.terms.push_back(std::move(t));
    }
    return m;
  } catch (const nlohmann::json::exception& e) {
    throw fail(fmt::format("malformed ({})", e.what()));
  }
}

void save_model(const Model& model, const std::string& path) {
  write_file_atomically(path, model_to_json(model).dump() + "\n");
}

Model load_model(const std::string& path) {
  const std::string text = datasets::read_text_file(path);
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw EbmError(fmt::format("ebm model {}: not valid JSON ({})", path, e.what()));
  }
  return model_from_json(j, path);
}

}  // namespace candor::explain::ebm
