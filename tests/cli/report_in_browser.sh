#!/usr/bin/env bash
# The report in a real browser: runs the demo in its quick mode (every step, fewer epochs), opens
# its report.html in headless Chromium through scripts/check_report.sh (console errors, overflow,
# text cut off by a plot, missing sections, the size limit; screenshot and PDF kept in
# ARTIFACT_DIR), then checks that the checker itself fails on pages broken in each of those ways.
# Usage: tests/cli/report_in_browser.sh CANDOR_EXECUTABLE ARTIFACT_DIR
set -euo pipefail
candor=$(realpath "$1")
artifacts=$2
root=$(cd "$(dirname "$0")/../.." && pwd)
rm -rf "$artifacts"
mkdir -p "$artifacts"
artifacts=$(realpath "$artifacts")

CANDOR="$candor" DEMO_OUT="$artifacts/demo" DEMO_QUICK=1 bash "$root/scripts/demo.sh" >"$artifacts/demo.log" 2>&1 ||
  { tail -30 "$artifacts/demo.log"; echo "report_in_browser: the quick demo failed" >&2; exit 1; }
bash "$root/scripts/check_report.sh" "$artifacts/demo/report.html" "$artifacts"

# Each broken copy must be refused.
broken=$(mktemp -d)
trap 'rm -rf "$broken"' EXIT
python3 - "$artifacts/demo/report.html" "$broken" <<'PY'
import re, sys
page, out = open(sys.argv[1], encoding="utf-8").read(), sys.argv[2]
body = page.rfind("</body>")
cases = {
    "console_error": page[:body] + "<script>console.error('broken on purpose')</script>" + page[body:],
    "too_wide": page[:body] + "<div style=\"width:3000px\">wide</div>" + page[body:],
    "missing_section": re.sub(r'<section id="ebm">.*?</section>', "", page, flags=re.S),
    "clipped_text": page[:body] + "<svg width=\"100\" height=\"40\"><text x=\"60\" y=\"20\">"
                    "cut off at the right</text></svg>" + page[body:],
}
for name, text in cases.items():
    open(f"{out}/{name}.html", "w", encoding="utf-8").write(text)
PY
for name in console_error too_wide missing_section clipped_text; do
  if bash "$root/scripts/check_report.sh" "$broken/$name.html" "$broken/$name" 2>"$broken/$name.err"; then
    echo "report_in_browser: the checker passed a page with a $name" >&2
    exit 1
  fi
done
if bash "$root/scripts/check_report.sh" "$artifacts/demo/report.html" "$broken/small" \
  summary,audit,training,finetune,mitigation,pareto,ebm,explain 1000 2>/dev/null; then
  echo "report_in_browser: the checker passed a report over its size limit" >&2
  exit 1
fi
echo "report_in_browser: the demo's report passed; pages with a console error, an overflowing element," \
  "text cut off by its plot, a missing section or too many bytes were refused"
