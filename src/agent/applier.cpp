#include "agent/applier.h"

#include "agent/atomic_file.h"
#include "agent/template.h"
#include "agent/variables.h"
#include "providers/hook_command.h"

namespace drpilot::agent {
namespace {

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

ApplyOutcome Applier::apply(const api::SiteAssignmentMessage& assignment) const {
  ApplyOutcome out;
  if (options_.template_path.empty()) {
    out.ok = true;
    return out;
  }
  std::string error;
  auto tmpl = read_file_state(options_.template_path, error);
  if (!tmpl || !tmpl->exists) {
    out.error = tmpl ? "template " + options_.template_path + " does not exist" : error;
    return out;
  }
  auto rendered = render_template(
      tmpl->content, options_.template_path,
      [&](const std::string& name, std::string& why) {
        return assignment_variable(assignment, name, why);
      },
      error);
  if (!rendered) {
    out.error = "cannot render the template: " + error + "; " + options_.output_path +
                " was left unchanged";
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
  if (!write_file_atomic(options_.output_path, *rendered, error)) {
    out.error = error;
    return out;
  }
  out.changed = true;
  if (options_.reload.empty()) {
    out.ok = true;
    return out;
  }
  config::HookCommand cmd{options_.reload, options_.reload_timeout};
  providers::HookResult r =
      providers::run_hook(cmd, reload_env(assignment, options_.output_path), options_.hidden_env);
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
  if (restore_file_state(options_.output_path, *previous, error)) {
    out.restored = true;
    out.error += "; restored the previous " + options_.output_path;
  } else {
    out.error += "; could not restore the previous " + options_.output_path + ": " + error;
  }
  return out;
}

}  // namespace drpilot::agent
