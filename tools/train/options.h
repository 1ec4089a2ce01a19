// Settings of `allgrad train`: one table of flags with defaults and help,
// filled from an optional config file and then the command line.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace ag::tools {

struct TrainOptions {
  std::string model = "mlp:784,256,128,10";
  std::string data = "fashion-mnist";
  int64_t epochs = 15;
  int64_t max_steps = -1;  // -1: no limit
  int64_t batch_size = 64;
  std::string optimizer = "adamw";
  double lr = 2e-3;
  double momentum = 0.9;
  double weight_decay = 1e-4;
  std::string scheduler = "cosine";
  std::string loss;  // empty: the model's default
  bool no_shuffle = false;
  bool bucket_by_length = false;
  uint64_t seed = 0;
  int threads = 0;  // 0: cores / ranks on the node
  std::string checkpoint_dir;
  int64_t checkpoint_every = 0;  // steps; 0: each epoch end
  int keep = 3;  // CheckpointDir counts in int
  std::string resume;
  std::string init_weights;
  std::string metrics;
  std::string profile;
  int64_t log_every = 100;
  int64_t eval_every = 1;
  int64_t eval_every_steps = 0;  // language models: 0 = only at epoch ends
  int64_t eval_batches = 20;
  int64_t grad_accum = 1;
  bool reproducible = false;     // FixedOrderReducer: the same result on any world size
  int64_t micro_batch_size = 0;  // --reproducible: 0 = the global batch / 8
  bool shard_optimizer = false;  // ZeroRedundancyOptimizer
  double clip_grad_norm = 0;  // 0: no clipping
  bool quiet = false;
  double collective_timeout = 600;
  double bucket_cap_mb = 25;  // PyTorch DDP's bucket_cap_mb
  std::string nan_policy = "abort";
  bool detect_anomaly = false;
  bool flush_denormal = true;
  std::string config;
};

/// Parses `allgrad train` arguments (after the subcommand). Throws UsageError naming
/// the flag and the problem; `--help` throws HelpRequested with the text.
TrainOptions parse_train_options(const std::vector<std::string>& args);
/// The --help text: every flag with its default.
std::string train_help();

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
struct HelpRequested : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace ag::tools
