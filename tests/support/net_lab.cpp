#include "support/net_lab.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <sstream>
#include <stdexcept>

#include "support/process.h"

namespace drpilot::testing {

namespace {

// Runs a setup command; a failure is a broken harness, not a test result.
void must(const std::vector<std::string>& argv) {
  CommandResult r = run_command(argv);
  if (r.exit_code != 0) {
    std::string line;
    for (const std::string& a : argv) line += (line.empty() ? "" : " ") + a;
    throw std::runtime_error("NetLab: `" + line + "` failed: " + r.output);
  }
}

bool process_alive(long pid) {
  return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH;
}

// The PID in a name made by a NetLab ("dpl<pid>..."), or 0.
long pid_in(const std::string& name) {
  if (name.rfind("dpl", 0) != 0) return 0;
  long pid = 0;
  std::size_t i = 3;
  while (i < name.size() && name[i] >= '0' && name[i] <= '9') pid = pid * 10 + (name[i++] - '0');
  return i > 3 ? pid : 0;
}

}  // namespace

std::string NetLab::unavailable() {
  if (::geteuid() != 0) {
    return "network namespaces need root (CAP_NET_ADMIN); run the suite as root, as CI does";
  }
  if (!have_program("ip")) return "`ip` is not installed (apt-get install iproute2)";
  if (!have_program("iptables")) return "`iptables` is not installed (apt-get install iptables)";
  const std::string probe = "dpl" + std::to_string(::getpid()) + "-probe";
  CommandResult r = run_command({"ip", "netns", "add", probe});
  if (r.exit_code != 0) return "this machine cannot make network namespaces: " + r.output;
  run_command({"ip", "netns", "del", probe});
  return "";
}

// Each lab of a process has a letter of its own after the PID, so that one
// being deleted (the kernel removes namespaces in the background) never
// collides with the next.
static int next_lab = 0;

NetLab::NetLab()
    : tag_("dpl" + std::to_string(::getpid()) + static_cast<char>('a' + next_lab % 26)) {
  const unsigned seq = static_cast<unsigned>(next_lab++);
  remove_leftovers();
  if (std::string why = unavailable(); !why.empty()) {
    why_ = why;
    return;
  }
  // A /24 of 10.0.0.0/8 picked from the PID, skipping any the host already
  // has an address in.
  const CommandResult addresses = run_command({"ip", "-4", "-o", "addr", "show"});
  const unsigned pid = static_cast<unsigned>(::getpid());
  for (unsigned k = 0; k < 256 && subnet_.empty(); ++k) {
    const unsigned n = pid + (k + seq * 31) * 7919;
    const std::string candidate =
        "10." + std::to_string(128 + (n >> 8) % 96) + "." + std::to_string(n & 255) + ".";
    if (addresses.output.find(" " + candidate) == std::string::npos) subnet_ = candidate;
  }
  bridge_ = tag_ + "br";
  host_address_ = subnet_ + "1";
  try {
    must({"ip", "link", "add", bridge_, "type", "bridge"});
    must({"ip", "addr", "add", host_address_ + "/24", "dev", bridge_});
    must({"ip", "link", "set", bridge_, "up"});
    ok_ = true;
  } catch (const std::exception& e) {
    why_ = e.what();
  }
}

NetLab::~NetLab() {
  for (const auto& [name, n] : nodes_) {
    run_command({"ip", "link", "del", n.veth});  // at once; the namespace's end is deferred
    run_command({"ip", "netns", "del", n.ns});
  }
  if (!bridge_.empty()) run_command({"ip", "link", "del", bridge_});
}

void NetLab::remove_leftovers() {
  const CommandResult spaces = run_command({"ip", "netns", "list"});
  std::istringstream lines(spaces.output);
  for (std::string line; std::getline(lines, line);) {
    const std::string name = line.substr(0, line.find(' '));
    const long pid = pid_in(name);
    if (pid != 0 && !process_alive(pid)) run_command({"ip", "netns", "del", name});
  }
  const CommandResult links = run_command({"ip", "-o", "link", "show", "type", "bridge"});
  std::istringstream bridges(links.output);
  for (std::string line; std::getline(bridges, line);) {
    // "7: dpl123br: <BROADCAST,..."
    const std::size_t start = line.find(": ");
    if (start == std::string::npos) continue;
    const std::string name = line.substr(start + 2, line.find(':', start + 2) - start - 2);
    const long pid = pid_in(name);
    if (pid != 0 && !process_alive(pid)) run_command({"ip", "link", "del", name});
  }
}

std::string NetLab::add(const std::string& name) {
  if (auto it = nodes_.find(name); it != nodes_.end()) return it->second.address;
  if (!ok_) throw std::runtime_error("NetLab: " + why_);
  const std::size_t index = nodes_.size();
  if (index >= 250) throw std::runtime_error("NetLab: too many nodes");
  Node n;
  n.ns = tag_ + "-" + name;
  n.veth = tag_ + "v" + std::to_string(index);
  n.address = subnet_ + std::to_string(index + 2);
  must({"ip", "netns", "add", n.ns});
  must({"ip", "link", "add", n.veth, "type", "veth", "peer", "name", "eth0", "netns", n.ns});
  must({"ip", "link", "set", n.veth, "master", bridge_, "up"});
  must({"ip", "-n", n.ns, "addr", "add", n.address + "/24", "dev", "eth0"});
  must({"ip", "-n", n.ns, "link", "set", "eth0", "up"});
  must({"ip", "-n", n.ns, "link", "set", "lo", "up"});
  nodes_[name] = n;
  return n.address;
}

const NetLab::Node& NetLab::node(const std::string& name) const {
  auto it = nodes_.find(name);
  if (it == nodes_.end()) throw std::runtime_error("NetLab: no node '" + name + "'");
  return it->second;
}

std::string NetLab::address(const std::string& name) const {
  return node(name).address;
}

std::vector<std::string> NetLab::in(const std::string& name, std::vector<std::string> argv) const {
  argv.insert(argv.begin(), {"ip", "netns", "exec", node(name).ns});
  return argv;
}

void NetLab::drop(const std::string& in_node, const std::string& chain, const std::string& peer) {
  must(in(in_node,
          {"iptables", "-w", "-I", chain, chain == "INPUT" ? "-s" : "-d", peer, "-j", "DROP"}));
}

void NetLab::cut(const std::string& a, const std::string& b) {
  cut_one_way(a, b);
  cut_one_way(b, a);
}

void NetLab::cut_one_way(const std::string& from, const std::string& to) {
  // Dropped on the way out of `from` and on the way into `to`, so the cut
  // holds whichever of the two namespaces a test heals first.
  drop(from, "OUTPUT", address(to));
  drop(to, "INPUT", address(from));
}

void NetLab::cut_port(const std::string& from, const std::string& to, std::uint16_t port) {
  const std::string p = std::to_string(port);
  must(in(from, {"iptables", "-w", "-I", "OUTPUT", "-p", "tcp", "-d", address(to), "--dport", p,
                 "-j", "DROP"}));
  must(in(to, {"iptables", "-w", "-I", "INPUT", "-p", "tcp", "-s", address(from), "--dport", p,
               "-j", "DROP"}));
}

void NetLab::close_port(const std::string& name, std::uint16_t port) {
  must(in(name, {"iptables", "-w", "-I", "INPUT", "!", "-i", "lo", "-p", "tcp", "--dport",
                 std::to_string(port), "-j", "DROP"}));
}

void NetLab::open_port(const std::string& name, std::uint16_t port) {
  must(in(name, {"iptables", "-w", "-D", "INPUT", "!", "-i", "lo", "-p", "tcp", "--dport",
                 std::to_string(port), "-j", "DROP"}));
}

void NetLab::mute(const std::string& name) {
  must(in(name, {"iptables", "-w", "-I", "OUTPUT", "!", "-o", "lo", "-j", "DROP"}));
}

void NetLab::cut_from_host(const std::string& name) {
  drop(name, "OUTPUT", host_address_);
  drop(name, "INPUT", host_address_);
}

void NetLab::heal_all() {
  for (const auto& [name, n] : nodes_) {
    must(in(name, {"iptables", "-w", "-F"}));
    must({"ip", "link", "set", n.veth, "up"});
  }
}

void NetLab::unplug(const std::string& name) {
  must({"ip", "link", "set", node(name).veth, "down"});
}

void NetLab::plug(const std::string& name) {
  must({"ip", "link", "set", node(name).veth, "up"});
}

}  // namespace drpilot::testing
