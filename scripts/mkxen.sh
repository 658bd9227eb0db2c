#!/bin/sh
# scripts/mkxen.sh: `make xen`. Builds build/xen/, the Xen 4.17 peer that
# `make bench` measures bivisor against (PLATFORMS.md §7), from Debian 12's own
# packages fetched with apt-get download into build/debs (nothing installed):
#   xen.iso     GRUB ISO: multiboot2 Xen (xen.gz), module2 the generic kernel as
#               a PV dom0, module2 --nounzip the initramfs (Multiboot2 spec §3.1)
#   plain.iso   the same kernel and initramfs booted by GRUB without Xen
#   initrd.gz   busybox, tests/xen/init, xl, xenstored, xenconsoled and their
#               libraries, the dom0 Xen modules, and the domU (build/guest)
# With --linux-iso OUT KERNEL INITRD CMDLINE it only makes such a plain GRUB ISO.
set -eu
B=${B:-build}
X=$B/xen
XV=4.17
PKGS="xen-hypervisor-$XV-amd64 xen-utils-$XV xen-utils-common xenstore-utils libxencall1
libxenevtchn1 libxenforeignmemory1 libxengnttab1 libxenmisc$XV libxenstore4 libxentoollog1
libyajl2 libxenhypfs1 libxendevicemodel1 libxentoolcore1"

# grub_iso OUT GRUB-CFG-BODY FILE...: a rescue ISO with FILEs in /boot.
grub_iso() {
	out=$1 body=$2
	shift 2
	stage=$(mktemp -d "${TMPDIR:-/tmp}/bivisor-xen-iso.XXXXXX")
	mkdir -p "$stage/boot/grub"
	cp "$@" "$stage/boot/"
	printf 'set timeout=0\nset default=0\nmenuentry "bench" {\n%s\n\tboot\n}\n' "$body" \
		>"$stage/boot/grub/grub.cfg"
	grub-mkrescue -o "$out.tmp" "$stage" >"$stage.log" 2>&1 || { cat "$stage.log" >&2; exit 1; }
	mv "$out.tmp" "$out" # a new file: a QEMU still reading the old one keeps it
	rm -rf "$stage" "$stage.log"
}

linux_iso() { # OUT KERNEL INITRD CMDLINE
	grub_iso "$1" "$(printf '\tlinux /boot/%s %s\n\tinitrd /boot/%s' "$(basename "$2")" "$4" \
		"$(basename "$3")")" "$2" "$3"
}

if [ "${1-}" = --linux-iso ]; then
	linux_iso "$2" "$3" "$4" "$5"
	exit 0
fi

fetch() { # the packages, once, into build/debs; unpacked into $X/root
	kver=$(sed "s/-cloud//" "$B/guest/kernel-version" 2>/dev/null) || true
	[ -n "$kver" ] || kver=$(apt-cache depends linux-image-amd64 |
		awk '/Depends: linux-image-/{sub("linux-image-", "", $2); print $2; exit}')
	KPKG=linux-image-$kver
	for p in $PKGS $KPKG; do
		ls "$B/debs/${p}"_*.deb >/dev/null 2>&1 ||
			(cd "$B/debs" && apt-get download "$p" >/dev/null 2>&1) || {
			echo "mkxen: apt-get download $p failed" >&2
			exit 1
		}
	done
	KVER=$kver
	[ -f "$X/root/.unpacked-$kver" ] && return # once per kernel version
	rm -rf "$X/root" && mkdir -p "$X/root"
	for p in $PKGS $KPKG; do dpkg -x "$(ls "$B/debs/${p}"_*.deb | tail -1)" "$X/root"; done
	touch "$X/root/.unpacked-$kver"
}

# libs FILE...: SRC:DEST pairs of the shared libraries they need (ldd, with the
# unpacked Xen libraries first; the rest are this Debian 12 host's own), and
# libgcc_s, which glibc loads at run time for pthread_cancel.
libs() {
	LD_LIBRARY_PATH="$PWD/$X/root/usr/lib/x86_64-linux-gnu" ldd "$@" |
		awk '/=> \//{print $3} /^\t\/lib64/{print $1}' | sort -u | while read -r lib; do
		dest=$lib
		case $lib in "$PWD/$X/root"/*) dest=${lib#"$PWD/$X/root"} ;; esac
		echo "$lib:$dest"
	done
	echo /lib/x86_64-linux-gnu/libgcc_s.so.1:/lib/x86_64-linux-gnu/libgcc_s.so.1
}

initramfs() {
	R=$X/root
	bins="$R/usr/lib/xen-$XV/bin/xl $R/usr/lib/xen-$XV/bin/xenstored
$R/usr/lib/xen-$XV/bin/xenconsoled $R/usr/lib/xen-$XV/bin/xen-init-dom0"
	mods=""
	for m in xen-privcmd xenfs xen-evtchn xen-gntdev; do
		f=$(find "$R/lib/modules/$KVER" -name "$m.ko")
		mods="$mods $f:/lib/modules/$m.ko"
	done
	pairs=""
	for b in $bins; do pairs="$pairs $b:/usr/lib/xen-$XV/bin/$(basename "$b")"; done
	# shellcheck disable=SC2086,SC2046 # word lists on purpose
	scripts/mkinitramfs.sh "$X/initrd.gz" tests/xen/init $pairs $mods $(libs $bins) \
		tests/xen/domu.cfg:/etc/xen/domu.cfg "$R/etc/xen/xl.conf:/etc/xen/xl.conf" \
		"$B/guest/bzImage:/domu/bzImage" \
		"$B/guest/initrd.gz:/domu/initrd.gz"
}

mkdir -p "$X" "$B/debs"
fetch
initramfs
cp "$X/root/boot/xen-$XV-amd64.gz" "$X/xen.gz"
cp "$X/root/boot/vmlinuz-$KVER" "$X/vmlinuz"
DOM0_CMD=${DOM0_CMD:-"console=hvc0 quiet panic=-1"}
XEN_CMD=${XEN_CMD:-"console=com1 com1=115200,8n1 smap=0 dom0_mem=768M,max:768M dom0_max_vcpus=2"}
grub_iso "$X/xen.iso" "$(printf '\tmultiboot2 /boot/xen.gz %s\n\tmodule2 /boot/vmlinuz %s
\tmodule2 --nounzip /boot/initrd.gz' "$XEN_CMD" "$DOM0_CMD")" \
	"$X/xen.gz" "$X/vmlinuz" "$X/initrd.gz"
linux_iso "$X/plain.iso" "$X/vmlinuz" "$X/initrd.gz" "console=ttyS0 quiet panic=-1"
echo "mkxen: $X/xen.iso is Xen $XV with Debian's $KVER as dom0"
