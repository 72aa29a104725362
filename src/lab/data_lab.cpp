#include "lab/data_lab.h"

#include <cstdio>
#include <stdexcept>

#include "lab/dynamo_call.h"
#include "lab/dynamo_wire.h"

namespace drpilot::lab {
namespace {

// node and dynalite start in well under a second; a loaded test machine may
// take longer.
constexpr auto kStartTimeout = std::chrono::seconds(20);

}  // namespace

DataLab::DataLab(net::Loop& loop, const config::LabConfig& cfg, DataLabOptions options)
    : loop_(loop), cfg_(cfg), options_(std::move(options)) {
  for (size_t i = 0; i < cfg_.data_regions.size(); ++i) {
    const config::LabDataRegion& d = cfg_.data_regions[i];
    auto it = options_.aws_regions.find(d.name);
    std::string aws = it == options_.aws_regions.end() || it->second.empty() ? d.name : it->second;
    replica_names_.push_back(aws);
    // The endpoint hands requests back here once its fault let them through.
    regions_.push_back(std::make_unique<DataRegion>(
        loop, d.name, aws, d.listen,
        [this, i](const net::ServerRequest& req, net::Responder respond) {
          serve(*regions_[i], req, std::move(respond));
        }));
    processes_.push_back(std::make_unique<DynaliteProcess>(d.name));
  }
}

DataLab::~DataLab() {
  stop();
}

void DataLab::start() {
  if (regions_.empty()) return;
  std::string error;
  auto setup = find_dynalite(options_.node_modules, error);
  if (!setup) throw std::runtime_error(error);
  // All at once: each takes a moment to load.
  for (auto& p : processes_) p->spawn(*setup);
  const auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  std::map<std::string, std::uint16_t> ports;
  for (size_t i = 0; i < processes_.size(); ++i) {
    processes_[i]->wait_ready(deadline);
    ports[regions_[i]->name()] = processes_[i]->port();
  }
  pump_ = std::make_unique<ReplicationPump>(loop_, ports, cfg_.replication_delay);
  for (auto& r : regions_) r->start();
}

void DataLab::stop() {
  if (pump_) pump_->stop();
  for (auto& r : regions_) r->stop();
  for (auto& p : processes_) p->terminate();
  for (auto& p : processes_) p->stop();
}

DataRegion* DataLab::find(const std::string& name) {
  for (auto& r : regions_) {
    if (r->name() == name) return r.get();
  }
  return nullptr;
}

DynaliteProcess& DataLab::process(const DataRegion& r) {
  for (size_t i = 0; i < regions_.size(); ++i) {
    if (regions_[i].get() == &r) return *processes_[i];
  }
  throw std::logic_error("not a data region of this lab");
}

void DataLab::set_fault(DataRegion& r, Fault f, int slow_ms) {
  r.set_fault(f, slow_ms);
  // A slow region is still up: it takes writes, late answers are its own.
  if (pump_) pump_->set_receiving(r.name(), f == Fault::none || f == Fault::slow);
}

std::uint16_t DataLab::port_of(const DataRegion& r) {
  return process(r).port();
}

void DataLab::serve(DataRegion& region, const net::ServerRequest& req, net::Responder respond) {
  const std::string op = operation_of(req.headers);
  if (is_table_change(op)) {
    change_table(region, op, req, std::move(respond));
    return;
  }
  forward(loop_, port_of(region), req,
          [this, &region, op, request = req.body,
           respond = std::move(respond)](net::ClientResult r) mutable {
            net::ServerResponse out = to_response(r, region.name());
            if (r.ok && r.status == 200) {
              if (op == "DescribeTable") {
                if (auto g = as_global_table(op, r.body, replica_names_)) {
                  replace_body(out, std::move(*g));
                }
              } else if (is_item_write(op) && pump_) {
                // Recorded before the client hears of it: whatever it writes
                // next is replicated after this.
                pump_->record(region.name(), replication_steps(op, request, r.body));
              }
            }
            respond(std::move(out));
          });
}

void DataLab::change_table(DataRegion& region, const std::string& op, const net::ServerRequest& req,
                           net::Responder respond) {
  std::string body = req.body;
  if (op == "UpdateTable") {
    if (auto u = strip_replica_updates(req.body)) {
      body = u->body;
      if (u->replica_updates && u->nothing_else) {
        // Every lab region holds every table already: the replicas asked
        // for exist, and the answer is the table as it stands.
        dynamo_call(loop_, port_of(region), "DescribeTable", body,
                    [this, &region, respond = std::move(respond)](net::ClientResult r) {
                      net::ServerResponse out = to_response(r, region.name());
                      std::optional<std::string> reply;
                      if (r.ok && r.status == 200) reply = update_reply_from_describe(r.body);
                      if (reply) reply = as_global_table("UpdateTable", *reply, replica_names_);
                      if (reply) replace_body(out, std::move(*reply));
                      respond(std::move(out));
                    });
        return;
      }
    }
  }
  forward(
      loop_, port_of(region), req,
      [this, &region, op, body, respond = std::move(respond)](net::ClientResult r) mutable {
        net::ServerResponse out = to_response(r, region.name());
        if (!r.ok || r.status != 200) {
          respond(std::move(out));
          return;
        }
        if (auto g = as_global_table(op, r.body, replica_names_)) replace_body(out, std::move(*g));
        // The other regions change too before the client hears back, so
        // that the table is everywhere once CreateTable has answered.
        struct Pending {
          int left = 0;
          net::ServerResponse out;
          net::Responder respond;
        };
        auto pending = std::make_shared<Pending>();
        pending->out = std::move(out);
        pending->respond = std::move(respond);
        for (auto& other : regions_) {
          if (other.get() == &region) continue;
          ++pending->left;
          dynamo_call(loop_, port_of(*other), op, body,
                      [pending, op, name = other->name()](net::ClientResult o) {
                        if (!o.ok || o.status != 200) {
                          std::fprintf(stderr, "lab: %s in data region %s failed: %s\n", op.c_str(),
                                       name.c_str(), o.ok ? o.body.c_str() : o.error.c_str());
                        }
                        if (--pending->left == 0) pending->respond(std::move(pending->out));
                      });
        }
        if (pending->left == 0) pending->respond(std::move(pending->out));
      },
      &body);
}

}  // namespace drpilot::lab
