#!/usr/bin/env bash
# Installs candor (from BUILD, default build/) into a temporary prefix, builds every lab against the
# installed package with find_package(candor), runs each in quick mode (CANDOR_LAB_QUICK=1) and
# checks that it prints the figures its README's questions ask about. Then builds a project that
# takes candor with add_subdirectory. Run by .ci/run after `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
build=${BUILD:-build}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Quiet unless a step fails; then its output is shown.
quietly() {
  if ! "$@" > "$work/step.log" 2>&1; then
    cat "$work/step.log" >&2
    echo "check_labs: failed: $*" >&2
    exit 1
  fi
}

quietly cmake --install "$build" --prefix "$work/prefix"
quietly cmake -S labs -B "$work/labs" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$work/prefix"
quietly cmake --build "$work/labs" -j 2

# FOLDER/PROGRAM of a lab, then the lines its output must hold (extended regular expressions).
check() {
  local lab=$1
  shift
  local out
  out=$(CANDOR_LAB_QUICK=1 CANDOR_DATA_DIR="$work/prefix/share/candor/data" "$work/labs/$lab")
  for pattern in "$@"; do
    if ! grep -Eq -- "$pattern" <<< "$out"; then
      printf '%s\n' "$out" >&2
      echo "check_labs: $lab printed no line matching: $pattern" >&2
      exit 1
    fi
  done
  echo "check_labs: $lab ok"
}

check 01_autograd/lab01_autograd "the graph, from L back to w: pow sub tanh add mul" "dL/dw by autograd += 0\.[0-9]+" \
  "dL/dw by hand += 0\.[0-9]+" "h = 1e-12: .* error" "d2L/dw2 by autograd += -?[0-9]" "d2L/dw2 by finite differences"
check 02_mlp/lab02_mlp "rows: train 27146, validation 3016, test 15060; 14 input columns -> 104 features" \
  "kept the weights of epoch [0-9]+ of [0-9]+" "test accuracy 0\.8[0-9]+, ROC AUC 0\.[89][0-9]+" "majority-class baseline: .* accuracy 0\.7[0-9]+"
check 03_audit/lab03_audit "sex = Female .* selection rate 0\.[0-9]+ +true positive rate" "demographic parity difference 0\.[0-9]+, equalized odds" \
  "Female\|Other +[0-9]+ " "demographic_parity_difference +0\.[0-9]+ +\[0\.[0-9]+, 0\.[0-9]+\]" "disparate_impact"
check 04_fair_finetune/lab04_fair_finetune "largest change it makes to the gradient: 0$" "fine-tuned, lambda 0 .* test accuracy 0\.8" \
  "fine-tuned, lambda 2 .* DPD \(sex\) 0\.[0-9]+" "constrained dp<=0.02 \(bound (met|NOT met)\)" \
  "returned: the model after step [0-9]+ of [0-9]+, trained under lambda" "multiplier ended at lambda"
check 05_ebm/lab05_ebm "MLP 64, 64 .* ROC AUC 0\.[89]" "EBM  .* ROC AUC 0\.[89]" "the eight largest" "terms that use sex carry [0-9.]+%" \
  "EBM without its sex terms .* DPD \(sex\) 0\.[0-9]+"
check 06_lora/lab06_lora "FT-Transformer .* test accuracy 0\.[78]" "adapted layers: .*c_attn" "trained [0-9]+ of [0-9]+ parameters" \
  "after LoRA with the penalty .* DPD" "adapters merged .* test accuracy"
check 07_mitigations/lab07_mitigations "base logistic regression: test accuracy 0\.8[0-9]+; selection rate Female 0\.[0-9]+, Male 0\.[0-9]+; DPD \(sex\) 0\.[0-9]+" \
  "sex = Female +P\(y=1 \| sex\) 0\.[0-9]+; factor y=0 [0-9.]+ \((up|down)-weighted\), y=1 [0-9.]+ \(up-weighted\)" \
  "threshold optimizer: both groups select 0\.[0-9]+" "sex = Male +P\(y_hat = 1 \| score s\) = [0-9.]+ \[s [<>] .*\] \+ [0-9.]+ \[s " \
  "exponentiated gradient: [0-9]+ iterations found [0-9]+ classifiers; the mixture uses [0-9]+, weights [0-9.]+" \
  "^reweighing +reweighing, logistic +0\.8[0-9]+ \[" "^threshold +threshold dp, logistic +0\.8[0-9]+ \[" \
  "^expgrad +expgrad dp .* 0\.[0-9]+ \[0\.[0-9]+, 0\.[0-9]+\]" "^penalty +finetune dp<=0\.01, logistic +0\.8[0-9]+ \[" \
  "^threshold +[0-9]+ of [0-9]+ test rows flip a coin; DPD expected 0\.[0-9]+, one draw with seed 1 0\.[0-9]+, seed 2 0\.[0-9]+" \
  "^expgrad +[0-9]+ of [0-9]+ test rows flip a coin; DPD expected 0\.[0-9]+, one draw"

# A project that adds candor's source tree as a subdirectory: the include root and the usage
# requirements come with the targets.
quietly cmake -S tests/package -B "$work/subdirectory" -G Ninja -DCANDOR_SOURCE="$root"
quietly cmake --build "$work/subdirectory" -j 2 --target uses_candor
"$work/subdirectory/uses_candor" | grep -q "2 x 3 = 6" || { echo "check_labs: the add_subdirectory consumer failed" >&2; exit 1; }
echo "check_labs: add_subdirectory consumer ok"
