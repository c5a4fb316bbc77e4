#pragma once
// The `cloudstate-tck` command line (main.cc only forwards to RunCli).
//
//   cloudstate-tck run --function HOST:PORT [--config FILE] [--filter PATTERN] [--exclude PATTERN]
//                      [--report-dir DIR] [--time-scale X] [--jobs N] [--known-failing FILE]
//                      [--spec-dir DIR] [--deadline SECONDS] [-v]
//   cloudstate-tck list
//   cloudstate-tck report --compare OLD_DIR NEW_DIR

namespace cloudstate::tck {

int RunCli(int argc, char** argv);

}  // namespace cloudstate::tck
