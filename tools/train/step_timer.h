// Where a rank's training time goes, per phase of the step (data wait, forward,
// backward compute, gradient-exchange wait, optimizer, checkpointing), summed
// between two logged steps and turned into per-step averages for the metrics.
// A few steady-clock reads per step: cheap enough to be always on. Under --profile
// each phase is also an event of the trace.
#pragma once
#include <array>
#include <chrono>
#include <cstdint>
#include <string>

#include "ag/dist/communicator.h"
#include "ag/profiler.h"

namespace ag::tools {

enum class Phase { Data, Forward, Backward, CommWait, Optim, Ckpt };
inline constexpr int kPhases = 6;

class StepTimer {
 public:
  using Clock = std::chrono::steady_clock;

  /// Starts timing the next phase: the time since the last mark goes to `p`.
  void mark(Phase p) {
    auto now = Clock::now();
    add(p, now - last_);
    if (profiler::is_enabled()) trace(p, now);
    last_ = now;
  }
  /// Moves `d` of what was booked to `from` over to `to` (the exchange wait that
  /// backward's clock includes).
  void move(Phase from, Phase to, Clock::duration d);
  /// Starts the next phase here without booking the time since the last mark
  /// (logging, an evaluation), so the data phase is the loader's wait alone.
  void skip() { last_ = Clock::now(); }
  void end_step() { ++steps_; }

  /// Per-step averages (ms) since the last call, gathered over the ranks (a collective
  /// every rank must reach at the same step), as members to append to a metrics JSON
  /// object: each key's max over ranks, "ranks" with each key's per-rank array, and
  /// "slowest_rank". Resets the sums.
  std::string take_json(dist::Communicator& comm);

 private:
  void add(Phase p, Clock::duration d) { sum_[static_cast<int>(p)] += d; }
  void trace(Phase p, Clock::time_point now) const;
  std::array<Clock::duration, kPhases> sum_{};
  int64_t steps_ = 0;
  Clock::time_point last_ = Clock::now();
};

}  // namespace ag::tools
