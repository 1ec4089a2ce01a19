// ModuleDict: modules by name, in insertion order, registered under those names.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "ag/ag.h"
#include "ag/nn/nn.h"

namespace nn = ag::nn;

namespace {

struct CoderImpl : nn::Module {
  CoderImpl() {
    blocks = register_module("blocks", nn::ModuleDict({{"enc", nn::Linear(4, 2)}, {"dec", nn::Linear(2, 4)}}));
  }
  ag::Tensor forward(ag::Tensor x) {
    return blocks->at<nn::LinearImpl>("dec").forward(blocks->at<nn::LinearImpl>("enc").forward(x));
  }
  nn::ModuleDict blocks{nullptr};
};
AG_MODULE(Coder);

}  // namespace

TEST(ModuleDict, ParameterNamesAsPyTorch) {
  Coder net;
  EXPECT_EQ(net->named_parameters().keys(),
            (std::vector<std::string>{"blocks.enc.weight", "blocks.enc.bias", "blocks.dec.weight", "blocks.dec.bias"}));
  EXPECT_EQ(net->repr(),
            "Coder(\n"
            "  (blocks): ModuleDict(\n"
            "    (enc): Linear(in_features=4, out_features=2, bias=True)\n"
            "    (dec): Linear(in_features=2, out_features=4, bias=True)\n"
            "  )\n"
            ")");
  auto x = ag::randn({3, 4});
  auto& enc = net->blocks->at<nn::LinearImpl>("enc");
  auto& dec = net->blocks->at<nn::LinearImpl>("dec");
  auto want = (x.matmul(enc.weight.t()) + enc.bias).matmul(dec.weight.t()) + dec.bias;
  EXPECT_TRUE(net(x).allclose(want, 1e-5, 1e-6));
}

TEST(ModuleDict, LookupKeysValuesItems) {
  nn::Linear enc(4, 2);
  auto act = std::make_shared<nn::ReLUImpl>();
  // libtorch's constructor: a vector of (name, shared_ptr<Module>) pairs.
  std::vector<std::pair<std::string, nn::ModulePtr>> pairs{{"enc", enc.ptr()}, {"act", act}};
  nn::ModuleDict dict(pairs);
  EXPECT_EQ(dict->size(), 2u);
  EXPECT_EQ(dict->keys(), (std::vector<std::string>{"enc", "act"}));
  EXPECT_EQ(dict["enc"].get(), enc.get());
  EXPECT_TRUE(dict->contains("act"));
  EXPECT_FALSE(dict->contains("dec"));
  EXPECT_EQ(dict->values()[1].get(), act.get());
  auto items = dict->items();
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[1].first, "act");
  EXPECT_EQ(items[1].second.get(), act.get());
  std::vector<std::string> seen;
  for (const auto& [name, m] : *dict) seen.push_back(name + "=" + m->name());
  EXPECT_EQ(seen, (std::vector<std::string>{"enc=Linear", "act=ReLU"}));
  EXPECT_EQ(dict->ptr<nn::LinearImpl>("enc").get(), enc.get());
  EXPECT_THROW(dict["dec"], std::out_of_range);
  EXPECT_THROW(dict->at<nn::LinearImpl>("act"), std::invalid_argument);
  EXPECT_TRUE(nn::ModuleDict()->is_empty());
}

TEST(ModuleDict, UpdateReplacesInPlaceAndAppends) {
  nn::ModuleDict dict({{"a", nn::Linear(1, 1)}, {"b", nn::ReLU()}});
  nn::Linear replacement(1, 3);
  dict->update({{"a", replacement}, {"c", nn::Tanh()}});
  EXPECT_EQ(dict->keys(), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(dict["a"].get(), replacement.get());
  EXPECT_EQ(dict->named_children().keys(), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_TRUE(dict->named_parameters()["a.weight"].is_same(replacement->weight));
  nn::ModuleDict other({{"d", nn::Sigmoid()}, {"b", nn::Tanh()}});
  dict->update(other);
  EXPECT_EQ(dict->keys(), (std::vector<std::string>{"a", "b", "c", "d"}));
  EXPECT_EQ(dict["b"]->name(), "Tanh");
  dict->insert("e", nn::ReLUImpl());
  EXPECT_EQ(dict->keys().back(), "e");
  EXPECT_THROW(dict->insert("x.y", nn::ReLU()), std::invalid_argument);
  EXPECT_THROW(dict->insert("", nn::ReLU()), std::invalid_argument);
  EXPECT_EQ(dict->size(), 5u);  // the refused names left nothing behind
}

TEST(ModuleDict, PopAndClearUnregister) {
  nn::Linear enc(2, 2);
  nn::ModuleDict dict({{"enc", enc}, {"act", nn::ReLU()}, {"dec", nn::Linear(2, 1)}});
  auto popped = dict->pop("enc");
  EXPECT_EQ(popped.get(), enc.get());
  EXPECT_EQ(dict->keys(), (std::vector<std::string>{"act", "dec"}));
  EXPECT_EQ(dict->named_children().keys(), (std::vector<std::string>{"act", "dec"}));
  EXPECT_EQ(dict->named_parameters().keys(), (std::vector<std::string>{"dec.weight", "dec.bias"}));
  EXPECT_THROW(dict->pop("enc"), std::out_of_range);
  // The name is free again.
  dict->insert("enc", enc);
  EXPECT_EQ(dict->keys(), (std::vector<std::string>{"act", "dec", "enc"}));
  dict->clear();
  EXPECT_TRUE(dict->empty());
  EXPECT_TRUE(dict->named_children().empty());
  EXPECT_TRUE(dict->parameters().empty());
  EXPECT_EQ(dict->repr(), "ModuleDict()");
}
