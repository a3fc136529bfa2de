// A checkpoint's bytes, as every --init, --run and --pretrained reads them. What loads must save
// and load back to the same tensors and metadata.
#include "nn/safetensors.h"
#include "tests/fuzz/fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace candor;
  nn::SafetensorsFile file;
  try {
    file = nn::parse_safetensors(fuzz::as_text(data, size), "fuzz.safetensors");
  } catch (const Error&) {
    return 0;
  }
  nn::SafetensorsFile again = nn::parse_safetensors(nn::to_safetensors_bytes(file.tensors, file.metadata));
  fuzz::require(again.metadata == file.metadata && again.tensors.size() == file.tensors.size(),
                "a saved checkpoint loads back with other names or metadata");
  for (const auto& [name, tensor] : file.tensors) {
    fuzz::require(again.tensors.count(name) && fuzz::same_tensor(again.tensors.at(name), tensor),
                  "a saved checkpoint loads back with another tensor");
  }
  return 0;
}
