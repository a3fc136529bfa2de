#!/usr/bin/env bash
# The main job (`make demo`): train an MLP on UCI Adult, fine-tune it with the demographic-parity
# penalty for sex (and again under the constraint DPD <= 0.02), print accuracy and fairness for
# sex and race before and after, sweep the penalty weight for the accuracy-fairness plot, audit
# the predictions, compare the penalty with Fairlearn's and AIF360's mitigations (reweighing,
# exponentiated gradient, threshold optimizer) on the same test rows, split the gap between men and
# women into per-feature contributions before and after the fine-tune, and fit an Explainable
# Boosting Machine beside the network; then pretrain an FT-Transformer on the same data and
# fine-tune it with LoRA adapters and the same penalty; and write one HTML report over the runs.
# Everything lands in runs/demo/ (or DEMO_OUT).
# DEMO_QUICK=1 runs the same steps with a fraction of the epochs, bags, iterations and bootstrap
# replicates (about two minutes): the report's browser test uses it; its figures are not the README's.
set -euo pipefail
cd "$(dirname "$0")/.."
candor=${CANDOR:-./build/cli/candor}
out=${DEMO_OUT:-runs/demo}
mkdir -p "$out"
train_epochs=20 tune_epochs=10 lambdas=0,0.25,0.5,0.7,1,2 replicates=200 expgrad_iter=50
ebm_bags=14 ebm_rounds=50000 ft_epochs=5 lora_epochs=3
if [ "${DEMO_QUICK:-0}" = 1 ]; then
  train_epochs=2 tune_epochs=1 lambdas=0,0.7,2 replicates=20 expgrad_iter=5
  ebm_bags=2 ebm_rounds=200 ft_epochs=1 lora_epochs=1
fi

echo "== 1. train: MLP 64,64 on Adult (train adult.data, test adult.test), numbers also piecewise-linear in 16 quantile bins"
"$candor" train --data adult --model mlp --hidden 64,64 --numeric-bins 16 --epochs "$train_epochs" --seed 0 \
  --out "$out/train"

echo
echo "== 2. fine-tune with loss = bce + 0.7 * demographic-parity gap (sex)"
"$candor" finetune --init "$out/train/model.safetensors" --sensitive sex --penalty dp --lambda 0.7 \
  --epochs "$tune_epochs" --out "$out/finetune"

echo
echo "== 2b. the same under a constraint instead: demographic parity difference <= 0.02 (sex)"
"$candor" finetune --init "$out/train/model.safetensors" --sensitive sex --constraint "dp<=0.02" \
  --epochs "$tune_epochs" --out "$out/constrained"

echo
echo "== 3. sweep the penalty weight: accuracy against the demographic parity difference"
"$candor" sweep --init "$out/train/model.safetensors" --sensitive sex --penalty dp \
  --lambdas "$lambdas" --epochs "$tune_epochs" --select 0.02 --out "$out/sweep"

echo
echo "== 4. audit the fine-tuned model's test predictions (any model's predictions CSV works)"
"$candor" predict --run "$out/finetune" --out "$out/finetune/predictions.csv"
"$candor" audit --predictions "$out/finetune/predictions.csv" --y-true y_true --y-pred y_pred \
  --y-score score --sensitive sex,race --privileged Male,White --bootstrap "$replicates" \
  --json "$out/finetune/audit.json"

echo
echo "== 5. the mitigations of Fairlearn and AIF360 on the same split, compared with the penalty of step 2"
for method in reweighing expgrad threshold; do
  iterations=()
  [ "$method" = expgrad ] && iterations=(--max-iter "$expgrad_iter")
  "$candor" mitigate --data adult --sensitive sex --method "$method" --constraint dp --seed 0 \
    "${iterations[@]}" --out "$out/$method"
  echo
done
"$candor" compare "$out/train" "$out/finetune" "$out/reweighing" "$out/expgrad" "$out/threshold" \
  --sensitive sex --out "$out/compare"

echo
echo "== 5b. where the gap between men and women comes from, before and after the fair fine-tune"
echo "   (each feature's share of the gap in mean predicted probability: group means of Shapley values)"
echo "before:"
"$candor" explain --run "$out/train" --method fairness --sensitive sex --out "$out/explain_gap_before"
echo "after:"
"$candor" explain --run "$out/finetune" --method fairness --sensitive sex --out "$out/explain_gap_after"

echo
echo "== 6. explainable boosting machine on the same split (InterpretML's defaults, fnlwgt dropped)"
"$candor" ebm fit --data adult --drop fnlwgt --seed 42 --outer-bags "$ebm_bags" --max-rounds "$ebm_rounds" --out "$out/ebm"
echo "the network of step 1: test $(grep -o '"roc_auc": [0-9.]*' "$out/train/metrics.json" | head -1)"

echo
echo "== 7. a transformer: pretrain an FT-Transformer on Adult, then LoRA fine-tune it with the same penalty"
"$candor" pretrain --data adult --d-token 32 --blocks 2 --heads 4 --epochs "$ft_epochs" --seed 0 --out "$out/ft"
"$candor" finetune --init "$out/ft/model.safetensors" --sensitive sex --mode lora --lora-rank 8 \
  --penalty dp --lambda 0.7 --epochs "$lora_epochs" --lr 3e-3 --out "$out/ft_lora"

echo
echo "== 8. one page over it all: runs/demo/report.html (open it in a browser; it fetches nothing)"
"$candor" report "$out/train" "$out/finetune" "$out/constrained" "$out/sweep" "$out/compare" \
  "$out/reweighing" "$out/expgrad" "$out/threshold" "$out/explain_gap_before" "$out/explain_gap_after" \
  "$out/ebm" "$out/ft_lora" --title "candor demo: UCI Adult" --out "$out/report.html"

echo
echo "results: $out/ (metrics.json in each run, sweep/pareto.svg, finetune/audit.json, compare/pareto.svg,"
echo "         compare/compare.json, explain_gap_before/ and explain_gap_after/ (plots/gap.svg), ebm/plots/,"
echo "         ft_lora/adapter.safetensors: the LoRA adapters alone, report.html: all of it on one page)"
