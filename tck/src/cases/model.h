#pragma once
// The case files of this folder build model messages with the kit's one builder library.

#include "cloudstate/tck/case_registry.h"
#include "cloudstate/tck/messages.h"
#include "cloudstate/tck/model_builders.h"
#include "cloudstate/tck/scenario.h"

namespace cloudstate::tck::cases {

using namespace ::cloudstate::tck::builders;  // NOLINT(build/namespaces): builders only

}  // namespace cloudstate::tck::cases
