// Writes a checkpoint's model section as sample.safetensors and sample.npz,
// and the expected tensors as expected.json, for check_exports.py to read with
// Python (and NumPy when present).
#include <cmath>
#include <fstream>
#include <iostream>
#include <sstream>

#include "ag/checkpoint.h"
#include "checkpoint_tools.h"
#include "json.h"

using namespace ag;

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: checkpoint_export_sample <output dir>\n";
    return 2;
  }
  std::string dir = argv[1];
  Checkpoint c;
  StateDict& m = c.sections["model"];
  m.set_tensor("fc1.weight", (arange(12, dtype(kFloat32)).reshape({3, 4}) - 5.5) / 3.0);
  m.set_tensor("fc1.bias", tensor({0.5, -0.25, 1e-8}, dtype(kFloat32)));
  m.set_tensor("double/values", tensor({{1.0, -2.0}, {1e300, -0.0}}, dtype(kFloat64)));
  m.set_tensor("steps", arange(5));
  m.set_tensor("mask", tensor({true, false, true}));
  m.set_tensor("scalar", scalar_tensor(3.25, dtype(kFloat64)));
  m.set_tensor("empty", zeros({0, 2}));
  m.set_tensor("name with ✓", ones({2}));
  save_checkpoint(c, dir + "/sample.agc");
  std::ostringstream log;
  tools::export_checkpoint(dir + "/sample.agc", tools::ExportFormat::Safetensors, dir + "/sample.safetensors", log, "model");
  tools::export_checkpoint(dir + "/sample.agc", tools::ExportFormat::Npz, dir + "/sample.npz", log, "model");

  std::ofstream out(dir + "/expected.json");
  out << "{";
  const char* sep = "";
  for (const auto& e : m.entries()) {
    const Tensor t = std::get<Tensor>(e.value).contiguous();
    out << sep << tools::json::quote(e.name) << ": {\"dtype\": \"" << dtype_name(t.dtype()) << "\", \"shape\": [";
    for (size_t d = 0; d < t.sizes().size(); ++d) out << (d ? ", " : "") << t.sizes()[d];
    out << "], \"values\": [";
    Tensor f = t.to(kFloat64);
    for (int64_t i = 0; i < f.numel(); ++i) {
      double v = f.data_ptr<double>()[i];
      out << (i ? ", " : "") << (std::signbit(v) && v == 0 ? "-0.0" : tools::json::number(v));
    }
    out << "]}";
    sep = ", ";
  }
  out << "}\n";
  return 0;
}
