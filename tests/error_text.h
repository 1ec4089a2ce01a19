// The text of the std::invalid_argument a call throws, for tests that check an error
// names the thing and the problem.
#pragma once
#include <stdexcept>
#include <string>

/// What `f()` threw as std::invalid_argument, or "no error".
template <typename F>
std::string invalid_argument_text(F&& f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "no error";
}
