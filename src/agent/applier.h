#pragma once
// Applying a site's assignment to the application: render the template,
// write the output atomically when its content changes, run the reload
// command with a timeout, and when the reload fails or hangs put the
// previous file back (atomically) so that the file on disk matches what the
// application still runs with. Blocking: the reload may take seconds, so the
// agent runs this on a worker thread, never on its loop.
//
// The reload command runs without a shell, with PATH, HOME, LANG and the
// variables in `reload_policy.pass_env` from the agent's environment, plus
//   DRPILOT_SITE, DRPILOT_GENERATION, DRPILOT_OUTPUT, and, when the
//   assignment has exactly one table group, DRPILOT_DATA_REGION,
//   DRPILOT_WRITE_REGION and DRPILOT_ROLE;
// its output is reported with the agent's key scrubbed from it.
//
// After every successful apply, the assignment is kept beside the output
// (".<output name>.drpilot-applied.json"), so that an agent restarted while
// no controller answers still knows what the application runs with.

#include <optional>
#include <string>
#include <vector>

#include "api/agent_protocol.h"
#include "core/time.h"
#include "providers/hook_command.h"

namespace drpilot::agent {

struct ApplierOptions {
  std::string template_path;  // empty: nothing to render; an assignment is applied as is
  std::string output_path;
  bool follow_symlink = false;  // an output that is a link: replace where it points (else refused)
  std::vector<std::string> reload;  // argv; empty: no reload
  core::Duration reload_timeout{10'000};
  providers::HookPolicy reload_policy;
};

struct ApplyOutcome {
  bool ok = false;
  bool changed = false;        // the output was rewritten (and, if it failed, restored)
  bool reloaded = false;       // the reload command ran and succeeded
  bool restored = false;       // the previous output was put back
  std::string error;           // why not ok: a sentence for logs, status and the report
  std::string reload_outcome;  // "exit 0", "exit 3", "timed out after 2s and was killed", ...
  std::string reload_output;   // the start of what the reload printed
  std::string state_error;     // ok, but the assignment could not be kept for a restart
};

class Applier {
 public:
  explicit Applier(ApplierOptions options) : options_(std::move(options)) {}
  ApplyOutcome apply(const api::SiteAssignmentMessage& assignment) const;
  const ApplierOptions& options() const { return options_; }

  // Where the last applied assignment is kept; "" without an output.
  std::string state_path() const;
  // The assignment kept by the last successful apply, for `site`, when the
  // output still holds exactly what the template renders from it (nobody
  // changed the file or the template since); otherwise nothing, with `why`
  // ("" when there was simply nothing kept).
  std::optional<api::SiteAssignmentMessage> load_applied(const std::string& site,
                                                         std::string& why) const;

 private:
  ApplyOutcome write_and_reload(const api::SiteAssignmentMessage& assignment) const;
  std::optional<std::string> render(const api::SiteAssignmentMessage& assignment,
                                    std::string& error) const;

  ApplierOptions options_;
};

}  // namespace drpilot::agent
