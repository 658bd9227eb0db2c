#!/bin/sh
# scripts/qemu-accel.sh: QEMU's accelerator and CPU options for `make run`,
# `make run-linux`, `make run-uefi` and `make run-dom0`. With ACCEL=kvm it
# prints "-enable-kvm -cpu host" where this machine's KVM can give its guests
# SVM or VMX (nested=1 of kvm_amd or kvm_intel, README "Nested virtualization
# under KVM"); otherwise it says why on stderr and prints TCG's "-cpu max".
# ACCEL=tcg (the default) always prints "-cpu max".
set -eu
tcg="-cpu max"
[ "${ACCEL:-tcg}" = kvm ] || { echo "$tcg"; exit 0; }
why=
if [ ! -e /dev/kvm ]; then
	why="there is no /dev/kvm on this machine"
elif [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
	why="/dev/kvm is not readable and writable for $(id -un)"
else
	nested=
	for m in kvm_amd kvm_intel; do
		f=/sys/module/$m/parameters/nested
		[ -r "$f" ] && nested="$m=$(cat "$f")"
	done
	case "$nested" in
	*=1 | *=Y) ;;
	"") why="/dev/kvm is there, but neither kvm_amd nor kvm_intel is loaded (PVM or another KVM cannot run a hypervisor)" ;;
	*) why="nested virtualization is off ($nested); turn it on with: modprobe -r ${nested%%=*} && modprobe ${nested%%=*} nested=1" ;;
	esac
fi
if [ -n "$why" ]; then
	echo "make: ACCEL=kvm: $why; running under TCG instead" >&2
	echo "$tcg"
else
	echo "-enable-kvm -cpu host"
fi
