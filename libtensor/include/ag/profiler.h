// A trace of where time goes (torch.profiler's role, in Chrome's trace-event
// format): while on, forward ops, backward nodes, communication and whatever a
// program wraps in a Scope are recorded as complete events per thread.
// Off, each hook costs one relaxed atomic load and a predictable branch.
#pragma once
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace ag::profiler {

using Clock = std::chrono::steady_clock;

namespace detail {
extern std::atomic<bool> enabled;
}  // namespace detail

inline bool is_enabled() { return detail::enabled.load(std::memory_order_relaxed); }

struct Event {
  std::string name;
  const char* category;  // "op", "backward", "comm", "step"...
  Clock::time_point begin, end;
  int thread;  // small numbers in the order threads first recorded an event
};

/// Clears the recorded events and starts recording, process-wide. At most
/// `max_events` are kept (later ones are counted in dropped()), so a long run
/// cannot exhaust memory.
void start(size_t max_events = 1'000'000);
/// Stops recording and hands over the events.
std::vector<Event> stop();
/// Events not kept since start() for want of room.
size_t dropped();

/// Records [begin, end) on the calling thread. Call only when is_enabled().
void record(std::string name, const char* category, Clock::time_point begin, Clock::time_point end);
/// The end of the calling thread's latest event: where a forward op that is only
/// seen once its result exists (autograd's record()) began.
Clock::time_point last_end_on_this_thread();

/// Records its own lifetime when the profiler was on at construction.
class Scope {
 public:
  Scope(const char* name, const char* category) : on_(is_enabled()) {
    if (on_) name_ = name, category_ = category, begin_ = Clock::now();
  }
  Scope(const std::string& name, const char* category) : on_(is_enabled()) {
    if (on_) name_ = name, category_ = category, begin_ = Clock::now();
  }
  ~Scope() {
    if (on_) record(std::move(name_), category_, begin_, Clock::now());
  }
  Scope(const Scope&) = delete;
  Scope& operator=(const Scope&) = delete;

 private:
  bool on_;
  std::string name_;
  const char* category_ = "";
  Clock::time_point begin_;
};

/// The events as a Chrome trace-event JSON array's elements (complete events,
/// "ph": "X", microseconds from `origin`), pid = `pid`, comma-separated, no brackets.
std::string trace_events_json(const std::vector<Event>& events, int pid, Clock::time_point origin);

/// One row of key_averages(): the events of one category and name.
struct OpAverage {
  std::string name, category;
  int64_t calls = 0;
  double total_us = 0;  // wall time of the events
  double self_us = 0;   // less the time of the events each encloses on its thread
};

/// The events grouped by (category, name), most self time first (torch.profiler's
/// key_averages()).
std::vector<OpAverage> key_averages(const std::vector<Event>& events);

/// key_averages() as a text table of its first `top` rows: name, category, calls, self
/// time, share of all self time, total time, average per call.
std::string key_averages_table(const std::vector<Event>& events, size_t top = 15);

}  // namespace ag::profiler
