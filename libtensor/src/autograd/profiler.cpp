#include "ag/profiler.h"

#include <cstdio>
#include <mutex>

namespace ag::profiler {

namespace detail {
std::atomic<bool> enabled{false};
}  // namespace detail

namespace {

struct Recorder {
  std::mutex mu;
  std::vector<Event> events;
  size_t max_events = 0, dropped = 0;
  int threads = 0;
};
Recorder& recorder() {
  static Recorder r;
  return r;
}

// When recording began (steady-clock ticks): the earliest a forward op can have started.
std::atomic<Clock::rep> started{0};
thread_local int this_thread = -1;
thread_local Clock::time_point last_end{};

void json_string(std::string& out, const std::string& s) {
  out += '"';
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\', out += c;
    else if (static_cast<unsigned char>(c) < 0x20) out += ' ';
    else out += c;
  }
  out += '"';
}

}  // namespace

void start(size_t max_events) {
  Recorder& r = recorder();
  {
    std::lock_guard<std::mutex> g(r.mu);
    r.events.clear();
    r.max_events = max_events;
    r.dropped = 0;
  }
  started.store(Clock::now().time_since_epoch().count(), std::memory_order_relaxed);
  detail::enabled.store(true, std::memory_order_relaxed);
}

std::vector<Event> stop() {
  detail::enabled.store(false, std::memory_order_relaxed);
  Recorder& r = recorder();
  std::lock_guard<std::mutex> g(r.mu);
  return std::move(r.events);
}

size_t dropped() {
  Recorder& r = recorder();
  std::lock_guard<std::mutex> g(r.mu);
  return r.dropped;
}

void record(std::string name, const char* category, Clock::time_point begin, Clock::time_point end) {
  last_end = end;
  Recorder& r = recorder();
  std::lock_guard<std::mutex> g(r.mu);
  if (this_thread < 0) this_thread = r.threads++;
  if (r.events.size() >= r.max_events) {
    ++r.dropped;
    return;
  }
  r.events.push_back(Event{std::move(name), category, begin, end, this_thread});
}

Clock::time_point last_end_on_this_thread() {
  const Clock::time_point begun{Clock::duration(started.load(std::memory_order_relaxed))};
  return last_end < begun ? begun : last_end;
}

std::string trace_events_json(const std::vector<Event>& events, int pid, Clock::time_point origin) {
  std::string out;
  char b[160];
  for (const Event& e : events) {
    if (!out.empty()) out += ",\n";
    out += "{\"name\": ";
    json_string(out, e.name);
    const double ts = std::chrono::duration<double, std::micro>(e.begin - origin).count();
    const double dur = std::chrono::duration<double, std::micro>(e.end - e.begin).count();
    std::snprintf(b, sizeof b, ", \"cat\": \"%s\", \"ph\": \"X\", \"ts\": %.3f, \"dur\": %.3f, \"pid\": %d, \"tid\": %d}", e.category, ts,
                  dur, pid, e.thread);
    out += b;
  }
  return out;
}

}  // namespace ag::profiler
