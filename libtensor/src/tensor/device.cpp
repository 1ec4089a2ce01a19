#include "ag/device.h"

#include <stdexcept>

namespace ag {

Device::Device(const std::string& text) : type_(kCPU), index_(-1) {
  const std::string name = text.substr(0, text.find(':'));
  if (name == "cpu") type_ = kCPU;
  else if (name == "cuda") type_ = kCUDA;
  else throw std::invalid_argument("Device: unknown device '" + text + "' (expected cpu, cuda or cuda:N)");
  if (name.size() == text.size()) return;
  const std::string index = text.substr(name.size() + 1);
  if (index.empty() || index.size() > 2 || index.find_first_not_of("0123456789") != std::string::npos)
    throw std::invalid_argument("Device: bad device index in '" + text + "'");
  index_ = static_cast<int8_t>(std::stoi(index));
}

std::string Device::str() const {
  std::string s = is_cpu() ? "cpu" : "cuda";
  if (has_index()) s += ":" + std::to_string(index_);
  return s;
}

std::ostream& operator<<(std::ostream& os, const Device& device) { return os << device.str(); }

void check_cpu_device(const Device& device, const char* what) {
  if (!device.is_cpu())
    throw std::invalid_argument(std::string(what) + ": device " + device.str() +
                                " is not available; allgrad computes on the CPU only");
}

}  // namespace ag
