// The flag table: each flag's name, default, help, and how it parses. The same
// table reads the config file (key = value lines, TOML's flat subset), so a key
// that is not a flag is an error in both places.
#include "train/options.h"

#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <limits>
#include <map>
#include <sstream>

#include "file_io.h"
#include "registry.h"
#include "train/data_source.h"
#include "train/optimizers.h"
#include "train/schedulers.h"

namespace ag::tools {

namespace {

struct Flag {
  const char* name;
  std::string help;
  std::function<void(TrainOptions&, const std::string&)> set;  // value is "" for switches
  std::function<std::string(const TrainOptions&)> show;
  bool is_switch = false;
};

// `why` explains an upper bound that is not the type's own.
int64_t to_int(const std::string& flag, const std::string& v, int64_t min, int64_t max, const char* why = nullptr) {
  errno = 0;
  char* end = nullptr;
  long long x = std::strtoll(v.c_str(), &end, 10);
  if (v.empty() || *end || end == v.c_str()) throw UsageError("--" + flag + ": '" + v + "' is not a whole number");
  // strtoll clamps what does not fit to the extremes (ERANGE); the message shows the text as typed.
  const bool too_big = x > max || (errno == ERANGE && x > 0), too_small = x < min || (errno == ERANGE && x < 0);
  if (too_small) throw UsageError("--" + flag + ": " + v + " is out of range (at least " + std::to_string(min) + ")");
  if (too_big)
    throw UsageError("--" + flag + ": " + v + " is out of range (at most " + std::to_string(max) + (why ? std::string(": ") + why : "") + ")");
  return x;
}

// to_int into the field's own type T: a bound beyond T's range is T's maximum.
template <typename T>
T to_field(const std::string& flag, const std::string& v, int64_t min, int64_t max, const char* why) {
  constexpr int64_t type_max = std::numeric_limits<T>::max() > static_cast<uint64_t>(INT64_MAX)
                                   ? INT64_MAX : static_cast<int64_t>(std::numeric_limits<T>::max());
  return static_cast<T>(max > type_max ? to_int(flag, v, min, type_max) : to_int(flag, v, min, max, why));
}

// The schedule spans epochs × batches steps and the ETA multiplies batches × batch
// size × ranks, all in int64: bounds far beyond any real run keep those products exact.
constexpr int64_t kMaxEpochs = 1'000'000;
constexpr const char* kWhyMaxEpochs = "the schedule counts epochs × batches steps in int64";
constexpr int64_t kMaxBatchSize = int64_t{1} << 30;
constexpr const char* kWhyMaxBatchSize = "batch size × ranks × batches must fit in int64";

// More threads than this is a typo, not a machine: each one is an OS thread (and an
// OpenBLAS buffer), and the system refuses long before a million of them.
constexpr int64_t kMaxThreads = 1024;

double to_real(const std::string& flag, const std::string& v, double min) {
  errno = 0;
  char* end = nullptr;
  double x = std::strtod(v.c_str(), &end);
  if (v.empty() || *end || errno || !std::isfinite(x)) throw UsageError("--" + flag + ": '" + v + "' is not a number");
  if (x < min) {
    std::ostringstream m;
    m << "--" << flag << ": " << v << " is out of range (at least " << min << ")";
    throw UsageError(m.str());
  }
  return x;
}

std::string one_of(const std::string& flag, const std::string& v, std::initializer_list<const char*> allowed) {
  std::string list;
  for (const char* a : allowed) {
    if (v == a) return v;
    list += std::string(list.empty() ? "" : ", ") + a;
  }
  throw UsageError("--" + flag + ": '" + v + "' is not one of " + list);
}

#define AG_INT_BOUNDED(NAME, FIELD, MIN, MAX, WHY, HELP) \
  Flag{NAME, HELP, [](TrainOptions& o, const std::string& v) { o.FIELD = to_field<decltype(o.FIELD)>(NAME, v, MIN, MAX, WHY); }, \
       [](const TrainOptions& o) { return std::to_string(o.FIELD); }}
#define AG_INT_RANGE(NAME, FIELD, MIN, MAX, HELP) AG_INT_BOUNDED(NAME, FIELD, MIN, MAX, nullptr, HELP)
#define AG_INT(NAME, FIELD, MIN, HELP) AG_INT_RANGE(NAME, FIELD, MIN, INT64_MAX, HELP)
#define AG_REAL(NAME, FIELD, MIN, HELP) \
  Flag{NAME, HELP, [](TrainOptions& o, const std::string& v) { o.FIELD = to_real(NAME, v, MIN); }, \
       [](const TrainOptions& o) { std::ostringstream s; s << o.FIELD; return s.str(); }}
#define AG_TEXT(NAME, FIELD, HELP) \
  Flag{NAME, HELP, [](TrainOptions& o, const std::string& v) { o.FIELD = v; }, \
       [](const TrainOptions& o) { return o.FIELD.empty() ? std::string("(none)") : o.FIELD; }}
#define AG_SWITCH(NAME, FIELD, VALUE, HELP) \
  Flag{NAME, HELP, [](TrainOptions& o, const std::string&) { o.FIELD = VALUE; }, \
       [](const TrainOptions& o) { return std::string(o.FIELD == VALUE ? "on" : "off"); }, true}

const std::vector<Flag>& flags() {
  static const std::vector<Flag> table = {
      AG_TEXT("model", model, "model spec: " + models::model_specs_help()),
      AG_TEXT("data", data, data_specs_help()),
      AG_INT_BOUNDED("epochs", epochs, 1, kMaxEpochs, kWhyMaxEpochs, "passes over the training data"),
      AG_INT("max-steps", max_steps, -1, "stop after N optimizer steps counted from the start (resumed steps included); 0 writes the initial checkpoint and stops; -1: no limit"),
      AG_INT_BOUNDED("batch-size", batch_size, 1, kMaxBatchSize, kWhyMaxBatchSize, "samples per step on each rank"),
      AG_TEXT("optimizer", optimizer, optimizers().help()),
      AG_REAL("lr", lr, 0, "learning rate"),
      AG_REAL("momentum", momentum, 0, "momentum (sgd, rmsprop)"),
      AG_REAL("weight-decay", weight_decay, 0, "weight decay (decoupled for adamw, L2 otherwise)"),
      AG_TEXT("scheduler", scheduler, schedulers().help()),
      Flag{"loss", "cross-entropy | mse (default: cross-entropy; mse for the autoencoder)",
           [](TrainOptions& o, const std::string& v) { o.loss = one_of("loss", v, {"cross-entropy", "mse"}); },
           [](const TrainOptions& o) { return o.loss.empty() ? std::string("(the model's)") : o.loss; }},
      AG_SWITCH("no-shuffle", no_shuffle, true, "keep the data in file order (a language model: llm.c's batches, under several ranks each rank its contiguous rows of the global batch)"),
      AG_SWITCH("bucket-by-length", bucket_by_length, true, "batch sequences of similar lengths together (variable-length data)"),
      AG_INT("seed", seed, 0, "seed of every random stream (init, shuffling, dropout)"),
      AG_INT_RANGE("threads", threads, 0, kMaxThreads, "threads per rank (0: cores / ranks on this node)"),
      AG_TEXT("checkpoint-dir", checkpoint_dir, "where checkpoints go (ckpt-STEP.agc); checked writable at start-up; a failed save stops the run, the previous checkpoint intact"),
      AG_INT("checkpoint-every", checkpoint_every, 0, "steps between checkpoints (0: each epoch end); a final one is always written"),
      AG_INT("keep", keep, 1, "checkpoints kept in --checkpoint-dir"),
      AG_TEXT("resume", resume, "auto | FILE | DIR (auto: the latest in --checkpoint-dir, if any)"),
      AG_TEXT("init-weights", init_weights, "safetensors file or checkpoint whose tensors (by name) initialise the model"),
      AG_TEXT("metrics", metrics, "JSON lines file: the run's configuration, then step, epoch, loss, lr, samples_per_s, per-rank step timings, test_accuracy (language models: val_loss, tokens_per_s; grad_norm with --clip-grad-norm); see allgrad report"),
      AG_TEXT("profile", profile, "Chrome trace-event JSON file (chrome://tracing, Perfetto) of every rank: forward ops, backward nodes, gradient exchanges, step phases"),
      AG_INT("log-every", log_every, 1, "steps between log lines"),
      AG_INT("eval-every", eval_every, 0, "epochs between test evaluations (0: never)"),
      AG_INT("eval-every-steps", eval_every_steps, 0, "language models: steps between validation losses on --eval-batches held-out batches (0: at epoch ends only)"),
      AG_INT_RANGE("eval-batches", eval_batches, 1, 1 << 20, "language models: held-out batches (of --batch-size windows, the first ones of the validation data) per validation loss"),
      AG_INT_RANGE("grad-accum", grad_accum, 1, 1 << 20, "micro-batches per optimizer step: gradients of N batches (each loss scaled by 1/N) are summed, under DDP exchanged once on the last"),
      AG_SWITCH("reproducible", reproducible, true, "bitwise the same parameters on any power-of-two number of ranks for the same global batch (--batch-size × ranks): each rank's batch is cut into micro-batches of --micro-batch-size, each with its own dropout stream, and their gradients are summed in one fixed tree instead of an allreduce; slower than plain DDP (no overlap)"),
      AG_SWITCH("shard-optimizer", shard_optimizer, true, "each rank keeps and updates 1/ranks of the optimizer state (ZeRO stage 1) and broadcasts its updated parameters; the same parameters as without it, bitwise, and checkpoints hold the whole state"),
      AG_INT("micro-batch-size", micro_batch_size, 0, "--reproducible: samples per micro-batch (0: the global batch / 8, which runs on up to 8 ranks); keep it when the world size changes"),
      AG_REAL("clip-grad-norm", clip_grad_norm, 0, "clip the global 2-norm of all gradients (after DDP's averaging, so alike on every rank) to this before each step (0: off)"),
      AG_SWITCH("quiet", quiet, true, "print only the summary"),
      AG_REAL("collective-timeout", collective_timeout, 1, "seconds a collective may make no progress before the job is aborted"),
      AG_REAL("bucket-cap-mb", bucket_cap_mb, 0.001, "gradient bucket size in MiB: each bucket's exchange starts as soon as backward has produced its gradients"),
      Flag{"nan-policy", "abort | skip: a non-finite gradient stops the run (naming step, rank, parameter) or drops the step on every rank",
           [](TrainOptions& o, const std::string& v) { o.nan_policy = one_of("nan-policy", v, {"abort", "skip"}); },
           [](const TrainOptions& o) { return o.nan_policy; }},
      AG_SWITCH("detect-anomaly", detect_anomaly, true, "check every op's result and gradient; stop at the first NaN/inf, naming the op (slow: for debugging)"),
      AG_SWITCH("no-flush-denormal", flush_denormal, false, "keep subnormal floats (PyTorch's default; slower)"),
      AG_TEXT("config", config, "TOML file of these settings (key = value); flags override it"),
  };
  return table;
}

const Flag* find_flag(const std::string& name) {
  for (const Flag& f : flags())
    if (name == f.name) return &f;
  return nullptr;
}

std::string trim(const std::string& s) {
  size_t a = s.find_first_not_of(" \t\r"), b = s.find_last_not_of(" \t\r");
  return a == std::string::npos ? "" : s.substr(a, b - a + 1);
}

// key = value lines; values may be "quoted", true/false for switches; # comments.
void read_config(TrainOptions& o, const std::string& path) {
  std::string text;
  try {
    text = read_file(path, "--config");  // a regular file only: a FIFO would block, a folder read as empty
  } catch (const std::runtime_error& e) {
    throw UsageError(e.what());
  }
  // A UTF-8 byte order mark (Windows editors write one) is not part of the first key.
  if (text.rfind("\xEF\xBB\xBF", 0) == 0) text.erase(0, 3);
  std::istringstream in(text);
  std::map<std::string, int> seen;  // key → line
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    std::string where = path + ":" + std::to_string(n) + ": ";
    bool quoted = false;
    for (size_t i = 0; i < line.size(); ++i) {
      if (line[i] == '"') quoted = !quoted;
      if (line[i] == '#' && !quoted) { line.resize(i); break; }
    }
    line = trim(line);
    if (line.empty()) continue;
    if (line.front() == '[') throw UsageError(where + "tables are not used; write the settings as top-level keys");
    size_t eq = line.find('=');
    if (eq == std::string::npos) throw UsageError(where + "expected key = value");
    std::string key = trim(line.substr(0, eq)), value = trim(line.substr(eq + 1));
    for (char& c : key) if (c == '_') c = '-';
    const Flag* f = find_flag(key);
    if (!f || key == "config") throw UsageError(where + "unknown key '" + key + "'");
    if (auto [it, fresh] = seen.emplace(key, n); !fresh)
      throw UsageError(where + "key '" + key + "' is set twice (lines " + std::to_string(it->second) + " and " + std::to_string(n) + ")");
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
    if (f->is_switch) {
      if (value == "true") f->set(o, "");
      else if (value != "false") throw UsageError(where + key + " takes true or false, got '" + value + "'");
      continue;
    }
    try {
      f->set(o, value);
    } catch (const UsageError& e) {
      throw UsageError(where + e.what());
    }
  }
}

// Every spec and every pairing of flags is checked here, before anything is built or
// any rank starts, so each such mistake is a usage error (exit 2) with one line.
void check_combination(TrainOptions& o) {
  try {
    models::check_model_spec(o.model);
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--model: ") + e.what());
  }
  check_data_spec(o.data);
  optimizers().check(o.optimizer);
  schedulers().check(o.scheduler);
  if (o.resume == "auto" && o.checkpoint_dir.empty()) throw UsageError("--resume auto needs --checkpoint-dir");
  const bool gpt = o.model == "gpt" || o.model.rfind("gpt:", 0) == 0;
  if (gpt && !is_token_data(o.data)) throw UsageError("--data " + o.data + ": a gpt trains on text:FILE or tokens:TRAIN.bin[,VAL.bin] data");
  if (!gpt && is_token_data(o.data)) throw UsageError("--data " + o.data + ": text and token data are for a language model (--model gpt:...)");
}

}  // namespace

std::string train_help() {
  std::ostringstream os;
  TrainOptions defaults;
  os << "usage: allgrad train [flags]\n\n"
        "Trains a model; under mpirun, data-parallel over the ranks. With no flags: the MLP\n"
        "784-256-128-10 on Fashion-MNIST with the recipe below.\n\nflags (default in brackets):\n";
  for (const Flag& f : flags()) {
    std::string name = std::string("  --") + f.name + (f.is_switch ? "" : " V");
    os << name << std::string(name.size() < 26 ? 26 - name.size() : 1, ' ') << f.help;
    os << " [" << f.show(defaults) << "]\n";
  }
  return os.str();
}

TrainOptions parse_train_options(const std::vector<std::string>& args) {
  // The config file first, so flags override it.
  TrainOptions o;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--help" || args[i] == "-h") throw HelpRequested(train_help());
    if (args[i] == "--config" && i + 1 < args.size()) o.config = args[i + 1];
    if (args[i].rfind("--config=", 0) == 0) o.config = args[i].substr(9);
  }
  if (!o.config.empty()) read_config(o, o.config);
  for (size_t i = 0; i < args.size(); ++i) {
    std::string a = args[i];
    if (a.rfind("--", 0) != 0) throw UsageError("unexpected argument '" + a + "' (flags start with --; see --help)");
    std::string name = a.substr(2), value;
    bool has_value = false;
    if (size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_value = true;
    }
    const Flag* f = find_flag(name);
    if (!f) throw UsageError("unknown flag --" + name + " (see allgrad train --help)");
    if (f->is_switch) {
      if (has_value) throw UsageError("--" + name + " takes no value");
      f->set(o, "");
      continue;
    }
    if (!has_value) {
      if (i + 1 >= args.size()) throw UsageError("--" + name + " needs a value");
      value = args[++i];
    }
    f->set(o, value);
  }
  check_combination(o);
  return o;
}

}  // namespace ag::tools
