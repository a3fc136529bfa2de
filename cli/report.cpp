// build_report: each folder's kind told by its files, then the page: a header, links to the
// sections present, the sections (cli/report_*.cpp), the CSS and the term selector's script.
#include "cli/report.h"

#include <fmt/format.h>

#include "cli/report_parts.h"
#include "cli/run_folder.h"
#include "engine/error.h"

namespace fs = std::filesystem;

namespace candor::cli {

const char* run_kind_name(RunKind kind) {
  switch (kind) {
    case RunKind::Train: return "train";
    case RunKind::Finetune: return "finetune";
    case RunKind::Sweep: return "sweep";
    case RunKind::Compare: return "compare";
    case RunKind::Ebm: return "ebm";
    case RunKind::Explain: return "explain";
    case RunKind::Mitigation: return "mitigation";
  }
  return "?";
}

RunKind detect_run_kind(const fs::path& folder) {
  if (!fs::is_directory(folder)) throw Error(fmt::format("report: {} is not a folder", folder.string()));
  auto has = [&](const char* file) { return fs::is_regular_file(folder / file); };
  if (has("model.ebm.json")) return RunKind::Ebm;
  if (has("explanation.json") && read_json((folder / "explanation.json").string()).contains("method")) {
    return RunKind::Explain;
  }
  if (has("pareto.json")) return RunKind::Sweep;
  if (has("compare.json")) return RunKind::Compare;
  if (has("mitigation.json") && has("metrics.json")) return RunKind::Mitigation;
  if (has("config.json") && has("metrics.json")) {
    return read_json((folder / "metrics.json").string()).contains("after") ? RunKind::Finetune : RunKind::Train;
  }
  throw Error(fmt::format(
      "report: {} is not a candor run folder (no metrics.json, model.ebm.json, explanation.json, pareto.json or "
      "compare.json)",
      folder.string()));
}

namespace {

constexpr const char* kStyle = R"(
body{font:14px/1.45 system-ui,sans-serif;color:#222;max-width:1200px;margin:0 auto;padding:0 16px 40px}
h1{margin:16px 0 4px}h2{border-bottom:2px solid #ddd;padding-bottom:2px;margin-top:28px}h3{margin:18px 0 6px}
nav{position:sticky;top:0;background:#fff;padding:6px 0;border-bottom:1px solid #eee;z-index:1}
nav a{margin-right:14px;color:#1f5fa8;text-decoration:none}
table{border-collapse:collapse;margin:6px 0 12px}td,th{border:1px solid #ddd;padding:3px 8px;text-align:left}
th{background:#f4f6f8}td.n{text-align:right;font-variant-numeric:tabular-nums}
.figs{display:flex;flex-wrap:wrap;gap:12px;align-items:flex-start}.figs svg{max-width:100%;height:auto}
svg{max-width:100%;height:auto}.warn{color:#8a4b00}.muted{color:#666}
@media print{nav,select{display:none}section{break-before:auto}.figs{display:block}h2{break-after:avoid}}
)";

// Shows the chosen term's figure, hides the others (all are inline; nothing is fetched).
constexpr const char* kScript = R"(
document.querySelectorAll('select.terms').forEach(function (select) {
  function show() {
    select.closest('.term-box').querySelectorAll('.term').forEach(function (figure) {
      figure.hidden = figure.getAttribute('data-term') !== select.value;
    });
  }
  select.addEventListener('change', show);
  show();
});
)";

struct Section {
  const char* id;
  const char* title;
  std::string (*render)(const std::vector<report::Run>&);
};

}  // namespace

Report build_report(const ReportOptions& options) {
  if (options.runs.empty()) throw Error("report: no run folders given");
  std::vector<report::Run> runs;
  for (const fs::path& path : options.runs) {
    report::Run run{path, fs::absolute(path).lexically_normal().filename().string(), detect_run_kind(path), nullptr, nullptr};
    if (run.name.empty()) run.name = fs::absolute(path).lexically_normal().parent_path().filename().string();
    if (fs::is_regular_file(path / "config.json")) run.config = read_json((path / "config.json").string());
    if (fs::is_regular_file(path / "metrics.json")) run.metrics = read_json((path / "metrics.json").string());
    runs.push_back(std::move(run));
  }
  const Section sections[] = {
      {"summary", "Summary", report::summary_section},
      {"audit", "Fairness audit", report::audit_section},
      {"training", "Training curves", report::training_section},
      {"finetune", "Fine-tune: before and after", report::finetune_section},
      {"mitigation", "Mitigations", report::mitigation_section},
      {"pareto", "Accuracy and fairness: Pareto fronts", report::pareto_section},
      {"ebm", "Explainable Boosting Machine", report::ebm_section},
      {"explain", "Post-hoc explanations", report::explain_section},
  };
  Report report;
  std::string nav, body;
  for (const Section& section : sections) {
    const std::string html = section.render(runs);
    if (html.empty()) continue;
    report.sections.push_back(section.id);
    nav += fmt::format("<a href=\"#{}\">{}</a>", section.id, section.title);
    body += fmt::format("<section id=\"{}\">\n<h2>{}</h2>\n{}</section>\n", section.id, section.title, html);
  }
  report.html = fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{0}</title>\n"
      "<style>{1}</style>\n</head>\n<body>\n<h1>{0}</h1>\n<nav>{2}</nav>\n{3}<script>{4}</script>\n</body>\n</html>\n",
      report::esc(options.title), kStyle, nav, body, kScript);
  return report;
}

}  // namespace candor::cli
