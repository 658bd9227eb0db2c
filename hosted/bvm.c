/*
 * hosted/bvm.c: `bvm`, the hosted VMM: command-line options, loading the
 * guest image with the loaders of drivers/firmware/ (the same code the Type-1
 * kernel uses), the byte streams of the guest's COM1 (drivers/uart16550.c)
 * and of its virtio console, and the run. Bad files and options get one
 * clear line and a non-zero exit before anything is created.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hosted/bvm.h"
#include "kernel/version.h"

#define MIN_MEM (4ull << 20)
#define MAX_MEM (3ull << 30) /* one slot below the PCI hole */

static void usage(FILE *f)
{
	fprintf(f, "usage: bvm run --kernel FILE [--initrd FILE] [--cmdline STR] [--mem SIZE]\n"
		   "               [--cpus N] [--disk FILE[,ro]]... [--net tap=NAME|socket=FD]...\n"
		   "               [--console stdio|file=PATH] [--vconsole file=PATH|socket=FD]\n"
		   "       bvm --help | --version\n"
		   "Runs a guest (Multiboot 1/2 or ELF64 image) on /dev/kvm with bivisor's\n"
		   "device models. SIZE takes K, M or G (default 256M). --vconsole adds a\n"
		   "virtio console on that stream (default: none). The guest ends bvm by\n"
		   "writing its status to port 0xf4; bvm exits with that status.\n");
}

static int parse_size(const char *s, uint64_t *out)
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
		{ NULL, 0, NULL, 0 },
	};
	int ch;
	char *end;

	*o = (struct bvm_options){ .cmdline = "",
				   .mem = 256ull << 20,
				   .cpus = 1,
				   .console = "stdio",
				   .vconsole = "none" };
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'k':
			o->kernel = optarg;
			break;
		case 'i':
			o->initrd = optarg;
			break;
		case 'c':
			o->cmdline = optarg;
			break;
		case 'o':
			o->console = optarg;
			break;
		case 'v':
			o->vconsole = optarg;
			break;
		case 'd':
			if (o->ndisks == BVM_MAX_DISKS) {
				fprintf(stderr, "bvm: at most %d --disk\n", BVM_MAX_DISKS);
				return -1;
			}
			o->disks[o->ndisks++] = optarg;
			break;
		case 'e':
			if (o->nnets == BVM_MAX_NETS) {
				fprintf(stderr, "bvm: at most %d --net\n", BVM_MAX_NETS);
				return -1;
			}
			o->nets[o->nnets++] = optarg;
			break;
		case 'm':
			if (parse_size(optarg, &o->mem) || o->mem < MIN_MEM || o->mem > MAX_MEM ||
			    o->mem % 4096) {
				fprintf(stderr, "bvm: --mem %s: give 4M to 3G, in whole pages\n",
					optarg);
				return -1;
			}
			break;
		case 'n':
			o->cpus = (unsigned int)strtoul(optarg, &end, 10);
			if (*end || !o->cpus || o->cpus > BVM_MAX_CPUS) {
				fprintf(stderr, "bvm: --cpus %s: give 1 to %d\n", optarg,
					BVM_MAX_CPUS);
				return -1;
			}
			break;
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind != argc || !o->kernel) {
		fprintf(stderr,
			optind != argc ? "bvm: unexpected argument '%s'\n"
				       : "bvm: run needs --kernel FILE%s\n",
			optind != argc ? argv[optind] : "");
		return -1;
	}
	return 0;
}

static void *read_file(const char *path, size_t *len, const char *what)
{
	struct stat st;
	void *buf;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		fprintf(stderr, "bvm: cannot read %s '%s': %s\n", what, path,
			fd < 0 ? strerror(errno) : "not a regular file");
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	buf = malloc(st.st_size ? st.st_size : 1);
	if (!buf || read(fd, buf, st.st_size) != st.st_size) {
		fprintf(stderr, "bvm: cannot read %s '%s'\n", what, path);
		free(buf);
		buf = NULL;
	}
	close(fd);
	*len = st.st_size;
	return buf;
}

static size_t stream_write(void *ctx, const uint8_t *buf, size_t len)
{
	struct bvm_stream *s = ctx;
	ssize_t n = s->out >= 0 ? write(s->out, buf, len) : -1;

	return n > 0 ? (size_t)n : len; /* a closed console drops output, as a UART would */
}

static size_t stream_read(void *ctx, uint8_t *buf, size_t len)
{
	struct bvm_stream *s = ctx;
	struct pollfd p = { s->in, POLLIN, 0 };
	ssize_t n;

	if (s->in < 0 || poll(&p, 1, 0) <= 0)
		return 0;
	n = read(s->in, buf, len);
	if (n == 0)
		s->in = -1; /* the other end is gone: stop polling it */
	return n > 0 ? (size_t)n : 0;
}

static void stream_init(struct bvm_stream *s, int in, int out)
{
	*s = (struct bvm_stream){ in, out, { s, stream_write, stream_read } };
}

/* "file=PATH": output only, into a new or truncated file. */
static int stream_open_file(struct bvm_stream *s, const char *opt, const char *spec)
{
	int fd = open(spec + 5, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0) {
		fprintf(stderr, "bvm: %s %s: %s\n", opt, spec, strerror(errno));
		return -1;
	}
	stream_init(s, -1, fd);
	return 0;
}

static int console_open(struct bvm_stream *s, const char *spec)
{
	if (!strcmp(spec, "stdio")) {
		stream_init(s, isatty(0) ? 0 : -1, 1);
		return 0;
	}
	if (!strncmp(spec, "file=", 5))
		return stream_open_file(s, "--console", spec);
	fprintf(stderr, "bvm: --console %s: give stdio or file=PATH\n", spec);
	return -1;
}

/* "none" (no device), "file=PATH" (output only) or "socket=FD" (both ways). */
static int vconsole_open(struct bvm_stream *s, const char *spec)
{
	char *end;
	long fd;

	stream_init(s, -1, -1);
	if (!strcmp(spec, "none"))
		return 0;
	if (!strncmp(spec, "file=", 5))
		return stream_open_file(s, "--vconsole", spec);
	if (strncmp(spec, "socket=", 7)) {
		fprintf(stderr, "bvm: --vconsole %s: give file=PATH, socket=FD or none\n", spec);
		return -1;
	}
	fd = strtol(spec + 7, &end, 10);
	if (end == spec + 7 || *end || fd < 0 || fd > 0x7fffffff || fcntl((int)fd, F_GETFD) < 0) {
		fprintf(stderr, "bvm: --vconsole %s: %s\n", spec, strerror(EBADF));
		return -1;
	}
	stream_init(s, (int)fd, (int)fd);
	return 0;
}

/* The I/O thread: console input, network frames and waiting requests. */
static void *input_loop(void *arg)
{
	struct vm *vm = arg;

	while (vm->exit_status < 0)
		vm_poll_devices(vm);
	return NULL;
}

/*
 * Linux reads no TSC rate from bivisor's leaf 0x40000010, and calibrating it
 * against the PIT or the ACPI PM timer fails where each of their reads is a
 * slow exit (the nested-KVM lab): the kernel then marks the TSC unstable and
 * keeps time with jiffies and the PM timer. So the rate KVM gives the guest
 * goes in front of the command line as tsc_early_khz= (Linux's
 * admin-guide/kernel-parameters), unless the user gave one.
 */
static char *linux_cmdline(struct vm *vm, const char *user)
{
	uint32_t khz = kvm_tsc_khz(vm);
	size_t size = strlen(user) + sizeof("tsc_early_khz=4294967295 ");
	char *s = malloc(size);

	if (!s)
		return NULL;
	if (!khz || strstr(user, "tsc_early_khz="))
		snprintf(s, size, "%s", user);
	else
		snprintf(s, size, "tsc_early_khz=%u %s", khz, user);
	return s;
}

/* Linux: its initrd, ACPI tables for every vCPU, the virtio devices on its command line. */
static int load_linux(struct vm *vm, const struct bvm_options *o, const void *image, size_t len,
		      struct fw_boot_cpu *boot, char *err, size_t errlen)
{
	struct fw_virtio_mmio dev[BVM_MAX_IO];
	struct fw_platform plat;
	void *initrd = NULL;
	size_t initrd_len = 0;
	char *cmdline;
	int rc;

	if (o->initrd && !(initrd = read_file(o->initrd, &initrd_len, "initrd")))
		return -1;
	cmdline = linux_cmdline(vm, o->cmdline);
	if (!cmdline) {
		free(initrd);
		snprintf(err, errlen, "out of memory for the command line");
		return -ENOMEM;
	}
	fw_platform_init(&plat, o->cpus);
	for (unsigned int i = 0; i < vm->nvirtio; i++)
		dev[i] = (struct fw_virtio_mmio){ BVM_VIRTIO_BASE + i * BVM_VIRTIO_STRIDE,
						  BVM_VIRTIO_STRIDE, vm_virtio_irq(i) };
	plat.nvirtio = vm->nvirtio;
	/* besides the SSDT: for kernels that read them there */
	plat.flags |= FW_PLAT_VIRTIO_CMDLINE | FW_PLAT_RTC;
	plat.virtio = dev;
	rc = fw_load_linux(&vm->env, image, len, initrd, initrd_len, cmdline, &plat, boot, err,
			   errlen);
	free(cmdline);
	free(initrd);
	return rc;
}

static int load_guest(struct vm *vm, const struct bvm_options *o, const void *image, size_t len)
{
	struct fw_boot_cpu boot;
	char err[160];
	int rc;

	if (fw_image_probe(image, len) == FW_IMAGE_LINUX) {
		rc = load_linux(vm, o, image, len, &boot, err, sizeof(err));
	} else {
		if (o->initrd)
			fprintf(stderr, "bvm: --initrd is for Linux images; ignored\n");
		rc = fw_load_image(&vm->env, image, len, o->cmdline, &boot, err, sizeof(err));
	}
	if (rc == -1) /* the initrd could not be read: already said */
		return -1;
	if (rc) {
		fprintf(stderr, "bvm: kernel '%s': %s\n", o->kernel, err);
		return -1;
	}
	for (unsigned int i = 0; i < o->cpus; i++) {
		if (kvm_vcpu_setup(vm, i, &boot)) {
			fprintf(stderr, "bvm: cannot set up vcpu %u: %s\n", i, strerror(errno));
			return -1;
		}
	}
	return 0;
}

static int cmd_run(int argc, char **argv)
{
	static struct vm vm;
	struct bvm_options o;
	char err[160];
	size_t len;
	void *image;
	pthread_t input;

	if (parse_options(argc, argv, &o))
		return 2;
	image = read_file(o.kernel, &len, "kernel");
	if (!image)
		return 1;
	if (console_open(&vm.console, o.console) || vconsole_open(&vm.vcon_stream, o.vconsole))
		return 1;
	/* A stream or packet peer that went away makes writes fail; it does not end bvm. */
	signal(SIGPIPE, SIG_IGN);
	pthread_mutex_init(&vm.dev_lock, NULL);
	if (kvm_vm_create(&vm, o.mem, o.cpus, err, sizeof(err))) {
		fprintf(stderr, "bvm: %s\n", err);
		return 1;
	}
	vm_env_init(&vm);
	uart16550_init(&vm.com1, &vm.env, &vm.console.ops, 4);
	vm_register_io(&vm,
		       &(struct dm_io_region){ "com1", DM_SPACE_PIO, 0x3f8, UART16550_REGION_LEN,
					       uart16550_io_read, uart16550_io_write, &vm.com1 });
	if (vm_add_devices(&vm, &o) || load_guest(&vm, &o, image, len))
		return 1;
	free(image);
	vm.exit_status = -1;
	pthread_create(&input, NULL, input_loop, &vm);
	return kvm_vm_run(&vm);
}

int main(int argc, char **argv)
{
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
	usage(stderr);
	return 2;
}
