// safetensors checkpoints: Hugging Face's file format, read and written without Python.
//
// A file is three parts (https://github.com/huggingface/safetensors, README "Format"):
//   8 bytes   N, the header length, an unsigned 64-bit little-endian integer
//   N bytes   a UTF-8 JSON object: {"__metadata__": {"key": "value", ...},
//             "name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, ...}
//             starting with '{' and padded with spaces to a multiple of 8 bytes
//   the rest  the data section: each tensor's elements, row-major, little-endian, at
//             [begin, end) counted from the start of the data section. The tensors cover the
//             section exactly: no gap, no overlap, nothing left over.
//
// Writing (save_safetensors, to_safetensors_bytes) lays tensors out as the reference library
// does, so that the same dictionary gives the same bytes in both: sorted by dtype, widest
// alignment first (I64, F64, F32, BF16, F16: the reverse of the order of the library's dtype
// enum), then by name, bytewise; the header JSON is compact (no spaces), each tensor entry's
// keys in the order dtype, shape, data_offsets; `__metadata__` comes first and only when there
// is metadata, its keys sorted bytewise (the library keeps its metadata in a hash map, so its
// order differs from ours when there is more than one key; both orders load the same). Two saves
// of the same dictionary give byte-identical files.
//
// Stored dtypes: float32 -> F32, float64 -> F64, int64 -> I64 (StoredType::Same), or every
// floating tensor as F32, F16 or BF16 (int64 tensors stay I64). F16 and BF16 round to nearest,
// ties to even, from the exact value (a float64 is rounded once, not through float32); values
// beyond the format's range become +-inf; NaN is stored as the format's quiet NaN with the sign
// kept (F16 0x7E00, BF16 0x7FC0).
//
// Loading: F32 -> float32, F64 -> float64, I64 -> int64; F16 and BF16 -> float32, exactly
// (subnormals, infinities, NaN payloads included); the smaller integer types I8, I16, I32, U8,
// U16, U32 and BOOL -> int64 exactly (BOOL: any nonzero byte is 1). U64 (values may not fit
// int64), the 8-bit float types and any other dtype are refused with a CheckpointError naming
// the tensor and the dtype. `stored_dtype` says what each tensor was in the file.
//
// Every check on the header is made before its numbers are used: a file that fails one throws a
// CheckpointError whose message starts with the file (or `source`) and names the tensor and the
// values, e.g. `model.safetensors: tensor "h.0.attn.c_attn.weight" ends at byte 9437312 but
// the data section has 9437000 bytes (truncated download?)`. Nothing is allocated from a size
// the file states until that size has been checked against the file's real length.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "engine/error.h"
#include "engine/tensor.h"

namespace candor::nn {

// A checkpoint that cannot be read or written: malformed header, truncated file, I/O failure.
class CheckpointError : public candor::Error {
 public:
  using Error::Error;
};

// How floating tensors are stored: as they are (float32 as F32, float64 as F64), or all as F32,
// F16 or BF16. Integer tensors are always stored as I64.
enum class StoredType { Same, F32, F16, BF16 };

// Writes `tensors` (name -> tensor) and `metadata` to `path`, whole or not at all (an AtomicFile,
// engine/files.h: a crash or a full disk never leaves a half-written checkpoint under the final
// name; a failed write throws FileError). The name "__metadata__" is reserved; names and
// metadata must be valid UTF-8.
void save_safetensors(const std::string& path, const std::map<std::string, Tensor>& tensors,
                      const std::map<std::string, std::string>& metadata = {},
                      StoredType stored = StoredType::Same);

// The exact bytes save_safetensors writes.
std::string to_safetensors_bytes(const std::map<std::string, Tensor>& tensors,
                                 const std::map<std::string, std::string>& metadata = {},
                                 StoredType stored = StoredType::Same);

struct SafetensorsFile {
  std::map<std::string, Tensor> tensors;
  std::map<std::string, std::string> metadata;      // the "__metadata__" object (may be empty)
  std::map<std::string, std::string> stored_dtype;  // name -> the dtype in the file: "F16", ...
};

// The metadata key of a checksum of the data section: 16 hex digits of its 64-bit FNV-1a hash.
// When a file's metadata has it, loading checks it (CheckpointError on a mismatch). candor's own
// checkpoints carry one; other files (Hugging Face's) load as they are.
inline constexpr const char* kChecksumKey = "candor.data_fnv1a64";

// `metadata` with kChecksumKey set to the checksum of the data section that saving `tensors` as
// `stored` writes.
std::map<std::string, std::string> with_data_checksum(const std::map<std::string, Tensor>& tensors,
                                                      std::map<std::string, std::string> metadata,
                                                      StoredType stored = StoredType::Same);

// Reads a whole checkpoint. Tensor data is read straight from the file into each tensor.
SafetensorsFile load_safetensors(const std::string& path);

// Reads a checkpoint held in memory; `source` names it in error messages.
SafetensorsFile parse_safetensors(std::string_view bytes, const std::string& source = "<bytes>");

}  // namespace candor::nn
