#pragma once
// Names of the deliberate faults, as constants generated from faults.def (a typo in a name is a
// compile error): fault::kEsWrongCommandId == "es-wrong-command-id".

namespace cloudstate::reference_function::fault {

#define CS_FAULT(id, name, area, description) inline constexpr char id[] = name;
#include "faults.def"
#undef CS_FAULT

}  // namespace cloudstate::reference_function::fault
