// cloudstate-tck: the conformance suite for Cloudstate protocol 0.2 user functions.
#include "cloudstate/tck/cli.h"

int main(int argc, char** argv) { return cloudstate::tck::RunCli(argc, argv); }
