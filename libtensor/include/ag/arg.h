// AG_ARG: one option of an options class, spelled as libtorch spells it, so that
// `SGDOptions(0.01).momentum(0.5)` reads and writes the same in allgrad and libtorch.
//
//     struct SGDOptions {
//       SGDOptions(double lr) : lr_(lr) {}
//       AG_ARG(double, lr);
//       AG_ARG(double, momentum) = 0;
//     };
//     auto o = SGDOptions(0.1).momentum(0.9);   // setters chain
//     double m = o.momentum();                  // getter
//     o.momentum() = 0.5;                       // or assign through the reference
//
// Options classes are not aggregates (designated initializers would need public
// fields named like the setters, which C++ does not allow), so the builder chain is
// the one way to write them in allgrad too. A setter called on a temporary returns
// the options by value, so `const auto& o = X(1).a(2);` cannot dangle. A type with a
// comma in it needs an alias first (`using betas_t = std::pair<double, double>;`).
#pragma once
#include <type_traits>
#include <utility>

#define AG_ARG(T, name)                                                       \
 public:                                                                      \
  auto& name(const T& new_##name) & {                                         \
    this->name##_ = new_##name;                                               \
    return *this;                                                             \
  }                                                                           \
  auto name(const T& new_##name) && -> std::remove_cvref_t<decltype(*this)> { \
    this->name##_ = new_##name;                                               \
    return std::move(*this);                                                  \
  }                                                                           \
  const T& name() const noexcept { return this->name##_; }                    \
  T& name() noexcept { return this->name##_; }                                \
                                                                              \
 private:                                                                     \
  T name##_

/// libtorch's spelling of AG_ARG, so options classes copied from libtorch code compile.
#ifndef TORCH_ARG
#define TORCH_ARG(T, name) AG_ARG(T, name)
#endif
