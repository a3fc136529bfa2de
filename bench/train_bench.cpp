// Adult training-epoch benchmark: the MLP 104 -> 64 -> 64 -> 1 of `candor train` with Adam at
// batch 256, over the encoded Adult training split. Prints one JSON line with the median epoch
// time and the process's peak resident memory. With --dump DIR it also writes the encoded data
// (x.f32, y.f32, shape.json) so bench/train_bench_torch.py times PyTorch on the same numbers.

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "datasets/builtin.h"
#include "datasets/data_dir.h"
#include "datasets/encoder.h"
#include "datasets/loader.h"
#include "bench/timing.h"
#include "engine/engine.h"
#include "nn/layers.h"
#include "nn/optim.h"
#include "engine/threads.h"

using namespace candor;

namespace {
void dump(const Tensor& t, const std::string& path) {
  std::ofstream out(path, std::ios::binary);
  out.write(static_cast<const char*>(t.raw_data()), static_cast<std::streamsize>(t.numel() * sizeof(float)));
}
}  // namespace

int main(int argc, char** argv) {
  candor::passive_threads_by_default(argv);  // as the candor command does (engine/threads.h)
  std::string dump_dir;
  int epochs = 5;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--dump") == 0 && i + 1 < argc) dump_dir = argv[++i];
    if (std::strcmp(argv[i], "--epochs") == 0 && i + 1 < argc) epochs = std::stoi(argv[++i]);
  }
  datasets::Dataset adult = datasets::load_adult(datasets::default_data_dir());
  datasets::Table train_table = adult.train.drop_missing_rows();
  datasets::Encoder encoder = datasets::Encoder::fit(train_table, adult.schema);
  datasets::Encoded train = encoder.transform(train_table);
  if (!dump_dir.empty()) {
    dump(train.x, dump_dir + "/x.f32");
    dump(train.y, dump_dir + "/y.f32");
    std::ofstream(dump_dir + "/shape.json") << fmt::format("{{\"rows\": {}, \"features\": {}}}\n", train.x.size(0), train.x.size(1));
  }
  Generator gen(0);
  auto model = nn::make_mlp(train.x.size(1), 1, nn::MlpOptions{}, gen);
  nn::Adam optimizer(model->parameters(), nn::AdamOptions{});
  datasets::DataLoader loader(train, 256, true, 0);
  std::vector<double> seconds;
  for (int epoch = 0; epoch < epochs; ++epoch) {
    auto start = std::chrono::steady_clock::now();
    for (int64_t b = 0; b < loader.batches(); ++b) {
      datasets::Batch batch = loader.batch(b);
      optimizer.zero_grad();
      Tensor loss = binary_cross_entropy_with_logits(reshape((*model)(batch.x), {-1}), batch.y);
      loss.backward();
      optimizer.step();
    }
    loader.next_epoch();
    seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(seconds.begin(), seconds.end());
  fmt::print("{{\"name\": \"adult_epoch\", \"shape\": \"{}x{} batch 256 mlp 64,64 adam\", \"threads\": {}, "
             "\"median_s\": {:.4f}, \"peak_rss_mb\": {:.1f}}}\n",
             train.x.size(0), train.x.size(1), omp_get_max_threads(), seconds[seconds.size() / 2],
             candor::bench::peak_rss_mb());
  return 0;
}
