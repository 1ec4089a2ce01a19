// ModuleList: PyTorch's names by position, insertion that renames, iteration,
// and the grouped repr PyTorch prints.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "ag/ag.h"
#include "ag/nn/nn.h"

namespace nn = ag::nn;

namespace {

// The libtorch pattern: a list of layers applied in a loop by the owner.
struct StackImpl : nn::Module {
  StackImpl() {
    layers = register_module("layers", nn::ModuleList(nn::Linear(4, 3), nn::Linear(3, 2)));
  }
  ag::Tensor forward(ag::Tensor x) {
    for (const auto& layer : *layers) x = layer->forward(x).relu();
    return x;
  }
  nn::ModuleList layers{nullptr};
};
AG_MODULE(Stack);

// libtorch's usual style, unqualified names under `using namespace`: nothing in
// Module may hide the containers' names from a subclass.
namespace unqualified {
using namespace ag::nn;
struct NetImpl : Module {
  NetImpl() {
    layers = register_module("layers", ModuleList(Linear(2, 2)));
    heads = register_module("heads", ModuleDict({{"out", Linear(2, 1)}}));
  }
  ModuleList layers{nullptr};
  ModuleDict heads{nullptr};
};
}  // namespace unqualified

std::vector<std::string> param_names(const nn::Module& m) { return m.named_parameters().keys(); }

}  // namespace

TEST(ModuleList, ParameterNamesAsPyTorch) {
  Stack net;
  EXPECT_EQ(param_names(*net), (std::vector<std::string>{"layers.0.weight", "layers.0.bias", "layers.1.weight",
                                                         "layers.1.bias"}));
  // forward by hand, layer by layer.
  auto x = ag::randn({5, 4});
  auto& l0 = net->layers->at<nn::LinearImpl>(0);
  auto& l1 = net->layers->at<nn::LinearImpl>(1);
  auto h = (x.matmul(l0.weight.t()) + l0.bias).relu();
  auto want = (h.matmul(l1.weight.t()) + l1.bias).relu();
  EXPECT_TRUE(net(x).allclose(want, 1e-5, 1e-6));
  // Modes reach the listed modules.
  net->eval();
  EXPECT_FALSE(net->layers[1]->is_training());
}

TEST(ModuleList, UnqualifiedInASubclass) {
  unqualified::NetImpl net;
  EXPECT_EQ(param_names(net), (std::vector<std::string>{"layers.0.weight", "layers.0.bias", "heads.out.weight",
                                                        "heads.out.bias"}));
}

TEST(ModuleList, AccessAndErrors) {
  nn::ModuleList list{nn::Linear(2, 2), nn::ReLU()};
  EXPECT_EQ(list->size(), 2u);
  EXPECT_FALSE(list->is_empty());
  EXPECT_EQ(list[-1]->name(), "ReLU");
  EXPECT_EQ(list->ptr(0)->name(), "Linear");
  EXPECT_EQ(list->ptr<nn::LinearImpl>(0)->options.in_features(), 2);
  EXPECT_THROW(list->ptr(2), std::out_of_range);
  EXPECT_THROW(list[-3], std::out_of_range);
  EXPECT_THROW(list->at<nn::LinearImpl>(1), std::invalid_argument);
  std::vector<std::string> names;
  for (const auto& m : *list) names.push_back(m->name());
  EXPECT_EQ(names, (std::vector<std::string>{"Linear", "ReLU"}));
  EXPECT_TRUE(nn::ModuleList()->is_empty());
}

TEST(ModuleList, InsertRenamesTheModulesAfterIt) {
  nn::Linear a(2, 3), b(3, 1);
  nn::ModuleList list{a, b};
  list->insert(1, nn::ReLU());
  EXPECT_EQ(list->named_children().keys(), (std::vector<std::string>{"0", "1", "2"}));
  EXPECT_EQ(list[1]->name(), "ReLU");
  EXPECT_EQ(list[2].get(), b.get());
  EXPECT_EQ(param_names(*list), (std::vector<std::string>{"0.weight", "0.bias", "2.weight", "2.bias"}));
  EXPECT_TRUE(list->named_parameters()["2.weight"].is_same(b->weight));
  list->insert(-1, nn::Sigmoid());  // before the last, as Python's list.insert
  EXPECT_EQ(list[2]->name(), "Sigmoid");
  EXPECT_EQ(list[3].get(), b.get());
  list->insert(4, nn::Tanh());  // at the end
  EXPECT_EQ(list[4]->name(), "Tanh");
  list->insert(0, nn::Tanh());
  EXPECT_EQ(list[1].get(), a.get());
  EXPECT_EQ(list->named_children()["0"]->name(), "Tanh");
  EXPECT_EQ(list->named_children().keys(), (std::vector<std::string>{"0", "1", "2", "3", "4", "5"}));
  EXPECT_THROW(list->insert(7, nn::ReLU()), std::out_of_range);
  EXPECT_THROW(list->insert(-7, nn::ReLU()), std::out_of_range);
}

TEST(ModuleList, ExtendAndPushBack) {
  nn::ModuleList list;
  list->push_back(nn::Linear(1, 1));
  list->push_back(std::make_shared<nn::ReLUImpl>());
  nn::ModuleList other{nn::Tanh()};
  list->extend(other);
  list->extend(std::vector<nn::ModulePtr>{std::make_shared<nn::SigmoidImpl>()});
  list->extend(*list);  // reads the modules before appending
  ASSERT_EQ(list->size(), 8u);
  EXPECT_EQ(list[2].get(), other[0].get());
  EXPECT_EQ(list[4].get(), list[0].get());
  // The same module under two names counts once.
  EXPECT_EQ(list->parameters().size(), 2u);
  EXPECT_EQ(list->named_children().size(), 4u);
}

TEST(ModuleList, ReprGroupsRepeatsAsPyTorch) {
  // Python: nn.ModuleList([nn.Linear(4, 4), nn.Linear(4, 4), nn.Linear(4, 4), nn.ReLU(), nn.Linear(4, 2)])
  nn::ModuleList list{nn::Linear(4, 4), nn::Linear(4, 4), nn::Linear(4, 4), nn::ReLU(), nn::Linear(4, 2)};
  EXPECT_EQ(list->repr(),
            "ModuleList(\n"
            "  (0-2): 3 x Linear(in_features=4, out_features=4, bias=True)\n"
            "  (3): ReLU()\n"
            "  (4): Linear(in_features=4, out_features=2, bias=True)\n"
            ")");
  EXPECT_EQ(nn::ModuleList()->repr(), "ModuleList()");
  Stack net;
  EXPECT_EQ(net->repr(),
            "Stack(\n"
            "  (layers): ModuleList(\n"
            "    (0): Linear(in_features=4, out_features=3, bias=True)\n"
            "    (1): Linear(in_features=3, out_features=2, bias=True)\n"
            "  )\n"
            ")");
  // Nested lists indent the group lines too. (A holder built from one holder or
  // shared_ptr of its own kind is that same list, as in libtorch; nest with push_back.)
  nn::ModuleList outer;
  outer->push_back(nn::ModuleList(nn::ReLU(), nn::ReLU()));
  EXPECT_EQ(outer->repr(),
            "ModuleList(\n"
            "  (0): ModuleList(\n"
            "    (0-1): 2 x ReLU()\n"
            "  )\n"
            ")");
}
