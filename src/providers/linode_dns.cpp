#include "providers/linode_dns.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <limits>
#include <map>
#include <optional>
#include <stdexcept>
#include <utility>

#include "providers/api_client.h"

namespace drpilot::providers {
namespace {

using core::RecordType;
using nlohmann::json;

// Linode's documented ttl_sec values (0, "the domain's default", left out on
// purpose; see linode_ttl()).
constexpr std::array<int, 14> kTtls = {30,    120,   300,    3600,   7200,   14400,   28800,
                                       57600, 86400, 172800, 345600, 604800, 1209600, 2419200};
// Linode's largest page: the fewest requests for a big zone.
constexpr int kPageSize = 500;
// 50,000 items. Linode allows 12,000 records per domain; a reply claiming more
// pages than this is broken, and following it would never end.
constexpr int kMaxPages = 100;

Failure permanent(std::string reason) {
  Failure f = fail(std::move(reason));
  f.permanent = true;
  return f;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string zone_name(std::string s) {
  s = lower(std::move(s));
  while (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

std::string type_name(RecordType t) {
  return std::string(core::to_string(t));
}

// An address as its bytes, so that equal addresses compare equal however they
// are written ("2001:DB8::1", "2001:db8:0::1"); nothing when it is not one.
std::optional<std::string> address_bytes(RecordType type, const std::string& text) {
  unsigned char buf[16];
  const bool v4 = type == RecordType::A;
  if (inet_pton(v4 ? AF_INET : AF_INET6, text.c_str(), buf) != 1) return std::nullopt;
  return std::string(reinterpret_cast<const char*>(buf), v4 ? 4 : 16);
}

bool same_address(RecordType type, const std::string& a, const std::string& b) {
  auto x = address_bytes(type, a);
  return x && x == address_bytes(type, b);
}

// {"errors": [{"field": "ttl_sec", "reason": "..."}]} as "ttl_sec: ...; ...".
std::string linode_error_text(int, const json& body) {
  if (!body.is_object()) return {};
  auto errors = body.find("errors");
  if (errors == body.end() || !errors->is_array()) return {};
  std::string out;
  int shown = 0;
  for (const json& e : *errors) {
    if (!e.is_object() || ++shown > 5) continue;
    std::string one;
    if (auto f = e.find("field"); f != e.end() && f->is_string())
      one = f->get<std::string>() + ": ";
    if (auto r = e.find("reason"); r != e.end() && r->is_string()) one += r->get<std::string>();
    if (one.empty()) continue;
    out += (out.empty() ? "" : "; ") + one;
  }
  return snippet(out, 300);
}

struct LinodeRecord {
  std::int64_t id = 0;
  std::string type;  // as Linode names it: "A", "AAAA", "MX", ...
  std::string name;  // relative to the domain, lower case; "" is the apex
  std::string target;
  int ttl = 0;
};

std::optional<std::int64_t> positive_id(const json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_number_integer()) return std::nullopt;
  if (it->is_number_unsigned()) {
    const auto u = it->get<std::uint64_t>();
    if (u == 0 || u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      return std::nullopt;
    }
    return static_cast<std::int64_t>(u);
  }
  const auto v = it->get<std::int64_t>();
  if (v <= 0) return std::nullopt;
  return v;
}

const std::string* string_field(const json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_string()) return nullptr;
  return it->get_ptr<const std::string*>();
}

// A record as Linode returns it, checked field by field: a reply of another
// shape must never pass for "this record is in sync".
std::optional<LinodeRecord> parse_record(const json& j, std::string& why) {
  if (!j.is_object()) {
    why = "a record is not a JSON object";
    return std::nullopt;
  }
  LinodeRecord r;
  auto id = positive_id(j, "id");
  if (!id) {
    why = "a record has no numeric id";
    return std::nullopt;
  }
  r.id = *id;
  const std::string* type = string_field(j, "type");
  const std::string* name = string_field(j, "name");
  const std::string* target = string_field(j, "target");
  if (!type || !name || !target) {
    why = "record " + std::to_string(r.id) + " lacks a string type, name or target";
    return std::nullopt;
  }
  auto ttl = j.find("ttl_sec");
  if (ttl == j.end() || !ttl->is_number_integer() || ttl->get<std::int64_t>() < 0 ||
      ttl->get<std::int64_t>() > std::numeric_limits<int>::max()) {
    why = "record " + std::to_string(r.id) + " has no numeric ttl_sec";
    return std::nullopt;
  }
  r.type = *type;
  for (char& c : r.type) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  r.name = lower(*name);
  r.target = *target;
  r.ttl = static_cast<int>(ttl->get<std::int64_t>());
  return r;
}

struct Domain {
  std::int64_t id = 0;
  std::string name;  // lower case, no trailing dot
  std::string type;  // "master" or "slave"
};

std::optional<Domain> parse_domain(const json& j) {
  if (!j.is_object()) return std::nullopt;
  auto id = positive_id(j, "id");
  const std::string* name = string_field(j, "domain");
  if (!id || !name) return std::nullopt;
  Domain d;
  d.id = *id;
  d.name = zone_name(*name);
  if (const std::string* type = string_field(j, "type")) d.type = *type;
  return d;
}

// One name and type this provider publishes, and how it should look.
struct Wanted {
  std::string fqdn;      // for messages
  std::string relative;  // Linode's name for it
  RecordType type = RecordType::A;
  std::vector<std::string> addresses;  // without repeats, in answer order
  int ttl = 0;                         // already a Linode value
  std::int64_t record_id = 0;          // pinned by the configuration; 0: found by name
};

// One change, as apply() makes it.
struct Op {
  enum class Kind { update, create, remove };
  Kind kind = Kind::update;
  std::int64_t record_id = 0;
  std::string fqdn;
  std::string relative;
  RecordType type = RecordType::A;
  std::string target;
  int ttl = 0;
  bool pinned = false;
};

// Changes::detail of this provider.
struct Detail {
  std::int64_t domain_id = 0;
  std::string domain;
  std::vector<Op> ops;
};

std::string describe(const Op& op, const LinodeRecord* old) {
  const std::string what = op.fqdn + " " + type_name(op.type);
  const std::string rec = " (Linode record " + std::to_string(op.record_id) + ")";
  switch (op.kind) {
    case Op::Kind::create:
      return "create " + what + ": " + op.target + ", ttl " + std::to_string(op.ttl);
    case Op::Kind::remove:
      return "delete " + what + rec + ": " + (old ? old->target : std::string("?"));
    case Op::Kind::update:
      break;
  }
  std::string line = "update " + what + rec + ": ";
  const bool target_changes = !old || !same_address(op.type, old->target, op.target);
  if (target_changes) {
    line += (old ? old->target : std::string("?")) + " -> " + op.target;
  } else {
    line += op.target;
  }
  if (old && old->ttl != op.ttl) {
    line += ", ttl " + std::to_string(old->ttl) + " -> " + std::to_string(op.ttl);
  } else {
    line += ", ttl " + std::to_string(op.ttl);
  }
  return line;
}

class LinodeDns final : public Provider {
 public:
  LinodeDns(const config::ProviderConfig& cfg, std::string token) : Provider(cfg.name), cfg_(cfg) {
    cfg_.domain = zone_name(cfg_.domain);
    ApiOptions o;
    o.base_url = cfg.endpoint.empty() ? kLinodeEndpoint : cfg.endpoint;
    o.token = std::move(token);
    o.timeout = cfg.timeout;
    o.connect_timeout = std::min(o.connect_timeout, cfg.timeout);
    o.tls_verify = cfg.tls_verify;
    base_url_ = o.base_url;
    try {
      api_.emplace(std::move(o), linode_error_text);
    } catch (const std::invalid_argument& e) {
      bad_endpoint_ = e.what();
    }
  }

  std::string_view kind() const override { return "linode_dns"; }

  // From the configuration only: status may ask while a diff is running.
  std::string where() const override {
    std::string w = base_url_ + " domain ";
    if (cfg_.domain.empty()) return w + "id " + std::to_string(cfg_.domain_id);
    return w + cfg_.domain;
  }

  std::variant<Changes, Failure> diff(const Target& target) override { return diff_inner(target); }

  std::optional<Failure> apply(const Target&, const Changes& changes) override {
    return apply_inner(changes);
  }

  // Ends the client's wait for a rate limit's reset when the controller stops.
  void set_stop_flag(const std::atomic<bool>* stop) override {
    if (api_) api_->set_stop_flag(stop);
  }

 private:
  std::variant<ApiReply, Failure> call(std::string_view method, const std::string& path,
                                       const json* body = nullptr) {
    auto r = api_->call(method, path, body);
    if (auto* f = std::get_if<Failure>(&r)) {
      // A request Linode refuses as invalid fails the same way every time.
      if (f->http_status == 400 || f->http_status == 422) f->permanent = true;
    }
    return r;
  }

  static bool is_404(const Failure& f) { return f.http_status == 404; }

  // Every item of a paginated collection ({data, page, pages, results}).
  std::variant<std::vector<json>, Failure> list_all(const std::string& path) {
    std::vector<json> items;
    int pages = 1;
    for (int page = 1; page <= pages; ++page) {
      if (page > kMaxPages) {
        return fail("GET " + path + ": more than " + std::to_string(kMaxPages) +
                    " pages; refusing to follow");
      }
      const std::string url =
          path + "?page=" + std::to_string(page) + "&page_size=" + std::to_string(kPageSize);
      auto r = call("GET", url);
      if (auto* f = std::get_if<Failure>(&r)) return std::move(*f);
      const json& body = std::get<ApiReply>(r).body;
      const json* data = nullptr;
      if (body.is_object()) {
        if (auto it = body.find("data"); it != body.end() && it->is_array()) data = &*it;
      }
      auto pages_it = body.is_object() ? body.find("pages") : body.end();
      if (!data || pages_it == body.end() || !pages_it->is_number_integer() ||
          pages_it->get<std::int64_t>() < 0) {
        return fail("GET " + url +
                    ": reply is not a Linode page {data, page, pages}: " + snippet(body.dump()));
      }
      for (const json& item : *data) items.push_back(item);
      pages =
          static_cast<int>(std::min<std::int64_t>(pages_it->get<std::int64_t>(), kMaxPages + 1));
    }
    return items;
  }

  // The domain, found once and remembered.
  std::optional<Failure> resolve_domain() {
    if (domain_) return std::nullopt;
    if (cfg_.domain_id != 0) {
      const std::string path = "/domains/" + std::to_string(cfg_.domain_id);
      auto r = call("GET", path);
      if (auto* f = std::get_if<Failure>(&r)) {
        if (is_404(*f)) {
          return permanent("Linode domain id " + std::to_string(cfg_.domain_id) +
                           " does not exist for this token; fix domain_id, or remove it and set "
                           "domain to find the domain by name");
        }
        return std::move(*f);
      }
      auto d = parse_domain(std::get<ApiReply>(r).body);
      if (!d || d->id != cfg_.domain_id) {
        return fail("GET " + path + ": reply is not the Linode domain asked for: " +
                    snippet(std::get<ApiReply>(r).body.dump()));
      }
      if (!cfg_.domain.empty() && d->name != cfg_.domain) {
        return permanent("Linode domain id " + std::to_string(d->id) + " is " + d->name +
                         ", but the configuration says domain " + cfg_.domain +
                         "; fix one of them");
      }
      return accept_domain(std::move(*d));
    }
    if (cfg_.domain.empty()) return permanent("neither domain nor domain_id is configured");
    auto r = list_all("/domains");
    if (auto* f = std::get_if<Failure>(&r)) return std::move(*f);
    const auto& items = std::get<std::vector<json>>(r);
    for (const json& item : items) {
      auto d = parse_domain(item);
      if (!d) return fail("GET /domains: a domain in the reply has no numeric id or name");
      if (d->name == cfg_.domain) return accept_domain(std::move(*d));
    }
    return permanent("no Linode domain named " + cfg_.domain + " among the " +
                     std::to_string(items.size()) +
                     " domains this token sees; create it in Linode's DNS Manager, or set "
                     "domain_id");
  }

  std::optional<Failure> accept_domain(Domain d) {
    if (d.type == "slave") {
      return permanent("Linode domain " + d.name + " (" + std::to_string(d.id) +
                       ") is a secondary (slave) zone; its records can only be changed at its "
                       "primary");
    }
    domain_ = std::move(d);
    return std::nullopt;
  }

  // "www.example.com" -> "www", "example.com" -> ""; nothing when outside.
  std::optional<std::string> relative_name(const std::string& fqdn) const {
    const std::string& zone = domain_->name;
    if (fqdn == zone) return std::string();
    if (fqdn.size() > zone.size() + 1 && fqdn.ends_with(zone) &&
        fqdn[fqdn.size() - zone.size() - 1] == '.') {
      return fqdn.substr(0, fqdn.size() - zone.size() - 1);
    }
    return std::nullopt;
  }

  std::variant<Wanted, Failure> wanted(const RecordTarget& rt, std::int64_t record_id) const {
    Wanted w;
    w.fqdn = rt.name;
    w.type = rt.type;
    w.record_id = record_id;
    w.ttl = linode_ttl(rt.ttl);
    auto rel = relative_name(rt.name);
    if (!rel) {
      return permanent(rt.name + " is not inside the Linode domain " + domain_->name +
                       "; publish it with a provider for its own zone");
    }
    w.relative = *rel;
    for (const std::string& a : rt.addresses) {
      if (!address_bytes(rt.type, a)) {
        return permanent("the plan's address '" + a + "' for " + rt.name + " " +
                         type_name(rt.type) + " is not an IPv" +
                         (rt.type == RecordType::A ? "4" : "6") + " address");
      }
      bool seen = false;
      for (const std::string& b : w.addresses) seen = seen || same_address(rt.type, a, b);
      if (!seen) w.addresses.push_back(a);
    }
    if (w.addresses.empty()) {
      return permanent("the plan gives " + rt.name + " " + type_name(rt.type) +
                       " no addresses; refusing to delete every Linode record of it");
    }
    if (record_id != 0 && w.addresses.size() > 1) {
      return permanent(rt.name + " " + type_name(rt.type) + " has " +
                       std::to_string(w.addresses.size()) + " addresses, but record_id " +
                       std::to_string(record_id) +
                       " pins one Linode record, which holds one address; remove record_id so "
                       "that one record per address is managed by name");
    }
    return w;
  }

  // A pinned record, read by its id.
  std::variant<LinodeRecord, Failure> read_pinned(std::int64_t record_id) {
    const std::string path =
        "/domains/" + std::to_string(domain_->id) + "/records/" + std::to_string(record_id);
    auto r = call("GET", path);
    if (auto* f = std::get_if<Failure>(&r)) {
      if (is_404(*f)) return missing_pinned(record_id);
      return std::move(*f);
    }
    std::string why;
    auto rec = parse_record(std::get<ApiReply>(r).body, why);
    if (!rec || rec->id != record_id) {
      return fail("GET " + path + ": reply is not the record asked for" +
                  (why.empty() ? "" : " (" + why + ")"));
    }
    return *rec;
  }

  Failure missing_pinned(std::int64_t record_id) const {
    const std::string d = std::to_string(domain_->id);
    return permanent("Linode record " + std::to_string(record_id) + " does not exist in domain " +
                     domain_->name + " (" + d +
                     "); remove record_id to find the record by name, or use an id listed by "
                     "GET /domains/" +
                     d + "/records");
  }

  // Which names and types to publish, from the configuration and the plan.
  std::variant<std::vector<Wanted>, Failure> select(const Target& target,
                                                    std::map<std::int64_t, LinodeRecord>& pinned) {
    std::vector<Wanted> out;
    auto add = [&](const RecordTarget& rt, std::int64_t record_id) -> std::optional<Failure> {
      auto w = wanted(rt, record_id);
      if (auto* f = std::get_if<Failure>(&w)) return std::move(*f);
      Wanted& nw = std::get<Wanted>(w);
      for (const Wanted& o : out) {
        if (o.relative != nw.relative || o.type != nw.type) continue;
        if (o.record_id == 0 && nw.record_id == 0) return std::nullopt;  // listed twice: once
        return permanent(nw.fqdn + " " + type_name(nw.type) +
                         " is configured twice for this provider (once with a record_id); keep "
                         "one entry");
      }
      out.push_back(std::move(nw));
      return std::nullopt;
    };
    if (cfg_.records.empty()) {
      for (const RecordTarget& rt : target.records) {
        if (!relative_name(rt.name)) continue;
        if (auto f = add(rt, 0)) return std::move(*f);
      }
      return out;
    }
    for (const config::ProviderRecord& pr : cfg_.records) {
      const std::string name = zone_name(pr.name);
      std::optional<RecordType> type = pr.type;
      if (pr.record_id != 0) {
        // The pinned record decides the type when the configuration does not.
        auto got = read_pinned(pr.record_id);
        if (auto* f = std::get_if<Failure>(&got)) return std::move(*f);
        LinodeRecord& rec = std::get<LinodeRecord>(got);
        const std::string expect = type ? type_name(*type) : rec.type;
        if (rec.type != "A" && rec.type != "AAAA") {
          return permanent("Linode record " + std::to_string(rec.id) + " in domain " +
                           domain_->name + " is a " + rec.type +
                           " record; record_id must name an A or AAAA record");
        }
        if (rec.type != expect) {
          return permanent("Linode record " + std::to_string(rec.id) + " in domain " +
                           domain_->name + " is a " + rec.type + " record, not " + expect +
                           "; fix record_id or type");
        }
        type = rec.type == "A" ? RecordType::A : RecordType::AAAA;
        auto rel = relative_name(name);
        if (rel && rec.name != *rel) {
          return permanent("Linode record " + std::to_string(rec.id) + " in domain " +
                           domain_->name + " is named '" + rec.name + "', not '" + *rel +
                           "'; fix record_id, or remove it to find the record by name");
        }
        pinned[rec.id] = rec;
      }
      bool found = false;
      for (const RecordTarget& rt : target.records) {
        if (rt.name != name || (type && rt.type != *type)) continue;
        found = true;
        if (auto f = add(rt, pr.record_id)) return std::move(*f);
      }
      if (!found) {
        return permanent(name + (type ? " " + type_name(*type) : std::string()) +
                         " is configured for this provider but is not a record of the plan");
      }
    }
    return out;
  }

  std::variant<std::vector<LinodeRecord>, Failure> list_records() {
    const std::string path = "/domains/" + std::to_string(domain_->id) + "/records";
    auto r = list_all(path);
    if (auto* f = std::get_if<Failure>(&r)) {
      if (is_404(*f)) {
        // Deleted (or re-created under another id) since it was resolved.
        const bool by_id = cfg_.domain_id != 0;
        const std::string what = domain_->name + " (" + std::to_string(domain_->id) + ")";
        domain_.reset();
        if (by_id) {
          return permanent("Linode domain " + what + " no longer exists; fix domain_id");
        }
        return fail("Linode domain " + what + " no longer exists; it is looked up again");
      }
      return std::move(*f);
    }
    std::vector<LinodeRecord> out;
    for (const json& item : std::get<std::vector<json>>(r)) {
      std::string why;
      auto rec = parse_record(item, why);
      if (!rec) return fail("GET " + path + ": " + why);
      out.push_back(std::move(*rec));
    }
    return out;
  }

  std::variant<Changes, Failure> diff_inner(const Target& target) {
    if (!api_) return permanent("endpoint " + base_url_ + " is not usable: " + bad_endpoint_);
    if (auto f = resolve_domain()) return std::move(*f);
    std::map<std::int64_t, LinodeRecord> pinned;
    auto sel = select(target, pinned);
    if (auto* f = std::get_if<Failure>(&sel)) return std::move(*f);
    const auto& wants = std::get<std::vector<Wanted>>(sel);

    std::vector<LinodeRecord> existing;
    const bool by_name =
        std::any_of(wants.begin(), wants.end(), [](const Wanted& w) { return w.record_id == 0; });
    if (by_name) {
      auto listed = list_records();
      if (auto* f = std::get_if<Failure>(&listed)) return std::move(*f);
      existing = std::move(std::get<std::vector<LinodeRecord>>(listed));
      std::sort(existing.begin(), existing.end(),
                [](const LinodeRecord& a, const LinodeRecord& b) { return a.id < b.id; });
    }

    Detail detail;
    detail.domain_id = domain_->id;
    detail.domain = domain_->name;
    std::vector<std::pair<Op, std::optional<LinodeRecord>>> updates, creates, removes;
    for (const Wanted& w : wants) {
      if (w.record_id != 0) {
        const LinodeRecord& rec = pinned.at(w.record_id);
        const std::string& a = w.addresses.front();
        if (same_address(w.type, rec.target, a) && rec.ttl == w.ttl) continue;
        Op op{Op::Kind::update, rec.id, w.fqdn, w.relative, w.type, a, w.ttl, true};
        updates.emplace_back(std::move(op), rec);
        continue;
      }
      plan_group(w, existing, pinned, updates, creates, removes);
    }
    Changes changes;
    for (auto* list : {&updates, &creates, &removes}) {
      for (auto& [op, old] : *list) {
        changes.steps.push_back(describe(op, old ? &*old : nullptr));
        detail.ops.push_back(std::move(op));
      }
    }
    changes.detail = std::move(detail);
    return changes;
  }

  // The least change that makes the records of one name and type match `w`:
  // keep exact matches, then reuse records (same address first, so that only
  // the TTL changes), then create, and delete what is left over.
  static void plan_group(const Wanted& w, const std::vector<LinodeRecord>& existing,
                         const std::map<std::int64_t, LinodeRecord>& pinned,
                         std::vector<std::pair<Op, std::optional<LinodeRecord>>>& updates,
                         std::vector<std::pair<Op, std::optional<LinodeRecord>>>& creates,
                         std::vector<std::pair<Op, std::optional<LinodeRecord>>>& removes) {
    const std::string type = type_name(w.type);
    std::vector<const LinodeRecord*> pool;
    for (const LinodeRecord& r : existing) {
      // A record pinned by another entry belongs to that entry.
      if (r.type == type && r.name == w.relative && !pinned.count(r.id)) pool.push_back(&r);
    }
    std::vector<bool> used(pool.size(), false);
    std::vector<bool> done(w.addresses.size(), false);
    auto pass = [&](auto&& fits, bool change) {
      for (std::size_t i = 0; i < w.addresses.size(); ++i) {
        if (done[i]) continue;
        for (std::size_t j = 0; j < pool.size(); ++j) {
          if (used[j] || !fits(*pool[j], w.addresses[i])) continue;
          used[j] = done[i] = true;
          if (change) {
            Op op{Op::Kind::update, pool[j]->id,    w.fqdn, w.relative,
                  w.type,           w.addresses[i], w.ttl,  false};
            updates.emplace_back(std::move(op), *pool[j]);
          }
          break;
        }
      }
    };
    pass([&](const LinodeRecord& r,
             const std::string& a) { return same_address(w.type, r.target, a) && r.ttl == w.ttl; },
         false);
    pass([&](const LinodeRecord& r,
             const std::string& a) { return same_address(w.type, r.target, a); },
         true);
    pass([](const LinodeRecord&, const std::string&) { return true; }, true);
    for (std::size_t i = 0; i < w.addresses.size(); ++i) {
      if (done[i]) continue;
      Op op{Op::Kind::create, 0, w.fqdn, w.relative, w.type, w.addresses[i], w.ttl, false};
      creates.emplace_back(std::move(op), std::nullopt);
    }
    for (std::size_t j = 0; j < pool.size(); ++j) {
      if (used[j]) continue;
      Op op{Op::Kind::remove, pool[j]->id, w.fqdn, w.relative, w.type, "", 0, false};
      removes.emplace_back(std::move(op), *pool[j]);
    }
  }

  std::optional<Failure> apply_inner(const Changes& changes) {
    if (changes.empty()) return std::nullopt;
    const Detail* detail = std::any_cast<Detail>(&changes.detail);
    if (!detail) return fail("these changes were not listed by this Linode provider");
    if (!api_) return permanent("endpoint " + base_url_ + " is not usable: " + bad_endpoint_);
    const std::string base = "/domains/" + std::to_string(detail->domain_id) + "/records";
    std::size_t made = 0;
    for (const Op& op : detail->ops) {
      std::optional<Failure> f = apply_one(base, op);
      if (f) {
        if (made > 0) {
          f->reason += " (after " + std::to_string(made) + " of " +
                       std::to_string(detail->ops.size()) + " changes were made)";
        }
        return f;
      }
      ++made;
    }
    return std::nullopt;
  }

  std::optional<Failure> apply_one(const std::string& base, const Op& op) {
    std::string path = base;
    std::string method;
    json body;
    switch (op.kind) {
      case Op::Kind::update:
        method = "PUT";
        path += "/" + std::to_string(op.record_id);
        body = {{"target", op.target}, {"ttl_sec", op.ttl}};
        break;
      case Op::Kind::create:
        method = "POST";
        body = {{"type", type_name(op.type)},
                {"name", op.relative},
                {"target", op.target},
                {"ttl_sec", op.ttl}};
        break;
      case Op::Kind::remove:
        method = "DELETE";
        path += "/" + std::to_string(op.record_id);
        break;
    }
    auto r = call(method, path, op.kind == Op::Kind::remove ? nullptr : &body);
    if (auto* f = std::get_if<Failure>(&r)) {
      if (is_404(*f)) {
        if (op.kind == Op::Kind::remove) return std::nullopt;  // already gone: as wanted
        if (op.pinned && domain_) return missing_pinned(op.record_id);
        domain_.reset();  // the domain or the record vanished: look again next time
      }
      return std::move(*f);
    }
    if (op.kind == Op::Kind::remove) return std::nullopt;
    std::string why;
    auto rec = parse_record(std::get<ApiReply>(r).body, why);
    if (!rec || (op.kind == Op::Kind::update && rec->id != op.record_id)) {
      return fail(method + " " + path + ": reply is not the record written" +
                  (why.empty() ? "" : " (" + why + ")"));
    }
    return std::nullopt;
  }

  config::ProviderConfig cfg_;
  std::string base_url_;
  std::optional<ApiClient> api_;
  std::string bad_endpoint_;
  std::optional<Domain> domain_;
};

}  // namespace

int linode_ttl(int seconds) {
  for (int v : kTtls) {
    if (seconds <= v) return v;
  }
  return kTtls.back();
}

std::unique_ptr<Provider> make_linode_dns(const config::ProviderConfig& cfg, std::string token) {
  return std::make_unique<LinodeDns>(cfg, std::move(token));
}

}  // namespace drpilot::providers
