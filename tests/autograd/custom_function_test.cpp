// Custom autograd functions (Function<T>::apply with an AutogradContext).
#include <gtest/gtest.h>

#include "ag/ag.h"

using ag::Tensor;
using ag::TensorList;
using namespace ag::autograd;

namespace {

// y = x·c + x²·w, with the two outputs y and its row sums, to exercise two outputs.
struct ScaleAndSquare : Function<ScaleAndSquare> {
  static variable_list forward(AutogradContext* ctx, Tensor x, double c, Tensor w) {
    ctx->save_for_backward({x, w});
    ctx->saved_data["c"] = c;
    Tensor y = x * c + x * x * w;
    return {y, y.sum({1})};
  }
  static variable_list backward(AutogradContext* ctx, variable_list g) {
    auto saved = ctx->get_saved_variables();
    const Tensor& x = saved[0];
    const Tensor& w = saved[1];
    const double c = ctx->saved_data["c"].toDouble();
    Tensor gy = g[0] + g[1].unsqueeze(1).expand_as(g[0]);
    return {gy * (c + 2.0 * x * w), Tensor(), (gy * x * x).sum({0})};
  }
};

struct Identity : Function<Identity> {
  static Tensor forward(AutogradContext*, Tensor x) { return x; }
  static variable_list backward(AutogradContext*, variable_list g) { return {g[0] * 2.0}; }
};

struct WrongCount : Function<WrongCount> {
  static Tensor forward(AutogradContext*, Tensor x) { return x * 1.0; }
  static variable_list backward(AutogradContext*, variable_list g) { return {g[0], g[0]}; }
};

}  // namespace

TEST(CustomFunction, GradcheckInFloat64) {
  ag::Generator gen(5);
  Tensor x = ag::randn({3, 4}, ag::kFloat64, &gen).requires_grad_(true);
  Tensor w = ag::randn({4}, ag::kFloat64, &gen).requires_grad_(true);
  auto first = [](const TensorList& in) { return ScaleAndSquare::apply(in[0], 1.5, in[1])[0]; };
  auto second = [](const TensorList& in) { return ScaleAndSquare::apply(in[0], -0.5, in[1])[1]; };
  auto both = [](const TensorList& in) {
    auto out = ScaleAndSquare::apply(in[0], 2.0, in[1]);
    return out[0].sum() + out[1].pow(2.0).sum();
  };
  for (auto fn : {std::function<Tensor(const TensorList&)>(first), std::function<Tensor(const TensorList&)>(second),
                  std::function<Tensor(const TensorList&)>(both)}) {
    auto r = ag::gradcheck(fn, {x, w});
    EXPECT_TRUE(r.ok) << r.message;
  }
}

TEST(CustomFunction, OnlyRecordsWhenAnInputNeedsGrad) {
  Tensor x = ag::ones({2, 2});
  Tensor w = ag::ones({2});
  auto out = ScaleAndSquare::apply(x, 1.0, w);
  EXPECT_FALSE(out[0].requires_grad());
  Tensor xr = x.clone().requires_grad_(true);
  {
    ag::NoGradGuard no_grad;
    EXPECT_FALSE(ScaleAndSquare::apply(xr, 1.0, w)[0].requires_grad());
  }
  auto rec = ScaleAndSquare::apply(xr, 1.0, w);
  EXPECT_TRUE(rec[0].requires_grad());
  EXPECT_EQ(rec[0].grad_fn()->name(), "CppNode");
  // An output left unused gets zeros (materialized), so backward sees only the used one.
  rec[1].sum().backward();
  EXPECT_TRUE(xr.grad().allclose(ag::full({2, 2}, 3.0)));  // c + 2·x·w = 3
}

TEST(CustomFunction, AnInputReturnedAsIsKeepsItsOwnHistory) {
  Tensor x = ag::ones({3}).requires_grad_(true);
  Tensor y = Identity::apply(x);
  EXPECT_FALSE(y.is_same(x));
  EXPECT_TRUE(x.is_leaf());
  y.sum().backward();
  EXPECT_TRUE(x.grad().equal(ag::full({3}, 2.0)));
}

TEST(CustomFunction, WrongGradientCountIsAnError) {
  Tensor x = ag::ones({2}).requires_grad_(true);
  try {
    WrongCount::apply(x).sum().backward();
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("returned 2 gradients, expected 1"), std::string::npos) << e.what();
  }
}

TEST(CustomFunction, IValueConversions) {
  IValue d = 2.5, i = int64_t{3}, b = true, s = "name";
  EXPECT_DOUBLE_EQ(d.toDouble(), 2.5);
  EXPECT_DOUBLE_EQ(i.toDouble(), 3.0);
  EXPECT_EQ(i.toInt(), 3);
  EXPECT_TRUE(b.toBool());
  EXPECT_EQ(s.toStringRef(), "name");
  EXPECT_THROW(d.toInt(), std::logic_error);
  EXPECT_THROW(IValue().toTensor(), std::logic_error);
}
