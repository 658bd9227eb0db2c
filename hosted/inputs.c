/*
 * hosted/inputs.c: every file and option `bvm run` is given, read and checked
 * before /dev/kvm is opened (KVM_CREATE_VM, Documentation/virt/kvm/api.rst
 * 4.2, comes only after them): the kernel image, by a dry run of its
 * loader (drivers/firmware/) into a guest memory that only checks bounds, the
 * initrd, the disks, the network ports and the console streams. A bad one
 * gets one line naming it; bvm then exits with status 2.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "drivers/firmware/boot_cmdline.h"
#include "drivers/firmware/pc_acpi.h"
#include "hosted/bvm.h"

#define TSC_KHZ_PLACEHOLDER 0xffffffffu /* the longest tsc_early_khz= value */

/* A file that cannot fit in max bytes of guest RAM is refused before it is read. */
static void *read_file(const char *path, size_t *len, const char *what, uint64_t max)
{
	struct stat st;
	void *buf;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int regular = fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode);

	if (!regular || (uint64_t)st.st_size > max) {
		if (regular)
			fprintf(stderr, "bvm: %s '%s' is %lld MiB, larger than %llu MiB\n", what,
				path, (long long)st.st_size >> 20, (unsigned long long)max >> 20);
		else
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
	*s = (struct bvm_stream){ .in = in, .out = out, .ops = { s, stream_write, stream_read } };
}

/*
 * "file=PATH": output only. The file is created if need be but emptied only
 * by inputs_start_streams, so a later bad input leaves it as it was.
 */
static int stream_open_file(struct bvm_stream *s, const char *opt, const char *spec)
{
	int fd = open(spec + 5, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	struct stat st;

	if (fd < 0 || fstat(fd, &st) < 0) {
		fprintf(stderr, "bvm: %s %s: %s\n", opt, spec, strerror(errno));
		return -1;
	}
	stream_init(s, -1, fd);
	s->empty_out = S_ISREG(st.st_mode);
	return 0;
}

static int console_open(struct bvm_stream *s, const char *spec)
{
	if (!strcmp(spec, "stdio")) {
		stream_init(s, isatty(0) ? 0 : -1, 1);
		return 0;
	}
	if (!strncmp(spec, "file=", 5) && spec[5])
		return stream_open_file(s, "--console", spec);
	fprintf(stderr, "bvm: --console %s: give stdio or file=PATH\n", spec);
	return -1;
}

/* An inherited descriptor "socket=FD" names: open, and open for reading and writing. */
static int fd_check(const char *opt, const char *spec, int *out)
{
	const char *num = strchr(spec, '=') + 1;
	char *end;
	long fd = strtol(num, &end, 10);
	int flags;

	errno = EBADF;
	if (end == num || *end || fd < 0 || fd > 0x7fffffff ||
	    (flags = fcntl((int)fd, F_GETFL)) < 0) {
		fprintf(stderr, "bvm: %s %s: %s\n", opt, spec, strerror(EBADF));
		return -1;
	}
	if ((flags & O_ACCMODE) != O_RDWR) {
		fprintf(stderr, "bvm: %s %s: not open for reading and writing\n", opt, spec);
		return -1;
	}
	*out = (int)fd;
	return 0;
}

/* "none" (no device), "file=PATH" (output only) or "socket=FD" (both ways). */
static int vconsole_open(struct bvm_stream *s, const char *spec)
{
	int fd;

	stream_init(s, -1, -1);
	if (!strcmp(spec, "none"))
		return 0;
	if (!strncmp(spec, "file=", 5) && spec[5])
		return stream_open_file(s, "--vconsole", spec);
	if (strncmp(spec, "socket=", 7)) {
		fprintf(stderr, "bvm: --vconsole %s: give file=PATH, socket=FD or none\n", spec);
		return -1;
	}
	if (fd_check("--vconsole", spec, &fd))
		return -1;
	stream_init(s, fd, fd);
	return 0;
}

/* "socket=FD" must carry one frame per message: a stream socket would not. */
static int net_check(const char *spec)
{
	int fd, type;
	socklen_t len = sizeof(type);

	if (strncmp(spec, "socket=", 7))
		return 0; /* tap=NAME, or a bad spec that bvm_net_open names */
	if (fd_check("--net", spec, &fd))
		return -1;
	if (!getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) && type == SOCK_STREAM) {
		fprintf(stderr,
			"bvm: --net %s: a stream socket; give a SOCK_SEQPACKET or "
			"SOCK_DGRAM end\n",
			spec);
		return -1;
	}
	return 0;
}

void inputs_start_streams(struct vm *vm)
{
	struct bvm_stream *streams[] = { &vm->console, &vm->vcon_stream };

	for (unsigned int i = 0; i < 2; i++) {
		if (streams[i]->empty_out && ftruncate(streams[i]->out, 0) < 0)
			fprintf(stderr, "bvm: cannot empty the console file: %s\n",
				strerror(errno));
	}
}

/* Linux: its initrd, ACPI tables for every vCPU, the virtio devices on its command line. */
static int load_linux(const struct dm_env *env, const struct bvm_options *o,
		      const struct bvm_inputs *in, uint32_t khz, struct fw_boot_cpu *boot,
		      char *err, size_t errlen)
{
	struct fw_virtio_mmio dev[BVM_MAX_VIRTIO];
	struct fw_platform plat;

	fw_platform_init(&plat, o->cpus);
	plat.tsc_khz = khz; /* the rate KVM gives the guest (drivers/firmware/linux.c) */
	plat.nvirtio = vm_virtio_count(o);
	for (unsigned int i = 0; i < plat.nvirtio; i++)
		dev[i] = vm_virtio_window(i);
	/* besides the SSDT: for kernels that read them there */
	plat.flags |= FW_PLAT_VIRTIO_CMDLINE | FW_PLAT_RTC;
	plat.virtio = dev;
	return fw_load_linux(env, in->image, in->image_len, in->initrd, in->initrd_len, o->cmdline,
			     &plat, boot, err, errlen);
}

/* argv[0] is the kernel's file name as given, as QEMU's -kernel and GRUB give it. */
static int load_multiboot(const struct dm_env *env, const struct bvm_options *o,
			  const struct bvm_inputs *in, struct fw_boot_cpu *boot, char *err,
			  size_t errlen)
{
	char line[FW_CMDLINE_MAX];
	int rc;

	if (fw_boot_cmdline(line, sizeof(line), o->kernel, o->cmdline)) {
		snprintf(err, errlen,
			 "the file name (argv[0], one word) and --cmdline: give at most %d bytes",
			 FW_CMDLINE_MAX - 1);
		return -E2BIG;
	}
	rc = fw_load_image(env, in->image, in->image_len, line, boot, err, errlen);
	if (!rc) /* the PC's ACPI tables, as a Linux guest's (docs/pc-platform.md) */
		rc = fw_build_acpi_pc(env, o->cpus, 0, err, errlen);
	return rc;
}

int inputs_load(const struct dm_env *env, const struct bvm_options *o, const struct bvm_inputs *in,
		uint32_t tsc_khz, struct fw_boot_cpu *boot, char *err, size_t errlen)
{
	if (in->kind == FW_IMAGE_LINUX)
		return load_linux(env, o, in, tsc_khz, boot, err, errlen);
	return load_multiboot(env, o, in, boot, err, errlen);
}

/* A guest memory of the real size that takes nothing: the loaders check before they write. */
static int dry_write(void *ctx, gpa_t gpa, const void *buf, size_t len)
{
	const uint64_t *size = ctx;

	(void)buf;
	return gpa <= *size && len <= *size - gpa ? 0 : -EFAULT;
}

static int image_check(const struct bvm_options *o, const struct bvm_inputs *in)
{
	uint64_t size = o->mem;
	struct dm_env env = { .ctx = &size, .mem_write = dry_write, .ram_size = o->mem };
	struct fw_boot_cpu boot;
	char err[160];

	if (in->kind == FW_IMAGE_UNKNOWN) {
		fprintf(stderr, "bvm: kernel '%s': not a Multiboot, ELF64 or Linux image\n",
			o->kernel);
		return -1;
	}
	if (inputs_load(&env, o, in, TSC_KHZ_PLACEHOLDER, &boot, err, sizeof(err))) {
		fprintf(stderr, "bvm: kernel '%s': %s\n", o->kernel, err);
		return -1;
	}
	return 0;
}

static int images_read(const struct bvm_options *o, struct bvm_inputs *in)
{
	/* the loaders say why a kernel does not fit; any image is under 4 GiB */
	in->image = read_file(o->kernel, &in->image_len, "kernel", 4ull << 30);
	if (!in->image)
		return -1;
	in->kind = fw_image_probe(in->image, in->image_len);
	if (!o->initrd)
		return 0;
	if (in->kind != FW_IMAGE_LINUX) {
		fprintf(stderr, "bvm: --initrd '%s': only a Linux bzImage takes an initrd\n",
			o->initrd);
		return -1;
	}
	in->initrd = read_file(o->initrd, &in->initrd_len, "initrd", o->mem); /* --mem */
	return in->initrd ? 0 : -1;
}

static int inputs_check(struct vm *vm, const struct bvm_options *o, struct bvm_inputs *in)
{
	if (images_read(o, in) || image_check(o, in))
		return -1;
	for (unsigned int i = 0; i < o->ndisks; i++) {
		if (bvm_disk_open(&vm->disk[i], o->disks[i], i))
			return -1;
	}
	for (unsigned int i = 0; i < o->nnets; i++) {
		if (net_check(o->nets[i]) || bvm_net_open(&vm->net[i], o->nets[i]))
			return -1;
	}
	/* last: the files these create are all that a bad input could leave behind */
	if (vconsole_open(&vm->vcon_stream, o->vconsole) || console_open(&vm->console, o->console))
		return -1;
	return 0;
}

int inputs_open(struct vm *vm, const struct bvm_options *o, struct bvm_inputs *in)
{
	*in = (struct bvm_inputs){ 0 };
	if (!inputs_check(vm, o, in))
		return 0;
	free(in->image); /* bvm exits next, but LeakSanitizer (make SAN=1) would report them */
	free(in->initrd);
	return -1;
}
