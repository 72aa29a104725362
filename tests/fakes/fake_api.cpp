#include "fakes/fake_api.h"

#include <algorithm>
#include <cctype>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

namespace drpilot::fakes {

using nlohmann::json;

namespace {
std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}
}  // namespace

net::ServerResponse json_reply(int status, const json& body) {
  net::ServerResponse r;
  r.status = status;
  r.body = body.is_null() ? "" : body.dump();
  return r;
}

std::optional<net::ServerResponse> FakeService::authorize(const net::ServerRequest& req,
                                                          const std::string& token) {
  const auto auth = req.headers.find("authorization");
  if (auth != req.headers.end() && auth->second == "Bearer " + token) return std::nullopt;
  net::ServerResponse r = json_reply(401, error_body(401, "Invalid Token"));
  r.headers.push_back({"WWW-Authenticate", "Bearer"});
  return r;
}

net::ServerResponse FakeService::fault_reply(const Fault& fault) {
  return json_reply(fault.status, error_body(fault.status, "injected fault"));
}

FakeApi::FakeApi(net::Loop& loop, FakeService& service, std::string token)
    : loop_(loop), service_(service), token_(std::move(token)) {}

void FakeApi::start(const std::string& address, std::uint16_t api_port,
                    std::uint16_t control_port) {
  address_ = address;
  api_ = std::make_unique<net::HttpServer>(
      loop_, address, api_port,
      [this](const net::ServerRequest& req, net::Responder respond) { on_api(req, respond); });
  control_ = std::make_unique<net::HttpServer>(
      loop_, address, control_port,
      [this](const net::ServerRequest& req, net::Responder respond) { respond(on_control(req)); });
  api_->start();
  control_->start();
  api_port_ = api_->port();
}

std::uint16_t FakeApi::api_port() const {
  return api_port_;
}
std::uint16_t FakeApi::control_port() const {
  return control_->port();
}

std::optional<Fault> FakeApi::take_fault(const std::string& method) {
  if (fault_.mode == "none" || fault_.count == 0) return std::nullopt;
  if (!fault_.methods.empty() &&
      std::find(fault_.methods.begin(), fault_.methods.end(), method) == fault_.methods.end()) {
    return std::nullopt;
  }
  Fault f = fault_;
  if (fault_.count > 0 && --fault_.count == 0) fault_ = Fault{};
  return f;
}

void FakeApi::finish(const net::ServerRequest& req, net::ServerResponse r, net::Responder& respond,
                     bool corrupt) {
  for (auto& h : service_.common_headers()) r.headers.push_back(h);
  service_.seal(r);
  if (corrupt) {
    // One letter changes case: the body is still well-formed, only a
    // checksum can tell.
    for (std::size_t i = r.body.size() / 2; i < r.body.size(); ++i) {
      if (std::isalpha(static_cast<unsigned char>(r.body[i]))) {
        r.body[i] = static_cast<char>(r.body[i] ^ 0x20);
        break;
      }
    }
    if (r.body.empty()) r.body = " ";
  }
  log_.push_back({req.method, req.target, req.body, r.status, now_ms()});
  respond(std::move(r));
}

void FakeApi::on_api(const net::ServerRequest& req, net::Responder respond) {
  std::optional<Fault> fault = take_fault(req.method);
  if (fault && fault->mode == "drop") {
    log_.push_back({req.method, req.target, req.body, 0, now_ms()});
    // Never answer; close every open connection a moment later.
    auto t = std::make_unique<net::Timer>(loop_);
    t->start(std::chrono::milliseconds(10), [this] { api_->close_connections(); });
    delayed_.push_back(std::move(t));
    return;
  }
  // The real APIs check the token before anything else.
  if (std::optional<net::ServerResponse> refused = service_.authorize(req, token_)) {
    finish(req, std::move(*refused), respond);
    return;
  }
  if (fault && fault->mode == "garbage") {
    net::ServerResponse r;
    r.status = fault->status;
    r.content_type = "text/html";
    r.body =
        fault->body.empty()
            ? "<html><head><title>502 Bad Gateway</title></head><body>bad gateway</body></html>"
            : fault->body;
    log_.push_back({req.method, req.target, req.body, r.status, now_ms()});
    respond(std::move(r));  // not sealed: it is not the API speaking
    return;
  }
  if (fault && fault->mode == "status") {
    net::ServerResponse r = service_.fault_reply(*fault);
    if (fault->retry_after >= 0) {
      r.headers.push_back({"Retry-After", std::to_string(fault->retry_after)});
    }
    finish(req, std::move(r), respond);
    return;
  }
  net::ServerResponse r = service_.handle(req);
  if (fault && fault->mode == "slow") {
    auto t = std::make_unique<net::Timer>(loop_);
    t->start(
        std::chrono::milliseconds(fault->delay_ms),
        [this, req, r = std::move(r), respond]() mutable { finish(req, std::move(r), respond); });
    delayed_.push_back(std::move(t));
    return;
  }
  finish(req, std::move(r), respond, fault && fault->mode == "corrupt");
}

net::ServerResponse FakeApi::on_control(const net::ServerRequest& req) {
  if (req.path == "/fault" && req.method == "POST") {
    json j = json::parse(req.body, nullptr, false);
    if (j.is_discarded() || !j.is_object())
      return json_reply(400, {{"error", "not a JSON object"}});
    Fault f;
    f.mode = j.value("mode", "none");
    f.status = j.value("status", f.mode == "garbage" ? 200 : 500);
    f.code = j.value("code", "");
    f.body = j.value("body", "");
    f.retry_after = j.value("retry_after", -1);
    f.delay_ms = j.value("delay_ms", 0);
    f.duration_ms = j.value("duration_ms", 0);
    f.count = j.value("count", -1);
    if (j.contains("methods")) f.methods = j["methods"].get<std::vector<std::string>>();
    if (f.mode == "down") {
      // The API port refuses connections for the duration, then listens again.
      api_->stop_listening(true);
      up_again_ = std::make_unique<net::Timer>(loop_);
      up_again_->start(std::chrono::milliseconds(f.duration_ms), [this] { api_->start(); });
      fault_ = Fault{};
    } else if (f.mode == "none" || f.mode == "status" || f.mode == "slow" || f.mode == "drop" ||
               f.mode == "garbage" || f.mode == "corrupt") {
      fault_ = f;
    } else {
      return json_reply(400, {{"error", "unknown mode '" + f.mode + "'"}});
    }
    return json_reply(200, {{"ok", true}});
  }
  if (req.path == "/requests" && req.method == "GET") {
    json list = json::array();
    for (const LoggedRequest& r : log_) {
      list.push_back({{"method", r.method},
                      {"path", r.path},
                      {"body", r.body},
                      {"status", r.status},
                      {"at_ms", r.at_ms}});
    }
    return json_reply(200, {{"requests", list}});
  }
  if (req.path == "/requests/clear" && req.method == "POST") {
    log_.clear();
    return json_reply(200, {{"ok", true}});
  }
  if (req.path == "/state" && req.method == "GET") return json_reply(200, service_.state());
  if (req.path == "/state" && req.method == "POST") {
    json j = json::parse(req.body, nullptr, false);
    if (j.is_discarded()) return json_reply(400, {{"error", "not JSON"}});
    std::string err = service_.set_state(j);
    if (!err.empty()) return json_reply(400, {{"error", err}});
    return json_reply(200, {{"ok", true}});
  }
  return json_reply(404, {{"error", "no such control endpoint " + req.path}});
}

int run_fake(int argc, char** argv, FakeService& service) {
  std::string token, address = "127.0.0.1", ports_file, state_file;
  int api_port = 0, control_port = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << a << " needs a value\n";
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--token") {
      token = next();
    } else if (a == "--listen") {
      address = next();
    } else if (a == "--api-port") {
      api_port = std::atoi(next().c_str());
    } else if (a == "--control-port") {
      control_port = std::atoi(next().c_str());
    } else if (a == "--ports-file") {
      ports_file = next();
    } else if (a == "--state") {
      state_file = next();
    } else {
      std::cerr << "unknown argument " << a << "\n";
      return 2;
    }
  }
  if (token.empty()) {
    std::cerr << "--token is required\n";
    return 2;
  }
  if (!state_file.empty()) {
    std::ifstream in(state_file);
    std::stringstream text;
    text << in.rdbuf();
    json j = json::parse(text.str(), nullptr, false);
    std::string err = j.is_discarded() ? "not JSON" : service.set_state(j);
    if (!err.empty()) {
      std::cerr << state_file << ": " << err << "\n";
      return 2;
    }
  }
  net::Loop loop;
  FakeApi api(loop, service, token);
  try {
    api.start(address, static_cast<std::uint16_t>(api_port),
              static_cast<std::uint16_t>(control_port));
  } catch (const std::exception& e) {
    std::cerr << e.what() << "\n";
    return 1;
  }
  if (!ports_file.empty()) {
    const std::string tmp = ports_file + ".tmp";
    std::ofstream(tmp) << "api=" << api.api_port() << " control=" << api.control_port() << "\n";
    std::rename(tmp.c_str(), ports_file.c_str());
  }
  std::cerr << "listening api=" << api.api_port() << " control=" << api.control_port() << std::endl;
  loop.on_signals({SIGINT, SIGTERM}, [&](int) { loop.stop(); });
  loop.run();
  return 0;
}

}  // namespace drpilot::fakes
