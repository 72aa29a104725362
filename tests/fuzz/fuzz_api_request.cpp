// libFuzzer target for the HTTP API's request handling: any method, path,
// Authorization header and body. Whatever arrives, the reply is a JSON
// document (or the plain-text /healthz), an operator command reaches the
// controller only with the right token and a well-formed body, and nothing
// crashes or throws.

#include <cstddef>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "api/api_server.h"

namespace {

class Backend final : public drpilot::api::Backend {
 public:
  std::function<drpilot::net::ServerResponse()> status(const drpilot::api::StatusQuery&) override {
    return [] { return drpilot::api::json_response(200, {{"ok", true}}); };
  }
  nlohmann::json history(std::size_t, std::optional<std::int64_t>) override {
    return {{"events", nlohmann::json::array()}};
  }
  bool live() override { return true; }
  std::pair<int, nlohmann::json> command(const drpilot::core::Command& cmd) override {
    ++commands;
    last = cmd;
    return {200, {{"message", "done"}}};
  }
  int commands = 0;
  drpilot::core::Command last;
};

const std::string kToken = "fuzz-token";
// A read token beside the operator's: it must never let a command through.
const drpilot::api::Access kAccess{{{"ops", true, kToken}, {"graphs", false, "fuzz-read"}}, false};

// Input: METHOD \n PATH \n AUTHORIZATION \n BODY
std::string field(const std::string& in, std::size_t& pos) {
  const std::size_t nl = in.find('\n', pos);
  std::string f = in.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
  pos = nl == std::string::npos ? in.size() : nl + 1;
  return f;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string in(reinterpret_cast<const char*>(data), size);
  std::size_t pos = 0;
  drpilot::net::ServerRequest req;
  req.method = field(in, pos);
  req.path = field(in, pos);
  req.target = req.path;
  const std::string auth = field(in, pos);
  if (!auth.empty()) req.headers["authorization"] = auth;
  req.body = in.substr(pos);
  req.remote = "127.0.0.1";

  Backend backend;
  drpilot::net::ServerResponse r;
  try {
    r = drpilot::api::route(backend, req, kAccess);
  } catch (...) {
    __builtin_trap();  // an exception escaped the router
  }
  if (r.status < 200 || r.status > 599) __builtin_trap();
  const bool authorized = auth.size() == 7 + kToken.size() && auth.substr(7) == kToken;
  if (backend.commands > 0 && !authorized) __builtin_trap();  // a command without the token
  if (backend.commands > 0) {
    if (backend.last.who.rfind("ops", 0) != 0) __builtin_trap();  // not the token's name
    for (const std::string* s : {&backend.last.site, &backend.last.record, &backend.last.why}) {
      for (unsigned char c : *s) {
        if (c < 0x20 || c == 0x7f) __builtin_trap();  // a control character got through
      }
    }
  }
  if (r.content_type == "application/json" &&
      nlohmann::json::parse(r.body, nullptr, false).is_discarded()) {
    __builtin_trap();  // a reply that is not JSON
  }
  return 0;
}
