// A fake of the Linode API v4 Domains endpoints, served under /v4 so that a
// client configured with http://127.0.0.1:PORT/v4 talks to it exactly as to
// https://api.linode.com/v4:
//
//   GET    /v4/domains                          paginated
//   GET    /v4/domains/{domainId}
//   GET    /v4/domains/{domainId}/records       paginated
//   POST   /v4/domains/{domainId}/records
//   GET    /v4/domains/{domainId}/records/{recordId}
//   PUT    /v4/domains/{domainId}/records/{recordId}
//   DELETE /v4/domains/{domainId}/records/{recordId}
//
// It enforces what the real API documents: the bearer token (the scaffold),
// {"errors": [{"field", "reason"}]} replies, record validation (type, name,
// an IPv4 literal for A and an IPv6 literal for AAAA), ttl_sec rounded up to
// Linode's list of values, 404 for unknown ids, page/page_size pagination
// (default 100, 25..500), X-RateLimit-* headers on every reply and a 429 with
// Retry-After once the window's requests are spent, increasing record ids.
//
// State (GET/POST /state on the control port):
//   {"domains": [{"id": 1, "domain": "example.com", "type": "master",
//                 "soa_email": "...", "status": "active",
//                 "records": [{"id": 10, "type": "A", "name": "www",
//                              "target": "192.0.2.1", "ttl_sec": 30}]}],
//    "rate_limit": {"limit": 800, "window_seconds": 60}}

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <chrono>
#include <ctime>
#include <set>

#include "fakes/fake_api.h"

namespace drpilot::fakes {
namespace {

using nlohmann::json;
using Clock = std::chrono::system_clock;

constexpr std::array<int, 14> kTtls = {30,    120,   300,    3600,   7200,   14400,   28800,
                                       57600, 86400, 172800, 345600, 604800, 1209600, 2419200};
const std::set<std::string> kTypes = {"A", "AAAA", "CAA", "CNAME", "MX", "NS", "PTR", "SRV", "TXT"};

// As Linode does: 0 stays 0 (the domain's default); anything else goes up to
// the next value of the list, and above the list to its largest value.
int round_ttl(std::int64_t ttl) {
  if (ttl == 0) return 0;
  for (int v : kTtls) {
    if (ttl <= v) return v;
  }
  return kTtls.back();
}

std::string now_text() {
  const std::time_t t = Clock::to_time_t(Clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return buf;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Linode's error body: {"errors": [{"reason": ...}, {"field": ..., "reason": ...}]}.
struct Errors {
  json list = json::array();
  void add(const std::string& field, const std::string& reason) {
    json e = {{"reason", reason}};
    if (!field.empty()) e["field"] = field;
    list.push_back(std::move(e));
  }
  bool empty() const { return list.empty(); }
};

net::ServerResponse error_reply(int status, const std::string& reason,
                                const std::string& field = {}) {
  Errors e;
  e.add(field, reason);
  return json_reply(status, {{"errors", e.list}});
}

net::ServerResponse not_found() {
  return error_reply(404, "Not found");
}

// A positive decimal id from a path segment.
std::optional<std::int64_t> parse_id(const std::string& s) {
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size() || v <= 0) return std::nullopt;
  return v;
}

// A hostname label as Linode accepts it: letters, digits, hyphens and
// underscores, 1..63 characters, no hyphen at either end; "*" leftmost.
bool valid_relative_name(const std::string& name) {
  if (name.empty()) return true;  // the apex
  std::size_t start = 0;
  bool first = true;
  while (start <= name.size()) {
    std::size_t dot = name.find('.', start);
    if (dot == std::string::npos) dot = name.size();
    const std::string label = name.substr(start, dot - start);
    if (!(first && label == "*")) {
      if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
        return false;
      }
      for (char c : label) {
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
      }
    }
    first = false;
    start = dot + 1;
  }
  return true;
}

struct Record {
  std::int64_t id = 0;
  std::string type;
  std::string name;
  std::string target;
  int ttl_sec = 0;
  int priority = 0;
  int weight = 0;
  int port = 0;
  json service = nullptr;
  json protocol = nullptr;
  json tag = nullptr;
  std::string created;
  std::string updated;

  json to_json() const {
    return {{"id", id},           {"type", type},         {"name", name},     {"target", target},
            {"ttl_sec", ttl_sec}, {"priority", priority}, {"weight", weight}, {"port", port},
            {"service", service}, {"protocol", protocol}, {"tag", tag},       {"created", created},
            {"updated", updated}};
  }
};

struct Domain {
  std::int64_t id = 0;
  std::string domain;
  std::string type = "master";
  std::string soa_email;
  std::string status = "active";
  std::string created;
  std::vector<Record> records;

  json to_json() const {
    return {{"id", id},
            {"domain", domain},
            {"type", type},
            {"soa_email", soa_email},
            {"status", status},
            {"description", ""},
            {"group", ""},
            {"tags", json::array()},
            {"ttl_sec", 0},
            {"refresh_sec", 0},
            {"retry_sec", 0},
            {"expire_sec", 0},
            {"master_ips", json::array()},
            {"axfr_ips", json::array()},
            {"created", created},
            {"updated", created}};
  }
};

class LinodeFake final : public FakeService {
 public:
  net::ServerResponse handle(const net::ServerRequest& req) override {
    if (auto limited = count_request()) return *limited;
    std::vector<std::string> seg;
    for (std::size_t start = 1; start <= req.path.size();) {
      std::size_t slash = req.path.find('/', start);
      if (slash == std::string::npos) slash = req.path.size();
      seg.push_back(req.path.substr(start, slash - start));
      start = slash + 1;
    }
    if (!seg.empty() && seg.back().empty()) seg.pop_back();  // "/v4/domains/"
    if (seg.size() < 2 || seg[0] != "v4" || seg[1] != "domains") return not_found();
    const std::string& m = req.method;
    if (seg.size() == 2) {
      if (m != "GET") return method_not_allowed();
      json items = json::array();
      for (const Domain& d : domains_) items.push_back(d.to_json());
      return page(req, items);
    }
    auto domain_id = parse_id(seg[2]);
    Domain* d = domain_id ? find_domain(*domain_id) : nullptr;
    if (!d) return not_found();
    if (seg.size() == 3) {
      if (m != "GET") return method_not_allowed();
      return json_reply(200, d->to_json());
    }
    if (seg[3] != "records" || seg.size() > 5) return not_found();
    if (seg.size() == 4) {
      if (m == "GET") {
        json items = json::array();
        for (const Record& r : d->records) items.push_back(r.to_json());
        return page(req, items);
      }
      if (m == "POST") return create(req, *d);
      return method_not_allowed();
    }
    auto record_id = parse_id(seg[4]);
    auto it = std::find_if(d->records.begin(), d->records.end(),
                           [&](const Record& r) { return record_id && r.id == *record_id; });
    if (it == d->records.end()) return not_found();
    if (m == "GET") return json_reply(200, it->to_json());
    if (m == "PUT") return update(req, *d, *it);
    if (m == "DELETE") {
      d->records.erase(it);
      return json_reply(200, json::object());
    }
    return method_not_allowed();
  }

  json error_body(int, const std::string& message) const override {
    return {{"errors", json::array({{{"reason", message}}})}};
  }

  std::vector<std::pair<std::string, std::string>> common_headers() const override {
    const auto now = Clock::now();
    const auto end = window_started_ ? window_end_ : now + std::chrono::seconds(window_seconds_);
    const auto reset = std::chrono::ceil<std::chrono::seconds>(end.time_since_epoch()).count();
    const int used = window_started_ && now < window_end_ ? used_ : 0;
    return {{"X-RateLimit-Limit", std::to_string(limit_)},
            {"X-RateLimit-Remaining", std::to_string(std::max(0, limit_ - used))},
            {"X-RateLimit-Reset", std::to_string(reset)}};
  }

  json state() const override {
    json list = json::array();
    for (const Domain& d : domains_) {
      json j = d.to_json();
      j["records"] = json::array();
      for (const Record& r : d.records) j["records"].push_back(r.to_json());
      list.push_back(std::move(j));
    }
    return {{"domains", list},
            {"rate_limit", {{"limit", limit_}, {"window_seconds", window_seconds_}}}};
  }

  std::string set_state(const json& s) override {
    if (!s.is_object() || !s.contains("domains") || !s["domains"].is_array()) {
      return "state must be an object with a \"domains\" array";
    }
    std::vector<Domain> domains;
    std::set<std::int64_t> domain_ids, record_ids;
    std::int64_t max_record = 0;
    try {
      for (const json& dj : s["domains"]) {
        Domain d;
        d.id = dj.at("id").get<std::int64_t>();
        d.domain = lower(dj.at("domain").get<std::string>());
        d.type = dj.value("type", "master");
        d.soa_email = dj.value("soa_email", "");
        d.status = dj.value("status", "active");
        d.created = now_text();
        if (d.id <= 0 || !domain_ids.insert(d.id).second) {
          return "domain ids must be positive and unique";
        }
        if (d.type != "master" && d.type != "slave") return "domain type must be master or slave";
        for (const json& rj : dj.value("records", json::array())) {
          Record r;
          r.id = rj.at("id").get<std::int64_t>();
          r.type = rj.at("type").get<std::string>();
          r.name = lower(rj.value("name", ""));
          r.target = rj.value("target", "");
          r.ttl_sec = rj.value("ttl_sec", 0);
          r.priority = rj.value("priority", 0);
          r.weight = rj.value("weight", 0);
          r.port = rj.value("port", 0);
          r.created = r.updated = now_text();
          if (r.id <= 0 || !record_ids.insert(r.id).second) {
            return "record ids must be positive and unique";
          }
          if (!kTypes.count(r.type)) return "unknown record type " + r.type;
          max_record = std::max(max_record, r.id);
          d.records.push_back(std::move(r));
        }
        domains.push_back(std::move(d));
      }
      if (s.contains("rate_limit")) {
        const json& rl = s["rate_limit"];
        const int limit = rl.value("limit", 800);
        const int window = rl.value("window_seconds", 60);
        if (limit < 1 || window < 1) return "rate_limit needs limit >= 1 and window_seconds >= 1";
        limit_ = limit;
        window_seconds_ = window;
      }
    } catch (const json::exception& e) {
      return std::string("bad state: ") + e.what();
    }
    domains_ = std::move(domains);
    next_record_id_ = std::max(next_record_id_, max_record + 1);
    window_started_ = false;
    used_ = 0;
    return {};
  }

 private:
  static net::ServerResponse method_not_allowed() { return error_reply(405, "Method Not Allowed"); }

  Domain* find_domain(std::int64_t id) {
    for (Domain& d : domains_) {
      if (d.id == id) return &d;
    }
    return nullptr;
  }

  // Linode counts requests per token in a window; past the limit it answers
  // 429 with Retry-After until the window resets.
  std::optional<net::ServerResponse> count_request() {
    const auto now = Clock::now();
    if (!window_started_ || now >= window_end_) {
      window_started_ = true;
      window_end_ = now + std::chrono::seconds(window_seconds_);
      used_ = 0;
    }
    if (used_ >= limit_) {
      net::ServerResponse r = error_reply(429, "Too Many Requests");
      const auto left = std::chrono::ceil<std::chrono::seconds>(window_end_ - now).count();
      r.headers.push_back({"Retry-After", std::to_string(std::max<std::int64_t>(1, left))});
      return r;
    }
    ++used_;
    return std::nullopt;
  }

  // {data, page, pages, results}, with Linode's page and page_size rules.
  static net::ServerResponse page(const net::ServerRequest& req, const json& items) {
    std::int64_t page = 1, size = 100;
    if (auto it = req.query.find("page"); it != req.query.end()) {
      auto v = parse_id(it->second);
      if (!v) return error_reply(400, "Must be a positive integer", "page");
      page = *v;
    }
    if (auto it = req.query.find("page_size"); it != req.query.end()) {
      auto v = parse_id(it->second);
      if (!v || *v < 25 || *v > 500) return error_reply(400, "Must be 25-500", "page_size");
      size = *v;
    }
    const auto total = static_cast<std::int64_t>(items.size());
    const std::int64_t pages = std::max<std::int64_t>(1, (total + size - 1) / size);
    json data = json::array();
    if (page <= pages) {
      const std::int64_t first = (page - 1) * size;
      for (std::int64_t i = first; i < std::min(total, first + size); ++i) data.push_back(items[i]);
    }
    return json_reply(200, {{"data", data}, {"page", page}, {"pages", pages}, {"results", total}});
  }

  // The name as stored: relative to the domain, lower case; an FQDN inside
  // the domain is made relative, as Linode does.
  static std::string relative(const Domain& d, std::string name) {
    name = lower(std::move(name));
    if (!name.empty() && name.back() == '.') name.pop_back();
    if (name == d.domain) return "";
    const std::string suffix = "." + d.domain;
    if (name.size() > suffix.size() && name.ends_with(suffix)) {
      return name.substr(0, name.size() - suffix.size());
    }
    return name;
  }

  // Checks and applies the writable fields of `body` to `r` (whose type is
  // set); every problem is reported, as Linode does, in one 400.
  static void apply_fields(const json& body, const Domain& d, Record& r, bool creating,
                           const std::string& remote, Errors& errors) {
    if (auto it = body.find("name"); it != body.end()) {
      if (!it->is_string()) {
        errors.add("name", "name must be a string");
      } else if (it->get<std::string>().size() > 100) {
        errors.add("name", "Length must be 1-100 characters");
      } else {
        std::string n = relative(d, it->get<std::string>());
        if (!valid_relative_name(n)) {
          errors.add("name", "Invalid hostname");
        } else {
          r.name = n;
        }
      }
    } else if (creating) {
      r.name = "";  // A and AAAA without a name are the apex
    }
    if (auto it = body.find("target"); it != body.end()) {
      if (!it->is_string()) {
        errors.add("target", "target must be a string");
      } else {
        std::string t = it->get<std::string>();
        if (t == "[remote_addr]" && r.type == "A") t = remote;
        if (r.type == "A" || r.type == "AAAA") {
          unsigned char buf[16];
          const int af = r.type == "A" ? AF_INET : AF_INET6;
          if (inet_pton(af, t.c_str(), buf) != 1) {
            errors.add("target", r.type == "A" ? "Must be a valid IPv4 address"
                                               : "Must be a valid IPv6 address");
          } else {
            char text[INET6_ADDRSTRLEN];
            inet_ntop(af, buf, text, sizeof text);
            r.target = text;  // stored in canonical form
          }
        } else if (t.empty() || t.size() > 65535) {
          errors.add("target", "Length must be 1-65535 characters");
        } else {
          r.target = t;
        }
      }
    } else if (creating) {
      errors.add("target", "target is required");
    }
    if (auto it = body.find("ttl_sec"); it != body.end()) {
      if (!it->is_number_integer() || it->get<std::int64_t>() < 0) {
        errors.add("ttl_sec", "ttl_sec must be a non-negative integer");
      } else {
        r.ttl_sec = round_ttl(it->get<std::int64_t>());
      }
    }
    for (auto [field, max] : {std::pair{"priority", 255}, {"weight", 65535}, {"port", 65535}}) {
      auto it = body.find(field);
      if (it == body.end()) continue;
      if (!it->is_number_integer() || it->get<std::int64_t>() < 0 ||
          it->get<std::int64_t>() > max) {
        errors.add(field, std::string("Must be an integer 0-") + std::to_string(max));
      } else if (r.type == "MX" || r.type == "SRV") {
        int& slot = std::string(field) == "priority" ? r.priority
                    : std::string(field) == "weight" ? r.weight
                                                     : r.port;
        slot = static_cast<int>(it->get<std::int64_t>());
      }
    }
  }

  net::ServerResponse create(const net::ServerRequest& req, Domain& d) {
    json body = json::parse(req.body, nullptr, false);
    if (body.is_discarded() || !body.is_object()) return error_reply(400, "Invalid JSON");
    if (d.type == "slave") {
      return error_reply(400, "Records cannot be created on a slave domain");
    }
    Errors errors;
    Record r;
    auto type = body.find("type");
    if (type == body.end()) {
      errors.add("type", "type is required");
    } else if (!type->is_string() || !kTypes.count(type->get<std::string>())) {
      errors.add("type", "type must be one of A, AAAA, CAA, CNAME, MX, NS, PTR, SRV, TXT");
    } else {
      r.type = type->get<std::string>();
      apply_fields(body, d, r, true, req.remote, errors);
    }
    if (!errors.empty()) return json_reply(400, {{"errors", errors.list}});
    r.id = next_record_id_++;
    r.created = r.updated = now_text();
    d.records.push_back(r);
    return json_reply(200, r.to_json());
  }

  net::ServerResponse update(const net::ServerRequest& req, const Domain& d, Record& r) {
    json body = json::parse(req.body, nullptr, false);
    if (body.is_discarded() || !body.is_object()) return error_reply(400, "Invalid JSON");
    if (d.type == "slave") {
      return error_reply(400, "Records cannot be changed on a slave domain");
    }
    // The type of a record cannot change; the field is not part of an update.
    Record next = r;
    Errors errors;
    apply_fields(body, d, next, false, req.remote, errors);
    if (!errors.empty()) return json_reply(400, {{"errors", errors.list}});
    next.updated = now_text();
    r = next;
    return json_reply(200, r.to_json());
  }

  std::vector<Domain> domains_;
  std::int64_t next_record_id_ = 1;
  int limit_ = 800;
  int window_seconds_ = 60;
  bool window_started_ = false;
  Clock::time_point window_end_{};
  int used_ = 0;
};

}  // namespace
}  // namespace drpilot::fakes

int main(int argc, char** argv) {
  drpilot::fakes::LinodeFake service;
  return drpilot::fakes::run_fake(argc, argv, service);
}
