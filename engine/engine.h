// candor's engine in one include: tensors, autograd, every op, the seeded generator, errors, and
// whether CUDA is there (cuda::is_available).
#pragma once

#include "engine/autograd.h"
#include "engine/cuda/runtime.h"
#include "engine/error.h"
#include "engine/generator.h"
#include "engine/ops/ops.h"
#include "engine/tensor.h"
