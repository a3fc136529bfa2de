// `candor finetune --mode full|head|lora` on an FT-Transformer, `candor pretrain` (tabular and
// text) and fine-tuning a pretrained GPT as a text classifier, through the real binary.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "tests/cli/run_candor.h"

namespace fs = std::filesystem;
using candor::testing::Result;
using candor::testing::read_json;
using candor::testing::run_candor;
using candor::testing::scratch;
using candor::testing::slurp;

namespace {

double dp_of(const nlohmann::json& metrics, const char* when, const char* split, const char* column = "group") {
  return metrics[when][split]["fairness"]["sensitive_features"][column]["fairlearn"]["demographic_parity_difference"]
                ["value"];
}

// An FT-Transformer pretrained on the synthetic biased data, made once per test process.
const fs::path& pretrained_ft() {
  static fs::path dir = [] {
    fs::path d = scratch("modes");
    Result r = run_candor("pretrain --data synthetic --d-token 16 --blocks 1 --heads 2 --epochs 3 --seed 1 --quiet --out " +
                          (d / "ft").string());
    INFO(r.out);
    REQUIRE(r.code == 0);
    return d;
  }();
  return dir;
}

std::string ft_init() { return (pretrained_ft() / "ft" / "model.safetensors").string(); }

}  // namespace

TEST_CASE("pretrain on a dataset writes an FT-Transformer run that eval reads") {
  nlohmann::json config = read_json(pretrained_ft() / "ft" / "config.json");
  CHECK(config["model"]["kind"] == "ft_transformer");
  CHECK(config["model"]["d_token"] == 16);
  Result eval = run_candor("eval --run " + (pretrained_ft() / "ft").string() + " --split test --bootstrap 0");
  INFO(eval.out);
  REQUIRE(eval.code == 0);
  CHECK(eval.out.find("\"accuracy\"") != std::string::npos);
}

TEST_CASE("finetune --mode lora trains the adapters only, saves them alone, and the DP penalty lowers the gap") {
  fs::path out = pretrained_ft() / "lora";
  Result r = run_candor("finetune --init " + ft_init() +
                        " --mode lora --lora-rank 4 --penalty dp --lambda 1 --epochs 3 --lr 3e-3 --bootstrap 0 --quiet --out " +
                        out.string());
  INFO(r.out);
  REQUIRE(r.code == 0);
  nlohmann::json m = read_json(out / "metrics.json");
  CHECK(m["mode"] == "lora");
  CHECK(m["lora_layers"].size() == 1);  // one block: blocks.0.attention.c_attn
  CHECK(m["trainable_parameters"].get<int64_t>() < m["total_parameters"].get<int64_t>() / 4);
  CHECK(fs::exists(out / "adapter.safetensors"));
  const double before = dp_of(m, "before", "validation"), after = dp_of(m, "after", "validation");
  CHECK(before > 0.1);
  CHECK(after < before / 2);
  // ... while the model still ranks: not a constant predictor, whose gap is trivially zero
  CHECK(m["after"]["validation"]["roc_auc"].get<double>() > 0.75);
  // model.safetensors holds the merged weights under the base's names: a plain checkpoint.
  Result eval = run_candor("eval --run " + out.string() + " --split validation --bootstrap 0");
  INFO(eval.out);
  REQUIRE(eval.code == 0);
  const double accuracy = nlohmann::json::parse(eval.out)["validation"]["accuracy"];
  CHECK(accuracy == doctest::Approx(m["after"]["validation"]["accuracy"].get<double>()).epsilon(1e-3));
  // The adapters alone, on top of the pretrained run, give the same predictions as the merged model.
  fs::path merged = pretrained_ft() / "merged.csv", stacked = pretrained_ft() / "stacked.csv";
  REQUIRE(run_candor("predict --run " + out.string() + " --out " + merged.string()).code == 0);
  Result on_top = run_candor("predict --run " + (pretrained_ft() / "ft").string() + " --adapter " +
                             (out / "adapter.safetensors").string() + " --out " + stacked.string());
  INFO(on_top.out);
  REQUIRE(on_top.code == 0);
  std::ifstream a(merged), b(stacked);
  std::string line_a, line_b;
  int rows = 0;
  std::getline(a, line_a);
  std::getline(b, line_b);
  while (std::getline(a, line_a) && std::getline(b, line_b)) {
    ++rows;
    // y_true,y_pred,score,...: the labels agree and the scores within float rounding
    CHECK(line_a.substr(0, 4) == line_b.substr(0, 4));
    const double score_a = std::stod(line_a.substr(4)), score_b = std::stod(line_b.substr(4));
    CHECK(score_a == doctest::Approx(score_b).epsilon(1e-5));
  }
  CHECK(rows > 100);
  Result wrong = run_candor("predict --run " + (pretrained_ft() / "ft").string() + " --adapter " +
                            (out / "model.safetensors").string() + " --out " + stacked.string());
  CHECK(wrong.code == 1);
  CHECK(wrong.out.find("candor.lora") != std::string::npos);
}

TEST_CASE("finetune --mode head trains the head only, with or without cached features") {
  for (const std::string& cache : {std::string(""), std::string(" --cache-features")}) {
    fs::path out = pretrained_ft() / (cache.empty() ? "head" : "head_cached");
    Result r = run_candor("finetune --init " + ft_init() + " --mode head" + cache +
                          " --penalty dp --lambda 2 --epochs 2 --bootstrap 0 --quiet --out " + out.string());
    INFO(r.out);
    REQUIRE(r.code == 0);
    nlohmann::json m = read_json(out / "metrics.json");
    // head: LayerNorm (2 x 16) and Linear (16 + 1)
    CHECK(m["trainable_parameters"] == 2 * 16 + 16 + 1);
    CHECK(!fs::exists(out / "adapter.safetensors"));
  }
}

TEST_CASE("finetune modes: bad combinations are one clear error line") {
  fs::path dir = pretrained_ft();
  Result both = run_candor("finetune --init " + ft_init() + " --pretrained " + dir.string() + " --quiet --out " + (dir / "x").string());
  CHECK(both.code == 2);
  CHECK(both.out.find("either --init") != std::string::npos);
  Result cache = run_candor("finetune --init " + ft_init() + " --cache-features --lambda 0 --quiet --out " + (dir / "x").string());
  CHECK(cache.code == 2);
  CHECK(cache.out.find("--cache-features applies to --mode head only") != std::string::npos);
  Result targets = run_candor("finetune --init " + ft_init() + " --mode lora --lora-targets '*nothing*' --lambda 0 --quiet --out " +
                              (dir / "x").string());
  CHECK(targets.code == 1);
  CHECK(targets.out.find("*nothing*") != std::string::npos);
  Result mode = run_candor("finetune --init " + ft_init() + " --mode partial --quiet --out " + (dir / "x").string());
  CHECK(mode.code == 2);
}

TEST_CASE("pretrain --text writes a GPT-2 directory that generate reads and finetune --pretrained classifies with") {
  fs::path dir = scratch("pretrain_text");
  {
    std::ofstream text(dir / "corpus.txt");
    for (int i = 0; i < 60; ++i) text << "the cat sat on the mat. the dog sat on the log. ";
  }
  Result r = run_candor("pretrain --text " + (dir / "corpus.txt").string() +
                        " --layers 1 --gpt-heads 2 --width 16 --context 16 --epochs 3 --steps-per-epoch 20 --batch-size 8 --quiet --out " +
                        (dir / "lm").string());
  INFO(r.out);
  REQUIRE(r.code == 0);
  for (const char* file : {"config.json", "model.safetensors", "vocab.json", "merges.txt", "metrics.json"}) {
    CHECK(fs::exists(dir / "lm" / file));
  }
  nlohmann::json m = read_json(dir / "lm" / "metrics.json");
  CHECK(m["validation_loss"].get<double>() < std::log(257.0));  // better than uniform over the vocabulary
  Result g = run_candor("generate --model " + (dir / "lm").string() + " --prompt 'the ' --max-new-tokens 5 --greedy");
  INFO(g.out);
  REQUIRE(g.code == 0);
  CHECK(g.out.rfind("the ", 0) == 0);

  {  // a labelled text CSV: the label follows the word, the group is correlated with it
    std::ofstream csv(dir / "texts.csv");
    csv << "text,label,group\n";
    for (int i = 0; i < 80; ++i) {
      const bool cat = i % 2 == 0;
      csv << (cat ? "the cat sat" : "the dog sat") << (i % 3 == 0 ? " on the mat" : "") << "," << (cat ? 1 : 0) << ","
          << ((i % 5 < 3) == cat ? "a" : "b") << "\n";
    }
  }
  Result f = run_candor("finetune --pretrained " + (dir / "lm").string() + " --csv " + (dir / "texts.csv").string() +
                        " --text-column text --label label --sensitive group --mode lora --lora-rank 4 --epochs 15 --lr 1e-2 --schedule constant --lambda 0 "
                        "--batch-size 16 "
                        "--bootstrap 0 --quiet --out " + (dir / "cls").string());
  INFO(f.out);
  REQUIRE(f.code == 0);
  nlohmann::json fm = read_json(dir / "cls" / "metrics.json");
  // adapters on c_attn and the new score head train; nothing else
  const int64_t adapters = 4 * (16 + 3 * 16), head = 16;
  CHECK(fm["trainable_parameters"] == adapters + head);
  // "cat" or "dog" decides the label, read through attention from the last token (a "t" either way)
  CHECK(fm["before"]["test"]["accuracy"].get<double>() < 0.75);
  CHECK(fm["after"]["test"]["accuracy"].get<double>() >= 0.9);
  CHECK(fm["after"]["test"]["fairness"]["sensitive_features"].contains("group"));
  CHECK(fs::exists(dir / "cls" / "adapter.safetensors"));
  Result missing = run_candor("finetune --pretrained " + (dir / "lm").string() + " --csv " + (dir / "texts.csv").string() +
                              " --label label --sensitive group --lambda 0 --quiet --out " + (dir / "x").string());
  CHECK(missing.code == 2);
  CHECK(missing.out.find("--text-column") != std::string::npos);
}

TEST_CASE("a LoRA fine-tune of an FT-Transformer on Adult with the DP penalty lowers the demographic parity difference") {
  fs::path dir = scratch("adult_lora");
  Result pre = run_candor("pretrain --data adult --d-token 16 --blocks 1 --heads 2 --epochs 2 --seed 0 --quiet --out " +
                          (dir / "ft").string());
  INFO(pre.out);
  REQUIRE(pre.code == 0);
  Result r = run_candor("finetune --init " + (dir / "ft" / "model.safetensors").string() +
                        " --sensitive sex --mode lora --penalty dp --lambda 0.7 --epochs 2 --lr 3e-3 --bootstrap 0 --quiet --out " +
                        (dir / "lora").string());
  INFO(r.out);
  REQUIRE(r.code == 0);
  nlohmann::json m = read_json(dir / "lora" / "metrics.json");
  for (const char* split : {"validation", "test"}) {
    CAPTURE(split);
    const double before = dp_of(m, "before", split, "sex"), after = dp_of(m, "after", split, "sex");
    CHECK(before > 0.15);           // the pretrained model predicts ">50K" far more often for men
    CHECK(after < before / 2);
    CHECK(m["after"][split]["accuracy"].get<double>() > m["before"][split]["accuracy"].get<double>() - 0.05);
  }
}

TEST_CASE("sweep takes the fine-tuning mode: a LoRA run per lambda") {
  fs::path out = pretrained_ft() / "sweep";
  Result r = run_candor("sweep --init " + ft_init() +
                        " --mode lora --lora-rank 2 --lambdas 0,1 --epochs 2 --bootstrap 20 --quiet --out " + out.string());
  INFO(r.out);
  REQUIRE(r.code == 0);
  nlohmann::json pareto = read_json(out / "pareto.json");
  REQUIRE(pareto["points"].size() == 2);
  for (const char* run : {"lambda_0", "lambda_1"}) {
    CHECK(fs::exists(out / run / "adapter.safetensors"));
    CHECK(read_json(out / run / "metrics.json")["mode"] == "lora");
  }
  CHECK(pareto["points"][1]["validation"]["gap"].get<double>() < pareto["points"][0]["validation"]["gap"].get<double>());
  // The plot: points labelled by lambda, test gaps with their bootstrap interval, readable axis names.
  const double low = pareto["points"][1]["test"]["gap_ci_low"], high = pareto["points"][1]["test"]["gap_ci_high"];
  CHECK(low <= pareto["points"][1]["test"]["gap"].get<double>());
  CHECK(high >= pareto["points"][1]["test"]["gap"].get<double>());
  const std::string svg = slurp(out / "pareto.svg");
  CHECK(svg.find("\u03bb 1<") != std::string::npos);
  CHECK(svg.find("demographic parity difference (") != std::string::npos);
  CHECK(svg.find("demographic_parity") == std::string::npos);
  CHECK(svg.find("test: the front") != std::string::npos);
}

TEST_CASE("pretrain: bad input is one clear error line") {
  fs::path dir = scratch("pretrain_errors");
  {
    std::ofstream(dir / "short.txt") << "too short";
  }
  Result shorter = run_candor("pretrain --text " + (dir / "short.txt").string() + " --context 16 --quiet --out " +
                              (dir / "lm").string());
  CHECK(shorter.code == 1);
  CHECK(shorter.out.find("too short for context 16") != std::string::npos);
  Result missing = run_candor("pretrain --text " + (dir / "none.txt").string() + " --quiet --out " + (dir / "lm").string());
  CHECK(missing.code == 1);
  CHECK(missing.out.find("cannot open") != std::string::npos);
  Result both = run_candor("pretrain --text " + (dir / "short.txt").string() + " --data adult --quiet --out " +
                           (dir / "lm").string());
  CHECK(both.code == 2);  // a usage mistake
  CHECK(both.out.find("not both") != std::string::npos);
  Result no_sensitive = run_candor("finetune --pretrained " + (dir / "lm").string() + " --csv " +
                                   (dir / "short.txt").string() + " --text-column text --label y --lambda 0 --quiet --out " +
                                        (dir / "x").string());
  CHECK(no_sensitive.code == 2);
  CHECK(no_sensitive.out.find("--sensitive") != std::string::npos);
}
