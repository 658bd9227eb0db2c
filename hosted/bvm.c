/*
 * hosted/bvm.c: `bvm`, the hosted VMM: the command line, then the order of a
 * run: every input checked (hosted/inputs.c), the VM on the accelerator
 * --accel names (hosted/accel.h; kvm: hosted/kvm.c, bivisor: hosted/bivisor.c)
 * with bvm's memory, the devices and the ranges bvm serves, the guest
 * loaded with the loaders of drivers/firmware/ (the same code the Type-1
 * kernel uses), the run (hosted/run.c). `bvm doctor` is hosted/doctor.c; create, list and the other
 * management verbs are hosted/manage.c.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "hosted/bvm.h"
#include "hosted/gdbstub.h"
#include "kernel/version.h"

#define RAM_ALIGN (2ull << 20)
#define MIN_MEM (4ull << 20)
#define MAX_MEM (3ull << 30) /* one slot below the PCI hole */
#define MAX_WATCHDOG 86400u  /* a day */
#define MAX_PORT 65535u

static void usage(FILE *f)
{
	fprintf(f, "usage: bvm run --kernel FILE [--initrd FILE] [--cmdline STR] [--mem SIZE]\n"
		   "               [--cpus N] [--disk FILE[,ro]]... [--net tap=NAME|socket=FD]...\n"
		   "               [--console stdio|file=PATH] [--vconsole file=PATH|socket=FD]\n"
		   "               [--watchdog SECONDS] [--accel kvm|bivisor] [--name NAME]\n"
		   "               [--share]\n"
		   "               [--trace FILE]\n"
		   "               [--gdb PORT]\n"
		   "               [--balloon SIZE[,report]]\n"
		   "       bvm create [-c] FILE\n"
		   "       bvm list [--accel kvm|bivisor]\n"
		   "       bvm pause|unpause|destroy [--accel kvm|bivisor] NAME\n"
		   "       bvm mem-set NAME SIZE\n"
		   "       bvm console NAME\n"
		   "       bvm info\n"
		   "       bvm doctor\n"
		   "       bvm --help | --version\n"
		   "run: runs a guest (Multiboot 1/2, ELF64 or Linux bzImage) on /dev/kvm with\n"
		   "bivisor's device models. SIZE takes K, M or G (default 256M). --vconsole adds\n"
		   "a virtio console on that stream (default: none). SIGQUIT prints every vCPU's\n"
		   "registers and exits and the device counters; the guest goes on. --watchdog:\n"
		   "after SECONDS, the same dump, then the guest is ended. --accel: what runs\n"
		   "the guest: kvm (/dev/kvm, the default) or bivisor (/dev/bivisor, inside\n"
		   "bivisor's Linux service guest; RAM below the PCI hole). --name: the guest's\n"
		   "name, up to 31 letters, digits, '-' or '_' (default: from the kernel file).\n"
		   "--share: guest RAM is mergeable by the host's KSM (madvise MADV_MERGEABLE);\n"
		   "bvm prints /sys/kernel/mm/ksm's counters at its end.\n"
		   "--trace: each vCPU's exits (the last 1048576) to FILE when the guest ends,\n"
		   "for tools/bvtrace.py (docs/tracing.md).\n"
		   "--gdb: a gdb stub on 127.0.0.1:PORT for one vCPU (kvm only); the guest\n"
		   "waits for gdb before its first instruction (docs/debugging.md).\n"
		   "--balloon: adds a virtio memory balloon and asks the guest to keep SIZE of\n"
		   "its --mem (the rest goes back to the host); bvm mem-set moves the target;\n"
		   ",report: the guest also reports free pages, which go back to the host.\n"
		   "create: starts the domain a domain file (xl.cfg syntax) describes, in the\n"
		   "background (-c: then attaches its console); list, pause, unpause,\n"
		   "destroy and console (Ctrl-] detaches) manage it by name; info shows the\n"
		   "host's capabilities. The run directory: $BVM_RUN_DIR, $XDG_RUNTIME_DIR/bvm,\n"
		   "/run/bvm (root) or /tmp/bvm-UID. README.md \"Managing domains\".\n"
		   "doctor: checks what this host offers bvm, one line each ([ok], [missing],\n"
		   "[broken], [info]), the last one 'kvm: usable|absent|broken (...)'.\n"
		   "Exit status of run: the guest's own (written to port 0xf4; 0 after a halt or\n"
		   "ACPI power-off), 2 a bad option or file (checked before /dev/kvm is opened),\n"
		   "1 no usable /dev/kvm (or /dev/bivisor) or an internal failure, 124 the\n"
		   "watchdog ran out, 255 the guest crashed (triple fault, the accelerator could\n"
		   "not run it), 128+N signal N.\n");
}

int bvm_parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -1;
	switch (*end) {
	case 'K':
	case 'k':
		v <<= 10, end++;
		break;
	case 'M':
	case 'm':
		v <<= 20, end++;
		break;
	case 'G':
	case 'g':
		v <<= 30, end++;
		break;
	default:
		break;
	}
	if (*end)
		return -1;
	*out = v;
	return 0;
}

static int parse_count(const char *opt, const char *arg, unsigned int max, unsigned int *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(arg, &end, 10);
	if (errno || end == arg || *end || *arg == '-' || !v || v > max) {
		fprintf(stderr, "bvm: %s %s: give 1 to %u\n", opt, arg, max);
		return -1;
	}
	*out = (unsigned int)v;
	return 0;
}

static int parse_mem(const char *arg, uint64_t *mem)
{
	if (bvm_parse_size(arg, mem) || *mem < MIN_MEM || *mem > MAX_MEM || *mem % 4096) {
		fprintf(stderr, "bvm: --mem %s: give 4M to 3G, in whole pages\n", arg);
		return -1;
	}
	return 0;
}

/* SIZE[,report]; checked against --mem once every option is read (check_balloon). */
static int parse_balloon(const char *arg, struct bvm_options *o)
{
	char size[32];
	const char *comma = strchr(arg, ',');
	size_t n = comma ? (size_t)(comma - arg) : strlen(arg);

	o->balloon_report = comma && !strcmp(comma, ",report");
	snprintf(size, sizeof(size), "%.*s", (int)(n < sizeof(size) ? n : sizeof(size) - 1), arg);
	if ((comma && !o->balloon_report) || n >= sizeof(size) ||
	    bvm_parse_size(size, &o->balloon) || !o->balloon || o->balloon % 4096) {
		fprintf(stderr,
			"bvm: --balloon %s: give a memory target in whole pages, and ,report "
			"or nothing\n",
			arg);
		return -1;
	}
	return 0;
}

static int check_balloon(const struct bvm_options *o)
{
	if (o->balloon > o->mem) {
		fprintf(stderr, "bvm: --balloon: a target of %llu MiB is over --mem (%llu MiB)\n",
			(unsigned long long)(o->balloon >> 20), (unsigned long long)(o->mem >> 20));
		return -1;
	}
	if (vm_virtio_count(o) > BVM_MAX_VIRTIO) {
		fprintf(stderr, "bvm: --balloon: no virtio-mmio window left (%d at most)\n",
			BVM_MAX_VIRTIO);
		return -1;
	}
	return 0;
}

/* The accelerators bvm is built with; the first is the default. */
static const struct accel_ops *const accels[] = { &accel_kvm_ops, &accel_bivisor_ops };

const struct accel_ops *bvm_accel_by_name(const char *arg)
{
	for (size_t i = 0; i < sizeof(accels) / sizeof(accels[0]); i++) {
		if (!strcmp(arg, accels[i]->name))
			return accels[i];
	}
	fprintf(stderr, "bvm: --accel %s: unknown accelerator; give one of:", arg);
	for (size_t i = 0; i < sizeof(accels) / sizeof(accels[0]); i++)
		fprintf(stderr, " %s", accels[i]->name);
	fputc('\n', stderr);
	return NULL;
}

static int parse_accel(const char *arg, const struct accel_ops **out)
{
	*out = bvm_accel_by_name(arg);
	return *out ? 0 : -1;
}

static int name_char_ok(char c)
{
	return isalnum((unsigned char)c) || c == '-' || c == '_';
}

static int parse_name(const char *arg, char *name)
{
	size_t len = strlen(arg);

	for (size_t i = 0; i < len; i++) {
		if (!name_char_ok(arg[i]))
			len = 0;
	}
	if (!len || len >= BVM_NAME_LEN) {
		fprintf(stderr, "bvm: --name %s: give 1 to %d letters, digits, '-' or '_'\n", arg,
			BVM_NAME_LEN - 1);
		return -1;
	}
	memcpy(name, arg, len + 1);
	return 0;
}

/* The default name: the kernel file's, without directory and extension, other characters '_'. */
static void default_name(const char *kernel, char *name)
{
	const char *base = strrchr(kernel, '/') ? strrchr(kernel, '/') + 1 : kernel;
	const char *dot = strrchr(base, '.');
	size_t len = dot && dot != base ? (size_t)(dot - base) : strlen(base);

	if (len >= BVM_NAME_LEN)
		len = BVM_NAME_LEN - 1;
	for (size_t i = 0; i < len; i++)
		name[i] = name_char_ok(base[i]) ? base[i] : '_';
	name[len] = '\0';
	if (!len)
		strcpy(name, "guest");
}

static int add_spec(const char *opt, const char **list, unsigned int *n, unsigned int max,
		    const char *arg)
{
	if (*n == max) {
		fprintf(stderr, "bvm: %s %s: at most %u %s\n", opt, arg, max, opt);
		return -1;
	}
	list[(*n)++] = arg;
	return 0;
}

/* One option of `bvm run`; returns 0 or -1 (said why). */
static int parse_option(int ch, const char *arg, struct bvm_options *o)
{
	switch (ch) {
	case 'k':
		o->kernel = arg;
		return 0;
	case 'i':
		o->initrd = arg;
		return 0;
	case 'c':
		o->cmdline = arg;
		return 0;
	case 'o':
		o->console = arg;
		return 0;
	case 'v':
		o->vconsole = arg;
		return 0;
	case 'd':
		return add_spec("--disk", o->disks, &o->ndisks, BVM_MAX_DISKS, arg);
	case 'e':
		return add_spec("--net", o->nets, &o->nnets, BVM_MAX_NETS, arg);
	case 'm':
		return parse_mem(arg, &o->mem);
	case 'n':
		return parse_count("--cpus", arg, BVM_MAX_CPUS, &o->cpus);
	case 'w':
		return parse_count("--watchdog", arg, MAX_WATCHDOG, &o->watchdog);
	case 'a':
		return parse_accel(arg, &o->accel);
	case 'N':
		return parse_name(arg, o->name);
	case 'S':
		o->share = 1;
		return 0;
	case 'T':
		o->trace = arg;
		return 0;
	case 'g':
		return parse_count("--gdb", arg, MAX_PORT, &o->gdb_port);
	case 'b':
		return parse_balloon(arg, o);
	}
	return -1;
}

/* The stub drives vCPU 0 alone, through the accelerator's debug controls. */
static int check_gdb(const struct bvm_options *o)
{
	if (o->cpus > 1) {
		fprintf(stderr, "bvm: --gdb drives one vCPU: give --cpus 1\n");
		return -1;
	}
	if (!o->accel->set_debug || !o->accel->translate) {
		fprintf(stderr, "bvm: --gdb: the %s accelerator has no debug controls\n",
			o->accel->name);
		return -1;
	}
	return 0;
}

static int parse_options(int argc, char **argv, struct bvm_options *o)
{
	static const struct option longopts[] = {
		{ "kernel", required_argument, NULL, 'k' },
		{ "initrd", required_argument, NULL, 'i' },
		{ "cmdline", required_argument, NULL, 'c' },
		{ "mem", required_argument, NULL, 'm' },
		{ "cpus", required_argument, NULL, 'n' },
		{ "console", required_argument, NULL, 'o' },
		{ "disk", required_argument, NULL, 'd' },
		{ "net", required_argument, NULL, 'e' },
		{ "vconsole", required_argument, NULL, 'v' },
		{ "watchdog", required_argument, NULL, 'w' },
		{ "accel", required_argument, NULL, 'a' },
		{ "name", required_argument, NULL, 'N' },
		{ "share", no_argument, NULL, 'S' },
		{ "trace", required_argument, NULL, 'T' },
		{ "gdb", required_argument, NULL, 'g' },
		{ "balloon", required_argument, NULL, 'b' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	*o = (struct bvm_options){ .cmdline = "",
				   .mem = 256ull << 20,
				   .cpus = 1,
				   .console = "stdio",
				   .vconsole = "none",
				   .accel = accels[0] };
	opterr = 0; /* our own one-line messages */
	while ((ch = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		if (ch == '?' || ch == ':') {
			fprintf(stderr, "bvm: run: %s '%s' (see bvm --help)\n",
				ch == '?' ? "unknown option" : "missing value for",
				argv[optind - 1]);
			return -1;
		}
		if (parse_option(ch, optarg, o))
			return -1;
	}
	if (optind != argc) {
		fprintf(stderr, "bvm: run: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	if (!o->kernel) {
		fprintf(stderr, "bvm: run needs --kernel FILE\n");
		return -1;
	}
	if (check_balloon(o))
		return -1;
	if (!o->name[0])
		default_name(o->kernel, o->name);
	if (o->gdb_port && check_gdb(o))
		return -1;
	if (strlen(o->cmdline) >= FW_CMDLINE_MAX) {
		fprintf(stderr, "bvm: --cmdline: %zu bytes, give at most %d\n", strlen(o->cmdline),
			FW_CMDLINE_MAX - 1);
		return -1;
	}
	return 0;
}

/* The loader's work for real, now that guest memory exists; then every vCPU. */
static int load_guest(struct vm *vm, const struct bvm_options *o, const struct bvm_inputs *in)
{
	struct fw_boot_cpu boot;
	char err[160];

	uint32_t tsc_khz = vm->accel->tsc_khz(vm->acc);
	int rc;

	if (inputs_load(&vm->env, o, in, tsc_khz, &boot, err, sizeof(err))) {
		fprintf(stderr, "bvm: kernel '%s': %s\n", o->kernel, err);
		return -1;
	}
	for (unsigned int i = 0; i < o->cpus; i++) {
		rc = vm_vcpu_create(vm, i, &boot);
		if (rc < 0) {
			fprintf(stderr, "bvm: cannot set up vcpu %u: %s\n", i, strerror(-rc));
			return -1;
		}
	}
	return 0;
}

/*
 * Guest RAM on a 2 MiB boundary, as transparent huge pages: KVM maps a 2 MiB
 * page of the guest with one large nested page-table entry only when the host
 * page behind it is huge and equally aligned. Otherwise every 4 KiB of the
 * guest costs a nested page fault, which in the nested-KVM lab (PLATFORMS.md
 * §4) made Linux's boot seconds slower.
 */
static uint8_t *ram_map(uint64_t mem)
{
	uint64_t len = mem + RAM_ALIGN, head;
	uint8_t *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	head = (RAM_ALIGN - (uintptr_t)p % RAM_ALIGN) % RAM_ALIGN;
	if (head)
		munmap(p, head);
	munmap(p + head + mem, RAM_ALIGN - head);
	p += head;
	madvise(p, mem, MADV_HUGEPAGE); /* a hint: without it the guest still runs */
	return p;
}

/* The accelerator's VM, and bvm's memory as its RAM from guest-physical 0. */
static int vm_create(struct vm *vm, const struct bvm_options *o)
{
	char err[160];
	int rc;

	struct accel_vm_config cfg = { .name = o->name, .mem = o->mem, .ncpus = o->cpus };

	vm->accel = o->accel;
	vm->ncpus = o->cpus;
	if (vm->accel->vm_create(&vm->acc, &cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "bvm: %s\n", err);
		return -1;
	}
	vm->ram = ram_map(o->mem);
	if (!vm->ram) {
		fprintf(stderr, "bvm: cannot map guest memory: %s\n", strerror(errno));
		return -1;
	}
	vm->ram_size = o->mem;
	if (o->share && ksm_mergeable(vm->ram, o->mem))
		return -1;
	rc = vm->accel->mem_add(vm->acc, 0, o->mem, vm->ram);
	if (rc < 0)
		fprintf(stderr, "bvm: %s: guest memory: %s\n", vm->accel->name, strerror(-rc));
	return rc;
}

void bvm_vm_teardown(struct vm *vm)
{
	vm->accel->vm_destroy(vm->acc);
	if (vm->ram)
		munmap(vm->ram, vm->ram_size);
}

/*
 * What bvm serves where the accelerator does not emulate the PC itself
 * (bivisor): COM1, and one MMIO range over the virtio-mmio windows in use.
 */
static int vm_claim(struct vm *vm)
{
	const struct accel_ops *a = vm->accel;
	uint64_t virtio_len = (uint64_t)vm->nvirtio * PC_VIRTIO_STRIDE;
	int rc;

	if (!a->io_claim)
		return 0;
	rc = a->io_claim(vm->acc, 0, PC_COM1_PORT, UART16550_REGION_LEN);
	if (rc == 0 && vm->nvirtio)
		rc = a->io_claim(vm->acc, 1, pc_virtio_base(0), virtio_len);
	if (rc < 0)
		fprintf(stderr, "bvm: %s: cannot claim the guest's device ranges: %s\n", a->name,
			strerror(-rc));
	return rc;
}

/* The devices on the guest's buses: COM1 on the console stream, then those of devices.c. */
static int vm_build(struct vm *vm, const struct bvm_options *o)
{
	vm_env_init(vm);
	uart16550_init(&vm->com1, &vm->env, &vm->console.ops, 4);
	if (pc_platform_register(&(struct pc_platform){ .com1 = &vm->com1 }, &vm->bus, &vm->env) ||
	    vm_add_devices(vm, o)) {
		fprintf(stderr, "bvm: cannot set up the guest's devices\n");
		return -1;
	}
	return vm_claim(vm);
}

int bvm_vm_setup(struct vm *vm, const struct bvm_options *o, struct bvm_inputs *in)
{
	int status;

	/* A stream or packet peer that went away makes writes fail; it does not end bvm. */
	signal(SIGPIPE, SIG_IGN);
	pthread_mutex_init(&vm->dev_lock, NULL);
	pthread_mutex_init(&vm->pause_lock, NULL);
	pthread_cond_init(&vm->pause_cond, NULL);
	status = vm_create(vm, o) || vm_build(vm, o) || load_guest(vm, o, in);
	free(in->image);
	free(in->initrd);
	return status ? -1 : 0;
}

static int cmd_run(int argc, char **argv)
{
	static struct vm vm;
	struct bvm_options o;
	struct bvm_inputs in;
	int status;

	if (parse_options(argc, argv, &o) || inputs_open(&vm, &o, &in))
		return BVM_EXIT_BAD_INPUT;
	if (o.trace && trace_open(&vm, o.trace)) {
		free(in.image);
		free(in.initrd);
		return BVM_EXIT_BAD_INPUT;
	}
	if (bvm_vm_setup(&vm, &o, &in))
		return BVM_EXIT_ENV;
	if (o.trace && trace_start(&vm))
		return BVM_EXIT_ENV;
	if (o.gdb_port && !(vm.gdb = gdbstub_listen(o.gdb_port))) {
		bvm_vm_teardown(&vm);
		return BVM_EXIT_ENV;
	}
	inputs_start_streams(&vm);
	status = vm_run(&vm, o.watchdog);
	if (o.share)
		ksm_report(stderr, "bvm: ksm");
	gdbstub_close(vm.gdb);
	if (trace_finish(&vm, o.name) && !status)
		status = BVM_EXIT_ENV;
	bvm_vm_teardown(&vm);
	return status;
}

int main(int argc, char **argv)
{
	int status;

	if (argc >= 2 && !strcmp(argv[1], "--version")) {
		printf("bvm (bivisor) %s\n", BIVISOR_VERSION);
		return 0;
	}
	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		usage(stdout);
		return 0;
	}
	if (argc >= 2 && !strcmp(argv[1], "run"))
		return cmd_run(argc - 1, argv + 1);
	if (argc == 2 && !strcmp(argv[1], "doctor"))
		return doctor_main();
	status = manage_main(argc, argv);
	if (status >= 0)
		return status;
	usage(stderr);
	return BVM_EXIT_BAD_INPUT;
}
