// OrderedDict: a name → value map that remembers insertion order, the shape of
// every listing ag::nn hands out (named_parameters, state_dict, children).
#pragma once
#include <cstddef>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace ag::nn {

/// A map from names to values that iterates in insertion order (like Python's dict).
/// Iteration yields std::pair<const std::string, V>, so structured bindings work:
/// `for (auto& [name, p] : model->named_parameters())`.
template <typename V>
class OrderedDict {
 public:
  using Item = std::pair<const std::string, V>;

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

}  // namespace ag::nn
