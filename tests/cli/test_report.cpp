// candor report: one HTML page over run folders. Each kind of run gets its section, nothing is
// fetched from the network, the page stays small, text from the data is escaped, and a folder
// that is not a run is refused with one line.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>

#include <doctest/doctest.h>

#include "cli/report.h"
#include "cli/report_parts.h"
#include "tests/cli/run_candor.h"

namespace fs = std::filesystem;
using candor::testing::has;
using candor::testing::lines;
using candor::testing::Result;
using candor::testing::run_candor;
using candor::testing::scratch;
using candor::testing::slurp;

namespace {

void run_ok(const std::string& args) {
  Result r = run_candor(args);
  INFO(args << "\n" << r.out);
  REQUIRE(r.code == 0);
}

// One run of each kind on the synthetic data, made once per test process (two EBM pairs: each
// heatmap is about 300 KB).
const fs::path& runs() {
  static const fs::path dir = [] {
    const fs::path d = scratch("report_runs");
    const std::string s = d.string();
    run_ok("train --data synthetic --hidden 8 --epochs 2 --quiet --out " + s + "/train");
    run_ok("finetune --init " + s + "/train/model.safetensors --penalty dp --lambda 1 --epochs 2 --bootstrap 20 --quiet --out " +
           s + "/finetune");
    run_ok("sweep --init " + s + "/train/model.safetensors --lambdas 0,1 --epochs 1 --quiet --out " + s + "/sweep");
    run_ok("compare " + s + "/train " + s + "/finetune --out " + s + "/compare");
    run_ok("mitigate --data synthetic --method threshold --constraint dp --out " + s + "/threshold");
    run_ok("ebm fit --data synthetic --outer-bags 1 --max-rounds 200 --interactions 2 --out " + s + "/ebm");
    run_ok("ebm explain --row 0 --split test --run " + s + "/ebm");
    run_ok("explain --run " + s + "/train --method fairness --quiet --out " + s + "/explain");
    return d;
  }();
  return dir;
}

std::vector<fs::path> all_runs() {
  std::vector<fs::path> out;
  for (const char* name : {"train", "finetune", "sweep", "compare", "threshold", "ebm", "explain"}) out.push_back(runs() / name);
  return out;
}

// Every "http://" or "https://" in the page but SVG's namespace (a name, never fetched).
size_t web_references(std::string html) {
  const std::string svg_namespace = "http://www.w3.org/2000/svg";
  for (size_t at; (at = html.find(svg_namespace)) != std::string::npos;) html.erase(at, svg_namespace.size());
  size_t count = 0;
  for (const char* scheme : {"http://", "https://"}) {
    for (size_t at = html.find(scheme); at != std::string::npos; at = html.find(scheme, at + 1)) ++count;
  }
  return count;
}

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("report: each kind of run is detected by its files") {
  using candor::cli::detect_run_kind;
  using candor::cli::RunKind;
  CHECK(detect_run_kind(runs() / "train") == RunKind::Train);
  CHECK(detect_run_kind(runs() / "finetune") == RunKind::Finetune);
  CHECK(detect_run_kind(runs() / "sweep") == RunKind::Sweep);
  CHECK(detect_run_kind(runs() / "compare") == RunKind::Compare);
  CHECK(detect_run_kind(runs() / "threshold") == RunKind::Mitigation);
  CHECK(detect_run_kind(runs() / "ebm") == RunKind::Ebm);
  CHECK(detect_run_kind(runs() / "explain") == RunKind::Explain);
}

TEST_CASE("report: every section is present, self-contained and small") {
  candor::cli::ReportOptions options;
  options.runs = all_runs();
  options.title = "Tests & <checks>";
  const candor::cli::Report report = candor::cli::build_report(options);
  CHECK(report.sections ==
        std::vector<std::string>{"summary", "audit", "training", "finetune", "mitigation", "pareto", "ebm", "explain"});
  const std::string& html = report.html;
  for (const std::string& id : report.sections) CHECK(has(html, "<section id=\"" + id + "\">"));
  CHECK(has(html, "<title>Tests &amp; &lt;checks&gt;</title>"));
  CHECK(web_references(html) == 0);
  CHECK(!has(html, "<script src"));
  CHECK(!has(html, "<link"));
  // The audit: group bars and the named metrics with their intervals.
  CHECK(has(html, "difference "));
  CHECK(has(html, "<td>demographic_parity_difference</td>"));
  CHECK(has(html, "<path class=\"whisker\""));  // each group's bootstrap interval on its bar
  // The EBM: a term selector over inline figures, and the local explanation of row 0.
  CHECK(has(html, "<select class=\"terms\">"));
  CHECK(has(html, "class=\"term\" data-term="));
  CHECK(has(html, "Local explanations"));
  CHECK(html.size() < 2'000'000);
}

TEST_CASE("report: group bars draw a whisker exactly where both ends of an interval are numbers") {
  using candor::cli::report::group_bars_svg;
  const std::vector<std::string> groups = {"a", "b", "c"};
  const std::vector<double> values = {0.5, NAN, 0.2};
  const std::string with = group_bars_svg("rate", "", groups, values, {0.4, NAN, NAN}, {0.6, 0.7, NAN});
  CHECK(count(with, "<path class=\"whisker\"") == 1);
  CHECK(has(with, "<title>interval [0.400, 0.600]</title>"));
  CHECK(!has(with, "nan"));
  CHECK(count(group_bars_svg("rate", "", groups, values), "class=\"whisker\"") == 0);  // a run without intervals
}

TEST_CASE("report: the command writes the page, prints its path and size, and refuses what is not a run") {
  const fs::path dir = scratch("report_cli");
  std::string args = "report";
  for (const fs::path& run : all_runs()) {
    args += ' ';
    args += run.string();
  }
  Result r = run_candor(args + " --title Demo --out " + (dir / "report.html").string());
  INFO(r.out);
  REQUIRE(r.code == 0);
  const std::string page = (dir / "report.html").string();
  CHECK(has(r.out, "wrote " + page + " ("));
  const std::string html = slurp(dir / "report.html");
  CHECK(has(html, "<h1>Demo</h1>"));
  CHECK(html.size() < 2'000'000);

  fs::create_directories(dir / "holiday_photos");
  std::ofstream(dir / "holiday_photos" / "beach.jpg") << "not a run";
  const std::string train = (runs() / "train").string(), photos = (dir / "holiday_photos").string();
  Result refused = run_candor("report " + train + " " + photos + " --out " + (dir / "no.html").string());
  CHECK(refused.code == 1);
  CHECK(lines(refused.out) == 1);
  CHECK(has(refused.out, photos + " is not a candor run folder"));
  CHECK(!fs::exists(dir / "no.html"));
  CHECK(run_candor("report " + train).code == 2);  // no --out
}

TEST_CASE("report: a category named <script> is shown as text, never run") {
  const fs::path dir = scratch("report_escape");
  const std::string hostile = "<script>alert(1)</script>";
  {
    std::ofstream csv(dir / "people.csv");
    csv << "x,group,y\n";
    for (int i = 0; i < 400; ++i) {
      csv << (i % 23) * 0.1 << "," << (i % 3 ? "plain" : hostile) << "," << ((i % 23) > 11 ? 1 : 0) << "\n";
    }
  }
  const std::string s = dir.string();
  run_ok("train --csv " + s + "/people.csv --label y --sensitive group --hidden 4 --epochs 2 --quiet --out " + s + "/base");
  run_ok("finetune --init " + s + "/base/model.safetensors --penalty dp --lambda 1 --epochs 1 --bootstrap 20 --quiet --out " + s + "/fair");
  run_ok("explain --run " + s + "/base --method fairness --quiet --out " + s + "/gap");
  run_ok("report " + s + "/base " + s + "/fair " + s + "/gap --out " + s + "/report.html");
  const std::string html = slurp(dir / "report.html");
  CHECK(has(html, "&lt;script&gt;alert(1)&lt;/script&gt;"));
  CHECK(!has(html, hostile));
  CHECK(!has(html, "alert(1)</script>"));
}
