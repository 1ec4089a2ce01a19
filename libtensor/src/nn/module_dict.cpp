// ModuleDict's registration: every change to the dictionary is mirrored in the children.
#include "ag/nn/module_dict.h"

#include <stdexcept>

namespace ag::nn {

void ModuleDictImpl::set(const std::string& name, ModulePtr module) {
  add_child(name, module);  // checks the name and refuses a null module
  modules_.insert_or_assign(name, std::move(module));
}

ModulePtr ModuleDictImpl::pop(const std::string& name) {
  ModulePtr module = (*this)[name];
  remove_child(name);
  OrderedDict<ModulePtr> kept;
  for (auto& [key, m] : modules_)
    if (key != name) kept.insert(key, std::move(m));
  modules_ = std::move(kept);
  return module;
}

void ModuleDictImpl::clear() {
  for (const auto& name : modules_.keys()) remove_child(name);
  modules_.clear();
}

std::vector<ModuleDictImpl::Item> ModuleDictImpl::items() const {
  std::vector<Item> out;
  out.reserve(modules_.size());
  for (const auto& [name, m] : modules_) out.emplace_back(name, m);
  return out;
}

}  // namespace ag::nn
