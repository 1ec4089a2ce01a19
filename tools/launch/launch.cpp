// allgrad launch: mpirun in a loop. Open MPI stays the engine; this only decides when
// a failed job is restarted, on which hosts and with how many ranks.
//
// Each attempt runs mpirun in its own process group and reads its stderr (passed on
// unchanged). A line that says the job is failing (a rank's "allgrad: lost host:", or
// Open MPI's MPI_ABORT or lost-daemon report) starts a grace period; if mpirun is
// still running after it, launch ends mpirun's whole process group (SIGTERM, then
// SIGKILL): after a network cut, mpirun 4.1 would otherwise wait for TCP to give up
// on the lost daemon (net.ipv4.tcp_retries2, about 15 minutes by default). It also
// gives mpirun short out-of-band TCP keepalives (oob_tcp_keepalive_*), so that an idle
// connection to a lost daemon is noticed by mpirun, and by the daemon, within ~30 s
// (README "Multi-node").
//
// Then the hosts are probed: a host "answers" when the launcher agent mpirun uses
// (plm_rsh_agent, ssh by default, with BatchMode and a connect timeout) runs `true`
// on it within kProbeSeconds. The next attempt runs on those hosts, with --np reduced
// to their slots if needed, and `--resume auto`: every rank keeps its --batch-size,
// so the global batch is batch-size × the new world size (train says so on resume);
// under --reproducible the global batch is kept instead (--batch-size divided anew), so
// the run goes on bitwise as if no host had been lost.
#include "launch.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

#include "hosts.h"
#include "train/options.h"

namespace ag::tools {

namespace {

using Clock = std::chrono::steady_clock;
constexpr double kProbeSeconds = 5;
constexpr double kAbortGraceSeconds = 5;  // from the first fatal line to ending mpirun
constexpr int kMaxBackoffSeconds = 30;

const char* kLaunchUsage =
    "usage: allgrad launch [--hostfile FILE] [--np N] [--max-restarts K] [--mca NAME VALUE]... -- train FLAGS...\n"
    "  runs `allgrad train FLAGS` under mpirun; when the job fails, restarts it from the latest\n"
    "  checkpoint (--resume auto) on the hosts that still answer, up to K times (default 3)\n"
    "  --hostfile FILE   Open MPI hostfile (`host slots=N` lines); without it, this machine only\n"
    "  --np N            ranks (default: the slots of the hosts that answer); fewer after a host is lost\n"
    "                    (each rank keeps its --batch-size; under train's --reproducible the global\n"
    "                    batch is kept instead, so the run goes on bitwise)\n"
    "  --mca NAME VALUE  passed to mpirun (e.g. plm_rsh_agent, btl_tcp_if_include)\n";

std::atomic<int> stop_signal{0};
void on_stop(int sig) { stop_signal = sig; }

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

void say(const std::string& s) {
  std::fprintf(stderr, "allgrad launch: %s\n", s.c_str());
  std::fflush(stderr);
}

struct Options {
  std::string hostfile;
  int np = 0;  // 0: the slots of the answering hosts
  int max_restarts = 3;
  std::vector<std::pair<std::string, std::string>> mca;
  std::vector<std::string> train;  // after "train"
};

int parse_count(const std::string& flag, const std::string& v, int min) {
  size_t used = 0;
  int n = -1;
  try {
    n = std::stoi(v, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != v.size() || n < min) throw UsageError(flag + " needs a whole number >= " + std::to_string(min) + ", got '" + v + "'");
  return n;
}

Options parse(const std::vector<std::string>& args) {
  Options o;
  size_t i = 0;
  auto value = [&](const std::string& flag) {
    if (i + 1 >= args.size()) throw UsageError(flag + " needs a value");
    return args[++i];
  };
  bool dashes = false;
  for (; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--") {
      dashes = true;
      ++i;
      break;
    }
    if (a == "--help" || a == "-h") throw HelpRequested(kLaunchUsage);
    if (a == "--hostfile") o.hostfile = value(a);
    else if (a == "--np") o.np = parse_count(a, value(a), 1);
    else if (a == "--max-restarts") o.max_restarts = parse_count(a, value(a), 0);
    else if (a == "--mca") {
      std::string name = value(a);
      o.mca.emplace_back(name, value(a + " " + name));
    } else throw UsageError("unknown option '" + a + "' (train's flags go after --; see allgrad launch --help)");
  }
  if (!dashes || i >= args.size()) throw UsageError("nothing to run: give the job after --, e.g. `-- train --model ...`");
  if (args[i] != "train") throw UsageError("launch runs `train`, got '" + args[i] + "' after --");
  o.train.assign(args.begin() + static_cast<long>(i) + 1, args.end());
  bool has_ckpt = std::find(o.train.begin(), o.train.end(), "--checkpoint-dir") != o.train.end();
  if (o.max_restarts > 0 && !has_ckpt)
    throw UsageError("a restart resumes from the latest checkpoint: give train a --checkpoint-dir (or --max-restarts 0)");
  return o;
}

// --reproducible fixes the global batch, --batch-size × ranks: a restart on another
// number of ranks gives each its share of it. Returns false when the ranks cannot share
// it evenly (train would refuse the resume), leaving `train` as it was.
bool keep_global_batch(std::vector<std::string>& train, int64_t global, int np) {
  if (global % np != 0) return false;
  const std::string share = std::to_string(global / np);
  auto it = std::find(train.begin(), train.end(), "--batch-size");
  if (it != train.end() && it + 1 != train.end()) *(it + 1) = share;
  else train.insert(train.end(), {"--batch-size", share});
  return true;
}

// The batch per rank the train flags give (train's default when they give none).
int64_t batch_size_of(const std::vector<std::string>& train) {
  auto it = std::find(train.begin(), train.end(), "--batch-size");
  if (it == train.end() || it + 1 == train.end()) return TrainOptions{}.batch_size;
  try {
    return std::stoll(*(it + 1));
  } catch (const std::exception&) {
    return TrainOptions{}.batch_size;  // train itself rejects it, naming the flag
  }
}

// The launcher agent mpirun would use: plm_rsh_agent from --mca or the environment
// ("ssh : rsh" means the first that exists; ssh is the one on any cluster).
std::vector<std::string> agent_of(const Options& o) {
  std::string spec = "ssh";
  if (const char* e = std::getenv("OMPI_MCA_plm_rsh_agent")) spec = e;
  for (const auto& [k, v] : o.mca)
    if (k == "plm_rsh_agent" || k == "orte_rsh_agent") spec = v;
  spec = spec.substr(0, spec.find(':'));
  std::istringstream is(spec);
  std::vector<std::string> words;
  for (std::string w; is >> w;) words.push_back(w);
  if (words.empty()) words.push_back("ssh");
  if (words[0] == "ssh" || words[0].ends_with("/ssh"))
    words.insert(words.begin() + 1, {"-o", "BatchMode=yes", "-o", "ConnectTimeout=" + std::to_string(static_cast<int>(kProbeSeconds))});
  return words;
}

std::string self_exe() {
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) throw std::runtime_error("cannot find this program's path (/proc/self/exe)");
  return std::string(buf, static_cast<size_t>(n));
}

int total_slots(const std::vector<launch::Host>& hosts) {
  int n = 0;
  for (const auto& h : hosts) n += h.slots;
  return n;
}

std::string names(const std::vector<launch::Host>& hosts) {
  std::string s;
  for (const auto& h : hosts) s += (s.empty() ? "" : ", ") + h.name + " (" + std::to_string(h.slots) + ")";
  return s;
}

struct Attempt {
  int rc = 0;
  std::string cause;              // the first line that said the job was failing
  std::vector<std::string> lost;  // hosts named by "allgrad: lost host:" or Open MPI's lost-daemon report
  bool ended_by_launch = false;
};

// Runs mpirun once, passing its stderr on and watching it (see the file comment).
Attempt run_mpirun(const std::vector<std::string>& argv) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    setpgid(0, 0);
    dup2(fds[1], 2);
    std::vector<char*> a;
    for (auto& s : argv) a.push_back(const_cast<char*>(s.c_str()));
    a.push_back(nullptr);
    execvp(a[0], a.data());
    std::fprintf(stderr, "allgrad launch: cannot run %s: %s\n", a[0], std::strerror(errno));
    _exit(127);
  }
  setpgid(pid, pid);
  close(fds[1]);
  Attempt at;
  std::optional<Clock::time_point> failing, termed;
  bool forwarded = false, exited = false;
  Clock::time_point exited_at;
  std::string partial;
  auto on_line = [&](const std::string& line) {
    std::fprintf(stderr, "%s\n", line.c_str());
    std::string host;
    if (line.starts_with("allgrad: lost host: ")) {
      host = line.substr(20, line.find(' ', 20) - 20);
    } else if (auto p = line.find("Remote daemon: "); p != std::string::npos && line.find(" on node ") != std::string::npos) {
      host = line.substr(line.find(" on node ") + 9);
    }
    if (!host.empty() && std::find(at.lost.begin(), at.lost.end(), host) == at.lost.end()) at.lost.push_back(host);
    // A rank's own error (it calls MPI_Abort next), Open MPI's abort and lost-daemon
    // reports, or its note of a rank that died: the job is over either way.
    bool fatal = !host.empty() || line.starts_with("allgrad: rank ") || line.find("MPI_ABORT was invoked") != std::string::npos ||
                 line.find("ORTE has lost communication") != std::string::npos ||
                 line.find("mpirun noticed that process rank") != std::string::npos;
    if (fatal && !failing) {
      failing = Clock::now();
      at.cause = line;
    }
  };
  for (;;) {
    if (!exited) {
      int st = 0;
      if (waitpid(pid, &st, WNOHANG) == pid) {
        exited = true;
        exited_at = Clock::now();
        at.rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
      }
    }
    // After mpirun, its stderr may stay open in a stray child (an agent stuck on the
    // lost host): read what is there, then stop.
    if (exited && seconds_since(exited_at) > 0.5) break;
    if (stop_signal && !forwarded) {
      kill(-pid, SIGTERM);  // mpirun passes it on to the ranks, which stop at a checkpoint
      forwarded = true;
    }
    if (!exited && failing && seconds_since(*failing) > kAbortGraceSeconds) {
      if (!termed) {
        say("mpirun has not ended " + std::to_string(static_cast<int>(kAbortGraceSeconds)) +
            " s after the job failed: ending its process group");
        kill(-pid, SIGTERM);
        termed = Clock::now();
        at.ended_by_launch = true;
      } else if (seconds_since(*termed) > 3) {
        kill(-pid, SIGKILL);
      }
    }
    pollfd p{fds[0], POLLIN, 0};
    if (poll(&p, 1, 100) > 0) {
      char buf[4096];
      ssize_t n = read(fds[0], buf, sizeof buf);
      if (n > 0) {
        partial.append(buf, static_cast<size_t>(n));
        for (size_t nl; (nl = partial.find('\n')) != std::string::npos; partial.erase(0, nl + 1)) on_line(partial.substr(0, nl));
      } else if (n == 0 && exited) {
        break;
      } else if (n == 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));  // closed early; wait for the exit
      }
    }
  }
  if (!partial.empty()) on_line(partial);
  close(fds[0]);
  kill(-pid, SIGKILL);  // whatever of its group is left (an agent or ssh stuck on a lost host)
  return at;
}

}  // namespace

int run_launch(const std::vector<std::string>& args) {
  Options o = parse(args);
  std::vector<launch::Host> hosts;
  std::vector<std::string> agent = agent_of(o);
  if (!o.hostfile.empty()) hosts = launch::read_hostfile(o.hostfile);
  auto probe = [&]() -> std::vector<launch::Host> {
    if (o.hostfile.empty()) return {launch::Host{"localhost", std::max(1, o.np)}};
    return launch::answering(hosts, agent, kProbeSeconds);
  };
  std::vector<launch::Host> up = probe();
  if (up.empty())
    throw std::runtime_error("no host of '" + o.hostfile + "' answers (probed with `" + agent[0] + " HOST true`, " +
                             std::to_string(static_cast<int>(kProbeSeconds)) + " s each): " + names(hosts));
  if (o.np > total_slots(up))
    throw UsageError("--np " + std::to_string(o.np) + " is more than the " + std::to_string(total_slots(up)) +
                     " slots of the hosts that answer: " + names(up));
  struct sigaction sa {};
  sa.sa_handler = on_stop;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);

  const std::string exe = self_exe();
  const bool resumes = std::find(o.train.begin(), o.train.end(), "--resume") != o.train.end();
  char tmpl[] = "/tmp/allgrad-launch-hosts-XXXXXX";
  int hf = mkstemp(tmpl);
  if (hf < 0) throw std::runtime_error(std::string("cannot create a hostfile in /tmp: ") + std::strerror(errno));
  close(hf);
  const std::string hostfile = tmpl;
  struct Unlink {
    std::string p;
    ~Unlink() { std::remove(p.c_str()); }
  } unlink_hostfile{hostfile};

  int np = o.np ? o.np : total_slots(up);
  const bool reproducible = std::find(o.train.begin(), o.train.end(), "--reproducible") != o.train.end();
  const int64_t global_batch = batch_size_of(o.train) * np;
  for (int restart = 0;; ++restart) {
    {
      std::ofstream f(hostfile);
      for (const auto& h : up) f << h.name << " slots=" << h.slots << "\n";
    }
    std::vector<std::string> argv{"mpirun"};
    if (!o.hostfile.empty()) argv.insert(argv.end(), {"--hostfile", hostfile});
    else argv.push_back("--oversubscribe");
    argv.insert(argv.end(), {"-np", std::to_string(np)});
    // Short keepalives on mpirun's connections to its daemons, unless given: ~30 s to
    // notice an idle connection to a lost node (Open MPI's default: 300 s + 9 × 20 s).
    for (auto [k, v] : {std::pair{"oob_tcp_keepalive_time", "15"}, {"oob_tcp_keepalive_intvl", "5"}, {"oob_tcp_keepalive_probes", "3"}}) {
      bool given = std::getenv(("OMPI_MCA_" + std::string(k)).c_str()) != nullptr;
      for (const auto& m : o.mca) given = given || m.first == k;
      if (!given) argv.insert(argv.end(), {"--mca", k, v});
    }
    for (const auto& [k, v] : o.mca) argv.insert(argv.end(), {"--mca", k, v});
    argv.insert(argv.end(), {exe, "train"});
    argv.insert(argv.end(), o.train.begin(), o.train.end());
    if (restart > 0 && !resumes) argv.insert(argv.end(), {"--resume", "auto"});
    say((restart ? "restart " + std::to_string(restart) + ": " : std::string("start: ")) + std::to_string(np) +
        " rank(s) on " + names(up));

    const auto started = Clock::now();
    Attempt at = run_mpirun(argv);
    if (at.rc == 0) {
      say("the job finished" + (restart ? " after " + std::to_string(restart) + " restart(s)" : std::string()));
      return 0;
    }
    const double ran = seconds_since(started);
    std::string cause = !at.lost.empty()    ? "lost host(s): " + [&] { std::string s; for (auto& h : at.lost) s += (s.empty() ? "" : ", ") + h; return s; }()
                        : !at.cause.empty() ? at.cause
                                            : "mpirun exited with code " + std::to_string(at.rc);
    say("the job failed after " + std::to_string(static_cast<int>(ran)) + " s (mpirun exit code " + std::to_string(at.rc) +
        (at.ended_by_launch ? ", ended by launch" : "") + "); cause: " + cause);
    if (stop_signal) {
      say("stopped by signal " + std::to_string(stop_signal.load()) + ": not restarting");
      return at.rc;
    }
    if (at.rc == 2 && at.cause.empty()) {  // a usage error: the same flags fail again
      say("train rejected its flags (exit code 2): not restarting");
      return 2;
    }
    if (restart >= o.max_restarts) {
      say("giving up after " + std::to_string(restart) + " restart(s) (--max-restarts " + std::to_string(o.max_restarts) + ")");
      return at.rc;
    }
    const int backoff = std::min(kMaxBackoffSeconds, 1 << restart);
    say("restarting in " + std::to_string(backoff) + " s");
    std::this_thread::sleep_for(std::chrono::seconds(backoff));
    if (stop_signal) return at.rc;
    up = probe();
    if (up.empty()) throw std::runtime_error("no host of '" + o.hostfile + "' answers any more: " + names(hosts));
    const int was = np;
    np = std::min(o.np ? o.np : total_slots(up), total_slots(up));
    std::string why = " (each rank keeps its --batch-size: the global batch changes with the world size)";
    if (np != was && reproducible) {
      if (!keep_global_batch(o.train, global_batch, np))
        throw std::runtime_error("--reproducible keeps the global batch of " + std::to_string(global_batch) +
                                 ", which the " + std::to_string(np) + " rank(s) of the hosts that answer (" + names(up) +
                                 ") cannot share evenly: not restarting");
      why = " (--reproducible: --batch-size " + std::to_string(global_batch / np) + ", the global batch of " +
            std::to_string(global_batch) + " kept)";
    }
    say("hosts that answer: " + names(up) + (np != was ? "; --np " + std::to_string(np) + " instead of " + std::to_string(was) + why : ""));
  }
}

}  // namespace ag::tools
