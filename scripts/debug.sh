#!/bin/sh
# scripts/debug.sh: `make debug`: bivisor's ISO in QEMU as `make run` boots it,
# held before its first instruction (-S) with QEMU's gdbstub on
# 127.0.0.1:GDB_PORT (QEMU's -s, on loopback only), and gdb with
# build/bivisor.elf's symbols running scripts/debug.gdb. bivisor's console goes
# to build/debug-serial.log (the terminal is gdb's). QEMU ends with gdb.
#   scripts/debug.sh                  interactive
#   scripts/debug.sh --batch FILE     gdb -batch, FILE's commands after debug.gdb's
# Environment: B, GDB_PORT (1234), QEMU_ACCEL_OPTS (-cpu max), QEMU_RUN_OPTS, SERIAL.
set -u
B=${B:-build}
PORT=${GDB_PORT:-1234}
SERIAL=${SERIAL:-$B/debug-serial.log}
batch=
if [ "${1:-}" = --batch ]; then
	batch=$2
fi
[ -f "$B/bivisor.elf" ] && [ -f "$B/bivisor.iso" ] || { echo "debug.sh: build first (make all)" >&2; exit 1; }
# shellcheck disable=SC2086
qemu-system-x86_64 ${QEMU_ACCEL_OPTS:--cpu max} ${QEMU_RUN_OPTS:--smp 2 -m 512M} \
	-cdrom "$B/bivisor.iso" -display none -monitor none -no-reboot \
	-device isa-debug-exit,iobase=0xf4,iosize=1 -serial "file:$SERIAL" \
	-gdb "tcp:127.0.0.1:$PORT" -S &
qemu=$!
trap 'kill $qemu 2>/dev/null' EXIT INT TERM
echo "debug.sh: QEMU waits for gdb on 127.0.0.1:$PORT; bivisor's console: $SERIAL"
if [ -n "$batch" ]; then
	gdb -nx -batch -ex "target remote 127.0.0.1:$PORT" -x scripts/debug.gdb -x "$batch" \
		"$B/bivisor.elf" 2>&1
else
	gdb -q -ex "target remote 127.0.0.1:$PORT" -x scripts/debug.gdb "$B/bivisor.elf"
fi
status=$?
echo "DEBUG: gdb exited with status $status"
exit $status
