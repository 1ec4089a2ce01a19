// The GPT: nanoGPT's state_dict keys, the tied head, its init, gradients against
// finite differences in float64, and the cached forward against the full one.
#include <gtest/gtest.h>

#include <cmath>

#include "ag/ag.h"
#include "ag/gradcheck.h"
#include "gpt.h"
#include "registry.h"

namespace {

using ag::Tensor;
using ag::models::GPT;
using ag::models::GPTConfig;

GPTConfig tiny(double dropout = 0, bool bias = true) {
  GPTConfig c;
  c.layers = 2;
  c.heads = 2;
  c.dim = 8;
  c.context = 6;
  c.dropout = dropout;
  c.bias = bias;
  return c;
}

Tensor tokens(int64_t b, int64_t t, uint64_t seed) {
  ag::Generator g(seed);
  return ag::randint(0, 256, {b, t}, ag::kInt64, &g);
}

TEST(Gpt, StateDictKeysAreNanoGPTs) {
  ag::manual_seed(0);
  GPT m(tiny());
  std::vector<std::string> want = {"transformer.wte.weight", "transformer.wpe.weight"};
  for (int i = 0; i < 2; ++i) {
    const std::string h = "transformer.h." + std::to_string(i) + ".";
    for (const char* k : {"ln_1.weight", "ln_1.bias", "attn.c_attn.weight", "attn.c_attn.bias", "attn.c_proj.weight", "attn.c_proj.bias",
                          "ln_2.weight", "ln_2.bias", "mlp.c_fc.weight", "mlp.c_fc.bias", "mlp.c_proj.weight", "mlp.c_proj.bias"})
      want.push_back(h + k);
  }
  want.push_back("transformer.ln_f.weight");
  want.push_back("transformer.ln_f.bias");
  want.push_back("lm_head.weight");
  EXPECT_EQ(m->state_dict().tensors().keys(), want);
  // The tied weight once among the parameters, under its first name (as named_parameters in PyTorch).
  std::vector<std::string> params = want;
  params.pop_back();
  EXPECT_EQ(m->named_parameters().keys(), params);
  EXPECT_EQ(m->state_dict().tensors()["transformer.h.0.attn.c_attn.weight"].sizes(), (ag::Dims{24, 8}));
}

TEST(Gpt, BiasFalseDropsEveryBias) {
  ag::manual_seed(0);
  GPT m(tiny(0, false));
  for (const auto& k : m->state_dict().tensors().keys()) EXPECT_EQ(k.find("bias"), std::string::npos) << k;
  EXPECT_EQ(m->named_parameters().size(), 2u + 2u * 6u + 1u);
}

TEST(Gpt, HeadIsTiedToTheEmbeddingAndGetsBothGradients) {
  ag::manual_seed(0);
  GPT m(tiny());
  EXPECT_TRUE(m->lm_head->weight.is_same(m->transformer->wte->weight));
  Tensor x = tokens(2, 6, 1);
  ag::nn::functional::cross_entropy(m(x).view({-1, 256}), tokens(2, 6, 2).view({-1})).backward();
  Tensor both = m->transformer->wte->weight.grad().clone();
  // Only the head's use: the embedding lookup cut off by feeding the stream from a detached copy.
  m->zero_grad();
  Tensor emb = m->transformer->wte->weight.detach();
  Tensor x_emb = ag::nn::functional::embedding(x, emb) + m->transformer->wpe->weight.narrow(0, 0, 6);
  Tensor stream = x_emb.view({12, 8});
  for (auto& b : m->transformer->blocks) {
    stream = stream + b->attn->attend(b->ln_1(stream), 2, 6);
    stream = stream + b->mlp(b->ln_2(stream));
  }
  Tensor logits = m->lm_head(m->transformer->ln_f(stream));
  ag::nn::functional::cross_entropy(logits, tokens(2, 6, 2).view({-1})).backward();
  Tensor head_only = m->transformer->wte->weight.grad().clone();
  // The embedding's part is non-zero exactly on the rows of the tokens used.
  Tensor diff = (both - head_only).abs().sum(1);
  EXPECT_GT(diff.index({x[0][0].item<int64_t>()}).item(), 0);
  EXPECT_GT(head_only.abs().sum().item(), 0);
  // The state_dict has both keys, one tensor; loading such a dict keeps the tie.
  auto sd = m->state_dict();
  Tensor w = sd.tensors()["lm_head.weight"].clone();
  w.fill_(0.5);
  sd.set_tensor("lm_head.weight", w);
  sd.set_tensor("transformer.wte.weight", w);
  m->load_state_dict(sd);
  EXPECT_TRUE(m->lm_head->weight.is_same(m->transformer->wte->weight));
  EXPECT_EQ(m->transformer->wte->weight[3][4].item(), 0.5);
}

TEST(Gpt, InitFollowsNanoGPT) {
  ag::manual_seed(0);
  GPTConfig c = tiny();
  c.dim = 64;
  c.layers = 8;
  GPT m(c);
  auto std_of = [](const Tensor& t) { return std::sqrt(t.pow(2).mean().item()); };
  EXPECT_NEAR(std_of(m->transformer->h->size() ? m->transformer->blocks[0]->attn->c_attn->weight : Tensor()), 0.02, 0.002);
  EXPECT_NEAR(std_of(m->transformer->wte->weight), 0.02, 0.001);
  EXPECT_NEAR(std_of(m->transformer->blocks[3]->mlp->c_proj->weight), 0.02 / std::sqrt(16.0), 0.0005);
  EXPECT_EQ(m->transformer->blocks[0]->attn->c_attn->bias.abs().sum().item(), 0);
  EXPECT_EQ(m->transformer->ln_f->weight.sum().item(), 64);
}

TEST(Gpt, ForwardShapeAndContextErrors) {
  ag::manual_seed(0);
  GPT m(tiny());
  EXPECT_EQ(m(tokens(3, 4, 0)).sizes(), (ag::Dims{3, 4, 256}));
  EXPECT_THROW(
      {
        try {
          m(tokens(1, 7, 0));
        } catch (const std::invalid_argument& e) {
          EXPECT_NE(std::string(e.what()).find("exceed the context of 6"), std::string::npos) << e.what();
          throw;
        }
      },
      std::invalid_argument);
  EXPECT_THROW(m(ag::zeros({1, 3})), std::invalid_argument);  // float tokens
}

TEST(Gpt, SpecErrorsNameTheProblem) {
  auto message = [](const std::string& spec) {
    try {
      return ag::models::check_model_spec(spec);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
  };
  EXPECT_NE(message("gpt:layers=1,heads=3,dim=8,context=4").find("heads=3 does not divide dim=8"), std::string::npos);
  EXPECT_NE(message("gpt:layers=1,heads=2,dim=8,context=0").find("context=0 is out of range"), std::string::npos);
  EXPECT_NE(message("gpt:layers=1,heads=2,dim=8").find("needs context=N"), std::string::npos);
  EXPECT_NE(message("gpt:layers=1,heads=2,dim=8,context=4,bias=no").find("bias=no is not true or false"), std::string::npos);
  EXPECT_NE(message("gpt:layers=1,heads=2,dim=8,context=4,dropout=1").find("dropout"), std::string::npos);
  EXPECT_EQ(message("gpt:layers=1,heads=2,dim=8,context=4,bias=true,dropout=0"), "gpt:context=4,dim=8,heads=2,layers=1");
}

TEST(Gpt, GradientsMatchFiniteDifferencesInFloat64) {
  ag::manual_seed(0);
  GPTConfig c = tiny();
  c.layers = 1;
  c.dim = 4;
  c.context = 3;
  c.vocab = 5;
  GPT m(c);
  m->to(ag::kFloat64);
  Tensor x = ag::from_vector(std::vector<int64_t>{1, 4, 2, 0, 3, 3}, {2, 3});
  Tensor y = ag::from_vector(std::vector<int64_t>{4, 2, 0, 3, 3, 1}, {6});
  auto named = m->named_parameters();
  std::vector<std::string> names = named.keys();
  ag::TensorList params;
  for (const auto& n : names) params.push_back(named[n]);
  // Every parameter in turn is the variable; the model reads it through its own slot.
  auto fn = [&](const ag::TensorList& in) {
    for (size_t i = 0; i < in.size(); ++i) {
      ag::NoGradGuard ng;
      params[i].copy_(in[i]);
    }
    return ag::nn::functional::cross_entropy(m(x).view({-1, 5}), y);
  };
  for (size_t i = 0; i < params.size(); ++i) {
    ag::TensorList inputs;
    for (auto& p : params) inputs.push_back(p.detach().clone());
    // gradcheck perturbs inputs[i]; the function copies it into the parameter and the
    // analytic gradient is the parameter's own.
    m->zero_grad();
    Tensor loss = fn(inputs);
    loss.backward();
    Tensor analytic = params[i].grad().clone();
    const double eps = 1e-6;
    Tensor flat = inputs[i].view({-1});
    Tensor a = analytic.reshape({-1});
    for (int64_t j = 0; j < flat.numel(); ++j) {
      const double orig = flat[j].item();
      flat[j].fill_(orig + eps);
      double up;
      {
        ag::NoGradGuard ng;
        up = fn(inputs).item();
      }
      flat[j].fill_(orig - eps);
      double down;
      {
        ag::NoGradGuard ng;
        down = fn(inputs).item();
      }
      flat[j].fill_(orig);
      EXPECT_NEAR(a[j].item(), (up - down) / (2 * eps), 1e-6) << names[i] << "[" << j << "]";
    }
    {
      ag::NoGradGuard ng;
      params[i].copy_(inputs[i]);
    }
  }
}

TEST(Gpt, CachedForwardMatchesTheFullOne) {
  ag::manual_seed(0);
  GPT m(tiny(0.3));
  m->eval();
  Tensor x = tokens(2, 6, 7);
  Tensor full = m(x);
  // Prefill 3, then one at a time; and prefill 2 then 4 at once (a masked block after a prefix).
  auto cache = m->make_cache(2);
  Tensor first = m->forward_incremental(x.narrow(1, 0, 3), cache);
  EXPECT_LT((first - full.narrow(1, 0, 3)).abs().max().item(), 1e-5);
  for (int64_t t = 3; t < 6; ++t) {
    Tensor step = m->forward_incremental(x.narrow(1, t, 1), cache);
    EXPECT_LT((step - full.narrow(1, t, 1)).abs().max().item(), 1e-5) << "position " << t;
  }
  auto cache2 = m->make_cache(2);
  m->forward_incremental(x.narrow(1, 0, 2), cache2);
  Tensor block = m->forward_incremental(x.narrow(1, 2, 4), cache2);
  EXPECT_LT((block - full.narrow(1, 2, 4)).abs().max().item(), 1e-5);
  EXPECT_GT(full.abs().max().item(), 0.01);  // not trivially equal
  EXPECT_THROW(m->forward_incremental(x.narrow(1, 0, 1), cache), std::invalid_argument);  // full cache
}

TEST(Gpt, DropoutOnlyInTraining) {
  ag::manual_seed(0);
  GPT m(tiny(0.5));
  Tensor x = tokens(2, 6, 7);
  Tensor a = m(x), b = m(x);
  EXPECT_GT((a - b).abs().max().item(), 0);
  m->eval();
  EXPECT_EQ((m(x) - m(x)).abs().max().item(), 0);
}

}  // namespace
