#include "support/leftovers.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

namespace drpilot::testing {

namespace fs = std::filesystem;

std::vector<std::string> open_files(pid_t pid) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec)) {
    const fs::path target = fs::read_symlink(entry.path(), ec);
    if (!ec) out.push_back(target.string());
  }
  return out;
}

bool can_listen(const std::string& address, std::uint16_t port, bool udp) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  if (inet_pton(AF_INET, address.c_str(), &a.sin_addr) != 1) return false;
  const int tcp = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int one = 1;
  setsockopt(tcp, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  bool ok = bind(tcp, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 && listen(tcp, 1) == 0;
  if (ok && udp) {
    const int dgram = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ok = bind(dgram, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    close(dgram);
  }
  close(tcp);
  return ok;
}

std::vector<pid_t> Leftovers::pids() const {
  std::vector<pid_t> out;
  std::ifstream in(pid_file_);
  long pid = 0;
  while (in >> pid) {
    if (pid > 1) out.push_back(static_cast<pid_t>(pid));
  }
  return out;
}

bool Leftovers::running(pid_t pid) const {
  const std::string proc = "/proc/" + std::to_string(pid);
  std::ifstream comm(proc + "/comm");
  std::string name;
  if (!std::getline(comm, name) || name != command_) return false;
  // "PID (comm) S ...": a zombie ('Z') has exited already.
  std::ifstream stat(proc + "/stat");
  std::string line;
  std::getline(stat, line);
  const auto close_paren = line.rfind(')');
  return close_paren != std::string::npos && close_paren + 2 < line.size() &&
         line[close_paren + 2] != 'Z';
}

Leftovers::~Leftovers() {
  for (pid_t pid : pids()) {
    if (running(pid)) kill(pid, SIGKILL);
  }
}

}  // namespace drpilot::testing
