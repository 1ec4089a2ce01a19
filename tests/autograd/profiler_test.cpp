// The profiler (ag/profiler.h): while on, forward ops and backward nodes are
// recorded with their names; off, nothing is; the event cap holds; the trace
// JSON escapes names.
#include <gtest/gtest.h>

#include <string>
#include <thread>

#include "ag/ag.h"
#include "ag/profiler.h"

namespace {

int count(const std::vector<ag::profiler::Event>& events, const std::string& name, const std::string& category) {
  int n = 0;
  for (const auto& e : events) n += e.name == name && category == e.category;
  return n;
}

void forward_backward() {
  ag::Tensor w = ag::randn({3, 4}).requires_grad_(true);
  ag::Tensor x = ag::randn({2, 4});
  ag::nn::functional::linear(x, w).relu().sum().backward();
}

}  // namespace

TEST(Profiler, RecordsForwardOpsAndBackwardNodes) {
  ag::profiler::start();
  forward_backward();
  auto events = ag::profiler::stop();
  EXPECT_EQ(count(events, "Linear", "op"), 1);
  EXPECT_EQ(count(events, "Relu", "op"), 1);
  EXPECT_EQ(count(events, "LinearBackward0", "backward"), 1);
  EXPECT_EQ(count(events, "ReluBackward0", "backward"), 1);
  for (const auto& e : events) EXPECT_LE(e.begin, e.end) << e.name;
}

TEST(Profiler, OffRecordsNothing) {
  ag::profiler::start();
  ag::profiler::stop();
  forward_backward();
  { ag::profiler::Scope s("outside", "step"); }
  // stop() hands over what was recorded since the last stop(): here, nothing.
  EXPECT_TRUE(ag::profiler::stop().empty());
}

TEST(Profiler, KeepsAtMostMaxEventsAndCountsTheRest) {
  ag::profiler::start(2);
  for (int i = 0; i < 5; ++i) ag::profiler::Scope s("tick", "step");
  EXPECT_EQ(ag::profiler::dropped(), 3u);
  EXPECT_EQ(ag::profiler::stop().size(), 2u);
}

TEST(Profiler, ThreadsGetTheirOwnIdsAndNamesAreEscaped) {
  ag::profiler::start();
  { ag::profiler::Scope s("say \"hi\"\\", "step"); }
  std::thread([] { ag::profiler::Scope s("other", "step"); }).join();
  auto events = ag::profiler::stop();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_NE(events[0].thread, events[1].thread);
  std::string json = ag::profiler::trace_events_json(events, 3, events[0].begin);
  EXPECT_NE(json.find(R"("name": "say \"hi\"\\")"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("ph": "X")"), std::string::npos);
  EXPECT_NE(json.find(R"("pid": 3)"), std::string::npos);
}
