#include "train/step_timer.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "json.h"

namespace ag::tools {

namespace {
const char* const kKeys[kPhases] = {"data_ms", "forward_ms", "backward_ms", "comm_wait_ms", "optim_ms", "ckpt_ms"};
// Microseconds are as fine as a steady clock read a few times a step can tell apart.
std::string ms(double v) { return json::number(std::round(v * 1000) / 1000); }
const char* const kEvents[kPhases] = {"data wait", "forward", "backward", "comm wait", "optimizer step", "checkpoint save"};
}  // namespace

void StepTimer::trace(Phase p, Clock::time_point now) const { profiler::record(kEvents[static_cast<int>(p)], "step", last_, now); }

void StepTimer::move(Phase from, Phase to, Clock::duration d) {
  d = std::min(d, sum_[static_cast<int>(from)]);
  if (d <= Clock::duration::zero()) return;
  add(from, -d);
  add(to, d);
}

std::string StepTimer::take_json(dist::Communicator& comm) {
  std::vector<double> mine(kPhases);
  const double steps = static_cast<double>(std::max<int64_t>(steps_, 1));
  for (int k = 0; k < kPhases; ++k) mine[static_cast<size_t>(k)] = std::chrono::duration<double, std::milli>(sum_[static_cast<size_t>(k)]).count() / steps;
  sum_.fill({});
  steps_ = 0;
  std::vector<std::vector<double>> all;
  if (comm.world_size() == 1) {
    all.push_back(mine);
  } else {
    for (const Tensor& t : comm.allgather(from_vector(mine, {kPhases}))) {
      std::vector<double> row(kPhases);
      for (int k = 0; k < kPhases; ++k) row[static_cast<size_t>(k)] = t.index({k}).item();
      all.push_back(row);
    }
  }
  // Waiting for the exchange is time the other ranks cost this one, so it does not
  // count towards a rank's own step time: the rank that holds the others up is the
  // one with the most time of its own.
  int slowest = 0;
  double slowest_own = -1;
  for (size_t r = 0; r < all.size(); ++r) {
    double own = 0;
    for (int k = 0; k < kPhases; ++k)
      if (static_cast<Phase>(k) != Phase::CommWait) own += all[r][static_cast<size_t>(k)];
    if (own > slowest_own) slowest_own = own, slowest = static_cast<int>(r);
  }
  std::string maxes, ranks;
  for (int k = 0; k < kPhases; ++k) {
    double mx = 0;
    std::string row;
    for (size_t r = 0; r < all.size(); ++r) {
      mx = std::max(mx, all[r][static_cast<size_t>(k)]);
      row += (r ? ", " : "") + ms(all[r][static_cast<size_t>(k)]);
    }
    maxes += std::string(", \"") + kKeys[k] + "\": " + ms(mx);
    ranks += std::string(k ? ", " : "") + "\"" + kKeys[k] + "\": [" + row + "]";
  }
  return maxes + ", \"ranks\": {" + ranks + "}, \"slowest_rank\": " + std::to_string(slowest);
}

}  // namespace ag::tools
