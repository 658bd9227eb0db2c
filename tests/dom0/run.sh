#!/bin/sh
# tests/dom0/run.sh: what the Linux service guest does once bivisor.ko is
# loaded (tests/dom0/init runs it). The word dom0=SCENARIO on its kernel
# command line picks one; each prints "DOM0: ..." lines the tests expect:
#   domu   one Linux domU with a virtio disk, a virtio-net port whose far end
#          (netpeer --arp) plays 10.0.2.2, and a virtio console
#   pair   two Linux domUs joined by one socket pair, pinging each other
#   kill   a domU whose bvm is killed (SIGKILL) while it runs: the domU alone
#          is destroyed, with a line, and the service guest goes on
#   verbs  bvm create from a domain file, then list, pause, unpause, console
#          and destroy through /dev/bivisor, bad domain files refused, then
#          the kill scenario
#   blk    a small domU, the virtio_blk test guest, whose disk bvm serves
#   demo   make run-dom0: bvm create -c of /dom0/domu.cfg, a domain file, with
#          the domU's console on this one
#   bench  make bench (tests/bench_xen.py): dom0's uptime when bvm starts a
#          Linux domU and when its console shows the /init marker, then a
#          domU timing 4 KiB O_DIRECT reads of its virtio disk (blk4k-init)
#   shell  an interactive shell (no dom0= word: nothing)
# The domU is build/guest's Debian kernel and initramfs (tests/lab/linux-init).
K=/domu/bzImage
R=/domu/initrd.gz
CMD="console=ttyS0 quiet panic=-1"
mkdir -p /run # a real system has it: bvm create keeps its sockets in /run/bvm
scenario=$(sed -n 's/.*\<dom0=\([^ ]*\).*/\1/p' /proc/cmdline)

disk() { # a 4 MiB image whose first 4 KiB have a known md5 (f20e6aca...)
	dd if=/dev/zero of="$1" bs=1M count=4 2>/dev/null
	yes bivisor-disk | head -c 4096 | dd of="$1" conv=notrunc 2>/dev/null
}

domu() {
	name=$1
	shift
	bvm run --accel bivisor --name "$name" --kernel $K --initrd $R --mem 128M --cpus 1 "$@"
}

domu() {
	disk /tmp/disk.img
	netpeer --arp bvm run --accel bivisor --name domu1 --kernel $K --initrd $R --mem 128M \
		--cpus 1 --disk /tmp/disk.img --net socket=3 --vconsole file=/tmp/vcon.out \
		--cmdline "$CMD"
	echo "DOM0: bvm exited with status $?"
	echo "DOM0: domU's virtio console said: $(cat /tmp/vcon.out 2>/dev/null)"
}

# Two domUs at once write to this console: each gets its own file, shown after.
pair() {
	netpeer --pair bvm run --accel bivisor --name left --kernel $K --initrd $R --mem 128M \
		--console file=/tmp/left.log --net socket=3 \
		--cmdline "$CMD guestip=10.0.2.15 peerip=10.0.2.2 linger=10" -- \
		bvm run --accel bivisor --name right --kernel $K --initrd $R --mem 128M \
		--console file=/tmp/right.log --net socket=3 \
		--cmdline "$CMD guestip=10.0.2.2 peerip=10.0.2.15 linger=10"
	echo "DOM0: the pair exited with status $?"
	for d in left right; do sed "s/^/DOM0: $d: /" /tmp/$d.log; done
}

kill_bvm() {
	bvm run --accel bivisor --name victim --kernel $K --initrd $R --mem 128M \
		--cmdline "$CMD rdinit=/bin/sleep -- 1000" &
	pid=$!
	sleep 8
	echo "DOM0: killing bvm $pid (SIGKILL)"
	kill -KILL $pid
	wait $pid
	echo "DOM0: bvm ended with status $?; the service guest goes on"
}

blk() {
	dd if=/dev/zero of=/tmp/disk.img bs=1M count=1 2>/dev/null
	bvm run --accel bivisor --name blk --kernel /domu/virtio_blk.elf --mem 16M \
		--disk /tmp/disk.img
	echo "DOM0: bvm exited with status $?"
}

up() { cut -d' ' -f1 /proc/uptime; }

# marker FILE: waits (at most 300 s of uptime) for a domU's /init marker in FILE.
marker() {
	end=$(($(cut -d. -f1 /proc/uptime) + 300))
	until grep -q "GUEST: init reached" "$1" 2>/dev/null; do
		[ "$(cut -d. -f1 /proc/uptime)" -ge $end ] && return 1
		sleep 0.05
	done
}

bench() {
	echo "DOM0: bvm run at uptime $(up)"
	bvm run --accel bivisor --name domu --kernel $K --initrd $R --mem 128M --cpus 1 \
		--console file=/tmp/domu.log --cmdline "$CMD" &
	marker /tmp/domu.log && echo "DOM0: domU init marker at uptime $(up)"
	wait
	disk /tmp/disk.img
	cat $R /domu/blk4k.cpio.gz >/tmp/initrd-blk.gz
	bvm run --accel bivisor --name blk --kernel $K --initrd /tmp/initrd-blk.gz --mem 128M \
		--cpus 1 --disk /tmp/disk.img --cmdline "$CMD rdinit=/blk4k-init"
	echo "DOM0: bvm exited with status $?"
}

# bvm's management verbs on the hypervisor's domains (README "Managing domains").
verbs() {
	cat >/tmp/web.cfg <<-EOF
		# a Linux domU served by bvm in this service guest
		name = "web"
		memory = 128
		vcpus = 1
		kernel = "$K"
		ramdisk = "$R"
		cmdline = "$CMD hold=60"
		accel = "bivisor"
	EOF
	bvm create /tmp/web.cfg
	echo "DOM0: create: status $?"
	n=0
	until bvm console web </dev/null | grep -q "GUEST: holding" || [ $n -ge 90 ]; do
		sleep 1
		n=$((n + 1))
	done
	bvm list --accel bivisor | sed 's/^/DOM0: list: /'
	bvm pause --accel bivisor web && bvm list --accel bivisor | grep web | sed 's/^/DOM0: paused: /'
	bvm unpause --accel bivisor web && bvm list --accel bivisor | grep web | sed 's/^/DOM0: unpaused: /'
	bvm console web </dev/null | grep "GUEST: init" | sed 's/^/DOM0: console: /'
	bvm destroy --accel bivisor web
	echo "DOM0: destroy: status $?"
	sleep 1
	echo "DOM0: after destroy: $(bvm list --accel bivisor | grep -c web) listed"
	printf 'name = "bad"\nmemroy = 64\n' >/tmp/bad.cfg
	bvm create /tmp/bad.cfg 2>&1 | sed 's/^/DOM0: bad file: /'
	printf 'name = "bad"\nkernel = "/no/such"\naccel = "bivisor"\n' >/tmp/bad2.cfg
	bvm create /tmp/bad2.cfg 2>&1 | sed 's/^/DOM0: bad file: /'
	printf 'name = "big"\nmemory = 4000\nkernel = "%s"\naccel = "bivisor"\n' "$K" >/tmp/big.cfg
	bvm create /tmp/big.cfg 2>&1 | sed 's/^/DOM0: bad file: /'
	kill_bvm
}

demo() {
	disk /tmp/disk.img
	echo "DOM0: the service guest starts its domU: bvm create -c /dom0/domu.cfg"
	cat /dom0/domu.cfg
	netpeer --arp bvm create -c /dom0/domu.cfg
	echo "DOM0: the domU ended (bvm create: status $?); bvm list --accel bivisor:"
	bvm list --accel bivisor
}

case "$scenario" in
verbs) verbs ;;
demo) demo ;;
domu) domu ;;
blk) blk ;;
bench) bench ;;
pair) pair ;;
kill) kill_bvm ;;
shell) exec /bin/sh ;;
"") ;; # no scenario: the init only loads the module and runs bvtest
*) echo "DOM0: unknown scenario '$scenario'" ;;
esac
