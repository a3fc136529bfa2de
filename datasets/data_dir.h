// Where candor finds the data files it ships (datasets/data in the source tree).
#pragma once

#include <string>

namespace candor::datasets {

// The CANDOR_DATA_DIR environment variable if set, else the source tree's datasets/data.
std::string default_data_dir();

}  // namespace candor::datasets
