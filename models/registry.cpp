// Spec strings → models. A spec is NAME[:ARGS][:OPTIONS]; ARGS are comma-separated
// integers, OPTIONS comma-separated key=value pairs.
#include "registry.h"

#include <map>
#include <sstream>
#include <stdexcept>

#include "zoo.h"

namespace ag::models {

namespace {

struct Spec {
  std::string name;
  std::vector<int64_t> args;
  std::map<std::string, std::string> options;
};

[[noreturn]] void bad(const std::string& spec, const std::string& what) {
  throw std::invalid_argument("model spec '" + spec + "': " + what + " (known: " + model_specs_help() + ")");
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  std::istringstream is(s);
  while (std::getline(is, cur, sep)) out.push_back(cur);
  if (!s.empty() && s.back() == sep) out.emplace_back();
  return out;
}

Spec parse(const std::string& text) {
  auto parts = split(text, ':');
  if (parts.empty() || parts[0].empty()) bad(text, "empty model name");
  if (parts.size() > 3) bad(text, "too many ':' sections");
  Spec s;
  s.name = parts[0];
  size_t next = 1;
  if (parts.size() > 1 && parts[1].find('=') == std::string::npos) {
    for (const auto& a : split(parts[1], ',')) {
      char* end = nullptr;
      long long v = std::strtoll(a.c_str(), &end, 10);
      if (a.empty() || *end) bad(text, "'" + a + "' is not an integer size");
      if (v <= 0 || v > (1LL << 24)) bad(text, "size " + a + " is out of range (1 .. 16777216)");
      s.args.push_back(v);
    }
    next = 2;
  }
  for (size_t i = next; i < parts.size(); ++i)
    for (const auto& kv : split(parts[i], ',')) {
      size_t eq = kv.find('=');
      if (eq == std::string::npos || eq == 0) bad(text, "option '" + kv + "' is not key=value");
      s.options[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
  return s;
}

double option_real(const Spec& s, const std::string& text, const std::string& key, double fallback) {
  auto it = s.options.find(key);
  if (it == s.options.end()) return fallback;
  char* end = nullptr;
  double v = std::strtod(it->second.c_str(), &end);
  if (it->second.empty() || *end) bad(text, key + "=" + it->second + " is not a number");
  return v;
}

void allow_options(const Spec& s, const std::string& text, std::initializer_list<const char*> keys) {
  for (const auto& [k, v] : s.options) {
    bool ok = false;
    for (const char* a : keys) ok |= k == a;
    if (!ok) bad(text, "unknown option '" + k + "'");
  }
}

}  // namespace

std::string model_specs_help() {
  return "mlp:IN,H1,...,OUT[:dropout=P,act=relu|gelu|tanh|sigmoid], autoencoder:IN,HIDDEN, logreg:IN,OUT, convnet[:CLASSES]";
}

ModelInfo build_model(const std::string& text) {
  Spec s = parse(text);
  ModelInfo info;
  info.spec = text;
  if (s.name == "mlp") {
    allow_options(s, text, {"dropout", "act"});
    if (s.args.size() < 2) bad(text, "mlp needs at least an input and an output size");
    auto act = s.options.count("act") ? s.options.at("act") : std::string("relu");
    try {
      info.module = mlp(s.args, act, option_real(s, text, "dropout", 0));
    } catch (const std::invalid_argument& e) {
      bad(text, e.what());
    }
    info.input_shape = {s.args.front()};
    info.classes = s.args.back();
  } else if (s.name == "autoencoder") {
    allow_options(s, text, {});
    if (s.args.size() != 2) bad(text, "autoencoder takes IN,HIDDEN");
    info.module = std::make_shared<MultilayerPerceptron>(s.args[0], s.args[1]);
    info.input_shape = {s.args[0]};
    info.default_loss = "mse";
  } else if (s.name == "logreg") {
    allow_options(s, text, {});
    if (s.args.size() != 2) bad(text, "logreg takes IN,OUT");
    info.module = std::make_shared<nn::Linear>(s.args[0], s.args[1]);
    info.input_shape = {s.args[0]};
    info.classes = s.args[1];
  } else if (s.name == "convnet") {
    allow_options(s, text, {});
    if (s.args.size() > 1) bad(text, "convnet takes at most the class count");
    info.classes = s.args.empty() ? 10 : s.args[0];
    info.module = conv_net(info.classes);
    info.input_shape = {1, 28, 28};
  } else {
    bad(text, "unknown model '" + s.name + "'");
  }
  return info;
}

}  // namespace ag::models
