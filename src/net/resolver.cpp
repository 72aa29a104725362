#include "net/resolver.h"

#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <exception>
#include <map>
#include <mutex>
#include <system_error>
#include <thread>

#include "net/failure.h"
#include "net/loop_impl.h"

namespace drpilot::net {

namespace {

struct Waiter {
  std::uint64_t id = 0;
  std::shared_ptr<LoopMailbox> mailbox;
  std::weak_ptr<bool> alive;
  std::function<void(Lookup)> done;
};

// A name being looked up, or waiting for a thread to be.
struct Pending {
  bool started = false;
  std::vector<Waiter> waiters;
};

}  // namespace

struct LookupWait::Shared {
  Shared(LookupFunction fn, std::size_t max) : lookup(std::move(fn)), max_threads(max) {}

  const LookupFunction lookup;
  const std::size_t max_threads;

  mutable std::mutex mu;
  std::size_t threads = 0;  // lookups running, one thread each
  std::uint64_t next_id = 1;
  std::map<std::string, Pending> pending;  // by name
  std::deque<std::string> queue;           // names not started yet, oldest first

  // Hands `answer` to every waiter whose loop still exists; the callback
  // itself checks, on its loop, that its wait was not withdrawn meanwhile.
  static void deliver(std::vector<Waiter>& waiters, const Lookup& answer) {
    for (Waiter& w : waiters) {
      w.mailbox->post([alive = std::move(w.alive), done = std::move(w.done), answer] {
        if (auto still = alive.lock()) done(answer);
      });
    }
  }

  // The answer's waiters, with the name no longer pending. Under `mu`.
  std::vector<Waiter> finish(const std::string& host) {
    std::vector<Waiter> waiters;
    auto it = pending.find(host);
    if (it != pending.end()) {
      waiters = std::move(it->second.waiters);
      pending.erase(it);
    }
    return waiters;
  }

  // One thread: looks names up until none waits for a thread.
  static void work(std::shared_ptr<Shared> self, std::string host) {
    for (;;) {
      Lookup answer;
      try {
        answer = self->lookup(host);
      } catch (const std::exception& e) {
        answer = Lookup{{}, e.what(), true};
      }
      if (answer.addresses.empty() && answer.error.empty()) answer.error = "no address";
      std::vector<Waiter> waiters;
      bool more = false;
      {
        std::lock_guard lock(self->mu);
        waiters = self->finish(host);
        if (self->queue.empty()) {
          --self->threads;
        } else {
          more = true;
          host = std::move(self->queue.front());
          self->queue.pop_front();
          self->pending[host].started = true;
        }
      }
      deliver(waiters, answer);
      if (!more) return;
    }
  }
};

Lookup system_lookup(const std::string& host) {
  Lookup out;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_ADDRCONFIG;
  addrinfo* result = nullptr;
  const int rc = getaddrinfo(host.c_str(), nullptr, &hints, &result);
  if (rc != 0) {
    const int err = errno;
    out.error = rc == EAI_SYSTEM ? std::strerror(err) : gai_strerror(rc);
    out.local = rc == EAI_MEMORY || (rc == EAI_SYSTEM && is_local_errno(err));
    return out;
  }
  for (const addrinfo* a = result; a != nullptr; a = a->ai_next) {
    char text[NI_MAXHOST] = {};
    if (getnameinfo(a->ai_addr, a->ai_addrlen, text, sizeof text, nullptr, 0, NI_NUMERICHOST) !=
        0) {
      continue;
    }
    if (std::find(out.addresses.begin(), out.addresses.end(), text) == out.addresses.end()) {
      out.addresses.emplace_back(text);
    }
  }
  freeaddrinfo(result);
  return out;
}

LookupWait::LookupWait(std::shared_ptr<Shared> shared, std::string host, std::uint64_t id,
                       std::shared_ptr<bool> alive)
    : shared_(std::move(shared)), host_(std::move(host)), id_(id), alive_(std::move(alive)) {}

LookupWait::~LookupWait() {
  alive_.reset();
  std::vector<Waiter> gone;  // released outside the lock
  std::lock_guard lock(shared_->mu);
  auto it = shared_->pending.find(host_);
  if (it == shared_->pending.end()) return;
  auto& waiters = it->second.waiters;
  for (auto w = waiters.begin(); w != waiters.end(); ++w) {
    if (w->id == id_) {
      gone.push_back(std::move(*w));
      waiters.erase(w);
      break;
    }
  }
  // A name nobody waits for any more is not looked up; one already being
  // looked up runs on (it cannot be stopped) and its answer goes nowhere.
  if (waiters.empty() && !it->second.started) {
    shared_->pending.erase(it);
    auto& q = shared_->queue;
    q.erase(std::remove(q.begin(), q.end(), host_), q.end());
  }
}

Resolver::Resolver(LookupFunction lookup, std::size_t max_threads)
    : shared_(std::make_shared<LookupWait::Shared>(std::move(lookup),
                                                   std::max<std::size_t>(max_threads, 1))) {}

Resolver::~Resolver() = default;

std::unique_ptr<LookupWait> Resolver::resolve(Loop& loop, const std::string& host,
                                              std::function<void(Lookup)> done) {
  auto alive = std::make_shared<bool>(true);
  std::uint64_t id = 0;
  bool start = false;
  {
    std::lock_guard lock(shared_->mu);
    id = shared_->next_id++;
    auto [it, fresh] = shared_->pending.try_emplace(host);
    it->second.waiters.push_back({id, loop.impl().mailbox, alive, std::move(done)});
    if (fresh) {
      if (shared_->threads < shared_->max_threads) {
        it->second.started = true;
        ++shared_->threads;
        start = true;
      } else {
        shared_->queue.push_back(host);
      }
    }
  }
  if (start) {
    try {
      std::thread(&LookupWait::Shared::work, shared_, host).detach();
    } catch (const std::system_error& e) {
      std::vector<Waiter> waiters;
      {
        std::lock_guard lock(shared_->mu);
        --shared_->threads;
        waiters = shared_->finish(host);
      }
      LookupWait::Shared::deliver(
          waiters,
          Lookup{{}, std::string("cannot start a thread for the lookup: ") + e.what(), true});
    }
  }
  return std::unique_ptr<LookupWait>(new LookupWait(shared_, host, id, std::move(alive)));
}

std::size_t Resolver::running() const {
  std::lock_guard lock(shared_->mu);
  return shared_->threads;
}

std::size_t Resolver::queued() const {
  std::lock_guard lock(shared_->mu);
  return shared_->queue.size();
}

const std::shared_ptr<Resolver>& Resolver::system() {
  // Never destroyed: requests may still be resolving while the process exits.
  static const auto* resolver = new std::shared_ptr<Resolver>(std::make_shared<Resolver>());
  return *resolver;
}

}  // namespace drpilot::net
