// CSV reader: split records into fields (RFC 4180 quoting), parse each as a number, report the first bad cell.
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

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r'; }

// At most this many characters of a field are echoed in a message: a 10 MB field must not be.
constexpr size_t kEchoChars = 40;

// `s` quoted for a message, cut to kEchoChars (at a UTF-8 character boundary) with an ellipsis.
std::string shorten(std::string_view s) {
  size_t n = s.size();
  if (n > kEchoChars) {
    n = kEchoChars;
    while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  }
  std::string out;
  out.reserve(n + 5);
  out += '\'';
  out.append(s.data(), n);
  if (n < s.size()) out += "\u2026";
  out += '\'';
  return out;
}

// A field for a message: shortened, and then with its length and where it starts.
std::string echo(std::string_view s, uint64_t offset) {
  if (s.size() <= kEchoChars) return shorten(s);
  return shorten(s) + " (" + std::to_string(s.size()) + " bytes at byte offset " + std::to_string(offset) + ")";
}

// One record's fields (RFC 4180: a field in double quotes may hold the delimiter, line
// breaks and "" for a quote), each with the byte offset where it starts in the file.
struct Record {
  int64_t line = 0;  // where the record starts
  std::vector<std::string> cells;
  std::vector<uint64_t> offsets;
  size_t count = 0;  // cells in use (the vectors keep their capacity from row to row)
  void add(std::string_view text, uint64_t offset) {
    if (count == cells.size()) {
      cells.emplace_back();
      offsets.push_back(0);
    }
    cells[count].assign(text);
    offsets[count++] = offset;
  }
};

// Calls f(record) for each record from byte `p` on that is not a blank line.
template <typename F>
void for_each_record(const std::string& path, std::string_view text, size_t p, char delim, F&& f) {
  Record r;
  int64_t line = 1;
  const size_t n = text.size();
  while (p < n) {
    // A blank line (spaces only) is no record.
    size_t q = p;
    while (q < n && is_space(text[q])) ++q;
    if (q == n || text[q] == '\n') {
      p = q + 1;
      ++line;
      continue;
    }
    r.line = line;
    r.count = 0;
    for (;;) {
      while (p < n && (text[p] == ' ' || text[p] == '\t')) ++p;
      const size_t start = p;
      if (p < n && text[p] == '"') {
        std::string cell;
        for (++p;;) {
          const size_t quote = text.find('"', p);
          if (quote == std::string_view::npos)
            fail(path, "line " + std::to_string(r.line) + ", column " + std::to_string(r.count + 1) +
                           ": the quoted field that starts at byte offset " + std::to_string(start) + " is never closed");
          cell.append(text.substr(p, quote - p));
          for (size_t i = p; i < quote; ++i) line += text[i] == '\n';
          p = quote + 1;
          if (p < n && text[p] == '"') {  // "" stands for one quote
            cell += '"';
            ++p;
            continue;
          }
          break;
        }
        while (p < n && is_space(text[p])) ++p;
        if (p < n && text[p] != delim && text[p] != '\n')
          fail(path, "line " + std::to_string(line) + ", column " + std::to_string(r.count + 1) + ": text after the closing quote at byte offset " +
                         std::to_string(p) + " (a quote inside a quoted field is written \"\")");
        r.add(cell, start);
      } else {
        while (p < n && text[p] != delim && text[p] != '\n') ++p;
        size_t stop = p;
        while (stop > start && is_space(text[stop - 1])) --stop;
        r.add(text.substr(start, stop - start), start);
      }
      if (p < n && text[p] == delim) {
        ++p;
        continue;
      }
      if (p < n) ++p, ++line;  // the newline
      break;
    }
    f(r);
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
  std::vector<std::string> names;
  int64_t columns = -1, header_line = 0;
  int64_t label = -1;
  std::vector<double> features, labels;
  int64_t rows = 0;
  std::vector<int64_t> feature_columns;

  auto resolve_label = [&] {
    if (const auto* name = std::get_if<std::string>(&options.label_column)) {
      for (size_t c = 0; c < names.size(); ++c) {
        if (names[c] != *name) continue;
        // Taking either one would silently make the other a feature.
        if (label >= 0)
          fail(path, "label column " + shorten(*name) + " appears twice in the header on line " + std::to_string(header_line) + " (columns " +
                         std::to_string(label + 1) + " and " + std::to_string(c + 1) + ")");
        label = static_cast<int64_t>(c);
      }
      if (label < 0) {
        std::string known;
        for (const auto& n : names) known += (known.empty() ? "" : ", ") + shorten(n);
        fail(path, options.header ? "no column named " + shorten(*name) + " in the header on line " + std::to_string(header_line) + " (columns: " + known + ")"
                                  : "label column " + shorten(*name) + " is given by name but the file has no header (header = false)");
      }
    } else if (const auto* index = std::get_if<int64_t>(&options.label_column)) {
      label = *index < 0 ? *index + columns : *index;
      if (label < 0 || label >= columns)
        fail(path, "label column index " + std::to_string(*index) + " is out of range for " + std::to_string(columns) + " columns");
    }
    for (int64_t c = 0; c < columns; ++c)
      if (c != label) feature_columns.push_back(c);
  };

  // A UTF-8 byte order mark (spreadsheets write one) is not part of the first column's name.
  const size_t bom = text.rfind("\xEF\xBB\xBF", 0) == 0 ? 3 : 0;
  for_each_record(path, text, bom, options.delimiter, [&](const Record& r) {
    const int64_t line_no = r.line;
    const auto count = static_cast<int64_t>(r.count);
    if (columns < 0) {
      columns = count;
      header_line = line_no;
      for (int64_t c = 0; c < columns; ++c) names.push_back(options.header ? r.cells[c] : std::to_string(c));
      resolve_label();
      if (options.header) return;
    }
    if (count != columns)
      fail(path, "line " + std::to_string(line_no) + " has " + std::to_string(count) + " fields, expected " + std::to_string(columns) +
                     (options.header ? " (from the header on line " : " (from line ") + std::to_string(header_line) + ")");
    ++rows;
    for (int64_t c = 0; c < columns; ++c) {
      std::string_view cell = r.cells[c];
      auto where = [&] {
        return "line " + std::to_string(line_no) + ", column " + std::to_string(c + 1) + " (" + shorten(names[c]) + ")";
      };
      auto shown = [&] { return echo(cell, r.offsets[c]); };
      if (cell.empty()) fail(path, where() + ": empty field");
      double v = 0;
      // from_chars takes no leading '+'; skip one unless another sign follows it.
      const bool plus = cell.size() > 1 && cell[0] == '+' && cell[1] != '-' && cell[1] != '+';
      const char* first = cell.data() + (plus ? 1 : 0);
      auto [end, ec] = std::from_chars(first, cell.data() + cell.size(), v);
      if (ec == std::errc::result_out_of_range) fail(path, where() + ": " + shown() + " is out of the range of a double");
      if (ec != std::errc() || end != cell.data() + cell.size()) fail(path, where() + ": " + shown() + " is not a number");
      if (!options.allow_non_finite && !std::isfinite(v))
        fail(path, where() + ": value " + shown() + " is " + (std::isnan(v) ? "NaN" : "infinite") +
                       " (set allow_non_finite to accept it)");
      if (c == label) {
        if (options.label_dtype == kInt64 && (v != std::floor(v) || std::abs(v) >= 9.2e18))
          fail(path, where() + ": label " + shown() + " is not an integer (label_dtype is int64)");
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
