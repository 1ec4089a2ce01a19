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

TEST(Profiler, KeyAveragesTakeEnclosedEventsOutOfSelfTime) {
  namespace profiler = ag::profiler;
  using profiler::Clock;
  const Clock::time_point t0{};
  auto at = [&](int us) { return t0 + std::chrono::microseconds(us); };
  // Thread 0: a 100 us phase holding two ops of 30 and 20 us, the second holding a 5 us op;
  // thread 1: one 40 us exchange overlapping the phase in time but not enclosed by it.
  std::vector<profiler::Event> events = {
      {"forward", "step", at(0), at(100), 0},     {"Linear", "op", at(10), at(40), 0}, {"Linear", "op", at(50), at(70), 0},
      {"Relu", "op", at(55), at(60), 0},          {"allreduce", "comm", at(20), at(60), 1},
  };
  const auto rows = profiler::key_averages(events);
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0].name, "forward");
  EXPECT_DOUBLE_EQ(rows[0].self_us, 50);
  EXPECT_DOUBLE_EQ(rows[0].total_us, 100);
  EXPECT_EQ(rows[1].name, "Linear");
  EXPECT_EQ(rows[1].calls, 2);
  EXPECT_DOUBLE_EQ(rows[1].total_us, 50);
  EXPECT_DOUBLE_EQ(rows[1].self_us, 45);
  EXPECT_EQ(rows[2].name, "allreduce");
  EXPECT_DOUBLE_EQ(rows[2].self_us, 40);
  EXPECT_EQ(rows[3].name, "Relu");
  EXPECT_DOUBLE_EQ(rows[3].self_us, 5);
  const std::string table = profiler::key_averages_table(events, 2);
  EXPECT_NE(table.find("Self ms"), std::string::npos) << table;
  EXPECT_NE(table.find("forward"), std::string::npos) << table;
  EXPECT_EQ(table.find("Relu"), std::string::npos) << table;
  EXPECT_NE(table.find("2 more rows"), std::string::npos) << table;
}
