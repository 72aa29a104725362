#include "cli/port_file.h"

#include <unistd.h>

#include <cstdio>
#include <stdexcept>

#include "agent/atomic_file.h"

namespace drpilot::cli {

PortFile::~PortFile() {
  if (written_) std::remove(path_.c_str());
}

void PortFile::write(nlohmann::json ports) {
  if (path_.empty()) return;
  ports["pid"] = static_cast<long>(::getpid());
  std::string error;
  if (!agent::write_file_atomic(path_, ports.dump() + "\n", error)) {
    throw std::runtime_error("cannot write the port file: " + error);
  }
  written_ = true;
}

}  // namespace drpilot::cli
