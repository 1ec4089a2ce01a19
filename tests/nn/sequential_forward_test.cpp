// Sequential calls each module's forward as the module's own class declares it
// (by value, with default arguments, hiding a parent's), and refuses at compile
// time a module whose forward cannot be chained.
#include <gtest/gtest.h>

#include <memory>
#include <tuple>

#include "ag/ag.h"
#include "ag/nn/nn.h"

namespace nn = ag::nn;

namespace {

// libtorch's usual spelling: forward by value, hiding Module's virtual forward.
struct AffineImpl : nn::Module {
  AffineImpl(double scale, double shift) : scale(scale), shift(shift) {}
  ag::Tensor forward(ag::Tensor x) { return x * scale + shift; }
  double scale, shift;
};
AG_MODULE(Affine);

// A layer subclass whose forward hides (does not override) the parent's: called
// as a LinearImpl it would silently compute the plain linear map.
struct DoubledLinearImpl : nn::LinearImpl {
  using nn::LinearImpl::LinearImpl;
  ag::Tensor forward(ag::Tensor x) { return nn::LinearImpl::forward(x) * 2; }
};

// One tensor is enough thanks to a default argument.
struct MaskedImpl : nn::Module {
  ag::Tensor forward(const ag::Tensor& x, const ag::Tensor& mask = ag::Tensor()) {
    return mask.defined() ? x * mask : x - 1;
  }
};
AG_MODULE(Masked);

// Forwards that cannot be chained.
struct TwoInputsImpl : nn::Module {
  ag::Tensor forward(ag::Tensor a, ag::Tensor b) { return a + b; }
};
AG_MODULE(TwoInputs);
struct PairOutputImpl : nn::Module {
  std::tuple<ag::Tensor, ag::Tensor> forward(ag::Tensor x) { return {x, x}; }
};

template <typename M>
concept CallableWithOneTensor = requires(M& m, ag::Tensor x) { m(x); };
template <typename M>
concept CallableWithTwoTensors = requires(M& m, ag::Tensor x) { m(x, x); };

}  // namespace

static_assert(nn::ChainableModule<AffineImpl>);
static_assert(nn::ChainableModule<DoubledLinearImpl>);
static_assert(nn::ChainableModule<MaskedImpl>);
static_assert(nn::ChainableModule<nn::LinearImpl>);
static_assert(!nn::ChainableModule<TwoInputsImpl>, "forward(Tensor, Tensor) cannot be fed one tensor");
static_assert(!nn::ChainableModule<PairOutputImpl>, "a tuple cannot feed the next module");
// What push_back checks is the class the argument holds, whichever way it is given.
static_assert(std::same_as<nn::detail::held_t<TwoInputs>, TwoInputsImpl>);
static_assert(std::same_as<nn::detail::held_t<std::shared_ptr<TwoInputsImpl>>, TwoInputsImpl>);
static_assert(std::same_as<nn::detail::held_t<TwoInputsImpl&&>, TwoInputsImpl>);
// Module has no operator()(x) that would reach the virtual forward past a hiding one.
static_assert(!CallableWithOneTensor<AffineImpl>);
static_assert(!CallableWithOneTensor<nn::Module>);
// The holder calls the class's own forward with any arguments.
static_assert(CallableWithOneTensor<Affine>);
static_assert(CallableWithTwoTensors<TwoInputs>);

TEST(SequentialForward, ByValueForwardOfAUserModule) {
  nn::Sequential seq{Affine(2.0, 1.0), Affine(-1.0, 0.5)};
  auto x = ag::tensor({1.0, -2.0, 0.25}, ag::kFloat64);
  // (2x + 1)·(−1) + 0.5 = −2x − 0.5
  EXPECT_TRUE(seq(x).equal(ag::tensor({-2.5, 3.5, -1.0}, ag::kFloat64)));
}

TEST(SequentialForward, EveryWayOfAddingKeepsTheOwnForward) {
  auto x = ag::tensor({3.0}, ag::kFloat64);
  nn::Sequential seq;
  seq->push_back(Affine(1.0, 1.0));                        // holder
  seq->push_back(std::make_shared<AffineImpl>(2.0, 0.0));  // shared_ptr
  seq->push_back(AffineImpl(1.0, -4.0));                   // moved object
  seq->push_back(Masked());                                // default argument
  // ((3 + 1)·2 − 4) − 1 = 3
  EXPECT_DOUBLE_EQ(seq(x).item(), 3.0);
  EXPECT_EQ(seq->size(), 4u);
  EXPECT_EQ(seq->named_children().keys(), (std::vector<std::string>{"0", "1", "2", "3"}));
}

TEST(SequentialForward, ForwardHidingAParentsOverride) {
  ag::manual_seed(3);
  auto layer = std::make_shared<DoubledLinearImpl>(3, 2);
  nn::Sequential seq{layer};
  auto x = ag::randn({4, 3});
  auto want = (x.matmul(layer->weight.t()) + layer->bias) * 2;
  EXPECT_TRUE(seq(x).allclose(want, 1e-5, 1e-6));
  // Added as a plain Module, only the virtual forward is known.
  nn::Sequential erased{std::shared_ptr<nn::Module>(layer)};
  EXPECT_TRUE(erased(x).allclose(want / 2, 1e-5, 1e-6));
}

TEST(SequentialForward, ExtendKeepsTheCapturedForwards) {
  nn::Sequential head{Affine(3.0, 0.0)};
  nn::Sequential tail{Affine(1.0, 2.0)};
  head->extend(tail);
  head->extend(*tail);
  // ((5·3) + 2) + 2
  EXPECT_DOUBLE_EQ(head(ag::tensor({5.0}, ag::kFloat64)).item(), 19.0);
  EXPECT_EQ(head->size(), 3u);
  // From a list of holders.
  std::vector<Affine> more{Affine(0.0, 7.0)};
  head->extend(more);
  EXPECT_DOUBLE_EQ(head(ag::tensor({5.0}, ag::kFloat64)).item(), 7.0);
}

TEST(SequentialForward, IndexingAndErrors) {
  nn::Sequential seq{nn::Linear(2, 2), Affine(1.0, 0.0)};
  EXPECT_EQ(seq->ptr(-1).get(), seq[1].get());
  EXPECT_EQ(seq->ptr<AffineImpl>(1)->scale, 1.0);
  EXPECT_THROW(seq->ptr(2), std::out_of_range);
  EXPECT_THROW(seq->ptr(-3), std::out_of_range);
  try {
    seq->at<AffineImpl>(0);
    FAIL() << "expected invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("Sequential::at(0): the module is a Linear"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(seq->is_empty());
  EXPECT_TRUE(nn::Sequential()->is_empty());
}
