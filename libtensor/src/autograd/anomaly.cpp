// Anomaly mode: the switch, and the NaN/inf checks of op results and gradients.
#include "autograd/anomaly.h"

#include <cctype>
#include <cmath>

#include "kernels/finite.h"
#include "kernels/kernels.h"

namespace ag {

namespace detail {
std::atomic<bool> anomaly_enabled{false};
}  // namespace detail

void set_detect_anomaly(bool enabled) { detail::anomaly_enabled.store(enabled, std::memory_order_relaxed); }

namespace autograd {

namespace {

enum class Finiteness { Finite, HasInf, HasNan };

// One vectorised pass finds any inf or NaN; only a tensor that has one is
// scanned again, to name which.
Finiteness finiteness(const Tensor& t) {
  if (!t.defined() || kernels::all_finite(t)) return Finiteness::Finite;
  Tensor c = kernels::contiguous(t);
  bool nan = AG_DISPATCH_FLOATING(c.dtype(), "anomaly check", [&] {
    const scalar_t* p = c.data_ptr<scalar_t>();
    for (int64_t i = 0; i < c.numel(); ++i)
      if (std::isnan(p[i])) return true;
    return false;
  });
  return nan ? Finiteness::HasNan : Finiteness::HasInf;
}

const char* what_values(Finiteness f) { return f == Finiteness::HasNan ? "nan" : "inf"; }

}  // namespace

std::string forward_op_name(const std::string& node_name) {
  std::string base = node_name;
  size_t cut = base.rfind("Backward");
  if (cut != std::string::npos && cut > 0) base.resize(cut);
  std::string out;
  for (size_t i = 0; i < base.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(base[i]);
    if (std::isupper(c)) {
      if (i > 0) out += '_';
      out += static_cast<char>(std::tolower(c));
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

void check_forward_output(const char* node_name, const Tensor& out, std::initializer_list<const Tensor*> inputs) {
  Finiteness f = finiteness(out);
  if (f == Finiteness::Finite) return;
  std::string shapes, already;
  size_t i = 0;
  for (const Tensor* t : inputs) {
    shapes += (i ? ", " : "") + (t && t->defined() ? to_string(t->sizes()) : std::string("none"));
    if (t && finiteness(*t) != Finiteness::Finite) already += (already.empty() ? "" : ", ") + std::to_string(i);
    ++i;
  }
  std::string msg = "Anomaly detected in forward: '" + forward_op_name(node_name) + "' (" + node_name + ") returned " +
                    what_values(f) + " values in its output of shape " + to_string(out.sizes()) +
                    "; input shapes: " + shapes;
  if (already.empty()) msg += "; every input was finite, so this op produced them";
  else msg += "; input(s) " + already + " already held non-finite values, which came from outside the recorded ops (data, parameters, or an untracked op)";
  throw AnomalyError(msg);
}

void check_backward_outputs(const Node& node, const TensorList& grads) {
  for (size_t i = 0; i < grads.size(); ++i) {
    Finiteness f = finiteness(grads[i]);
    if (f == Finiteness::Finite) continue;
    throw AnomalyError("Function '" + node.name() + "' returned " + what_values(f) + " values in its " +
                       std::to_string(i) + "th output. (a gradient of shape " + to_string(grads[i].sizes()) +
                       " for input " + std::to_string(i) + " of '" + forward_op_name(node.name()) + "')");
  }
}

}  // namespace autograd

}  // namespace ag
