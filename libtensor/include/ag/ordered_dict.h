// OrderedDict: a name → value map that remembers insertion order, the shape of
// every named listing (named_parameters, children, what optimizers and DDP take).
// NamedTensors, the one named list of tensors, is an OrderedDict of tensors.
#pragma once
#include <cstddef>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace ag {

/// A map from names to values that iterates in insertion order (like Python's dict).
/// Iteration yields std::pair<const std::string, V>, so structured bindings work:
/// `for (auto& [name, p] : model->named_parameters())`.
template <typename V>
class OrderedDict {
 public:
  using Item = std::pair<const std::string, V>;

  OrderedDict() = default;
  /// From name-value pairs; throws on a repeated name.
  OrderedDict(std::initializer_list<std::pair<std::string, V>> items) {
    for (const auto& [k, v] : items) insert(k, v);
  }

  /// Adds `key` at the end; throws if the key is already present.
  V& insert(std::string key, V value) {
    if (index_.count(key)) throw std::invalid_argument("OrderedDict: key '" + key + "' is already present");
    index_.emplace(key, items_.size());
    items_.emplace_back(std::move(key), std::move(value));
    return items_.back().second;
  }
  /// Adds `key` at the end, or replaces its value where it stands.
  V& insert_or_assign(std::string key, V value) {
    if (V* v = find(key)) return *v = std::move(value);
    return insert(std::move(key), std::move(value));
  }

  /// The value under `key`; throws std::out_of_range naming the key and the keys present.
  const V& operator[](const std::string& key) const {
    if (const V* v = find(key)) return *v;
    throw std::out_of_range(missing_message(key));
  }
  V& operator[](const std::string& key) {
    if (V* v = find(key)) return *v;
    throw std::out_of_range(missing_message(key));
  }
  /// The entry at `index` in insertion order (libtorch's positional access).
  const Item& operator[](size_t index) const { return at_index(index); }
  Item& operator[](size_t index) { return const_cast<Item&>(std::as_const(*this).at_index(index)); }
  /// Pointer to the value under `key`, or nullptr.
  const V* find(const std::string& key) const {
    auto it = index_.find(key);
    return it == index_.end() ? nullptr : &items_[it->second].second;
  }
  V* find(const std::string& key) {
    auto it = index_.find(key);
    return it == index_.end() ? nullptr : &items_[it->second].second;
  }
  bool contains(const std::string& key) const { return index_.count(key) != 0; }

  /// Number of entries.
  size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  /// Removes every entry.
  void clear() {
    items_.clear();
    index_.clear();
  }
  auto begin() { return items_.begin(); }
  auto end() { return items_.end(); }
  auto begin() const { return items_.begin(); }
  auto end() const { return items_.end(); }
  /// The entries in insertion order.
  const std::vector<Item>& items() const { return items_; }
  /// The keys in insertion order.
  std::vector<std::string> keys() const {
    std::vector<std::string> k;
    k.reserve(items_.size());
    for (const auto& it : items_) k.push_back(it.first);
    return k;
  }
  /// The values in insertion order.
  std::vector<V> values() const {
    std::vector<V> v;
    v.reserve(items_.size());
    for (const auto& it : items_) v.push_back(it.second);
    return v;
  }

 private:
  const Item& at_index(size_t index) const {
    if (index >= items_.size())
      throw std::out_of_range("OrderedDict: index " + std::to_string(index) + " is out of range for " + std::to_string(items_.size()) + " entries");
    return items_[index];
  }
  std::string missing_message(const std::string& key) const {
    std::string msg = "key '" + key + "' not found; the keys are: ";
    size_t shown = 0;
    for (const auto& it : items_) {
      if (shown == 20) {
        msg += ", ... (" + std::to_string(items_.size()) + " in all)";
        break;
      }
      msg += (shown++ ? ", " : "") + it.first;
    }
    return items_.empty() ? "key '" + key + "' not found; the dict is empty" : msg;
  }

  std::vector<Item> items_;
  std::unordered_map<std::string, size_t> index_;
};

class Tensor;
/// Tensors by name in order: what Module::named_parameters() returns and what
/// optimizers and DistributedDataParallel take, as in libtorch.
using NamedTensors = OrderedDict<Tensor>;

}  // namespace ag
