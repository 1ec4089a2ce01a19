#include "train/trace_file.h"

#include "ag/profiler.h"

namespace ag::tools {

void start_trace(Run& r) {
  if (r.o.profile.empty()) return;
  if (r.rank == 0) r.trace_file = std::make_unique<OutputFile>(r.o.profile, "--profile");
  r.trace_origin = profiler::Clock::now();
  profiler::start();
}

void write_trace(Run& r) {
  if (r.o.profile.empty()) return;
  const size_t dropped = profiler::dropped();
  std::string mine = "{\"name\": \"process_name\", \"ph\": \"M\", \"pid\": " + std::to_string(r.rank) +
                     ", \"args\": {\"name\": \"rank " + std::to_string(r.rank) + "\"}}";
  const std::vector<profiler::Event> recorded = profiler::stop();
  const std::string events = profiler::trace_events_json(recorded, r.rank, r.trace_origin);
  if (!events.empty()) mine += ",\n" + events;
  std::vector<std::string> all = r.world > 1 ? r.comm.allgather_string(mine) : std::vector<std::string>{mine};
  if (r.rank != 0) return;
  std::string doc = "{\"displayTimeUnit\": \"ms\", \"traceEvents\": [\n";
  for (size_t i = 0; i < all.size(); ++i) doc += (i ? ",\n" : "") + all[i];
  doc += "\n]}\n";
  r.trace_file->write(doc.data(), doc.size());
  r.trace_file->commit();
  // Printed even when --quiet: the user asked for the profile.
  std::string table = profiler::key_averages_table(recorded);
  table.pop_back();  // summary() ends the line
  r.out.summary("--profile " + r.o.profile + ": rank 0's events by self time\n" + table);
  if (dropped) r.say("--profile: " + std::to_string(dropped) + " events after the first million were not recorded");
}

}  // namespace ag::tools
