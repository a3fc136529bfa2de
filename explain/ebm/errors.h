// The error explain/ebm throws for input it cannot take: bad options, labels with one class,
// weights that are negative or not finite, a table without a column the model needs, a malformed
// model file. Messages name the option, column or field and the values involved.
#pragma once

#include "engine/error.h"

namespace candor::explain::ebm {

class EbmError : public candor::Error {
 public:
  using candor::Error::Error;
};

}  // namespace candor::explain::ebm
