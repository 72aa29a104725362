#pragma once
// The lab of bench_rto's "unreachable" fault: a site that keeps running while
// nobody outside reaches it. Each site (its lab site and its agent) and the
// controller run in a network namespace of their own (tests' NetLab), with
// the checks of examples/lab.yaml; the fault closes the site's front door
// (its HTTP port, from outside only), so its own agent still sees it up and
// only the external vantages (the controller, the other site's agent) can
// decide. Needs root.

#include <memory>
#include <string>
#include <vector>

namespace drpilot::bench {

class OutsideWorld {
 public:
  // "" when namespaces can be made here; otherwise why not.
  static std::string unavailable();

  // Starts everything and waits until both sites are up (Failure if not).
  explicit OutsideWorld(const std::string& drpilot);
  ~OutsideWorld();
  OutsideWorld(const OutsideWorld&) = delete;
  OutsideWorld& operator=(const OutsideWorld&) = delete;

  // The controller's DNS answer for www.example.test.
  std::vector<std::string> answer() const;
  std::string site_address(const std::string& site) const;
  // Both sites up, seen fresh by the controller and both agents.
  bool settled() const;
  void cut_off(const std::string& site);  // its front door closed to the outside
  void restore(const std::string& site);
  std::string controller_log() const;

 private:
  struct Parts;
  std::unique_ptr<Parts> p_;
};

}  // namespace drpilot::bench
