// .npy round trips and rejection of broken files.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "ag/ag.h"

namespace {
std::string tmp(const std::string& name) { return testing::TempDir() + "/" + name; }
std::string read_all(const std::string& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}
}  // namespace

TEST(Npy, RoundTripEveryDtype) {
  for (auto t : {ag::randn({3, 4}), ag::randn({2, 2, 2}, ag::kFloat64), ag::arange(5), ag::tensor({true, false}),
                 ag::tensor(2.5)}) {
    auto p = tmp("rt.npy");
    ag::save_npy(t, p);
    auto back = ag::load_npy(p);
    EXPECT_TRUE(back.equal(t)) << t << " vs " << back;
  }
  auto t = ag::arange(6, ag::kFloat32).reshape({2, 3}).t();  // non-contiguous input is written in C order
  ag::save_npy(t, tmp("t.npy"));
  EXPECT_TRUE(ag::load_npy(tmp("t.npy")).equal(t));
}

TEST(Npy, HeaderIsWhatNumpyWrites) {
  ag::save_npy(ag::zeros({2, 3}), tmp("h.npy"));
  std::string b = read_all(tmp("h.npy"));
  EXPECT_EQ(b.substr(0, 6), "\x93NUMPY");
  EXPECT_NE(b.find("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"), std::string::npos);
  EXPECT_EQ((b.size() - 24) % 64, 0u);  // data starts on a 64-byte boundary
}

TEST(Npy, BrokenFilesGiveNamedErrors) {
  ag::save_npy(ag::zeros({4, 4}), tmp("ok.npy"));
  std::string good = read_all(tmp("ok.npy"));
  auto expect_error = [](const std::string& bytes, const std::string& needle) {
    try {
      ag::parse_npy(bytes, "case.npy");
      ADD_FAILURE() << "no error for case expecting '" << needle << "'";
    } catch (const std::runtime_error& e) {
      std::string m = e.what();
      EXPECT_NE(m.find("case.npy"), std::string::npos) << m;
      EXPECT_NE(m.find(needle), std::string::npos) << m;
    }
  };
  expect_error(good.substr(0, 5), "shorter");
  expect_error("XXNUMPY" + good.substr(7), "magic");
  expect_error(good.substr(0, good.size() - 3), "data bytes");
  std::string bad_dtype = good;
  bad_dtype.replace(bad_dtype.find("<f4"), 3, "<c8");
  expect_error(bad_dtype, "unsupported dtype");
  std::string huge = good;
  huge.replace(huge.find("(4, 4)"), 6, "(99999999, 99999999)");
  expect_error(huge, "data bytes");
  std::string overflow = good;  // more elements than int64 counts
  overflow.replace(overflow.find("(4, 4)"), 6, "(9999999999, 9999999999)");
  expect_error(overflow, "int64");
  std::string empty_but_huge = good;  // no elements, but strides would overflow
  empty_but_huge.replace(empty_but_huge.find("(4, 4)"), 6, "(4611686018427387904, 0, 4)");
  expect_error(empty_but_huge, "int64");
  for (size_t cut = 0; cut < good.size(); cut += 7) {
    EXPECT_THROW(ag::parse_npy(good.substr(0, cut), "cut.npy"), std::runtime_error) << cut;
  }
  EXPECT_THROW(ag::load_npy(tmp("does-not-exist.npy")), std::runtime_error);
}
