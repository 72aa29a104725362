#pragma once
// The bootstrap plan a configuration implies, for `drpilot bootstrap
// dynamodb -c FILE`:
//
//   regions  every data_regions[] entry: its AWS region and endpoint.
//   tables   every table of every table group, and each group's canary
//            table, replicated in every data region. A single-writer group's
//            tables are created in the first region of its primary_order,
//            the others in the first data region.
//   keys     a table's key schema comes from the dynamodb sentinel checks of
//            it: their `key` names the attributes, hash key first, and their
//            types; a canary table's key is its group's canary_key (a
//            string). A table that neither names has no known key: it is
//            given replicas and waited for, but not created.
//   items    the item each sentinel check reads: its key, and a note saying
//            what it is for.

#include <optional>
#include <string>

#include "aws/bootstrap.h"
#include "aws/credentials.h"
#include "config/config.h"

namespace drpilot::aws {

// Nothing and `error` when the configuration has no tables to bootstrap or
// its checks disagree about a table's key or sentinel item.
std::optional<BootstrapPlan> bootstrap_plan_from_config(const config::Config& cfg,
                                                        std::string& error);

// The credentials the configuration's aws section names.
CredentialOptions credential_options_from_config(const config::Config& cfg);

// The attribute bootstrap adds to a sentinel item besides its key.
inline constexpr const char* kSentinelNoteAttribute = "drpilot_note";

}  // namespace drpilot::aws
