// An EBM run folder (candor ebm fit): the model and the data splits it was fitted on.
#pragma once

#include <string>

#include "datasets/source.h"
#include "explain/ebm/model.h"

namespace candor::cli {

struct LoadedEbm {
  explain::ebm::Model model;
  datasets::Splits splits;
};

// Reads folder/config.json (the data and the seed of the split) and folder/model.ebm.json; Error
// naming the file when config.json is not an EBM run's.
LoadedEbm load_ebm_run(const std::string& folder);
// True when the folder holds an EBM model (model.ebm.json).
bool is_ebm_run(const std::string& folder);

}  // namespace candor::cli
