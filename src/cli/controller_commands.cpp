// Operator commands arriving over the API: checked (core/commands.h), applied
// to the engine, and journaled with who and why in the same transaction as
// the overrides they leave behind.

#include "cli/controller.h"
#include "cli/log.h"
#include "store/journal.h"
#include "store/journal_keeper.h"

namespace drpilot::cli {

std::pair<int, nlohmann::json> Controller::command(const core::Command& cmd) {
  if (cmd.name == "switchover" && !cmd.data_region.empty()) return data_switchover(cmd);
  const core::CommandCheck check =
      core::check_command(cmd, engine_->spec(), engine_->site_verdicts(), engine_->overrides());
  const nlohmann::json detail = {{"site", cmd.site}, {"record", cmd.record}, {"force", cmd.force},
                                 {"who", cmd.who},   {"why", cmd.why},       {"ok", check.ok}};
  if (!check.ok) {
    log_event("command_refused",
              {{"command", cmd.name}, {"who", cmd.who}, {"reason", check.message}});
    return {check.status, {{"error", check.message}}};
  }
  const std::string note = core::command_note(cmd);
  const std::string message = check.message + " (" + note + ")";
  // Journaled before it takes effect: a command that changed the answer must
  // survive a crash together with the plan it caused.
  if (const std::string error = journal_->write([&](store::Journal& j) {
        j.record_command(cmd.name, message, clock_.now(), detail, check.next);
      });
      !error.empty()) {
    log_event("journal_error", {{"error", error}});
    return {500, {{"error", "the command was not carried out: " + error}}};
  }
  log_event("command", {{"command", cmd.name}, {"who", cmd.who}, {"message", check.message}});
  core::EngineStep step;
  if (cmd.name == "switchover") {
    step = engine_->switchover(cmd.record, cmd.site, note);
  } else if (cmd.name == "resume") {
    step = engine_->resume();
  } else {
    step = engine_->set_overrides(check.next);
  }
  apply(step);
  return {200,
          {{"message", check.message},
           {"generation", engine_->plan().generation},
           {"plan_changed", step.plan_changed}}};
}

}  // namespace drpilot::cli
