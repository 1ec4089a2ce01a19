// CSV reader: RFC 4180 quoting, a byte order mark, a label column named twice, and
// long fields cut short in messages.
#include <gtest/gtest.h>

#include "ag/ag.h"
#include "ag/data.h"
#include "data/test_files.h"

using namespace ag;
using namespace ag::data;

namespace {

std::string error_of(const std::string& path, const CsvOptions& options = {}) {
  try {
    read_csv(path, options);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  ADD_FAILURE() << path << " was accepted";
  return "";
}

}  // namespace

TEST(CsvQuoting, QuotedFieldsHoldDelimitersQuotesAndLineBreaks) {
  ag_test::TempDir dir;
  ag_test::write_bytes(dir.file("q.csv"), "\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",label\n\"1\", 2 ,\"3\",0\n4,5,6,1\n");
  CsvTable t = read_csv(dir.file("q.csv"), {.label_column = "label"});
  EXPECT_EQ(t.feature_names, (std::vector<std::string>{"a,b", "say \"hi\"", "two\nlines"}));
  EXPECT_TRUE(t.features.equal(tensor({{1.f, 2.f, 3.f}, {4.f, 5.f, 6.f}})));
  EXPECT_TRUE(t.labels.equal(tensor({0, 1})));
}

TEST(CsvQuoting, AQuotedCommaIsOneFieldNotTwo) {
  ag_test::TempDir dir;
  ag_test::write_bytes(dir.file("c.csv"), "a,b,label\n1,\"2,5\",0\n");
  // One field '2,5', which is not a number: before, it was split into 2 and 5 and the row had 4 fields.
  std::string m = error_of(dir.file("c.csv"), {.label_column = "label"});
  EXPECT_NE(m.find("line 2, column 2 ('b'): '2,5' is not a number"), std::string::npos) << m;
}

TEST(CsvQuoting, UnclosedQuoteAndTextAfterTheQuoteAreErrors) {
  ag_test::TempDir dir;
  ag_test::write_bytes(dir.file("open.csv"), "a,b\n1,\"2\n3,4\n");
  std::string m = error_of(dir.file("open.csv"));
  EXPECT_NE(m.find("line 2, column 2: the quoted field that starts at byte offset 6 is never closed"), std::string::npos) << m;
  ag_test::write_bytes(dir.file("after.csv"), "a,b\n1,\"2\"x\n");
  m = error_of(dir.file("after.csv"));
  EXPECT_NE(m.find("line 2, column 2: text after the closing quote at byte offset 9"), std::string::npos) << m;
}

TEST(CsvQuoting, ByteOrderMarkIsNotPartOfTheFirstName) {
  ag_test::TempDir dir;
  ag_test::write_bytes(dir.file("bom.csv"), "\xEF\xBB\xBFlabel,x\n1,2\n");
  CsvTable t = read_csv(dir.file("bom.csv"), {.label_column = "label"});
  EXPECT_EQ(t.label_name, "label");
  EXPECT_EQ(t.feature_names, (std::vector<std::string>{"x"}));
}

TEST(CsvQuoting, LabelColumnNamedTwiceIsRefused) {
  ag_test::TempDir dir;
  ag_test::write_bytes(dir.file("dup.csv"), "y,a,y,b\n0,1,2,3\n");
  std::string m = error_of(dir.file("dup.csv"), {.label_column = "y"});
  EXPECT_NE(m.find("label column 'y' appears twice in the header on line 1 (columns 1 and 3)"), std::string::npos) << m;
  // A feature name repeated is not ambiguous: it stays allowed.
  ag_test::write_bytes(dir.file("dup_feature.csv"), "a,a,y\n1,2,0\n");
  EXPECT_EQ(read_csv(dir.file("dup_feature.csv"), {.label_column = "y"}).features.size(1), 2);
}

TEST(CsvQuoting, LongFieldsAreCutInMessages) {
  ag_test::TempDir dir;
  const std::string big(10 << 20, 'x');
  ag_test::write_bytes(dir.file("big.csv"), "a,b\n1," + big + "\n");
  std::string m = error_of(dir.file("big.csv"));
  EXPECT_LT(m.size(), 300u) << m.substr(0, 300);
  EXPECT_NE(m.find("'" + std::string(40, 'x') + "\u2026' (10485760 bytes at byte offset 6) is not a number"), std::string::npos)
      << m.substr(0, 300);
}
