// state_dict / load_state_dict: round trip, in-place copies, strict-mode messages.
#include <gtest/gtest.h>

#include "ag/ag.h"
#include "ag/checkpoint.h"
#include "ag/nn/nn.h"

namespace nn = ag::nn;

namespace {
nn::Sequential mlp() {
  return nn::Sequential{nn::Linear(4, 3), nn::ReLU(), nn::Linear(3, 2)};
}

std::string load_error(nn::Module& m, const ag::StateDict& d) {
  try {
    m.load_state_dict(d);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST(StateDict, RoundTripCopiesValuesInPlace) {
  ag::manual_seed(1);
  auto src = mlp();
  auto dst = mlp();  // different draws
  auto dst_weight = dst->at<nn::LinearImpl>(0).weight;
  ASSERT_FALSE(dst_weight.equal(src->at<nn::LinearImpl>(0).weight));
  auto v0 = dst_weight._version();
  auto r = dst->load_state_dict(src->state_dict());
  EXPECT_TRUE(r.missing_keys.empty() && r.unexpected_keys.empty());
  // Same tensor objects, new values: optimizers holding the parameters see the load.
  EXPECT_TRUE(dst->at<nn::LinearImpl>(0).weight.is_same(dst_weight));
  EXPECT_GT(dst_weight._version(), v0);
  for (const auto& [name, t] : src->state_dict().tensors()) EXPECT_TRUE(dst->state_dict()[name].equal(t)) << name;
  auto x = ag::randn({5, 4});
  EXPECT_TRUE(dst->forward(x).equal(src->forward(x)));
}

TEST(StateDict, ValuesAreDetachedAndShareMemory) {
  nn::Linear lin(2, 2);
  auto sd = lin->state_dict();
  EXPECT_FALSE(sd["weight"].requires_grad());
  EXPECT_EQ(sd["weight"].data_ptr(), lin->weight.data_ptr());
  EXPECT_THROW(sd["nope"], std::out_of_range);
}

TEST(StateDict, StrictMismatchListsMissingUnexpectedAndShapes) {
  auto m = mlp();
  auto sd = m->state_dict();
  ag::StateDict bad;
  bad.set_tensor("0.weight", ag::zeros({3, 5}));  // wrong shape
  bad.set_tensor("0.bias", sd["0.bias"]);
  bad.set_tensor("2.weight", sd["2.weight"]);
  bad.set_tensor("extra.weight", ag::zeros({1}));
  auto before = m->at<nn::LinearImpl>(2).weight.detach().clone();
  std::string msg = load_error(*m, bad);
  EXPECT_EQ(msg,
            "Error(s) in loading state_dict for Sequential:\n"
            "\tMissing key(s) in state_dict: \"2.bias\". \n"
            "\tUnexpected key(s) in state_dict: \"extra.weight\". \n"
            "\tsize mismatch for 0.weight: copying a param with shape [3, 5] from checkpoint, the shape in current "
            "model is [3, 4].");
  // Nothing was copied by the failed load.
  EXPECT_TRUE(m->at<nn::LinearImpl>(2).weight.equal(before));
}

TEST(StateDict, NonStrictReportsKeysButStillRejectsShapes) {
  auto m = mlp();
  auto sd = m->state_dict();
  ag::StateDict partial;
  partial.set_tensor("0.weight", ag::full({3, 4}, 0.5));
  partial.set_tensor("bogus", ag::zeros({1}));
  auto r = m->load_state_dict(partial, /*strict=*/false);
  EXPECT_EQ(r.missing_keys, (std::vector<std::string>{"0.bias", "2.weight", "2.bias"}));
  EXPECT_EQ(r.unexpected_keys, (std::vector<std::string>{"bogus"}));
  EXPECT_EQ(m->at<nn::LinearImpl>(0).weight.sum().item(), 6.0);
  partial.set_tensor("0.bias", ag::zeros({7}));
  EXPECT_THROW(m->load_state_dict(partial, false), std::runtime_error);
}

TEST(StateDict, BuffersAndDtypeConversion) {
  nn::CrossEntropyLoss loss(nn::CrossEntropyLossOptions().weight(ag::tensor({1., 2., 3.})));
  EXPECT_EQ(loss->state_dict().keys(), (std::vector<std::string>{"weight"}));
  EXPECT_TRUE(nn::CrossEntropyLoss()->state_dict().empty());
  nn::Linear lin(2, 1);
  ag::StateDict d;
  d.set_tensor("weight", ag::tensor({{1., 2.}}, ag::kFloat64));
  d.set_tensor("bias", ag::tensor({3.}, ag::kFloat64));
  lin->load_state_dict(d);
  EXPECT_EQ(lin->weight.dtype(), ag::kFloat32);
  EXPECT_EQ(lin->forward(ag::ones({1, 2})).item(), 6.0);
}

// One StateDict: a module's state_dict() is the type a checkpoint section holds, so a
// checkpoint's section loads into a module as it is.
TEST(StateDict, ACheckpointSectionLoadsIntoAModule) {
  ag::manual_seed(3);
  nn::Linear src(3, 2), dst(3, 2);
  ag::Checkpoint c;
  c.sections["model"] = src->state_dict();
  dst->load_state_dict(c.section("model"));
  EXPECT_TRUE(dst->weight.equal(src->weight));
  ag::StateDict scalars = src->state_dict();
  scalars.set_int("bias", 4);
  try {
    dst->load_state_dict(scalars);
    FAIL() << "loaded an int64 as a tensor";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("value for bias is a int64, not a tensor"), std::string::npos) << e.what();
  }
}
