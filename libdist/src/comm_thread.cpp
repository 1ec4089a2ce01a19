// The communication thread: MPI setup and teardown, a queue of collectives run
// in submission order, and a wait loop that polls requests, answers other
// ranks' health queries and, past the deadline, diagnoses the stall and aborts.
#include "comm_thread.h"

#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <algorithm>
#include <sstream>
#include <vector>

#include "ag/profiler.h"
#include "launcher_watch.h"
#include "mpi_check.h"

namespace ag::dist::detail {

namespace {
constexpr int kQueryTag = 1;
constexpr int kReplyTag = 2;
constexpr int kReplyBytes = 256;

const char* level_name(int level) {
  switch (level) {
    case MPI_THREAD_SINGLE: return "MPI_THREAD_SINGLE";
    case MPI_THREAD_FUNNELED: return "MPI_THREAD_FUNNELED";
    case MPI_THREAD_SERIALIZED: return "MPI_THREAD_SERIALIZED";
    case MPI_THREAD_MULTIPLE: return "MPI_THREAD_MULTIPLE";
  }
  return "unknown";
}
}  // namespace

CommThread::CommThread(std::function<std::chrono::milliseconds()> timeout, std::function<int64_t()> step)
    : timeout_(std::move(timeout)), step_(std::move(step)) {
  std::promise<void> ready;
  auto fut = ready.get_future();
  thread_ = std::thread([this, &ready] { run(ready); });
  fut.wait();
  if (init_error_) {
    thread_.join();
    std::rethrow_exception(init_error_);
  }
}

CommThread::~CommThread() { shutdown(); }

void CommThread::shutdown() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    if (stop_) {
      if (thread_.joinable()) thread_.join();
      return;
    }
    stop_ = true;
  }
  cv_.notify_all();
  watchdog_cv_.notify_all();
  if (thread_.joinable()) thread_.join();  // it joins the watchdog before MPI_Finalize
}

std::shared_future<void> CommThread::submit(std::string what, Task task) {
  std::lock_guard<std::mutex> lk(mu_);
  if (stop_) throw std::logic_error("communicator: '" + what + "' submitted after shutdown");
  queue_.push_back(Item{std::move(what), std::move(task), {}});
  std::shared_future<void> f = queue_.back().done.get_future().share();
  cv_.notify_one();
  return f;
}

void CommThread::run(std::promise<void>& ready) {
  try {
    int provided = 0;
    int rc = MPI_Init_thread(nullptr, nullptr, MPI_THREAD_MULTIPLE, &provided);
    if (rc != MPI_SUCCESS) throw std::runtime_error("MPI_Init_thread failed: " + mpi_error_string(rc));
    setup_.thread_level = level_name(provided);
    if (provided < MPI_THREAD_FUNNELED) {
      MPI_Finalize();
      throw std::runtime_error(std::string("MPI provides only ") + level_name(provided) +
                               "; allgrad needs MPI_THREAD_FUNNELED or more (its collectives run on their own thread)");
    }
    MPI_Comm_dup(MPI_COMM_WORLD, &world_);
    MPI_Comm_dup(MPI_COMM_WORLD, &health_);
    MPI_Comm_set_errhandler(world_, MPI_ERRORS_RETURN);
    MPI_Comm_set_errhandler(health_, MPI_ERRORS_RETURN);
    MPI_Comm_rank(world_, &setup_.rank);
    MPI_Comm_size(world_, &setup_.world);
    MPI_Comm node;
    MPI_Comm_split_type(world_, MPI_COMM_TYPE_SHARED, setup_.rank, MPI_INFO_NULL, &node);
    MPI_Comm_rank(node, &setup_.local_rank);
    MPI_Comm_size(node, &setup_.local_size);
    MPI_Comm_free(&node);
    // Every rank's host name, so that a stall report names where a missing rank ran.
    char name[MPI_MAX_PROCESSOR_NAME] = {};
    int len = 0;
    MPI_Get_processor_name(name, &len);
    std::vector<char> all(static_cast<size_t>(setup_.world) * MPI_MAX_PROCESSOR_NAME);
    MPI_Allgather(name, MPI_MAX_PROCESSOR_NAME, MPI_CHAR, all.data(), MPI_MAX_PROCESSOR_NAME, MPI_CHAR, world_);
    for (int r = 0; r < setup_.world; ++r) {
      const char* h = all.data() + static_cast<size_t>(r) * MPI_MAX_PROCESSOR_NAME;
      hosts_.emplace_back(h, strnlen(h, MPI_MAX_PROCESSOR_NAME));
    }
    guarded_ = provided == MPI_THREAD_MULTIPLE && setup_.world > 1;
  } catch (...) {
    init_error_ = std::current_exception();
    ready.set_value();
    return;
  }
  if (guarded_) watchdog_ = std::thread([this] { watchdog_loop(); });
  ready.set_value();

  for (;;) {
    Item item;
    {
      std::unique_lock<std::mutex> lk(mu_);
      cv_.wait(lk, [&] { return stop_ || !queue_.empty(); });
      if (queue_.empty()) break;  // stop_ and drained
      item = std::move(queue_.front());
      queue_.pop_front();
    }
    int64_t seq = ++seq_;
    {
      std::lock_guard<std::mutex> lk(current_mu_);
      current_ = item.what;
    }
    busy_seq_ = seq;
    busy_since_ns_ = std::chrono::steady_clock::now().time_since_epoch().count();
    try {
      {
        profiler::Scope traced(item.what, "comm");
        item.task(Waiter{guarded_, [&](MPI_Request* reqs, int n) { wait_requests(reqs, n, item.what, seq); }});
      }
      item.done.set_value();
    } catch (...) {
      item.done.set_exception(std::current_exception());
    }
    busy_since_ns_ = 0;
  }
  if (watchdog_.joinable()) watchdog_.join();
  MPI_Comm_free(&health_);
  MPI_Comm_free(&world_);
  MPI_Finalize();
}

void CommThread::watchdog_loop() {
  for (;;) {
    {
      std::unique_lock<std::mutex> lk(mu_);
      if (watchdog_cv_.wait_for(lk, std::chrono::milliseconds(100), [&] { return stop_; })) return;
    }
    int64_t since = busy_since_ns_;
    if (since == 0) continue;
    int64_t seq = busy_seq_;
    answer_health_queries(seq);
    auto waited = std::chrono::steady_clock::now().time_since_epoch() - std::chrono::nanoseconds(since);
    if (waited > timeout_()) {
      std::string what;
      {
        std::lock_guard<std::mutex> lk(current_mu_);
        what = current_;
      }
      report_stall(what, seq, std::chrono::duration<double>(waited).count());
    }
  }
}

void CommThread::wait_requests(MPI_Request* reqs, int n, const std::string& what, int64_t seq) {
  if (guarded_) {
    mpi_check(MPI_Waitall(n, reqs, MPI_STATUSES_IGNORE), what.c_str(), setup_.rank);
    return;
  }
  auto start = std::chrono::steady_clock::now();
  for (uint64_t spin = 0;; ++spin) {
    int flag = 0;
    mpi_check(MPI_Testall(n, reqs, &flag, MPI_STATUSES_IGNORE), what.c_str(), setup_.rank);
    if (flag) break;
    if ((spin & 63) == 0) {
      if (setup_.world > 1) answer_health_queries(seq);
      auto waited = std::chrono::steady_clock::now() - start;
      if (waited > timeout_()) report_stall(what, seq, std::chrono::duration<double>(waited).count());
    }
    // Spin briefly (collectives usually finish within microseconds), then back off
    // so a long wait does not steal the core from computation.
    if (spin > 2000) usleep(spin > 20000 ? 200 : 20);
  }
}

void CommThread::answer_health_queries(int64_t seq) {
  for (;;) {
    int flag = 0;
    MPI_Status st;
    if (MPI_Iprobe(MPI_ANY_SOURCE, kQueryTag, health_, &flag, &st) != MPI_SUCCESS || !flag) return;
    int64_t their = 0;
    MPI_Recv(&their, 1, MPI_INT64_T, st.MPI_SOURCE, kQueryTag, health_, MPI_STATUS_IGNORE);
    // Sent without waiting, so a peer that has already gone cannot block us; the
    // buffer lives in replies_ until the send completes.
    replies_.push_back({std::make_unique<char[]>(kReplyBytes), MPI_REQUEST_NULL});
    auto& [buf, req] = replies_.back();
    std::string what;
    {
      std::lock_guard<std::mutex> lk(current_mu_);
      what = current_;
    }
    std::snprintf(buf.get(), kReplyBytes, "%lld %lld %s", static_cast<long long>(seq),
                  static_cast<long long>(step_()), what.c_str());
    MPI_Isend(buf.get(), kReplyBytes, MPI_CHAR, st.MPI_SOURCE, kReplyTag, health_, &req);
  }
  std::erase_if(replies_, [](auto& r) {
    int done = 0;
    MPI_Test(&r.second, &done, MPI_STATUS_IGNORE);
    return done != 0;
  });
}

void CommThread::report_stall(const std::string& what, int64_t seq, double waited_s) {
  const int me = setup_.rank, world = setup_.world;
  int64_t query = seq;
  std::vector<MPI_Request> sends;
  for (int r = 0; r < world; ++r) {
    if (r == me) continue;
    MPI_Request req;
    if (MPI_Isend(&query, 1, MPI_INT64_T, r, kQueryTag, health_, &req) == MPI_SUCCESS) sends.push_back(req);
  }
  std::vector<std::string> answers(static_cast<size_t>(world));
  double grace = std::min(10.0, std::max(2.0, waited_s / 4));
  auto start = std::chrono::steady_clock::now();
  int answered = 0;
  while (answered < world - 1 && std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() < grace) {
    int flag = 0;
    MPI_Status st;
    if (MPI_Iprobe(MPI_ANY_SOURCE, kReplyTag, health_, &flag, &st) == MPI_SUCCESS && flag) {
      char buf[kReplyBytes] = {};
      MPI_Recv(buf, kReplyBytes, MPI_CHAR, st.MPI_SOURCE, kReplyTag, health_, MPI_STATUS_IGNORE);
      if (answers[st.MPI_SOURCE].empty()) ++answered;
      answers[st.MPI_SOURCE] = std::string(buf, strnlen(buf, kReplyBytes));
    } else {
      answer_health_queries(seq);
      usleep(1000);
    }
  }
  std::ostringstream os;
  os << "allgrad: rank " << me << " (on " << hosts_[static_cast<size_t>(me)] << "): collective '" << what << "' (#" << seq << ") at step " << step_()
     << " made no progress for " << static_cast<int>(waited_s) << " s (timeout " << timeout_().count() / 1000.0 << " s).";
  std::string missing, elsewhere, arrived;
  for (int r = 0; r < world; ++r) {
    if (r == me) continue;
    if (answers[r].empty()) {
      missing += (missing.empty() ? "" : ", ") + std::to_string(r) + " (on " + hosts_[static_cast<size_t>(r)] + ")";
      continue;
    }
    std::istringstream is(answers[r]);
    long long their_seq = 0, their_step = 0;
    is >> their_seq >> their_step;
    std::string their_what;
    std::getline(is, their_what);
    their_what = their_what.substr(their_what.empty() ? 0 : 1);
    // The same count of collectives but another kind (a barrier against an allreduce) is out of order too.
    if (their_seq == seq && their_what == what) arrived += (arrived.empty() ? "" : ", ") + std::to_string(r);
    else elsewhere += " rank " + std::to_string(r) + " is waiting in '" + their_what +
                      "' (#" + std::to_string(their_seq) + ", step " + std::to_string(their_step) + ");";
  }
  if (!missing.empty())
    os << " Ranks that did not arrive (no answer: still computing, stopped, dead or unreachable): " << missing << ".";
  // One machine-readable line per host whose ranks gave no answer, for a supervisor
  // (allgrad launch) that restarts the job without them; it checks for itself
  // whether the host still answers, since a stopped rank gives no answer either.
  std::vector<std::string> silent_hosts;
  for (int r = 0; r < world; ++r) {
    if (r == me || !answers[r].empty()) continue;
    const std::string& h = hosts_[static_cast<size_t>(r)];
    if (std::find(silent_hosts.begin(), silent_hosts.end(), h) == silent_hosts.end()) silent_hosts.push_back(h);
  }
  if (!elsewhere.empty()) os << " Out of order:" << elsewhere;
  if (!arrived.empty()) os << " Waiting with this rank: " << arrived << ".";
  os << " Aborting the job.";
  for (const auto& h : silent_hosts) os << "\nallgrad: lost host: " << h << " (no answer from its ranks at step " << step_() << ")";
  std::fprintf(stderr, "%s\n", os.str().c_str());
  std::fflush(stderr);
  abort_job(3);
}

void CommThread::abort(const std::string& reason, int code) {
  std::fprintf(stderr, "allgrad: rank %d: %s\n", setup_.rank, reason.c_str());
  std::fflush(stderr);
  abort_job(code);
}

void CommThread::abort_job(int code) {
  end_launcher_if_abort_stalls(kLauncherGrace);
  MPI_Abort(MPI_COMM_WORLD, code);
  _exit(code);
}

}  // namespace ag::dist::detail
