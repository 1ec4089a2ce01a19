// Sampling bytes from a trained GPT with its key/value cache.
#include "generate.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <stdexcept>

#include "ag/checkpoint.h"
#include "ag/generator.h"
#include "ag/grad_mode.h"
#include "checkpoint_tools.h"
#include "cli_args.h"
#include "registry.h"
#include "standard_streams.h"
#include "train/options.h"

namespace ag::tools {

namespace {

// One token from the logits of one position (float32 or float64 [vocab]).
int64_t draw(const Tensor& logits, const SampleOptions& o, Generator& gen) {
  Tensor l = logits.to(kFloat64).contiguous();
  const double* v = l.data_ptr<double>();
  const int64_t n = l.numel();
  std::vector<double> p(v, v + n);
  for (double& x : p) x /= o.temperature;
  if (o.top_k > 0 && o.top_k < n) {
    std::vector<double> sorted = p;
    std::nth_element(sorted.begin(), sorted.begin() + (o.top_k - 1), sorted.end(), std::greater<>());
    const double kth = sorted[static_cast<size_t>(o.top_k - 1)];
    for (double& x : p)
      if (x < kth) x = -std::numeric_limits<double>::infinity();
  }
  const double top = *std::max_element(p.begin(), p.end());
  double sum = 0;
  for (double& x : p) sum += (x = std::exp(x - top));
  double u = gen.uniform_double(0, 1) * sum;
  for (int64_t i = 0; i < n; ++i) {
    u -= p[static_cast<size_t>(i)];
    if (u < 0) return i;
  }
  for (int64_t i = n - 1; i >= 0; --i)  // rounding left u at the end: the last token that can be drawn
    if (p[static_cast<size_t>(i)] > 0) return i;
  return 0;
}

Tensor as_batch(const std::vector<int64_t>& tokens, size_t from) {
  std::vector<int64_t> part(tokens.begin() + static_cast<std::ptrdiff_t>(from), tokens.end());
  const auto n = static_cast<int64_t>(part.size());
  return from_vector(part, {1, n});
}

template <typename T>
T number(const std::string& flag, const std::string& v, T min) {
  errno = 0;
  char* end = nullptr;
  const double x = std::strtod(v.c_str(), &end);
  if (v.empty() || *end || errno || !std::isfinite(x) || x < static_cast<double>(min) ||
      (std::is_integral_v<T> && (x != std::floor(x) || x > 1e15)))
    throw UsageError(flag + ": '" + v + "' is not " + (std::is_integral_v<T> ? "a whole number" : "a number") + " of at least " +
                     std::to_string(min));
  return static_cast<T>(x);
}

}  // namespace

std::vector<int64_t> sample(models::GPTImpl& model, const std::vector<int64_t>& prompt, const SampleOptions& o) {
  const int64_t context = model.config.context;
  if (prompt.empty()) throw std::invalid_argument("the prompt is empty; give at least one byte");
  if (static_cast<int64_t>(prompt.size()) > context)
    throw std::invalid_argument("the prompt is " + std::to_string(prompt.size()) + " bytes, longer than the model's context of " +
                                std::to_string(context));
  if (!(o.temperature > 0)) throw std::invalid_argument("the temperature must be above 0");
  NoGradGuard ng;
  model.eval();
  Generator gen(o.seed);
  std::vector<int64_t> out = prompt;
  models::KVCache cache = model.make_cache(1);
  Tensor logits = model.forward_incremental(as_batch(out, 0), cache);
  for (int64_t i = 0; i < o.tokens; ++i) {
    out.push_back(draw(logits[0][logits.size(1) - 1], o, gen));
    if (i + 1 == o.tokens) break;
    if (cache.length < context) {
      logits = model.forward_incremental(as_batch(out, out.size() - 1), cache);
    } else {  // full: the window of the last `context` tokens, from scratch
      cache.length = 0;
      logits = model.forward_incremental(as_batch(out, out.size() - static_cast<size_t>(context)), cache);
    }
  }
  return out;
}

int run_generate(const std::vector<std::string>& args) {
  std::string prompt = "\n", tokens = "256", temperature = "1", top_k = "0", seed = "0";
  auto pos = positional(args, {{"--prompt", &prompt}, {"--tokens", &tokens}, {"--temperature", &temperature}, {"--top-k", &top_k}, {"--seed", &seed}}, {});
  if (pos.size() != 1)
    throw UsageError("usage: allgrad generate CHECKPOINT|DIR [--prompt TEXT] [--tokens N] [--temperature X] [--top-k K] [--seed S]");
  SampleOptions o;
  o.tokens = number<int64_t>("--tokens", tokens, 0);
  o.temperature = number<double>("--temperature", temperature, 0.0);
  if (!(o.temperature > 0)) throw UsageError("--temperature: '" + temperature + "' must be above 0");
  o.top_k = number<int64_t>("--top-k", top_k, 0);
  o.seed = static_cast<uint64_t>(number<int64_t>("--seed", seed, 0));

  const std::string path = resolve_checkpoint_path(pos[0]);
  Checkpoint c = load_checkpoint(path);
  models::ModelInfo info = models::build_model(c.meta.model_spec);
  auto gpt = std::dynamic_pointer_cast<models::GPTImpl>(info.module);
  if (!gpt) throw UsageError(path + " holds a '" + c.meta.model_spec + "', not a gpt; allgrad generate samples from language models");
  gpt->load_state_dict(c.section("model"));
  std::vector<int64_t> ids(prompt.begin(), prompt.end());
  for (int64_t& b : ids) b &= 0xff;  // bytes, whatever char's signedness
  if (static_cast<int64_t>(ids.size()) > gpt->config.context)
    throw UsageError("--prompt: " + std::to_string(ids.size()) + " bytes, longer than the context of " + std::to_string(gpt->config.context) +
                     " positions of " + c.meta.model_spec);
  if (ids.empty()) throw UsageError("--prompt: empty; give at least one byte (nanoGPT starts from \"\\n\")");
  std::vector<int64_t> out = sample(*gpt, ids, o);
  std::string text(out.size(), '\0');
  for (size_t i = 0; i < out.size(); ++i) text[i] = static_cast<char>(out[i]);
  write_or_throw(stdout, text, "standard output");
  return 0;
}

}  // namespace ag::tools
