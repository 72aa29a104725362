// A fake of the DigitalOcean API v2 endpoints drpilot's DigitalOcean providers
// use, served under /v2 so that a client configured with
// http://127.0.0.1:PORT/v2 talks to it exactly as to
// https://api.digitalocean.com/v2:
//
//   GET    /v2/domains/{domain}/records          paginated; ?type=A&name=www.example.com
//   POST   /v2/domains/{domain}/records
//   GET    /v2/domains/{domain}/records/{id}
//   PUT    /v2/domains/{domain}/records/{id}     (and PATCH): the given attributes change
//   DELETE /v2/domains/{domain}/records/{id}     204
//   GET    /v2/load_balancers                    paginated
//   GET    /v2/load_balancers/{id}
//   PUT    /v2/load_balancers/{id}               a full replacement, as documented
//   POST   /v2/load_balancers/{id}/droplets      {"droplet_ids": [...]} -> 204
//   DELETE /v2/load_balancers/{id}/droplets      {"droplet_ids": [...]} -> 204
//
// It enforces what DigitalOcean documents: the bearer token (the scaffold),
// errors as {"id": "not_found", "message": "...", "request_id": "..."},
// record validation (type, name, data, an IPv4 literal for A and an IPv6
// literal for AAAA, ttl of at least 30 seconds), 404 for unknown domains,
// records and load balancers, 422 for droplet ids that do not exist and for
// droplet changes on a load balancer that selects droplets by tag,
// page/per_page pagination (default 20, at most 200, links.pages.next/last/
// first/prev, meta.total), RateLimit-* headers on every reply and a 429
// too_many_requests with Retry-After once the window's requests are spent,
// and increasing record ids. PUT on a load balancer is implemented as the
// real API does it (every attribute not given is reset), so the request log
// shows whether a client ever used it.
//
// State (GET/POST /state on the control port):
//   {"domains": [{"name": "example.com",
//                 "records": [{"id": 10, "type": "A", "name": "www",
//                              "data": "192.0.2.1", "ttl": 30}]}],
//    "load_balancers": [{"id": "4de7ac8b-...", "name": "web", "droplet_ids": [111],
//                        "tag": "", "region": {"slug": "nyc3"}, "forwarding_rules": [...]}],
//    "droplets": [111, 112],   (absent: the droplets the load balancers hold)
//    "rate_limit": {"limit": 5000, "window_seconds": 3600}}

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <optional>
#include <set>
#include <variant>

#include "fakes/fake_api.h"
#include "net/url_codec.h"

namespace drpilot::fakes {
namespace {

using nlohmann::json;

const std::set<std::string> kTypes = {"A", "AAAA", "CAA", "CNAME", "MX", "NS", "SOA", "SRV", "TXT"};
constexpr int kMinTtl = 30;
constexpr int kDefaultTtl = 1800;
constexpr int kDefaultPerPage = 20;
constexpr int kMaxPerPage = 200;

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> out;
  std::size_t start = 1;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    if (end > start) out.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::optional<std::int64_t> to_int(const std::string& s) {
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

bool is_address(const std::string& text, int family) {
  unsigned char buf[16];
  return inet_pton(family, text.c_str(), buf) == 1;
}

// A JSON integer; DigitalOcean's ids and TTLs are never fractions.
bool is_int(const json& j) {
  return j.is_number_integer();
}

json full_record(const json& r) {
  json out = {{"id", r.at("id")},
              {"type", r.at("type")},
              {"name", r.at("name")},
              {"data", r.value("data", "")},
              {"priority", nullptr},
              {"port", nullptr},
              {"ttl", r.value("ttl", kDefaultTtl)},
              {"weight", nullptr},
              {"flags", nullptr},
              {"tag", nullptr}};
  for (const char* k : {"priority", "port", "weight", "flags", "tag"}) {
    if (r.contains(k)) out[k] = r.at(k);
  }
  return out;
}

struct Domain {
  std::string name;
  std::vector<json> records;  // full records, ascending ids
};

class DigitalOceanFake final : public FakeService {
 public:
  net::ServerResponse handle(const net::ServerRequest& req) override {
    refill();
    if (remaining_ <= 0) {
      net::ServerResponse r = error(429, "API Rate limit exceeded.");
      r.headers.push_back(
          {"Retry-After", std::to_string(std::max<std::int64_t>(0, reset_at_ - unix_now()))});
      return r;
    }
    const std::vector<std::string> seg = split_path(req.path);
    if (seg.size() >= 2 && seg[0] == "v2" && seg[1] == "domains") return domains(req, seg);
    if (seg.size() >= 2 && seg[0] == "v2" && seg[1] == "load_balancers") {
      return load_balancers(req, seg);
    }
    return not_found();
  }

  json error_body(int status, const std::string& message) const override {
    // DigitalOcean's own words for a bad token.
    const std::string text = status == 401 ? "Unable to authenticate you" : message;
    return {{"id", error_id(status)}, {"message", text}, {"request_id", request_id()}};
  }

  std::vector<std::pair<std::string, std::string>> common_headers() const override {
    // Every reply spends one request of the window, as DigitalOcean counts.
    refill();
    if (remaining_ > 0) --remaining_;
    if (window_start_ == 0) window_start_ = unix_now();
    return {{"ratelimit-limit", std::to_string(limit_)},
            {"ratelimit-remaining", std::to_string(remaining_)},
            {"ratelimit-reset", std::to_string(reset_at_)}};
  }

  json state() const override {
    json out = {{"domains", json::array()},
                {"load_balancers", lbs_},
                {"droplets", droplets_},
                {"rate_limit", {{"limit", limit_}, {"window_seconds", window_}}}};
    for (const Domain& d : domains_) {
      out["domains"].push_back({{"name", d.name}, {"records", d.records}});
    }
    return out;
  }

  std::string set_state(const json& s) override {
    if (!s.is_object()) return "state must be a JSON object";
    std::vector<Domain> domains;
    std::vector<json> lbs;
    std::set<std::int64_t> droplets;
    std::int64_t next_id = next_id_;
    for (const json& d : s.value("domains", json::array())) {
      if (!d.is_object() || !d.contains("name") || !d["name"].is_string()) {
        return "every domain needs a string 'name'";
      }
      Domain dom{lower(d["name"].get<std::string>()), {}};
      for (const json& r : d.value("records", json::array())) {
        if (!r.is_object()) return "records must be objects";
        for (const char* k : {"type", "name", "data"}) {
          if (!r.contains(k) || !r[k].is_string()) return std::string("record needs string ") + k;
        }
        if (r.contains("id") && !is_int(r["id"])) return "record 'id' must be an integer";
        if (r.contains("ttl") && !is_int(r["ttl"])) return "record 'ttl' must be an integer";
        json rec = r;
        if (!rec.contains("id")) rec["id"] = 0;
        dom.records.push_back(full_record(rec));
      }
      domains.push_back(std::move(dom));
    }
    for (Domain& d : domains) {
      for (json& r : d.records) next_id = std::max(next_id, r["id"].get<std::int64_t>() + 1);
    }
    // Records without an id get the next ones, in order.
    for (Domain& d : domains) {
      for (json& r : d.records) {
        if (r["id"].get<std::int64_t>() == 0) r["id"] = next_id++;
      }
      std::sort(d.records.begin(), d.records.end(),
                [](const json& a, const json& b) { return a["id"] < b["id"]; });
    }
    for (const json& lb : s.value("load_balancers", json::array())) {
      if (!lb.is_object() || !lb.contains("id") || !lb["id"].is_string()) {
        return "every load balancer needs a string 'id'";
      }
      json l = lb;
      if (!l.contains("droplet_ids")) l["droplet_ids"] = json::array();
      if (!l["droplet_ids"].is_array()) return "'droplet_ids' must be a list";
      for (const json& id : l["droplet_ids"]) {
        if (!is_int(id)) return "'droplet_ids' must hold integers";
      }
      if (!l.contains("tag")) l["tag"] = "";
      if (!l["tag"].is_string()) return "'tag' must be a string";
      if (!l.contains("name")) l["name"] = "lb-" + l["id"].get<std::string>();
      if (!l.contains("status")) l["status"] = "active";
      lbs.push_back(std::move(l));
    }
    if (s.contains("droplets")) {
      if (!s["droplets"].is_array()) return "'droplets' must be a list";
      for (const json& id : s["droplets"]) {
        if (!is_int(id)) return "'droplets' must hold integers";
        droplets.insert(id.get<std::int64_t>());
      }
      for (const json& l : lbs) {
        for (const json& id : l["droplet_ids"]) {
          if (!droplets.count(id.get<std::int64_t>())) {
            return "load balancer droplet " + id.dump() + " is not in 'droplets'";
          }
        }
      }
    } else {
      for (const json& l : lbs) {
        for (const json& id : l["droplet_ids"]) droplets.insert(id.get<std::int64_t>());
      }
    }
    int limit = limit_, window = window_;
    if (s.contains("rate_limit")) {
      const json& rl = s["rate_limit"];
      if (!rl.is_object()) return "'rate_limit' must be an object";
      limit = rl.value("limit", limit);
      window = rl.value("window_seconds", window);
      if (limit < 1 || window < 1) return "'rate_limit' needs a positive limit and window";
    }
    domains_ = std::move(domains);
    lbs_ = std::move(lbs);
    droplets_ = std::move(droplets);
    next_id_ = next_id;
    limit_ = limit;
    window_ = window;
    remaining_ = limit_;
    window_start_ = 0;
    reset_at_ = unix_now() + window_;
    return {};
  }

 private:
  // ---- errors ---------------------------------------------------------------

  static std::string error_id(int status) {
    switch (status) {
      case 400:
        return "bad_request";
      case 401:
        return "unauthorized";
      case 403:
        return "forbidden";
      case 404:
        return "not_found";
      case 405:
        return "method_not_allowed";
      case 409:
        return "conflict";
      case 422:
        return "unprocessable_entity";
      case 429:
        return "too_many_requests";
      case 500:
        return "server_error";
      case 503:
        return "service_unavailable";
      default:
        return "error";
    }
  }

  std::string request_id() const {
    char buf[40];
    std::snprintf(buf, sizeof buf, "fake-%08llx", static_cast<unsigned long long>(++requests_));
    return buf;
  }

  net::ServerResponse error(int status, const std::string& message) const {
    return json_reply(status, error_body(status, message));
  }
  net::ServerResponse not_found() const {
    return error(404, "The resource you were accessing could not be found.");
  }
  net::ServerResponse invalid(const std::string& message) const { return error(422, message); }
  net::ServerResponse no_content() const { return json_reply(204, nullptr); }

  // ---- rate limit -----------------------------------------------------------

  // The window starts with its first request and refills when it ends.
  void refill() const {
    const std::int64_t now = unix_now();
    if (window_start_ != 0 && now >= reset_at_) {
      remaining_ = limit_;
      window_start_ = 0;
    }
    if (window_start_ == 0) reset_at_ = now + window_;
  }

  // ---- pagination -----------------------------------------------------------

  // The page of `items` that page/per_page select, as DigitalOcean lays it
  // out: `key`, links.pages (absolute URLs keeping the filters) and meta.total.
  static json paginate(const std::vector<json>& items, const net::ServerRequest& req,
                       const std::string& key) {
    auto number = [&](const char* name, std::int64_t fallback) {
      auto it = req.query.find(name);
      if (it == req.query.end()) return fallback;
      auto v = to_int(it->second);
      return v && *v >= 1 ? *v : fallback;
    };
    const std::int64_t per_page =
        std::min<std::int64_t>(number("per_page", kDefaultPerPage), kMaxPerPage);
    const std::int64_t total = static_cast<std::int64_t>(items.size());
    const std::int64_t last = std::max<std::int64_t>(1, (total + per_page - 1) / per_page);
    const std::int64_t page = number("page", 1);
    json out = {{key, json::array()}, {"links", json::object()}, {"meta", {{"total", total}}}};
    for (std::int64_t i = (page - 1) * per_page; i < std::min(total, page * per_page); ++i) {
      out[key].push_back(items[static_cast<std::size_t>(i)]);
    }
    auto host = req.headers.find("host");
    std::string base =
        "http://" + (host == req.headers.end() ? "127.0.0.1" : host->second) + req.path + "?";
    for (const auto& [k, v] : req.query) {
      if (k != "page") base += net::url_encode(k) + "=" + net::url_encode(v) + "&";
    }
    auto link = [&](std::int64_t p) { return base + "page=" + std::to_string(p); };
    json pages = json::object();
    if (page > 1) {
      pages["first"] = link(1);
      pages["prev"] = link(std::min(page - 1, last));
    }
    if (page < last) {
      pages["next"] = link(page + 1);
      pages["last"] = link(last);
    }
    if (!pages.empty()) out["links"]["pages"] = pages;
    return out;
  }

  // ---- domain records -------------------------------------------------------

  Domain* find_domain(const std::string& name) {
    for (Domain& d : domains_) {
      if (d.name == lower(name)) return &d;
    }
    return nullptr;
  }

  static std::string fqdn(const Domain& d, const std::string& rel) {
    return rel == "@" ? d.name : lower(rel) + "." + d.name;
  }

  // Checks a whole record as the API would store it; empty when valid.
  static std::string check_record(const json& r) {
    if (!r.contains("type") || !r["type"].is_string() || r["type"].get<std::string>().empty()) {
      return "Type is required.";
    }
    const std::string type = r["type"];
    if (!kTypes.count(type)) return "Type '" + type + "' is not a supported record type.";
    if (type != "MX" && type != "SOA" &&
        (!r.contains("name") || !r["name"].is_string() || r["name"].get<std::string>().empty())) {
      return "Name is required.";
    }
    if (type != "SOA" &&
        (!r.contains("data") || !r["data"].is_string() || r["data"].get<std::string>().empty())) {
      return "Data is required.";
    }
    const std::string data = r.value("data", "");
    if (type == "A" && !is_address(data, AF_INET)) {
      return "Data '" + data + "' is not a valid IPv4 address.";
    }
    if (type == "AAAA" && !is_address(data, AF_INET6)) {
      return "Data '" + data + "' is not a valid IPv6 address.";
    }
    if (r.contains("ttl") && !r["ttl"].is_null()) {
      if (!is_int(r["ttl"])) return "Ttl must be an integer.";
      if (r["ttl"].get<std::int64_t>() < kMinTtl) {
        return "Ttl must be at least " + std::to_string(kMinTtl) + " seconds.";
      }
    }
    auto need_int = [&](const char* k) { return r.contains(k) && is_int(r[k]); };
    if ((type == "MX" || type == "SRV") && !need_int("priority")) return "Priority is required.";
    if (type == "SRV" && (!need_int("port") || !need_int("weight"))) {
      return "Port and weight are required.";
    }
    if (type == "CAA" && (!need_int("flags") || !r.contains("tag") || !r["tag"].is_string())) {
      return "Flags and tag are required.";
    }
    return {};
  }

  net::ServerResponse domains(const net::ServerRequest& req, const std::vector<std::string>& seg) {
    if (seg.size() < 4 || seg[3] != "records" || seg.size() > 5) return not_found();
    Domain* d = find_domain(seg[2]);
    if (d == nullptr) return not_found();
    json body;
    if (req.method == "POST" || req.method == "PUT" || req.method == "PATCH") {
      body = json::parse(req.body, nullptr, false);
      if (body.is_discarded() || !body.is_object()) {
        return error(400, "The request body is not a JSON object.");
      }
    }
    if (seg.size() == 4) {
      if (req.method == "GET") return list_records(*d, req);
      if (req.method == "POST") return create_record(*d, body);
      return error(405, "Method not allowed.");
    }
    auto id = to_int(seg[4]);
    auto it = std::find_if(d->records.begin(), d->records.end(),
                           [&](const json& r) { return id && r["id"] == *id; });
    if (it == d->records.end()) return not_found();
    if (req.method == "GET") return json_reply(200, {{"domain_record", *it}});
    if (req.method == "DELETE") {
      d->records.erase(it);
      return no_content();
    }
    if (req.method == "PUT" || req.method == "PATCH") {
      // Any attribute valid for the type may be given; the others stay.
      json merged = *it;
      for (const auto& [k, v] : body.items()) {
        if (k != "id") merged[k] = v;
      }
      if (std::string e = check_record(merged); !e.empty()) return invalid(e);
      if (!merged.contains("ttl") || merged["ttl"].is_null()) merged["ttl"] = kDefaultTtl;
      *it = full_record(merged);
      return json_reply(200, {{"domain_record", *it}});
    }
    return error(405, "Method not allowed.");
  }

  net::ServerResponse list_records(const Domain& d, const net::ServerRequest& req) const {
    auto type = req.query.find("type");
    auto name = req.query.find("name");
    std::vector<json> matching;
    for (const json& r : d.records) {
      if (type != req.query.end() && r["type"] != upper(type->second)) continue;
      // The name filter takes the fully qualified name.
      if (name != req.query.end() && fqdn(d, r["name"]) != lower(name->second)) continue;
      matching.push_back(r);
    }
    return json_reply(200, paginate(matching, req, "domain_records"));
  }

  net::ServerResponse create_record(Domain& d, const json& body) {
    if (std::string e = check_record(body); !e.empty()) return invalid(e);
    json r = body;
    r["id"] = next_id_++;
    if (!r.contains("name") || !r["name"].is_string()) r["name"] = "@";
    if (!r.contains("ttl") || r["ttl"].is_null()) r["ttl"] = kDefaultTtl;
    d.records.push_back(full_record(r));
    return json_reply(201, {{"domain_record", d.records.back()}});
  }

  // ---- load balancers -------------------------------------------------------

  json* find_lb(const std::string& id) {
    for (json& l : lbs_) {
      if (l["id"] == id) return &l;
    }
    return nullptr;
  }

  // droplet_ids of a request body: a list of droplets that exist.
  std::variant<std::vector<std::int64_t>, std::string> droplet_ids(const json& body) const {
    if (!body.contains("droplet_ids") || !body["droplet_ids"].is_array()) {
      return std::string("droplet_ids is required and must be a list of droplet ids.");
    }
    std::vector<std::int64_t> ids;
    for (const json& id : body["droplet_ids"]) {
      if (!is_int(id)) return std::string("droplet_ids must hold integers.");
      if (!droplets_.count(id.get<std::int64_t>())) {
        return "Droplet " + id.dump() + " does not exist.";
      }
      ids.push_back(id.get<std::int64_t>());
    }
    return ids;
  }

  net::ServerResponse load_balancers(const net::ServerRequest& req,
                                     const std::vector<std::string>& seg) {
    if (seg.size() == 2) {
      if (req.method != "GET") return error(405, "Method not allowed.");
      return json_reply(200, paginate(lbs_, req, "load_balancers"));
    }
    if (seg.size() > 4 || (seg.size() == 4 && seg[3] != "droplets")) return not_found();
    json* lb = find_lb(seg[2]);
    if (lb == nullptr) return not_found();
    json body;
    if (req.method != "GET") {
      body = json::parse(req.body, nullptr, false);
      if (body.is_discarded() || !body.is_object()) {
        return error(400, "The request body is not a JSON object.");
      }
    }
    if (seg.size() == 3) {
      if (req.method == "GET") return json_reply(200, {{"load_balancer", *lb}});
      if (req.method == "PUT") return replace_lb(*lb, body);
      return error(405, "Method not allowed.");
    }
    if (req.method != "POST" && req.method != "DELETE") return error(405, "Method not allowed.");
    if (!(*lb)["tag"].get<std::string>().empty()) {
      return invalid("This load balancer selects Droplets by tag '" +
                     (*lb)["tag"].get<std::string>() +
                     "'; individual Droplets cannot be added or removed.");
    }
    auto ids = droplet_ids(body);
    if (auto* e = std::get_if<std::string>(&ids)) return invalid(*e);
    json& held = (*lb)["droplet_ids"];
    for (std::int64_t id : std::get<std::vector<std::int64_t>>(ids)) {
      auto at = std::find(held.begin(), held.end(), json(id));
      if (req.method == "POST" && at == held.end()) held.push_back(id);
      if (req.method == "DELETE" && at != held.end()) held.erase(at);
    }
    return no_content();
  }

  // PUT: "a full representation of the load balancer ... any attribute that
  // is not provided will be reset to its default value".
  net::ServerResponse replace_lb(json& lb, const json& body) {
    if (!body.contains("region") || !body["region"].is_string()) {
      return invalid("region is required.");
    }
    if (!body.contains("forwarding_rules") || !body["forwarding_rules"].is_array() ||
        body["forwarding_rules"].empty()) {
      return invalid("forwarding_rules is required and must hold at least one rule.");
    }
    const bool by_ids = body.contains("droplet_ids");
    const bool by_tag =
        body.contains("tag") && body["tag"].is_string() && !body["tag"].get<std::string>().empty();
    if (by_ids == by_tag) return invalid("Exactly one of droplet_ids and tag is required.");
    std::vector<std::int64_t> ids;
    if (by_ids) {
      auto r = droplet_ids(body);
      if (auto* e = std::get_if<std::string>(&r)) return invalid(*e);
      ids = std::get<std::vector<std::int64_t>>(r);
    }
    json replaced = body;
    replaced["id"] = lb["id"];
    replaced["name"] = body.value("name", lb.value("name", ""));
    replaced["region"] = {{"slug", body["region"]}};
    replaced["droplet_ids"] = ids;
    replaced["tag"] = by_tag ? body["tag"].get<std::string>() : "";
    replaced["status"] = lb.value("status", "active");
    if (lb.contains("created_at")) replaced["created_at"] = lb["created_at"];
    lb = std::move(replaced);
    return json_reply(200, {{"load_balancer", lb}});
  }

  std::vector<Domain> domains_;
  std::vector<json> lbs_;
  std::set<std::int64_t> droplets_;
  std::int64_t next_id_ = 1000;
  int limit_ = 5000;
  int window_ = 3600;
  mutable int remaining_ = 5000;
  mutable std::int64_t window_start_ = 0;
  mutable std::int64_t reset_at_ = 0;
  mutable std::uint64_t requests_ = 0;
};

}  // namespace
}  // namespace drpilot::fakes

int main(int argc, char** argv) {
  drpilot::fakes::DigitalOceanFake service;
  return drpilot::fakes::run_fake(argc, argv, service);
}
