// Learning-rate schedules at the steps that define them.
#include <cmath>
#include <numbers>

#include <doctest/doctest.h>

#include "nn/schedule.h"
#include "tests/support/checks.h"

using namespace candor;
using namespace candor::nn;

TEST_CASE("schedule: linear warm-up then constant") {
  Schedule s{.kind = "constant", .base_lr = 0.2, .warmup_steps = 4};
  CHECK(s.lr_at(0) == 0);
  CHECK(s.lr_at(1) == doctest::Approx(0.05));
  CHECK(s.lr_at(2) == doctest::Approx(0.1));  // warm-up midpoint: half the base
  CHECK(s.lr_at(4) == doctest::Approx(0.2));  // end of warm-up: the base
  CHECK(s.lr_at(1000) == doctest::Approx(0.2));
  Schedule plain{.base_lr = 0.3};
  CHECK(plain.lr_at(0) == 0.3);
}

TEST_CASE("schedule: cosine decay from base to min after warm-up") {
  Schedule s{.kind = "cosine", .base_lr = 1.0, .warmup_steps = 10, .total_steps = 110, .min_lr = 0.1};
  CHECK(s.lr_at(5) == doctest::Approx(0.5));
  CHECK(s.lr_at(10) == doctest::Approx(1.0));
  CHECK(s.lr_at(60) == doctest::Approx((1.0 + 0.1) / 2));  // halfway through the decay
  // A quarter of the way: cos(pi/4) = sqrt(2)/2.
  CHECK(s.lr_at(35) == doctest::Approx(0.1 + 0.9 * (1 + std::sqrt(2.0) / 2) / 2));
  CHECK(s.lr_at(110) == doctest::Approx(0.1));
  CHECK(s.lr_at(500) == doctest::Approx(0.1));
  // Monotone non-increasing after warm-up.
  for (int64_t t = 10; t < 120; ++t) CHECK(s.lr_at(t + 1) <= s.lr_at(t));
  Schedule no_warmup{.kind = "cosine", .base_lr = 0.5, .total_steps = 4};
  CHECK(no_warmup.lr_at(0) == doctest::Approx(0.5));
  CHECK(no_warmup.lr_at(2) == doctest::Approx(0.25));
  CHECK(no_warmup.lr_at(4) == doctest::Approx(0.0));
}

TEST_CASE("schedule: linear decay") {
  Schedule s{.kind = "linear", .base_lr = 1.0, .warmup_steps = 10, .total_steps = 110, .min_lr = 0.1};
  CHECK(s.lr_at(10) == doctest::Approx(1.0));
  CHECK(s.lr_at(35) == doctest::Approx(0.1 + 0.9 * 0.75));
  CHECK(s.lr_at(60) == doctest::Approx(0.55));
  CHECK(s.lr_at(110) == doctest::Approx(0.1));
  CHECK(s.lr_at(111) == doctest::Approx(0.1));
}

TEST_CASE("schedule: step decay by gamma every step_size steps") {
  Schedule s{.kind = "step", .base_lr = 1.0, .step_size = 10, .gamma = 0.5};
  CHECK(s.lr_at(0) == 1.0);
  CHECK(s.lr_at(9) == 1.0);
  CHECK(s.lr_at(10) == doctest::Approx(0.5));
  CHECK(s.lr_at(25) == doctest::Approx(0.25));
  CHECK(s.lr_at(30) == doctest::Approx(0.125));
  Schedule warm{.kind = "step", .base_lr = 1.0, .warmup_steps = 4, .step_size = 10, .gamma = 0.5};
  CHECK(warm.lr_at(2) == doctest::Approx(0.5));
  CHECK(warm.lr_at(4) == 1.0);
  CHECK(warm.lr_at(13) == 1.0);
  CHECK(warm.lr_at(14) == doctest::Approx(0.5));
}

TEST_CASE("schedule: bad options are errors naming the option") {
  testing::check_throws<ValueError>([] { Schedule{.kind = "exp"}.lr_at(0); },
                                    {"unknown kind \"exp\"", "constant, step, cosine, linear"});
  testing::check_throws<ValueError>([] { Schedule{.kind = "cosine", .warmup_steps = 10, .total_steps = 10}.lr_at(0); },
                                    {"cosine", "total_steps (10)", "warmup_steps (10)"});
  testing::check_throws<ValueError>([] { Schedule{.kind = "linear"}.validate(); }, {"total_steps"});
  testing::check_throws<ValueError>([] { Schedule{.kind = "step"}.lr_at(0); }, {"step_size", "0"});
  testing::check_throws<ValueError>([] { Schedule{.kind = "step", .step_size = 5, .gamma = 0}.lr_at(0); }, {"gamma"});
  testing::check_throws<ValueError>([] { Schedule{.warmup_steps = -1}.lr_at(0); }, {"warmup_steps", "-1"});
  testing::check_throws<ValueError>([] { Schedule{.base_lr = -0.1}.lr_at(0); }, {"base_lr"});
  testing::check_throws<ValueError>(
      [] { Schedule{.kind = "cosine", .base_lr = 0.1, .total_steps = 5, .min_lr = 0.2}.lr_at(0); }, {"min_lr", "0.2"});
  testing::check_throws<ValueError>([] { Schedule{}.lr_at(-1); }, {"step", "-1"});
}
