// Module holders as libtorch has them: NameImpl is the module, Name a shared
// handle; registration shares (never copies) the module a member holds.
#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>

#include "ag/nn/nn.h"

namespace nn = ag::nn;

namespace {

// The libtorch idiom: holder members, registered and assigned in the constructor.
struct ClassifierImpl : nn::Module {
  ClassifierImpl() {
    fc = register_module("fc", nn::Linear(4, 3));
    register_module("drop", drop);
  }
  ag::Tensor forward(const ag::Tensor& x) override { return drop(fc(x)); }
  nn::Linear fc{nullptr};
  nn::Dropout drop{0.5};
};
TORCH_MODULE(Classifier);

template <typename M>
concept Registrable = requires(nn::Module& parent, M m) { parent.register_module("m", m); };

}  // namespace

TEST(ModuleHolder, EvalReachesTheMemberForwardUses) {
  Classifier net;
  net->eval();
  EXPECT_FALSE(net->drop->is_training());
  EXPECT_EQ(net->named_children()["drop"].get(), net->drop.get());
  auto x = ag::ones({8, 4});
  EXPECT_TRUE(net(x).equal(net->fc(x)));
}

TEST(ModuleHolder, RegisterModuleReturnsTheSameModule) {
  nn::Module parent;
  nn::Linear lin(4, 2);
  nn::Linear back = parent.register_module("lin", lin);
  EXPECT_EQ(back.get(), lin.get());
  auto shared = std::make_shared<nn::ReLUImpl>();
  std::shared_ptr<nn::ReLUImpl> same = parent.register_module("relu", shared);
  EXPECT_EQ(same, shared);
  EXPECT_EQ(parent.named_children()["relu"].get(), shared.get());
  static_assert(Registrable<nn::Linear> && Registrable<std::shared_ptr<nn::LinearImpl>>);
  static_assert(!Registrable<nn::LinearImpl>, "a module object must not be registered (it would be a copy)");
}

TEST(ModuleHolder, HandleAccessAndEmptiness) {
  ag::manual_seed(0);
  nn::Linear lin(4, 2);
  EXPECT_FALSE(lin.is_empty());
  EXPECT_EQ(lin->weight.sizes(), (ag::Dims{2, 4}));
  EXPECT_EQ(&*lin, lin.get());
  EXPECT_EQ(lin.ptr().get(), lin.get());
  nn::Linear copy = lin;
  EXPECT_EQ(copy.get(), lin.get());
  nn::Linear from_ptr(std::make_shared<nn::LinearImpl>(3, 1));
  EXPECT_EQ(from_ptr->options.in_features(), 3);
  nn::Linear empty{nullptr};
  EXPECT_TRUE(empty.is_empty());
  EXPECT_THROW(empty->reset_parameters(), std::logic_error);
  empty = lin;
  EXPECT_EQ(empty.get(), lin.get());
  static_assert(!std::is_default_constructible_v<nn::Linear>);
  static_assert(std::is_default_constructible_v<nn::ReLU>);
}

TEST(ModuleHolder, CallForwardsAnySignature) {
  nn::MSELoss mse;
  auto a = ag::ones({3}), b = ag::zeros({3});
  EXPECT_EQ(mse(a, b).item<double>(), 1.0);
  nn::CrossEntropyLoss ce(nn::CrossEntropyLossOptions().label_smoothing(0.1));
  EXPECT_DOUBLE_EQ(ce->options.label_smoothing(), 0.1);
}

TEST(ModuleHolder, SequentialTakesHoldersSharedPtrsAndModuleObjects) {
  nn::Linear first(4, 3);
  auto relu = std::make_shared<nn::ReLUImpl>();
  nn::Sequential seq{first, relu, nn::LinearImpl(3, 2)};
  seq->push_back(nn::Sigmoid());
  ASSERT_EQ(seq->size(), 4u);
  EXPECT_EQ(seq[0].get(), first.get());
  EXPECT_EQ(seq[1].get(), relu.get());
  EXPECT_EQ(seq->at<nn::LinearImpl>(2).options.out_features(), 2);
  EXPECT_EQ(seq->ptr<nn::SigmoidImpl>(3)->name(), "Sigmoid");
  EXPECT_THROW(seq->at<nn::LinearImpl>(1), std::invalid_argument);
  EXPECT_EQ(seq(ag::ones({1, 4})).sizes(), (ag::Dims{1, 2}));
  static_assert(!std::is_constructible_v<nn::SequentialImpl, nn::LinearImpl&>, "an lvalue module object would be copied");
  EXPECT_EQ(seq->repr().substr(0, 11), "Sequential(");
}
