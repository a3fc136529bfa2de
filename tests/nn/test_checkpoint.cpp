// candor's checkpoints (nn/run.h): sized by their metadata only once the file agrees, checksummed,
// and never a source of file names.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "datasets/builtin.h"
#include "datasets/encoder.h"
#include "nn/run.h"
#include "nn/safetensors.h"
#include "nn/tabular.h"
#include "tests/support/temp_dir.h"

namespace fs = std::filesystem;
using namespace candor;
using candor::testing::TempDir;

namespace {

datasets::Encoder synthetic_encoder() {
  datasets::SyntheticOptions so;
  so.rows = 200;
  datasets::Dataset ds = datasets::make_synthetic(so);
  return datasets::Encoder::fit(ds.train, ds.schema);
}

int64_t parameters_of(nn::Module& model) {
  int64_t n = 0;
  for (const auto& [name, t] : model.named_parameters()) n += t.numel();
  return n;
}

nn::RunConfig small_config(const std::string& kind) {
  nn::RunConfig c;
  c.data.name = "synthetic";
  c.model.kind = kind;
  c.model.mlp.hidden = {7, 5};
  c.model.ft.d_token = 8;
  c.model.ft.n_blocks = 3;
  c.model.ft.n_heads = 2;
  c.model.ft.ffn_factor = 1.5;
  return c;
}

}  // namespace

TEST_CASE("tabular_parameter_count: what build_tabular_model allocates, for MLPs and FT-Transformers") {
  const datasets::Encoder encoder = synthetic_encoder();
  for (const std::string kind : {"mlp", "ft_transformer"}) {
    for (int64_t blocks : {1, 3}) {
      nn::RunConfig c = small_config(kind);
      c.model.ft.n_blocks = blocks;
      c.model.mlp.hidden = blocks == 1 ? std::vector<int64_t>{7} : std::vector<int64_t>{7, 5, 3};
      auto model = nn::build_tabular_model(c.model, encoder, 0);
      CHECK_MESSAGE(nn::tabular_parameter_count(c.model, encoder) == parameters_of(*model), kind << " " << blocks);
    }
  }
  nn::TabularModelSpec huge;
  huge.mlp.hidden = {int64_t{1} << 40, int64_t{1} << 40};
  CHECK_THROWS_WITH_AS(nn::tabular_parameter_count(huge, encoder), doctest::Contains("overflows"), ShapeError);
}

TEST_CASE("checkpoint: metadata that describes a bigger model than the file holds is refused before allocating") {
  TempDir dir;
  const datasets::Encoder encoder = synthetic_encoder();
  nn::RunConfig c = small_config("ft_transformer");
  auto model = nn::build_tabular_model(c.model, encoder, 0);
  const std::string path = dir.file("model.safetensors");
  nn::save_checkpoint(path, model->state_dict(), c, encoder);
  CHECK(nn::load_checkpoint(path).model != nullptr);

  // The same 2 KB of weights, with metadata asking for d_token 1e9 (more values than int64 counts),
  // or for one block more than the file holds.
  nn::RunConfig lying = c;
  lying.model.ft.d_token = 1000000000;
  nn::save_checkpoint(path, model->state_dict(), lying, encoder);
  CHECK_THROWS_WITH_AS(nn::load_checkpoint(path), doctest::Contains("describes an impossible model"), nn::CheckpointError);
  lying = c;
  lying.model.ft.n_blocks += 1;
  nn::save_checkpoint(path, model->state_dict(), lying, encoder);
  CHECK_THROWS_WITH_AS(nn::load_checkpoint(path), doctest::Contains("does not belong to these weights"),
                       nn::CheckpointError);
}

TEST_CASE("checkpoint: a changed byte of tensor data fails the checksum") {
  TempDir dir;
  const datasets::Encoder encoder = synthetic_encoder();
  const nn::RunConfig c = small_config("mlp");
  auto model = nn::build_tabular_model(c.model, encoder, 0);
  const std::string path = dir.file("model.safetensors");
  nn::save_checkpoint(path, model->state_dict(), c, encoder);
  CHECK(nn::load_safetensors(path).metadata.count(nn::kChecksumKey) == 1);
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(-3, std::ios::end);
    const char byte = static_cast<char>(f.peek() ^ 0x10);
    f.seekp(-3, std::ios::end);
    f.put(byte);
  }
  CHECK_THROWS_WITH_AS(nn::load_checkpoint(path), doctest::Contains("does not match the checksum"), nn::CheckpointError);
}

TEST_CASE("checkpoint: its data is read from the config.json beside it, never from its own metadata") {
  TempDir dir;
  const datasets::Encoder encoder = synthetic_encoder();
  nn::RunConfig c = small_config("mlp");
  c.data = {.file = "/etc/passwd", .label = "root"};  // what a checkpoint from elsewhere might say
  auto model = nn::build_tabular_model(c.model, encoder, 0);
  const std::string path = dir.file("model.safetensors");
  nn::save_checkpoint(path, model->state_dict(), c, encoder);
  const nn::LoadedRun run = nn::load_checkpoint(path);
  CHECK_THROWS_WITH_AS(nn::run_data(run), doctest::Contains("config.json beside it"), nn::CheckpointError);

  dir.write("config.json", "{\"data\": ");  // cut short
  CHECK_THROWS_WITH_AS(nn::run_data(run), doctest::Contains("config.json: no data source in it"), nn::CheckpointError);

  nn::RunConfig other = c;
  other.data = {.name = "synthetic"};
  dir.write("config.json", nn::to_json(other).dump());
  CHECK_THROWS_WITH_AS(nn::run_data(run), doctest::Contains("name different training data"), nn::CheckpointError);

  dir.write("config.json", nn::to_json(c).dump());
  CHECK(nn::run_data(run).file == "/etc/passwd");  // agreed by both: the run's own (the user named the folder)
}
