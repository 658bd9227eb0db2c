#!/bin/sh
# tests/gdb/bvm-guest.sh: gdb against bvm's stub (bvm run --gdb, hosted/gdbstub.c;
# docs/debugging.md). bvm runs the hello guest and holds it at its first
# instruction; gdb in batch mode checks that it stands at _start, reads a register
# (rax: the Multiboot magic) and guest memory (a string of the guest's rodata),
# steps one instruction, and with GDB_BREAKS=1 stops at report() with a hardware
# breakpoint (its arguments: rdi, the first check's result, and the string rsi
# points at) and at report_summary() with a software one; it detaches, and the
# guest runs to its end. Each check prints one "GDB:" line. A second run sends
# the stub bad packets and then kills gdb; the guest must run on to its end. A
# third stops the spin guest (forever=1) with gdb's Ctrl-C, then kills it.
# kvm-hosted: tests/run.py:bvm_command sets BVM, GUESTS, GDB, GDB_PORT and
# GDB_BREAKS=1. kvm-lab: L1 runs it with the defaults (gdb from scripts/mklab.sh
# --gdb) and without breakpoints, which L1's KVM never sees there: QEMU 7.2's TCG
# SVM checks an INT3 of L2 against the INTn intercept only, not the #BP one KVM
# sets, and loads L2's DR7 without arming its breakpoints (docs/debugging.md).
BVM=${BVM:-bvm}
GUESTS=${GUESTS:-/guests}
GDB=${GDB:-gdb}
PORT=${GDB_PORT:-1234}
ip link set lo up 2>/dev/null # L1 brings up no interface; a host has lo up already
cmds=$(mktemp)
cat >"$cmds" <<'GDBEOF'
set pagination off
set confirm off
printf "GDB: stopped at _start: %d\n", $rip == (long)_start
printf "GDB: rax = %#x (the Multiboot magic)\n", $rax
printf "GDB: exception_names[13] = %s\n", exception_names[13]
stepi
printf "GDB: stepi: rip moved forward: %d\n", $rip > (long)_start && $rip < (long)_start + 16
GDBEOF
if [ "${GDB_BREAKS:-0}" = 1 ]; then
	cat >>"$cmds" <<'GDBEOF'
hbreak *report
continue
printf "GDB: stopped at report: %d\n", $rip == (long)report
printf "GDB: rdi (the first check's result) = %d\n", $rdi
printf "GDB: rsi points at \"%s\"\n", (char *)$rsi
delete
break *report_summary
continue
printf "GDB: stopped at report_summary: %d\n", $rip == (long)report_summary
delete
GDBEOF
fi
echo detach >>"$cmds"

# One run of a guest under gdb: bvm --gdb PORT, gdb -batch with the commands of
# FILE; says how each ended. 0 when gdb and bvm ended with the statuses wanted.
guest_under_gdb() { # PORT FILE GDB_STATUS BVM_STATUS GUEST [CMDLINE]
	"$BVM" run --gdb "$1" --mem 16M --watchdog 60 --kernel "$GUESTS/$5" --cmdline "${6:-}" &
	bvm=$!
	"$GDB" -nx -batch -ex "target remote 127.0.0.1:$1" -x "$2" "$GUESTS/$5" 2>&1
	gdb_status=$?
	echo "LAB: gdb exited with status $gdb_status"
	wait $bvm
	bvm_status=$?
	echo "LAB: bvm exited with status $bvm_status"
	[ "$gdb_status" = "$3" ] && [ "$bvm_status" = "$4" ]
}

# A gdb that sends packets the stub must refuse, then dies without a word
# (SIGKILL): bvm answers each, then lets the guest run to its end.
bad=$(mktemp)
cat >"$bad" <<'GDBEOF'
maint packet zz
maint packet mzz,4
maint packet mffffffffffff0000,8
maint packet M100000,2:zz
maint packet p99
maint packet Z0,ffffffffffff0000,1
maint packet Z3,100000,4
maint packet cqq
shell kill -9 $PPID
GDBEOF

# gdb's Ctrl-C (a SIGINT to gdb while the guest runs, as a terminal sends it)
# stops a guest that computes without end; kill ends it.
intr=$(mktemp)
cat >"$intr" <<'GDBEOF'
shell (sleep 2; kill -INT $PPID) &
continue
printf "GDB: interrupted inside the guest's code: %d\n", $rip >= (long)_start && $rip < (long)&__load_end
kill
GDBEOF
failed=0
guest_under_gdb "$PORT" "$cmds" 0 0 hello.elf || failed=1
guest_under_gdb "$((PORT + 1))" "$bad" 137 0 hello.elf || failed=1
guest_under_gdb "$((PORT + 2))" "$intr" 0 137 spin.elf forever=1 || failed=1
rm -f "$cmds" "$bad" "$intr"
exit $failed
