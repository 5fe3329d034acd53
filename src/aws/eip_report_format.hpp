// An Elastic IP plan or reconcile result as text for people (`staticgate aws reconcile
// --dry-run`, logs) or as JSON for scripts and the admin API. Pure.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "aws/eip_plan.hpp"
#include "aws/eip_reconciler.hpp"

namespace staticgate::aws {

nlohmann::json eip_plan_to_json(const eip_plan& plan);
// {"binding", "dry_run", "known", "interface_pages", "summary", "plan" (null when not known),
//  "outcomes": [{"allocation_id", "network_interface_id", "ok", "association_id", "error"}],
//  "errors": [...], "error_count"}
nlohmann::json eip_result_to_json(const eip_reconcile_result& result);

// One line per decision, indented under nothing: "keep  eipalloc-1 198.51.100.10 on eni-1".
std::string eip_plan_to_text(const eip_plan& plan);
// The summary line, then the plan's lines; in a real run each association says how it went.
std::string eip_result_to_text(const eip_reconcile_result& result);

}  // namespace staticgate::aws
