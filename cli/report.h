// candor report: one self-contained HTML page over run folders (inline SVG, CSS and a few lines of
// JavaScript; nothing is fetched): a summary, the fairness audit, training curves, the fine-tune's
// before and after, Pareto fronts, an EBM's terms and post-hoc explanations. Every piece of text
// from a run is escaped, so a category named "<script>" is shown as text.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace candor::cli {

enum class RunKind { Train, Finetune, Sweep, Compare, Ebm, Explain, Mitigation };

const char* run_kind_name(RunKind kind);
// What a folder holds, told by its files; Error (one line naming the folder) when it is not a
// candor run folder.
RunKind detect_run_kind(const std::filesystem::path& folder);

struct ReportOptions {
  std::vector<std::filesystem::path> runs;
  std::string title = "candor report";
};

struct Report {
  std::string html;
  std::vector<std::string> sections;  // the ids of the sections present, in page order
};

Report build_report(const ReportOptions& options);

}  // namespace candor::cli
