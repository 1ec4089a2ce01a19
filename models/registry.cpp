// Spec strings → models. A spec is NAME[:ARGS][:OPTIONS]; ARGS are comma-separated
// integers, OPTIONS comma-separated key=value pairs.
#include "registry.h"

#include <functional>
#include <map>
#include <sstream>
#include <stdexcept>

#include "gpt.h"
#include "ag/data/sequences.h"
#include "sequence_classifier.h"
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
      if (kv.empty() || eq == 0) bad(text, "option '" + kv + "' is not key=value");
      if (eq == std::string::npos) {  // a bare flag ("bidirectional") means key=true
        s.options[kv] = "true";
        continue;
      }
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

int64_t option_size(const Spec& s, const std::string& text, const std::string& key) {
  auto it = s.options.find(key);
  if (it == s.options.end()) bad(text, "needs " + key + "=N");
  char* end = nullptr;
  long long v = std::strtoll(it->second.c_str(), &end, 10);
  if (it->second.empty() || *end) bad(text, key + "=" + it->second + " is not a whole number");
  if (v < 1 || v > (1LL << 24)) bad(text, key + "=" + it->second + " is out of range (1 .. 16777216)");
  return v;
}

GPTConfig gpt_config(const Spec& s, const std::string& text) {
  allow_options(s, text, {"layers", "heads", "dim", "context", "dropout", "bias"});
  if (!s.args.empty()) bad(text, "gpt takes only key=value options");
  GPTConfig c;
  c.layers = option_size(s, text, "layers");
  c.heads = option_size(s, text, "heads");
  c.dim = option_size(s, text, "dim");
  c.context = option_size(s, text, "context");
  c.dropout = option_real(s, text, "dropout", 0);
  if (s.options.count("bias")) {
    const std::string& b = s.options.at("bias");
    if (b != "true" && b != "false") bad(text, "bias=" + b + " is not true or false");
    c.bias = b == "true";
  }
  try {
    c.check();
  } catch (const std::invalid_argument& e) {
    bad(text, e.what());
  }
  return c;
}

int64_t option_size(const Spec& s, const std::string& text, const std::string& key, int64_t fallback) {
  auto it = s.options.find(key);
  if (it == s.options.end()) return fallback;
  char* end = nullptr;
  long long v = std::strtoll(it->second.c_str(), &end, 10);
  if (it->second.empty() || *end || v <= 0 || v > (1LL << 24)) bad(text, key + "=" + it->second + " is not a size in 1 .. 16777216");
  return v;
}

bool is_activation(const std::string& a) { return a == "relu" || a == "gelu" || a == "tanh" || a == "sigmoid"; }

// One row per model: how its spec is written, what it allows, and how it is built.
// `check` validates a parsed spec without allocating the model, so a spec can be
// refused when the flags are parsed.
struct ModelEntry {
  const char* name;
  const char* usage;
  std::function<void(const Spec&, const std::string&)> check;
  std::function<void(const Spec&, const std::string&, ModelInfo&)> build;
};

const std::vector<ModelEntry>& entries() {
  static const std::vector<ModelEntry> table = {
      {"mlp", "mlp:IN,H1,...,OUT[:dropout=P,act=relu|gelu|tanh|sigmoid]",
       [](const Spec& s, const std::string& text) {
         allow_options(s, text, {"dropout", "act"});
         if (s.args.size() < 2) bad(text, "mlp needs at least an input and an output size");
         double p = option_real(s, text, "dropout", 0);
         if (!(p >= 0 && p < 1)) bad(text, "dropout=" + s.options.at("dropout") + " is not in [0, 1)");
         if (s.options.count("act") && !is_activation(s.options.at("act")))
           bad(text, "act=" + s.options.at("act") + " is not relu, gelu, tanh or sigmoid");
       },
       [](const Spec& s, const std::string& text, ModelInfo& info) {
         auto act = s.options.count("act") ? s.options.at("act") : std::string("relu");
         try {
           info.module = mlp(s.args, act, option_real(s, text, "dropout", 0)).ptr();
         } catch (const std::invalid_argument& e) {
           bad(text, e.what());
         }
         info.input_shape = {s.args.front()};
         info.classes = s.args.back();
       }},
      {"autoencoder", "autoencoder:IN,HIDDEN",
       [](const Spec& s, const std::string& text) {
         allow_options(s, text, {});
         if (s.args.size() != 2) bad(text, "autoencoder takes IN,HIDDEN");
       },
       [](const Spec& s, const std::string&, ModelInfo& info) {
         info.module = MultilayerPerceptron(s.args[0], s.args[1]).ptr();
         info.input_shape = {s.args[0]};
         info.default_loss = "mse";
       }},
      {"logreg", "logreg:IN,OUT",
       [](const Spec& s, const std::string& text) {
         allow_options(s, text, {});
         if (s.args.size() != 2) bad(text, "logreg takes IN,OUT");
       },
       [](const Spec& s, const std::string&, ModelInfo& info) {
         info.module = nn::Linear(s.args[0], s.args[1]).ptr();
         info.input_shape = {s.args[0]};
         info.classes = s.args[1];
       }},
      {"convnet", "convnet[:CLASSES]",
       [](const Spec& s, const std::string& text) {
         allow_options(s, text, {});
         if (s.args.size() > 1) bad(text, "convnet takes at most the class count");
       },
       [](const Spec& s, const std::string&, ModelInfo& info) {
         info.classes = s.args.empty() ? 10 : s.args[0];
         info.module = conv_net(info.classes).ptr();
         info.input_shape = {1, 28, 28};
       }},
      {"gpt", "gpt:layers=L,heads=H,dim=C,context=T[,dropout=P][,bias=false]",
       [](const Spec& s, const std::string& text) { gpt_config(s, text); },
       [](const Spec& s, const std::string& text, ModelInfo& info) {
         GPTConfig c = gpt_config(s, text);
         info.module = GPT(c).ptr();
         info.input_shape = {c.context};
         info.classes = c.vocab;
         info.language_model = true;
       }},
      {"lstm", "lstm:embed=E,hidden=H,layers=N[,bidirectional,cell=lstm|gru|rnn,classes=K] (bytes of text; K defaults to 4)",
       [](const Spec& s, const std::string& text) {
         allow_options(s, text, {"embed", "hidden", "layers", "bidirectional", "cell", "classes"});
         if (!s.args.empty()) bad(text, "lstm takes key=value options only");
         for (const char* k : {"embed", "hidden", "layers"})
           if (!s.options.count(k)) bad(text, std::string("lstm needs ") + k + "=");
         for (const char* k : {"embed", "hidden", "layers", "classes"}) option_size(s, text, k, 1);
         if (s.options.count("bidirectional") && s.options.at("bidirectional") != "true")
           bad(text, "bidirectional takes no value");
         if (s.options.count("cell") && s.options.at("cell") != "lstm" && s.options.at("cell") != "gru" && s.options.at("cell") != "rnn")
           bad(text, "cell=" + s.options.at("cell") + " is not lstm, gru or rnn");
       },
       [](const Spec& s, const std::string& text, ModelInfo& info) {
         info.classes = option_size(s, text, "classes", 4);
         SequenceClassifier m(s.options.count("cell") ? s.options.at("cell") : std::string("lstm"), data::kByteVocabulary,
                              option_size(s, text, "embed", 1), option_size(s, text, "hidden", 1),
                              option_size(s, text, "layers", 1), s.options.count("bidirectional") > 0, info.classes);
         info.module = m.ptr();
         info.forward_with_lengths = [m](const Tensor& x, const Tensor& lengths) mutable { return m->forward(x, lengths); };
       }},
  };
  return table;
}

const ModelEntry& entry_for(const Spec& s, const std::string& text) {
  for (const ModelEntry& e : entries())
    if (s.name == e.name) return e;
  bad(text, "unknown model '" + s.name + "'");
}

// The spec with what goes without saying left out (act=relu, dropout=0, convnet's 10
// classes) and options in name order, so two spellings of one model compare equal.
std::string canonical(const Spec& s) {
  std::string out = s.name;
  bool default_args = s.name == "convnet" && s.args.size() == 1 && s.args[0] == 10;
  if (!s.args.empty() && !default_args) {
    out += ':';
    for (size_t i = 0; i < s.args.size(); ++i) {
      if (i) out += ',';
      out += std::to_string(s.args[i]);
    }
  }
  std::string opts;
  for (const auto& [k, v] : s.options) {  // std::map: name order
    if (k == "act" && v == "relu") continue;
    if (k == "dropout" && std::strtod(v.c_str(), nullptr) == 0) continue;
    if (k == "bias" && v == "true") continue;
    if ((k == "cell" && v == "lstm") || (k == "classes" && v == "4" && s.name == "lstm")) continue;
    if (!opts.empty()) opts += ',';
    opts += k + "=" + v;
  }
  if (!opts.empty()) out += ":" + opts;
  return out;
}

}  // namespace

std::string model_specs_help() {
  std::string out;
  for (const ModelEntry& e : entries()) out += (out.empty() ? "" : ", ") + std::string(e.usage);
  return out;
}

std::string check_model_spec(const std::string& text) {
  Spec s = parse(text);
  entry_for(s, text).check(s, text);
  return canonical(s);
}

Tensor predict(const ModelInfo& info, const std::vector<Tensor>& fields) {
  if (fields.size() > 2 && info.forward_with_lengths) return info.forward_with_lengths(fields[0], fields[2]);
  return info.module->forward(fields[0]);
}

ModelInfo build_model(const std::string& text) {
  Spec s = parse(text);
  const ModelEntry& e = entry_for(s, text);
  e.check(s, text);
  ModelInfo info;
  info.spec = canonical(s);
  e.build(s, text, info);
  return info;
}

}  // namespace ag::models
