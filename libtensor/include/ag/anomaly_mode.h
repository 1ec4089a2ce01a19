// Anomaly detection (torch.autograd.set_detect_anomaly / detect_anomaly): a
// debugging mode that finds the first op whose result went NaN or infinite.
#pragma once
#include <atomic>
#include <stdexcept>

namespace ag {

namespace detail {
extern std::atomic<bool> anomaly_enabled;
}  // namespace detail

/// True while anomaly detection is on. One relaxed load: what every op pays when it is off.
inline bool is_anomaly_enabled() { return detail::anomaly_enabled.load(std::memory_order_relaxed); }

/// Turns anomaly detection on or off for the whole process (as PyTorch's
/// torch.autograd.set_detect_anomaly, which is global, not per thread).
///
/// While on:
/// - forward: the result of every differentiable op run with grad mode on is
///   checked, and the first one holding NaN or ±inf throws AnomalyError naming
///   the op ("log", and its node "LogBackward0"), the output and input shapes,
///   and which inputs were already non-finite (then the values came from outside
///   the recorded ops: data, parameters, or an op without a backward such as an
///   in-place update). PyTorch records a forward stack trace instead; allgrad
///   names the op directly, which is what the trace is used for.
/// - backward: every gradient a node returns is checked, and the first holding
///   NaN or ±inf throws "Function 'SqrtBackward0' returned inf values in its 0th
///   output." PyTorch checks only NaN here; allgrad checks infinities too,
///   because an infinite gradient becomes NaN weights one optimizer step later.
/// Ops run under NoGradGuard (evaluation, optimizer steps, the backward rules
/// themselves) are not checked in forward. It costs one pass over every result:
/// for finding a bug, not for normal training.
void set_detect_anomaly(bool enabled);

/// Thrown by anomaly detection (a std::runtime_error, like PyTorch's RuntimeError).
struct AnomalyError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Anomaly detection on while alive, then back to what it was (torch.autograd.detect_anomaly()).
class DetectAnomalyGuard {
 public:
  DetectAnomalyGuard() : prev_(is_anomaly_enabled()) { set_detect_anomaly(true); }
  ~DetectAnomalyGuard() { set_detect_anomaly(prev_); }
  DetectAnomalyGuard(const DetectAnomalyGuard&) = delete;
  DetectAnomalyGuard& operator=(const DetectAnomalyGuard&) = delete;

 private:
  bool prev_;
};

}  // namespace ag
