#pragma once
// Where a process that listens says which ports it got. With port 0 in the
// configuration the system picks them; whoever started the process (a test,
// a supervisor script) reads them here instead of guessing a free port
// beforehand, which races with everything else on the machine. The file is
// written once everything listens, atomically (a reader sees all of it or
// nothing), as one JSON object, e.g.
//   {"pid": 4242, "api": "127.0.0.1:40123", "dns": ["127.0.0.1:40124"]}
// and removed when the process stops.

#include <nlohmann/json.hpp>

#include <string>

namespace drpilot::cli {

class PortFile {
 public:
  // Nothing happens with an empty path.
  explicit PortFile(std::string path) : path_(std::move(path)) {}
  ~PortFile();
  PortFile(const PortFile&) = delete;
  PortFile& operator=(const PortFile&) = delete;

  // `ports` gets "pid" added. Throws std::runtime_error naming the file.
  void write(nlohmann::json ports);

 private:
  std::string path_;
  bool written_ = false;
};

}  // namespace drpilot::cli
