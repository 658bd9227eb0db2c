#!/bin/sh
# tests/gdb/hypervisor.sh: svm-qemu/gdb-hypervisor: `make debug` in batch mode
# (scripts/debug.sh --batch) with tests/gdb/hypervisor.gdb's checks, on the port
# tests/run.py gives (GDB_PORT) and bivisor's console in a temporary file.
cd "$(dirname "$0")/../.." || exit 1
serial=$(mktemp)
SERIAL=$serial scripts/debug.sh --batch tests/gdb/hypervisor.gdb
status=$?
rm -f "$serial"
exit $status
