#pragma once
// One write as it is replayed in another region: a DynamoDB request.

#include <string>

namespace drpilot::lab {

struct Change {
  std::string operation;  // "PutItem", "DeleteItem", "BatchWriteItem"
  std::string body;       // its JSON request
  bool operator==(const Change&) const = default;
};

}  // namespace drpilot::lab
