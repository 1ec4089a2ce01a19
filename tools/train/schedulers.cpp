#include "train/schedulers.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "train/warmup_cosine.h"

namespace ag::tools {

namespace {

int64_t positive_int(const std::string& what, const std::string& v) {
  errno = 0;
  char* end = nullptr;
  long long x = std::strtoll(v.c_str(), &end, 10);
  if (v.empty() || *end || errno || x < 1) throw UsageError(what + " '" + v + "' is not a whole number of at least 1");
  return x;
}

double positive_real(const std::string& what, const std::string& v) {
  errno = 0;
  char* end = nullptr;
  double x = std::strtod(v.c_str(), &end);
  if (v.empty() || *end || errno || !std::isfinite(x) || x <= 0) throw UsageError(what + " '" + v + "' is not a positive number");
  return x;
}

struct StepArgs {
  int64_t size;
  double gamma;
};
StepArgs step_args(const std::string& args) {
  size_t comma = args.find(',');
  if (comma == std::string::npos) throw UsageError("needs SIZE,GAMMA");
  return {positive_int("SIZE", args.substr(0, comma)), positive_real("GAMMA", args.substr(comma + 1))};
}

// warmup:STEPS[,min_lr=X][,decay_steps=N]; 0 stands for "not given".
struct WarmupArgs {
  int64_t steps = 0, decay_steps = 0;
  double min_lr = -1;
};
WarmupArgs warmup_args(const std::string& args) {
  WarmupArgs w;
  size_t at = 0;
  for (bool first = true; at <= args.size(); first = false) {
    size_t comma = args.find(',', at);
    std::string part = args.substr(at, comma == std::string::npos ? std::string::npos : comma - at);
    at = comma == std::string::npos ? args.size() + 1 : comma + 1;
    if (first) {
      w.steps = positive_int("STEPS", part);
    } else if (part.rfind("min_lr=", 0) == 0) {
      std::string v = part.substr(7);
      w.min_lr = v == "0" ? 0.0 : positive_real("min_lr", v);
    } else if (part.rfind("decay_steps=", 0) == 0) {
      w.decay_steps = positive_int("decay_steps", part.substr(12));
      if (w.decay_steps <= w.steps) throw UsageError("decay_steps=" + part.substr(12) + " must be more than the warmup steps");
    } else {
      throw UsageError("'" + part + "' is neither min_lr=X nor decay_steps=N");
    }
  }
  return w;
}

}  // namespace

const SchedulerRegistry& schedulers() {
  static const SchedulerRegistry registry(
      "scheduler",
      {
          {"none", "none", no_args, [](const std::string&, optim::Optimizer&, int64_t) { return Schedule{}; }},
          {"cosine", "cosine (over all steps)", no_args,
           [](const std::string&, optim::Optimizer& opt, int64_t total) {
             return Schedule{std::make_shared<optim::CosineAnnealingLR>(opt, std::max<int64_t>(1, total)), false};
           }},
          {"step", "step:SIZE,GAMMA (epochs)", [](const std::string& a) { step_args(a); },
           [](const std::string& a, optim::Optimizer& opt, int64_t) {
             StepArgs s = step_args(a);
             return Schedule{std::make_shared<optim::StepLR>(opt, s.size, s.gamma), true};
           }},
          {"warmup",
           "warmup:STEPS[,min_lr=X][,decay_steps=N] (nanoGPT's: lr·(it+1)/(STEPS+1), then a cosine to min_lr [lr/10] at step N [the last])",
           [](const std::string& a) { warmup_args(a); },
           [](const std::string& a, optim::Optimizer& opt, int64_t total) {
             WarmupArgs w = warmup_args(a);
             const double lr = opt.param_groups().at(0).lr();
             const int64_t decay = w.decay_steps ? w.decay_steps : std::max(total, w.steps + 1);
             return Schedule{std::make_shared<WarmupCosineLR>(opt, w.steps, decay, w.min_lr >= 0 ? w.min_lr : lr / 10), false};
           }},
      });
  return registry;
}

}  // namespace ag::tools
