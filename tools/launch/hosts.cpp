// Hostfile reading and host probing for allgrad launch.
#include "hosts.h"

#include <fcntl.h>
#include <ifaddrs.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "train/options.h"

namespace ag::tools::launch {

std::vector<Host> read_hostfile(const std::string& path) {
  std::ifstream f(path);
  if (!f) throw UsageError("cannot read hostfile '" + path + "': " + std::strerror(errno));
  std::vector<Host> hosts;
  std::string line;
  for (int n = 1; std::getline(f, line); ++n) {
    line = line.substr(0, line.find('#'));
    std::istringstream is(line);
    Host h;
    if (!(is >> h.name)) continue;
    for (std::string word; is >> word;) {
      auto eq = word.find('=');
      std::string key = word.substr(0, eq), value = eq == std::string::npos ? "" : word.substr(eq + 1);
      if (key == "max_slots" || key == "max-slots") continue;
      int slots = 0;
      size_t used = 0;
      try {
        slots = std::stoi(value, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (key != "slots" || used != value.size() || slots < 1)
        throw UsageError("hostfile '" + path + "' line " + std::to_string(n) + ": '" + word +
                         "' is not slots=N (N >= 1)");
      h.slots = slots;
    }
    hosts.push_back(h);
  }
  if (hosts.empty()) throw UsageError("hostfile '" + path + "' names no host");
  return hosts;
}

namespace {
bool same_address(const sockaddr* a, const sockaddr* b) {
  if (!a || !b || a->sa_family != b->sa_family) return false;
  if (a->sa_family == AF_INET)
    return reinterpret_cast<const sockaddr_in*>(a)->sin_addr.s_addr == reinterpret_cast<const sockaddr_in*>(b)->sin_addr.s_addr;
  if (a->sa_family == AF_INET6)
    return std::memcmp(&reinterpret_cast<const sockaddr_in6*>(a)->sin6_addr, &reinterpret_cast<const sockaddr_in6*>(b)->sin6_addr,
                       sizeof(in6_addr)) == 0;
  return false;
}
}  // namespace

bool is_this_machine(const std::string& name) {
  char self[256] = {};
  gethostname(self, sizeof self - 1);
  if (name == "localhost" || name == self) return true;
  addrinfo* found = nullptr;
  addrinfo hints{};
  hints.ai_flags = AI_NUMERICHOST;  // no name service lookups here: the host names in a hostfile are
  hints.ai_family = AF_UNSPEC;      // compared literally above, addresses against the interfaces below
  if (getaddrinfo(name.c_str(), nullptr, &hints, &found) != 0) return false;
  ifaddrs* ifs = nullptr;
  bool local = false;
  if (getifaddrs(&ifs) == 0) {
    for (addrinfo* a = found; a && !local; a = a->ai_next)
      for (ifaddrs* i = ifs; i && !local; i = i->ifa_next) local = same_address(a->ai_addr, i->ifa_addr);
    freeifaddrs(ifs);
  }
  freeaddrinfo(found);
  return local;
}

std::vector<Host> answering(const std::vector<Host>& hosts, const std::vector<std::string>& agent, double timeout_s) {
  std::vector<pid_t> probes;
  for (const auto& h : hosts) {
    if (is_this_machine(h.name)) {  // mpirun starts this node's ranks itself, without the agent
      probes.push_back(0);
      continue;
    }
    std::vector<std::string> words = agent;
    words.push_back(h.name);
    words.push_back("true");
    pid_t pid = fork();
    if (pid == 0) {
      setpgid(0, 0);  // its own group, so that a probe stuck in ssh is killed whole
      int null = open("/dev/null", O_RDWR);
      for (int fd = 0; fd <= 2; ++fd) dup2(null, fd);
      std::vector<char*> argv;
      for (auto& w : words) argv.push_back(w.data());
      argv.push_back(nullptr);
      execvp(argv[0], argv.data());
      _exit(127);
    }
    if (pid > 0) setpgid(pid, pid);
    probes.push_back(pid);
  }
  std::vector<int> status(hosts.size(), -1);  // -1: still running
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  for (;;) {
    bool running = false;
    for (size_t i = 0; i < probes.size(); ++i) {
      if (probes[i] <= 0 || status[i] != -1) continue;  // this machine, a failed fork, or done
      int st = 0;
      if (waitpid(probes[i], &st, WNOHANG) == probes[i]) status[i] = WIFEXITED(st) ? WEXITSTATUS(st) : 128;
      else running = true;
    }
    if (!running || std::chrono::steady_clock::now() > deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::vector<Host> out;
  for (size_t i = 0; i < probes.size(); ++i) {
    if (probes[i] == 0) status[i] = 0;
    if (probes[i] > 0 && status[i] == -1) {
      kill(-probes[i], SIGKILL);
      waitpid(probes[i], nullptr, 0);
    }
    if (status[i] == 0) out.push_back(hosts[i]);
  }
  return out;
}

}  // namespace ag::tools::launch
