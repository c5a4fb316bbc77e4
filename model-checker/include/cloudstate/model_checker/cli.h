#pragma once
// The command line of `cloudstate-model-checker` (see model-checker/README.md).
//
// Exit codes: 0 the property held, 1 it did not (not linearizable, not converged, a target
// misbehaved), 2 bad usage or input, 3 the check gave up (verdict unknown).

namespace cloudstate::model_checker {

inline constexpr int kExitOk = 0;
inline constexpr int kExitViolation = 1;
inline constexpr int kExitError = 2;
inline constexpr int kExitUnknown = 3;

int RunCli(int argc, char** argv);

}  // namespace cloudstate::model_checker
