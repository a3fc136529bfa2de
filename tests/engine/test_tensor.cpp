// Tensors themselves: creation, dtypes, element access, printing, and random numbers (Philox
// known-answer vectors from Random123, reproducibility and the moments of each distribution).
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <map>
#include <numeric>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "engine/engine.h"
#include "tests/support/checks.h"
#include "tests/support/gradcheck.h"

using namespace candor;
using namespace candor::testing;

namespace {


// |actual - expected| <= tol, reporting both values on failure.
#define CHECK_NEAR(actual, expected, tol)                                                  \
  do {                                                                                     \
    double a_ = (actual), e_ = (expected);                                                 \
    CHECK_MESSAGE(std::abs(a_ - e_) <= (tol), #actual " = " << a_ << ", expected " << e_); \
  } while (0)

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

double sample_mean(const std::vector<double>& v) {
  return std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}
double sample_var(const std::vector<double>& v) {
  double m = sample_mean(v), s = 0;
  for (double x : v) s += (x - m) * (x - m);
  return s / static_cast<double>(v.size() - 1);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// creation, shapes, dtypes, element access

TEST_CASE("tensor: zeros, ones, full and the _like forms") {
  Tensor z = zeros({2, 3});
  CHECK(z.shape() == Shape{2, 3});
  CHECK(z.dim() == 2);
  CHECK(z.numel() == 6);
  CHECK(z.dtype() == kFloat32);
  CHECK(z.to_vector() == std::vector<double>(6, 0.0));
  Tensor o = ones({4}, kFloat64);
  CHECK(o.dtype() == kFloat64);
  CHECK(o.to_vector() == std::vector<double>(4, 1.0));
  Tensor f = full({2, 2}, -3, kInt64);
  CHECK(f.dtype() == kInt64);
  CHECK(f.to_vector<int64_t>() == std::vector<int64_t>(4, -3));
  CHECK(full({3}, 0.1, kFloat32).to_vector<float>() == std::vector<float>(3, 0.1f));
  CHECK(full({3}, 0.1, kFloat64).to_vector<double>() == std::vector<double>(3, 0.1));
  Tensor zl = zeros_like(f), ol = ones_like(o), fl = full_like(z, 2.5);
  CHECK(zl.shape() == Shape{2, 2});
  CHECK(zl.dtype() == kInt64);
  CHECK(ol.dtype() == kFloat64);
  CHECK(fl.to_vector() == std::vector<double>(6, 2.5));
  // Empty dimensions are allowed.
  Tensor e = zeros({2, 0, 3});
  CHECK(e.numel() == 0);
  CHECK(e.dim() == 3);
  CHECK(e.size(-1) == 3);
  CHECK(e.size(1) == 0);
  check_throws<ShapeError>([] { Tensor::empty({2, -1}); }, {"negative dimension", "[2, -1]"});
  check_throws<IndexError>([&] { e.size(3); }, {"axis 3", "3 dimensions"});
}

TEST_CASE("tensor: arange, eye, scalar, tensor and from_vector") {
  CHECK(arange(5).to_vector<int64_t>() == std::vector<int64_t>{0, 1, 2, 3, 4});
  CHECK(arange(5).dtype() == kInt64);
  CHECK(arange(0, 1, 0.25, kFloat32).to_vector<float>() ==
        std::vector<float>{0, 0.25f, 0.5f, 0.75f});
  CHECK(arange(5, 0, -2).to_vector<int64_t>() == std::vector<int64_t>{5, 3, 1});
  CHECK(arange(3, 3).numel() == 0);
  CHECK(arange(3, 1).numel() == 0);  // an empty range, as Python's range
  // ceil((2 - 1) / 0.3) = 4 elements: 1, 1.3, 1.6, 1.9 (start + i * step, no accumulated error)
  std::vector<double> r = arange(1, 2, 0.3, kFloat64).to_vector();
  REQUIRE(r.size() == 4);
  for (size_t i = 0; i < 4; ++i) CHECK(r[i] == 1 + static_cast<double>(i) * 0.3);
  check_throws<ValueError>([] { arange(0, 5, 0); }, {"arange", "step"});
  check_throws<ValueError>([] { arange(0, INFINITY, 1); }, {"arange", "finite"});

  Tensor i3 = eye(3);
  CHECK(i3.shape() == Shape{3, 3});
  CHECK(i3.to_vector() == std::vector<double>{1, 0, 0, 0, 1, 0, 0, 0, 1});
  CHECK(eye(2, kInt64).to_vector<int64_t>() == std::vector<int64_t>{1, 0, 0, 1});

  Tensor s = scalar(2.5);
  CHECK(s.dim() == 0);
  CHECK(s.shape().empty());
  CHECK(s.numel() == 1);
  CHECK(s.item() == 2.5);
  CHECK(scalar(7, kInt64).item<int64_t>() == 7);

  Tensor t = tensor({1, -2.5, 3});
  CHECK(t.shape() == Shape{3});
  CHECK(t.dtype() == kFloat32);
  CHECK(t.to_vector() == std::vector<double>{1, -2.5, 3});
  CHECK(tensor({4, 5}, kInt64).to_vector<int64_t>() == std::vector<int64_t>{4, 5});

  Tensor fv = from_vector(std::vector<float>{1, 2, 3, 4, 5, 6}, {2, 3});
  CHECK(fv.dtype() == kFloat32);
  CHECK(fv.shape() == Shape{2, 3});
  CHECK(fv.data<float>()[4] == 5.0f);
  Tensor dv = from_vector(std::vector<double>{0.1, 0.2}, {2, 1});
  CHECK(dv.dtype() == kFloat64);
  CHECK(dv.to_vector() == std::vector<double>{0.1, 0.2});
  Tensor iv = from_vector(std::vector<int64_t>{int64_t{1} << 60, -7}, {2});
  CHECK(iv.dtype() == kInt64);
  CHECK(iv.to_vector<int64_t>() ==
        std::vector<int64_t>{int64_t{1} << 60, -7});  // exact beyond 2^53
  CHECK(from_vector(std::vector<double>{3.5}, {}).item() == 3.5);
  check_throws<ShapeError>(
      [] {
        from_vector(std::vector<float>{1, 2, 3, 4, 5}, {2, 3});
      },
      {"from_vector", "5 values", "[2, 3]", "6 elements"});
  check_throws<ShapeError>([] { from_vector(std::vector<int64_t>{1}, {2}); },
                           {"from_vector", "[2]"});
  check_throws<ShapeError>([] { from_vector(std::vector<double>{}, {1}); }, {"0 values", "[1]"});
}

TEST_CASE("tensor: dtype conversion, item and to_vector") {
  Tensor f = tensor({1.5, -2.7, 0.1, 3.0});
  // float -> int64 truncates toward zero (as C++ and PyTorch)
  Tensor i = f.to(kInt64);
  CHECK(i.dtype() == kInt64);
  CHECK(i.to_vector<int64_t>() == std::vector<int64_t>{1, -2, 0, 3});
  // float64 -> float32 rounds to nearest
  Tensor d = tensor({0.1, 1.0 / 3}, kFloat64);
  CHECK(d.to(kFloat32).to_vector<float>() == std::vector<float>{0.1f, static_cast<float>(1.0 / 3)});
  // float32 -> float64 is exact
  CHECK(f.to(kFloat64).to_vector<double>()[2] == static_cast<double>(0.1f));
  // int64 -> float64, exact for small integers
  CHECK(arange(4).to(kFloat64).to_vector() == std::vector<double>{0, 1, 2, 3});
  // cast is differentiable between floating types
  Tensor x = tensor({1, 2}, kFloat64).requires_grad_();
  sum(x.to(kFloat32) * 3.0f).backward();
  CHECK(x.grad().dtype() == kFloat64);
  CHECK(x.grad().to_vector() == std::vector<double>{3, 3});
  // item converts; on more than one element it throws
  CHECK(tensor({2.5}).item<float>() == 2.5f);
  CHECK(tensor({2.5}).item<int64_t>() == 2);
  CHECK(scalar(-1, kInt64).item<double>() == -1.0);
  check_throws<ValueError>([] { zeros({2, 3}).item(); }, {"item", "[2, 3]", "6 elements"});
  // typed access checks the dtype
  check_throws<DTypeError>([] { zeros({2}, kFloat64).data<float>(); }, {"float64", "float32"});
  // Copies share data, clone does not.
  Tensor a = zeros({3});
  Tensor b = a;
  Tensor c = a.clone();
  b.data<float>()[1] = 5;
  CHECK(a.to_vector() == std::vector<double>{0, 5, 0});
  CHECK(c.to_vector() == std::vector<double>{0, 0, 0});
  CHECK(a.to(kFloat32).raw_data() != a.raw_data());  // to() the same dtype is a copy
}

// ---------------------------------------------------------------------------------------------
// printing

TEST_CASE("tensor: to_string shows values with 4 decimals, the shape and the dtype") {
  Tensor t = from_vector(std::vector<float>{1, -2.5f, 3.14159f, 0.12345f, 10, 0}, {2, 3});
  std::string s = t.to_string();
  INFO(s);
  CHECK(s.rfind("tensor([[", 0) == 0);
  CHECK(contains(s, "shape=[2, 3]"));
  CHECK(contains(s, "dtype=float32"));
  for (const char* v : {"1.0000", "-2.5000", "3.1416", "0.1235", "10.0000", "0.0000"}) {
    CHECK_MESSAGE(contains(s, v), "missing " << v);
  }
  CHECK_FALSE(contains(s, "3.14159"));
  CHECK_FALSE(contains(s, "..."));
  // The stream operator prints the same.
  std::ostringstream os;
  os << t;
  CHECK(os.str() == s);
  // Integers print without decimals.
  CHECK(arange(3).to_string() == "tensor([0, 1, 2], shape=[3], dtype=int64)");
  CHECK(contains(tensor({0.5}, kFloat64).to_string(), "dtype=float64"));
  // Very small and very large magnitudes switch to scientific notation.
  CHECK(contains(tensor({1e-5, 1}).to_string(), "1.0000e-05"));
  // Autograd state is shown.
  Tensor leaf = ones({2}).requires_grad_();
  CHECK(contains(leaf.to_string(), "requires_grad=true"));
  CHECK(contains((leaf * 2.0f).to_string(), "grad_fn=<mul>"));
  CHECK_FALSE(contains(ones({2}).to_string(), "requires_grad"));
  // A 0-d tensor and an empty one.
  CHECK(contains(scalar(1.5).to_string(), "1.5000"));
  CHECK(contains(scalar(1.5).to_string(), "shape=[]"));
  CHECK(contains(zeros({0, 3}).to_string(), "shape=[0, 3]"));
}

TEST_CASE("tensor: printing summarises tensors of more than 1000 elements") {
  // 1000 elements: printed in full.
  std::string full_text = arange(0, 1000, 1, kFloat32).to_string();
  CHECK_FALSE(contains(full_text, "..."));
  CHECK(contains(full_text, "500.0000"));
  // 1001 elements: the first and last three with "..." between.
  std::string cut = arange(0, 1001, 1, kFloat32).to_string();
  INFO(cut);
  CHECK(contains(cut, "..."));
  for (const char* v : {"0.0000", "1.0000", "2.0000", "998.0000", "999.0000", "1000.0000"}) {
    CHECK_MESSAGE(contains(cut, v), "missing " << v);
  }
  CHECK_FALSE(contains(cut, "500.0000"));
  CHECK(contains(cut, "shape=[1001]"));
  CHECK(cut.size() < 200);
  // A 2-D tensor is cut along both dimensions.
  std::string cut2 = reshape(arange(0, 40 * 50, 1, kFloat64), {40, 50}).to_string();
  INFO(cut2);
  CHECK(contains(cut2, "..."));
  CHECK(contains(cut2, "shape=[40, 50]"));
  CHECK(contains(cut2, "1999.0000"));  // the last element
  CHECK_FALSE(contains(cut2, "1000.0000"));
  CHECK(cut2.size() < 1000);
}

// ---------------------------------------------------------------------------------------------
// Philox and the generator

TEST_CASE("tensor: philox4x32_10 matches the Random123 known-answer vectors") {
  // examples/kat_vectors of Random123 (Salmon et al., SC 2011), the "philox4x32 10" lines: counter
  // (4 words), key (2 words), expected output. The third is the digits of pi as input; its output
  // is also in Boost.Random's test_kat for philox<4, uint32_t, 10>.
  using Words = std::array<uint32_t, 4>;
  CHECK(philox4x32_10({0, 0, 0, 0}, {0, 0}) ==
        Words{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8});
  CHECK(philox4x32_10({0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}, {0xffffffff, 0xffffffff}) ==
        Words{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd});
  CHECK(philox4x32_10({0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, {0xa4093822, 0x299f31d0}) ==
        Words{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1});
  // A generator's block is Philox on (counter low, counter high, 0, 0) under (seed low, seed high).
  Generator g(0x0123456789abcdefULL);
  CHECK(g.block(0x1122334455667788ULL) ==
        philox4x32_10({0x55667788, 0x11223344, 0, 0}, {0x89abcdef, 0x01234567}));
  CHECK(Generator(0).block(0) == Words{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8});
}

TEST_CASE("tensor: uniform_float, uniform_double and random_below stay in range") {
  CHECK(uniform_float(0) == 0.0f);
  CHECK(uniform_float(0xffffffffu) < 1.0f);
  CHECK(uniform_float(0xffffffffu) == 1.0f - 0x1.0p-24f);
  CHECK(uniform_double(0, 0) == 0.0);
  CHECK(uniform_double(0xffffffffu, 0xffffffffu) < 1.0);
  CHECK(uniform_double(0xffffffffu, 0xffffffffu) == 1.0 - 0x1.0p-53);
  // random_below stays in range at the extremes.
  CHECK(random_below({0, 0, 0, 0}, 7) == 0);
  CHECK(random_below({0xffffffffu, 0xffffffffu, 0, 0}, 7) == 6);
}

TEST_CASE("tensor: random draws are reproducible from the seed") {
  auto draws = [](uint64_t seed) {
    Generator g(seed);
    std::vector<std::vector<double>> out;
    out.push_back(rand({100}, kFloat32, &g).to_vector());
    out.push_back(randn({100}, kFloat64, &g).to_vector());
    out.push_back(randint(-5, 5, {100}, &g).to_vector());
    out.push_back(bernoulli({100}, 0.5, kFloat32, &g).to_vector());
    out.push_back(permutation(100, &g).to_vector());
    out.push_back(normal({100}, 2, 3, kFloat32, &g).to_vector());
    out.push_back(uniform({100}, -4, 4, kFloat64, &g).to_vector());
    return out;
  };
  auto a = draws(42), b = draws(42), c = draws(43);
  for (size_t k = 0; k < a.size(); ++k) {
    CAPTURE(k);
    CHECK(a[k] == b[k]);
    CHECK(a[k] != c[k]);
  }
  // Consecutive draws from one generator differ; manual_seed restarts the sequence.
  Generator g(7);
  auto first = randn({50}, kFloat32, &g).to_vector();
  auto second = randn({50}, kFloat32, &g).to_vector();
  CHECK(first != second);
  CHECK(g.offset() > 0);
  g.manual_seed(7);
  CHECK(g.offset() == 0);
  CHECK(randn({50}, kFloat32, &g).to_vector() == first);
  // The process-wide generator, through manual_seed.
  manual_seed(123);
  auto d1 = randn({20}).to_vector();
  manual_seed(123);
  CHECK(randn({20}).to_vector() == d1);
  CHECK(default_generator().seed() == 123);
  // Element i depends only on (seed, offset, i): a longer draw starts with the shorter one.
  Generator g1(9), g2(9);
  auto short_draw = rand({10}, kFloat64, &g1).to_vector();
  auto long_draw = rand({1000}, kFloat64, &g2).to_vector();
  CHECK(std::equal(short_draw.begin(), short_draw.end(), long_draw.begin()));
  // next_u64 is reproducible too.
  Generator h1(5), h2(5);
  CHECK(h1.next_u64() == h2.next_u64());
  CHECK(h1.next_u64() != Generator(6).next_u64());
}

TEST_CASE("tensor: rand and uniform have the moments of a uniform distribution") {
  Generator g(2024);
  const int64_t n = 100000;
  for (DType dtype : {kFloat32, kFloat64}) {
    CAPTURE(dtype_name(dtype));
    auto u = rand({n}, dtype, &g).to_vector();
    CHECK(*std::min_element(u.begin(), u.end()) >= 0.0);
    CHECK(*std::max_element(u.begin(), u.end()) < 1.0);
    // mean 1/2 (standard error 0.0009), variance 1/12
    CHECK_NEAR(sample_mean(u), 0.5, 0.006);
    CHECK_NEAR(sample_var(u), 1.0 / 12, 0.003);
    auto v = uniform({n}, -3, 5, dtype, &g).to_vector();
    CHECK(*std::min_element(v.begin(), v.end()) >= -3.0);
    CHECK(*std::max_element(v.begin(), v.end()) < 5.0);
    CHECK_NEAR(sample_mean(v), 1.0, 0.05);
    CHECK_NEAR(sample_var(v), 64.0 / 12, 0.15);
  }
  // float64 draws use more than float32's 24 bits.
  auto d = rand({1000}, kFloat64, &g).to_vector();
  int64_t fine = 0;
  for (double x : d) fine += x * 0x1.0p24 != std::floor(x * 0x1.0p24);
  CHECK(fine > 900);
}

TEST_CASE("tensor: randn and normal have the moments of a normal distribution") {
  const int64_t n = 100000;
  for (DType dtype : {kFloat32, kFloat64}) {
    CAPTURE(dtype_name(dtype));
    Generator g(11);
    auto z = randn({n}, dtype, &g).to_vector();
    // Standard errors: mean 0.0032, variance 0.0045, P(|z| < 1) 0.0015.
    CHECK_NEAR(sample_mean(z), 0.0, 0.02);
    CHECK_NEAR(sample_var(z), 1.0, 0.03);
    double within_one = 0, within_two = 0, third = 0, fourth = 0;
    for (double x : z) {
      within_one += std::abs(x) < 1;
      within_two += std::abs(x) < 2;
      third += x * x * x;
      fourth += x * x * x * x;
    }
    CHECK_NEAR(within_one / n, std::erf(1 / std::sqrt(2.0)), 0.01);   // 0.6827
    CHECK_NEAR(within_two / n, std::erf(2 / std::sqrt(2.0)), 0.005);  // 0.9545
    CHECK_NEAR(third / n, 0.0, 0.1);                                  // skewness 0
    CHECK_NEAR(fourth / n, 3.0, 0.15);                                // kurtosis 3
    CHECK(std::all_of(z.begin(), z.end(), [](double x) { return std::isfinite(x); }));
    auto y = normal({n}, 3, 2, dtype, &g).to_vector();
    CHECK_NEAR(sample_mean(y), 3.0, 0.04);
    CHECK_NEAR(std::sqrt(sample_var(y)), 2.0, 0.03);
  }
  // std = 0 is a constant.
  CHECK(normal({5}, 1.5, 0).to_vector() == std::vector<double>(5, 1.5));
}

TEST_CASE("tensor: randint stays in range and hits every value evenly") {
  Generator g(3);
  const int64_t n = 70000;
  Tensor r = randint(-3, 4, {n}, &g);
  CHECK(r.dtype() == kInt64);
  std::map<int64_t, int64_t> counts;
  for (int64_t v : r.to_vector<int64_t>()) counts[v]++;
  REQUIRE(counts.size() == 7);
  CHECK(counts.begin()->first == -3);
  CHECK(counts.rbegin()->first == 3);
  // Each value has probability 1/7: standard error of a frequency ~0.0013.
  for (const auto& entry : counts) {
    const auto& v = entry.first;
    const auto& c = entry.second;
    CAPTURE(v);
    CHECK_NEAR(static_cast<double>(c) / n, 1.0 / 7, 0.01);
  }
  // A range of one value; a range wider than 2^53 stays exact in range.
  CHECK(randint(5, 6, {10}, &g).to_vector<int64_t>() == std::vector<int64_t>(10, 5));
  const int64_t lo = -(int64_t{1} << 62), hi = int64_t{1} << 62;
  auto wide = randint(lo, hi, {1000}, &g).to_vector<int64_t>();
  CHECK(*std::min_element(wide.begin(), wide.end()) >= lo);
  CHECK(*std::max_element(wide.begin(), wide.end()) < hi);
  CHECK(*std::min_element(wide.begin(), wide.end()) < lo / 2);  // spread over the whole range
  CHECK(*std::max_element(wide.begin(), wide.end()) > hi / 2);
  // Bounds that double cannot hold (2^62 + 1 is 2^62 in double) are kept exactly.
  const int64_t base = (int64_t{1} << 62) + 1;
  const auto drawn = randint(base, base + 3, {300}, &g).to_vector<int64_t>();
  const std::set<int64_t> near(drawn.begin(), drawn.end());
  CHECK(near == std::set<int64_t>{base, base + 1, base + 2});
  // The widest range: all of int64 below INT64_MAX, both signs drawn.
  auto all = randint(INT64_MIN, INT64_MAX, {1000}, &g).to_vector<int64_t>();
  CHECK(*std::min_element(all.begin(), all.end()) < INT64_MIN / 2);
  CHECK(*std::max_element(all.begin(), all.end()) > INT64_MAX / 2);
  check_throws<ValueError>([] { randint(5, 5, {3}); }, {"randint", "empty range", "[5, 5)"});
  check_throws<ValueError>([] { randint(5, 2, {3}); }, {"randint", "[5, 2)"});
}

TEST_CASE("tensor: bernoulli draws 0/1 with probability p") {
  Generator g(8);
  const int64_t n = 100000;
  auto b = bernoulli({n}, 0.25, kFloat32, &g).to_vector();
  int64_t ones_count = std::count(b.begin(), b.end(), 1.0);
  CHECK(ones_count + std::count(b.begin(), b.end(), 0.0) == n);  // nothing but 0 and 1
  CHECK_NEAR(static_cast<double>(ones_count) / n, 0.25, 0.01);   // standard error 0.0014
  CHECK(bernoulli({100}, 0.0, kFloat64, &g).to_vector() == std::vector<double>(100, 0.0));
  CHECK(bernoulli({100}, 1.0, kFloat64, &g).to_vector() == std::vector<double>(100, 1.0));
  CHECK(bernoulli({3}, 0.5, kInt64, &g).dtype() == kInt64);
  check_throws<ValueError>([] { bernoulli({3}, 1.5); },
                           {"bernoulli", "p must be in [0, 1]", "1.5"});
  check_throws<ValueError>([] { bernoulli({3}, -0.25); }, {"bernoulli", "-0.25"});
  check_throws<ValueError>([] { bernoulli({3}, NAN); }, {"bernoulli", "nan"});
}

TEST_CASE("tensor: permutation is a uniformly random permutation") {
  Generator g(13);
  auto p = permutation(1000, &g).to_vector<int64_t>();
  std::vector<int64_t> sorted = p;
  std::sort(sorted.begin(), sorted.end());
  std::vector<int64_t> identity(1000);
  std::iota(identity.begin(), identity.end(), 0);
  CHECK(sorted == identity);
  CHECK(p != identity);
  CHECK(permutation(0, &g).numel() == 0);
  CHECK(permutation(1, &g).to_vector<int64_t>() == std::vector<int64_t>{0});
  // All 6 orders of 3 items are equally likely (standard error of a frequency ~0.0022).
  std::map<std::vector<int64_t>, int64_t> counts;
  const int trials = 30000;
  for (int i = 0; i < trials; ++i) counts[permutation(3, &g).to_vector<int64_t>()]++;
  REQUIRE(counts.size() == 6);
  for (const auto& [perm, c] : counts) CHECK_NEAR(static_cast<double>(c) / trials, 1.0 / 6, 0.015);
  // Each position of a longer permutation is uniform too: P(p[0] == k) = 1/10.
  std::vector<int64_t> first(10, 0);
  for (int i = 0; i < trials; ++i) first[permutation(10, &g).to_vector<int64_t>()[0]]++;
  for (int64_t c : first) CHECK_NEAR(static_cast<double>(c) / trials, 0.1, 0.015);
  check_throws<ValueError>([] { permutation(-1); }, {"permutation", "-1"});
}

TEST_CASE("tensor: random ops reject bad arguments") {
  check_throws<DTypeError>([] { rand({2}, kInt64); }, {"uniform", "floating", "int64"});
  check_throws<DTypeError>([] { randn({2}, kInt64); }, {"normal", "int64"});
  check_throws<ValueError>([] { uniform({2}, 1, 0); }, {"uniform", "low 1", "high 0"});
  check_throws<ValueError>([] { normal({2}, 0, -1); }, {"normal", "std", "-1"});
}
