#pragma once
// The faulty-store decorator: a Store that passes every call to the store it wraps, except where
// the fault plan makes a store fault (area "store" of proxy_faults.def) strike.
//
//   std::unique_ptr<Store> store = WrapInFaultyStore(NewMemoryStore(), plan);

#include <memory>

#include "cloudstate/proxy/store.h"
#include "faults/fault_plan.h"

namespace cloudstate::proxy::faults {

std::unique_ptr<Store> WrapInFaultyStore(std::unique_ptr<Store> inner,
                                         std::shared_ptr<FaultPlan> plan);

}  // namespace cloudstate::proxy::faults
