#!/bin/sh
# tests/lab/manage.sh: bvm's management verbs for real, in the nested-KVM lab
# (manifest: manage, lab-script=): bvm create a spinning two-vCPU guest from
# a domain file, list it running, pause it (its CPU time stands still),
# unpause it, read its console without a terminal, refuse a second domain of
# the same name, destroy it. Then hello.elf with on_poweroff = "preserve" and
# create -c: its console shows the guest's whole run, list shows it ended
# until destroy. Each step says "LAB: ..." for the manifest's expect=.
export BVM_RUN_DIR=/tmp/bvm-run
cfg=/tmp/spin1.cfg
cat >"$cfg" <<'CFG'
# a domain file as README.md shows one
name = "spin1"
memory = 16
vcpus = 2
kernel = "/guests/spin.elf"
cmdline = "cpus=2 forever=1"
weight = 512   # shown by bvm list
cap = 150
CFG
row() { bvm list | grep "^spin1 "; }
# column N of spin1's row (1 Name, 2 ID, 3 Mem, 4 VCPUs, 5 State, 6 Time(s), 7 Weight, 8 Cap)
col() { r=$(row); set -- $r; eval "echo \"\${$N}\""; }
state() { N=5 col; }
tenths() { t=$(N=6 col); echo "${t%.*}${t#*.}"; }

bvm create "$cfg" && echo "LAB: created"
sleep 2
bvm list
[ "$(state)" = running ] && echo "LAB: listed running: $(row)"
bvm pause spin1 && echo "LAB: paused"
[ "$(state)" = paused ] && echo "LAB: listed paused"
a=$(tenths); sleep 2; b=$(tenths)
[ "$a" = "$b" ] && echo "LAB: cpu time stood still while paused" ||
	echo "LAB: FAIL: cpu time went from $a to $b tenths while paused"
bvm pause spin1 2>&1
bvm unpause spin1 && echo "LAB: unpaused"
sleep 2
c=$(tenths)
[ "$(state)" = running ] && [ "$c" -gt "$b" ] && echo "LAB: running again, cpu time grows"
bvm console spin1 </dev/null >/tmp/console.out
echo "LAB: console exited with status $?"
grep -q "spin: 2 CPUs" /tmp/console.out && echo "LAB: console showed: $(head -n 1 /tmp/console.out)"
bvm create "$cfg"
echo "LAB: second create exited with status $?"
bvm destroy spin1 && echo "LAB: destroyed"
row >/dev/null && echo "LAB: FAIL: still listed" || echo "LAB: no longer listed"
[ -e "$BVM_RUN_DIR/spin1.sock" ] && echo "LAB: FAIL: socket left" || echo "LAB: socket gone"
bvm list

cat >/tmp/hello1.cfg <<'CFG'
name = "hello1"
memory = 16
kernel = "/guests/hello.elf"
on_poweroff = "preserve"
CFG
bvm create -c /tmp/hello1.cfg </dev/null >/tmp/hello1.out
echo "LAB: create -c exited with status $?"
grep -q "SUMMARY: 4 passed, 0 failed" /tmp/hello1.out && echo "LAB: create -c showed the guest's summary"
sleep 1
set -- $(bvm list | grep "^hello1 ")
[ "$5" = ended ] && echo "LAB: preserved and listed ended"
bvm console hello1 </dev/null | grep -q "SUMMARY: 4 passed" && echo "LAB: ended console replays"
bvm destroy hello1 && echo "LAB: destroyed hello1"
ls "$BVM_RUN_DIR"
