#include "support/process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace drpilot::testing {

namespace fs = std::filesystem;

Process::Process(std::vector<std::string> argv, std::string log_path)
    : log_path_(std::move(log_path)) {
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  const pid_t parent = getpid();
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    // If the test process dies without cleaning up (a crash, a kill), the
    // kernel kills the child too: no servers left behind on shared ports.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);  // the parent is already gone
    int fd = open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
      close(fd);
    }
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, 0);
    execvp(args[0], args.data());
    _exit(127);
  }
}

Process::~Process() {
  if (!reaped_) kill_hard();
}

bool Process::running() {
  if (reaped_) return false;
  pid_t r = waitpid(pid_, &status_, WNOHANG);
  if (r == pid_) {
    reaped_ = true;
    return false;
  }
  return true;
}

void Process::signal(int sig) {
  if (!reaped_) ::kill(pid_, sig);
}

int Process::wait_exit(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (running()) {
    if (std::chrono::steady_clock::now() > deadline) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return WIFEXITED(status_) ? WEXITSTATUS(status_) : -1;
}

int Process::stop(int sig, std::chrono::milliseconds timeout) {
  if (reaped_) return status_;
  ::kill(pid_, sig);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (running()) {
    if (std::chrono::steady_clock::now() > deadline) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return status_;
}

void Process::kill_hard() {
  if (reaped_) return;
  ::kill(pid_, SIGKILL);
  waitpid(pid_, &status_, 0);
  reaped_ = true;
}

std::string Process::log() const {
  return read_file(log_path_);
}

CommandResult run_command(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
  std::string dir = make_temp_dir("cmd");
  std::string log = dir + "/out";
  CommandResult r;
  {
    Process p(argv, log);
    r.exit_code = p.wait_exit(timeout);
    if (r.exit_code == -1) p.kill_hard();
  }
  r.output = read_file(log);
  remove_tree(dir);
  return r;
}

bool free_port_on(const std::string& address, std::uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  inet_pton(AF_INET, address.c_str(), &a.sin_addr);
  bool ok = true;
  for (int type : {SOCK_STREAM, SOCK_DGRAM}) {
    int fd = socket(AF_INET, type, 0);
    if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) ok = false;
    close(fd);
  }
  return ok;
}

std::uint16_t free_port(const std::string& address) {
  static std::mt19937 rng(std::random_device{}());
  for (int attempt = 0; attempt < 200; ++attempt) {
    // Stay below the ephemeral range so the kernel does not hand it out meanwhile.
    auto port = static_cast<std::uint16_t>(std::uniform_int_distribution<int>(20000, 31999)(rng));
    if (free_port_on(address, port)) return port;
  }
  throw std::runtime_error("no free port found on " + address);
}

bool wait_until(const std::function<bool()>& cond, std::chrono::milliseconds timeout,
                std::chrono::milliseconds step) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (cond()) return true;
    if (std::chrono::steady_clock::now() > deadline) return cond();
    std::this_thread::sleep_for(step);
  }
}

std::vector<std::uint16_t> free_ports(std::size_t n, const std::string& address) {
  std::vector<std::uint16_t> out;
  while (out.size() < n) {
    const std::uint16_t p = free_port(address);
    if (std::find(out.begin(), out.end(), p) == out.end()) out.push_back(p);
  }
  return out;
}

std::vector<std::string> dig_short(std::uint16_t port, const std::string& name,
                                   const std::string& qtype) {
  return dig_short_at("127.0.0.1", port, name, qtype);
}

std::vector<std::string> dig_short_at(const std::string& address, std::uint16_t port,
                                      const std::string& name, const std::string& qtype) {
  CommandResult r = run_command({"dig", "@" + address, "-p", std::to_string(port), name, qtype,
                                 "+short", "+time=1", "+tries=1"},
                                std::chrono::seconds(5));
  std::vector<std::string> out;
  std::istringstream in(r.output);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.rfind(";;", 0) != 0) out.push_back(line);
  }
  return out;
}

bool have_program(const std::string& name) {
  const char* path = std::getenv("PATH");
  if (!path) return false;
  std::stringstream ss(path);
  std::string dir;
  while (std::getline(ss, dir, ':')) {
    if (!dir.empty() && access((dir + "/" + name).c_str(), X_OK) == 0) return true;
  }
  return false;
}

std::string make_temp_dir(const std::string& prefix) {
  std::string tmpl = (fs::temp_directory_path() / ("drpilot-" + prefix + "-XXXXXX")).string();
  if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  return tmpl;
}

void remove_tree(const std::string& path) {
  std::error_code ec;
  fs::remove_all(path, ec);
}

void write_file(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int connect_loopback(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  timeval tv{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

}  // namespace drpilot::testing
