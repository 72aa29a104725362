#include "providers/digitalocean_dns.h"

#include <arpa/inet.h>

#include <algorithm>
#include <set>

#include "net/url_codec.h"
#include "providers/digitalocean_api.h"

namespace drpilot::providers {
namespace {

using nlohmann::json;
namespace dox = digitalocean;

// DigitalOcean serves at most 200 records per page.
constexpr int kPerPage = 200;
// 10,000 records of one name and type is far beyond any real zone; a server
// that keeps announcing a next page is not to be followed forever.
constexpr int kMaxPages = 50;
// DigitalOcean refuses records with a shorter TTL.
constexpr int kMinTtl = 30;

// One (name, type) this provider publishes, as the plan wants it.
struct Want {
  std::string fqdn;  // www.example.com
  std::string rel;   // the name DigitalOcean uses: "www", "@" for the apex
  core::RecordType type = core::RecordType::A;
  int ttl = kMinTtl;
  std::vector<std::string> addresses;  // answer order, no duplicates
};

// One DigitalOcean record of a wanted name and type, as listed.
struct Existing {
  std::int64_t id = 0;
  std::string data;
  std::int64_t ttl = 0;
};

// One change, in the form apply() carries out.
struct Op {
  enum class Kind { update, create, remove };
  Kind kind = Kind::create;
  std::int64_t id = 0;  // update, remove
  std::string type;     // "A", "AAAA"
  std::string rel;
  std::string fqdn;
  std::string data;
  int ttl = 0;
};

struct Plan {
  std::vector<Op> ops;
};

// The textual form inet_ntop gives, so that "2001:DB8:0::1" and "2001:db8::1"
// compare equal; nullopt when `text` is not an address of `type`.
std::optional<std::string> canonical(const std::string& text, core::RecordType type) {
  const int family = type == core::RecordType::A ? AF_INET : AF_INET6;
  unsigned char buf[16];
  if (inet_pton(family, text.c_str(), buf) != 1) return std::nullopt;
  char out[INET6_ADDRSTRLEN];
  if (inet_ntop(family, buf, out, sizeof out) == nullptr) return std::nullopt;
  return std::string(out);
}

std::string same_data(const std::string& text, core::RecordType type) {
  return canonical(text, type).value_or(text);
}

std::string join_ttl(std::int64_t from, int to) {
  if (from == to) return "ttl " + std::to_string(to);
  return "ttl " + std::to_string(from) + " -> " + std::to_string(to);
}

class DigitalOceanDns final : public Provider {
 public:
  DigitalOceanDns(const config::ProviderConfig& cfg, std::string token)
      : Provider(cfg.name),
        cfg_(cfg),
        domain_(dox::normalize_name(cfg.domain)),
        client_(cfg, std::move(token)) {}

  std::string_view kind() const override { return "digitalocean_dns"; }
  std::string where() const override { return client_.endpoint() + " domain " + domain_; }
  void set_stop_flag(const std::atomic<bool>* stop) override { client_.set_stop_flag(stop); }

  std::variant<Changes, Failure> diff(const Target& target) override {
    auto wants = wanted(target);
    if (auto* f = std::get_if<Failure>(&wants)) return *f;

    // Updates first, then creations, then deletions: a name keeps an answer
    // at every moment of an apply.
    std::vector<std::pair<Op, std::string>> updates, creates, removes;
    for (const Want& w : std::get<std::vector<Want>>(wants)) {
      auto listed = list(w);
      if (auto* f = std::get_if<Failure>(&listed)) return *f;
      compare(w, std::get<std::vector<Existing>>(listed), updates, creates, removes);
    }
    Changes changes;
    Plan plan;
    for (auto* group : {&updates, &creates, &removes}) {
      for (auto& [op, step] : *group) {
        plan.ops.push_back(std::move(op));
        changes.steps.push_back(std::move(step));
      }
    }
    changes.detail = std::move(plan);
    return changes;
  }

  std::optional<Failure> apply(const Target&, const Changes& changes) override {
    const Plan* plan = std::any_cast<Plan>(&changes.detail);
    if (plan == nullptr) {
      return fail("digitalocean_dns: asked to apply changes that its diff did not produce");
    }
    for (const Op& op : plan->ops) {
      if (auto f = carry_out(op)) return f;
    }
    return std::nullopt;
  }

 private:
  std::string records_path() const { return "/domains/" + net::url_encode(domain_) + "/records"; }

  bool inside(const std::string& name) const {
    return name == domain_ || (name.size() > domain_.size() && name.ends_with(domain_) &&
                               name[name.size() - domain_.size() - 1] == '.');
  }

  // The (name, type) pairs to publish and their answers, checked against
  // what DigitalOcean accepts so that a bad one fails before any request.
  std::variant<std::vector<Want>, Failure> wanted(const Target& target) const {
    if (domain_.empty()) return dox::permanent("no 'domain' is configured for this provider");
    std::vector<const RecordTarget*> picked;
    if (cfg_.records.empty()) {
      for (const RecordTarget& r : target.records) {
        if (inside(dox::normalize_name(r.name))) picked.push_back(&r);
      }
      if (picked.empty()) {
        return dox::permanent("no record of the plan is inside domain " + domain_ +
                              "; list the records to publish under 'records'");
      }
    } else {
      for (const config::ProviderRecord& pr : cfg_.records) {
        const std::string name = dox::normalize_name(pr.name);
        const std::size_t before = picked.size();
        for (const RecordTarget& r : target.records) {
          if (dox::normalize_name(r.name) == name && (!pr.type || *pr.type == r.type)) {
            picked.push_back(&r);
          }
        }
        if (picked.size() == before) {
          return dox::permanent("record " + name +
                                (pr.type ? " " + std::string(core::to_string(*pr.type)) : "") +
                                " is configured for this provider but the plan has no such record");
        }
      }
    }

    std::vector<Want> wants;
    std::set<std::pair<std::string, core::RecordType>> seen;
    for (const RecordTarget* r : picked) {
      Want w;
      w.fqdn = dox::normalize_name(r->name);
      w.type = r->type;
      w.ttl = r->ttl;
      const std::string what = w.fqdn + " " + std::string(core::to_string(w.type));
      if (!seen.insert({w.fqdn, w.type}).second) continue;
      if (!inside(w.fqdn)) {
        return dox::permanent("record " + what + " is not inside domain " + domain_);
      }
      w.rel = w.fqdn == domain_ ? "@" : w.fqdn.substr(0, w.fqdn.size() - domain_.size() - 1);
      if (w.ttl < kMinTtl) {
        return dox::permanent("record " + what + " has ttl " + std::to_string(w.ttl) +
                              "; DigitalOcean requires at least " + std::to_string(kMinTtl) +
                              " seconds");
      }
      std::set<std::string> addresses;
      for (const std::string& a : r->addresses) {
        auto c = canonical(a, w.type);
        if (!c) {
          return dox::permanent("record " + what + ": '" + a + "' is not an " +
                                (w.type == core::RecordType::A ? "IPv4" : "IPv6") + " address");
        }
        if (addresses.insert(*c).second) w.addresses.push_back(a);
      }
      wants.push_back(std::move(w));
    }
    return wants;
  }

  // Every DigitalOcean record of the wanted name and type, page by page.
  std::variant<std::vector<Existing>, Failure> list(const Want& w) {
    const std::string type(core::to_string(w.type));
    const std::string base = records_path() + "?name=" + net::url_encode(w.fqdn) + "&type=" + type +
                             "&per_page=" + std::to_string(kPerPage);
    std::vector<Existing> out;
    std::size_t listed = 0;
    std::optional<std::int64_t> total;
    for (int page = 1;; ++page) {
      if (page > kMaxPages) {
        return fail("listing " + w.fqdn + " " + type + " records: the server announced more than " +
                    std::to_string(kMaxPages) + " pages; refusing to page further");
      }
      const std::string path = base + "&page=" + std::to_string(page);
      auto r = client_.call("GET", path);
      if (auto* f = std::get_if<Failure>(&r)) {
        if (client_.error_status() == 404) {
          f->permanent = true;
          f->reason += " (no domain " + domain_ +
                       " in the DigitalOcean account of this token: check 'domain')";
        }
        return *f;
      }
      const json& body = std::get<ApiReply>(r).body;
      const std::string what = "GET " + path + ": ";
      const json* records = dox::array_at(body, "domain_records");
      if (records == nullptr) {
        return fail(what + "reply has no 'domain_records' list: " + snippet(body.dump()));
      }
      for (const json& rec : *records) {
        const auto id = dox::integer_at(rec, "id");
        const auto rtype = dox::string_at(rec, "type");
        const auto name = dox::string_at(rec, "name");
        const auto data = dox::string_at(rec, "data");
        const auto ttl = dox::integer_at(rec, "ttl");
        if (!id || !rtype || !name || !data || !ttl) {
          return fail(what + "a record lacks an integer id/ttl or a string type/name/data: " +
                      snippet(rec.dump()));
        }
        ++listed;
        // The filters are DigitalOcean's; checking again here means a server
        // that ignored them can never make this provider touch other records.
        const std::string n = dox::normalize_name(*name);
        if (*rtype != type || (n != w.rel && n != w.fqdn)) continue;
        out.push_back({*id, *data, *ttl});
      }
      if (auto t = dox::integer_at(body.value("meta", json::object()), "total")) total = t;
      auto next = next_page(body);
      if (auto* f = std::get_if<Failure>(&next)) {
        f->reason = what + f->reason;
        return *f;
      }
      if (!std::get<bool>(next)) break;
    }
    if (total && static_cast<std::size_t>(*total) > listed) {
      return fail("listing " + w.fqdn + " " + type + " records ended after " +
                  std::to_string(listed) + " of " + std::to_string(*total) + " records");
    }
    std::sort(out.begin(), out.end(),
              [](const Existing& a, const Existing& b) { return a.id < b.id; });
    return out;
  }

  // Whether links.pages.next announces another page. DigitalOcean leaves
  // `links` out (or empty) when everything fit on one page.
  static std::variant<bool, Failure> next_page(const json& body) {
    auto links = body.find("links");
    if (links == body.end() || links->is_null()) return false;
    if (!links->is_object()) return fail("'links' is not an object");
    auto pages = links->find("pages");
    if (pages == links->end() || pages->is_null()) return false;
    if (!pages->is_object()) return fail("'links.pages' is not an object");
    auto next = pages->find("next");
    if (next == pages->end() || next->is_null()) return false;
    if (!next->is_string()) return fail("'links.pages.next' is not a string");
    return !next->get<std::string>().empty();
  }

  // Pairs the listed records with the wanted addresses: exact matches are
  // kept, a match with the wrong TTL and then any other record are reused,
  // and only what is left over is created or deleted.
  static void compare(const Want& w, const std::vector<Existing>& existing,
                      std::vector<std::pair<Op, std::string>>& updates,
                      std::vector<std::pair<Op, std::string>>& creates,
                      std::vector<std::pair<Op, std::string>>& removes) {
    const std::string type(core::to_string(w.type));
    const std::string label = w.fqdn + " " + type;
    std::vector<bool> used(existing.size(), false);
    std::vector<bool> placed(w.addresses.size(), false);
    auto find = [&](std::size_t d, bool same_ttl) -> std::optional<std::size_t> {
      const std::string want = same_data(w.addresses[d], w.type);
      for (std::size_t e = 0; e < existing.size(); ++e) {
        if (used[e] || same_data(existing[e].data, w.type) != want) continue;
        if (same_ttl && existing[e].ttl != w.ttl) continue;
        return e;
      }
      return std::nullopt;
    };
    auto update = [&](std::size_t e, std::size_t d) {
      const Existing& x = existing[e];
      Op op{Op::Kind::update, x.id, type, w.rel, w.fqdn, w.addresses[d], w.ttl};
      const bool same = same_data(x.data, w.type) == same_data(w.addresses[d], w.type);
      std::string step = "update " + label + " (DigitalOcean record " + std::to_string(x.id) +
                         "): " + (same ? x.data : x.data + " -> " + w.addresses[d]) + ", " +
                         join_ttl(x.ttl, w.ttl);
      updates.emplace_back(std::move(op), std::move(step));
      used[e] = placed[d] = true;
    };
    for (std::size_t d = 0; d < w.addresses.size(); ++d) {
      if (auto e = find(d, true)) used[*e] = placed[d] = true;
    }
    for (std::size_t d = 0; d < w.addresses.size(); ++d) {
      if (placed[d]) continue;
      if (auto e = find(d, false)) update(*e, d);
    }
    std::size_t e = 0;
    for (std::size_t d = 0; d < w.addresses.size(); ++d) {
      if (placed[d]) continue;
      while (e < existing.size() && used[e]) ++e;
      if (e < existing.size()) {
        update(e, d);
        continue;
      }
      Op op{Op::Kind::create, 0, type, w.rel, w.fqdn, w.addresses[d], w.ttl};
      creates.emplace_back(std::move(op), "create " + label + " " + w.addresses[d] + ", ttl " +
                                              std::to_string(w.ttl));
      placed[d] = true;
    }
    for (std::size_t i = 0; i < existing.size(); ++i) {
      if (used[i]) continue;
      const Existing& x = existing[i];
      Op op{Op::Kind::remove, x.id, type, w.rel, w.fqdn, x.data, 0};
      removes.emplace_back(std::move(op), "delete " + label + " (DigitalOcean record " +
                                              std::to_string(x.id) + "): " + x.data);
    }
  }

  std::optional<Failure> carry_out(const Op& op) {
    const json body = {{"type", op.type}, {"name", op.rel}, {"data", op.data}, {"ttl", op.ttl}};
    if (op.kind == Op::Kind::remove) {
      auto r = client_.call("DELETE", records_path() + "/" + std::to_string(op.id));
      // Already gone is what a deletion wants.
      if (std::holds_alternative<ApiReply>(r) || client_.error_status() == 404) return std::nullopt;
      return std::get<Failure>(r);
    }
    const bool create = op.kind == Op::Kind::create;
    const std::string path = create ? records_path() : records_path() + "/" + std::to_string(op.id);
    const char* method = create ? "POST" : "PUT";
    auto r = client_.call(method, path, &body);
    if (auto* f = std::get_if<Failure>(&r)) {
      const int status = client_.error_status();
      // The API refused the record itself: sending it again cannot help.
      if (status == 400 || status == 422) f->permanent = true;
      return *f;
    }
    if (dox::object_at(std::get<ApiReply>(r).body, "domain_record") == nullptr) {
      return fail(std::string(method) + " " + path +
                  ": reply is not a domain record: " + snippet(std::get<ApiReply>(r).body.dump()));
    }
    return std::nullopt;
  }

  config::ProviderConfig cfg_;
  std::string domain_;
  dox::Client client_;
};

}  // namespace

std::unique_ptr<Provider> make_digitalocean_dns(const config::ProviderConfig& cfg,
                                                std::string token) {
  return std::make_unique<DigitalOceanDns>(cfg, std::move(token));
}

}  // namespace drpilot::providers
