// candor's engine in one include: tensors, autograd, every op, the seeded generator, errors.
#pragma once

#include "engine/autograd.h"
#include "engine/error.h"
#include "engine/generator.h"
#include "engine/ops/ops.h"
#include "engine/tensor.h"
