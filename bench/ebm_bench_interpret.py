"""The work of bench/ebm_bench in InterpretML: an EBM on UCI Adult with the same protocol (train on
adult.data, test on adult.test, rows with a missing ('?') cell dropped, fnlwgt dropped, the other 13
columns raw) and the same settings, passed explicitly so that a newer InterpretML's defaults cannot
change the work. Prints one JSON object with ebm_bench's fields (less the per-bag steps, plus
InterpretML's version). Give both the same thread count:

  ./build/bench/ebm_bench --threads 2
  python3 bench/ebm_bench_interpret.py --threads 2 [--data-dir datasets/data]

Without InterpretML (and pandas, which this script hands it the data in) it loads the data,
prints the row counts it would fit on and exits with status 2, so the protocol can be checked
anywhere.
"""
import argparse
import csv
import json
import math
import os
import sys
import time

COLUMNS = ["age", "workclass", "fnlwgt", "education", "education-num", "marital-status",
           "occupation", "relationship", "race", "sex", "capital-gain", "capital-loss",
           "hours-per-week", "native-country", "income"]
NUMERIC = {"age", "fnlwgt", "education-num", "capital-gain", "capital-loss", "hours-per-week"}


def load(path):
    """Rows of an Adult file as (features, labels): '?' rows and fnlwgt dropped, label >50K = 1."""
    features, labels = [], []
    with open(path, newline="") as f:
        for row in csv.reader(f, skipinitialspace=True):
            if len(row) != len(COLUMNS):  # blank lines and adult.test's "|1x3 Cross validator"
                continue
            if "?" in row:
                continue
            record = {}
            for name, cell in zip(COLUMNS[:-1], row[:-1]):
                if name != "fnlwgt":
                    record[name] = float(cell) if name in NUMERIC else cell
            features.append(record)
            labels.append(1 if row[-1].rstrip(".") == ">50K" else 0)
    return features, labels


def roc_auc(score, y):
    """ROC AUC by the rank-sum formula, ties given their average rank (as bench/ebm_bench)."""
    order = sorted(range(len(score)), key=lambda i: score[i])
    rank_sum, pos, i = 0.0, 0, 0
    while i < len(order):
        j = i
        while j < len(order) and score[order[j]] == score[order[i]]:
            j += 1
        rank = 0.5 * (i + j + 1)
        for k in range(i, j):
            if y[order[k]] == 1:
                rank_sum += rank
                pos += 1
        i = j
    neg = len(score) - pos
    return (rank_sum - pos * (pos + 1) / 2) / (pos * neg)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=os.cpu_count(),
                        help="n_jobs (default: every core, as ebm_bench's OpenMP default)")
    parser.add_argument("--data-dir", default=os.path.join(os.path.dirname(__file__), "..",
                                                            "datasets", "data"))
    args = parser.parse_args()
    x_train, y_train = load(os.path.join(args.data_dir, "adult", "adult.data"))
    x_test, y_test = load(os.path.join(args.data_dir, "adult", "adult.test"))
    rows = {"train": len(x_train), "test": len(x_test)}
    try:
        import interpret
        import pandas
        from interpret.glassbox import ExplainableBoostingClassifier
    except ImportError as e:
        print(json.dumps({"name": "ebm_adult_interpret", "rows": rows, "error": str(e)}))
        return 2
    # bench/ebm_bench's settings: candor's FitOptions defaults (explain/ebm/fit.h).
    model = ExplainableBoostingClassifier(
        max_bins=1024, max_interaction_bins=64, interactions="3x", validation_size=0.15,
        outer_bags=14, inner_bags=0, learning_rate=0.015, greedy_ratio=10.0,
        cyclic_progress=False, smoothing_rounds=75, interaction_smoothing_rounds=75,
        max_rounds=50000, early_stopping_rounds=100, early_stopping_tolerance=1e-5,
        min_samples_leaf=4, min_hessian=1e-4, gain_scale=5.0, min_cat_samples=10,
        cat_smooth=10.0, max_leaves=2, n_jobs=args.threads, random_state=42)
    train, test = pandas.DataFrame(x_train), pandas.DataFrame(x_test)
    start = time.perf_counter()
    model.fit(train, y_train)
    fit_s = time.perf_counter() - start
    p = [float(q) for q in model.predict_proba(test)[:, 1]]
    # Clipped so that a probability of exactly 0 or 1 gives a large loss, not an exception.
    clipped = [min(max(q, 1e-300), 1 - 1e-16) for q in p]
    log_loss = -sum(math.log(q) if y == 1 else math.log1p(-q)
                    for q, y in zip(clipped, y_test)) / len(p)
    pairs = sum(1 for term in model.term_features_ if len(term) == 2)
    print(json.dumps({"name": "ebm_adult_interpret", "interpret": interpret.__version__,
                      "rows": rows, "features": train.shape[1], "outer_bags": 14,
                      "pairs": pairs, "threads": args.threads, "fit_seconds": fit_s,
                      "test_auc": roc_auc(p, y_test), "test_log_loss": log_loss}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
