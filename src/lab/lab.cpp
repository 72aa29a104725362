#include "lab/lab.h"

#include <nlohmann/json.hpp>

#include <charconv>
#include <cstdio>

#include "net/loop.h"

namespace drpilot::lab {

using nlohmann::json;

std::string_view to_string(Fault f) {
  switch (f) {
    case Fault::none:
      return "none";
    case Fault::broken:
      return "broken";
    case Fault::refused:
      return "refused";
    case Fault::blackholed:
      return "blackholed";
    case Fault::slow:
      return "slow";
  }
  return "none";
}

SimulatedSite::SimulatedSite(net::Loop& loop, std::string name, config::Endpoint listen)
    : loop_(loop),
      name_(std::move(name)),
      listen_(std::move(listen)),
      server_(loop, listen_.host, listen_.port,
              [this](const net::ServerRequest& req, net::Responder respond) {
                handle(req, std::move(respond));
              }) {}

void SimulatedSite::start() {
  server_.start();
}
void SimulatedSite::stop() {
  server_.stop();
}

void SimulatedSite::set_fault(Fault f, int slow_ms) {
  const Fault before = fault_;
  fault_ = f;
  slow_ms_ = f == Fault::slow ? slow_ms : 0;
  if (f == Fault::refused && before != Fault::refused) server_.stop_listening(true);
  if (f != Fault::refused && before == Fault::refused) server_.start();
  // Held (blackholed) connections are let go so clients see the change.
  if (before == Fault::blackholed && f != Fault::blackholed) server_.close_connections();
}

void SimulatedSite::handle(const net::ServerRequest& req, net::Responder respond) {
  if (fault_ == Fault::blackholed) return;  // never answer
  net::ServerResponse r;
  r.content_type = "text/plain; charset=utf-8";
  if (fault_ == Fault::broken) {
    r.status = 503;
    r.body = "site " + name_ + " is broken (lab fault)\n";
  } else if (req.path == "/healthz") {
    r.body = "ok\n";
  } else {
    r.body = "Hello from site " + name_ + " (" + listen_.to_string() + ")\n";
  }
  if (fault_ == Fault::slow && slow_ms_ > 0) {
    auto timer = std::make_shared<net::Timer>(loop_);
    timer->start(std::chrono::milliseconds(slow_ms_),
                 [timer, respond = std::move(respond), r]() mutable { respond(std::move(r)); });
    return;
  }
  respond(std::move(r));
}

Lab::Lab(net::Loop& loop, const config::LabConfig& cfg)
    : loop_(loop),
      cfg_(cfg),
      control_(loop, cfg.control.host, cfg.control.port,
               [this](const net::ServerRequest& req, net::Responder respond) {
                 respond(control(req));
               }) {
  for (const config::LabSite& s : cfg_.sites) {
    sites_.push_back(std::make_unique<SimulatedSite>(loop, s.name, s.listen));
  }
}

void Lab::start() {
  for (auto& s : sites_) s->start();
  control_.start();
}

void Lab::stop() {
  control_.stop();
  for (auto& s : sites_) s->stop();
}

SimulatedSite* Lab::find(const std::string& name) {
  for (auto& s : sites_) {
    if (s->name() == name) return s.get();
  }
  return nullptr;
}

std::string Lab::apply(const std::string& site, const std::string& action, int slow_ms) {
  SimulatedSite* s = find(site);
  if (!s) {
    std::string known;
    for (auto& x : sites_) known += (known.empty() ? "" : ", ") + x->name();
    return "no lab site named '" + site + "' (sites: " + known + ")";
  }
  Fault f;
  if (action == "break") {
    f = Fault::broken;
  } else if (action == "refuse") {
    f = Fault::refused;
  } else if (action == "blackhole") {
    f = Fault::blackholed;
  } else if (action == "slow") {
    if (slow_ms <= 0 || slow_ms > 600'000) return "slow needs a delay between 1 and 600000 ms";
    f = Fault::slow;
  } else if (action == "heal") {
    f = Fault::none;
  } else {
    return "unknown action '" + action + "' (use break, refuse, blackhole, slow, heal)";
  }
  s->set_fault(f, slow_ms);
  std::fprintf(stderr, "lab: site=%s fault=%s%s\n", site.c_str(), std::string(to_string(f)).c_str(),
               f == Fault::slow ? (" delay_ms=" + std::to_string(slow_ms)).c_str() : "");
  return "";
}

net::ServerResponse Lab::control(const net::ServerRequest& req) {
  auto reply = [](int status, const json& j) {
    net::ServerResponse r;
    r.status = status;
    r.body = j.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
    return r;
  };
  auto site_json = [](const SimulatedSite& s) {
    json j = {
        {"name", s.name()}, {"listen", s.listen().to_string()}, {"fault", to_string(s.fault())}};
    if (s.fault() == Fault::slow) j["delay_ms"] = s.slow_ms();
    return j;
  };
  if (req.path == "/sites" && req.method == "GET") {
    json list = json::array();
    for (auto& s : sites_) list.push_back(site_json(*s));
    return reply(200, {{"sites", list}});
  }
  // POST /sites/{name}/{action}[?ms=N]
  const std::string prefix = "/sites/";
  if (req.path.rfind(prefix, 0) == 0) {
    std::string rest = req.path.substr(prefix.size());
    size_t slash = rest.find('/');
    if (slash == std::string::npos)
      return reply(404, {{"error", "use POST /sites/{name}/{action}"}});
    if (req.method != "POST") return reply(405, {{"error", "use POST"}});
    std::string name = rest.substr(0, slash), action = rest.substr(slash + 1);
    int ms = 0;
    if (auto it = req.query.find("ms"); it != req.query.end()) {
      auto [p, ec] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), ms);
      if (ec != std::errc() || p != it->second.data() + it->second.size()) {
        return reply(400, {{"error", "ms must be a whole number of milliseconds"}});
      }
    }
    std::string err = apply(name, action, ms);
    if (!err.empty()) return reply(find(name) ? 400 : 404, {{"error", err}});
    return reply(200, site_json(*find(name)));
  }
  return reply(404, {{"error", "no such endpoint (GET /sites, POST /sites/{name}/{action})"}});
}

}  // namespace drpilot::lab
