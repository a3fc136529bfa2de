// Where candor finds the data files it ships (Adult and German credit, datasets/data in the
// source tree, <prefix>/share/candor/data once installed).
#pragma once

#include <string>

namespace candor::datasets {

// The first of: the CANDOR_DATA_DIR environment variable (used as given); share/candor/data beside
// the running program's bin/ (an installed candor); the install prefix's share/candor/data; this
// source tree's datasets/data. When none exists, the install prefix's path (so the error that
// follows names a place a user can check).
std::string default_data_dir();

}  // namespace candor::datasets
