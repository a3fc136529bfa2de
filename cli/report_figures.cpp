// The report's sections made of pictures: training curves drawn from log.jsonl, the Pareto plots
// sweep and compare wrote, an EBM's importance, shapes and pairs (one at a time, by a selector)
// and local explanations, and the plots of `candor explain`.
#include <algorithm>
#include <fstream>

#include <fmt/format.h>

#include "cli/report_parts.h"
#include "cli/run_folder.h"
#include "cli/svg_plot.h"

namespace fs = std::filesystem;

namespace candor::cli::report {

namespace {

// The SVG files of a folder whose names start with `prefix`, sorted; none when it has no folder.
std::vector<fs::path> svgs_in(const fs::path& folder, const std::string& prefix = "") {
  std::vector<fs::path> files;
  if (!fs::is_directory(folder)) return files;
  for (const auto& entry : fs::directory_iterator(folder)) {
    const std::string name = entry.path().filename().string();
    if (entry.is_regular_file() && entry.path().extension() == ".svg" && name.rfind(prefix, 0) == 0) {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string figures(const std::vector<fs::path>& files) {
  std::string html = "<div class=\"figs\">\n";
  for (const fs::path& file : files) html += inline_svg(file);
  return html + "</div>\n";
}

std::string curves_of(const Run& run) {
  std::ifstream in(run.path / "log.jsonl");
  PlotSeries train = point_series("train loss", "#4c78a8", {}, {}, 3);
  PlotSeries val_loss = point_series("validation log loss", "#f58518", {}, {}, 3);
  PlotSeries accuracy = point_series("validation accuracy", "#54a24b", {}, {}, 3);
  PlotSeries gap = point_series("validation gap", "#e45756", {}, {}, 3);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const nlohmann::json entry = nlohmann::json::parse(line, nullptr, false);
    if (!entry.is_object() || !entry.contains("epoch")) continue;
    const double epoch = entry["epoch"].get<double>();
    auto add = [&](PlotSeries& series, const nlohmann::json& value) {
      if (!value.is_number()) return;
      series.x.push_back(epoch);
      series.y.push_back(value.get<double>());
    };
    add(train, lookup(entry, {"train_loss"}));
    add(val_loss, lookup(entry, {"validation", "log_loss"}));
    add(accuracy, lookup(entry, {"validation", "accuracy"}));
    add(gap, lookup(entry, {"validation", "gap"}));
  }
  Plot loss, quality;
  loss.title = "Loss by epoch";
  quality.title = "Validation by epoch";
  for (Plot* plot : {&loss, &quality}) {
    plot->x_label = "epoch";
    plot->width = 520;
    plot->height = 320;
  }
  loss.y_label = "loss";
  quality.y_label = "accuracy, gap";
  for (PlotSeries* s : {&train, &val_loss, &accuracy, &gap}) {
    s->connect = true;
    if (!s->x.empty()) (s == &train || s == &val_loss ? loss : quality).series.push_back(*s);
  }
  if (loss.series.empty() && quality.series.empty()) return "";
  std::string html = fmt::format("<h3>{}</h3>\n<div class=\"figs\">\n", esc(run.name));
  for (const Plot* plot : {&loss, &quality}) {
    if (!plot->series.empty()) html += render_svg(*plot);
  }
  return html + "</div>\n";
}

std::string sweep_table(const nlohmann::json& pareto) {
  std::string html = fmt::format(
      "<table><tr><th>lambda</th><th>validation accuracy</th><th>validation gap</th><th>test accuracy</th>"
      "<th>test gap</th><th>on the front</th></tr>\n");
  for (const auto& point : lookup(pareto, {"points"})) {
    html += fmt::format(
        "<tr><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>"
        "<td class=\"n\">{}</td><td>{}</td></tr>\n",
        num(lookup(point, {"lambda"})), num(lookup(point, {"validation", "accuracy"})),
        num(lookup(point, {"validation", "gap"})), num(lookup(point, {"test", "accuracy"})),
        num(lookup(point, {"test", "gap"})), lookup(point, {"pareto_optimal"}) == true ? "yes" : "no");
  }
  return html + "</table>\n";
}

// "age & sex" from {"features": ["age", "sex"]} when the term has no name of its own.
std::string term_name(const nlohmann::json& term) {
  if (term.contains("name")) return term["name"].get<std::string>();
  std::string name;
  for (const auto& f : lookup(term, {"features"})) {
    if (!name.empty()) name += " & ";
    name += f.get<std::string>();
  }
  return name;
}

std::string ebm_terms(const Run& run) {
  const nlohmann::json explanation = read_json((run.path / "explanation.json").string());
  std::string options, shapes;
  for (const auto& term : lookup(explanation, {"terms"})) {
    const std::string name = term_name(term);
    const bool pair = lookup(term, {"features"}).size() == 2;
    const fs::path file = run.path / "plots" / ((pair ? "pair_" : "shape_") + safe_file_stem(name) + ".svg");
    if (!fs::is_regular_file(file)) continue;
    options += fmt::format("<option value=\"{0}\">{0} (importance {1})</option>", esc(name),
                           num(lookup(term, {"importance"})));
    shapes += fmt::format("<div class=\"term\" data-term=\"{}\" hidden>\n{}</div>\n", esc(name), inline_svg(file));
  }
  if (options.empty()) return "";
  return fmt::format(
      "<div class=\"term-box\"><p><label>Term (by importance): <select class=\"terms\">{}</select></label></p>\n{}</div>\n",
      options, shapes);
}

}  // namespace

std::string training_section(const std::vector<Run>& runs) {
  std::string html;
  for (const Run& run : runs) {
    if ((run.kind == RunKind::Train || run.kind == RunKind::Finetune) && fs::is_regular_file(run.path / "log.jsonl")) {
      html += curves_of(run);
    }
  }
  return html;
}

std::string pareto_section(const std::vector<Run>& runs) {
  std::string html;
  for (const Run& run : runs) {
    if (run.kind != RunKind::Sweep && run.kind != RunKind::Compare) continue;
    const std::string kind = run_kind_name(run.kind);
    html += fmt::format("<h3>{}</h3>\n", run.name == kind ? kind : fmt::format("{} ({})", esc(run.name), kind));
    if (fs::is_regular_file(run.path / "pareto.svg")) html += figures({run.path / "pareto.svg"});
    if (run.kind == RunKind::Sweep) {
      html += sweep_table(read_json((run.path / "pareto.json").string()));
    } else {
      html += rows_table(lookup(read_json((run.path / "compare.json").string()), {"rows"}));
    }
  }
  return html;
}

std::string ebm_section(const std::vector<Run>& runs) {
  std::string html;
  for (const Run& run : runs) {
    if (run.kind != RunKind::Ebm) continue;
    html += fmt::format("<h3>{}</h3>\n", esc(run.name));
    html += figures(svgs_in(run.path / "plots", "importance"));
    html += ebm_terms(run);
    const std::vector<fs::path> local = svgs_in(run.path / "plots", "local_");
    if (!local.empty()) html += "<h4>Local explanations</h4>\n" + figures(local);
  }
  return html;
}

std::string explain_section(const std::vector<Run>& runs) {
  std::string html;
  for (const Run& run : runs) {
    if (run.kind != RunKind::Explain) continue;
    const nlohmann::json explanation = read_json((run.path / "explanation.json").string());
    html += fmt::format("<h3>{}</h3>\n<p class=\"muted\">Method: {}</p>\n", esc(run.name),
                        esc(explanation.value("method", "")));
    html += figures(svgs_in(run.path / "plots"));
  }
  return html;
}

}  // namespace candor::cli::report
