#include "train/schedulers.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>

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
          {"warmup", "warmup:STEPS (then cosine)", [](const std::string& a) { positive_int("STEPS", a); },
           [](const std::string& a, optim::Optimizer& opt, int64_t total) {
             int64_t warm = positive_int("STEPS", a);
             auto w = std::make_shared<optim::LinearLR>(opt, 1e-3, 1.0, warm);
             auto c = std::make_shared<optim::CosineAnnealingLR>(opt, std::max<int64_t>(1, total - warm));
             return Schedule{std::make_shared<optim::SequentialLR>(opt, std::vector<std::shared_ptr<optim::LRScheduler>>{w, c},
                                                                   std::vector<int64_t>{warm}),
                             false};
           }},
      });
  return registry;
}

}  // namespace ag::tools
