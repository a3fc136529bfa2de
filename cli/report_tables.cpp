// The report's sections made of numbers: the summary, the fairness audit (group bars and the named
// metrics with their intervals and warnings), a fine-tune's before and after, the mitigations.
#include <fmt/format.h>

#include "cli/report_parts.h"

namespace candor::cli::report {

namespace {

std::string data_of(const Run& run) {
  const nlohmann::json& data = run.config.is_object() ? run.config.value("data", nlohmann::json::object())
                                                      : nlohmann::json::object();
  const std::string name = data.value("name", ""), file = data.value("file", "");
  return !name.empty() ? name : !file.empty() ? file : "-";
}

std::string model_of(const Run& run) {
  if (run.kind == RunKind::Ebm) return "EBM";
  if (run.kind == RunKind::Sweep || run.kind == RunKind::Compare || run.kind == RunKind::Explain) return "-";
  if (const nlohmann::json& rows = lookup(run.metrics, {"test"}); rows.is_array() && !rows.empty()) {
    return rows.back().value("method", "-");  // a mitigation: the mitigated model, last
  }
  if (!run.config.is_object() || !run.config.contains("model")) return run_kind_name(run.kind);
  const nlohmann::json& model = run.config["model"];
  std::string text = model.value("kind", std::string(run_kind_name(run.kind)));
  if (text == "mlp" && model.contains("hidden")) {
    std::string hidden;
    for (const auto& h : model["hidden"]) {
      if (!hidden.empty()) hidden += ',';
      hidden += h.dump();
    }
    text += " " + hidden;
  }
  return text;
}

// "sex: DPD 0.021 [0.010, 0.033]" for each sensitive feature of the run's test split.
std::string headline_of(const Run& run) {
  std::string text;
  auto add = [&](const std::string& feature, const nlohmann::json& dpd) {
    text += fmt::format("{}{}: demographic parity difference {}", text.empty() ? "" : "<br>", esc(feature),
                        with_interval(dpd));
  };
  const nlohmann::json& fairness = test_fairness(run);
  if (fairness.is_object()) {
    for (const auto& [feature, section] : lookup(fairness, {"sensitive_features"}).items()) {
      add(feature, lookup(section, {"fairlearn", "demographic_parity_difference"}));
    }
  } else if (const nlohmann::json& rows = lookup(run.metrics, {"test"}); rows.is_array() && !rows.empty()) {
    add(run.metrics.value("sensitive", ""), lookup(rows.back(), {"demographic_parity_difference"}));
  }
  return text.empty() ? "-" : text;
}

std::string metric_of(const Run& run, const char* name) {
  const nlohmann::json& test = test_metrics(run);
  if (test.is_object()) return num(lookup(test, {name}));
  if (const nlohmann::json& rows = lookup(run.metrics, {"test"}); rows.is_array() && !rows.empty()) {
    return with_interval(lookup(rows.back(), {name}));  // a mitigation: the mitigated model, last
  }
  return "-";
}

const char* const kBarMetrics[][2] = {
    {"selection_rate", "selection rate"}, {"tpr", "true positive rate"}, {"fpr", "false positive rate"}, {"accuracy", "accuracy"}};

std::string audit_of_feature(const std::string& feature, const nlohmann::json& section) {
  std::string html = fmt::format("<h4>{}</h4>\n<div class=\"figs\">\n", esc(feature));
  std::vector<std::string> groups;
  for (const auto& g : lookup(section, {"groups"})) groups.push_back(g.get<std::string>());
  for (const auto& [key, label] : kBarMetrics) {
    std::vector<double> values, lows, highs;  // intervals: null or absent (older runs) draw no whisker
    auto number = [](const nlohmann::json& v) { return v.is_number() ? v.get<double>() : NAN; };
    for (const std::string& g : groups) {
      values.push_back(number(lookup(section, {"by_group", g, key})));
      lows.push_back(number(lookup(section, {"by_group_intervals", g, key, "ci_low"})));
      highs.push_back(number(lookup(section, {"by_group_intervals", g, key, "ci_high"})));
    }
    const nlohmann::json& difference = lookup(section, {"aggregates", key, "difference"});
    html += group_bars_svg(label, fmt::format("difference {}", with_interval(difference)), groups, values, lows, highs);
  }
  html += "</div>\n<table><tr><th>metric</th><th>value [95% interval]</th></tr>\n";
  for (const char* source : {"fairlearn", "aif360"}) {
    const nlohmann::json& metrics = lookup(section, {source});
    if (!metrics.is_object()) continue;
    for (const auto& [name, metric] : metrics.items()) {
      if (metric.is_object() && metric.contains("value")) {
        html += fmt::format("<tr><td>{}</td><td class=\"n\">{}</td></tr>\n", esc(name), with_interval(metric));
      }
    }
  }
  html += "</table>\n";
  for (const auto& warning : lookup(section, {"warnings"})) {
    html += fmt::format("<p class=\"warn\">Warning: {}</p>\n", esc(warning.get<std::string>()));
  }
  return html;
}

}  // namespace

std::string rows_table(const nlohmann::json& rows) {
  std::string html =
      "<table><tr><th>model</th><th>method</th><th>accuracy</th><th>balanced accuracy</th>"
      "<th>demographic parity difference</th><th>equalized odds difference</th></tr>\n";
  for (const auto& row : rows) {
    html += fmt::format("<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>\n",
                        esc(row.value("name", "")), esc(row.value("method", "")),
                        with_interval(row.value("accuracy", nlohmann::json())),
                        with_interval(row.value("balanced_accuracy", nlohmann::json())),
                        with_interval(row.value("demographic_parity_difference", nlohmann::json())),
                        with_interval(row.value("equalized_odds_difference", nlohmann::json())));
  }
  return html + "</table>\n";
}

std::string summary_section(const std::vector<Run>& runs) {
  std::string html =
      "<table><tr><th>run</th><th>kind</th><th>data</th><th>model</th><th>test accuracy</th><th>ROC AUC</th>"
      "<th>log loss</th><th>fairness (test, 95% interval)</th></tr>\n";
  for (const Run& run : runs) {
    html += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td></tr>\n",
                        esc(run.name), run_kind_name(run.kind), esc(data_of(run)), esc(model_of(run)),
                        metric_of(run, "accuracy"), metric_of(run, "roc_auc"), metric_of(run, "log_loss"),
                        headline_of(run));
  }
  return html + "</table>\n";
}

std::string audit_section(const std::vector<Run>& runs) {
  std::string html;
  for (const Run& run : runs) {
    const nlohmann::json& fairness = test_fairness(run);
    if (!fairness.is_object()) continue;
    const nlohmann::json& bootstrap = fairness.value("bootstrap", nlohmann::json::object());
    html += fmt::format("<h3>{}</h3>\n<p class=\"muted\">Test split, {} rows; intervals from {} bootstrap replicates.</p>\n",
                        esc(run.name), fairness.value("rows", 0), bootstrap.value("replicates", 0));
    for (const auto& [feature, section] : lookup(fairness, {"sensitive_features"}).items()) {
      html += audit_of_feature(feature, section);
    }
  }
  return html;
}

std::string finetune_section(const std::vector<Run>& runs) {
  std::string html;
  for (const Run& run : runs) {
    if (run.kind != RunKind::Finetune) continue;
    const nlohmann::json& before = lookup(run.metrics, {"before", "test"});
    const nlohmann::json& after = lookup(run.metrics, {"after", "test"});
    html += fmt::format("<h3>{}</h3>\n<p class=\"muted\">Mode {}, lambda {}; test split.</p>\n", esc(run.name),
                        esc(run.metrics.value("mode", "-")), num(run.metrics.value("lambda", nlohmann::json())));
    html += "<table><tr><th>metric</th><th>before</th><th>after</th></tr>\n";
    for (const char* name : {"accuracy", "roc_auc", "log_loss"}) {
      html += fmt::format("<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>\n", name,
                          num(lookup(before, {name})), num(lookup(after, {name})));
    }
    for (const auto& item : lookup(after, {"fairness", "sensitive_features"}).items()) {
      const std::string feature = item.key();  // not a structured binding: clang cannot capture those
      for (const char* name : {"demographic_parity_difference", "equalized_odds_difference"}) {
        const auto metric = [&](const nlohmann::json& split) {
          return with_interval(lookup(split, {"fairness", "sensitive_features", feature, "fairlearn", name}));
        };
        html += fmt::format("<tr><td>{} ({})</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>\n", name,
                            esc(feature), metric(before), metric(after));
      }
    }
    html += "</table>\n";
  }
  return html;
}

std::string mitigation_section(const std::vector<Run>& runs) {
  std::string html;
  for (const Run& run : runs) {
    if (run.kind != RunKind::Mitigation) continue;
    html += fmt::format("<h3>{}</h3>\n<p class=\"muted\">{} (sensitive feature {}); test split.</p>\n", esc(run.name),
                        esc(run.metrics.value("method", "")), esc(run.metrics.value("sensitive", "")));
    html += rows_table(run.metrics.value("test", nlohmann::json::array()));
  }
  return html;
}

}  // namespace candor::cli::report
