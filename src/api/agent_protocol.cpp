#include "api/agent_protocol.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>

#include "net/crypto.h"
#include "net/json_reply.h"

namespace drpilot::api {
namespace {

using nlohmann::json;

// Year 9999: far enough for any clock, small enough to stay exact in a double.
constexpr std::int64_t kMaxTimeMs = 253'402'300'799'999;
constexpr std::int64_t kMaxLatencyMs = 86'400'000;

bool name_char(char c) {
  const unsigned char u = static_cast<unsigned char>(c);
  return std::isalnum(u) || c == '.' || c == '_' || c == '-';
}

bool nonce_char(char c) {
  const unsigned char u = static_cast<unsigned char>(c);
  return std::isalnum(u) || c == '_' || c == '-';
}

bool control_char(char c) {
  const unsigned char u = static_cast<unsigned char>(c);
  return u < 0x20 || u == 0x7f;
}

// Free text made safe to send: valid UTF-8 (a stray byte becomes '?', so the
// JSON encoder cannot grow it), control characters as spaces, and at most
// `max` bytes without splitting a character.
std::string clean_text(std::string_view s, std::size_t max) {
  std::string out;
  out.reserve(std::min(s.size(), max));
  std::size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    std::size_t len = c < 0x80           ? 1
                      : (c >> 5) == 0x6  ? 2
                      : (c >> 4) == 0xe  ? 3
                      : (c >> 3) == 0x1e ? 4
                                         : 0;
    bool valid = len != 0 && i + len <= s.size();
    for (std::size_t k = 1; valid && k < len; ++k) {
      valid = (static_cast<unsigned char>(s[i + k]) & 0xc0) == 0x80;
    }
    if (!valid) len = 1;
    if (out.size() + len > max) break;
    if (!valid) {
      out += '?';
    } else if (len == 1 && control_char(s[i])) {
      out += ' ';
    } else {
      out.append(s, i, len);
    }
    i += len;
  }
  return out;
}

enum class Text { name, free, nonce };

// Reads the fields of one JSON object; the first problem is kept in `error`
// with the field's path ("observations[3].latency_ms").
class Fields {
 public:
  Fields(const json& obj, std::string where, std::string& error)
      : obj_(obj), where_(std::move(where)), error_(error) {}

  bool ok() const { return error_.empty(); }

  const json* get(const char* key, bool required) {
    if (!ok()) return nullptr;
    auto it = obj_.find(key);
    if (it == obj_.end()) {
      if (required) fail(key, "is missing");
      return nullptr;
    }
    return &*it;
  }

  std::optional<std::string> text(const char* key, Text kind, std::size_t max, bool required) {
    const json* v = get(key, required);
    if (!v) return std::nullopt;
    if (!v->is_string()) return fail(key, "must be a string"), std::nullopt;
    const std::string& s = v->get_ref<const std::string&>();
    if (s.size() > max) {
      return fail(key, "is longer than " + std::to_string(max) + " bytes"), std::nullopt;
    }
    switch (kind) {
      case Text::name:
        if (s.empty() || !std::all_of(s.begin(), s.end(), name_char)) {
          return fail(key, "must be 1-" + std::to_string(max) +
                               " characters of letters, digits, '.', '_' and '-'"),
                 std::nullopt;
        }
        break;
      case Text::nonce:
        if (s.size() < 8 || !std::all_of(s.begin(), s.end(), nonce_char)) {
          return fail(key, "must be 8-" + std::to_string(max) +
                               " characters of letters, digits, '_' and '-'"),
                 std::nullopt;
        }
        break;
      case Text::free:
        if (std::any_of(s.begin(), s.end(), control_char)) {
          return fail(key, "must not hold control characters"), std::nullopt;
        }
        break;
    }
    return s;
  }

  std::optional<bool> boolean(const char* key, bool required) {
    const json* v = get(key, required);
    if (!v) return std::nullopt;
    if (!v->is_boolean()) return fail(key, "must be true or false"), std::nullopt;
    return v->get<bool>();
  }

  // A whole number in [lo, hi]. A float is accepted when it is exactly one.
  std::optional<std::int64_t> integer(const char* key, std::int64_t lo, std::int64_t hi,
                                      bool required) {
    const json* v = get(key, required);
    if (!v) return std::nullopt;
    std::int64_t n = 0;
    if (v->is_number_unsigned()) {
      const std::uint64_t u = v->get<std::uint64_t>();
      if (u > static_cast<std::uint64_t>(hi)) return out_of_range(key, lo, hi);
      n = static_cast<std::int64_t>(u);
    } else if (v->is_number_integer()) {
      n = v->get<std::int64_t>();
    } else if (v->is_number_float()) {
      const double d = v->get<double>();
      if (!std::isfinite(d)) return fail(key, "is not a finite number"), std::nullopt;
      if (d != std::floor(d)) return fail(key, "must be a whole number"), std::nullopt;
      if (d < static_cast<double>(lo) || d > static_cast<double>(hi)) {
        return out_of_range(key, lo, hi);
      }
      n = static_cast<std::int64_t>(d);
    } else {
      return fail(key, "must be a number"), std::nullopt;
    }
    if (n < lo || n > hi) return out_of_range(key, lo, hi);
    return n;
  }

  std::optional<std::uint64_t> generation(const char* key, bool required) {
    const json* v = get(key, required);
    if (!v) return std::nullopt;
    if (v->is_number_unsigned()) return v->get<std::uint64_t>();
    if (v->is_number_integer()) {
      return fail(key, "must not be negative"), std::nullopt;  // signed only when negative
    }
    if (v->is_number_float()) {
      const double d = v->get<double>();
      if (!std::isfinite(d)) return fail(key, "is not a finite number"), std::nullopt;
      if (d < 0 || d != std::floor(d) || d > 9007199254740992.0) {
        return fail(key, "must be a whole number from 0 to 2^53"), std::nullopt;
      }
      return static_cast<std::uint64_t>(d);
    }
    return fail(key, "must be a number"), std::nullopt;
  }

  void fail(const std::string& key, const std::string& what) {
    if (!ok()) return;
    error_ = "'" + (where_.empty() ? key : where_ + "." + key) + "' " + what;
  }

 private:
  std::optional<std::int64_t> out_of_range(const char* key, std::int64_t lo, std::int64_t hi) {
    fail(key, "must be from " + std::to_string(lo) + " to " + std::to_string(hi));
    return std::nullopt;
  }

  const json& obj_;
  std::string where_;
  std::string& error_;
};

std::optional<json> parse_object(const std::string& body, const char* what, std::string& error) {
  std::string why;
  json j = net::parse_json_reply(body, &why);
  if (j.is_discarded()) {
    error = std::string("the ") + what + " is " +
            (why == "not valid JSON" ? why : "not accepted: " + why);
    return std::nullopt;
  }
  if (!j.is_object()) {
    error = std::string("the ") + what + " must be a JSON object";
    return std::nullopt;
  }
  return j;
}

// Kept here rather than using core's to_string(DataRole): the wire names are
// part of this protocol and must not change with a display name.
const char* role_name(core::DataRole r) {
  return r == core::DataRole::read_only ? "read-only" : "read-write";
}

std::optional<core::Observation> parse_observation(const json& o, const std::string& where,
                                                   const std::string& vantage, std::string& error) {
  if (!o.is_object()) {
    error = "'" + where + "' must be an object";
    return std::nullopt;
  }
  Fields f(o, where, error);
  core::Observation out;
  out.vantage = vantage;
  auto target = f.text("target", Text::free, kMaxTargetLength, true);
  auto ok = f.boolean("ok", true);
  // Absent from agents older than it: a plain failure, as they meant it.
  auto inconclusive = f.boolean("inconclusive", false);
  auto latency = f.integer("latency_ms", 0, kMaxLatencyMs, true);
  auto detail = f.text("detail", Text::free, kMaxDetailLength, false);
  auto at = f.integer("at_ms", 0, kMaxTimeMs, true);
  if (!f.ok()) return std::nullopt;
  if (target->empty()) {
    f.fail("target", "cannot be empty");
    return std::nullopt;
  }
  out.target = *target;
  out.ok = *ok;
  out.inconclusive = !out.ok && inconclusive.value_or(false);
  out.latency = core::Duration{*latency};
  out.detail = detail.value_or("");
  out.at = core::from_ms(*at);
  return out;
}

}  // namespace

std::string encode_report(const AgentReport& r) {
  json obs = json::array();
  for (const core::Observation& o : r.observations) {
    json j = {{"target", o.target},
              {"ok", o.ok},
              {"latency_ms", std::clamp<std::int64_t>(o.latency.count(), 0, kMaxLatencyMs)},
              {"detail", clean_text(o.detail, kMaxDetailLength)},
              {"at_ms", core::to_ms(o.at)}};
    if (o.inconclusive) j["inconclusive"] = true;
    obs.push_back(std::move(j));
  }
  json body = {{"agent", r.agent},
               {"site", r.site},
               {"sent_at_ms", r.sent_at_ms},
               {"nonce", r.nonce},
               {"observations", std::move(obs)},
               {"applied",
                {{"generation", r.applied_generation},
                 {"ok", r.applied_ok},
                 {"error", clean_text(r.applied_error, kMaxTextLength)}}},
               {"healthy", r.healthy}};
  return body.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::optional<AgentReport> parse_report(const std::string& body, std::string& error) {
  error.clear();
  auto j = parse_object(body, "report", error);
  if (!j) return std::nullopt;
  Fields f(*j, "", error);
  AgentReport r;
  auto agent = f.text("agent", Text::name, kMaxNameLength, true);
  auto site = f.text("site", Text::name, kMaxNameLength, true);
  auto sent = f.integer("sent_at_ms", 0, kMaxTimeMs, true);
  auto nonce = f.text("nonce", Text::nonce, kMaxNonceLength, true);
  auto healthy = f.boolean("healthy", true);
  const json* obs = f.get("observations", true);
  const json* applied = f.get("applied", true);
  if (!f.ok()) return std::nullopt;
  r.agent = *agent;
  r.site = *site;
  r.sent_at_ms = *sent;
  r.nonce = *nonce;
  r.healthy = *healthy;

  if (!obs->is_array()) {
    error = "'observations' must be an array";
    return std::nullopt;
  }
  if (obs->size() > kMaxObservations) {
    error = "'observations' holds " + std::to_string(obs->size()) + " entries; at most " +
            std::to_string(kMaxObservations) + " are accepted";
    return std::nullopt;
  }
  r.observations.reserve(obs->size());
  for (std::size_t i = 0; i < obs->size(); ++i) {
    auto o =
        parse_observation((*obs)[i], "observations[" + std::to_string(i) + "]", r.agent, error);
    if (!o) return std::nullopt;
    r.observations.push_back(std::move(*o));
  }

  if (!applied->is_object()) {
    error = "'applied' must be an object";
    return std::nullopt;
  }
  Fields a(*applied, "applied", error);
  auto gen = a.generation("generation", true);
  auto ok = a.boolean("ok", true);
  auto err = a.text("error", Text::free, kMaxTextLength, false);
  if (!a.ok()) return std::nullopt;
  r.applied_generation = *gen;
  r.applied_ok = *ok;
  r.applied_error = err.value_or("");
  return r;
}

std::string encode_assignment(const SiteAssignmentMessage& m) {
  json groups = json::object();
  for (const auto& [name, g] : m.groups) {
    groups[name] = {{"data_region", g.data_region},
                    {"write_region", g.write_region},
                    {"role", role_name(g.role)},
                    {"reason", clean_text(g.reason, kMaxTextLength)},
                    {"change_reason", clean_text(g.change_reason, kMaxTextLength)},
                    {"changed_at_ms", std::max<std::int64_t>(0, core::to_ms(g.changed_at))}};
  }
  json body = {{"generation", m.generation}, {"site", m.site}, {"groups", std::move(groups)}};
  if (m.term > 0) body["term"] = m.term;
  return body.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string AssignmentOrder::to_string() const {
  return std::to_string(generation) + (term > 0 ? " (term " + std::to_string(term) + ")" : "");
}

std::optional<SiteAssignmentMessage> parse_assignment(const std::string& body, std::string& error) {
  error.clear();
  auto j = parse_object(body, "assignment", error);
  if (!j) return std::nullopt;
  Fields f(*j, "", error);
  SiteAssignmentMessage m;
  auto gen = f.generation("generation", true);
  auto term = f.generation("term", false);
  auto site = f.text("site", Text::name, kMaxNameLength, true);
  const json* groups = f.get("groups", true);
  if (!f.ok()) return std::nullopt;
  m.generation = *gen;
  if (term && *term > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    error = "'term' is out of range";
    return std::nullopt;
  }
  m.term = static_cast<std::int64_t>(term.value_or(0));
  m.site = *site;
  if (!groups->is_object()) {
    error = "'groups' must be an object";
    return std::nullopt;
  }
  if (groups->size() > kMaxGroups) {
    error = "'groups' holds " + std::to_string(groups->size()) + " table groups; at most " +
            std::to_string(kMaxGroups) + " are accepted";
    return std::nullopt;
  }
  for (const auto& [name, g] : groups->items()) {
    const std::string where = "groups." + name;
    if (name.empty() || name.size() > kMaxNameLength ||
        !std::all_of(name.begin(), name.end(), name_char)) {
      error = "table group name '" + clean_text(name, 64) + "' must be 1-" +
              std::to_string(kMaxNameLength) + " characters of letters, digits, '.', '_' and '-'";
      return std::nullopt;
    }
    if (!g.is_object()) {
      error = "'" + where + "' must be an object";
      return std::nullopt;
    }
    Fields gf(g, where, error);
    auto data = gf.text("data_region", Text::name, kMaxNameLength, true);
    auto write = gf.get("write_region", true);
    auto role = gf.text("role", Text::free, 32, true);
    auto reason = gf.text("reason", Text::free, kMaxTextLength, false);
    auto change_reason = gf.text("change_reason", Text::free, kMaxTextLength, false);
    auto changed_at = gf.integer("changed_at_ms", 0, kMaxTimeMs, false);
    if (!gf.ok()) return std::nullopt;
    core::GroupAssignment a;
    // An empty write_region says that no write-primary is known right now.
    if (write->is_string() && write->get_ref<const std::string&>().empty()) {
      a.write_region.clear();
    } else if (auto w = gf.text("write_region", Text::name, kMaxNameLength, true)) {
      a.write_region = *w;
    } else {
      return std::nullopt;
    }
    if (*role == "read-write") {
      a.role = core::DataRole::read_write;
    } else if (*role == "read-only") {
      a.role = core::DataRole::read_only;
    } else {
      gf.fail("role", "must be \"read-write\" or \"read-only\"");
      return std::nullopt;
    }
    a.data_region = *data;
    a.reason = reason.value_or("");
    a.change_reason = change_reason.value_or("");
    a.changed_at = core::from_ms(changed_at.value_or(0));
    m.groups.emplace(name, std::move(a));
  }
  return m;
}

std::string sign_body(const std::string& key, const std::string& timestamp,
                      const std::string& body) {
  return "sha256=" + net::to_hex(net::hmac_sha256(key, timestamp + "." + body));
}

std::string timestamp_header(core::TimePoint t) {
  return std::to_string(core::to_ms(t));
}

std::string verify_body(const std::string& key, const std::string& timestamp,
                        const std::string& signature, const std::string& body, core::TimePoint now,
                        core::Duration max_skew) {
  if (key.empty()) return "no key to verify the signature with";
  // The timestamp is checked for form before the signature (it is part of
  // what is signed) and for age only after it: an unsigned message learns
  // nothing about this clock.
  if (timestamp.empty() || timestamp.size() > 15 ||
      !std::all_of(timestamp.begin(), timestamp.end(),
                   [](char c) { return c >= '0' && c <= '9'; })) {
    return "the timestamp is not decimal Unix milliseconds";
  }
  constexpr std::string_view kPrefix = "sha256=";
  if (signature.size() != kPrefix.size() + 64 ||
      signature.compare(0, kPrefix.size(), kPrefix) != 0) {
    return "the signature is not of the form sha256=<64 hex digits>";
  }
  if (!net::constant_time_equal(sign_body(key, timestamp, body), signature)) {
    return "the signature does not match (a different key, or a changed body or timestamp)";
  }
  const core::TimePoint sent = core::from_ms(std::stoll(timestamp));
  const core::Duration off = sent > now ? sent - now : now - sent;
  if (off > max_skew) {
    return "the timestamp is " + core::format_duration(off) +
           (sent > now ? " ahead of" : " behind") + " this clock; at most " +
           core::format_duration(max_skew) + " is accepted";
  }
  return "";
}

void ReplayGuard::forget_before(Seen& s, core::TimePoint cutoff) {
  while (!s.by_time.empty() && s.by_time.begin()->first < cutoff) {
    s.nonces.erase(s.by_time.begin()->second);
    s.by_time.erase(s.by_time.begin());
  }
}

bool ReplayGuard::accept(const std::string& agent, const std::string& nonce,
                         core::TimePoint sent_at, core::TimePoint now, std::string* why) {
  auto refuse = [&](std::string reason) {
    if (why) *why = std::move(reason);
    return false;
  };
  if (nonce.empty()) return refuse("the report has no nonce");
  if (sent_at < now - window_) {
    return refuse("the report was sent " + core::format_duration(now - sent_at) +
                  " ago; reports older than " + core::format_duration(window_) + " are refused");
  }
  if (sent_at > now + window_) {
    return refuse("the report claims to be sent " + core::format_duration(sent_at - now) +
                  " in the future");
  }
  Seen& s = agents_[agent];
  if (s.newest != core::TimePoint{} && sent_at < s.newest - window_) {
    return refuse("the report is " + core::format_duration(s.newest - sent_at) +
                  " older than the newest accepted from " + agent);
  }
  // Nonces are forgotten by the agent's own newest report, never by this
  // clock: were it stepped back, a report older than the window would pass
  // the age check above again, and its nonce must still be known. What is
  // older than the newest by the window is refused by age instead.
  forget_before(s, s.newest - window_);
  if (s.nonces.count(nonce)) return refuse("the report's nonce was seen before (a replay)");
  if (s.by_time.size() >= kMaxRemembered) {
    return refuse("too many reports from " + agent + " within " + core::format_duration(window_));
  }
  s.nonces.insert(nonce);
  s.by_time.emplace(sent_at, nonce);
  s.newest = std::max(s.newest, sent_at);
  forget_before(s, s.newest - window_);
  return true;
}

std::size_t ReplayGuard::remembered() const {
  std::size_t n = 0;
  for (const auto& [agent, s] : agents_) n += s.nonces.size();
  return n;
}

}  // namespace drpilot::api
