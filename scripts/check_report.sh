#!/usr/bin/env bash
# Opens a report written by `candor report` in headless Chromium (not run by CI: CI has no
# Chromium): a screenshot at 1280x800, and the page after its script ran, failing on any console
# error or when the EBM term selector left more than one term shown per EBM run.
# Usage: scripts/check_report.sh [runs/demo/report.html] [screenshot.png]
set -euo pipefail
report=$(realpath "${1:-runs/demo/report.html}")
shot=${2:-/tmp/candor_report.png}
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$browser" ]; then
  echo "check_report: no Chromium found (apt-get install -y chromium)" >&2
  exit 1
fi
flags=(--headless --no-sandbox --disable-gpu --window-size=1280,800)
"$browser" "${flags[@]}" --screenshot="$shot" "file://$report" >/dev/null 2>&1
log=$(mktemp)
dom=$("$browser" "${flags[@]}" --enable-logging=stderr --v=0 --dump-dom "file://$report" 2>"$log")
if grep -E "CONSOLE|Uncaught" "$log"; then
  echo "check_report: console messages above" >&2
  exit 1
fi
terms=$(grep -o 'class="term"[^>]*>' <<<"$dom" | grep -vc ' hidden' || true)
selectors=$(grep -c '<select class="terms">' <<<"$dom" || true)
if [ "$terms" != "$selectors" ]; then
  echo "check_report: $terms terms shown for $selectors selectors (one each expected)" >&2
  exit 1
fi
echo "check_report: $report opens without console errors ($(wc -c <"$report") bytes); screenshot $shot"
