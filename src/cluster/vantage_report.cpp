#include "cluster/vantage_report.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <stdexcept>

namespace drpilot::cluster {

using nlohmann::json;

namespace {
// A report of more than this many observations is refused as a whole.
constexpr std::size_t kMaxObservations = 100'000;
}  // namespace

std::string encode_vantage_report(const VantageReport& report) {
  json list = json::array();
  for (const core::Observation& o : report.observations) {
    json e = {{"target", o.target},
              {"ok", o.ok},
              {"detail", o.detail},
              {"latency_ms", o.latency.count()},
              {"at_ms", core::to_ms(o.at)}};
    if (o.inconclusive) e["inconclusive"] = true;
    list.push_back(std::move(e));
  }
  json j = {{"config_digest", report.config_digest}, {"observations", list}};
  if (report.sent_at != core::TimePoint{}) j["sent_at_ms"] = core::to_ms(report.sent_at);
  return j.dump();
}

VantageReport decode_vantage_report(const std::string& text, const std::string& member) {
  // A NUL byte would end the parser's input early: `{...}<NUL>junk` is no JSON.
  const json j = text.find('\0') == std::string::npos ? json::parse(text, nullptr, false)
                                                      : json(json::value_t::discarded);
  if (j.is_discarded() || !j.is_object())
    throw std::runtime_error(member + "'s report is not a JSON object");
  if (!j.contains("observations") || !j["observations"].is_array())
    throw std::runtime_error(member + "'s report has no list of observations");
  if (!j.contains("config_digest") || !j["config_digest"].is_string())
    throw std::runtime_error(member + "'s report has no configuration digest");
  const json& list = j["observations"];
  if (list.size() > kMaxObservations)
    throw std::runtime_error(member + "'s report has more than " +
                             std::to_string(kMaxObservations) + " observations");
  VantageReport report;
  report.config_digest = j["config_digest"].get<std::string>();
  if (j.contains("sent_at_ms")) {
    if (!j["sent_at_ms"].is_number_integer() || j["sent_at_ms"].get<std::int64_t>() <= 0)
      throw std::runtime_error(member +
                               "'s report has a sending time that is not a positive "
                               "number of milliseconds");
    report.sent_at = core::from_ms(j["sent_at_ms"].get<std::int64_t>());
  }
  std::vector<core::Observation>& out = report.observations;
  out.reserve(list.size());
  for (const json& e : list) {
    auto bad = [&](const char* what) {
      return std::runtime_error(member + "'s report has an observation " + what);
    };
    if (!e.is_object()) throw bad("that is not an object");
    core::Observation o;
    o.vantage = member;
    if (!e.contains("target") || !e["target"].is_string()) throw bad("without a target");
    o.target = e["target"].get<std::string>();
    if (!e.contains("ok") || !e["ok"].is_boolean()) throw bad("without ok");
    o.ok = e["ok"].get<bool>();
    if (!e.contains("detail") || !e["detail"].is_string()) throw bad("without a detail");
    o.detail = e["detail"].get<std::string>();
    if (!e.contains("latency_ms") || !e["latency_ms"].is_number_integer() ||
        e["latency_ms"].get<std::int64_t>() < 0) {
      throw bad("without a latency in milliseconds");
    }
    o.latency = core::Duration{e["latency_ms"].get<std::int64_t>()};
    if (!e.contains("at_ms") || !e["at_ms"].is_number_integer() ||
        e["at_ms"].get<std::int64_t>() <= 0) {
      throw bad("without a time");
    }
    o.at = core::from_ms(e["at_ms"].get<std::int64_t>());
    if (e.contains("inconclusive")) {
      if (!e["inconclusive"].is_boolean()) throw bad("with a non-boolean inconclusive");
      o.inconclusive = e["inconclusive"].get<bool>();
      if (o.inconclusive && o.ok) throw bad("both ok and inconclusive");
    }
    out.push_back(std::move(o));
  }
  return report;
}

std::vector<core::Observation> VantageInbox::take(std::vector<core::Observation> report,
                                                  const std::string& member,
                                                  core::TimePoint sent_at) {
  if (sent_at != core::TimePoint{}) {
    auto it = sent_.find(member);
    if (it != sent_.end() && sent_at < it->second) forget(member);
    sent_[member] = sent_at;
  }
  std::stable_sort(
      report.begin(), report.end(),
      [](const core::Observation& a, const core::Observation& b) { return a.at < b.at; });
  std::vector<core::Observation> fresh;
  for (core::Observation& o : report) {
    core::TimePoint& last = last_[{o.vantage, o.target}];
    if (o.at <= last) continue;
    last = o.at;
    fresh.push_back(std::move(o));
  }
  return fresh;
}

void VantageInbox::forget(const std::string& member) {
  std::erase_if(last_, [&](const auto& e) { return e.first.first == member; });
  sent_.erase(member);
}

void VantageOutbox::add(const core::Observation& o) {
  // Bounded per target: when etcd cannot take reports, only the newest
  // results of each target wait (they are what the quorum needs).
  std::deque<core::Observation>& q = pending_[o.target];
  q.push_back(o);
  if (q.size() > per_target_) q.pop_front();
}

std::vector<core::Observation> VantageOutbox::take() {
  std::vector<core::Observation> out;
  for (auto& [target, q] : pending_) {
    for (core::Observation& o : q) out.push_back(std::move(o));
  }
  pending_.clear();
  return out;
}

void VantageOutbox::restore(std::vector<core::Observation> taken) {
  auto newer = std::exchange(pending_, {});
  for (const core::Observation& o : taken) add(o);
  for (auto& [target, q] : newer) {
    for (const core::Observation& o : q) add(o);
  }
}

}  // namespace drpilot::cluster
