"""tests/platforms.py: what each test platform needs, probed once per run.

A probe answers for one platform of tests/run.py (and of `make doctor`):
  ok       the requirement is there and works: its tests run;
  missing  it is not on this machine: its tests are SKIPped with the reason;
  broken   it is there but does not work: its tests FAIL with the reason.
The KVM probe follows the KVM API (Documentation/virt/kvm/api.rst 4.1
KVM_GET_API_VERSION, 4.2 KVM_CREATE_VM, 4.24 KVM_CREATE_IRQCHIP).
"""
import errno
import fcntl
import functools
import os
import re
import shutil
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, "build")
PLATFORMS = ("unit", "qemu", "svm-qemu", "vmx-bochs", "kvm-hosted", "kvm-lab", "uefi-ovmf")

KVM_GET_API_VERSION = 0xAE00
KVM_CREATE_VM = 0xAE01
KVM_CREATE_IRQCHIP = 0xAE60
KVM_API_VERSION = 12

OVMF = "/usr/share/ovmf/OVMF.fd"
BOCHS_BIOS = "/usr/share/bochs/BIOS-bochs-latest"
VGA_BIOS = "/usr/share/vgabios/vgabios.bin"
BOCHS_VMX_MODEL = "corei7_skylake_x"


class Probe:
    def __init__(self, state, why):
        self.state, self.why = state, why

    def __repr__(self):
        return "%s: %s" % (self.state, self.why)


def ok(why):
    return Probe("ok", why)


def missing(why):
    return Probe("missing", why)


def broken(why):
    return Probe("broken", why)


def errno_text(e):
    """'EACCES (Permission denied)' for an OSError."""
    return "%s (%s)" % (errno.errorcode.get(e.errno, str(e.errno)), os.strerror(e.errno))


def run_quiet(cmd, stdin=b"", timeout=20):
    """(status, output) of a short command; status None when it cannot start."""
    try:
        p = subprocess.run(cmd, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as e:
        return None, str(e)
    return p.returncode, p.stdout.decode("utf-8", "replace")


@functools.lru_cache(maxsize=None)
def qemu_version():
    if not shutil.which("qemu-system-x86_64"):
        return None
    rc, out = run_quiet(["qemu-system-x86_64", "--version"])
    m = re.search(r"version (\S+)", out or "")
    return m.group(1) if rc == 0 and m else None


def probe_qemu():
    v = qemu_version()
    if not v:
        return missing("no qemu-system-x86_64 (Debian package qemu-system-x86)")
    return ok("QEMU %s" % v)


@functools.lru_cache(maxsize=None)
def probe_svm_qemu():
    """QEMU's TCG must offer SVM with nested paging (PLATFORMS.md 1): `enforce`
    makes QEMU refuse a CPU model whose features TCG lacks."""
    base = probe_qemu()
    if base.state != "ok":
        return base
    rc, out = run_quiet(["qemu-system-x86_64", "-accel", "tcg", "-M", "pc", "-nodefaults",
                         "-cpu", "max,+svm,+npt,enforce", "-S", "-display", "none",
                         "-monitor", "stdio"], stdin=b"quit\n")
    if rc != 0:
        last = (out or "").strip().splitlines()[-1:] or ["no output"]
        return broken("%s: TCG does not offer SVM+NPT (%s)" % (base.why, last[0]))
    return ok("%s, TCG with SVM and NPT" % base.why)


@functools.lru_cache(maxsize=None)
def probe_bochs():
    """Bochs built with VMX: its CPU model list has the Skylake-X model (PLATFORMS.md 2)."""
    if not shutil.which("bochs"):
        return missing("no bochs (Debian packages bochs, bochsbios, vgabios)")
    for f in (BOCHS_BIOS, VGA_BIOS):
        if not os.path.exists(f):
            return missing("no %s (Debian packages bochsbios, vgabios)" % f)
    rc, out = run_quiet(["bochs", "--help", "cpu"])
    if BOCHS_VMX_MODEL not in (out or ""):
        return broken("bochs lists no CPU model %s: built without VMX?" % BOCHS_VMX_MODEL)
    return ok("Bochs with the %s model (VMX, EPT)" % BOCHS_VMX_MODEL)


def probe_ovmf():
    base = probe_svm_qemu()
    if base.state != "ok":
        return base
    if not os.path.exists(OVMF):
        return missing("no %s (Debian package ovmf)" % OVMF)
    return ok("OVMF at %s" % OVMF)


def kvm_create_vm():
    """Opens /dev/kvm and makes a VM with the in-kernel irqchip, as bvm does."""
    try:
        fd = os.open("/dev/kvm", os.O_RDWR | os.O_CLOEXEC)
    except FileNotFoundError:
        return missing("no /dev/kvm on this machine")
    except OSError as e:
        return missing("/dev/kvm does not open: %s" % errno_text(e))
    try:
        api = fcntl.ioctl(fd, KVM_GET_API_VERSION, 0)
        if api != KVM_API_VERSION:
            return broken("/dev/kvm has API version %d, want %d" % (api, KVM_API_VERSION))
        return kvm_irqchip(fd)
    except OSError as e:
        return broken("/dev/kvm: KVM_GET_API_VERSION failed: %s" % errno_text(e))
    finally:
        os.close(fd)


def kvm_irqchip(fd):
    try:
        vm = fcntl.ioctl(fd, KVM_CREATE_VM, 0)
    except OSError as e:
        return broken("/dev/kvm opens but KVM_CREATE_VM fails: %s" % errno_text(e))
    try:
        fcntl.ioctl(vm, KVM_CREATE_IRQCHIP, 0)
    except OSError as e:
        return broken("/dev/kvm: KVM_CREATE_IRQCHIP fails: %s" % errno_text(e))
    finally:
        os.close(vm)
    return ok("/dev/kvm creates a VM with the in-kernel irqchip")


def probe_lab():
    """The nested-KVM lab (PLATFORMS.md 4): QEMU with SVM, Debian's kernel and
    the lab's initramfs with its KVM modules (make lab)."""
    base = probe_svm_qemu()
    if base.state != "ok":
        return base
    for f, how in (("guest/bzImage", "make guest-linux"), ("lab/initrd.gz", "make lab")):
        if not os.path.exists(os.path.join(BUILD, f)):
            return missing("no build/%s (%s)" % (f, how))
    return ok("Debian's kernel with KVM on QEMU TCG's SVM (build/lab/initrd.gz)")


def probe_unit():
    d = os.path.join(BUILD, "unit")
    if not os.path.isdir(d) or not any(f.startswith("test_") for f in os.listdir(d)):
        return missing("no unit test binaries in build/unit (make unit-tests; libcmocka-dev)")
    return ok("cmocka binaries in build/unit")


PROBES = {"unit": probe_unit, "qemu": probe_qemu, "svm-qemu": probe_svm_qemu,
          "vmx-bochs": probe_bochs, "kvm-hosted": kvm_create_vm, "kvm-lab": probe_lab,
          "uefi-ovmf": probe_ovmf}


def probe_all(wanted=PLATFORMS):
    return {p: PROBES[p]() for p in wanted}
