// ModuleList's insertion (renaming the modules after the insertion point) and its repr.
#include "ag/nn/module_list.h"

#include <cstddef>
#include <stdexcept>

namespace ag::nn {

size_t ModuleListImpl::insert_position(int64_t index) const {
  // Python's list.insert clamps instead of failing; PyTorch's ModuleList.insert
  // does not (it indexes its children), so an index past either end is an error here too.
  const auto n = static_cast<int64_t>(modules_.size());
  if (index < -n || index > n)
    throw std::out_of_range("ModuleList::insert: index " + std::to_string(index) + " is out of range for " +
                            std::to_string(n) + " modules (it may be " + std::to_string(-n) + " to " +
                            std::to_string(n) + ")");
  return static_cast<size_t>(index < 0 ? index + n : index);
}

void ModuleListImpl::insert_at(size_t position, ModulePtr module) {
  if (!module) throw std::invalid_argument("ModuleList: got a null module");
  modules_.insert(modules_.begin() + static_cast<std::ptrdiff_t>(position), std::move(module));
  // Names follow positions: re-register from the insertion point on. Each existing
  // name keeps its place in the registry, and the last one is appended.
  for (size_t i = position; i < modules_.size(); ++i) add_child(std::to_string(i), modules_[i]);
}

std::vector<std::string> ModuleListImpl::repr_child_lines() const {
  std::vector<std::string> lines;
  for (size_t start = 0; start < modules_.size();) {
    const std::string text = modules_[start]->repr();
    size_t end = start + 1;
    while (end < modules_.size() && modules_[end]->repr() == text) ++end;
    // Appended piece by piece: GCC 12 warns (-Wrestrict, wrongly) on "literal" + std::string&& here.
    std::string line("(");
    line += std::to_string(start);
    if (end - start > 1) {
      line += '-';
      line += std::to_string(end - 1);
      line += "): ";
      line += std::to_string(end - start);
      line += " x ";
    } else {
      line += "): ";
    }
    line += text;
    lines.push_back(indent_repr(line, 2));
    start = end;
  }
  return lines;
}

}  // namespace ag::nn
