#include "nn/progress.h"

#include <unistd.h>

#include <cstdio>

#include <fmt/format.h>

namespace candor::nn {

ProgressBar::ProgressBar(std::string label, int64_t total, bool enabled)
    : label_(std::move(label)),
      total_(total),
      visible_(enabled && isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

ProgressBar::~ProgressBar() { finish(); }

void ProgressBar::advance(int64_t steps) {
  done_ += steps;
  draw(false);
}

void ProgressBar::set_suffix(std::string suffix) { suffix_ = std::move(suffix); }

void ProgressBar::finish() {
  if (finished_) return;
  finished_ = true;
  if (!visible_) return;
  draw(true);
  std::fputc('\n', stderr);
}

void ProgressBar::draw(bool force) {
  if (!visible_) return;
  auto now = std::chrono::steady_clock::now();
  if (!force && now - last_draw_ < std::chrono::milliseconds(100) && done_ < total_) return;
  last_draw_ = now;
  constexpr int kWidth = 30;
  double fraction = total_ > 0 ? static_cast<double>(done_) / static_cast<double>(total_) : 1.0;
  int filled = static_cast<int>(fraction * kWidth);
  double seconds = std::chrono::duration<double>(now - start_).count();
  fmt::print(stderr, "\r{} [{}{}] {}/{} {:.1f}s {}\x1b[K", label_, std::string(filled, '#'),
             std::string(kWidth - filled, '.'), done_, total_, seconds, suffix_);
  std::fflush(stderr);
}

}  // namespace candor::nn
