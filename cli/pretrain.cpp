// candor pretrain: train a transformer from scratch, to fine-tune later.
//
//   --text FILE    a small GPT language model on a UTF-8 text, with a byte-level vocabulary (256
//                  bytes and <|endoftext|>, no merges). Each step draws batch-size random windows
//                  of context + 1 tokens from the first 90% of the text and minimises the mean
//                  next-token cross-entropy (AdamW, cosine schedule with warm-up, gradient norm
//                  clipped at 1); each epoch ends with the loss on the held-out last 10%, and the
//                  best epoch's weights are kept. The folder it writes (config.json,
//                  model.safetensors, vocab.json, merges.txt) is a Hugging Face GPT-2 directory:
//                  candor generate / perplexity / finetune --pretrained read it.
//   --data / --csv an FT-Transformer trained on the dataset's label (supervised pretraining, the
//                  objective Rubachev et al., "Revisiting Pretraining Objectives for Tabular Deep
//                  Learning", 2022, found strongest), written as a candor run folder that
//                  candor finetune --init reads: candor train --model ft-transformer, named for
//                  what it is for.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/data_options.h"
#include "cli/run_folder.h"
#include "cli/train_run.h"
#include "engine/engine.h"
#include "engine/files.h"
#include "nn/gpt2.h"
#include "nn/optim.h"
#include "nn/tokenizer.h"
#include "nn/trainer.h"

namespace candor::cli {

namespace {

struct PretrainArgs {
  std::string text;
  nn::RunConfig tabular;
  int64_t layers = 4, heads = 4, width = 128, context = 64;
  int64_t steps_per_epoch = 100;
  double text_dropout = 0.1;
  std::string out;
  bool quiet = false;
  // Set when given, to tell the text defaults from the tabular ones.
  CLI::Option *epochs = nullptr, *batch_size = nullptr, *lr = nullptr;
};

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ValueError(fmt::format("--text {}: cannot open the file", path));
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

void pretrain_language_model(const PretrainArgs& a) {
  const int64_t epochs = a.epochs->count() ? a.tabular.train.epochs : 10;
  const int64_t batch = a.batch_size->count() ? a.tabular.train.batch_size : 16;
  const double lr = a.lr->count() ? a.tabular.train.lr : 3e-3;
  const int64_t T = a.context;
  nn::TrainOptions checked = a.tabular.train;  // the same ranges as a tabular run's options
  checked.epochs = epochs;
  checked.batch_size = batch;
  checked.lr = lr;
  try {
    checked.validate();
  } catch (const ValueError& e) {
    throw UsageError(e.what());
  }

  StagedFolder folder(a.out);  // refuses an --out it must not replace, before any work
  const std::string out = folder.path().string();
  nn::write_byte_level_tokenizer(out);
  const nn::Gpt2Tokenizer tokenizer = nn::Gpt2Tokenizer::from_directory(out);
  const std::vector<int64_t> ids = tokenizer.encode(read_text(a.text));
  const auto held_out = static_cast<int64_t>(ids.size()) / 10;
  const auto train_length = static_cast<int64_t>(ids.size()) - held_out;
  if (held_out < T + 1) {
    throw ValueError(fmt::format("--text {}: {} tokens is too short for context {}: it needs at least {}", a.text,
                                 ids.size(), T, 10 * (T + 1)));
  }
  const Tensor train_ids = from_vector(std::vector<int64_t>(ids.begin(), ids.begin() + train_length), {train_length});

  nn::Gpt2Config config;
  config.vocab_size = tokenizer.vocab_size();
  config.n_positions = T;
  config.n_embd = a.width;
  config.n_layer = a.layers;
  config.n_head = a.heads;
  config.embd_pdrop = config.attn_pdrop = config.resid_pdrop = a.text_dropout;
  Generator gen(a.tabular.seed);
  nn::Gpt2Model model(config, gen);
  nn::AdamW optimizer(model.parameters(), nn::AdamWOptions{lr, 0.9, 0.95, 1e-8, 0.1});

  // One batch: rows of T + 1 consecutive tokens starting at random offsets; inputs are the first
  // T of each row, targets the last T.
  auto windows = [&](const Tensor& starts) {  // starts [B] -> rows [B, T + 1]
    Tensor offsets = reshape(starts, {-1, 1}) + reshape(arange(T + 1), {1, T + 1});
    return reshape(index_select(train_ids, 0, reshape(offsets, {-1})), {starts.size(0), T + 1});
  };
  auto loss_of = [&](const Tensor& rows) {  // mean next-token cross-entropy of rows [B, T + 1]
    const int64_t B = rows.size(0);
    Tensor inputs = slice(rows, 1, 0, T);
    Tensor targets = reshape(slice(rows, 1, 1, T + 1), {B * T});
    return cross_entropy(reshape(model(inputs), {B * T, config.vocab_size}), targets);
  };
  // Held-out windows: consecutive, non-overlapping, at most 64 of them.
  std::vector<int64_t> held(ids.begin() + train_length, ids.end());
  const int64_t held_windows = std::min<int64_t>(64, (held_out - 1) / T);
  std::vector<int64_t> held_rows;
  for (int64_t w = 0; w < held_windows; ++w) {
    held_rows.insert(held_rows.end(), held.begin() + w * T, held.begin() + w * T + T + 1);
  }
  const Tensor validation_rows = from_vector(held_rows, {held_windows, T + 1});

  nn::TrainingHooks hooks;
  hooks.batches_per_epoch = a.steps_per_epoch;
  hooks.batch_loss = [&](int64_t) { return loss_of(windows(randint(0, train_length - T, {batch}, &gen))); };
  hooks.validate = [&] {
    NoGradGuard no_grad;
    model.eval();
    const double loss = loss_of(validation_rows).item<double>();
    model.train();
    return std::map<std::string, double>{{"loss", loss}, {"perplexity", std::exp(loss)}};
  };
  nn::Schedule schedule{.kind = "cosine", .base_lr = lr,
                        .warmup_steps = std::min<int64_t>(100, epochs * a.steps_per_epoch / 10),
                        .total_steps = epochs * a.steps_per_epoch, .min_lr = lr / 10};
  nn::FitOptions fit_options;
  fit_options.epochs = epochs;
  fit_options.monitor = "loss";
  fit_options.clip_norm = 1.0;
  fit_options.schedule = &schedule;
  fit_options.log_path = (folder.path() / "log.jsonl").string();
  fit_options.progress = !a.quiet;
  nn::FitResult result = nn::fit(model, optimizer, hooks, fit_options);
  model.load_state_dict(result.best_state, true);
  nn::save_pretrained(model, out);
  const std::map<std::string, double> final_metrics = hooks.validate();
  write_json((folder.path() / "metrics.json").string(),
             {{"train_tokens", train_length}, {"validation_tokens", held_out}, {"best_epoch", result.best_epoch},
              {"epochs_run", result.epochs_run}, {"validation_loss", final_metrics.at("loss")},
              {"validation_perplexity", final_metrics.at("perplexity")}});
  folder.commit();
  if (!a.quiet) {
    fmt::print("{} training tokens; best epoch {} of {}: held-out loss {:.4f}, perplexity {:.2f}\n", train_length,
               result.best_epoch, result.epochs_run, final_metrics.at("loss"), final_metrics.at("perplexity"));
    fmt::print("wrote {}/{{config.json, model.safetensors, vocab.json, merges.txt, metrics.json, log.jsonl}}\n", a.out);
  }
}

}  // namespace

void add_pretrain_command(CLI::App& app) {
  auto args = std::make_shared<PretrainArgs>();
  args->tabular.model.kind = "ft_transformer";
  CLI::App* cmd = app.add_subcommand(
      "pretrain", "pretrain a small GPT on a text file (--text) or an FT-Transformer on a dataset (--data / --csv)");
  cmd->add_option("--text", args->text, "a UTF-8 text file: pretrain a GPT language model on it");
  add_data_options(*cmd, args->tabular.data);
  add_model_options(*cmd, args->tabular);
  add_training_options(*cmd, args->tabular);
  args->epochs = cmd->get_option("--epochs");
  args->batch_size = cmd->get_option("--batch-size");
  args->lr = cmd->get_option("--lr");
  cmd->add_option("--layers", args->layers, "GPT blocks (--text)")->check(CLI::PositiveNumber);
  cmd->add_option("--gpt-heads", args->heads, "GPT attention heads (--text)")->check(CLI::PositiveNumber);
  cmd->add_option("--width", args->width, "GPT width n_embd (--text)")->check(CLI::PositiveNumber);
  cmd->add_option("--context", args->context, "GPT context length in tokens (--text)")->check(CLI::PositiveNumber);
  cmd->add_option("--steps-per-epoch", args->steps_per_epoch, "GPT steps between held-out evaluations (--text)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--gpt-dropout", args->text_dropout, "GPT dropout (--text)")->check(CLI::Range(0.0, 0.99));
  cmd->add_option("--out", args->out, "folder to write")->required();
  cmd->add_flag("--quiet", args->quiet, "no progress bar or summary");
  cmd->callback([args] {
    if (!args->text.empty()) {
      if (!args->tabular.data.name.empty() || !args->tabular.data.file.empty()) {
        throw UsageError("give --text (a language model) or --data / --csv (an FT-Transformer), not both");
      }
      pretrain_language_model(*args);
    } else {
      run_train(args->tabular, args->out, args->quiet);
    }
  });
}

}  // namespace candor::cli
