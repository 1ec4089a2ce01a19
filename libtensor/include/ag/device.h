// Devices as libtorch names them. allgrad computes on the CPU only; the names
// exist so that device-handling code written for libtorch compiles and runs
// unchanged: `cuda::is_available()` is false, so such code picks kCPU, and
// moving a tensor or a module to the CPU changes nothing. Asking for a CUDA
// device is an error that says so, never a silent fallback.
#pragma once
#include <cstdint>
#include <ostream>
#include <string>

namespace ag {

enum class DeviceType : int8_t { CPU = 0, CUDA = 1 };
inline constexpr DeviceType kCPU = DeviceType::CPU;
inline constexpr DeviceType kCUDA = DeviceType::CUDA;

/// A device type and an index (-1: the current one), as torch::Device.
class Device {
 public:
  Device(DeviceType type, int8_t index = -1) : type_(type), index_(index) {}  // NOLINT: implicit, as in libtorch
  /// "cpu", "cuda", "cuda:1"; throws std::invalid_argument naming the text otherwise.
  explicit Device(const std::string& text);
  DeviceType type() const noexcept { return type_; }
  int8_t index() const noexcept { return index_; }
  bool has_index() const noexcept { return index_ != -1; }
  bool is_cpu() const noexcept { return type_ == kCPU; }
  bool is_cuda() const noexcept { return type_ == kCUDA; }
  /// "cpu" or "cuda:0".
  std::string str() const;
  friend bool operator==(const Device& a, const Device& b) { return a.type_ == b.type_ && a.index_ == b.index_; }
  friend bool operator!=(const Device& a, const Device& b) { return !(a == b); }

 private:
  DeviceType type_;
  int8_t index_;
};

std::ostream& operator<<(std::ostream& os, const Device& device);

/// Throws std::invalid_argument naming `what` unless `device` is the CPU.
void check_cpu_device(const Device& device, const char* what);

namespace cuda {
/// Always false: allgrad has no GPU backend.
inline bool is_available() noexcept { return false; }
inline int64_t device_count() noexcept { return 0; }
}  // namespace cuda

}  // namespace ag
