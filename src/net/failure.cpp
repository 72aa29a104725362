#include "net/failure.h"

#include <cerrno>

namespace drpilot::net {

bool is_local_errno(int err) {
  switch (err) {
    case EMFILE:   // this process is out of descriptors
    case ENFILE:   // the system is
    case ENOBUFS:  // out of socket buffers
    case ENOMEM:
    case EADDRNOTAVAIL:  // out of ephemeral ports
    case EAGAIN:         // connect(2) on a loopback out of ports says this
      return true;
    default:
      return false;
  }
}

}  // namespace drpilot::net
