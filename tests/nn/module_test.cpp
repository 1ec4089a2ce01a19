// Module: registration, PyTorch's dotted names and order, deduplication of
// tied parameters, modes, zero_grad, dtype conversion and repr.
#include <gtest/gtest.h>

#include <sstream>

#include "ag/ag.h"
#include "ag/nn/nn.h"

namespace nn = ag::nn;

namespace {

// A module that registers its own parameter after a child, and a buffer.
struct Block : nn::Module {
  Block() {
    fc = register_module("fc", nn::Linear(3, 2));
    scale = register_parameter("scale", ag::ones({2}));
    register_buffer("steps", ag::zeros({1}));
    register_buffer("scratch", ag::zeros({2}), /*persistent=*/false);
  }
  ag::Tensor forward(const ag::Tensor& x) override { return fc->forward(x) * scale; }
  nn::Linear fc{nullptr};
  ag::Tensor scale;
};

std::vector<std::string> keys(const ag::NamedTensors& d) { return d.keys(); }
std::vector<std::string> keys(const ag::StateDict& d) { return d.keys(); }

}  // namespace

TEST(Module, SequentialNamesChildrenByIndex) {
  nn::Sequential seq{nn::Linear(4, 3), nn::ReLU(), nn::Linear(3, 2)};
  EXPECT_EQ(keys(seq->named_parameters()), (std::vector<std::string>{"0.weight", "0.bias", "2.weight", "2.bias"}));
  EXPECT_EQ(seq->parameters().size(), 4u);
  EXPECT_EQ(seq->named_children().keys(), (std::vector<std::string>{"0", "1", "2"}));
  EXPECT_EQ(seq->size(), 3u);
  EXPECT_EQ(seq[-1]->name(), "Linear");
  EXPECT_EQ(seq->at<nn::LinearImpl>(0).options.out_features(), 3);
  EXPECT_THROW(seq->at<nn::ReLU>(0), std::invalid_argument);
  EXPECT_THROW(seq[3], std::out_of_range);
}

TEST(Module, OwnParametersComeBeforeChildrenAsInPyTorch) {
  Block b;
  // named_modules is pre-order, so a module's own parameters precede its children's.
  EXPECT_EQ(keys(b.named_parameters()), (std::vector<std::string>{"scale", "fc.weight", "fc.bias"}));
  EXPECT_EQ(keys(b.named_parameters(/*recurse=*/false)), (std::vector<std::string>{"scale"}));
  EXPECT_EQ(keys(b.named_buffers()), (std::vector<std::string>{"steps", "scratch"}));
  // state_dict: own parameters, own persistent buffers, then children.
  EXPECT_EQ(keys(b.state_dict()), (std::vector<std::string>{"scale", "steps", "fc.weight", "fc.bias"}));
  EXPECT_TRUE(b.scale.requires_grad());
  EXPECT_FALSE(b.named_buffers()["steps"].requires_grad());
}

TEST(Module, TiedParametersAreListedOnce) {
  auto shared = nn::Linear(2, 2);
  nn::Sequential seq(shared, nn::Tanh(), shared);
  EXPECT_EQ(keys(seq->named_parameters()), (std::vector<std::string>{"0.weight", "0.bias"}));
  // state_dict keeps every name, as PyTorch's does.
  EXPECT_EQ(keys(seq->state_dict()), (std::vector<std::string>{"0.weight", "0.bias", "2.weight", "2.bias"}));

  // Weight tying by re-registering another module's parameter.
  auto a = nn::Linear(3, 3), b = nn::Linear(3, 3);
  b->weight = b->register_parameter("weight", a->weight);
  nn::Sequential tied(a, b);
  EXPECT_EQ(keys(tied->named_parameters()), (std::vector<std::string>{"0.weight", "0.bias", "1.bias"}));
  auto params = tied->parameters();
  EXPECT_TRUE(params[0].is_same(a->weight));
  // Both uses contribute to the one gradient: compare with the same graph built from plain leaves.
  auto x = ag::randn({2, 3});
  tied->forward(x).sum().backward();
  auto w = a->weight.detach().clone().requires_grad_();
  nn::functional::linear(nn::functional::linear(x, w, a->bias.detach()), w, b->bias.detach()).sum().backward();
  EXPECT_TRUE(a->weight.grad().allclose(w.grad()));
}

TEST(Module, RegistrationErrorsNameTheProblem) {
  nn::Module m;
  EXPECT_THROW(m.register_parameter("a.b", ag::zeros({1})), std::invalid_argument);
  EXPECT_THROW(m.register_parameter("", ag::zeros({1})), std::invalid_argument);
  m.register_buffer("x", ag::zeros({1}));
  try {
    m.register_parameter("x", ag::zeros({1}));
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("already registered as a buffer"), std::string::npos) << e.what();
  }
  auto w = ag::ones({2}, ag::requires_grad());
  EXPECT_THROW(m.register_parameter("w", w * 2), std::invalid_argument);  // not a leaf
  EXPECT_THROW(m.forward(ag::ones({1})), std::logic_error);
  // An undefined parameter is a registered None: not listed, not saved.
  m.register_parameter("none", ag::Tensor());
  EXPECT_TRUE(m.named_parameters().empty());
}

TEST(Module, TrainEvalIsRecursive) {
  auto inner = nn::Dropout(0.5);
  nn::Sequential seq{nn::Linear(2, 2), nn::Sequential{inner, nn::ReLU()}};
  EXPECT_TRUE(seq->is_training());
  seq->eval();
  EXPECT_FALSE(seq->is_training());
  EXPECT_FALSE(inner->is_training());
  seq->train();
  EXPECT_TRUE(inner->is_training());
  int visited = 0;
  seq->apply([&](nn::Module&) { ++visited; });
  EXPECT_EQ(visited, 5);  // seq, Linear, inner Sequential, Dropout, ReLU
}

TEST(Module, ZeroGradSetsToNoneOrZeros) {
  nn::Linear lin(3, 2);
  lin->forward(ag::ones({4, 3})).sum().backward();
  ASSERT_TRUE(lin->weight.grad().defined());
  lin->zero_grad(/*set_to_none=*/false);
  EXPECT_TRUE(lin->weight.grad().defined());
  EXPECT_EQ(lin->weight.grad().abs().sum().item(), 0.0);
  lin->zero_grad();
  EXPECT_FALSE(lin->weight.grad().defined());
  EXPECT_FALSE(lin->bias.grad().defined());
}

TEST(Module, ToDtypeKeepsTensorIdentity) {
  nn::Linear lin(3, 2);
  ag::Tensor w = lin->weight;
  ag::Tensor before = w.detach().clone();
  lin->to(ag::kFloat64);
  EXPECT_EQ(w.dtype(), ag::kFloat64);  // the same handle sees the conversion
  EXPECT_TRUE(w.allclose(before.to(ag::kFloat64)));
  EXPECT_TRUE(w.requires_grad());
  auto y = lin->forward(ag::ones({1, 3}, ag::kFloat64));
  EXPECT_EQ(y.dtype(), ag::kFloat64);
  EXPECT_THROW(lin->to(ag::kInt64), std::invalid_argument);
}

TEST(Module, ReprMatchesPyTorch) {
  nn::Sequential block{nn::Linear(4, 2), nn::Sigmoid()};
  EXPECT_EQ(block->repr(),
            "Sequential(\n"
            "  (0): Linear(in_features=4, out_features=2, bias=True)\n"
            "  (1): Sigmoid()\n"
            ")");
  nn::Sequential nested{nn::Linear(3, 5, false), nn::LeakyReLU(), nn::Dropout(0.25),
                        nn::Sequential{nn::GELU(), nn::Softmax(1)}, nn::Flatten(), nn::Identity(), nn::Tanh(),
                        nn::LogSoftmax(-1)};
  EXPECT_EQ(nested->repr(),
            "Sequential(\n"
            "  (0): Linear(in_features=3, out_features=5, bias=False)\n"
            "  (1): LeakyReLU(negative_slope=0.01)\n"
            "  (2): Dropout(p=0.25, inplace=False)\n"
            "  (3): Sequential(\n"
            "    (0): GELU(approximate='none')\n"
            "    (1): Softmax(dim=1)\n"
            "  )\n"
            "  (4): Flatten(start_dim=1, end_dim=-1)\n"
            "  (5): Identity()\n"
            "  (6): Tanh()\n"
            "  (7): LogSoftmax(dim=-1)\n"
            ")");
  std::ostringstream os;
  auto ptr = nn::ReLU();
  os << ptr << " " << nn::Sequential() << " " << nn::CrossEntropyLoss() << " " << nn::LeakyReLU(1e-5);
  EXPECT_EQ(os.str(), "ReLU() Sequential() CrossEntropyLoss() LeakyReLU(negative_slope=1e-05)");
  EXPECT_EQ(nn::LeakyReLU(2)->repr(), "LeakyReLU(negative_slope=2.0)");
  EXPECT_EQ(nn::Dropout(0.0001)->repr(), "Dropout(p=0.0001, inplace=False)");
}

TEST(Module, SequentialForwardChainsAndEmptyIsIdentity) {
  ag::manual_seed(3);
  auto l1 = nn::Linear(4, 3);
  auto l2 = nn::Linear(3, 2);
  nn::Sequential seq(l1, nn::ReLU(), l2);
  auto x = ag::randn({5, 4});
  EXPECT_TRUE(seq->forward(x).equal(l2->forward(l1->forward(x).relu())));
  nn::Sequential empty;
  EXPECT_TRUE(empty->forward(x).is_same(x));
  empty->push_back(nn::Identity());
  EXPECT_EQ(empty->size(), 1u);
  EXPECT_TRUE(empty(x).is_same(x));
}
