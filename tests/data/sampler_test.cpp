// SequentialSampler, RandomSampler, BatchSampler: orders, random-number use, resume.
#include <gtest/gtest.h>

#include <numeric>

#include "ag/ag.h"
#include "ag/data.h"

using namespace ag;
using namespace ag::data;

namespace {
// PyTorch's int64 random_(): random64() % 2^63.
uint64_t int64_draw(Generator& g) { return g.random64() % (1ULL << 63); }
}  // namespace

TEST(Randperm, MatchesTorchLiteral) {
  // torch.manual_seed(0); torch.randperm(10)
  manual_seed(0);
  EXPECT_TRUE(randperm(10).equal(tensor({4, 1, 7, 5, 3, 9, 0, 8, 6, 2})));
}

TEST(SequentialSampler, YieldsRangeAndResumes) {
  SequentialSampler s(5);
  EXPECT_EQ(s.start_pass(), (std::vector<int64_t>{0, 1, 2, 3, 4}));
  SamplerState st = s.state(2);
  EXPECT_TRUE(st.mid_pass);
  EXPECT_EQ(st.consumed, 2);
  SequentialSampler t(5);
  t.load_state(st);
  EXPECT_EQ(t.start_pass(), (std::vector<int64_t>{2, 3, 4}));
  EXPECT_FALSE(t.state(3).mid_pass);
  EXPECT_EQ(t.start_pass().size(), 5u);  // the next pass is a whole one
  SequentialSampler other(6);
  EXPECT_THROW(other.load_state(st), std::invalid_argument);
}

TEST(RandomSampler, WithoutGeneratorDrawsASeedFromTheGlobalGenerator) {
  manual_seed(123);
  RandomSampler s(20);
  std::vector<int64_t> order = s.start_pass();
  Generator ref(123);
  Generator priv(int64_draw(ref));
  EXPECT_EQ(order, randperm_vector(20, priv));
  EXPECT_EQ(default_generator().random(), ref.random());  // exactly two 32-bit draws were taken
  std::vector<int64_t> sorted = order;
  std::sort(sorted.begin(), sorted.end());
  std::vector<int64_t> iota(20);
  std::iota(iota.begin(), iota.end(), 0);
  EXPECT_EQ(sorted, iota);
}

TEST(RandomSampler, WithGeneratorPermutesWithItAndDrawsAgainAtExhaustion) {
  auto g = std::make_shared<Generator>(7);
  RandomSampler s(10, g);
  Generator ref(7);
  EXPECT_EQ(s.start_pass(), randperm_vector(10, ref));
  s.end_pass();  // PyTorch's trailing randperm(n)[:0]
  randperm_vector(10, ref);
  EXPECT_EQ(s.start_pass(), randperm_vector(10, ref));
  EXPECT_THROW(RandomSampler(0), std::invalid_argument);
}

TEST(RandomSampler, SeededModeGivesANewReproducibleOrderPerEpoch) {
  RandomSampler s = RandomSampler::with_seed(10, 0);
  std::vector<int64_t> e0 = s.start_pass();
  EXPECT_EQ(e0, (std::vector<int64_t>{4, 1, 7, 5, 3, 9, 0, 8, 6, 2}));  // randperm(10) seeded 0 + 0
  EXPECT_EQ(s.start_pass(), e0);                                        // same epoch, same order
  s.set_epoch(1);
  std::vector<int64_t> e1 = s.start_pass();
  EXPECT_NE(e1, e0);
  Generator g(1);
  EXPECT_EQ(e1, randperm_vector(10, g));
  RandomSampler t = RandomSampler::with_seed(10, 0);
  t.set_epoch(1);
  EXPECT_EQ(t.start_pass(), e1);
}

TEST(RandomSampler, ResumesMidPassInEveryMode) {
  auto check = [](RandomSampler a, RandomSampler b, const char* mode) {
    std::vector<int64_t> full = a.start_pass();
    SamplerState st = a.state(4);
    ASSERT_TRUE(st.mid_pass) << mode;
    manual_seed(999);  // the global generator moved on; a resume must not draw from it
    b.load_state(st);
    std::vector<int64_t> rest = b.start_pass();
    EXPECT_EQ(rest, std::vector<int64_t>(full.begin() + 4, full.end())) << mode;
    EXPECT_EQ(b.state(static_cast<int64_t>(rest.size())).mid_pass, false) << mode;
  };
  manual_seed(5);
  check(RandomSampler(13), RandomSampler(13), "global");
  check(RandomSampler(13, std::make_shared<Generator>(3)), RandomSampler(13, std::make_shared<Generator>(77)), "generator");
  check(RandomSampler::with_seed(13, 8), RandomSampler::with_seed(13, 8), "seeded");
}

TEST(BatchSampler, GroupsIndicesAndCountsBatches) {
  auto seq = std::make_shared<SequentialSampler>(10);
  BatchSampler keep(seq, 4, false);
  EXPECT_EQ(keep.size(), 3);
  BatchPlan plan = keep.start_pass();
  ASSERT_EQ(plan.num_batches, 3);
  EXPECT_EQ(std::vector<int64_t>(plan.batch(2).begin(), plan.batch(2).end()), (std::vector<int64_t>{8, 9}));
  EXPECT_EQ(keep.exhaustion_batch(plan), 2);  // the partial last batch exhausts the sampler
  BatchSampler drop(seq, 4, true);
  EXPECT_EQ(drop.size(), 2);
  BatchPlan dplan = drop.start_pass();
  EXPECT_EQ(dplan.num_batches, 2);
  EXPECT_EQ(drop.exhaustion_batch(dplan), 2);
  EXPECT_FALSE(drop.state(dplan, 2).mid_pass);  // the dropped tail counts as used
  EXPECT_TRUE(drop.state(dplan, 1).mid_pass);
  EXPECT_THROW(BatchSampler(seq, 0, false), std::invalid_argument);
}
