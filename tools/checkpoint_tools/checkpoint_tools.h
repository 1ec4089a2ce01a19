// The library behind `allgrad inspect`, `allgrad diff` and `allgrad export`,
// and the safetensors / npz readers and writers they use. Each command
// function prints to a stream and returns the command's exit code; a file that
// cannot be read throws (ag::CheckpointError or std::runtime_error naming it).
#pragma once
#include <cstdint>
#include <map>
#include <ostream>
#include <string>

#include "ag/tensor.h"

namespace ag::tools {

/// Options of `allgrad inspect`.
struct InspectOptions {
  /// Print JSON (for scripts) instead of tables.
  bool json = false;
  /// Check everything and print one line; the exit code says valid (0) or not (1).
  bool verify = false;
  /// Add each tensor's histogram of its finite values to the statistics.
  bool stats = false;
};

/// Prints a checkpoint (a file, or a directory's latest): header, metadata, per
/// section a table of tensors (name, dtype, shape, numel, bytes, min, max, mean,
/// std, L2 norm, NaN and Inf counts) and its scalars. Returns 0; in verify mode
/// returns 0 for a valid checkpoint and 1 otherwise, without throwing.
int inspect(const std::string& path_or_dir, const InspectOptions& opts, std::ostream& out);

/// Compares two checkpoints section by section: per tensor the largest absolute
/// and relative difference, tensors only in one file, tensors whose dtype or
/// shape differ, scalars that differ. Returns 0 when everything is equal within
/// `atol` (0, the default, means bitwise equal), 1 otherwise, like cmp.
/// Metadata differences are printed but do not change the exit code.
int diff(const std::string& a, const std::string& b, double atol, std::ostream& out);

/// File formats of `allgrad export`.
enum class ExportFormat { Safetensors, Npz };
/// "safetensors" or "npz"; throws std::invalid_argument naming the choices otherwise.
ExportFormat parse_export_format(const std::string& name);

/// Writes the tensors of one section (default "model") of a checkpoint (a file,
/// or a directory's latest) with the same names, in a format PyTorch
/// (safetensors.torch.load_file) or NumPy (numpy.load) reads as is. Scalars
/// are left out and listed. Prints one summary line to `log`; returns 0.
int export_checkpoint(const std::string& path, ExportFormat format, const std::string& out_path, std::ostream& log,
                      const std::string& section = "model");

/// Tensors by name, in name order.
using TensorMap = std::map<std::string, Tensor>;

/// Writes a .safetensors file: u64 little-endian header length, a JSON header
/// (sorted names, each with dtype F32/F64/I64/BOOL, shape and data_offsets;
/// "__metadata__": {"format": "pt"}) padded with spaces to 8 bytes, then the data.
void save_safetensors(const TensorMap& tensors, const std::string& path);

/// Reads a .safetensors file, checking the header length against the file, the
/// JSON, every dtype (F32, F64, I64, BOOL), shape and data_offsets, that the
/// ranges neither overlap nor leave holes, and bool bytes. Errors are
/// std::runtime_error naming the file, the tensor and the problem.
TensorMap load_safetensors(const std::string& path);
/// load_safetensors on bytes in memory; `name` stands for the file in messages.
TensorMap parse_safetensors(const std::string& bytes, const std::string& name);

/// Writes a NumPy .npz: a zip archive (stored, not compressed; ZIP64 records so
/// any size works) of <name>.npy members, CRC-32 from zlib.
void save_npz(const TensorMap& tensors, const std::string& path);

/// Reads a .npz written without compression (save_npz, numpy.savez), checking
/// the zip records, sizes and CRC-32 of each member.
TensorMap load_npz(const std::string& path);
/// load_npz on bytes in memory; `name` stands for the file in messages.
TensorMap parse_npz(const std::string& bytes, const std::string& name);

/// Summary statistics of one tensor, over its finite values.
struct TensorStats {
  double min = 0, max = 0, mean = 0;
  /// Unbiased (n - 1), as torch.std; NaN with fewer than two finite values.
  double std = 0;
  /// sqrt of the sum of squares of the finite values.
  double l2_norm = 0;
  int64_t nan_count = 0, inf_count = 0, finite_count = 0;
};
/// Statistics of `t` (any dtype; bool counts as 0/1). min, max and mean are
/// NaN when there is no finite value.
TensorStats tensor_stats(const Tensor& t);

/// Counts of the finite values of a tensor in `bins` equal bins over [lo, hi], its
/// finite minimum and maximum (the last bin holds hi). No finite value: no counts.
/// A constant tensor: every value in one bin over [v, v].
struct Histogram {
  double lo = 0, hi = 0;
  std::vector<int64_t> counts;
};
Histogram tensor_histogram(const Tensor& t, int bins = 10);
/// The histogram as text, one line per bin: its range, a bar of `width` at most, the count.
std::string histogram_text(const Histogram& h, const std::string& indent, int width = 40);

}  // namespace ag::tools
