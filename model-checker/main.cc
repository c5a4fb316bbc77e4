// cloudstate-model-checker: checks histories for linearizability and CRDT convergence, and drives
// user functions with generated command sequences.
#include "cloudstate/model_checker/cli.h"

int main(int argc, char** argv) { return cloudstate::model_checker::RunCli(argc, argv); }
