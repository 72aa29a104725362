#pragma once
// Operator commands (drain, undrain, pin, unpin, freeze, resume, switchover):
// whether one may be carried out, and the overrides it leads to. Pure: the
// controller journals and applies the result.

#include <map>
#include <string>

#include "core/engine.h"
#include "core/model.h"
#include "core/spec.h"

namespace drpilot::core {

struct Command {
  std::string name;    // drain | undrain | pin | unpin | freeze | resume | switchover
  std::string site;    // drain, undrain, pin, switchover
  std::string record;  // pin, unpin, switchover (a record name: every type of it)
  // switchover --data: move the write-primary of `group` (every single-mode
  // group when empty) to `data_region`, pausing writes until it caught up.
  std::string data_region;
  std::string group;
  bool force = false;  // drain or switch over even though it leaves no healthy answer
  std::string who;     // "alice@ops-1"
  std::string why;     // "maintenance of the ams database"
};

struct CommandCheck {
  bool ok = false;
  int status = 200;     // HTTP-like: 400 malformed, 404 unknown name, 409 refused
  std::string message;  // one sentence: what will happen, or why not
  Overrides next;       // the overrides afterwards (when ok)
};

// `spec`, `verdicts` and `overrides` are the engine's current ones.
CommandCheck check_command(const Command& cmd, const EngineSpec& spec,
                           const std::map<std::string, Verdict>& verdicts,
                           const Overrides& overrides);

// "alice@ops-1: maintenance of the ams database": for reasons and the journal.
std::string command_note(const Command& cmd);

}  // namespace drpilot::core
