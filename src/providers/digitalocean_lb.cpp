#include "providers/digitalocean_lb.h"

#include <algorithm>
#include <map>
#include <set>

#include "net/url_codec.h"
#include "providers/digitalocean_api.h"

namespace drpilot::providers {
namespace {

using nlohmann::json;
namespace dox = digitalocean;

struct Membership {
  std::vector<std::int64_t> add;     // ascending
  std::vector<std::int64_t> remove;  // ascending
};

std::string join(const std::vector<std::int64_t>& ids) {
  std::string out;
  for (std::int64_t id : ids) out += (out.empty() ? "" : ", ") + std::to_string(id);
  return out;
}

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

class DigitalOceanLb final : public Provider {
 public:
  DigitalOceanLb(const config::ProviderConfig& cfg, std::string token)
      : Provider(cfg.name), cfg_(cfg), client_(cfg, std::move(token)) {}

  std::string_view kind() const override { return "digitalocean_lb"; }
  std::string where() const override {
    return "load balancer " + cfg_.load_balancer_id + " at " + client_.endpoint();
  }
  void set_stop_flag(const std::atomic<bool>* stop) override { client_.set_stop_flag(stop); }

  std::variant<Changes, Failure> diff(const Target& target) override {
    if (cfg_.load_balancer_id.empty()) {
      return dox::permanent("no 'load_balancer_id' is configured for this provider");
    }
    const std::string record = dox::normalize_name(cfg_.record);
    const RecordTarget* rec = target.find(record, core::RecordType::A);
    if (rec == nullptr) rec = target.find(record, core::RecordType::AAAA);
    if (rec == nullptr) {
      return dox::permanent("the plan has no A or AAAA record '" + record +
                            "', whose answer decides the members of load balancer " +
                            cfg_.load_balancer_id);
    }

    // The site each configured droplet stands for, and the droplets the
    // answer's sites want on the load balancer.
    std::map<std::int64_t, std::string> site_of;
    for (const config::LbMember& m : cfg_.members) {
      for (std::int64_t id : m.droplet_ids) site_of.emplace(id, m.site);
    }
    std::map<std::int64_t, std::string> wanted;
    for (const std::string& site : rec->sites) {
      for (const config::LbMember& m : cfg_.members) {
        if (m.site != site) continue;
        for (std::int64_t id : m.droplet_ids) wanted.emplace(id, site);
      }
    }
    if (wanted.empty()) {
      // Removing every droplet drpilot manages would leave the load balancer
      // with nothing to send traffic to; that is a configuration mistake.
      const std::string answer = rec->sites.empty()
                                     ? "is empty"
                                     : "(" + join(rec->sites) + ") has no droplets under 'members'";
      return dox::permanent("the answer of " + record + " " + answer +
                            "; drpilot will not empty load balancer " + cfg_.load_balancer_id);
    }

    auto attached = read_droplets();
    if (auto* f = std::get_if<Failure>(&attached)) return *f;
    const std::set<std::int64_t>& now = std::get<std::set<std::int64_t>>(attached);

    Membership m;
    std::map<std::string, std::vector<std::int64_t>> add_by_site, remove_by_site;
    for (const auto& [id, site] : wanted) {
      if (now.count(id)) continue;
      m.add.push_back(id);
      add_by_site[site].push_back(id);
    }
    for (std::int64_t id : now) {
      auto it = site_of.find(id);
      // Not a configured site's droplet: someone else's, left alone.
      if (it == site_of.end() || wanted.count(id)) continue;
      m.remove.push_back(id);
      remove_by_site[it->second].push_back(id);
    }

    Changes changes;
    for (const auto& [site, ids] : add_by_site) {
      changes.steps.push_back("add droplets " + join(ids) + " (site " + site +
                              ") to load balancer " + cfg_.load_balancer_id);
    }
    for (const auto& [site, ids] : remove_by_site) {
      changes.steps.push_back("remove droplets " + join(ids) + " (site " + site +
                              ") from load balancer " + cfg_.load_balancer_id);
    }
    changes.detail = std::move(m);
    return changes;
  }

  std::optional<Failure> apply(const Target&, const Changes& changes) override {
    const Membership* m = std::any_cast<Membership>(&changes.detail);
    if (m == nullptr) {
      return fail("digitalocean_lb: asked to apply changes that its diff did not produce");
    }
    // Additions first: the load balancer keeps serving throughout.
    if (!m->add.empty()) {
      if (auto f = change("POST", m->add)) return f;
    }
    if (!m->remove.empty()) {
      if (auto f = change("DELETE", m->remove)) return f;
    }
    return std::nullopt;
  }

 private:
  std::string lb_path() const {
    return "/load_balancers/" + net::url_encode(cfg_.load_balancer_id);
  }

  // Turns the statuses that mean "this load balancer cannot be managed as
  // configured" into permanent failures that say what to fix.
  void explain(Failure& f) const {
    const int status = client_.error_status();
    if (status == 404) {
      f.permanent = true;
      f.reason += " (no load balancer " + cfg_.load_balancer_id +
                  " in the DigitalOcean account of this token: check 'load_balancer_id'; "
                  "`doctl compute load-balancer list` shows the ids)";
    } else if (status == 400 || status == 422) {
      f.permanent = true;
    }
  }

  std::variant<std::set<std::int64_t>, Failure> read_droplets() {
    const std::string path = lb_path();
    auto r = client_.call("GET", path);
    if (auto* f = std::get_if<Failure>(&r)) {
      explain(*f);
      return *f;
    }
    const json& body = std::get<ApiReply>(r).body;
    const std::string what = "GET " + path + ": ";
    const json* lb = dox::object_at(body, "load_balancer");
    if (lb == nullptr) {
      return fail(what + "reply has no 'load_balancer' object: " + snippet(body.dump()));
    }
    if (auto tag = lb->find("tag"); tag != lb->end() && !tag->is_null()) {
      if (!tag->is_string()) return fail(what + "'tag' is not a string");
      if (!tag->get<std::string>().empty()) {
        return dox::permanent(
            "load balancer " + cfg_.load_balancer_id + " picks its droplets by tag '" +
            snippet(tag->get<std::string>(), 64) +
            "'; drpilot manages droplet ids: switch the load balancer to droplet ids, or "
            "remove this provider");
      }
    }
    const json* ids = dox::array_at(*lb, "droplet_ids");
    if (ids == nullptr) {
      return fail(what + "the load balancer has no 'droplet_ids' list: " + snippet(lb->dump()));
    }
    std::set<std::int64_t> out;
    for (const json& id : *ids) {
      auto v = dox::as_integer(id);
      if (!v) return fail(what + "'droplet_ids' holds a non-integer: " + snippet(id.dump()));
      out.insert(*v);
    }
    return out;
  }

  std::optional<Failure> change(const char* method, const std::vector<std::int64_t>& ids) {
    const json body = {{"droplet_ids", ids}};
    auto r = client_.call(method, lb_path() + "/droplets", &body);
    if (auto* f = std::get_if<Failure>(&r)) {
      explain(*f);
      return *f;
    }
    return std::nullopt;
  }

  config::ProviderConfig cfg_;
  dox::Client client_;
};

}  // namespace

std::unique_ptr<Provider> make_digitalocean_lb(const config::ProviderConfig& cfg,
                                               std::string token) {
  return std::make_unique<DigitalOceanLb>(cfg, std::move(token));
}

}  // namespace drpilot::providers
