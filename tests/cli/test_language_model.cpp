// `candor generate` and `candor perplexity` on the tiny GPT-2 fixture of tests/nn/fixtures/gpt2
// (made by PyTorch: its expected.json holds the loss these commands must reproduce).
#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "tests/cli/run_candor.h"

namespace fs = std::filesystem;
using candor::testing::Result;
using candor::testing::run_candor;

namespace {
const fs::path kFixture = fs::path(__FILE__).parent_path().parent_path() / "nn" / "fixtures" / "gpt2";
}

TEST_CASE("language model: perplexity reproduces PyTorch's loss on the fixture") {
  std::ifstream in(kFixture / "expected.json");
  nlohmann::json expected = nlohmann::json::parse(in);
  std::vector<int64_t> prompt = expected["prompts"][expected["loss_prompt"].get<size_t>()];
  std::string tokens;
  for (int64_t id : prompt) {
    if (!tokens.empty()) tokens += ',';
    tokens += std::to_string(id);
  }
  Result r = run_candor("perplexity --model " + kFixture.string() + " --tokens " + tokens + " --json");
  INFO(r.out);
  REQUIRE(r.code == 0);
  nlohmann::json got = nlohmann::json::parse(r.out);
  double loss = expected["loss"];
  CHECK(got["loss"].get<double>() == doctest::Approx(loss).epsilon(1e-5));
  CHECK(got["perplexity"].get<double>() == doctest::Approx(std::exp(loss)).epsilon(1e-4));
  CHECK(got["predicted"] == prompt.size() - 1);
}

TEST_CASE("language model: greedy generation is deterministic, sampling follows the seed") {
  std::string base = "generate --model " + kFixture.string() + " --tokens 5,17,42 --max-new-tokens 6";
  Result a = run_candor(base + " --greedy"), b = run_candor(base + " --greedy");
  REQUIRE(a.code == 0);
  CHECK(a.out == b.out);
  CHECK(a.out.rfind("5,17,42,", 0) == 0);  // the prompt, then the new ids (no tokenizer here)
  Result s1 = run_candor(base + " --top-k 20 --temperature 1.5 --seed 1");
  Result s1_again = run_candor(base + " --top-k 20 --temperature 1.5 --seed 1");
  REQUIRE(s1.code == 0);
  CHECK(s1.out == s1_again.out);
}

TEST_CASE("language model: --no-cache generates the same tokens; --stats reports the KV cache") {
  // 30 prompt tokens and 8 new ones cross the fixture's n_positions = 32.
  std::string tokens = "1";
  for (int i = 2; i <= 30; ++i) tokens.append(",").append(std::to_string(i));
  std::string base = "generate --model " + kFixture.string() + " --tokens " + tokens + " --max-new-tokens 8";
  for (const std::string& mode : {std::string(" --greedy"), std::string(" --top-k 20 --seed 4")}) {
    Result cached = run_candor(base + mode), uncached = run_candor(base + mode + " --no-cache");
    REQUIRE(cached.code == 0);
    CHECK(cached.out == uncached.out);
  }
  Result stats = run_candor(base + " --greedy --stats");
  REQUIRE(stats.code == 0);
  INFO(stats.out);
  // 32 positions x 2 layers x (keys + values) x width 32 x 4 bytes
  CHECK(candor::testing::has(stats.out, "8 new tokens"));
  CHECK(candor::testing::has(stats.out, "peak KV cache 16384 bytes"));
  Result none = run_candor(base + " --greedy --stats --no-cache");
  CHECK(candor::testing::has(none.out, "no cache, 8 context runs, peak KV cache 0 bytes"));
}

TEST_CASE("language model: bad input is one clear error line") {
  Result none = run_candor("generate --model " + kFixture.string() + " --max-new-tokens 2");
  CHECK(none.code == 1);
  CHECK(none.out.find("exactly one of --prompt and --tokens") != std::string::npos);
  Result text = run_candor("generate --model " + kFixture.string() + " --prompt hello");
  CHECK(text.code == 1);
  CHECK(text.out.find("no vocab.json and merges.txt") != std::string::npos);
  Result missing = run_candor("perplexity --model /nonexistent/gpt2 --tokens 1,2");
  CHECK(missing.code == 1);
  CHECK(missing.out.find("/nonexistent/gpt2") != std::string::npos);
  Result out_of_range = run_candor("perplexity --model " + kFixture.string() + " --tokens 1,500");
  CHECK(out_of_range.code == 1);
  CHECK(out_of_range.out.find("500") != std::string::npos);
}

TEST_CASE("language model: --device cuda runs on the GPU, or says why there is none") {
  const std::string tokens = " --tokens 5,17,42";
  Result cpu_ppl = run_candor("perplexity --model " + kFixture.string() + tokens + " --json");
  Result cuda_ppl = run_candor("perplexity --model " + kFixture.string() + tokens + " --json --device cuda");
  Result cuda_gen = run_candor("generate --model " + kFixture.string() + tokens + " --greedy --device cuda");
  REQUIRE(cpu_ppl.code == 0);
  if (cuda_ppl.code == 0) {  // a GPU: the same loss
    CHECK(nlohmann::json::parse(cuda_ppl.out)["loss"].get<double>() ==
          doctest::Approx(nlohmann::json::parse(cpu_ppl.out)["loss"].get<double>()).epsilon(1e-5));
    CHECK(cuda_gen.code == 0);
  } else {
    INFO(cuda_ppl.out);
    CHECK(cuda_ppl.out.find("cuda: ") != std::string::npos);
    CHECK(cuda_gen.code != 0);
    CHECK(cuda_gen.out.find("cuda: ") != std::string::npos);
  }
  Result bad = run_candor("perplexity --model " + kFixture.string() + tokens + " --device tpu");
  CHECK(bad.code != 0);
  CHECK(bad.out.find("--device") != std::string::npos);
}
