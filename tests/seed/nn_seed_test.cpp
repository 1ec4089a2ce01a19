// The seed notes' "Neural Network Layers" and "Neural Network Implement"
// sections, each snippet as its C++ twin.
#include <gtest/gtest.h>

#include "ag/ag.h"
#include "ag/nn/nn.h"

namespace nn = ag::nn;

namespace {

// First form: the layers wrapped in a Sequential member named `model`.
class MultilayerPerceptron : public nn::Module {
 public:
  MultilayerPerceptron(int64_t input_size, int64_t hidden_size) : input_size(input_size), hidden_size(hidden_size) {
    // Braces: C++ evaluates a braced list left to right (parenthesised arguments in an
    // unspecified order), so the layers draw their initial values in PyTorch's order.
    model = register_module("model", nn::Sequential{nn::Linear(input_size, hidden_size), nn::ReLU(),
                                                    nn::Linear(hidden_size, input_size), nn::Sigmoid()});
  }

  ag::Tensor forward(const ag::Tensor& x) override {
    auto output = model->forward(x);
    return output;
  }

  int64_t input_size, hidden_size;
  nn::Sequential model;
};

// Second form: each layer its own member.
class MultilayerPerceptronLayers : public nn::Module {
 public:
  MultilayerPerceptronLayers(int64_t input_size, int64_t hidden_size)
      : input_size(input_size), hidden_size(hidden_size) {
    linear = register_module("linear", nn::Linear(input_size, hidden_size));
    relu = register_module("relu", nn::ReLU());
    linear2 = register_module("linear2", nn::Linear(hidden_size, input_size));
    sigmoid = register_module("sigmoid", nn::Sigmoid());
  }

  ag::Tensor forward(const ag::Tensor& x) override {
    auto h = linear->forward(x);
    auto r = relu->forward(h);
    auto h2 = linear2->forward(r);
    auto output = sigmoid->forward(h2);
    return output;
  }

  int64_t input_size, hidden_size;
  nn::Linear linear{nullptr}, linear2{nullptr};
  nn::ReLU relu;
  nn::Sigmoid sigmoid;
};

std::vector<std::string> shapes(const nn::Module& m) {
  std::vector<std::string> out;
  for (const auto& [name, p] : m.named_parameters()) out.push_back(name + " " + ag::to_string(p.sizes()));
  return out;
}

}  // namespace

TEST(SeedNN, LinearLayerMapsNStarHinToNStarHout) {
  auto input = ag::ones({2, 3, 4});
  auto linear = nn::Linear(4, 2);
  auto linear_output = linear(input);
  EXPECT_EQ(linear_output.sizes(), (ag::Dims{2, 3, 2}));  // torch.Size([2, 3, 2])
  // Every position sees the same all-ones row: W·1 + b.
  auto expected = linear->weight.sum({1}) + linear->bias;
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 3; ++j) EXPECT_TRUE(linear_output[i][j].allclose(expected));
}

TEST(SeedNN, SequentialBlock) {
  nn::Sequential block{nn::Linear(4, 2), nn::Sigmoid()};
  auto input = ag::ones({2, 3, 4});
  auto output = block(input);
  EXPECT_EQ(output.sizes(), (ag::Dims{2, 3, 2}));
  EXPECT_GT(output.min().item(), 0.0);
  EXPECT_LT(output.max().item(), 1.0);
  EXPECT_EQ(block->repr(), "Sequential(\n  (0): Linear(in_features=4, out_features=2, bias=True)\n  (1): Sigmoid()\n)");
}

TEST(SeedNN, MultilayerPerceptronWithSequentialMember) {
  auto input = ag::randn({2, 5});
  auto model = std::make_shared<MultilayerPerceptron>(5, 3);
  auto predict = model->forward(input);
  EXPECT_EQ(predict.sizes(), (ag::Dims{2, 5}));
  EXPECT_EQ(shapes(*model), (std::vector<std::string>{"model.0.weight [3, 5]", "model.0.bias [3]",
                                                      "model.2.weight [5, 3]", "model.2.bias [5]"}));
  EXPECT_EQ(model->repr(),
            "MultilayerPerceptron(\n"
            "  (model): Sequential(\n"
            "    (0): Linear(in_features=5, out_features=3, bias=True)\n"
            "    (1): ReLU()\n"
            "    (2): Linear(in_features=3, out_features=5, bias=True)\n"
            "    (3): Sigmoid()\n"
            "  )\n"
            ")");
}

TEST(SeedNN, MultilayerPerceptronWithLayerMembers) {
  auto input = ag::randn({2, 5});
  auto model = std::make_shared<MultilayerPerceptronLayers>(5, 3);
  auto predict = model->forward(input);
  EXPECT_EQ(predict.sizes(), (ag::Dims{2, 5}));
  EXPECT_EQ(shapes(*model), (std::vector<std::string>{"linear.weight [3, 5]", "linear.bias [3]",
                                                      "linear2.weight [5, 3]", "linear2.bias [5]"}));
  EXPECT_EQ(model->named_children().keys(), (std::vector<std::string>{"linear", "relu", "linear2", "sigmoid"}));
}

TEST(SeedNN, BothFormsDrawTheSameParametersAndAgree) {
  // Construction order is the same in both forms, so a seed gives the same weights
  // (as torch.manual_seed does for the two Python classes).
  ag::manual_seed(0);
  MultilayerPerceptron a(5, 3);
  ag::manual_seed(0);
  MultilayerPerceptronLayers b(5, 3);
  auto pa = a.parameters(), pb = b.parameters();
  ASSERT_EQ(pa.size(), pb.size());
  for (size_t i = 0; i < pa.size(); ++i) EXPECT_TRUE(pa[i].equal(pb[i])) << i;
  auto input = ag::randn({2, 5});
  EXPECT_TRUE(a.forward(input).equal(b.forward(input)));
  // The state_dict of one loads into the other only by matching names, which differ.
  EXPECT_THROW(b.load_state_dict(a.state_dict()), std::runtime_error);
}
