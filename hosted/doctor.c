/*
 * hosted/doctor.c: `bvm doctor`, what this host offers bvm, one line per
 * thing ([ok], [missing], [broken], [info]) and a last line "kvm: ..." for
 * scripts. It follows the KVM API (Documentation/virt/kvm/api.rst 4.1
 * KVM_GET_API_VERSION, 4.2 KVM_CREATE_VM, 4.4 KVM_CHECK_EXTENSION, 4.24
 * KVM_CREATE_IRQCHIP) itself, and then runs a probe guest (hosted/probe.asm)
 * on bvm's kvm accelerator (hosted/kvm.c, as `bvm run` does) that enters long
 * mode and runs `lock cmpxchg16b`, which tells hardware KVM from a
 * paravirtual one (PVM) that cannot run Linux (PLATFORMS.md §3). Last it
 * says whether /dev/bivisor, bvm's other accelerator (hosted/bivisor.c), is here.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <unistd.h>

#include "hosted/bvm.h"
#include "lib/test_abi.h"

/* The probe image's layout and results, as hosted/probe.asm defines them. */
#define PROBE_BASE 0x10000
#define PROBE_ENTRY (PROBE_BASE + 0x20)
#define PROBE_GDT_LIMIT 31
#define PROBE_RAM (2ull << 20)
#define PROBE_TIMEOUT_S 5
#define PROBE_MAX_EXITS 64

static const uint8_t probe_code[] = {
#include "probe_bin.h"
};

enum probe_result {
	PROBE_PASSED,	   /* long mode, and cmpxchg16b exchanged */
	PROBE_PARAVIRTUAL, /* cmpxchg16b: KVM_EXIT_INTERNAL_ERROR, emulation failure */
	PROBE_FAILED,	   /* anything else: why says what */
};

/* The verdict so far: the "kvm: " line. */
struct doctor {
	const char *state; /* "usable", "absent", "broken" */
	char why[160];
	int kvm_fd, vm_fd; /* the checks' own, on /dev/kvm */
	struct vm vm;	   /* the probe's, on bvm's kvm accelerator */
};

static void say(const char *tag, const char *fmt, ...)
{
	va_list ap;

	printf("[%s] ", tag);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static int verdict(struct doctor *d, const char *state, const char *what, int err)
{
	d->state = state;
	snprintf(d->why, sizeof(d->why), "%s: %s", what, strerror(err));
	return -1;
}

/* The vendor and the vmx/svm flags, from the first CPU of /proc/cpuinfo. */
static void doctor_cpu(void)
{
	char line[4096], vendor[64] = "unknown";
	const char *virt = NULL;
	int hv = 0;
	FILE *f = fopen("/proc/cpuinfo", "r");

	if (!f) {
		say("broken", "cpu: cannot read /proc/cpuinfo: %s", strerror(errno));
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "vendor_id", 9))
			sscanf(line, "vendor_id : %63s", vendor);
		if (strncmp(line, "flags", 5))
			continue;
		virt = strstr(line, " svm") ? "svm" : strstr(line, " vmx") ? "vmx" : "";
		hv = strstr(line, " hypervisor") != NULL;
		break;
	}
	fclose(f);
	say("info", "cpu: %s%s", vendor, hv ? ", running under a hypervisor" : "");
	if (virt && *virt)
		say("ok", "cpu: %s in /proc/cpuinfo: hardware virtualization is offered", virt);
	else
		say("missing",
		    "cpu: no vmx or svm flag in /proc/cpuinfo: only a paravirtual KVM "
		    "(PVM) can work here; else use the nested-KVM lab (PLATFORMS.md §4)");
}

/* Which KVM module is loaded, and for hardware KVM whether it offers nesting. */
static void doctor_modules(void)
{
	static const char *const mods[] = { "kvm_amd", "kvm_intel", "kvm_pvm" };
	char path[96], val[8] = "";
	int found = 0;

	for (unsigned int i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "/sys/module/%s", mods[i]);
		if (access(path, F_OK))
			continue;
		found = 1;
		if (i == 2) {
			say("info", "module: kvm_pvm is loaded (a paravirtual KVM)");
			continue;
		}
		snprintf(path, sizeof(path), "/sys/module/%s/parameters/nested", mods[i]);
		FILE *f = fopen(path, "r");
		if (!f || !fgets(val, sizeof(val), f))
			strcpy(val, "?");
		if (f)
			fclose(f);
		val[strcspn(val, "\n")] = '\0';
		say("info", "module: %s is loaded, nested=%s (%s)", mods[i], val,
		    val[0] == '1' || val[0] == 'Y' ? "its guests may run KVM themselves"
						   : "its guests get no vmx/svm");
	}
	if (!found)
		say("info", "module: none of kvm_amd, kvm_intel, kvm_pvm is loaded");
}

static int doctor_open(struct doctor *d)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	int err = errno;

	if (fd >= 0) {
		say("ok", "/dev/kvm: opened for reading and writing");
		d->kvm_fd = fd;
		return 0;
	}
	if (err == ENOENT || err == ENODEV || err == ENXIO) {
		say("missing",
		    "/dev/kvm: %s: load kvm-amd or kvm-intel (modprobe), or run bvm "
		    "in the nested-KVM lab",
		    strerror(err));
		return verdict(d, "absent", "/dev/kvm", err);
	}
	say("broken", "/dev/kvm: %s: %s", strerror(err),
	    err == EACCES || err == EPERM ? "add this user to the group that owns it (kvm)"
					  : "see the kernel log (dmesg)");
	return verdict(d, "broken", "/dev/kvm", err);
}

/* The API version and the capabilities bvm relies on (api.rst 4.4). */
static int doctor_api(struct doctor *d)
{
	static const struct {
		int cap;
		const char *name, *use;
	} caps[] = {
		{ KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY", "guest RAM" },
		{ KVM_CAP_IRQCHIP, "KVM_CAP_IRQCHIP", "the in-kernel PIC, IOAPIC and LAPICs" },
		{ KVM_CAP_PIT2, "KVM_CAP_PIT2", "the in-kernel 8254 timer" },
		{ KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT", "stopping vCPUs" },
	};
	int v = ioctl(d->kvm_fd, KVM_GET_API_VERSION, 0), bad = 0;

	if (v != KVM_API_VERSION) {
		say("broken", "KVM_GET_API_VERSION: %d, bvm speaks %d", v, KVM_API_VERSION);
		snprintf(d->why, sizeof(d->why), "KVM API version %d", v);
		d->state = "broken";
		return -1;
	}
	say("ok", "KVM_GET_API_VERSION: %d", v);
	for (unsigned int i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		int has = ioctl(d->kvm_fd, KVM_CHECK_EXTENSION, caps[i].cap) > 0;

		say(has ? "ok" : "missing", "%s: %s (bvm needs it for %s)", caps[i].name,
		    has ? "offered" : "not offered", caps[i].use);
		if (!has && !bad++)
			snprintf(d->why, sizeof(d->why), "no %s", caps[i].name);
	}
	if (bad)
		d->state = "broken";
	return bad ? -1 : 0;
}

static const char *create_vm_hint(int err)
{
	switch (err) {
	case EBUSY:
		return "another hypervisor holds VMX/SVM (VirtualBox, VMware?)";
	case EACCES:
	case EPERM:
		return "not permitted (a seccomp or security policy?)";
	case ENOMEM:
		return "the host is out of memory";
	default:
		return "see the kernel log (dmesg)";
	}
}

static int doctor_create(struct doctor *d)
{
	int err;

	d->vm_fd = ioctl(d->kvm_fd, KVM_CREATE_VM, 0);
	if (d->vm_fd < 0) {
		err = errno;
		say("broken", "KVM_CREATE_VM: %s: %s", strerror(err), create_vm_hint(err));
		return verdict(d, "broken", "KVM_CREATE_VM", err);
	}
	say("ok", "KVM_CREATE_VM: a VM was created");
	ioctl(d->vm_fd, KVM_SET_TSS_ADDR, 0xfffbd000ul); /* as hosted/kvm.c does */
	if (ioctl(d->vm_fd, KVM_CREATE_IRQCHIP, 0) < 0) {
		err = errno;
		say("broken", "KVM_CREATE_IRQCHIP: %s: bvm needs the in-kernel irqchip",
		    strerror(err));
		return verdict(d, "broken", "KVM_CREATE_IRQCHIP", err);
	}
	say("ok", "KVM_CREATE_IRQCHIP: an in-kernel irqchip was created");
	return 0;
}

static struct accel_vcpu *volatile probe_vcpu;

/* The run returns INTERRUPTED; the kick covers an alarm that comes just before it. */
static void probe_alarm(int sig)
{
	(void)sig;
	if (probe_vcpu)
		accel_kvm_ops.vcpu_kick(probe_vcpu);
}

/* Guest RAM with the probe image in it, and vCPU 0 set up as `bvm run` sets it up. */
static int probe_setup(struct doctor *d)
{
	struct fw_boot_cpu boot = { .mode = FW_CPU_PROT32,
				    .rip = PROBE_ENTRY,
				    .gdt_base = PROBE_BASE,
				    .gdt_limit = PROBE_GDT_LIMIT,
				    .code_sel = 0x08,
				    .data_sel = 0x10 };
	struct vm *vm = &d->vm;
	uint8_t *ram =
		mmap(NULL, PROBE_RAM, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int rc;

	if (ram == MAP_FAILED)
		return verdict(d, "broken", "probe guest memory", errno);
	memcpy(ram + PROBE_BASE, probe_code, sizeof(probe_code));
	vm->accel = &accel_kvm_ops;
	vm->ncpus = 1;
	rc = vm->accel->vm_create(
		&vm->acc,
		&(struct accel_vm_config){ .name = "probe", .mem = PROBE_RAM, .ncpus = 1 }, d->why,
		sizeof(d->why));
	if (rc < 0)
		return verdict(d, "broken", "probe VM", -rc);
	rc = vm->accel->mem_add(vm->acc, 0, PROBE_RAM, ram);
	if (rc < 0)
		return verdict(d, "broken", "probe guest memory", -rc);
	rc = vm_vcpu_create(vm, 0, &boot);
	if (rc < 0)
		return verdict(d, "broken", "probe vcpu", -rc);
	return 0;
}

/* The byte the probe wrote to its port, or -1 for any other exit. */
static int probe_byte(const struct accel_exit *e)
{
	if (e->kind != ACCEL_EXIT_IO || e->io.port != TEST_EXIT_PORT || !e->io.write ||
	    e->io.size != 1)
		return -1;
	return e->io.data[0];
}

/* One exit of the probe: 1 to go on, 0 when it has a result in *res. */
static int probe_exit(struct doctor *d, const struct accel_exit *e, int *long_mode,
		      enum probe_result *res)
{
	int v = probe_byte(e);

	if (v == 'L') {
		say("ok", "probe: the guest entered long mode");
		return *long_mode = 1;
	}
	*res = PROBE_FAILED;
	if (v == 'P')
		*res = PROBE_PASSED;
	else if (e->kind == ACCEL_EXIT_INTERNAL && *long_mode &&
		 e->error.code == KVM_INTERNAL_ERROR_EMULATION)
		*res = PROBE_PARAVIRTUAL;
	else if (v == 'W')
		snprintf(d->why, sizeof(d->why),
			 "probe guest: lock cmpxchg16b gave a wrong result");
	else
		snprintf(d->why, sizeof(d->why), "probe guest: %s, exit kind %u (code %llu)",
			 *long_mode ? "lock cmpxchg16b failed" : "did not reach long mode", e->kind,
			 (unsigned long long)e->error.code);
	return 0;
}

static enum probe_result probe_run(struct doctor *d)
{
	struct sigaction sa = { .sa_handler = probe_alarm };
	struct itimerval t = { .it_value = { PROBE_TIMEOUT_S, 0 } };
	enum probe_result res = PROBE_FAILED;
	struct accel_exit e;
	int long_mode = 0, rc = 0;

	probe_vcpu = d->vm.vcpu[0].acc;
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &t, NULL);
	snprintf(d->why, sizeof(d->why), "probe guest: no result in %d s", PROBE_TIMEOUT_S);
	for (int n = 0; n < PROBE_MAX_EXITS; n++) {
		rc = d->vm.accel->vcpu_run(probe_vcpu, &e);
		if (rc < 0)
			snprintf(d->why, sizeof(d->why), "probe guest: KVM_RUN: %s", strerror(-rc));
		if (rc < 0 || e.kind == ACCEL_EXIT_INTERRUPTED ||
		    !probe_exit(d, &e, &long_mode, &res))
			break;
	}
	setitimer(ITIMER_REAL, &(struct itimerval){ 0 }, NULL);
	probe_vcpu = NULL;
	return res;
}

static void doctor_probe(struct doctor *d)
{
	if (probe_setup(d)) {
		say("broken", "probe guest setup: %s", d->why);
		return;
	}
	switch (probe_run(d)) {
	case PROBE_PASSED:
		say("ok", "probe: lock cmpxchg16b in long mode works (Linux needs it)");
		d->state = "usable";
		snprintf(d->why, sizeof(d->why), "hardware");
		break;
	case PROBE_PARAVIRTUAL:
		say("broken",
		    "probe: lock cmpxchg16b ended the guest with KVM_EXIT_INTERNAL_ERROR, "
		    "suberror 1 (emulation failure): a paravirtual KVM (PVM); Linux "
		    "guests fail, small test guests run");
		d->state = "usable";
		snprintf(d->why, sizeof(d->why), "paravirtual: small guests only");
		break;
	default:
		say("broken", "%s", d->why); /* "probe guest: what went wrong" */
		d->state = "broken";
		break;
	}
}

/* /dev/bivisor, there only inside bivisor's Linux service guest (hosted/bivisor.c). */
static void doctor_bivisor(void)
{
	char msg[200];
	int rc = bivisor_doctor(msg, sizeof(msg));

	if (rc == 0)
		say("ok", "/dev/bivisor: %s", msg);
	else if (rc == -ENOENT || rc == -ENODEV || rc == -ENXIO)
		say("info", "/dev/bivisor: absent: --accel bivisor runs only inside bivisor's "
			    "Linux service guest");
	else
		say("broken", "/dev/bivisor: %s", msg);
}

int doctor_main(void)
{
	static struct doctor d = { .state = "broken", .kvm_fd = -1, .vm_fd = -1 };

	setvbuf(stdout, NULL, _IOLBF, 0);
	doctor_cpu();
	doctor_modules();
	if (!doctor_open(&d) && !doctor_api(&d) && !doctor_create(&d))
		doctor_probe(&d);
	doctor_bivisor();
	printf("kvm: %s (%s)\n", d.state, d.why);
	return 0;
}
