#pragma once
// The status document: what the controller believes and why, as JSON. Read
// by `drpilot status`, the API and anything an operator scripts against it.
//
// Built in two steps so that a large document never stalls the control
// loop: snapshot_status() copies, on the control loop, only what the query
// asks for into an immutable StatusSnapshot; render_status() turns that into
// JSON text on any other thread.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "api/status_query.h"
#include "config/config.h"
#include "core/engine.h"

namespace drpilot::api {

struct ControllerInfo {
  std::string version;
  std::string config_path;
  std::string journal_path;
  core::TimePoint started_at{};
  std::vector<std::string> alerts;  // active alerts, one sentence each
  // The world: each provider's progress (rendered by the controller) and the
  // change gate (the generation let through, and why a newer one is held back).
  nlohmann::json providers = nlohmann::json::array();
  std::uint64_t released_generation = 0;
  std::string held_back;
  // The agents as the controller last heard from them (rendered by it).
  nlohmann::json agents = nlohmann::json::array();
  // How well the controller keeps its schedule (rendered by it).
  nlohmann::json load = nullptr;
  // The AWS credentials: where from, until when, refreshes and refusals
  // (rendered by it; null without data regions to check).
  nlohmann::json aws = nullptr;
  // The cluster: who leads, since when, in which term (rendered by it; null
  // for a controller that acts alone).
  nlohmann::json cluster = nullptr;
};

struct StatusSnapshot {
  std::shared_ptr<const config::Config> cfg;
  ControllerInfo info;
  core::TimePoint now{};
  StatusQuery query;

  std::uint64_t generation = 0;
  std::int64_t term = 0;  // the plan's (term, generation), in a cluster
  std::string plan_leader;
  core::TimePoint made_at{};
  std::string summary;
  core::Overrides overrides;

  struct Record {
    std::size_t config = 0;  // index into cfg->records
    std::optional<core::RecordPlan> plan;
  };
  struct Vantage {
    std::string name;
    core::Health state = core::Health::unknown;
    bool last_ok = false;
    bool inconclusive = false;  // the last check could not judge the target
    std::string detail;
    core::Duration latency{0};
    core::TimePoint last_seen{};
    bool fresh = false;
    int ok_streak = 0, fail_streak = 0;
    bool internal = false;  // the site's own agent: heard, but does not decide
  };
  struct Check {
    std::string name, target;
    core::Verdict verdict;
    std::vector<Vantage> vantages;
  };
  struct Owner {             // a site or a data region
    std::size_t config = 0;  // index into cfg->sites or cfg->data_regions
    core::Verdict verdict;
    std::vector<Check> checks;
  };
  std::vector<Record> records;
  std::vector<Owner> sites;
  std::vector<Owner> data_regions;  // all of them, unless the query names a site or record
  std::map<std::string, core::GroupPlan> groups;
  std::map<core::LagKey, core::LagStat> lag;
  // Over every record, not only the selected ones: the automation state and
  // the alerts speak of the whole controller.
  std::vector<std::pair<std::string, std::size_t>> flap_frozen;  // key, automatic changes
  bool cut_off = false;
  std::vector<std::string> cut_off_vantages;  // other vantages that are cut off
  core::SiteRegionViews site_region_views;    // what each site's own agents see of its regions
  std::size_t total_records = 0, total_sites = 0;
  std::size_t sites_up = 0, sites_down = 0;  // of every site; the rest are unknown
  std::string next_cursor;                   // empty: this was the last page
  std::string not_found;                     // the site or record the query names does not exist
};

StatusSnapshot snapshot_status(const core::Engine& engine,
                               std::shared_ptr<const config::Config> cfg, ControllerInfo info,
                               core::TimePoint now, const StatusQuery& query);

// The document as compact JSON text (and a newline).
std::string render_status(const StatusSnapshot& s);

}  // namespace drpilot::api
