#pragma once
// A self-contained HTML page (inline SVG and CSS, no scripts or network) showing a checked history
// as a timeline: one lane per client per entity, one bar per operation from call to return. For
// an entity that is not linearizable, its minimal non-linearizable prefix is drawn, the operations
// that cannot be linearized are marked red and a longest partial linearization is numbered.
//
//   WriteFile("counterexample.html", RenderHistoryHtml(history, result));

#include <string>

#include "cloudstate/model_checker/history.h"
#include "cloudstate/model_checker/linearizability.h"

namespace cloudstate::model_checker {

struct HtmlOptions {
  // Draws at most this many operations per entity (the rest are counted, not drawn).
  int max_operations_per_entity = 400;
  // Also draws the entities that are linearizable (otherwise only the failing ones are).
  bool include_linearizable = false;
};

std::string RenderHistoryHtml(const History& history, const CheckResult& result,
                              const HtmlOptions& options = {});

}  // namespace cloudstate::model_checker
