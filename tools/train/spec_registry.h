// A table of things chosen by a spec string, NAME[:ARGS]: optimizers, schedulers,
// data sources. One style for all of them, so each refuses an unknown name the same
// way, checks a spec when the flags are parsed (before anything is built), and
// lists its entries for --help from the table itself, which cannot go stale.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "train/options.h"

namespace ag::tools {

/// A spec split at its first ':'; `args` is empty when there is none.
struct SpecParts {
  std::string name, args;
  static SpecParts of(const std::string& spec) {
    size_t colon = spec.find(':');
    if (colon == std::string::npos) return {spec, ""};
    return {spec.substr(0, colon), spec.substr(colon + 1)};
  }
};

template <typename Product, typename... Context>
class SpecRegistry {
 public:
  struct Entry {
    std::string name;
    /// How the spec is written, for help and errors: "step:SIZE,GAMMA".
    std::string usage;
    /// Throws UsageError when `args` are not valid for this entry; builds nothing.
    std::function<void(const std::string& args)> check;
    std::function<Product(const std::string& args, Context...)> build;
  };

  SpecRegistry(std::string flag, std::vector<Entry> entries) : flag_(std::move(flag)), entries_(std::move(entries)) {}

  /// Checks `spec` without building it; throws UsageError naming the flag, the spec and the choices.
  void check(const std::string& spec) const {
    SpecParts p = SpecParts::of(spec);
    const Entry& e = find(spec, p.name);
    try {
      e.check(p.args);
    } catch (const UsageError& err) {
      throw UsageError("--" + flag_ + " '" + spec + "': " + err.what() + " (usage: " + e.usage + ")");
    }
  }
  Product build(const std::string& spec, Context... context) const {
    check(spec);
    SpecParts p = SpecParts::of(spec);
    return find(spec, p.name).build(p.args, context...);
  }
  /// "a | b:X,Y | c[:N]".
  std::string help() const {
    std::string out;
    for (const Entry& e : entries_) out += (out.empty() ? "" : " | ") + e.usage;
    return out;
  }

 private:
  const Entry& find(const std::string& spec, const std::string& name) const {
    for (const Entry& e : entries_)
      if (e.name == name) return e;
    throw UsageError("--" + flag_ + ": '" + spec + "' is not one of " + help());
  }

  std::string flag_;
  std::vector<Entry> entries_;
};

/// The entry's args must be empty.
inline void no_args(const std::string& args) {
  if (!args.empty()) throw UsageError("takes no arguments, got '" + args + "'");
}

}  // namespace ag::tools
