#include "fairness/report.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <optional>

#include <fmt/format.h>

#include "engine/error.h"
#include "fairness/bias_auc.h"
#include "fairness/group_intervals.h"
#include "fairness/named_metrics.h"

namespace candor::fairness {

namespace {

using json = nlohmann::json;
using Warnings = std::vector<std::string>;

json number(double x) { return std::isfinite(x) ? json(x) : json(nullptr); }

// One bootstrapped statistic: where it goes in the section's JSON and how to compute it.
struct Stat {
  std::string block, key;  // section[block][key] (block "aggregates" nests one more: key = metric)
  std::string sub;         // for aggregates: "difference", "ratio", ...
  std::function<double(const MetricFrame&, Warnings*)> fn;
};

// A sensitive "section": one column, or the intersection of all of them.
struct Section {
  std::string name;
  Groups groups;
  std::optional<size_t> privileged;
};

std::vector<Stat> plan(const MetricFrame& frame, const Section& section, const AuditOptions& opt) {
  std::vector<Stat> stats;
  bool score = frame.data().has_score();
  for (Metric m : all_metrics()) {
    if (m == Metric::Count || (uses_score(m) && !score)) continue;
    const char* name = metric_name(m);
    stats.push_back({"aggregates", name, "difference", [m](const MetricFrame& f, Warnings*) { return f.difference(m); }});
    stats.push_back({"aggregates", name, "ratio", [m](const MetricFrame& f, Warnings*) { return f.ratio(m); }});
    stats.push_back({"aggregates", name, "difference_to_overall",
                     [m](const MetricFrame& f, Warnings*) { return f.difference(m, Method::ToOverall); }});
    stats.push_back({"aggregates", name, "ratio_to_overall",
                     [m](const MetricFrame& f, Warnings*) { return f.ratio(m, Method::ToOverall); }});
  }
  Method method = opt.method;
  auto fl = [&](const char* key, std::function<double(const MetricFrame&)> fn) {
    stats.push_back({"fairlearn", key, "", [fn](const MetricFrame& f, Warnings*) { return fn(f); }});
  };
  fl("demographic_parity_difference", [method](const MetricFrame& f) { return demographic_parity_difference(f, method); });
  fl("demographic_parity_ratio", [method](const MetricFrame& f) { return demographic_parity_ratio(f, method); });
  fl("equalized_odds_difference", [method](const MetricFrame& f) { return equalized_odds_difference(f, method); });
  fl("equalized_odds_difference_mean",
     [method](const MetricFrame& f) { return equalized_odds_difference(f, method, Agg::Mean); });
  fl("equalized_odds_ratio", [method](const MetricFrame& f) { return equalized_odds_ratio(f, method); });
  fl("equalized_odds_ratio_mean", [method](const MetricFrame& f) { return equalized_odds_ratio(f, method, Agg::Mean); });
  fl("equal_opportunity_difference", [method](const MetricFrame& f) { return equal_opportunity_difference(f, method); });
  fl("equal_opportunity_ratio", [method](const MetricFrame& f) { return equal_opportunity_ratio(f, method); });
  if (section.privileged) {
    size_t p = *section.privileged;
    auto aif = [&](const char* key, double (*fn)(const MetricFrame&, size_t, Warnings*)) {
      stats.push_back({"aif360", key, "", [fn, p](const MetricFrame& f, Warnings* w) { return fn(f, p, w); }});
    };
    aif("statistical_parity_difference", aif360::statistical_parity_difference);
    aif("disparate_impact", aif360::disparate_impact);
    aif("equal_opportunity_difference", aif360::equal_opportunity_difference);
    aif("average_odds_difference", aif360::average_odds_difference);
    aif("average_abs_odds_difference", aif360::average_abs_odds_difference);
  }
  stats.push_back({"aif360", "theil_index", "", [](const MetricFrame& f, Warnings*) {
                     return aif360::theil_index(f.data().y_true, f.data().y_pred);
                   }});
  double alpha = opt.ge_alpha;
  stats.push_back({"aif360", "generalized_entropy_index", "", [alpha](const MetricFrame& f, Warnings*) {
                     return aif360::generalized_entropy_index(f.data().y_true, f.data().y_pred, alpha);
                   }});
  return stats;
}

// rank[row]: the row's position in ascending score order (empty without scores).
std::vector<size_t> score_ranks(const Predictions& data) {
  if (!data.has_score()) return {};
  std::vector<size_t> order(data.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return data.y_score[a] < data.y_score[b]; });
  std::vector<size_t> rank(data.size());
  for (size_t i = 0; i < order.size(); ++i) rank[order[i]] = i;
  return rank;
}

// `rows` ordered by rank (a counting sort: ranks are distinct and below rank.size()).
std::vector<size_t> sort_by_rank(const std::vector<size_t>& rows, const std::vector<size_t>& rank) {
  std::vector<uint32_t> copies(rank.size(), 0);
  for (size_t r : rows) ++copies[rank[r]];
  std::vector<size_t> by_rank(rank.size());
  for (size_t i = 0; i < rank.size(); ++i) by_rank[rank[i]] = i;
  std::vector<size_t> out;
  out.reserve(rows.size());
  for (size_t k = 0; k < rank.size(); ++k) out.insert(out.end(), copies[k], by_rank[k]);
  return out;
}

json metric_row(const MetricValues& v, const MetricFrame& frame, const std::vector<size_t>& rows) {
  json row = json::object();
  for (Metric m : all_metrics()) {
    if (uses_score(m) && !frame.data().has_score()) continue;
    row[metric_name(m)] = m == Metric::Count ? json(static_cast<size_t>(v[m])) : number(v[m]);
  }
  if (frame.data().weighted()) {
    double w = 0;
    for (size_t r : rows) w += frame.data().weight[r];
    row["weight"] = w;
  }
  return row;
}

json section_json(const Predictions& data, const Section& section, const AuditOptions& opt) {
  MetricFrame frame(data, section.groups);
  Warnings warnings = frame.warnings();
  json out;
  out["groups"] = section.groups.labels;
  std::vector<std::string> features;
  for (const std::string& f : section.groups.features) features.push_back(f);
  out["features"] = features;
  std::vector<size_t> all(data.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = i;
  out["overall"] = metric_row(frame.overall(), frame, all);
  out["by_group"] = json::object();
  for (size_t g = 0; g < frame.size(); ++g) {
    out["by_group"][section.groups.labels[g]] = metric_row(frame.by_group(g), frame, frame.members(g));
  }
  const GroupIntervals group_ci = group_intervals(frame, opt.bootstrap);
  out["by_group_intervals"] = json::object();
  for (size_t g = 0; g < frame.size(); ++g) {
    const std::string& label = section.groups.labels[g];
    for (size_t k = 0; k < GroupIntervals::kMetrics.size(); ++k) {
      const Metric m = GroupIntervals::kMetrics[k];
      json item = {{"ci_low", nullptr}, {"ci_high", nullptr}};
      if (!group_ci.by_group.empty()) {
        const Interval& ci = group_ci.by_group[g][k];
        item = {{"ci_low", number(ci.low)}, {"ci_high", number(ci.high)}};
        if (ci.undefined > 0 && !std::isnan(frame.by_group(m, g))) {
          warnings.push_back(fmt::format("by_group_intervals.{}.{}: {} of {} bootstrap replicates were undefined (NaN); the "
                                         "interval uses the rest",
                                         label, metric_name(m), ci.undefined, opt.bootstrap.replicates));
        }
      }
      out["by_group_intervals"][label][metric_name(m)] = item;
    }
  }
  for (Metric m : all_metrics()) {
    if (m == Metric::Count || (uses_score(m) && !data.has_score())) continue;
    out["aggregates"][metric_name(m)]["group_min"] = number(frame.group_min(m));
    out["aggregates"][metric_name(m)]["group_max"] = number(frame.group_max(m));
  }
  out["fairlearn"]["method"] = method_name(opt.method);
  out["aif360"]["privileged"] =
      section.privileged ? json(section.groups.labels[*section.privileged]) : json(nullptr);
  if (!section.privileged) {
    warnings.push_back("AIF360's group metrics are left out: no privileged group was given for this feature");
  }

  std::vector<Stat> stats = plan(frame, section, opt);
  std::vector<double> values;
  for (const Stat& s : stats) values.push_back(s.fn(frame, &warnings));
  std::vector<Interval> intervals;
  if (opt.bootstrap.replicates > 0) {
    std::vector<std::vector<size_t>> strata;
    for (size_t g = 0; g < frame.size(); ++g) {
      if (!frame.members(g).empty()) strata.push_back(frame.members(g));
    }
    // Resampled rows are put in score order before the frame is built: the statistics do not
    // depend on row order, and ROC AUC's sort then runs on sorted input (about twice as fast).
    std::vector<size_t> rank = score_ranks(data);
    intervals = bootstrap_intervals(
        strata,
        [&](std::vector<size_t> rows) {
          if (!rank.empty()) rows = sort_by_rank(rows, rank);
          MetricFrame resampled(data.take(rows), take_rows(section.groups, rows));
          std::vector<double> v;
          for (const Stat& s : stats) v.push_back(s.fn(resampled, nullptr));
          return v;
        },
        opt.bootstrap);
  }
  for (size_t i = 0; i < stats.size(); ++i) {
    const Stat& s = stats[i];
    json item = {{"value", number(values[i])}, {"ci_low", nullptr}, {"ci_high", nullptr}};
    std::string path = s.sub.empty() ? fmt::format("{}.{}", s.block, s.key) : fmt::format("{}.{}.{}", s.block, s.key, s.sub);
    if (!intervals.empty()) {
      item["ci_low"] = number(intervals[i].low);
      item["ci_high"] = number(intervals[i].high);
      if (intervals[i].undefined > 0) {
        warnings.push_back(fmt::format("{}: {} of {} bootstrap replicates were undefined (NaN); the interval uses the rest",
                                       path, intervals[i].undefined, opt.bootstrap.replicates));
      }
    }
    if (s.sub.empty()) {
      out[s.block][s.key] = item;
    } else {
      out[s.block][s.key][s.sub] = item;
    }
  }
  out["aif360"]["generalized_entropy_index"]["alpha"] = opt.ge_alpha;

  if (data.has_score()) {
    std::vector<BiasAuc> aucs = bias_aucs(frame, &warnings);
    out["bias_auc"] = json::object();
    for (size_t g = 0; g < frame.size(); ++g) {
      if (frame.members(g).empty()) continue;  // already warned: an empty intersection
      out["bias_auc"][section.groups.labels[g]] = {{"subgroup_auc", number(aucs[g].subgroup)},
                                                  {"bpsn_auc", number(aucs[g].bpsn)},
                                                  {"bnsp_auc", number(aucs[g].bnsp)}};
    }
  }
  out["warnings"] = warnings;
  return out;
}

// Resolves AuditOptions::privileged onto the sections.
void assign_privileged(std::vector<Section>& sections, const std::vector<std::string>& privileged) {
  for (const std::string& entry : privileged) {
    size_t eq = entry.find('=');
    std::optional<std::string> feature;
    std::string value = entry;
    if (eq != std::string::npos) {
      feature = entry.substr(0, eq);
      value = entry.substr(eq + 1);
    }
    bool used = false;
    for (Section& s : sections) {
      if (feature && *feature != s.name) continue;
      std::optional<size_t> g = s.groups.find(value);
      if (!g) continue;
      if (s.privileged && *s.privileged != *g) {
        throw ValueError(fmt::format("audit: two privileged groups given for \"{}\": \"{}\" and \"{}\"", s.name,
                                     s.groups.labels[*s.privileged], value));
      }
      s.privileged = g;
      used = true;
    }
    if (!used) {
      std::string known;
      for (const Section& s : sections) {
        if (!feature || *feature == s.name) {
          known += fmt::format("{}{}: ", known.empty() ? "" : "; ", s.name);
          for (size_t g = 0; g < s.groups.size(); ++g) known += (g ? ", " : "") + s.groups.labels[g];
        }
      }
      if (known.empty()) known = "no sensitive feature of that name";
      throw ValueError(fmt::format("audit: privileged group \"{}\" is not a group of {} (groups: {})", entry,
                                   feature ? fmt::format("\"{}\"", *feature) : std::string("any sensitive feature"), known));
    }
  }
}

}  // namespace

nlohmann::json audit_json(const AuditInput& input, const AuditOptions& options) {
  if (input.sensitive.empty()) throw ValueError("audit: at least one sensitive feature is needed");
  if (input.y_true.empty()) throw ValueError("audit: no rows of predictions");
  options.bootstrap.validate();
  Predictions data{input.y_true, input.y_pred, input.y_score, input.weight};
  data.validate();
  std::vector<std::string> names = input.sensitive_names;
  if (names.empty()) {
    for (size_t f = 0; f < input.sensitive.size(); ++f) names.push_back(fmt::format("sensitive_feature_{}", f));
  }
  if (names.size() != input.sensitive.size()) {
    throw ValueError(fmt::format("audit: {} sensitive names for {} sensitive columns", names.size(), input.sensitive.size()));
  }

  std::vector<Section> sections;
  for (size_t f = 0; f < input.sensitive.size(); ++f) {
    if (input.sensitive[f].size() != data.size()) {
      throw ValueError(fmt::format("audit: sensitive feature \"{}\" has {} rows, the predictions {}", names[f],
                                   input.sensitive[f].size(), data.size()));
    }
    Groups groups = make_groups({input.sensitive[f]}, {names[f]});
    if (groups.size() < 2) {
      throw ValueError(fmt::format("audit: sensitive feature \"{}\" has a single group (\"{}\"): fairness needs >= 2 groups",
                                   names[f], groups.labels[0]));
    }
    sections.push_back({names[f], std::move(groups), std::nullopt});
  }
  if (options.intersectional && input.sensitive.size() > 1) {
    Groups groups = make_groups(input.sensitive, names, /*all_combinations=*/true);
    std::string name = groups.name();
    sections.push_back({name, std::move(groups), std::nullopt});
  }
  assign_privileged(sections, options.privileged);
  if (sections.size() > input.sensitive.size() && !sections.back().privileged) {
    // The intersection's privileged group: the join of every column's privileged value.
    std::vector<std::string> parts;
    for (size_t f = 0; f < input.sensitive.size(); ++f) {
      if (sections[f].privileged) parts.push_back(sections[f].groups.labels[*sections[f].privileged]);
    }
    if (parts.size() == input.sensitive.size()) sections.back().privileged = sections.back().groups.find(join_label(parts));
  }

  json out;
  out["rows"] = data.size();
  out["weighted"] = data.weighted();
  out["has_score"] = data.has_score();
  out["bootstrap"] = {{"replicates", options.bootstrap.replicates},
                      {"confidence", options.bootstrap.confidence},
                      {"seed", options.bootstrap.seed},
                      {"method", "percentile"},
                      {"stratified_by", "group"}};
  out["features"] = json::array();
  for (const Section& s : sections) {
    out["features"].push_back(s.name);
    out["sensitive_features"][s.name] = section_json(data, s, options);
  }
  return out;
}

}  // namespace candor::fairness
