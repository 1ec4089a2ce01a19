// default_collate and pad_sequence.
#include <gtest/gtest.h>

#include "ag/ag.h"
#include "ag/data.h"

using namespace ag;
using namespace ag::data;

TEST(DefaultCollate, StacksEachFieldAlongANewFirstDim) {
  std::vector<Example<>> xs = {{tensor({1.f, 2.f}), tensor(0)}, {tensor({3.f, 4.f}), tensor(1)}, {tensor({5.f, 6.f}), tensor(2)}};
  Example<> b = default_collate(xs);
  ASSERT_EQ(b.size(), 2u);
  EXPECT_TRUE(b[0].equal(tensor({{1.f, 2.f}, {3.f, 4.f}, {5.f, 6.f}})));
  EXPECT_TRUE(b[1].equal(tensor({0, 1, 2})));
  EXPECT_EQ(b[1].dtype(), kInt64);
}

TEST(DefaultCollate, ErrorsNameTheExampleAndShapes) {
  std::vector<Example<>> ragged = {{tensor({1.f, 2.f})}, {tensor({3.f})}};
  try {
    default_collate(ragged);
    FAIL();
  } catch (const std::invalid_argument& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("example 1"), std::string::npos) << m;
    EXPECT_NE(m.find("[1]"), std::string::npos) << m;
    EXPECT_NE(m.find("[2]"), std::string::npos) << m;
    EXPECT_NE(m.find("pad_sequence"), std::string::npos) << m;
  }
  std::vector<Example<>> fields = {{tensor(1), tensor(2)}, {tensor(1)}};
  EXPECT_THROW(default_collate(fields), std::invalid_argument);
  std::vector<Example<>> dtypes = {{tensor(1)}, {tensor(1.f)}};
  EXPECT_THROW(default_collate(dtypes), std::invalid_argument);
  EXPECT_THROW(default_collate({}), std::invalid_argument);
}

TEST(PadSequence, TimeMajorByDefault) {
  Tensor a = tensor({1.f, 2.f, 3.f});
  Tensor b = tensor({4.f});
  Tensor c = tensor({5.f, 6.f});
  Tensor out = pad_sequence({a, b, c});
  EXPECT_TRUE(out.equal(tensor({{1.f, 4.f, 5.f}, {2.f, 0.f, 6.f}, {3.f, 0.f, 0.f}})));
}

TEST(PadSequence, BatchFirstWithPaddingValueAndTrailingDims) {
  Tensor a = tensor({{1., 1.}, {2., 2.}}, kFloat64);
  Tensor b = tensor({{3., 3.}}, kFloat64);
  Tensor out = pad_sequence({a, b}, /*batch_first=*/true, /*padding_value=*/-1);
  EXPECT_EQ(out.dtype(), kFloat64);
  EXPECT_TRUE(out.equal(tensor({{{1., 1.}, {2., 2.}}, {{3., 3.}, {-1., -1.}}}, kFloat64)));
  // A strided input and an empty sequence.
  Tensor strided = tensor({{1., 2.}, {3., 4.}}, kFloat64).t();
  Tensor empty_seq = zeros({0, 2}, kFloat64);
  Tensor out2 = pad_sequence({strided, empty_seq}, true, 9);
  EXPECT_TRUE(out2.equal(tensor({{{1., 3.}, {2., 4.}}, {{9., 9.}, {9., 9.}}}, kFloat64)));
}

TEST(PadSequence, RejectsMismatchedSequences) {
  EXPECT_THROW(pad_sequence({}), std::invalid_argument);
  EXPECT_THROW(pad_sequence({tensor({1.f}), tensor({{1.f}})}), std::invalid_argument);
  EXPECT_THROW(pad_sequence({tensor({1.f}), tensor({1.}, kFloat64)}), std::invalid_argument);
  EXPECT_THROW(pad_sequence({scalar_tensor(1)}), std::invalid_argument);
}
