// The training run: set-up, the step loop, evaluation, checkpoints, summary.
// The step itself (forward, loss, backward with DDP's bucketed allreduce — which
// also carries the ranks' agreement on stop/non-finite — optimizer and scheduler
// step) is one screen in run_train().
#include "train/train_loop.h"

#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <filesystem>

#include "ag/ag.h"
#include "ag/anomaly_mode.h"
#include "ag/checkpoint.h"
#include "ag/dist/ddp.h"
#include "ag/training_state.h"
#include "ag/runtime.h"
#include "registry.h"
#include "train/data_source.h"
#include "train/progress.h"
#include "train/run_state.h"

namespace ag::tools {

namespace {

using Clock = std::chrono::steady_clock;
std::atomic<int> stop_signal{0};
void on_signal(int sig) { stop_signal = sig; }

std::string fmt(const char* f, double v) {
  char b[64];
  std::snprintf(b, sizeof b, f, v);
  return b;
}

optim::NamedTensors named_params(const nn::Module& m) {
  optim::NamedTensors out;
  for (const auto& [n, t] : m.named_parameters()) out.emplace_back(n, t);
  return out;
}

std::unique_ptr<optim::Optimizer> make_optimizer(const TrainOptions& o, const nn::Module& m) {
  auto params = named_params(m);
  if (o.optimizer == "adam") return std::make_unique<optim::Adam>(params, optim::AdamOptions{.lr = o.lr, .weight_decay = o.weight_decay});
  if (o.optimizer == "adamw") return std::make_unique<optim::AdamW>(params, optim::AdamWOptions{.lr = o.lr, .weight_decay = o.weight_decay});
  if (o.optimizer == "sgd")
    return std::make_unique<optim::SGD>(params, optim::SGDOptions{.lr = o.lr, .momentum = o.momentum, .weight_decay = o.weight_decay});
  return std::make_unique<optim::RMSprop>(params, optim::RMSpropOptions{.lr = o.lr, .weight_decay = o.weight_decay, .momentum = o.momentum});
}

// Per-step schedulers (cosine, warmup) step after every optimizer step; step:SIZE,GAMMA counts epochs.
struct Schedule {
  std::shared_ptr<optim::LRScheduler> sched;
  bool per_epoch = false;
};

Schedule make_scheduler(const std::string& spec, optim::Optimizer& opt, int64_t total_steps) {
  if (spec == "none" || spec.empty()) return {};
  if (spec == "cosine") return {std::make_shared<optim::CosineAnnealingLR>(opt, std::max<int64_t>(1, total_steps)), false};
  auto colon = spec.find(':');
  std::string kind = spec.substr(0, colon), args = colon == std::string::npos ? "" : spec.substr(colon + 1);
  try {
    if (kind == "step") {
      auto comma = args.find(',');
      if (comma == std::string::npos) throw std::invalid_argument("");
      int64_t size = std::stoll(args.substr(0, comma));
      double gamma = std::stod(args.substr(comma + 1));
      return {std::make_shared<optim::StepLR>(opt, size, gamma), true};
    }
    if (kind == "warmup") {
      int64_t warm = std::stoll(args);
      auto w = std::make_shared<optim::LinearLR>(opt, 1e-3, 1.0, warm);
      auto c = std::make_shared<optim::CosineAnnealingLR>(opt, std::max<int64_t>(1, total_steps - warm));
      return {std::make_shared<optim::SequentialLR>(opt, std::vector<std::shared_ptr<optim::LRScheduler>>{w, c},
                                                     std::vector<int64_t>{warm}),
              false};
    }
  } catch (const std::invalid_argument&) {
  } catch (const std::out_of_range&) {
  }
  throw UsageError("--scheduler: '" + spec + "' is not none, cosine, step:SIZE,GAMMA or warmup:STEPS");
}

// Test accuracy (classification) or mean loss (autoencoder), each rank on every W-th example.
double evaluate(nn::Module& model, const data::DatasetRef& test, dist::Communicator& comm, bool classify) {
  NoGradGuard ng;
  model.eval();
  std::vector<int64_t> mine;
  for (int64_t i = comm.rank(); i < test->size(); i += comm.world_size()) mine.push_back(i);
  data::DataLoader<> loader(std::make_shared<data::Subset>(test, mine), {.batch_size = 1000});
  double good = 0, count = 0;
  for (auto& batch : loader) {
    auto [x, y] = batch.unpack<2>();
    Tensor out = model(x);
    if (classify) good += static_cast<double>((out.argmax(1) == y).to(kInt64).sum().item<int64_t>());
    else good += nn::functional::mse_loss(out, y, nn::Reduction::Sum).item();
    count += classify ? static_cast<double>(x.size(0)) : static_cast<double>(x.numel());
  }
  Tensor t = from_vector(std::vector<double>{good, count}, {2});
  comm.allreduce(t);
  model.train();
  return t.index({0}).item() / std::max(1.0, t.index({1}).item());
}

// One pass per gradient: v*0 is 0 for finite v and NaN for inf or NaN. Sixteen
// independent sums, because one running sum makes every addition wait for the
// previous one (the compiler may not reorder floating-point adds) and would not vectorise.
template <typename T>
bool all_finite(const Tensor& g) {
  Tensor c = g.contiguous();
  const T* p = c.data_ptr<T>();
  constexpr int kLanes = 16;
  T acc[kLanes] = {};
  int64_t i = 0, n = c.numel();
  for (; i + kLanes <= n; i += kLanes)
    for (int l = 0; l < kLanes; ++l) acc[l] += p[i + l] * T(0);
  for (; i < n; ++i) acc[0] += p[i] * T(0);
  T total = 0;
  for (T a : acc) total += a;
  return total == T(0);
}

bool grads_finite(const nn::Module& m, std::string* first_bad) {
  for (const auto& [n, p] : m.named_parameters()) {
    const Tensor& g = p.grad();
    if (!g.defined()) continue;
    bool ok = g.dtype() == kFloat64 ? all_finite<double>(g) : all_finite<float>(g);
    if (!ok) {
      *first_bad = n;
      return false;
    }
  }
  return true;
}

// Whether to stop after this step and whether its (averaged) gradients hold an inf or
// NaN, alike on every rank. Under DDP both were agreed on in the gradient allreduce
// itself (DistributedDataParallel::Agreement), so a step costs no extra pass and no
// collective of its own; on one rank it is one pass over the gradients. `first_bad`
// gets the first parameter whose gradient is not finite, looked up only then.
struct StepFlags {
  bool stop = false;
  bool nonfinite = false;
};
StepFlags step_flags(const dist::DistributedDataParallel* ddp, const nn::Module& m, std::string* first_bad) {
  if (!ddp) return {stop_signal.load() != 0, !grads_finite(m, first_bad)};
  const auto& a = ddp->last_agreement();
  StepFlags f{a.stop_votes > 0, a.nonfinite_ranks > 0};
  if (f.nonfinite) grads_finite(m, first_bad);
  return f;
}

// Names the step, the rank(s) and the first parameter of a non-finite gradient.
// DDP has already averaged the gradients, so every rank sees the bad values; the
// rank where they began is the one whose own loss was non-finite, which each rank
// tells the others (a collective every rank reaches, as all saw the same flag).
std::string non_finite_report(dist::Communicator& comm, int64_t step, const std::string& first_bad, double loss) {
  std::string mine = std::isfinite(loss) ? "" : std::isnan(loss) ? "nan" : fmt("%g", loss);  // NaN's sign means nothing
  std::vector<std::string> losses = comm.world_size() > 1 ? comm.allgather_string(mine) : std::vector<std::string>{mine};
  std::string ranks, what;
  for (size_t r = 0; r < losses.size(); ++r) {
    if (losses[r].empty()) continue;
    ranks += (ranks.empty() ? "" : ", ") + std::to_string(r);
    what += (what.empty() ? "" : ", ") + losses[r];
  }
  std::string detail = "first parameter: " + first_bad;
  if (ranks.empty()) {
    for (int r = 0; r < comm.world_size(); ++r) ranks += (r ? ", " : "") + std::to_string(r);
    detail += comm.world_size() > 1 ? "; every rank's loss was finite" : "; the loss was finite";
  } else {
    detail += (comm.world_size() > 1 ? "; loss " + what + " there, finite on the other ranks" : "; loss " + what);
  }
  return "non-finite gradient at step " + std::to_string(step) + " on rank" + (ranks.find(',') != std::string::npos ? "s " : " ") +
         ranks + " (" + detail + "); --nan-policy skip drops such steps, --detect-anomaly names the op";
}

}  // namespace

int run_train(const TrainOptions& o, const std::shared_ptr<dist::Communicator>& comm_ptr) {
  dist::Communicator& comm = *comm_ptr;
  const int rank = comm.rank(), world = comm.world_size();
  Progress out(rank == 0 && !o.quiet, rank == 0 ? o.metrics : "");
  auto say = [&](const std::string& s) { out.line(s); };
  set_flush_denormal(o.flush_denormal);
  if (o.threads > 0) set_num_threads(o.threads);
  comm.set_collective_timeout(std::chrono::milliseconds(static_cast<int64_t>(o.collective_timeout * 1000)));
  if (!o.checkpoint_dir.empty()) ensure_writable_dir(o.checkpoint_dir);  // fail now, not after an hour
  if (o.resume == "auto" && o.checkpoint_dir.empty()) throw UsageError("--resume auto needs --checkpoint-dir");
  set_detect_anomaly(o.detect_anomaly);

  manual_seed(o.seed);
  models::ModelInfo info = models::build_model(o.model);
  std::string loss_kind = o.loss.empty() ? info.default_loss : o.loss;
  if (loss_kind != "cross-entropy" && loss_kind != "mse") throw UsageError("--loss: '" + loss_kind + "' is not cross-entropy or mse");
  if (loss_kind == "cross-entropy" && info.classes == 0) throw UsageError("--loss cross-entropy needs a classifier; " + o.model + " is an autoencoder");
  DataSource src = open_data(o.data, info.input_shape, info.default_loss == "mse" ? 0 : info.classes, o.seed);

  RunState st;
  st.model_spec = info.spec;
  st.model = info.module;
  st.world_size = world;
  auto sampler = std::make_shared<data::DistributedSampler>(src.train->size(), world, rank, !o.no_shuffle, o.seed);
  st.loader = std::make_unique<data::DataLoader<>>(src.train, data::DataLoaderOptions{.batch_size = o.batch_size, .sampler = sampler, .seed = o.seed});
  const int64_t batches = st.loader->size();
  // The schedule spans every epoch; --max-steps only stops early, so a run cut short and
  // resumed follows the same learning rates as one that was not.
  const int64_t total_steps = o.epochs * batches;
  st.optimizer = make_optimizer(o, *st.model);
  Schedule schedule = make_scheduler(o.scheduler, *st.optimizer, total_steps);
  st.scheduler = schedule.sched;

  std::optional<CheckpointDir> ckdir;
  if (!o.checkpoint_dir.empty()) ckdir.emplace(o.checkpoint_dir, static_cast<int>(o.keep));
  std::string resume_from;
  if (o.resume == "auto") {
    if (auto latest = ckdir->latest()) {
      resume_from = latest->path;
      if (!latest->warning().empty()) say(latest->warning());
    }
  } else if (!o.resume.empty()) {
    resume_from = resolve_checkpoint_path(o.resume);
  }
  if (!resume_from.empty()) {
    Checkpoint c = load_checkpoint(resume_from);
    restore(st, c, resume_from);
    say("resumed from " + resume_from + " at step " + std::to_string(st.step) + " (epoch " + std::to_string(st.epoch) + ")");
    if (c.meta.world_size != world)  // allowed (e.g. the survivors of a lost host), but not the same run any more
      say("note: the checkpoint was written by " + std::to_string(c.meta.world_size) + " rank(s), this run has " + std::to_string(world) +
          ": the rest of the epoch is spread over the ranks of this run, and each step now averages " +
          std::to_string(o.batch_size * world) + " samples instead of " + std::to_string(o.batch_size * c.meta.world_size));
  } else if (!o.init_weights.empty()) {
    StateDict w = init_weights_state(o.init_weights);
    load_module_state(*st.model, w);
    say("initial weights from " + o.init_weights);
  }

  std::unique_ptr<dist::DistributedDataParallel> ddp;
  if (world > 1) {
    dist::NamedTensors params, buffers;
    for (const auto& [n, t] : st.model->named_parameters()) params.emplace_back(n, t);
    for (const auto& [n, t] : st.model->named_buffers()) buffers.emplace_back(n, t);
    ddp = std::make_unique<dist::DistributedDataParallel>(params, buffers, comm_ptr);
  }
  const int threads = get_num_threads();
  say("allgrad " + std::string(allgrad_version()) + ": " + info.spec + " on " + src.description + ", " +
      std::to_string(world) + (world > 1 ? " ranks × " : " rank × ") + std::to_string(threads) + (threads > 1 ? " threads, " : " thread, ") +
      std::to_string(o.batch_size) + " per rank per step, " + o.optimizer + " lr " + fmt("%g", o.lr) + ", " +
      (o.scheduler.empty() ? "none" : o.scheduler) + "; " + blas_report());

  // A save that fails (disk full, file-size limit, directory gone read-only) stops the
  // run with exit 1, as an exception from torch.save ends a PyTorch script: going on
  // would train for hours with nothing to resume from. The atomic save has left the
  // previous checkpoint intact and still the latest, and removed its temporary.
  auto save = [&](const char* why) {
    if (!ckdir) return std::string();
    std::string path;
    Checkpoint c = capture(st);
    if (rank == 0) {
      try {
        path = ckdir->save(c);
      } catch (const CheckpointError& e) {
        std::optional<LatestCheckpoint> prev;
        try {
          prev = ckdir->latest();
        } catch (const CheckpointError&) {
        }
        throw std::runtime_error("cannot save the checkpoint of step " + std::to_string(st.step) + ", so training stops: " +
                                 e.what() + (prev ? "; the latest checkpoint, " + prev->path + ", is intact (--resume auto continues from it)"
                                                  : "; there is no earlier checkpoint"));
      }
    }
    comm.barrier();  // others wait until the file is in place
    if (rank == 0 && why) say(std::string(why) + ": checkpoint " + path);
    return path;
  };

  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  if (o.max_steps == 0) {
    save("initial state");
    return 0;
  }

  nn::CrossEntropyLoss ce;
  auto t_start = Clock::now();
  int64_t samples = 0;
  // Counted over the whole run in the metrics, so checkpoints keep it and a
  // resumed run goes on from it; absent until a step is skipped.
  auto skipped = [&st] {
    auto it = st.metrics.find("skipped_steps");
    return it == st.metrics.end() ? int64_t{0} : static_cast<int64_t>(it->second);
  };
  double last_loss = NAN;
  std::optional<double> accuracy;
  bool stopped = false;
  st.model->train();
  while (st.epoch < o.epochs && !stopped && (o.max_steps < 0 || st.step < o.max_steps)) {
    if (!st.loader->position().mid_pass) sampler->set_epoch(st.epoch);
    auto t_epoch = Clock::now();
    data::LoaderPosition at = st.loader->position();
    int64_t epoch_samples = 0, batch_index = at.mid_pass ? at.batches : 0;
    double loss_sum = 0;
    int64_t loss_n = 0;
    for (auto& batch : *st.loader) {
      // ---- one step
      comm.set_step(st.step);
      auto [x, y] = batch.unpack<2>();
      st.optimizer->zero_grad();
      Tensor loss;
      try {
        Tensor pred = (*st.model)(x);
        loss = loss_kind == "mse" ? nn::functional::mse_loss(pred, y) : ce(pred, y);
        if (ddp) ddp->vote_stop(stop_signal.load() != 0);
        loss.backward();  // with DDP: gradients averaged over the ranks when this returns
      } catch (const AnomalyError& e) {  // --detect-anomaly: say where in the run
        throw AnomalyError("step " + std::to_string(st.step + 1) + " on rank " + std::to_string(rank) + ": " + e.what());
      }
      std::string bad;
      const StepFlags flags = step_flags(ddp.get(), *st.model, &bad);
      if (flags.nonfinite) {
        // Steps are numbered from 1 in messages, as in the log lines and checkpoint names.
        if (o.nan_policy == "abort") throw std::runtime_error(non_finite_report(comm, st.step + 1, bad, loss.item()));
        st.metrics["skipped_steps"] += 1;  // on every rank alike: they all saw the same agreement
      } else {
        st.optimizer->step();
        if (st.scheduler && !schedule.per_epoch) st.scheduler->step();
      }
      ++st.step;
      // ---- bookkeeping
      last_loss = loss.item();
      if (!flags.nonfinite) {  // the epoch's mean loss is over the steps taken
        loss_sum += last_loss;
        ++loss_n;
      }
      epoch_samples += x.size(0) * world;
      samples += x.size(0) * world;
      double secs = std::chrono::duration<double>(Clock::now() - t_epoch).count();
      double sps = secs > 0 ? static_cast<double>(epoch_samples) / secs : 0;
      double lr = st.optimizer->param_groups()[0].lr();
      out.step(st.epoch, o.epochs, batch_index, batches, st.step, last_loss, lr, sps,
               sps > 0 ? static_cast<double>((batches - batch_index - 1) * o.batch_size * world) / sps : 0, o.log_every);
      if (st.step % o.log_every == 0) out.metrics(st.step, st.epoch, last_loss, lr, sps, skipped());
      ++batch_index;
      if (flags.stop || (o.max_steps >= 0 && st.step >= o.max_steps)) {
        stopped = flags.stop;
        break;
      }
      if (o.checkpoint_every > 0 && st.step % o.checkpoint_every == 0) save(nullptr);
    }
    bool epoch_done = !st.loader->position().mid_pass;
    out.end_epoch();
    if (!epoch_done) break;
    ++st.epoch;
    if (st.scheduler && schedule.per_epoch) st.scheduler->step();
    st.metrics["loss"] = loss_n ? loss_sum / static_cast<double>(loss_n) : NAN;
    if (src.test && o.eval_every > 0 && (st.epoch % o.eval_every == 0 || st.epoch == o.epochs)) {
      double v = evaluate(*st.model, *src.test, comm, loss_kind == "cross-entropy");
      if (loss_kind == "cross-entropy") {
        accuracy = v;
        st.metrics["test_accuracy"] = v;
      } else {
        st.metrics["test_mse"] = v;
      }
      say("epoch " + std::to_string(st.epoch) + "/" + std::to_string(o.epochs) + ": train loss " +
          fmt("%.4f", st.metrics["loss"]) + (loss_kind == "cross-entropy" ? ", test accuracy " + fmt("%.4f", v) : ", test mse " + fmt("%.5f", v)));
      out.metrics(st.step, st.epoch, st.metrics["loss"], st.optimizer->param_groups()[0].lr(),
                  static_cast<double>(epoch_samples) / std::chrono::duration<double>(Clock::now() - t_epoch).count(),
                  skipped(), accuracy);
    }
    if (o.checkpoint_every == 0 && st.epoch < o.epochs) save(nullptr);
  }
  if (std::isfinite(last_loss)) st.metrics["last_step_loss"] = last_loss;
  std::string final_path = save(nullptr);
  double wall = std::chrono::duration<double>(Clock::now() - t_start).count();
  std::string summary = "done: " + std::to_string(st.step) + " steps in " + fmt("%.1f", wall) + " s, " +
                        fmt("%.0f", wall > 0 ? static_cast<double>(samples) / wall : 0) + " samples/s";
  if (accuracy) summary += ", test accuracy " + fmt("%.4f", *accuracy);
  if (int64_t n = skipped()) summary += ", " + std::to_string(n) + (n == 1 ? " step" : " steps") + " skipped (non-finite gradients)";
  if (!final_path.empty()) summary += "; checkpoint " + final_path;
  if (rank == 0) {
    std::printf("%s\n", summary.c_str());
    std::fflush(stdout);
  }
  if (stopped) {
    if (rank == 0)
      std::fprintf(stderr, "allgrad: stopped by signal %d after step %lld; %s\n", stop_signal.load(),
                   static_cast<long long>(st.step),
                   ckdir ? ("resume with: allgrad train <same flags> --resume auto --checkpoint-dir " + o.checkpoint_dir).c_str()
                         : "no --checkpoint-dir was given, so nothing was saved");
    return 128 + stop_signal.load();
  }
  return 0;
}

}  // namespace ag::tools
