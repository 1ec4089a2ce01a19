// CSV files of numbers: feature columns and an optional label column, validated cell by cell.
#pragma once
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "ag/data/tensor_dataset.h"
#include "ag/tensor.h"

namespace ag::data {

/// How read_csv interprets a file.
struct CsvOptions {
  /// The first non-empty line holds column names.
  bool header = true;
  /// The label column, by header name or by index (negative counts from the end);
  /// std::monostate (the default) means every column is a feature.
  std::variant<std::monostate, std::string, int64_t> label_column = std::monostate{};
  /// Field separator.
  char delimiter = ',';
  /// dtype of the features tensor (values are parsed as double, then converted, as NumPy does).
  ScalarType feature_dtype = kFloat32;
  /// dtype of the labels; int64 (class indices, what CrossEntropyLoss takes) requires
  /// integer-valued labels.
  ScalarType label_dtype = kInt64;
  /// Accept nan and inf cells; by default they are reported as errors.
  bool allow_non_finite = false;
};

/// What read_csv returns.
struct CsvTable {
  /// [rows, feature columns].
  Tensor features;
  /// [rows]; undefined when no label column was chosen.
  Tensor labels;
  /// Names of the feature columns (from the header, else "0", "1", ... by position).
  std::vector<std::string> feature_names;
  std::string label_name;
  /// TensorDataset(features, labels), or of the features alone without a label column.
  TensorDataset dataset() const;
};

/// Reads a CSV of numbers (plain or gzip-compressed). Blank lines are skipped; spaces around
/// a field are removed; a field in double quotes may hold the delimiter, line breaks and ""
/// for a quote (RFC 4180); a UTF-8 byte order mark is ignored. A label column named twice
/// in the header is an error. Echoed fields are cut to 40 characters. Errors (std::runtime_error) name the
/// file, the line and the column: a row with the wrong number of fields, an empty cell,
/// text that is not a number, nan/inf (unless allowed), a non-integer label for an integer
/// dtype, an unknown label column.
CsvTable read_csv(const std::string& path, const CsvOptions& options = {});

}  // namespace ag::data
