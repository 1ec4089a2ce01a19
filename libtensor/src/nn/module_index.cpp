// The containers' index check and downcast error.
#include "ag/nn/module_index.h"

#include <stdexcept>

namespace ag::nn::detail {

size_t module_index(const std::string& container, int64_t index, size_t size) {
  const auto n = static_cast<int64_t>(size);
  if (index < -n || index >= n)
    throw std::out_of_range(container + ": index " + std::to_string(index) + " is out of range for " +
                            std::to_string(n) + " modules");
  return static_cast<size_t>(index < 0 ? index + n : index);
}

void throw_not_module_class(const std::string& where, const Module& module) {
  throw std::invalid_argument(where + ": the module is a " + module.name() +
                              ", not the class asked for (ask for the module class, e.g. at<LinearImpl>)");
}

}  // namespace ag::nn::detail
