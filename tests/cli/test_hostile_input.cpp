// `candor` against hostile numbers and data: each case ends with exit code 1 (or 2 for a usage
// mistake) and one short line on stderr naming the problem, never a crash, a hang or a run that
// "succeeds" on garbage.
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>

#include <doctest/doctest.h>

#include "nn/run.h"
#include "tests/cli/run_candor.h"

namespace fs = std::filesystem;
using candor::testing::has;
using candor::testing::lines;
using candor::testing::Result;
using candor::testing::run_candor;
using candor::testing::scratch;

namespace {

const std::string kTrain = "train --data synthetic --hidden 8 --epochs 1 --quiet";

// A CSV of `rows` rows: a numeric column x, a categorical c and a 0/1 label y, with `cell` (when
// given) as x on the fourth row.
std::string csv(int rows, const std::string& cell = "", const std::string& label_of = "alternate") {
  std::string text = "x,c,y\n";
  for (int i = 0; i < rows; ++i) {
    const std::string x = i == 3 && !cell.empty() ? cell : std::to_string(i % 17);
    const int y = label_of == "alternate" ? i % 2 : 1;
    text += x + "," + (i % 3 ? "u" : "v") + "," + std::to_string(y) + "\n";
  }
  return text;
}

fs::path write(const fs::path& dir, const std::string& name, const std::string& text) {
  std::ofstream(dir / name, std::ios::binary) << text;
  return dir / name;
}

// A trained run on the synthetic data, made once.
const fs::path& trained() {
  static fs::path dir = [] {
    fs::path d = scratch("hostile_run");
    Result r = run_candor(kTrain + " --out " + (d / "base").string());
    REQUIRE(r.code == 0);
    return d;
  }();
  return dir;
}

}  // namespace

TEST_CASE("cli hostile: --hidden 2^62 is a shape error, not a segfault") {
  fs::path dir = scratch("hostile_hidden");
  Result r = run_candor(kTrain + " --hidden 4611686018427387904 --out " + (dir / "run").string());
  INFO(r.out);
  CHECK(r.code == 1);
  CHECK(has(r.out, "4611686018427387904"));
  CHECK(has(r.out, "overflows"));
  CHECK(lines(r.out) == 1);
}

TEST_CASE("cli hostile: NaN and out-of-range options are usage errors; a diverging run names the epoch and step") {
  fs::path dir = scratch("hostile_options");
  Result nan_lr = run_candor(kTrain + " --lr nan --out " + (dir / "a").string());
  INFO(nan_lr.out);
  CHECK(nan_lr.code == 2);
  CHECK(has(nan_lr.out, "lr must be finite"));

  Result huge_lr = run_candor(kTrain + " --lr 1e308 --out " + (dir / "b").string());
  INFO(huge_lr.out);
  CHECK(huge_lr.code == 1);
  CHECK(has(huge_lr.out, "training diverged"));
  CHECK(has(huge_lr.out, "epoch 1, step"));
  CHECK(lines(huge_lr.out) == 1);

  const std::string init = (trained() / "base" / "model.safetensors").string();
  Result nan_lambda = run_candor("finetune --init " + init + " --penalty dp --lambda nan --quiet --out " + (dir / "c").string());
  INFO(nan_lambda.out);
  CHECK(nan_lambda.code == 2);
  CHECK(has(nan_lambda.out, "lambda must be finite and >= 0, got nan"));

  Result huge_lambda = run_candor("finetune --init " + init + " --penalty dp --lambda 1e308 --epochs 1 --bootstrap 0 --quiet --out " +
                                  (dir / "d").string());
  INFO(huge_lambda.out);
  CHECK(huge_lambda.code == 1);
  CHECK(has(huge_lambda.out, "training diverged"));
  CHECK(has(huge_lambda.out, "epoch 1, step 1 of"));

  // Every lambda of a sweep is checked before the first run starts.
  Result sweep = run_candor("sweep --init " + init + " --lambdas 0,nan --quiet --out " + (dir / "e").string());
  INFO(sweep.out);
  CHECK(sweep.code == 2);
  CHECK(has(sweep.out, "got nan"));
  CHECK_FALSE(fs::exists(dir / "e" / "lambda_0"));

  Result bootstrap = run_candor("eval --run " + (trained() / "base").string() + " --bootstrap 1000000000");
  INFO(bootstrap.out);
  CHECK(bootstrap.code == 2);
  CHECK(has(bootstrap.out, "replicates must be in [0, 100000]"));
}

TEST_CASE("cli hostile: a checkpoint whose weights hold a NaN is an error in eval, not a hang") {
  // Its scores are NaN, which made the ROC AUC's tie loop run forever.
  fs::path dir = scratch("hostile_nan_weights");
  fs::copy(trained() / "base", dir / "run", fs::copy_options::recursive);
  const std::string checkpoint = (dir / "run" / "model.safetensors").string();
  candor::nn::LoadedRun run = candor::nn::load_checkpoint(checkpoint);
  auto state = run.model->state_dict();
  state.begin()->second.data<float>()[0] = std::numeric_limits<float>::quiet_NaN();
  candor::nn::save_checkpoint(checkpoint, state, run.config, run.encoder);
  Result r = run_candor("eval --run " + (dir / "run").string() + " --bootstrap 0");
  INFO(r.out);
  CHECK(r.code == 1);
  CHECK(has(r.out, "NaN"));
  CHECK(lines(r.out) == 1);
}

TEST_CASE("cli hostile: usage mistakes exit 2") {
  fs::path dir = scratch("hostile_usage");
  const fs::path data = write(dir, "d.csv", csv(40));
  const std::string init = (trained() / "base" / "model.safetensors").string();
  for (const std::string& args :
       {"train --quiet --out " + (dir / "a").string(), "train --csv " + data.string() + " --quiet --out " + (dir / "b").string(),
        "ebm fit --csv " + data.string() + " --out " + (dir / "c").string(),
        "finetune --init " + init + " --csv " + data.string() + " --penalty dp --lambda 0 --quiet --out " + (dir / "d").string(),
        "pretrain --text " + data.string() + " --data synthetic --out " + (dir / "e").string()}) {
    Result r = run_candor(args);
    INFO(args << "\n" << r.out);
    CHECK(r.code == 2);
    CHECK(lines(r.out) == 1);
  }
}

TEST_CASE("cli hostile: bad cells, huge values, Latin-1 and too little data are refused before training") {
  fs::path dir = scratch("hostile_data");
  auto train_on = [&](const std::string& name, const std::string& text) {
    const fs::path file = write(dir, name, text);
    return run_candor("train --csv " + file.string() + " --label y --hidden 4 --epochs 1 --quiet --out " +
                      (dir / (name + ".run")).string());
  };
  Result nan = train_on("nan.csv", csv(64, "nan"));
  INFO(nan.out);
  CHECK(nan.code == 1);
  CHECK(has(nan.out, "nan.csv:5"));
  CHECK(has(nan.out, "column \"x\""));
  CHECK(has(nan.out, "\"nan\""));
  CHECK(lines(nan.out) == 1);

  Result huge = train_on("huge.csv", csv(64, "1e308"));
  INFO(huge.out);
  CHECK(huge.code == 1);
  CHECK(has(huge.out, "column \"x\""));
  CHECK(has(huge.out, "1e+308"));
  CHECK_FALSE(fs::exists(dir / "huge.csv.run" / "model.safetensors"));

  Result latin1 = train_on("latin1.csv", csv(64, "Caf\xE9"));
  INFO(latin1.out);
  CHECK(latin1.code == 1);
  CHECK(has(latin1.out, "latin1.csv:5:4: invalid UTF-8"));
  CHECK_FALSE(fs::exists(dir / "latin1.csv.run" / "model.safetensors"));

  Result one_class = train_on("one_class.csv", csv(64, "", "ones"));
  INFO(one_class.out);
  CHECK(one_class.code == 1);
  CHECK(has(one_class.out, "of class 1, 0 of class 0"));

  Result two_rows = train_on("two_rows.csv", csv(2));
  INFO(two_rows.out);
  CHECK(two_rows.code == 1);
  CHECK(has(two_rows.out, "validation rows"));
  CHECK_FALSE(has(two_rows.out, "load_state_dict"));
}

TEST_CASE("cli hostile: errors stay one short line: a header's line break, a 5 MB field, a huge number") {
  fs::path dir = scratch("hostile_lines");
  const fs::path header = write(dir, "header.csv", "\"first\nname\",y\n1,0\n2,1\n");
  Result r = run_candor("train --csv " + header.string() + " --label income --quiet --out " + (dir / "a").string());
  INFO(r.out);
  CHECK(r.code == 1);
  CHECK(lines(r.out) == 1);
  CHECK(has(r.out, "first\\nname"));

  std::string text = csv(30);
  text += std::string(5'000'000, 'z') + ",u,1\n";
  const fs::path big = write(dir, "big.csv", text);
  Result b = run_candor("train --csv " + big.string() + " --label y --quiet --out " + (dir / "b").string());
  INFO(b.out.substr(0, 500));
  CHECK(b.code == 1);
  CHECK(lines(b.out) == 1);
  CHECK(b.out.size() < 400);
  CHECK(has(b.out, "(5000000 bytes)"));

  Result range = run_candor(kTrain + " --dropout 1e308 --out " + (dir / "c").string());
  INFO(range.out);
  CHECK(range.code == 2);
  CHECK(lines(range.out) == 1);
  CHECK(range.out.size() < 200);

  // CLI11 prints PositiveNumber's bound, the largest double, with all its 309 digits.
  Result positive = run_candor(kTrain + " --lr -1e308 --out " + (dir / "d").string());
  INFO(positive.out);
  CHECK(positive.code == 2);
  CHECK(has(positive.out, "1.79769e+308"));
  CHECK(positive.out.size() < 200);

  // A value with more digits than a double holds is a usage error too, not an abort.
  for (const char* option : {"--lr", "--epochs"}) {
    Result digits = run_candor(kTrain + " " + option + " " + std::string(400, '9') + " --out " + (dir / "e").string());
    INFO(digits.out);
    CHECK(digits.code == 2);
    CHECK(has(digits.out, "999999... (400 digits)"));
    CHECK(lines(digits.out) == 1);
  }
}
