// Lookups shared by the module containers (Sequential, ModuleList, ModuleDict):
// Python's index rules and the downcast to a module's own class, with one wording
// for what went wrong.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "ag/nn/module.h"

namespace ag::nn::detail {

/// `index` as a position in [0, size): negative counts from the end, as in Python.
/// Throws std::out_of_range naming the container, the index and the size.
size_t module_index(const std::string& container, int64_t index, size_t size);

/// Throws std::invalid_argument: `where` ("Sequential::at(2)") found `module`, not the class asked for.
[[noreturn]] void throw_not_module_class(const std::string& where, const Module& module);

/// `module` as its concrete class M (`LinearImpl`), or the error above.
template <typename M>
std::shared_ptr<M> module_as(const std::string& where, const ModulePtr& module) {
  auto m = std::dynamic_pointer_cast<M>(module);
  if (!m) throw_not_module_class(where, *module);
  return m;
}

}  // namespace ag::nn::detail
