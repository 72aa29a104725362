#include "agent/applier.h"

#include <filesystem>

#include "agent/atomic_file.h"
#include "agent/template.h"
#include "agent/variables.h"
#include "providers/hook_command.h"

namespace drpilot::agent {
namespace {

namespace fs = std::filesystem;

providers::HookEnv reload_env(const api::SiteAssignmentMessage& a, const std::string& output) {
  providers::HookEnv env = {{"DRPILOT_SITE", a.site},
                            {"DRPILOT_GENERATION", std::to_string(a.generation)},
                            {"DRPILOT_OUTPUT", output}};
  if (a.groups.size() == 1) {
    const core::GroupAssignment& g = a.groups.begin()->second;
    env.push_back({"DRPILOT_DATA_REGION", g.data_region});
    env.push_back({"DRPILOT_WRITE_REGION", g.write_region});
    env.push_back(
        {"DRPILOT_ROLE", g.role == core::DataRole::read_only ? "read-only" : "read-write"});
  }
  return env;
}

std::string command_line(const std::vector<std::string>& argv) {
  std::string s;
  for (const std::string& a : argv) s += (s.empty() ? "" : " ") + a;
  return s;
}

// The reload's output, on one line and short, for the error sentence.
std::string output_snippet(const std::string& out) {
  std::string s;
  for (char c : out.substr(0, 200)) s += (c == '\n' || c == '\r') ? ' ' : c;
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

}  // namespace

std::string Applier::state_path() const {
  if (options_.output_path.empty()) return "";
  const fs::path out(options_.output_path);
  return (out.parent_path() / ("." + out.filename().string() + ".drpilot-applied.json")).string();
}

std::optional<std::string> Applier::render(const api::SiteAssignmentMessage& assignment,
                                           std::string& error) const {
  auto tmpl = read_file_state(options_.template_path, error);
  if (!tmpl || !tmpl->exists) {
    if (tmpl) error = "template " + options_.template_path + " does not exist";
    return std::nullopt;
  }
  auto rendered = render_template(
      tmpl->content, options_.template_path,
      [&](const std::string& name, std::string& why) {
        return assignment_variable(assignment, name, why);
      },
      error);
  if (!rendered) error = "cannot render the template: " + error;
  return rendered;
}

ApplyOutcome Applier::apply(const api::SiteAssignmentMessage& assignment) const {
  ApplyOutcome out = write_and_reload(assignment);
  const std::string state = state_path();
  if (out.ok && !state.empty()) {
    std::string error;
    if (!write_file_atomic(state, api::encode_assignment(assignment), error)) {
      out.state_error = error;
    }
  }
  return out;
}

std::optional<api::SiteAssignmentMessage> Applier::load_applied(const std::string& site,
                                                                std::string& why) const {
  why.clear();
  const std::string state = state_path();
  if (state.empty()) return std::nullopt;
  auto kept = read_file_state(state, why);
  if (!kept || !kept->exists) return std::nullopt;
  auto a = api::parse_assignment(kept->content, why);
  if (!a) {
    why = state + " is not a valid assignment: " + why;
    return std::nullopt;
  }
  if (a->site != site) {
    why = state + " holds an assignment for site " + a->site + ", not " + site;
    return std::nullopt;
  }
  auto rendered = render(*a, why);
  if (!rendered) return std::nullopt;
  auto current = read_file_state(options_.output_path, why);
  if (!current) return std::nullopt;
  if (!current->exists || current->content != *rendered) {
    why = options_.output_path + " no longer holds what generation " +
          std::to_string(a->generation) + " renders (the file or the template changed)";
    return std::nullopt;
  }
  return a;
}

ApplyOutcome Applier::write_and_reload(const api::SiteAssignmentMessage& assignment) const {
  ApplyOutcome out;
  if (options_.template_path.empty()) {
    out.ok = true;
    return out;
  }
  std::string error;
  auto rendered = render(assignment, error);
  if (!rendered) {
    out.error = error + "; " + options_.output_path + " was left unchanged";
    return out;
  }
  auto previous = read_file_state(options_.output_path, error);
  if (!previous) {
    out.error = error;
    return out;
  }
  // Same content: the application already runs with it (an unrelated
  // generation, or a restart of the agent); no write, no reload.
  if (previous->exists && previous->content == *rendered) {
    out.ok = true;
    return out;
  }
  if (!write_file_atomic(options_.output_path, *rendered, error,
                         {.follow_symlink = options_.follow_symlink})) {
    out.error = error;
    return out;
  }
  out.changed = true;
  if (options_.reload.empty()) {
    out.ok = true;
    return out;
  }
  config::HookCommand cmd{options_.reload, options_.reload_timeout};
  providers::HookResult r = providers::run_hook(cmd, reload_env(assignment, options_.output_path),
                                                options_.reload_policy);
  out.reload_outcome = r.outcome();
  out.reload_output = r.output;
  if (r.ok()) {
    out.ok = true;
    out.reloaded = true;
    return out;
  }
  // The application kept its old configuration (a reload that failed did not
  // take), so the file goes back to match it; the next attempt starts clean.
  out.error = "reload `" + command_line(options_.reload) + "` " + r.outcome();
  const std::string said = output_snippet(r.output);
  if (!said.empty()) out.error += " (" + said + ")";
  if (restore_file_state(options_.output_path, *previous, error,
                         {.follow_symlink = options_.follow_symlink})) {
    out.restored = true;
    out.error += "; restored the previous " + options_.output_path;
  } else {
    out.error += "; could not restore the previous " + options_.output_path + ": " + error;
  }
  return out;
}

}  // namespace drpilot::agent
