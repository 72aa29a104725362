#pragma once
// The settings every cluster suite's members share: a journal, an operator
// token, the embedded DNS's zone, a quick policy (2 s hold-down, automatic
// failback) and the sites' HTTP check on `site_port` (fast: 100 ms between
// checks while a verdict changes, three failures make down). Sites, records,
// providers and the cluster section are each suite's own.

#include <cstdint>
#include <string>

namespace drpilot::testing {

inline std::string cluster_settings(std::uint16_t site_port) {
  return "journal:\n  path: journal.db\n"
         "api:\n  tokens:\n    - name: test\n      role: operator\n"
         "      token: test-operator-token\n"
         "dns:\n  listen: [127.0.0.1:0]\n  udp_threads: 1\n"
         "  zones:\n    - name: example.test\n      ns:\n        - name: ns1.example.test\n"
         "          addresses: [127.0.0.1]\n"
         "policy:\n  failback: auto\n  hold_down: 2s\n  min_interval: 1s\n"
         "  flap_window: 10m\n  flap_max_changes: 100\n"
         "checks:\n  - name: web\n    type: http\n    port: " +
         std::to_string(site_port) +
         "\n    path: /healthz\n    expect_body: ok\n"
         "    interval: 250ms\n    edge_interval: 100ms\n    connect_timeout: 200ms\n"
         "    timeout: 300ms\n    rise: 2\n    fall: 3\n";
}

}  // namespace drpilot::testing
