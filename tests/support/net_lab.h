#pragma once
// A small network of Linux network namespaces for partition tests: every
// node (an etcd member, a controller, a site, an agent) gets a namespace of
// its own with one address on a shared bridge, and the test process reaches
// them all from the host through the bridge's own address. Links are cut and
// restored with iptables inside the nodes (one pair, one direction, or a node
// and the host), or a node is taken off the bridge altogether (its veth set
// down). `tc netem` is not used: many kernels ship without it.
//
// Needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN), `ip` (iproute2) and
// `iptables`; `unavailable()` says why when they are missing, so suites skip
// with that message. Names carry the test process's PID ("dpl<pid><letter>..."), so
// parallel suites never collide, and a lab left behind by a killed run is
// removed by the next one. Processes started in a node must be stopped
// before the lab goes (the namespaces are deleted with it).

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace drpilot::testing {

class NetLab {
 public:
  // "" when namespaces can be made here; otherwise why not.
  static std::string unavailable();

  // Creates the bridge (no nodes yet). ok() says whether it worked, why()
  // why not.
  NetLab();
  ~NetLab();  // deletes every namespace, veth and the bridge
  NetLab(const NetLab&) = delete;
  NetLab& operator=(const NetLab&) = delete;

  bool ok() const { return ok_; }
  const std::string& why() const { return why_; }

  // Adds a node with its own namespace; its address (e.g. 10.93.17.12).
  // Adding the same name again answers the same address.
  std::string add(const std::string& node);
  std::string address(const std::string& node) const;
  // The host's address on the bridge: how nodes reach the test process.
  const std::string& host_address() const { return host_address_; }
  // `argv` run inside `node`'s namespace (`ip netns exec NS argv...`, which
  // execs in place, so the process's PID is the program's own).
  std::vector<std::string> in(const std::string& node, std::vector<std::string> argv) const;

  // Packets between `a` and `b` are dropped, both ways, until healed.
  void cut(const std::string& a, const std::string& b);
  // Packets from `from` to `to` are dropped; the other direction passes.
  void cut_one_way(const std::string& from, const std::string& to);
  // `node` and the host (the test process, and whatever it serves) no longer
  // reach each other.
  void cut_from_host(const std::string& node);
  // TCP from `from` to `to`'s `port` is dropped; `to`'s other ports, and
  // connections the other way (their replies included), still pass.
  void cut_port(const std::string& from, const std::string& to, std::uint16_t port);
  // Nobody outside `node` reaches its TCP `port` (other nodes, the host);
  // the node itself still does, over lo: its front door is gone while what
  // runs inside works. open_port() undoes it.
  void close_port(const std::string& node, std::uint16_t port);
  void open_port(const std::string& node, std::uint16_t port);
  // Nothing `node` sends leaves it (its replies included); what is sent to
  // it still arrives: loss in one direction.
  void mute(const std::string& node);
  // `node` leaves the bridge (no packet in or out) / joins it again.
  void unplug(const std::string& node);
  void plug(const std::string& node);
  // Every cut and unplug made with the calls above is undone.
  void heal_all();

 private:
  struct Node {
    std::string ns, veth, address;
  };
  const Node& node(const std::string& name) const;
  void drop(const std::string& in_node, const std::string& chain, const std::string& peer);
  void remove_leftovers();

  std::string tag_;     // "dpl<pid>"
  std::string subnet_;  // "10.X.Y."
  std::string bridge_, host_address_;
  std::map<std::string, Node> nodes_;
  bool ok_ = false;
  std::string why_;
};

}  // namespace drpilot::testing
