// Reading and checking a hyperparameter map (an optimizer's or a scheduler's),
// with messages that name the owner, the key and the bad value.
#pragma once
#include <cstdint>
#include <initializer_list>
#include <string>

#include "ag/optim/state_dict.h"

namespace ag::optim::detail {

/// The key LR schedulers add to a group (PyTorch's group["initial_lr"]); every optimizer accepts it.
inline constexpr const char* kInitialLr = "initial_lr";

class OptionReader {
 public:
  /// Throws if `h` has a key not in `known` (other than kInitialLr).
  /// `owner` names the optimizer or scheduler in messages.
  OptionReader(const Hyperparameters& h, const char* owner, std::initializer_list<const char*> known);

  /// The value of `key`; throws if missing or not finite.
  double number(const char* key) const;
  /// number(key), which must be >= lo.
  double at_least(const char* key, double lo) const;
  /// number(key), which must lie in [lo, hi).
  double in_range(const char* key, double lo, double hi) const;
  /// number(key), which must be a whole number >= lo.
  int64_t integer(const char* key, int64_t lo) const;
  /// A flag stored as 0 or 1.
  bool flag(const char* key) const;
  /// Throws std::invalid_argument("<owner>: <what>").
  [[noreturn]] void fail(const std::string& what) const;

 private:
  const Hyperparameters& h_;
  const char* owner_;
};

/// "0.001" style formatting for messages (shortest form that reads back exactly).
std::string format_number(double v);

}  // namespace ag::optim::detail
