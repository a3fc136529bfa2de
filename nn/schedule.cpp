#include "nn/schedule.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include <fmt/format.h>

#include "engine/error.h"

namespace candor::nn {

void Schedule::validate() const {
  auto fail = [&](const std::string& what) { throw ValueError(fmt::format("schedule \"{}\": {}", kind, what)); };
  if (kind != "constant" && kind != "step" && kind != "cosine" && kind != "linear") {
    throw ValueError(fmt::format("schedule: unknown kind \"{}\" (constant, step, cosine, linear)", kind));
  }
  if (!(base_lr >= 0) || !std::isfinite(base_lr)) fail(fmt::format("base_lr must be finite and >= 0, got {}", base_lr));
  if (warmup_steps < 0) fail(fmt::format("warmup_steps must be >= 0, got {}", warmup_steps));
  if (kind == "step") {
    if (step_size <= 0) fail(fmt::format("step_size must be positive, got {}", step_size));
    if (!(gamma > 0) || !std::isfinite(gamma)) fail(fmt::format("gamma must be finite and > 0, got {}", gamma));
  }
  if (kind == "cosine" || kind == "linear") {
    if (total_steps <= warmup_steps) {
      fail(fmt::format("total_steps ({}) must be greater than warmup_steps ({})", total_steps, warmup_steps));
    }
    if (!(min_lr >= 0 && min_lr <= base_lr)) fail(fmt::format("min_lr must be in [0, base_lr = {}], got {}", base_lr, min_lr));
  }
}

double Schedule::lr_at(int64_t step) const {
  validate();
  if (step < 0) throw ValueError(fmt::format("schedule: step must be >= 0, got {}", step));
  if (step < warmup_steps) return base_lr * static_cast<double>(step) / static_cast<double>(warmup_steps);
  int64_t since = step - warmup_steps;
  if (kind == "constant") return base_lr;
  if (kind == "step") return base_lr * std::pow(gamma, static_cast<double>(since / step_size));
  double progress = std::min(1.0, static_cast<double>(since) / static_cast<double>(total_steps - warmup_steps));
  double factor = kind == "cosine" ? 0.5 * (1 + std::cos(std::numbers::pi * progress)) : 1 - progress;
  return min_lr + (base_lr - min_lr) * factor;
}

}  // namespace candor::nn
