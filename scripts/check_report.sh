#!/usr/bin/env bash
# Opens a report written by `candor report` in headless Chromium at 1280x800 and fails on a
# JavaScript console message, an element wider than the page (outside a scrolling box), text that
# a plot cuts off at its edge (in every EBM term, the hidden ones shown in turn), a missing or empty
# section, an EBM term selector that leaves more or less than one term shown, or a file
# over the size limit. Writes a screenshot of the first screen, the page printed to PDF, and
# check.json (load time, size, sections) to the artifact folder.
# Usage: scripts/check_report.sh REPORT.html ARTIFACT_DIR [SECTION,SECTION,...] [MAX_BYTES]
set -euo pipefail
report=$(realpath "$1")
artifacts=$2
sections=${3:-summary,audit,training,finetune,mitigation,pareto,ebm,explain}
max_bytes=${4:-2000000}
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$browser" ]; then
  echo "check_report: no Chromium found (make test installs it: apt-get install chromium)" >&2
  exit 1
fi
mkdir -p "$artifacts"
artifacts=$(realpath "$artifacts")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

bytes=$(wc -c <"$report")
if [ "$bytes" -gt "$max_bytes" ]; then
  echo "check_report: $report is $bytes bytes, over the limit of $max_bytes" >&2
  exit 1
fi

# The page with a checking script added at the end of its body: it runs after the report's own
# script, measures the layout at the window's width and writes what it found into the page, where
# --dump-dom shows it.
cat >"$work/check.js" <<'JS'
(function () {
  var width = document.documentElement.clientWidth, wide = [];
  var scrolls = function (e) {
    for (var p = e.parentElement; p; p = p.parentElement) {
      var o = getComputedStyle(p).overflowX;
      if (o === 'auto' || o === 'scroll' || o === 'hidden') return true;
    }
    return false;
  };
  document.querySelectorAll('body *').forEach(function (e) {
    var r = e.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) return;
    if ((r.right > width + 1 || r.left < -1) && !scrolls(e)) {
      var name = e.tagName.toLowerCase() + (e.id ? '#' + e.id : '');
      if (typeof e.className === 'string' && e.className) name += '.' + e.className.split(' ')[0];
      wide.push(name + ' spans ' + Math.round(r.left) + '..' + Math.round(r.right));
    }
  });
  var shown = 0, selectors = document.querySelectorAll('select.terms').length;
  document.querySelectorAll('.term').forEach(function (t) { if (!t.hidden) shown += 1; });
  // Text an SVG cuts off at its own edge (an SVG clips what it draws outside itself), in every EBM
  // term, the ones the selector hides included.
  var hidden = [];
  document.querySelectorAll('.term[hidden]').forEach(function (t) { hidden.push(t); t.hidden = false; });
  var clipped = [];
  document.querySelectorAll('svg text').forEach(function (t) {
    var r = t.getBoundingClientRect(), box = t.ownerSVGElement.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) return;
    if (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1 || r.bottom > box.bottom + 1) {
      var title = t.ownerSVGElement.querySelector('text');
      clipped.push('"' + t.textContent.slice(0, 40) + '" in "' + (title ? title.textContent.slice(0, 40) : '?') + '"');
    }
  });
  hidden.forEach(function (t) { t.hidden = true; });
  var sections = [];
  document.querySelectorAll('section[id]').forEach(function (s) {
    if (s.textContent.trim().length > s.querySelector('h2').textContent.length) sections.push(s.id);
  });
  var result = {
    window_width: width, page_width: document.documentElement.scrollWidth, too_wide: wide.slice(0, 20), clipped: clipped.slice(0, 40), clipped_count: clipped.length,
    sections: sections, terms_shown: shown, term_selectors: selectors,
    ms_to_laid_out: Math.round(performance.now())
  };
  var pre = document.createElement('pre');
  pre.id = 'candor-check';
  pre.textContent = JSON.stringify(result);
  document.body.appendChild(pre);
})();
JS
python3 - "$report" "$work/check.js" "$work/checked.html" <<'PY'
import sys
page, script = open(sys.argv[1], encoding="utf-8").read(), open(sys.argv[2]).read()
at = page.rfind("</body>")
if at < 0:
    sys.exit("check_report: the report has no </body>")
open(sys.argv[3], "w", encoding="utf-8").write(page[:at] + "<script>" + script + "</script>" + page[at:])
PY

flags=(--headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1280,800
       --user-data-dir="$work/profile")
"$browser" "${flags[@]}" --enable-logging=stderr --v=0 --dump-dom "file://$work/checked.html" \
  >"$work/dom.html" 2>"$work/console.log"
if grep -E "CONSOLE|Uncaught" "$work/console.log"; then
  echo "check_report: console messages above" >&2
  exit 1
fi
"$browser" "${flags[@]}" --screenshot="$artifacts/first_screen.png" "file://$report" >/dev/null 2>&1
"$browser" "${flags[@]}" --no-pdf-header-footer --print-to-pdf="$artifacts/report.pdf" "file://$report" \
  >/dev/null 2>&1

python3 - "$work/dom.html" "$sections" "$bytes" "$artifacts" <<'PY'
import html, json, re, sys, os
dom, wanted, size, artifacts = open(sys.argv[1], encoding="utf-8").read(), sys.argv[2].split(","), int(sys.argv[3]), sys.argv[4]
found = re.search(r'<pre id="candor-check">(.*?)</pre>', dom, re.S)
if not found:
    sys.exit("check_report: the checking script did not run (no result in the page)")
check = json.loads(html.unescape(found.group(1)))
check["bytes"] = size
pdf = os.path.join(artifacts, "report.pdf")
check["pdf_pages"] = len(re.findall(rb"/Type\s*/Page(?!s)", open(pdf, "rb").read())) if os.path.exists(pdf) else 0
json.dump(check, open(os.path.join(artifacts, "check.json"), "w"), indent=2)
problems = []
if check["page_width"] > check["window_width"]:
    problems.append(f"the page is {check['page_width']} px wide in a {check['window_width']} px window")
problems += ["too wide: " + w for w in check["too_wide"]]
problems += ["cut off by its plot's edge: " + c for c in check["clipped"]]
problems += [f"section '{s}' is missing or empty" for s in wanted if s not in check["sections"]]
if check["terms_shown"] != check["term_selectors"]:
    problems.append(f"{check['terms_shown']} EBM terms shown for {check['term_selectors']} selectors (one each expected)")
if not os.path.exists(pdf) or os.path.getsize(pdf) < 1000:
    problems.append("printing to PDF wrote nothing")
if not os.path.exists(os.path.join(artifacts, "first_screen.png")):
    problems.append("no screenshot was written")
for p in problems:
    print("check_report:", p, file=sys.stderr)
print(f"check_report: {size} bytes, laid out {check['ms_to_laid_out']} ms after navigation starts, "
      f"sections {','.join(check['sections'])}; artifacts in {artifacts}")
sys.exit(1 if problems else 0)
PY
