// candor generate and candor perplexity: the checks a user runs on a loaded GPT-2 checkpoint
// (a Hugging Face directory with config.json, model.safetensors, and for text vocab.json +
// merges.txt) before fine-tuning it.
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "engine/engine.h"
#include "nn/gpt2.h"
#include "nn/tokenizer.h"

namespace candor::cli {

namespace {

struct LmArgs {
  std::string model, prompt, text_file;
  std::vector<int64_t> tokens;
  std::string device = "cpu";
  int64_t max_new_tokens = 20;
  bool greedy = false, ids = false, json = false, no_cache = false, stats = false;
  nn::GenerateOptions sampling;
};

std::vector<int64_t> prompt_ids(const LmArgs& args, const std::optional<nn::Gpt2Tokenizer>& tokenizer) {
  if (!args.tokens.empty()) return args.tokens;
  if (!tokenizer) {
    throw ValueError(fmt::format("{} has no vocab.json and merges.txt: give --tokens instead of text", args.model));
  }
  return tokenizer->encode(args.prompt);
}

std::optional<nn::Gpt2Tokenizer> tokenizer_if_present(const std::string& dir) {
  if (!std::filesystem::exists(std::filesystem::path(dir) / "vocab.json")) return std::nullopt;
  return nn::Gpt2Tokenizer::from_directory(dir);
}

void run_generate(const LmArgs& args) {
  if (args.prompt.empty() == args.tokens.empty()) throw ValueError("generate: give exactly one of --prompt and --tokens");
  auto model = nn::from_pretrained(args.model);
  model->to(parse_device(args.device));
  auto tokenizer = tokenizer_if_present(args.model);
  nn::GenerateOptions options = args.sampling;
  options.greedy = args.greedy;
  options.use_cache = !args.no_cache;
  nn::GenerateStats stats;
  const auto start = std::chrono::steady_clock::now();
  std::vector<int64_t> out = nn::generate(*model, prompt_ids(args, tokenizer), args.max_new_tokens, options, &stats);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (tokenizer) std::cout << tokenizer->decode(out) << "\n";
  if (args.ids || !tokenizer) std::cout << fmt::format("{}", fmt::join(out, ",")) << "\n";
  if (args.stats) {
    std::cerr << fmt::format("generate: {} new tokens in {:.3f} s ({:.1f} tokens/s), {}, {} context run{}, "
                             "peak KV cache {} bytes\n", args.max_new_tokens, seconds,
                             static_cast<double>(args.max_new_tokens) / seconds,
                             options.use_cache ? "KV cache" : "no cache", stats.context_runs,
                             stats.context_runs == 1 ? "" : "s", stats.peak_cache_bytes);
  }
}

// Mean next-token cross-entropy over the text, in windows of at most n_positions tokens (each
// window predicts its own tokens 2..n from their prefixes within the window).
void run_perplexity(const LmArgs& args) {
  if (args.text_file.empty() == args.tokens.empty()) throw ValueError("perplexity: give exactly one of --text and --tokens");
  auto model = nn::from_pretrained(args.model);
  const Device device = parse_device(args.device);
  model->to(device);
  model->eval();
  std::vector<int64_t> ids = args.tokens;
  if (!args.text_file.empty()) {
    auto tokenizer = tokenizer_if_present(args.model);
    if (!tokenizer) throw ValueError(fmt::format("{} has no vocab.json and merges.txt: give --tokens", args.model));
    std::ifstream in(args.text_file, std::ios::binary);
    if (!in) throw Error(fmt::format("perplexity: cannot read {}", args.text_file));
    std::stringstream text;
    text << in.rdbuf();
    ids = tokenizer->encode(text.str());
  }
  if (ids.size() < 2) throw ValueError("perplexity: needs at least two tokens");
  NoGradGuard no_grad;
  auto window = static_cast<size_t>(model->config().n_positions);
  double total = 0;
  int64_t predicted = 0;
  for (size_t start = 0; start + 1 < ids.size(); start += window) {
    size_t end = std::min(ids.size(), start + window);
    std::vector<int64_t> chunk(ids.begin() + static_cast<std::ptrdiff_t>(start), ids.begin() + static_cast<std::ptrdiff_t>(end));
    auto t = static_cast<int64_t>(chunk.size());
    if (t < 2) break;
    Tensor logits = (*model)(from_vector(chunk, {1, t}, device));               // [1, T, V]
    Tensor inputs = reshape(narrow(squeeze(logits, 0), 0, 0, t - 1), {t - 1, -1});  // [T-1, V]
    Tensor targets = from_vector(std::vector<int64_t>(chunk.begin() + 1, chunk.end()), {t - 1}, device);
    total += cross_entropy(inputs, targets, Tensor(), -100, Reduction::Sum).item();
    predicted += t - 1;
  }
  double loss = total / static_cast<double>(predicted);
  if (args.json) {
    std::cout << nlohmann::json{{"tokens", ids.size()}, {"predicted", predicted}, {"loss", loss},
                                {"perplexity", std::exp(loss)}}.dump(2) << "\n";
  } else {
    fmt::print("tokens {}  mean next-token loss {:.6f}  perplexity {:.4f}\n", ids.size(), loss, std::exp(loss));
  }
}

}  // namespace

void add_language_model_commands(CLI::App& app) {
  auto args = std::make_shared<LmArgs>();
  CLI::App* gen = app.add_subcommand("generate", "continue a prompt with a GPT-2 checkpoint");
  gen->add_option("--model", args->model, "Hugging Face GPT-2 directory (config.json, model.safetensors)")->required();
  gen->add_option("--prompt", args->prompt, "text to continue (needs vocab.json and merges.txt)");
  gen->add_option("--tokens", args->tokens, "token ids to continue, e.g. 464,3290")->delimiter(',');
  gen->add_option("--max-new-tokens", args->max_new_tokens, "tokens to add")->check(CLI::NonNegativeNumber);
  gen->add_flag("--greedy", args->greedy, "take the most likely token at each step");
  gen->add_option("--top-k", args->sampling.top_k, "sample among the k most likely tokens (0: all)")->check(CLI::NonNegativeNumber);
  gen->add_option("--top-p", args->sampling.top_p, "sample among the most likely tokens covering p")->check(CLI::Range(0.0, 1.0));
  gen->add_option("--temperature", args->sampling.temperature, "divide the logits by this")->check(CLI::PositiveNumber);
  gen->add_option("--seed", args->sampling.seed, "seed for sampling");
  gen->add_option("--device", args->device, "where the model runs: cpu or cuda")->check(CLI::IsMember({"cpu", "cuda"}));
  gen->add_flag("--ids", args->ids, "also print the token ids");
  gen->add_flag("--no-cache", args->no_cache, "rerun the whole context for every token (no KV cache; slower, to compare)");
  gen->add_flag("--stats", args->stats, "print time, tokens/s and the KV cache's memory to stderr");
  gen->callback([args] { run_generate(*args); });

  CLI::App* ppl = app.add_subcommand("perplexity", "mean next-token loss and perplexity of a GPT-2 checkpoint");
  ppl->add_option("--model", args->model, "Hugging Face GPT-2 directory")->required();
  ppl->add_option("--text", args->text_file, "a text file (needs vocab.json and merges.txt)");
  ppl->add_option("--tokens", args->tokens, "token ids, e.g. 464,3290,318")->delimiter(',');
  ppl->add_option("--device", args->device, "where the model runs: cpu or cuda")->check(CLI::IsMember({"cpu", "cuda"}));
  ppl->add_flag("--json", args->json, "print JSON");
  ppl->callback([args] { run_perplexity(*args); });
}

}  // namespace candor::cli
