#include "train/run_identity.h"

#include <set>
#include <charconv>

namespace ag::tools {

namespace {

// The shortest text that reads back as `v`: 0.9, not 0.90000000000000002.
std::string real(double v) {
  char b[32];
  auto [end, ec] = std::to_chars(b, b + sizeof b, v);
  return std::string(b, end);
}

// What a resumed run may set differently from the run that wrote the checkpoint.
const std::set<std::string> kMayChangeOnResume = {"epochs", "max-steps", "checkpoint-dir", "checkpoint-every", "keep", "nan-policy", "bucket-cap-mb",
                                                     "shard-optimizer"};

}  // namespace

dist::Settings run_identity(const TrainOptions& o, const std::string& model_spec, int64_t train_examples, int64_t world) {
  // --reproducible fixes the global batch, not each rank's share: a run may resume on
  // another world size with --batch-size divided accordingly, and continue bitwise.
  const auto batch = o.reproducible ? std::make_pair(std::string("global-batch"), std::to_string(o.batch_size * world))
                                    : std::make_pair(std::string("batch-size"), std::to_string(o.batch_size));
  return {
      {"model", model_spec},
      {"data", o.data},
      {"training examples", std::to_string(train_examples)},
      {"loss", o.loss.empty() ? "(the model's)" : o.loss},
      {"optimizer", o.optimizer},
      {"lr", real(o.lr)},
      {"momentum", real(o.momentum)},
      {"weight-decay", real(o.weight_decay)},
      {"scheduler", o.scheduler},
      {"seed", std::to_string(o.seed)},
      batch,
      {"no-shuffle", o.no_shuffle ? "on" : "off"},
      {"bucket-by-length", o.bucket_by_length ? "on" : "off"},
      {"epochs", std::to_string(o.epochs)},
      {"max-steps", std::to_string(o.max_steps)},
      {"checkpoint-dir", o.checkpoint_dir},
      {"checkpoint-every", std::to_string(o.checkpoint_every)},
      {"keep", std::to_string(o.keep)},
      {"resume", o.resume},
      {"init-weights", o.init_weights},
      {"nan-policy", o.nan_policy},
      {"flush-denormal", o.flush_denormal ? "on" : "off"},
      {"bucket-cap-mb", real(o.bucket_cap_mb)},
      {"grad-accum", std::to_string(o.grad_accum)},
      {"reproducible", o.reproducible ? "on" : "off"},
      {"micro-batch-size", std::to_string(o.micro_batch_size)},
      {"shard-optimizer", o.shard_optimizer ? "on" : "off"},
      {"clip-grad-norm", real(o.clip_grad_norm)},
  };
}

void store_identity(std::map<std::string, std::string>& user, const dist::Settings& identity) {
  for (const auto& [name, value] : identity)
    if (name != "resume" && name != "init-weights") user["setting." + name] = value;
}

void require_resumable(const Checkpoint& c, const std::string& path, const dist::Settings& identity) {
  std::string diff;
  for (const auto& [name, value] : identity) {
    auto it = c.meta.user.find("setting." + name);
    if (it == c.meta.user.end() || kMayChangeOnResume.count(name) || it->second == value) continue;
    diff += (diff.empty() ? "" : ", ") + name + " '" + it->second + "' there, '" + value + "' now";
  }
  if (!diff.empty())
    throw UsageError("checkpoint '" + path + "' was written by a run with other settings: " + diff +
                     " (give the same settings to resume it, or another --checkpoint-dir to start a new run)");
}

}  // namespace ag::tools
