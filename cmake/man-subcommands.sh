#!/bin/sh
# Writes a help2man include file with one section per subcommand of EXE, each its `--help` text,
# so that the man page documents every subcommand's options, not just the top-level ones.
# Usage: man-subcommands.sh EXE OUTPUT SUBCOMMAND...
set -eu
exe="$1"
output="$2"
shift 2
{
  echo "[SUBCOMMAND OPTIONS]"
  for sub in "$@"; do
    echo ".SS $sub"
    echo ".nf"
    # Backslashes printed literally; no line may start a roff request.
    # Through PATH, so that the usage line names the command, not the build tree's path.
    PATH="$(dirname "$exe"):$PATH" "$(basename "$exe")" "$sub" --help | sed -e 's/\\/\\e/g' -e 's/^/\\\&/'
    echo ".fi"
  done
} > "$output"
