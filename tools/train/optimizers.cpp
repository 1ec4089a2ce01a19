#include "train/optimizers.h"

namespace ag::tools {

const OptimizerRegistry& optimizers() {
  using P = std::vector<optim::ParamGroup>;
  using O = const TrainOptions&;
  static const OptimizerRegistry registry(
      "optimizer",
      {
          {"adam", "adam", no_args,
           [](const std::string&, P p, O o) -> std::unique_ptr<optim::Optimizer> {
             return std::make_unique<optim::Adam>(std::move(p), optim::AdamOptions(o.lr).weight_decay(o.weight_decay));
           }},
          {"adamw", "adamw", no_args,
           [](const std::string&, P p, O o) -> std::unique_ptr<optim::Optimizer> {
             return std::make_unique<optim::AdamW>(std::move(p), optim::AdamWOptions(o.lr).weight_decay(o.weight_decay));
           }},
          {"sgd", "sgd", no_args,
           [](const std::string&, P p, O o) -> std::unique_ptr<optim::Optimizer> {
             return std::make_unique<optim::SGD>(std::move(p), optim::SGDOptions(o.lr).momentum(o.momentum).weight_decay(o.weight_decay));
           }},
          {"rmsprop", "rmsprop", no_args,
           [](const std::string&, P p, O o) -> std::unique_ptr<optim::Optimizer> {
             return std::make_unique<optim::RMSprop>(std::move(p), optim::RMSpropOptions(o.lr).weight_decay(o.weight_decay).momentum(o.momentum));
           }},
      });
  return registry;
}

}  // namespace ag::tools
