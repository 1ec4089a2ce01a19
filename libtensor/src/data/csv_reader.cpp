// CSV reader: split lines into cells, parse each as a number, report the first bad cell.
#include <charconv>
#include <cmath>
#include <stdexcept>
#include <string_view>

#include "ag/data/csv.h"
#include "data/gzip_file.h"

namespace ag::data {

namespace {

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw std::runtime_error("CSV file '" + path + "': " + what);
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
  return s;
}

void split(std::string_view line, char delim, std::vector<std::string_view>& cells) {
  cells.clear();
  size_t start = 0;
  for (;;) {
    size_t pos = line.find(delim, start);
    cells.push_back(trim(line.substr(start, pos == std::string_view::npos ? std::string_view::npos : pos - start)));
    if (pos == std::string_view::npos) break;
    start = pos + 1;
  }
}

// Calls f(line_number, line) for each non-blank line.
template <typename F>
void for_each_line(std::string_view text, F&& f) {
  int64_t number = 0;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    ++number;
    std::string_view line = text.substr(start, end - start);
    if (!trim(line).empty()) f(number, line);
    start = end + 1;
  }
}

}  // namespace

TensorDataset CsvTable::dataset() const {
  return labels.defined() ? TensorDataset(features, labels) : TensorDataset(features);
}

CsvTable read_csv(const std::string& path, const CsvOptions& options) {
  if (!is_floating_point(options.feature_dtype))
    throw std::invalid_argument("read_csv: feature_dtype must be float32 or float64, got " + std::string(dtype_name(options.feature_dtype)));
  if (options.label_dtype == kBool) throw std::invalid_argument("read_csv: label_dtype cannot be bool");
  detail::GzipFile file(path);
  const std::string text = file.read_all();

  std::vector<std::string_view> cells;
  std::vector<std::string> names;
  int64_t columns = -1, header_line = 0;
  int64_t label = -1;
  std::vector<double> features, labels;
  int64_t rows = 0;
  std::vector<int64_t> feature_columns;

  auto resolve_label = [&] {
    if (const auto* name = std::get_if<std::string>(&options.label_column)) {
      for (size_t c = 0; c < names.size(); ++c)
        if (names[c] == *name) label = static_cast<int64_t>(c);
      if (label < 0) {
        std::string known;
        for (const auto& n : names) known += (known.empty() ? "" : ", ") + ("'" + n + "'");
        fail(path, options.header ? "no column named '" + *name + "' in the header on line " + std::to_string(header_line) + " (columns: " + known + ")"
                                  : "label column '" + *name + "' is given by name but the file has no header (header = false)");
      }
    } else if (const auto* index = std::get_if<int64_t>(&options.label_column)) {
      label = *index < 0 ? *index + columns : *index;
      if (label < 0 || label >= columns)
        fail(path, "label column index " + std::to_string(*index) + " is out of range for " + std::to_string(columns) + " columns");
    }
    for (int64_t c = 0; c < columns; ++c)
      if (c != label) feature_columns.push_back(c);
  };

  for_each_line(text, [&](int64_t line_no, std::string_view line) {
    split(line, options.delimiter, cells);
    if (columns < 0) {
      columns = static_cast<int64_t>(cells.size());
      header_line = line_no;
      for (int64_t c = 0; c < columns; ++c) names.push_back(options.header ? std::string(cells[c]) : std::to_string(c));
      resolve_label();
      if (options.header) return;
    }
    if (static_cast<int64_t>(cells.size()) != columns)
      fail(path, "line " + std::to_string(line_no) + " has " + std::to_string(cells.size()) + " fields, expected " + std::to_string(columns) +
                     (options.header ? " (from the header on line " : " (from line ") + std::to_string(header_line) + ")");
    ++rows;
    for (int64_t c = 0; c < columns; ++c) {
      std::string_view cell = cells[c];
      auto where = [&] {
        return "line " + std::to_string(line_no) + ", column " + std::to_string(c + 1) + " ('" + names[c] + "')";
      };
      if (cell.empty()) fail(path, where() + ": empty field");
      double v = 0;
      // from_chars takes no leading '+'; skip one unless another sign follows it.
      const bool plus = cell.size() > 1 && cell[0] == '+' && cell[1] != '-' && cell[1] != '+';
      const char* first = cell.data() + (plus ? 1 : 0);
      auto [end, ec] = std::from_chars(first, cell.data() + cell.size(), v);
      if (ec == std::errc::result_out_of_range) fail(path, where() + ": '" + std::string(cell) + "' is out of the range of a double");
      if (ec != std::errc() || end != cell.data() + cell.size()) fail(path, where() + ": '" + std::string(cell) + "' is not a number");
      if (!options.allow_non_finite && !std::isfinite(v))
        fail(path, where() + ": value '" + std::string(cell) + "' is " + (std::isnan(v) ? "NaN" : "infinite") +
                       " (set allow_non_finite to accept it)");
      if (c == label) {
        if (options.label_dtype == kInt64 && (v != std::floor(v) || std::abs(v) >= 9.2e18))
          fail(path, where() + ": label '" + std::string(cell) + "' is not an integer (label_dtype is int64)");
        labels.push_back(v);
      } else {
        features.push_back(v);
      }
    }
  });
  if (columns < 0) fail(path, "is empty");
  if (rows == 0) fail(path, options.header ? "has a header but no data rows" : "has no data rows");

  CsvTable table;
  const auto nfeat = static_cast<int64_t>(feature_columns.size());
  table.features = from_vector(features, {rows, nfeat}).to(options.feature_dtype);
  for (int64_t c : feature_columns) table.feature_names.push_back(names[c]);
  if (label >= 0) {
    table.label_name = names[label];
    if (options.label_dtype == kInt64) {
      std::vector<int64_t> ints(labels.begin(), labels.end());
      table.labels = from_vector(ints, {rows});
    } else {
      table.labels = from_vector(labels, {rows}).to(options.label_dtype);
    }
  }
  return table;
}

}  // namespace ag::data
