// Element types a Tensor can hold, and compile-time dispatch over them.
#pragma once
#include <cstdint>
#include <string>

namespace ag {

/// Element type of a tensor. Float32 is the default, as in PyTorch.
/// Bool exists for masks produced by comparisons; it is stored as one byte.
enum class ScalarType : int8_t { Float32 = 0, Float64 = 1, Int64 = 2, Bool = 3 };

inline constexpr ScalarType kFloat32 = ScalarType::Float32;
inline constexpr ScalarType kFloat = ScalarType::Float32;
inline constexpr ScalarType kFloat64 = ScalarType::Float64;
inline constexpr ScalarType kDouble = ScalarType::Float64;
inline constexpr ScalarType kInt64 = ScalarType::Int64;
inline constexpr ScalarType kLong = ScalarType::Int64;
inline constexpr ScalarType kBool = ScalarType::Bool;

/// Bytes per element.
size_t element_size(ScalarType t);
/// PyTorch's spelling: "float32", "float64", "int64", "bool".
const char* dtype_name(ScalarType t);
/// Legacy type names used in some messages: "FloatTensor", "DoubleTensor", ...
const char* tensor_type_name(ScalarType t);
inline bool is_floating_point(ScalarType t) { return t == kFloat32 || t == kFloat64; }
/// Type promotion of two tensor operands (Bool < Int64 < Float32 < Float64).
ScalarType promote_types(ScalarType a, ScalarType b);

template <typename T> struct CppTypeToScalar;
template <> struct CppTypeToScalar<float> { static constexpr ScalarType value = kFloat32; };
template <> struct CppTypeToScalar<double> { static constexpr ScalarType value = kFloat64; };
template <> struct CppTypeToScalar<int64_t> { static constexpr ScalarType value = kInt64; };
template <> struct CppTypeToScalar<bool> { static constexpr ScalarType value = kBool; };

}  // namespace ag

// Calls the lambda body with `scalar_t` bound to the C++ type of `TYPE`.
#define AG_DISPATCH_CASE(ENUM, CTYPE, ...) \
  case ENUM: {                             \
    using scalar_t = CTYPE;                \
    return __VA_ARGS__();                  \
  }

#define AG_DISPATCH_FLOATING(TYPE, NAME, ...)                                            \
  [&] {                                                                                  \
    switch (TYPE) {                                                                      \
      AG_DISPATCH_CASE(::ag::kFloat32, float, __VA_ARGS__)                               \
      AG_DISPATCH_CASE(::ag::kFloat64, double, __VA_ARGS__)                              \
      default:                                                                           \
        ::ag::detail::throw_dtype_unsupported(NAME, TYPE, "floating point tensors");      \
    }                                                                                    \
  }()

#define AG_DISPATCH_NUMERIC(TYPE, NAME, ...)                                             \
  [&] {                                                                                  \
    switch (TYPE) {                                                                      \
      AG_DISPATCH_CASE(::ag::kFloat32, float, __VA_ARGS__)                               \
      AG_DISPATCH_CASE(::ag::kFloat64, double, __VA_ARGS__)                              \
      AG_DISPATCH_CASE(::ag::kInt64, int64_t, __VA_ARGS__)                               \
      default:                                                                           \
        ::ag::detail::throw_dtype_unsupported(NAME, TYPE, "float32, float64 and int64"); \
    }                                                                                    \
  }()

#define AG_DISPATCH_ALL(TYPE, NAME, ...)                       \
  [&] {                                                        \
    switch (TYPE) {                                            \
      AG_DISPATCH_CASE(::ag::kFloat32, float, __VA_ARGS__)     \
      AG_DISPATCH_CASE(::ag::kFloat64, double, __VA_ARGS__)    \
      AG_DISPATCH_CASE(::ag::kInt64, int64_t, __VA_ARGS__)     \
      AG_DISPATCH_CASE(::ag::kBool, bool, __VA_ARGS__)         \
    }                                                          \
    ::ag::detail::throw_dtype_unsupported(NAME, TYPE, "known dtypes"); \
  }()

namespace ag::detail {
[[noreturn]] void throw_dtype_unsupported(const char* op, ScalarType t, const char* supported);
}
