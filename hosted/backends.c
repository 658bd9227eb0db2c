/*
 * hosted/backends.c: the host ends of bvm's devices, as drivers/dm_env.h
 * defines them: a raw disk image as a block store (pread/pwrite/fdatasync),
 * a TAP device or one end of a socket pair as a packet port, and the
 * kernel's random pool as entropy.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hosted/backends.h"

static int disk_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	struct bvm_disk *d = ctx;

	return pread(d->fd, buf, len, (off_t)off) == (ssize_t)len ? 0 : -EIO;
}

static int disk_write(void *ctx, uint64_t off, const void *buf, size_t len)
{
	struct bvm_disk *d = ctx;

	if (d->store.read_only)
		return -EPERM;
	return pwrite(d->fd, buf, len, (off_t)off) == (ssize_t)len ? 0 : -EIO;
}

static int disk_flush(void *ctx)
{
	struct bvm_disk *d = ctx;

	return d->store.read_only || fdatasync(d->fd) == 0 ? 0 : -EIO;
}

/* "FILE" or "FILE,ro". */
int bvm_disk_open(struct bvm_disk *d, const char *spec, unsigned int index)
{
	char path[4096];
	const char *comma = strrchr(spec, ',');
	int ro = comma && !strcmp(comma, ",ro");
	size_t n = ro ? (size_t)(comma - spec) : strlen(spec);
	struct stat st;

	if (!n || n >= sizeof(path)) {
		fprintf(stderr, "bvm: --disk '%s': give FILE or FILE,ro\n", spec);
		return -1;
	}
	memcpy(path, spec, n);
	path[n] = '\0';
	d->fd = open(path, (ro ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (d->fd < 0 || fstat(d->fd, &st) < 0) {
		fprintf(stderr, "bvm: --disk '%s': %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode) || st.st_size < 512) {
		fprintf(stderr, "bvm: --disk '%s': not a raw image of at least 512 bytes\n", path);
		return -1;
	}
	snprintf(d->id, sizeof(d->id), "bvm-disk%u", index);
	d->store = (struct dm_block){ .ctx = d,
				      .size = (uint64_t)st.st_size & ~511ull,
				      .read_only = ro,
				      .id = d->id,
				      .read = disk_read,
				      .write = disk_write,
				      .flush = disk_flush };
	return 0;
}

static int net_send(void *ctx, const void *frame, size_t len)
{
	struct bvm_net *n = ctx;

	return write(n->fd, frame, len) == (ssize_t)len ? 0 : -EIO;
}

static long net_recv(void *ctx, void *buf, size_t size)
{
	struct bvm_net *n = ctx;
	ssize_t got = recv(n->fd, buf, size, MSG_DONTWAIT);

	if (got < 0 && errno == ENOTSOCK)
		got = read(n->fd, buf, size); /* a TAP fd, opened non-blocking */
	if (got < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -EIO;
	return got;
}

static int tap_open(const char *name)
{
	struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI };
	int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return -1;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* "tap=NAME" or "socket=FD" (a SOCK_SEQPACKET or SOCK_DGRAM end: one frame per message). */
int bvm_net_open(struct bvm_net *n, const char *spec)
{
	char *end;

	if (!strncmp(spec, "tap=", 4)) {
		n->fd = tap_open(spec + 4);
	} else if (!strncmp(spec, "socket=", 7)) {
		n->fd = (int)strtol(spec + 7, &end, 10);
		if (*end || n->fd < 0 || fcntl(n->fd, F_GETFD) < 0)
			n->fd = -1, errno = EBADF;
	} else {
		fprintf(stderr, "bvm: --net '%s': give tap=NAME or socket=FD\n", spec);
		return -1;
	}
	if (n->fd < 0) {
		fprintf(stderr, "bvm: --net '%s': %s\n", spec, strerror(errno));
		return -1;
	}
	n->port = (struct dm_packet){ .ctx = n, .send = net_send, .recv = net_recv };
	return 0;
}

static size_t entropy_fill(void *ctx, void *buf, size_t len)
{
	ssize_t n = getrandom(buf, len, GRND_NONBLOCK);

	(void)ctx;
	return n > 0 ? (size_t)n : 0;
}

void bvm_entropy_init(struct dm_entropy *e)
{
	*e = (struct dm_entropy){ .ctx = NULL, .fill = entropy_fill };
}
