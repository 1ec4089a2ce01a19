// `allgrad train`: the epochs, the step, the end of an epoch, the summary. The step
// reads as the seed's train_epoch: zero_grad, forward, loss, backward (under DDP the
// gradients are averaged over the ranks when it returns, and the ranks' agreement on
// stopping and on non-finite gradients rides along), optimizer and scheduler step.
// Setting up, resuming and saving are in run_setup.cpp.
#include "train/train_loop.h"

#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>

#include <unistd.h>
#include <thread>

#include "ag/anomaly_mode.h"
#include "ag/mix64.h"
#include "ag/nn/clip_grad.h"
#include "json.h"
#include "train/lm_eval.h"
#include "train/run.h"
#include "train/trace_file.h"

namespace ag::tools {

namespace {

using Clock = std::chrono::steady_clock;
std::atomic<int> stop_signal{0};
// Said the moment a signal arrives (rank 0 only; empty elsewhere), with write(), which
// a handler may call: a launcher that forwards SIGTERM to the ranks kills them a moment
// later if they are still busy (Open MPI's mpirun does, in the middle of a long save),
// and the user must still learn what happened and how to go on.
char stop_notice[512];
size_t stop_notice_len = 0;
void on_signal(int sig) {
  stop_signal = sig;
  if (stop_notice_len) {
    ssize_t ignored = ::write(STDERR_FILENO, stop_notice, stop_notice_len);
    (void)ignored;
  }
}

void prepare_stop_notice(const Run& r) {
  if (r.rank != 0) return;
  std::string text = "allgrad: signal received: stopping after the current step" +
                     (r.ckdir ? " and its checkpoint; resume with: allgrad train <same flags> --resume auto --checkpoint-dir " +
                                    r.o.checkpoint_dir
                              : std::string("; no --checkpoint-dir was given, so nothing will be saved")) +
                     "\n";
  stop_notice_len = std::min(text.size(), sizeof stop_notice);
  std::memcpy(stop_notice, text.data(), stop_notice_len);
}

std::string fmt(const char* f, double v) {
  char b[64];
  std::snprintf(b, sizeof b, f, v);
  return b;
}

// Test accuracy (classification) or mean loss (autoencoder), each rank on every W-th example.
double evaluate(const models::ModelInfo& info, const data::DatasetRef& test, dist::Communicator& comm, bool classify) {
  nn::Module& model = *info.module;
  NoGradGuard ng;
  model.eval();
  std::vector<int64_t> mine;
  for (int64_t i = comm.rank(); i < test->size(); i += comm.world_size()) mine.push_back(i);
  data::DataLoader<> loader(std::make_shared<data::Subset>(test, mine), data::DataLoaderOptions(1000));
  double good = 0, count = 0;
  for (auto& batch : loader) {
    const Tensor &x = batch.data, &y = batch.target;
    Tensor out = models::predict(info, batch.fields());
    if (classify) good += static_cast<double>((out.argmax(1) == y).to(kInt64).sum().item<int64_t>());
    else good += nn::functional::mse_loss(out, y, ag::kSum).item();
    count += classify ? static_cast<double>(x.size(0)) : static_cast<double>(x.numel());
  }
  Tensor t = from_vector(std::vector<double>{good, count}, {2});
  comm.allreduce(t);
  model.train();
  return t.index({0}).item() / std::max(1.0, t.index({1}).item());
}

bool grads_finite(const nn::Module& m, std::string* first_bad) {
  for (const auto& [n, p] : m.named_parameters()) {
    const Tensor& g = p.grad();
    if (!g.defined()) continue;
    if (!all_finite(g)) {
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

// A save, booked to the checkpointing phase of the step timings (and of the trace).
std::string timed_save(Run& r) {
  if (!r.ckdir) return "";
  r.timer.skip();
  const auto start = Clock::now();
  std::string path = save(r);
  r.timer.mark(Phase::Ckpt);
  if (!path.empty())
    r.out.metrics_checkpoint(r.state->step, path, std::chrono::duration<double, std::milli>(Clock::now() - start).count());
  return path;
}

// The sharded optimizer's parameters are views: the model's gradients are cleared through it.
void zero_grad(Run& r) {
  if (r.zero) r.zero->zero_grad();
  else r.optimizer->zero_grad();
}

// Bytes of optimizer state this rank holds (under --shard-optimizer its shard's).
int64_t optimizer_state_bytes(const optim::Optimizer& opt) {
  int64_t bytes = 0;
  for (size_t g = 0; g < opt.param_groups().size(); ++g)
    for (size_t i = 0; i < opt.param_groups()[g].params.size(); ++i)
      for (const Tensor& b : opt.state(g, i).buffers)
        if (b.defined()) bytes += static_cast<int64_t>(b.nbytes());
  return bytes;
}

struct StepResult {
  double loss;
  bool skipped;  // non-finite gradients under --nan-policy skip
  bool stop;     // a rank was signalled: stop after this step, alike on every rank
};

Tensor step_loss(Run& r, const Tensor& pred, const Tensor& y) {
  if (r.info.language_model) return lm_loss(pred, y);
  return r.loss_kind == "mse" ? nn::functional::mse_loss(pred, y) : r.ce(pred, y);
}

// Forward and backward of one micro-batch of a step of `micros` (--grad-accum): the
// loss is scaled by 1/micros so the summed gradients are the mean's, and under DDP
// only the last micro-batch's backward exchanges them (no_sync before it, as
// PyTorch's accumulation recipe). Returns the unscaled loss.
double micro_step(Run& r, const data::Example<>& batch, int64_t micro, int64_t micros) {
  const Tensor& y = batch.target;
  if (micro == 0) {
    r.comm.set_step(r.state->step);
    zero_grad(r);
  }
  const bool last = micro + 1 == micros;
  try {
    Tensor loss = step_loss(r, models::predict(r.info, batch.fields()), y);  // (inputs, lengths) for sequence models
    const double value = loss.item();
    if (micros > 1) loss = loss / static_cast<double>(micros);
    r.timer.mark(Phase::Forward);
    if (r.ddp && last) r.ddp->vote_stop(stop_signal.load() != 0);
    if (r.ddp && !last) {
      auto guard = r.ddp->no_sync();
      loss.backward();
    } else {
      loss.backward();
    }
    r.timer.mark(Phase::Backward);
    if (r.ddp && last) r.timer.move(Phase::Backward, Phase::CommWait, r.ddp->last_finalize_wait());
    return value;
  } catch (const AnomalyError& e) {  // --detect-anomaly: say where in the run
    throw AnomalyError("step " + std::to_string(r.state->step + 1) + " on rank " + std::to_string(r.rank) + ": " + e.what());
  }
}

// A seed per micro-batch from the run's seed, the step and the micro-batch's global
// index: --reproducible's dropout streams follow the data, not the rank.
uint64_t micro_batch_seed(uint64_t seed, int64_t step, int64_t index) {
  return mix64(mix64(seed + static_cast<uint64_t>(step)) + static_cast<uint64_t>(index));
}

// --reproducible: the rank's batch as micro-batches of a fixed size, each with its own
// dropout stream and its own backward (never exchanged by DDP), their gradients summed
// by the fixed tree (dist::FixedOrderReducer) into the step's mean. Returns that mean
// loss, the same on every rank; the ranks' stop votes ride along.
double fixed_order_step(Run& r, const data::Example<>& batch) {
  r.comm.set_step(r.state->step);
  zero_grad(r);
  const int64_t m = r.o.batch_size / r.fixed->micro_batches_per_rank();
  for (int64_t k = 0; k < r.fixed->micro_batches_per_rank(); ++k) {
    std::vector<Tensor> fields;
    for (const Tensor& f : batch.fields()) fields.push_back(f.narrow(0, k * m, m));
    manual_seed(micro_batch_seed(r.o.seed, r.state->step, r.fixed->global_index(k)));
    Tensor loss = step_loss(r, models::predict(r.info, fields), fields[1]);
    const double value = loss.item();
    r.timer.mark(Phase::Forward);
    if (r.ddp) {
      auto guard = r.ddp->no_sync();
      loss.backward();
    } else {
      loss.backward();
    }
    r.fixed->add_micro_batch(value);
    r.timer.mark(Phase::Backward);
  }
  // The generator's state after the step (and so in checkpoints) must not depend on
  // which micro-batch this rank ran last.
  manual_seed(micro_batch_seed(r.o.seed, r.state->step, r.fixed->micro_batches()));
  const auto result = r.fixed->finish(stop_signal.load() != 0);
  r.timer.mark(Phase::CommWait);
  r.fixed_stop = result.stop;
  return result.mean_loss;
}

// After the last micro-batch's backward: agreement on non-finite gradients and on
// stopping, clipping, the optimizer and scheduler step. `loss` is the step's mean.
StepResult finish_step(Run& r, double loss) {
  std::string bad;
  // --reproducible: every rank holds the same gradients and the stop votes were gathered.
  const StepFlags flags = r.fixed ? StepFlags{r.fixed_stop, !grads_finite(*r.info.module, &bad)}
                                  : step_flags(r.ddp.get(), *r.info.module, &bad);
  if (flags.nonfinite) {
    // Steps are numbered from 1 in messages, as in the log lines and checkpoint names.
    if (r.o.nan_policy == "abort") throw std::runtime_error(non_finite_report(r.comm, r.state->step + 1, bad, loss));
    r.state->metrics["skipped_steps"] += 1;  // on every rank alike: they all saw the same agreement
  } else {
    // After DDP's averaging every rank holds the same gradients, so all clip alike.
    if (r.o.clip_grad_norm > 0) r.grad_norm = nn::utils::clip_grad_norm_(r.info.module->parameters(), r.o.clip_grad_norm);
    if (r.zero) r.zero->step();
    else r.optimizer->step();
    if (r.schedule.sched && !r.schedule.per_epoch) r.schedule.sched->step();
  }
  ++r.state->step;
  r.timer.mark(Phase::Optim);
  r.timer.end_step();
  return {loss, flags.nonfinite, flags.stop};
}

// Validation loss every --eval-every-steps steps (language models), logged and in the metrics.
void maybe_validate(Run& r, double loss, double lr, double samples_per_s) {
  const TrainOptions& o = r.o;
  if (!r.info.language_model || !r.data->test || o.eval_every_steps <= 0 || r.state->step % o.eval_every_steps != 0) return;
  r.timer.skip();
  const double v = validation_loss(*r.info.module, *r.data->test, r.comm, o.batch_size, o.eval_batches);
  r.timer.skip();
  r.say("step " + std::to_string(r.state->step) + ": val loss " + fmt("%.4f", v) + " (" + fmt("%.4f", v / std::log(2.0)) + " bits per byte)");
  r.out.metrics(r.state->step, r.state->epoch, loss, lr, samples_per_s, r.skipped(), std::nullopt,
                ", \"val_loss\": " + json::number(v) + ", \"val_bpb\": " + json::number(v / std::log(2.0)));
}

// One pass over the loader (or the rest of one, after a resume). Returns false when
// the run stops inside it (a signal, --max-steps).
struct EpochResult {
  double mean_loss = NAN;  // over the steps taken
  double samples_per_s = 0;
  double last_loss = NAN;
  bool finished = false;  // the pass reached its end
  bool stopped = false;   // by a signal
};

EpochResult train_epoch(Run& r, int64_t& samples) {
  const TrainOptions& o = r.o;
  TrainingRun& st = *r.state;
  const int64_t batches = r.loader->size();
  if (!r.loader->position().mid_pass) r.sampler->set_epoch(st.epoch);
  data::LoaderPosition at = r.loader->position();
  int64_t batch_index = at.mid_pass ? at.batches : 0, epoch_samples = 0, loss_n = 0;
  double loss_sum = 0;
  EpochResult e;
  auto t_epoch = Clock::now();
  r.timer.skip();
  // --grad-accum N: steps of N micro-batches, the epoch's last one of what is left.
  // Saves and resumes fall between steps, so a resumed pass starts a step too.
  int64_t micro = 0, micros = 0;
  double micro_loss = 0;
  for (auto& batch : *r.loader) {
    if (r.test_slow_data.count()) std::this_thread::sleep_for(r.test_slow_data);
    r.timer.mark(Phase::Data);
    if (micro == 0) micros = std::min(o.grad_accum, batches - batch_index), micro_loss = 0;
    micro_loss += r.fixed ? fixed_order_step(r, batch) : micro_step(r, batch, micro, micros);
    epoch_samples += batch.data.size(0) * r.world;
    samples += batch.data.size(0) * r.world;
    ++batch_index;
    if (++micro < micros) {
      r.timer.skip();
      continue;
    }
    micro = 0;
    StepResult s = finish_step(r, micro_loss / static_cast<double>(micros));
    e.last_loss = s.loss;
    if (!s.skipped) loss_sum += s.loss, ++loss_n;
    double secs = std::chrono::duration<double>(Clock::now() - t_epoch).count();
    e.samples_per_s = secs > 0 ? static_cast<double>(epoch_samples) / secs : 0;
    double lr = r.optimizer->param_groups()[0].lr();
    double eta = e.samples_per_s > 0 ? static_cast<double>((batches - batch_index) * o.batch_size * r.world) / e.samples_per_s : 0;
    r.out.step(st.epoch, o.epochs, batch_index - 1, batches, st.step, s.loss, lr, e.samples_per_s, eta, o.log_every);
    if (st.step % o.log_every == 0)
      r.out.metrics(st.step, st.epoch, s.loss, lr, e.samples_per_s, r.skipped(), std::nullopt,
                    r.timer.take_json(r.comm) +
                        (r.info.language_model
                             ? ", \"tokens_per_s\": " + json::number(e.samples_per_s * static_cast<double>(r.info.input_shape[0]))
                             : "") +
                        (o.clip_grad_norm > 0 ? ", \"grad_norm\": " + json::number(r.grad_norm) : "") +
                        ", \"optimizer_state_bytes\": " + std::to_string(optimizer_state_bytes(*r.optimizer)));
    if (s.stop || (o.max_steps >= 0 && st.step >= o.max_steps)) {
      e.stopped = s.stop;
      break;
    }
    maybe_validate(r, s.loss, lr, e.samples_per_s);
    if (o.checkpoint_every > 0 && st.step % o.checkpoint_every == 0) timed_save(r);
    r.timer.skip();
  }
  r.out.end_epoch();
  e.finished = !r.loader->position().mid_pass;
  e.mean_loss = loss_n ? loss_sum / static_cast<double>(loss_n) : NAN;
  return e;
}

// After a finished pass: the epoch count, a per-epoch schedule, evaluation, a save.
void end_epoch(Run& r, const EpochResult& e, std::optional<double>& accuracy) {
  const TrainOptions& o = r.o;
  TrainingRun& st = *r.state;
  ++st.epoch;
  if (r.schedule.sched && r.schedule.per_epoch) r.schedule.sched->step();
  st.metrics["loss"] = e.mean_loss;
  if (r.info.language_model && r.data->test && o.eval_every > 0 && (st.epoch % o.eval_every == 0 || st.epoch == o.epochs)) {
    const double v = validation_loss(*r.info.module, *r.data->test, r.comm, o.batch_size, o.eval_batches);
    st.metrics["val_loss"] = v;
    r.say("epoch " + std::to_string(st.epoch) + "/" + std::to_string(o.epochs) + ": train loss " + fmt("%.4f", e.mean_loss) + ", val loss " +
          fmt("%.4f", v) + " (" + fmt("%.4f", v / std::log(2.0)) + " bits per byte)");
    r.out.metrics(st.step, st.epoch, e.mean_loss, r.optimizer->param_groups()[0].lr(), e.samples_per_s, r.skipped(), std::nullopt,
                  ", \"val_loss\": " + json::number(v) + ", \"val_bpb\": " + json::number(v / std::log(2.0)));
  } else if (r.data->test && o.eval_every > 0 && (st.epoch % o.eval_every == 0 || st.epoch == o.epochs)) {
    const bool classify = r.loss_kind == "cross-entropy";
    double v = evaluate(r.info, *r.data->test, r.comm, classify);
    if (classify) accuracy = v;
    st.metrics[classify ? "test_accuracy" : "test_mse"] = v;
    r.say("epoch " + std::to_string(st.epoch) + "/" + std::to_string(o.epochs) + ": train loss " + fmt("%.4f", e.mean_loss) +
          (classify ? ", test accuracy " + fmt("%.4f", v) : ", test mse " + fmt("%.5f", v)));
    // The epoch's samples/s is the training's, measured before the evaluation began.
    r.out.metrics(st.step, st.epoch, e.mean_loss, r.optimizer->param_groups()[0].lr(), e.samples_per_s, r.skipped(), accuracy,
                  classify ? "" : ", \"test_mse\": " + json::number(v));
  }
  if (o.checkpoint_every == 0 && st.epoch < o.epochs) timed_save(r);
}

int finish(Run& r, double last_loss, int64_t samples, double wall, const std::optional<double>& accuracy, bool stopped) {
  if (std::isfinite(last_loss)) r.state->metrics["last_step_loss"] = last_loss;
  std::string path = timed_save(r);
  std::string summary = "done: " + std::to_string(r.state->step) + " steps in " + fmt("%.1f", wall) + " s, " +
                        fmt("%.0f", wall > 0 ? static_cast<double>(samples) / wall : 0) + " samples/s";
  if (r.info.language_model)
    summary += " (" + fmt("%.0f", wall > 0 ? static_cast<double>(samples * r.info.input_shape[0]) / wall : 0) + " tokens/s)";
  if (auto v = r.state->metrics.find("val_loss"); r.info.language_model && v != r.state->metrics.end())
    summary += ", val loss " + fmt("%.4f", v->second);
  if (accuracy) summary += ", test accuracy " + fmt("%.4f", *accuracy);
  if (int64_t n = r.skipped()) summary += ", " + std::to_string(n) + (n == 1 ? " step" : " steps") + " skipped (non-finite gradients)";
  if (!path.empty()) summary += "; checkpoint " + path;
  if (r.rank != 0) return stopped ? 128 + stop_signal.load() : 0;
  r.out.summary(summary);
  if (!stopped) return 0;
  std::fprintf(stderr, "allgrad: stopped by signal %d after step %lld; %s\n", stop_signal.load(), static_cast<long long>(r.state->step),
               r.ckdir ? ("resume with: allgrad train <same flags> --resume auto --checkpoint-dir " + r.o.checkpoint_dir).c_str()
                       : "no --checkpoint-dir was given, so nothing was saved");
  return 128 + stop_signal.load();
}

}  // namespace

int run_train(const TrainOptions& o, const std::shared_ptr<dist::Communicator>& comm) {
  std::unique_ptr<Run> run = set_up(o, comm);
  Run& r = *run;
  prepare_stop_notice(r);
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  if (o.max_steps == 0) {
    std::string path = save(r);
    if (!path.empty()) r.say("initial state: checkpoint " + path);
    return 0;
  }
  start_trace(r);
  auto t_start = Clock::now();
  int64_t samples = 0;
  double last_loss = NAN;
  std::optional<double> accuracy;
  bool stopped = false;
  r.info.module->train();
  while (r.state->epoch < o.epochs && !stopped && (o.max_steps < 0 || r.state->step < o.max_steps)) {
    EpochResult e = train_epoch(r, samples);
    last_loss = e.last_loss;
    stopped = e.stopped;
    if (!e.finished) break;
    end_epoch(r, e, accuracy);
  }
  double wall = std::chrono::duration<double>(Clock::now() - t_start).count();
  const int rc = finish(r, last_loss, samples, wall, accuracy, stopped);
  write_trace(r);
  return rc;
}

}  // namespace ag::tools
