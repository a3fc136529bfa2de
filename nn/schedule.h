// Learning-rate schedules as a pure function of the step: lr_at(step) is the rate for optimizer
// step `step` (0-based, counted over the whole run). A linear warm-up from 0 to base_lr over the
// first warmup_steps steps (lr_at(step) = base_lr * step / warmup_steps there, as Hugging Face's
// get_*_schedule_with_warmup), then the kind's decay over the steps that follow:
//   constant  base_lr
//   step      base_lr * gamma^floor((step - warmup_steps) / step_size)
//   cosine    min_lr + (base_lr - min_lr) * (1 + cos(pi * progress)) / 2
//   linear    min_lr + (base_lr - min_lr) * (1 - progress)
// with progress = (step - warmup_steps) / (total_steps - warmup_steps), clamped to [0, 1], so the
// rate is min_lr from total_steps on.
//
//   Schedule s{.kind = "cosine", .base_lr = 1e-3, .warmup_steps = 100, .total_steps = 1000};
//   optimizer.set_lr(s.lr_at(step));
#pragma once

#include <cstdint>
#include <string>

namespace candor::nn {

struct Schedule {
  std::string kind = "constant";  // constant | step | cosine | linear
  double base_lr = 1e-3;
  int64_t warmup_steps = 0;
  int64_t total_steps = 0;  // cosine and linear: where the decay ends (> warmup_steps)
  int64_t step_size = 0;    // step: steps between decays (> 0)
  double gamma = 0.1;       // step: the factor per decay (> 0)
  double min_lr = 0;        // cosine and linear: the final rate (0 <= min_lr <= base_lr)

  // Throws ValueError naming the first bad option.
  void validate() const;
  // Validates, then the rate for step `step` >= 0.
  double lr_at(int64_t step) const;
};

}  // namespace candor::nn
