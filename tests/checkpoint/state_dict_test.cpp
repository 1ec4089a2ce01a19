// ag::StateDict: order, typed access, errors that name the key and what was found.
#include <gtest/gtest.h>

#include "ag/grad_mode.h"
#include "ag/state_dict.h"

using namespace ag;

namespace {

template <class Fn> std::string error_of(Fn&& fn) {
  try {
    fn();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no exception)";
}

}  // namespace

TEST(StateDict, KeepsInsertionOrderAndReplacesInPlace) {
  StateDict d;
  d.set_int("b", 1);
  d.set_double("a", 2.5);
  d.set_tensor("c", ones({2}));
  d.set_string("a", "now a string");
  EXPECT_EQ(d.keys(), (std::vector<std::string>{"b", "a", "c"}));
  EXPECT_EQ(d.kind("a"), StateKind::String);
  EXPECT_EQ(d.get_string("a"), "now a string");
  EXPECT_EQ(d.get_int("b"), 1);
  EXPECT_EQ(d.tensor_count(), 1u);
  EXPECT_EQ(d.tensor_bytes(), 8u);
  EXPECT_TRUE(d.erase("b"));
  EXPECT_FALSE(d.erase("b"));
  EXPECT_EQ(d.keys(), (std::vector<std::string>{"a", "c"}));
  EXPECT_TRUE(d.get_tensor("c").equal(ones({2})));
  d.clear();
  EXPECT_TRUE(d.empty());
}

TEST(StateDict, TensorIsADetachedAliasLikePyTorch) {
  Tensor w = zeros({3}).requires_grad_();
  StateDict d;
  d.set_tensor("w", w);
  EXPECT_FALSE(d.get_tensor("w").requires_grad());
  {
    NoGradGuard g;
    w.add_(1.0);
  }
  EXPECT_EQ(d.get_tensor("w").sum().item(), 3.0);
  EXPECT_THROW(d.set_tensor("undefined", Tensor()), std::invalid_argument);
}

TEST(StateDict, ErrorsNameTheKeyAndWhatWasFound) {
  StateDict d;
  d.set_double("lr", 0.01);
  d.set_tensor("w", zeros({2, 3}));
  std::string e = error_of([&] { d.get_int("lr"); });
  EXPECT_NE(e.find("'lr'"), std::string::npos) << e;
  EXPECT_NE(e.find("double"), std::string::npos) << e;
  EXPECT_NE(e.find("int64"), std::string::npos) << e;
  e = error_of([&] { d.get_double("w"); });
  EXPECT_NE(e.find("tensor float32 [2, 3]"), std::string::npos) << e;
  e = error_of([&] { d.get_tensor("missing"); });
  EXPECT_NE(e.find("'missing'"), std::string::npos) << e;
  EXPECT_NE(e.find("'lr'"), std::string::npos) << e;  // lists what is there
  e = error_of([&] { StateDict().get_string("x"); });
  EXPECT_NE(e.find("empty"), std::string::npos) << e;
}
