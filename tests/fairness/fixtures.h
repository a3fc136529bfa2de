// Small hand-worked datasets shared by the fairness tests. Every expected number in the tests is
// derived by hand from these rows (the derivations sit beside the checks).
#pragma once

#include <string>
#include <vector>

namespace candor::fairness::testdata {

// Dataset A: one sensitive feature, three groups, unweighted, with scores.
//   group a: (y, ŷ, s) = (1,1,.9) (1,0,.4) (0,1,.6) (0,0,.2)     TP=1 FN=1 FP=1 TN=1
//   group b:             (1,1,.8) (1,1,.7) (1,0,.3) (0,1,.55)    TP=2 FN=1 FP=1 TN=0
//   group c:             (0,0,.1) (0,1,.65)                      TP=0 FN=0 FP=1 TN=1 (no positives)
//   overall: TP=3 FN=2 FP=3 TN=2
struct DatasetA {
  std::vector<double> y_true = {1, 1, 0, 0, 1, 1, 1, 0, 0, 0};
  std::vector<double> y_pred = {1, 0, 1, 0, 1, 1, 0, 1, 0, 1};
  std::vector<double> score = {0.9, 0.4, 0.6, 0.2, 0.8, 0.7, 0.3, 0.55, 0.1, 0.65};
  std::vector<std::string> group = {"a", "a", "a", "a", "b", "b", "b", "b", "c", "c"};
};

// Dataset B: two sensitive features (sex, race), sample weights, and the intersection F|Y empty.
//   row  sex race  y ŷ  w
//   1    F   X     1 1  2     F|X: TP=2 TN=1 FP=1            W=4
//   2    F   X     0 0  1
//   3    F   X     0 1  1
//   4    M   X     1 0  3     M|X: FN=3 TP=1 (no negatives)  W=4
//   5    M   X     1 1  1
//   6    M   Y     0 1  2     M|Y: FP=2 TP=1 TN=1            W=4
//   7    M   Y     1 1  1
//   8    M   Y     0 0  1
//   overall: TP=4 FN=3 FP=3 TN=2, W=12
struct DatasetB {
  std::vector<double> y_true = {1, 0, 0, 1, 1, 0, 1, 0};
  std::vector<double> y_pred = {1, 0, 1, 0, 1, 1, 1, 0};
  std::vector<double> weight = {2, 1, 1, 3, 1, 2, 1, 1};
  std::vector<std::string> sex = {"F", "F", "F", "M", "M", "M", "M", "M"};
  std::vector<std::string> race = {"X", "X", "X", "X", "X", "Y", "Y", "Y"};
};

}  // namespace candor::fairness::testdata
