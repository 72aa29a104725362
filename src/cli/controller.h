#pragma once
// The controller wires the pieces together: checks feed the engine, every
// engine step is journaled, and each new plan is published to the embedded
// DNS. Everything runs on one event loop thread; the DNS server answers from
// its own threads out of the immutable snapshot published here.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "api/api_server.h"
#include "config/config.h"
#include "core/engine.h"
#include "net/loop.h"

namespace drpilot::dns {
class Server;
}
namespace drpilot::probe {
class Scheduler;
}
namespace drpilot::store {
class Journal;
}

namespace drpilot::cli {

class Controller : public api::Backend {
 public:
  Controller(net::Loop& loop, config::Config cfg, const core::Clock& clock);
  ~Controller() override;

  // Opens the journal and resumes from it, binds DNS and the API, starts the
  // checks. Throws std::runtime_error with a message fit for the operator.
  void start();
  void stop();
  // Re-reads the configuration file. On any error the running configuration
  // stays in force; returns the errors ("" on success).
  std::string reload();

  nlohmann::json status() override;
  nlohmann::json history(std::size_t limit, std::optional<std::int64_t> before_id) override;
  bool live() override;

  const core::Engine& engine() const { return *engine_; }
  std::uint16_t dns_port() const;
  std::uint16_t api_port() const;

 private:
  void on_observation(const core::Observation& o);
  void apply(const core::EngineStep& step);
  void publish();
  void schedule_tick();
  void alert(const std::string& text);
  void journal_event(const std::string& subject, const std::string& message,
                     const nlohmann::json& data = nullptr);
  std::string refuse_reload(const std::string& errors);
  void clear_alert(const std::string& prefix);

  net::Loop& loop_;
  config::Config cfg_;
  const core::Clock& clock_;
  std::unique_ptr<store::Journal> journal_;
  std::unique_ptr<core::Engine> engine_;
  std::unique_ptr<dns::Server> dns_;
  std::unique_ptr<api::ApiServer> api_;
  std::unique_ptr<probe::Scheduler> scheduler_;
  net::Timer tick_timer_;
  std::chrono::steady_clock::time_point last_tick_;
  core::TimePoint started_at_{};
  std::vector<std::string> alerts_;
  bool running_ = false;
};

}  // namespace drpilot::cli
