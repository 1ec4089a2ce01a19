// Minimal JSON for the checkpoint tools: escaping for output, and a strict
// parser with a depth limit for safetensors headers.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace ag::tools::json {

/// `s` as a quoted JSON string; control characters escaped, invalid UTF-8 replaced by U+FFFD.
std::string quote(const std::string& s);
/// A JSON number; null for NaN and infinities, which JSON cannot express.
std::string number(double v);

struct Member;

/// A parsed JSON value.
struct Value {
  enum class Kind { Null, Bool, Number, String, Array, Object } kind = Kind::Null;
  bool boolean = false;
  double number = 0;
  /// Set when the number was written as an integer that fits in int64.
  bool is_int = false;
  int64_t integer = 0;
  std::string string;
  std::vector<Value> array;
  /// Members in file order; keys are unique (duplicates are a parse error).
  std::vector<Member> object;

  /// The member `key` of an object, or nullptr.
  const Value* find(const std::string& key) const;
};

/// One member of a JSON object.
struct Member {
  std::string key;
  Value value;
};

/// Parses `text` (a whole document). Throws std::runtime_error naming `what`
/// and the byte offset of the problem.
Value parse(const std::string& text, const std::string& what);

}  // namespace ag::tools::json
