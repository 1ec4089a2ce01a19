// ag::StateDict: a flat, ordered set of named values (tensors and scalars),
// the unit a checkpoint stores and what Module::state_dict() returns. It is a plain value object, so a checkpoint can
// be read and inspected without the code of the model that wrote it.
#pragma once
#include <cstdint>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "ag/ordered_dict.h"
#include "ag/tensor.h"

namespace ag {

/// What a StateDict entry holds. The numbers are part of the checkpoint format.
enum class StateKind : uint8_t { Tensor = 0, Int = 1, Double = 2, String = 3 };

/// "tensor", "int64", "double", "string".
const char* state_kind_name(StateKind k);

/// One value: a tensor of any dtype and shape, an int64, a double or a string.
/// The alternatives are in StateKind order.
using StateValue = std::variant<Tensor, int64_t, double, std::string>;

/// Named values in insertion order, like PyTorch's OrderedDict state_dict but
/// with typed scalars besides tensors (optimizer step counts, learning rates,
/// loader positions, RNG states as tensors).
class StateDict {
 public:
  /// One named value.
  struct Entry {
    std::string name;
    StateValue value;
    StateKind kind() const { return static_cast<StateKind>(value.index()); }
  };

  /// Stores a detached alias of `t` (shares its memory, no copy), as PyTorch's
  /// state_dict() does; later in-place changes to `t` show in the dict.
  /// Replacing an existing key keeps its position. Throws for an undefined tensor.
  void set_tensor(const std::string& key, const Tensor& t);
  /// Stores an int64 scalar under `key`.
  void set_int(const std::string& key, int64_t v);
  /// Stores a double scalar under `key`.
  void set_double(const std::string& key, double v);
  /// Stores a string under `key`.
  void set_string(const std::string& key, std::string v);
  /// Stores any value under `key`.
  void set(const std::string& key, StateValue v);

  /// The tensor under `key`; throws naming the key and what was found instead.
  const Tensor& get_tensor(const std::string& key) const;
  /// The int64 under `key`; throws naming the key and what was found instead.
  int64_t get_int(const std::string& key) const;
  /// The double under `key`; throws naming the key and what was found instead.
  /// An int64 is not converted: a mismatch in kind is a bug worth hearing about.
  double get_double(const std::string& key) const;
  /// The string under `key`; throws naming the key and what was found instead.
  const std::string& get_string(const std::string& key) const;
  /// The value under `key`; throws naming the key when it is missing.
  const StateValue& get(const std::string& key) const;

  /// The tensor under `key`, as a dict of tensors is indexed (get_tensor).
  const Tensor& operator[](const std::string& key) const { return get_tensor(key); }
  /// The tensor entries by name, in order (aliases, no copies).
  NamedTensors tensors() const;

  /// True when `key` is present.
  bool contains(const std::string& key) const { return index_.count(key) != 0; }
  /// The kind of the value under `key`; throws when it is missing.
  StateKind kind(const std::string& key) const;
  /// Removes `key`; returns whether it was present.
  bool erase(const std::string& key);
  /// Removes every entry.
  void clear();

  /// Number of entries.
  size_t size() const { return entries_.size(); }
  /// True when there are no entries.
  bool empty() const { return entries_.empty(); }
  /// Entries in insertion order.
  const std::vector<Entry>& entries() const { return entries_; }
  /// Keys in insertion order.
  std::vector<std::string> keys() const;
  /// Number of tensor entries.
  size_t tensor_count() const;
  /// Total bytes of tensor data.
  uint64_t tensor_bytes() const;

 private:
  const Entry& find(const std::string& key) const;
  [[noreturn]] void throw_kind_mismatch(const Entry& e, StateKind wanted) const;

  std::vector<Entry> entries_;
  std::unordered_map<std::string, size_t> index_;
};

}  // namespace ag
