// Setting up a training run, resuming it, and saving it.
#include <cstdio>
#include <cstdlib>

#include "ag/data/global_batch_sampler.h"
#include "ag/runtime.h"
#include "ag/training_state.h"
#include "checkpoint_tools.h"
#include "json.h"
#include "train/optimizers.h"
#include "train/run.h"

namespace ag::tools {

namespace {

std::string fmt(const char* f, double v) {
  char b[64];
  std::snprintf(b, sizeof b, f, v);
  return b;
}

// Tensors for --init-weights: a safetensors file (e.g. from PyTorch), or a checkpoint
// file or directory (its "model" section). Matched to the model by name.
StateDict init_weights_state(const std::string& path) {
  bool safetensors = path.size() > 12 && path.compare(path.size() - 12, 12, ".safetensors") == 0;
  if (safetensors) {
    StateDict sd;
    for (const auto& [name, t] : load_safetensors(path)) sd.set_tensor(name, t);
    return sd;
  }
  return load_checkpoint(resolve_checkpoint_path(path)).section("model");
}

// PyTorch writes a tied weight once (safetensors' save_model keeps one of its names);
// the model's other names for the same tensor take that value, so a nanoGPT file with
// transformer.wte.weight but no lm_head.weight loads. Missing, unexpected and
// mismatched names are still reported by load_state_dict.
void fill_tied_names(const nn::Module& m, StateDict& sd) {
  const NamedTensors own = m.state_dict().tensors(), have = sd.tensors();
  for (const auto& [name, t] : own) {
    if (have.find(name)) continue;
    for (const auto& [other, u] : own)
      if (other != name && u.data_ptr() == t.data_ptr() && u.sizes() == t.sizes() && have.find(other)) {
        sd.set_tensor(name, *have.find(other));
        break;
      }
  }
}

void resume(Run& r, const std::string& path) {
  Checkpoint c = load_checkpoint(path);
  // Specs are compared parsed, so "mlp:4,8,3:act=relu" resumes a checkpoint of "mlp:4,8,3".
  std::string theirs;
  try {
    theirs = models::check_model_spec(c.meta.model_spec);
  } catch (const std::invalid_argument&) {
    theirs = c.meta.model_spec;
  }
  if (theirs != r.info.spec)
    throw std::runtime_error("checkpoint '" + path + "' is of model '" + c.meta.model_spec + "', not '" + r.o.model +
                             "' (pass the same --model, or start without --resume)");
  require_resumable(c, path, r.identity);
  r.state->restore(c, path);
  r.say("resumed from " + path + " at step " + std::to_string(r.state->step) + " (epoch " + std::to_string(r.state->epoch) + ")");
  if (c.meta.world_size != r.world && r.o.reproducible)  // the same global batch: the identity check saw to it
    r.say("note: the checkpoint was written by " + std::to_string(c.meta.world_size) + " rank(s), this run has " +
          std::to_string(r.world) + "; --reproducible keeps the global batch of " + std::to_string(r.o.batch_size * r.world) +
          ", so the run goes on as it would have");
  else if (c.meta.world_size != r.world)  // allowed (e.g. the survivors of a lost host), but not the same run any more
    r.say("note: the checkpoint was written by " + std::to_string(c.meta.world_size) + " rank(s), this run has " +
          std::to_string(r.world) + ": the rest of the epoch is spread over the ranks of this run, and each step now averages " +
          std::to_string(r.o.batch_size * r.world) + " samples instead of " + std::to_string(r.o.batch_size * c.meta.world_size));
}

void resume_or_init(Run& r) {
  std::string from;
  if (r.o.resume == "auto") {
    if (auto latest = r.ckdir->latest()) {
      from = latest->path;
      if (!latest->warning().empty()) r.say(latest->warning());
    }
  } else if (!r.o.resume.empty()) {
    from = resolve_checkpoint_path(r.o.resume);
  }
  if (!from.empty()) {
    resume(r, from);
  } else if (!r.o.init_weights.empty()) {
    StateDict sd = init_weights_state(r.o.init_weights);
    fill_tied_names(*r.info.module, sd);
    r.info.module->load_state_dict(sd);
    r.say("initial weights from " + r.o.init_weights);
  }
}

// A test-only environment variable: a whole number of at least 0, or -1 when unset.
int64_t test_env(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v) return -1;
  char* end = nullptr;
  long long n = std::strtoll(v, &end, 10);
  if (*end || n < 0) throw UsageError(std::string(name) + " is '" + v + "', not a whole number of at least 0");
  return n;
}

// The metrics file's first line: what this run is, for readers such as `allgrad report`.
std::string config_json(const Run& r, int threads) {
  std::string settings;
  for (const auto& [name, value] : r.identity) settings += (settings.empty() ? "" : ", ") + json::quote(name) + ": " + json::quote(value);
  settings += ", \"log-every\": " + json::quote(std::to_string(r.o.log_every)) + ", \"eval-every\": " + json::quote(std::to_string(r.o.eval_every));
  return "{\"version\": " + json::quote(allgrad_version()) + ", \"world_size\": " + std::to_string(r.world) +
         ", \"threads\": " + std::to_string(threads) +
         ", \"start_step\": " + std::to_string(r.state->step) + ", \"blas\": " + json::quote(blas_report()) + ", \"settings\": {" + settings + "}}";
}

// --no-shuffle for a language model under W ranks: llm.c's order for the global batch of
// B·W rows (batch k = windows k·B·W .. k·B·W + B·W − 1, contiguous), each rank taking its
// contiguous B rows, r·B .. r·B + B − 1, instead of DistributedSampler's every W-th
// window. DistributedSampler without shuffling hands rank r the positions r, r + W, ...,
// so position d = r + i·W (row i of rank r) is mapped to window (i / B)·B·W + r·B + i % B.
// Windows past the last whole global batch keep their place.
data::DatasetRef llmc_order(const data::DatasetRef& windows, int64_t batch, int64_t world) {
  const int64_t n = windows->size(), whole = n / (batch * world) * (batch * world);
  std::vector<int64_t> order(static_cast<size_t>(n));
  for (int64_t d = 0; d < n; ++d) {
    const int64_t rank = d % world, i = d / world;
    order[static_cast<size_t>(d)] = d < whole ? (i / batch) * batch * world + rank * batch + i % batch : d;
  }
  return data::DatasetRef(std::make_shared<data::Subset>(windows, order));
}

// A language model's parameters in nanoGPT's two groups (configure_optimizers): weight
// decay on every parameter of two or more dims (the Linear weights and the embeddings,
// the tied wte/lm_head weight among them), none on biases and LayerNorm weights.
// Other models keep one group.
// Under --shard-optimizer the same groups are cut into the ranks' shards.
void build_optimizer(Run& r) {
  const NamedTensors params = r.info.module->named_parameters();
  std::vector<optim::ParamGroup> groups;
  if (!r.info.language_model) {
    groups.emplace_back(params);
  } else {
    NamedTensors decay, no_decay;
    for (const auto& [name, p] : params) (p.dim() >= 2 ? decay : no_decay).insert(name, p);
    groups.emplace_back(decay);
    if (!no_decay.empty()) groups.emplace_back(no_decay, optim::Hyperparameters{{"weight_decay", 0.0}});
  }
  auto make = [&r](std::vector<optim::ParamGroup> g) { return optimizers().build(r.o.optimizer, std::move(g), r.o); };
  if (!r.o.shard_optimizer) {
    r.whole_optimizer = make(std::move(groups));
    r.optimizer = r.whole_optimizer.get();
    return;
  }
  r.zero = std::make_unique<dist::ZeroRedundancyOptimizer>(std::move(groups), make, r.comm_ptr);
  r.optimizer = &r.zero->local();
}

}  // namespace

Run::Run(const TrainOptions& opts, const std::shared_ptr<dist::Communicator>& c)
    : o(opts), comm_ptr(c), comm(*c), rank(c->rank()), world(c->world_size()), out(rank == 0 && !opts.quiet, rank == 0 ? opts.metrics : "") {}

int64_t Run::skipped() const {
  auto it = state->metrics.find("skipped_steps");
  return it == state->metrics.end() ? int64_t{0} : static_cast<int64_t>(it->second);
}

// --reproducible's preconditions, each named with its flags; returns the micro-batch size.
static int64_t check_reproducible(const Run& r) {
  const TrainOptions& o = r.o;
  const int64_t global = o.batch_size * r.world;
  const int64_t m = o.micro_batch_size > 0 ? o.micro_batch_size : global / 8;
  const auto power_of_two = [](int64_t n) { return n > 0 && (n & (n - 1)) == 0; };
  const std::string batch = "the global batch of " + std::to_string(global) + " (--batch-size " + std::to_string(o.batch_size) +
                            " × " + std::to_string(r.world) + (r.world > 1 ? " ranks)" : " rank)");
  if (o.grad_accum > 1) throw UsageError("--reproducible cuts each batch into micro-batches itself; leave out --grad-accum");
  if (o.bucket_by_length) throw UsageError("--reproducible does not combine with --bucket-by-length yet");
  if (r.data->variable_length) throw UsageError("--reproducible does not support variable-length data (" + o.data + ") yet");
  if (m == 0 || global % m != 0 || !power_of_two(global / m))
    throw UsageError("--reproducible: " + batch + " does not split into a power-of-two number of micro-batches of " +
                     std::to_string(m) + (o.micro_batch_size > 0 ? " (--micro-batch-size)" : " (the default, global batch / 8)") +
                     "; choose --batch-size and --micro-batch-size so that it does");
  if (!power_of_two(r.world) || o.batch_size % m != 0)
    throw UsageError("--reproducible: " + std::to_string(r.world) + " ranks cannot share the " + std::to_string(global / m) +
                     " micro-batches of " + std::to_string(m) + " alike (the world size must be a power of two and " + batch +
                     " must give every rank whole micro-batches)");
  return m;
}

std::unique_ptr<Run> set_up(const TrainOptions& o, const std::shared_ptr<dist::Communicator>& comm) {
  auto run = std::make_unique<Run>(o, comm);
  Run& r = *run;
  set_flush_denormal(o.flush_denormal);
  if (o.threads > 0) set_num_threads(o.threads);
  r.comm.set_collective_timeout(std::chrono::milliseconds(static_cast<int64_t>(o.collective_timeout * 1000)));
  if (!o.checkpoint_dir.empty()) ensure_writable_dir(o.checkpoint_dir);  // fail now, not after an hour
  set_detect_anomaly(o.detect_anomaly);

  manual_seed(o.seed);
  r.info = models::build_model(o.model);
  r.loss_kind = o.loss.empty() ? r.info.default_loss : o.loss;
  if (r.info.language_model && r.loss_kind != "cross-entropy")
    throw UsageError("--loss " + o.loss + ": a language model trains on next-token cross-entropy");
  if (r.loss_kind == "cross-entropy" && r.info.classes == 0)
    throw UsageError("--loss cross-entropy needs a classifier; " + o.model + " is an autoencoder");
  r.data = open_data(o.data, r.info.input_shape, r.info.default_loss == "mse" ? 0 : r.info.classes, o.seed, r.info.language_model);
  // (--reproducible's sampler gives each rank contiguous rows itself.)
  if (r.info.language_model && o.no_shuffle && r.world > 1 && !o.reproducible)
    r.data->train = llmc_order(r.data->train, o.batch_size, r.world);
  // Before anything is trained or written: ranks started with other settings stop here.
  r.identity = run_identity(o, r.info.spec, r.data->train->size(), r.world);
  dist::require_same_settings(r.comm, r.identity);

  int64_t micro_batch = 0;  // --reproducible
  if (o.reproducible) {
    micro_batch = check_reproducible(r);
    r.sampler = std::make_shared<data::GlobalBatchSampler>(r.data->train->size(), o.batch_size, r.world, r.rank, !o.no_shuffle,
                                                           o.seed);
  } else if (o.bucket_by_length) {
    const auto* seqs = dynamic_cast<const data::SequenceDataset*>(r.data->train.ptr().get());
    if (!seqs) throw UsageError("--bucket-by-length needs variable-length data (--data fortunes or lines), not " + o.data);
    r.sampler = std::make_shared<data::BucketSampler>(seqs->lengths(), o.batch_size, r.world, r.rank, !o.no_shuffle, o.seed);
  } else {
    r.sampler = std::make_shared<data::DistributedSampler>(r.data->train->size(), r.world, r.rank, !o.no_shuffle, o.seed);
  }
  r.loader = std::make_unique<data::DataLoader<>>(
      r.data->train, data::DataLoaderOptions(o.batch_size).sampler(r.sampler).seed(o.seed).drop_last(o.reproducible));
  build_optimizer(r);
  // The schedule spans every epoch; --max-steps only stops early, so a run cut short and
  // resumed follows the same learning rates as one that was not.
  const int64_t steps_per_epoch = (r.loader->size() + o.grad_accum - 1) / o.grad_accum;
  r.schedule = schedulers().build(o.scheduler, *r.optimizer, o.epochs * steps_per_epoch);
  r.state = std::make_unique<TrainingRun>(*r.info.module, *r.optimizer, *r.loader, r.schedule.sched.get());
  if (r.zero)  // checkpoints hold the whole state, gathered by save() before rank 0 captures
    r.state->set_optimizer_state_io([&r] { return r.zero->state_dict(); },
                                    [&r](const optim::OptimizerStateDict& sd) { r.zero->load_state_dict(sd); });
  r.state->model_spec = r.info.spec;
  r.state->world_size = r.world;
  store_identity(r.state->user, r.identity);

  if (!o.checkpoint_dir.empty()) {
    r.ckdir.emplace(o.checkpoint_dir, static_cast<int>(o.keep));
    if (r.rank == 0) r.ckdir->lock();  // the writer holds the directory for the whole run
  }
  resume_or_init(r);

  if (r.world > 1) {
    dist::DDPOptions ddp_options;
    ddp_options.bucket_cap_bytes = static_cast<size_t>(o.bucket_cap_mb * (1 << 20));
    r.ddp = std::make_unique<dist::DistributedDataParallel>(*r.info.module, comm, ddp_options);
  }
  if (o.reproducible)
    r.fixed = std::make_unique<dist::FixedOrderReducer>(r.info.module->parameters(), comm, o.batch_size * r.world / micro_batch);
  const int threads = get_num_threads();
  if (test_env("AG_TEST_SLOW_DATA_RANK") == r.rank) r.test_slow_data = std::chrono::milliseconds(std::max<int64_t>(0, test_env("AG_TEST_SLOW_DATA_MS")));
  r.out.metrics_config(config_json(r, threads));
  r.say("allgrad " + std::string(allgrad_version()) + ": " + r.info.spec + " on " + r.data->description + ", " +
        std::to_string(r.world) + (r.world > 1 ? " ranks × " : " rank × ") + std::to_string(threads) +
        (threads > 1 ? " threads, " : " thread, ") + std::to_string(o.batch_size) + " per rank per step, " + o.optimizer + " lr " +
        fmt("%g", o.lr) + ", " + o.scheduler + "; " + blas_report());
  if (r.zero)
    r.say("optimizer state sharded over the ranks: rank 0 holds and updates elements " + std::to_string(r.zero->shard_begin()) + "-" +
          std::to_string(r.zero->shard_end() - 1) + " of " + std::to_string(r.zero->numel()));
  return run;
}

std::string save(Run& r) {
  if (!r.ckdir) return "";
  std::string path;
  if (r.zero) r.zero->consolidate_state_dict(0);  // every rank sends its shard to the writer
  if (r.rank == 0) {  // the only writer, so the only rank that captures
    try {
      path = r.ckdir->save(r.state->capture());
    } catch (const CheckpointError& e) {
      std::optional<LatestCheckpoint> prev;
      try {
        prev = r.ckdir->latest();
      } catch (const CheckpointError&) {
      }
      // The atomic save has left the previous checkpoint intact and still the latest.
      throw std::runtime_error("cannot save the checkpoint of step " + std::to_string(r.state->step) + ", so training stops: " +
                               e.what() + (prev ? "; the latest checkpoint, " + prev->path + ", is intact (--resume auto continues from it)"
                                                : "; there is no earlier checkpoint"));
    }
  }
  if (r.zero) r.zero->release_state_dict();
  r.comm.barrier();  // others wait until the file is in place
  return path;
}

}  // namespace ag::tools
