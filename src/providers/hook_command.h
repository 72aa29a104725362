#pragma once
// Running one hook command (a pre_change/post_change hook, an agent's
// reload): no shell, an allow-listed environment plus the DRPILOT_* variables
// describing the change, stdout and stderr captured (bounded, cleaned, secrets
// scrubbed), none of the caller's descriptors but stdin, stdout and stderr,
// and a timeout after which the whole process group is killed, whatever the
// command prints or leaves behind. The outcome is the command's own exit
// status; anything it leaves running in its process group is killed when it
// exits.
// Blocking; runs on a thread of its own, never on the controller's loop.

#include <string>
#include <utility>
#include <vector>

#include "config/config.h"
#include "core/time.h"

namespace drpilot::providers {

struct HookResult {
  std::vector<std::string> command;
  std::string record;  // the record the run was about (DRPILOT_RECORD), if any
  int exit_code = -1;  // the exit status; -1 when killed, timed out or not started
  bool timed_out = false;
  std::string error;  // could not start it: "cannot run /x: No such file or directory"
  // stdout and stderr interleaved: the first 4 KiB, secrets replaced by
  // "[secret]", control characters by '?', "... (N more bytes)" when cut.
  std::string output;
  core::Duration took{0};

  bool ok() const { return exit_code == 0 && !timed_out && error.empty(); }
  // "exit 3", "timed out after 10s", "cannot run ...": for reasons and the journal.
  std::string outcome() const;
};

using HookEnv = std::vector<std::pair<std::string, std::string>>;

struct HookPolicy {
  // Variables of the caller's environment passed on, besides PATH, HOME and
  // LANG; nothing else of it is (agent keys, AWS secrets and API tokens live
  // there).
  std::vector<std::string> pass_env;
  // Values scrubbed from the output.
  std::vector<std::string> secrets;
};

// The variables every hook gets from the caller's environment.
inline constexpr const char* kHookBaseEnv[] = {"PATH", "HOME", "LANG"};

// `env` (the DRPILOT_* context) is set on top of the allow-listed variables.
HookResult run_hook(const config::HookCommand& hook, const HookEnv& env,
                    const HookPolicy& policy = {});

}  // namespace drpilot::providers
