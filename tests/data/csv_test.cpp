// CSV reader: columns, label by name or index, and bad cells reported by line and column.
#include <gtest/gtest.h>

#include <cmath>

#include "ag/ag.h"
#include "ag/data.h"
#include "data/test_files.h"

using namespace ag;
using namespace ag::data;

namespace {

void expect_csv_error(const std::string& path, const CsvOptions& options, const std::string& fragment) {
  try {
    read_csv(path, options);
    ADD_FAILURE() << path << " was accepted";
  } catch (const std::runtime_error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find(path), std::string::npos) << m;
    EXPECT_NE(m.find(fragment), std::string::npos) << "expected '" << fragment << "' in: " << m;
  }
}

}  // namespace

TEST(CsvReader, LabelByNameWithHeader) {
  ag_test::TempDir dir;
  ag_test::write_bytes(dir.file("d.csv"), "x1, \"label\" ,x2\r\n1.5,2,-3\n\n0.25,0,1e2\n");
  CsvTable t = read_csv(dir.file("d.csv"), {.label_column = "label"});
  EXPECT_EQ(t.feature_names, (std::vector<std::string>{"x1", "x2"}));
  EXPECT_EQ(t.label_name, "label");
  EXPECT_TRUE(t.features.equal(tensor({{1.5f, -3.f}, {0.25f, 100.f}})));
  EXPECT_TRUE(t.labels.equal(tensor({2, 0})));
  TensorDataset ds = t.dataset();
  EXPECT_EQ(ds.size(), 2);
  EXPECT_EQ(ds.get(1)[1].item<int64_t>(), 0);
}

TEST(CsvReader, LabelByIndexWithoutHeaderAndOtherDtypes) {
  ag_test::TempDir dir;
  ag_test::write_bytes(dir.file("d.csv"), "1;2;0.5\n3;4;+1.5\n");
  CsvTable t = read_csv(dir.file("d.csv"), {.header = false, .label_column = -1, .delimiter = ';',
                                            .feature_dtype = kFloat64, .label_dtype = kFloat32});
  EXPECT_EQ(t.features.dtype(), kFloat64);
  EXPECT_TRUE(t.features.equal(tensor({{1., 2.}, {3., 4.}}, kFloat64)));
  EXPECT_TRUE(t.labels.equal(tensor({0.5f, 1.5f})));
  EXPECT_EQ(t.feature_names, (std::vector<std::string>{"0", "1"}));
  CsvTable all = read_csv(dir.file("d.csv"), {.header = false, .delimiter = ';'});
  EXPECT_EQ(all.features.sizes(), (Dims{2, 3}));
  EXPECT_FALSE(all.labels.defined());
}

TEST(CsvReader, ReadsGzipCompressedFiles) {
  ag_test::TempDir dir;
  ag_test::write_gzip(dir.file("d.csv.gz"), "a,b\n1,2\n");
  EXPECT_TRUE(read_csv(dir.file("d.csv.gz"), {.label_column = "b"}).labels.equal(tensor({2})));
}

TEST(CsvReader, BadCellsNameLineAndColumn) {
  ag_test::TempDir dir;
  struct Case { std::string name, text; CsvOptions options; std::string fragment; };
  const std::vector<Case> cases = {
      {"garbage.csv", "a,b\n1,2\n3,x7\n", {}, "line 3, column 2 ('b'): 'x7' is not a number"},
      {"suffix.csv", "a,b\n1,2abc\n", {}, "line 2, column 2 ('b'): '2abc' is not a number"},
      {"nan.csv", "a,b\n1,2\nnan,4\n", {}, "line 3, column 1 ('a'): value 'nan' is NaN"},
      {"inf.csv", "a,b\n1,-inf\n", {}, "line 2, column 2 ('b'): value '-inf' is infinite"},
      {"empty-cell.csv", "a,b\n1,\n", {}, "line 2, column 2 ('b'): empty field"},
      {"ragged.csv", "a,b\n1,2\n\n3,4,5\n", {}, "line 4 has 3 fields, expected 2 (from the header on line 1)"},
      {"label-float.csv", "a,y\n1,2.5\n", {.label_column = "y"}, "label '2.5' is not an integer"},
      {"no-label.csv", "a,b\n1,2\n", {.label_column = "y"}, "no column named 'y'"},
      {"label-index.csv", "a,b\n1,2\n", {.label_column = 5}, "label column index 5 is out of range for 2 columns"},
      {"header-only.csv", "a,b\n", {}, "has a header but no data rows"},
      {"empty.csv", "\n\n", {}, "is empty"},
      {"huge.csv", "a\n1e999\n", {}, "out of the range of a double"},
      {"signs.csv", "a\n+-1\n", {}, "'+-1' is not a number"},
  };
  for (const Case& c : cases) {
    ag_test::write_bytes(dir.file(c.name), c.text);
    expect_csv_error(dir.file(c.name), c.options, c.fragment);
  }
  ag_test::write_bytes(dir.file("nan-ok.csv"), "a\nnan\n");
  EXPECT_TRUE(std::isnan(read_csv(dir.file("nan-ok.csv"), {.allow_non_finite = true}).features.item<float>()));
  expect_csv_error(dir.file("missing.csv"), {}, "does not exist");
}
