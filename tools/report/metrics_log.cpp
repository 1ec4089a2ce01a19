#include "report/metrics_log.h"

#include <filesystem>
#include <stdexcept>

#include "file_io.h"

namespace ag::tools::report {

namespace {

const json::Value& member(const json::Value& v, const char* key, json::Value::Kind kind, const std::string& where) {
  const json::Value* m = v.find(key);
  if (!m || m->kind != kind)
    throw std::runtime_error(where + ": a metrics line needs \"" + key + "\" as " + (kind == json::Value::Kind::Number ? "a number" : "an array or object"));
  return *m;
}

// A number, or 0 for null (a non-finite figure).
double number(const json::Value& v, const char* key, const std::string& where) {
  const json::Value* m = v.find(key);
  if (m && m->kind == json::Value::Kind::Null) return 0;
  return member(v, key, json::Value::Kind::Number, where).number;
}

std::vector<std::array<double, kPhases>> timings(const json::Value& line, const std::string& where) {
  const json::Value* ranks = line.find("ranks");
  if (!ranks) return {};
  if (ranks->kind != json::Value::Kind::Object) throw std::runtime_error(where + ": \"ranks\" is not an object");
  std::vector<std::array<double, kPhases>> out;
  for (int k = 0; k < kPhases; ++k) {
    const json::Value& per = member(*ranks, kPhaseKeys[k], json::Value::Kind::Array, where + ": \"ranks\"");
    if (k == 0) out.resize(per.array.size());
    if (per.array.size() != out.size()) throw std::runtime_error(where + ": \"ranks\" has arrays of different lengths");
    for (size_t r = 0; r < out.size(); ++r) out[r][static_cast<size_t>(k)] = per.array[r].kind == json::Value::Kind::Number ? per.array[r].number : 0;
  }
  return out;
}

}  // namespace

std::string metrics_path(const std::string& run) {
  std::error_code ec;
  if (std::filesystem::is_directory(run, ec)) {
    std::string p = (std::filesystem::path(run) / "metrics.jsonl").string();
    if (!std::filesystem::exists(p, ec))
      throw std::runtime_error("'" + run + "' is a directory without a metrics.jsonl (train with --metrics " + p + ")");
    return p;
  }
  return run;
}

RunLog load_run(const std::string& run) {
  RunLog log;
  log.name = run;
  log.path = metrics_path(run);
  const std::string text = read_file(log.path, "metrics file");
  size_t at = 0;
  for (int line_no = 1; at < text.size(); ++line_no) {
    size_t end = text.find('\n', at);
    if (end == std::string::npos) end = text.size();
    const std::string line = text.substr(at, end - at);
    at = end + 1;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::string where = log.path + ":" + std::to_string(line_no);
    json::Value v = json::parse(line, where);
    if (v.kind != json::Value::Kind::Object) throw std::runtime_error(where + ": a metrics line is a JSON object");
    if (const json::Value* c = v.find("config")) {
      const json::Value* start = c->kind == json::Value::Kind::Object ? c->find("start_step") : nullptr;
      const double from = start && start->kind == json::Value::Kind::Number ? start->number : 0;
      if (log.config || from > 0) log.restarts.push_back(from);
      if (!log.config) log.config = *c;  // a resumed run repeats it
      continue;
    }
    if (const json::Value* c = v.find("checkpoint")) {
      if (c->kind != json::Value::Kind::Object) throw std::runtime_error(where + ": \"checkpoint\" is not an object");
      const double step = number(*c, "step", where + ": \"checkpoint\"");
      // A resumed run saves those steps again.
      while (!log.checkpoints.empty() && log.checkpoints.back() >= step) log.checkpoints.pop_back();
      log.checkpoints.push_back(step);
      continue;
    }
    const double step = number(v, "step", where);
    const json::Value* acc = v.find("test_accuracy");
    const json::Value* mse = v.find("test_mse");
    if (acc || mse) {
      log.evals.push_back({step, acc ? "test_accuracy" : "test_mse", (acc ? acc : mse)->number});
      continue;
    }
    StepRow row{step, number(v, "loss", where), number(v, "lr", where), number(v, "samples_per_s", where),
                static_cast<int64_t>(number(v, "skipped_steps", where)), timings(v, where)};
    // A run resumed from an earlier checkpoint logs those steps again: the later lines win.
    while (!log.steps.empty() && log.steps.back().step >= step) log.steps.pop_back();
    log.steps.push_back(std::move(row));
  }
  if (log.steps.empty() && log.evals.empty()) throw std::runtime_error(log.path + ": no metrics lines (step, loss, ...) in it");
  return log;
}

}  // namespace ag::tools::report
