// The system's own lookup (getaddrinfo) against a name server that never
// answers. A child process gets a mount and a network namespace of its own:
// only its loopback, a UDP socket on 127.0.0.1:53 that reads nothing, and a
// resolv.conf naming it with a 30 s timeout. No query can leave the
// namespace. The HTTP client's request for a name must still end at its own
// timeout, and the blocking form must return although its loop is destroyed
// while libc is still waiting.

#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>

#include "net/http.h"

namespace drpilot::net {
namespace {

using namespace std::chrono_literals;

std::string errno_text(const char* what) {
  return std::string(what) + ": " + std::strerror(errno);
}

bool write_text(const std::string& path, const std::string& text) {
  FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) return false;
  const bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  return std::fclose(f) == 0 && ok;
}

// In the child: the namespaces, the silent name server and the files that
// point libc at it. "" when all is set; otherwise why not (the test skips).
std::string isolate(const std::string& dir) {
  if (unshare(CLONE_NEWNS | CLONE_NEWNET) != 0) return errno_text("unshare");
  // Nothing mounted here may reach the machine's own mounts.
  if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    return errno_text("making / private");
  }
  const int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
  if (ioctl(s, SIOCGIFFLAGS, &ifr) != 0) return errno_text("reading lo's flags");
  ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP);
  if (ioctl(s, SIOCSIFFLAGS, &ifr) != 0) return errno_text("bringing lo up");
  close(s);
  // Bound and never read: queries arrive and are never answered. It stays
  // open until the child exits.
  const int silent = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(53);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(silent, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    return errno_text("binding 127.0.0.1:53");
  }
  const std::string resolv = dir + "/resolv.conf", nsswitch = dir + "/nsswitch.conf";
  if (!write_text(resolv, "nameserver 127.0.0.1\noptions timeout:30 attempts:1\n") ||
      !write_text(nsswitch, "hosts: files dns\n")) {
    return errno_text("writing the resolver's files");
  }
  if (mount(resolv.c_str(), "/etc/resolv.conf", nullptr, MS_BIND, nullptr) != 0) {
    return errno_text("mounting resolv.conf");
  }
  if (mount(nsswitch.c_str(), "/etc/nsswitch.conf", nullptr, MS_BIND, nullptr) != 0) {
    return errno_text("mounting nsswitch.conf");
  }
  return "";
}

TEST(SystemResolver, ANameServerThatNeverAnswersDoesNotHoldTheRequest) {
  char dir_template[] = "/tmp/drpilot-resolver-XXXXXX";
  ASSERT_NE(mkdtemp(dir_template), nullptr);
  const std::string dir = dir_template;
  int fds[2];
  ASSERT_EQ(pipe2(fds, O_CLOEXEC), 0);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    close(fds[0]);
    auto report = [&](const std::string& line) {
      [[maybe_unused]] ssize_t n = write(fds[1], line.data(), line.size());
      _exit(0);
    };
    const std::string why = isolate(dir);
    if (!why.empty()) report("skip " + why);
    ClientRequest req;
    req.host = "hung.drpilot.test";
    req.port = 80;
    req.timeout = 500ms;
    req.connect_timeout = 500ms;
    const auto start = std::chrono::steady_clock::now();
    const ClientResult r = http_request_sync(req);
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - start);
    report("took " + std::to_string(took.count()) + " " + r.error);
  }
  close(fds[1]);
  // Well under libc's 30 s: a child still waiting then was held by it.
  pollfd p{fds[0], POLLIN, 0};
  const bool answered = poll(&p, 1, 10'000) > 0;
  std::string line;
  char buf[512];
  for (ssize_t n; answered && (n = read(fds[0], buf, sizeof buf)) > 0;) line.append(buf, n);
  close(fds[0]);
  if (!answered) kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  std::remove((dir + "/resolv.conf").c_str());
  std::remove((dir + "/nsswitch.conf").c_str());
  rmdir(dir.c_str());

  ASSERT_TRUE(answered) << "the request was still waiting for the name server after 10 s";
  if (line.rfind("skip ", 0) == 0) GTEST_SKIP() << "no namespaces here: " << line.substr(5);
  ASSERT_EQ(line.rfind("took ", 0), 0u) << line;
  const std::size_t space = line.find(' ', 5);
  const long took = std::stol(line.substr(5, space - 5));
  const std::string error = line.substr(space + 1);
  EXPECT_GE(took, 500);
  EXPECT_LT(took, 2000);
  EXPECT_EQ(error.rfind("timeout after ", 0), 0u) << error;
  EXPECT_NE(error.find("(name resolution of 'hung.drpilot.test')"), std::string::npos) << error;
}

}  // namespace
}  // namespace drpilot::net
