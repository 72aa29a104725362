// The Host header check against DNS rebinding: which names an API answers to.

#include <gtest/gtest.h>

#include "api/api_server.h"

namespace drpilot::api {
namespace {

net::ServerRequest request(const std::string& path, std::optional<std::string> host) {
  net::ServerRequest r;
  r.method = "GET";
  r.path = path;
  if (host) r.headers["host"] = *host;
  return r;
}

struct Case {
  const char* name;
  std::string listen;
  std::vector<std::string> configured;
  std::string path;
  std::optional<std::string> host;
  bool answered;
};

class HostCheck : public ::testing::TestWithParam<Case> {};

TEST_P(HostCheck, Table) {
  const Case& c = GetParam();
  const std::string why = check_host(request(c.path, c.host), host_policy(c.listen, c.configured));
  EXPECT_EQ(why.empty(), c.answered) << why;
}

INSTANTIATE_TEST_SUITE_P(
    Table, HostCheck,
    ::testing::Values(
        Case{"loopback_address_with_port",
             "127.0.0.1",
             {},
             "/api/v1/status",
             "127.0.0.1:8080",
             true},
        Case{"localhost", "127.0.0.1", {}, "/api/v1/status", "localhost:8080", true},
        Case{
            "localhost_upper_case_with_dot", "127.0.0.1", {}, "/api/v1/status", "LOCALHOST.", true},
        Case{"ipv6_loopback", "::1", {}, "/api/v1/status", "[::1]:8080", true},
        Case{"rebinding_name_on_loopback",
             "127.0.0.1",
             {},
             "/api/v1/status",
             "attacker.example:8080",
             false},
        Case{"rebinding_command", "127.0.0.1", {}, "/api/v1/commands/drain", "evil.test", false},
        Case{"no_host_header", "127.0.0.1", {}, "/api/v1/status", std::nullopt, false},
        Case{"healthz_answers_any_host", "127.0.0.1", {}, "/healthz", "lb-probe.internal", true},
        Case{"agent_reports_answer_any_host",
             "10.0.0.5",
             {},
             "/api/v1/agents/report",
             "controller.internal:8080",
             true},
        Case{"configured_name",
             "10.0.0.5",
             {"drpilot.ops.example"},
             "/api/v1/status",
             "drpilot.ops.example:8080",
             true},
        Case{"listen_address_itself", "10.0.0.5", {}, "/api/v1/status", "10.0.0.5:8080", true},
        Case{"other_name_on_private_address",
             "10.0.0.5",
             {"drpilot.ops.example"},
             "/api/v1/status",
             "other.example",
             false},
        Case{"wildcard_without_names_answers_any",
             "0.0.0.0",
             {},
             "/api/v1/status",
             "anything.example",
             true},
        Case{"wildcard_with_names_checks_them",
             "0.0.0.0",
             {"drpilot.ops.example"},
             "/api/v1/status",
             "anything.example",
             false},
        Case{"wildcard_with_names_allows_them",
             "::",
             {"drpilot.ops.example"},
             "/api/v1/status",
             "drpilot.ops.example",
             true}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(HostCheckReason, NamesTheHostAndTheSetting) {
  const std::string why =
      check_host(request("/api/v1/status", "evil\x01.test"), host_policy("127.0.0.1", {}));
  EXPECT_EQ(why,
            "this API does not answer to the name 'evil?.test' (add it to api.host_names if it is "
            "one of this controller's names)");
}

}  // namespace
}  // namespace drpilot::api
