// A progress bar on stderr for long jobs, drawn only when stderr is a terminal (so logs and CI
// output stay clean). Redraws at most ~10 times a second.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace candor::nn {

class ProgressBar {
 public:
  // enabled=false (e.g. --quiet) silences it even on a terminal.
  ProgressBar(std::string label, int64_t total, bool enabled = true);
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  void advance(int64_t steps = 1);
  void set_suffix(std::string suffix);  // e.g. "loss 0.3412"
  void finish();                        // final redraw and newline (called by the destructor too)
  bool visible() const { return visible_; }

 private:
  void draw(bool force);
  std::string label_, suffix_;
  int64_t total_, done_ = 0;
  bool visible_, finished_ = false;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

}  // namespace candor::nn
