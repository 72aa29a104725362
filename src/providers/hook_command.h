#pragma once
// Running one hook command: no shell, the controller's environment plus the
// DRPILOT_* variables describing the change, stdout and stderr captured
// (bounded), and a timeout after which the whole process group is killed.
// The outcome is the command's own exit status; anything it leaves running
// in its process group is killed when it exits.
// Blocking; runs on the hook thread, never on the controller's loop.

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
  std::string error;   // could not start it: "cannot run /x: No such file or directory"
  std::string output;  // stdout and stderr interleaved, at most 4 KiB (the start)
  core::Duration took{0};

  bool ok() const { return exit_code == 0 && !timed_out && error.empty(); }
  // "exit 3", "timed out after 10s", "cannot run ...": for reasons and the journal.
  std::string outcome() const;
};

using HookEnv = std::vector<std::pair<std::string, std::string>>;

// `env` is added to the controller's environment; the variables named in
// `hidden` are removed from it.
HookResult run_hook(const config::HookCommand& hook, const HookEnv& env,
                    const std::vector<std::string>& hidden = {});

}  // namespace drpilot::providers
