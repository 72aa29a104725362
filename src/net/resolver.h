#pragma once
// Host names to addresses for the HTTP client, within each request's deadline.
//
// The system's lookup (getaddrinfo) blocks and cannot be cancelled: a name
// server that never answers holds the calling thread until libc gives up
// (resolv.conf's timeout times its attempts times its servers: half a minute
// is common). So lookups run on threads of their own, a request waits for
// its answer only until its own deadline, and an answer that comes later is
// dropped. Lookups of one name that overlap are made once, and at most
// `max_threads` lookups run at a time (the rest wait their turn, each still
// bounded by its request's deadline): a resolver that hangs costs a few
// threads, never one per request.
//
// The lookup is a plain function, so that tests can give one that hangs or
// answers whatever they need.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace drpilot::net {

class Loop;

struct Lookup {
  std::vector<std::string> addresses;  // numeric IPv4/IPv6 addresses, in the order to try
  std::string error;                   // when there are none: "Name or service not known", ...
  bool local = false;                  // the error is this machine's (out of memory, threads)
};

// Blocking; may take as long as the system's resolver takes.
using LookupFunction = std::function<Lookup(const std::string& host)>;

// getaddrinfo for TCP, IPv4 and IPv6, as configured on this machine
// (/etc/hosts, resolv.conf, nsswitch.conf).
Lookup system_lookup(const std::string& host);

class Resolver;

// A request's interest in one lookup. Destroying it (on the loop's thread)
// withdraws the interest: its callback is not called afterwards, and a
// lookup nobody waits for any more is not started.
class LookupWait {
 public:
  LookupWait(const LookupWait&) = delete;
  LookupWait& operator=(const LookupWait&) = delete;
  ~LookupWait();

  struct Shared;

 private:
  friend class Resolver;
  LookupWait(std::shared_ptr<Shared> shared, std::string host, std::uint64_t id,
             std::shared_ptr<bool> alive);
  std::shared_ptr<Shared> shared_;
  std::string host_;
  std::uint64_t id_;
  std::shared_ptr<bool> alive_;  // the callback runs only while this lives
};

class Resolver {
 public:
  explicit Resolver(LookupFunction lookup = system_lookup, std::size_t max_threads = 8);
  // Lookups still running finish on their threads; their answers are dropped.
  ~Resolver();
  Resolver(const Resolver&) = delete;
  Resolver& operator=(const Resolver&) = delete;

  // Looks `host` up (or joins a lookup of it already under way). `done` runs
  // on `loop`'s thread, never inside this call, unless the returned wait was
  // destroyed first or the loop is gone by then.
  [[nodiscard]] std::unique_ptr<LookupWait> resolve(Loop& loop, const std::string& host,
                                                    std::function<void(Lookup)> done);

  // Lookups running now (each on a thread of its own), and names waiting
  // for a thread.
  std::size_t running() const;
  std::size_t queued() const;

  // The process's resolver, on system_lookup; what requests use by default.
  static const std::shared_ptr<Resolver>& system();

 private:
  std::shared_ptr<LookupWait::Shared> shared_;
};

}  // namespace drpilot::net
