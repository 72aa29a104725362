#include "lab/lab.h"

#include <nlohmann/json.hpp>

#include <charconv>
#include <cstdio>

#include "net/loop.h"

namespace drpilot::lab {

using nlohmann::json;

namespace {

json site_json(const SimulatedSite& s) {
  json j = {{"name", s.name()},
            {"kind", "site"},
            {"listen", s.listen().to_string()},
            {"fault", to_string(s.fault())}};
  if (s.fault() == Fault::slow) j["delay_ms"] = s.slow_ms();
  return j;
}

json region_json(DataLab& data, DataRegion& r) {
  json j = {{"name", r.name()},
            {"kind", "data_region"},
            {"region", r.aws_region()},
            {"listen", r.listen().to_string()},
            {"fault", to_string(r.fault())}};
  if (r.fault() == Fault::slow) j["delay_ms"] = r.slow_ms();
  if (const ReplicationPump* pump = data.pump()) {
    const Replicator& rep = pump->replicator();
    j["replication"] = rep.paused(r.name()) ? "paused" : "running";
    j["receiving"] = !rep.held(r.name());
    j["queued"] = rep.queued(r.name());
    json to = json::object();
    for (const std::string& d : rep.regions()) {
      if (d != r.name()) to[d] = rep.queued(r.name(), d);
    }
    j["queued_to"] = to;
  }
  DynaliteProcess& p = data.process(r);
  j["dynalite"] = {{"pid", p.pid()}, {"port", p.port()}, {"running", p.running()}};
  return j;
}

}  // namespace

Lab::Lab(net::Loop& loop, const config::LabConfig& cfg, DataLabOptions data)
    : loop_(loop),
      cfg_(cfg),
      data_(loop, cfg, std::move(data)),
      control_(loop, cfg.control.host, cfg.control.port,
               [this](const net::ServerRequest& req, net::Responder respond) {
                 respond(control(req));
               }) {
  for (const config::LabSite& s : cfg_.sites) {
    sites_.push_back(std::make_unique<SimulatedSite>(loop, s.name, s.listen));
  }
}

void Lab::start() {
  // The data regions first: their child processes are started before this
  // process holds any listening socket.
  data_.start();
  for (auto& s : sites_) s->start();
  control_.start();
}

void Lab::stop() {
  control_.stop();
  for (auto& s : sites_) s->stop();
  data_.stop();
}

SimulatedSite* Lab::find(const std::string& name) {
  for (auto& s : sites_) {
    if (s->name() == name) return s.get();
  }
  return nullptr;
}

std::string Lab::unknown_name(const std::string& name) const {
  std::string sites, regions;
  for (auto& x : sites_) sites += (sites.empty() ? "" : ", ") + x->name();
  for (auto& x : data_.regions()) regions += (regions.empty() ? "" : ", ") + x->name();
  if (regions.empty()) return "no lab site named '" + name + "' (sites: " + sites + ")";
  return "no lab site or data region named '" + name + "' (sites: " + sites +
         "; data regions: " + regions + ")";
}

std::string Lab::apply(const std::string& name, const std::string& action, int slow_ms) {
  SimulatedSite* site = find(name);
  DataRegion* region = site ? nullptr : data_.find(name);
  if (!site && !region) return unknown_name(name);
  if (action == "pause-replication" || action == "resume-replication") {
    if (!region) return "'" + name + "' is a site; " + action + " applies to data regions";
    if (!data_.pump()) return "the data regions are not running";
    const bool pause = action == "pause-replication";
    if (pause) {
      data_.pump()->pause(name);
    } else {
      data_.pump()->resume(name);
    }
    std::fprintf(stderr, "lab: data_region=%s replication=%s queued=%zu\n", name.c_str(),
                 pause ? "paused" : "running", data_.pump()->replicator().queued(name));
    return "";
  }
  auto f = fault_for_action(action);
  if (!f) {
    return "unknown action '" + action + "' (use " + kFaultActions +
           (region ? ", pause-replication, resume-replication)" : ")");
  }
  if (*f == Fault::slow && (slow_ms <= 0 || slow_ms > kMaxSlowMs)) {
    return "slow needs a delay between 1 and " + std::to_string(kMaxSlowMs) + " ms";
  }
  if (site) {
    site->set_fault(*f, slow_ms);
  } else {
    data_.set_fault(*region, *f, slow_ms);
  }
  std::fprintf(stderr, "lab: %s=%s fault=%s%s\n", site ? "site" : "data_region", name.c_str(),
               std::string(to_string(*f)).c_str(),
               *f == Fault::slow ? (" delay_ms=" + std::to_string(slow_ms)).c_str() : "");
  return "";
}

net::ServerResponse Lab::control(const net::ServerRequest& req) {
  auto reply = [](int status, const json& j) {
    net::ServerResponse r;
    r.status = status;
    r.body = j.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
    return r;
  };
  auto regions = [&] {
    json list = json::array();
    for (auto& r : data_.regions()) list.push_back(region_json(data_, *r));
    return list;
  };
  if (req.path == "/sites" && req.method == "GET") {
    json list = json::array();
    for (auto& s : sites_) list.push_back(site_json(*s));
    return reply(200, {{"sites", list}, {"data_regions", regions()}});
  }
  if (req.path == "/data-regions" && req.method == "GET") {
    return reply(200, {{"data_regions", regions()},
                       {"replication_delay_ms", cfg_.replication_delay.count()}});
  }
  // POST /sites/{name}/{action}[?ms=N], POST /data-regions/{name}/{action}
  std::string rest;
  for (const std::string prefix : {"/sites/", "/data-regions/"}) {
    if (req.path.rfind(prefix, 0) == 0) rest = req.path.substr(prefix.size());
  }
  if (!rest.empty()) {
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
    const bool known = find(name) || data_.find(name);
    if (!err.empty()) return reply(known ? 400 : 404, {{"error", err}});
    if (SimulatedSite* s = find(name)) return reply(200, site_json(*s));
    return reply(200, region_json(data_, *data_.find(name)));
  }
  return reply(404,
               {{"error",
                 "no such endpoint (GET /sites, GET /data-regions, POST /sites/{name}/{action}, "
                 "POST /data-regions/{name}/{action})"}});
}

}  // namespace drpilot::lab
