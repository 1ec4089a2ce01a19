// Sequential's registration and forward chain.
#include "ag/nn/sequential.h"

namespace ag::nn {

void SequentialImpl::append(ModulePtr module, Forward forward) {
  add_child(std::to_string(modules_.size()), module);
  modules_.push_back(std::move(module));
  forwards_.push_back(forward);
}

void SequentialImpl::extend(const SequentialImpl& other) {
  // Copies first: `seq->extend(*seq)` would otherwise read what it appends.
  auto modules = other.modules_;
  auto forwards = other.forwards_;
  for (size_t i = 0; i < modules.size(); ++i) append(std::move(modules[i]), forwards[i]);
}

Tensor SequentialImpl::forward(const Tensor& input) {
  Tensor x = input;
  for (size_t i = 0; i < modules_.size(); ++i) x = forwards_[i](*modules_[i], x);
  return x;
}

}  // namespace ag::nn
