// Fuzz target: the CSV reader. The first input byte picks the options, so every
// path is reached: bits 0-1 the label column (none, "label", -1, or the index in
// bits 2-4), bit 5 allow_non_finite, bit 6 float32 labels, bit 7 no header.
#include <cstdint>
#include <stdexcept>

#include "ag/data/csv.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  ag::data::CsvOptions o;
  const uint8_t mode = data[0];
  switch (mode % 4) {
    case 0: break;
    case 1: o.label_column = std::string("label"); break;
    case 2: o.label_column = int64_t{-1}; break;
    case 3: o.label_column = int64_t{mode / 4 % 8}; break;
  }
  o.header = !(mode & 0x80);
  if (mode & 0x40) o.label_dtype = ag::kFloat32;
  if (mode & 0x20) o.allow_non_finite = true;
  const std::string& path = ag::fuzz::input_file(data + 1, size - 1);
  ag::fuzz::expect_clean<std::runtime_error>([&] {
    ag::data::CsvTable t = ag::data::read_csv(path, o);
    ag::fuzz::touch(t.features);
    if (t.labels.defined()) ag::fuzz::touch(t.labels);
  });
  return 0;
}
