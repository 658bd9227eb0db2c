/*
 * hosted/manage_bivisor.c: bvm list, pause, unpause and destroy with
 * --accel bivisor, in bivisor's service guest: the management ioctls of
 * /dev/bivisor (include/public/bivisor_dev.h: BIVISOR_INFO, BIVISOR_PAUSE,
 * BIVISOR_UNPAUSE, BIVISOR_DESTROY by domid, on any open file). A domain is
 * found by its name through BIVISOR_INFO. Its console is served by the bvm
 * process of that domain, over the same control socket as under kvm.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "hosted/manage.h"
#include "include/public/bivisor_dev.h"

#define BIVISOR_DEV "/dev/bivisor"

static int bv_open(void)
{
	int fd = open(BIVISOR_DEV, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		fprintf(stderr,
			"bvm: --accel bivisor: %s: %s (bvm runs it in bivisor's service "
			"guest, with its module loaded)\n",
			BIVISOR_DEV, strerror(errno));
	return fd;
}

static const char *bv_state(uint32_t state)
{
	static const char *const names[] = { [BV_DOMAIN_CREATED] = "created",
					     [BV_DOMAIN_RUNNING] = "running",
					     [BV_DOMAIN_PAUSED] = "paused",
					     [BV_DOMAIN_ENDED] = "ended",
					     [BV_DOMAIN_CRASHED] = "crashed" };

	return state < sizeof(names) / sizeof(names[0]) ? names[state] : "unknown";
}

/* The client after info->domid (0: the first) into info; -1 after the last. */
static int bv_next(int fd, struct bv_domain_info *info)
{
	uint32_t after = info->domid;

	memset(info, 0, sizeof(*info));
	info->domid = after;
	if (ioctl(fd, BIVISOR_INFO_NEXT, info) < 0)
		return -1;
	info->name[BV_NAME_LEN - 1] = '\0';
	return 0;
}

/* The service's clients as the hypervisor keeps them; weight and cap are bvm's: '-'. */
int bivisor_list(void)
{
	struct bv_domain_info info = { .domid = 0 };
	char secs[24];
	int fd = bv_open();

	if (fd < 0)
		return BVM_EXIT_ENV;
	printf("%-20s %7s %6s %5s %-8s %8s %6s %4s\n", "Name", "ID", "Mem", "VCPUs", "State",
	       "Time(s)", "Weight", "Cap");
	while (!bv_next(fd, &info)) {
		snprintf(secs, sizeof(secs), "%.1f", info.cpu_ns / 1e9);
		printf("%-20s %7u %6llu %5u %-8s %8s %6s %4s\n", info.name, info.domid,
		       (unsigned long long)(info.mem >> 20), info.vcpus, bv_state(info.state), secs,
		       "-", "-");
	}
	close(fd);
	return 0;
}

static int bv_find(int fd, const char *name, uint32_t *domid)
{
	struct bv_domain_info info = { .domid = 0 };

	while (!bv_next(fd, &info)) {
		if (!strcmp(info.name, name)) {
			*domid = info.domid;
			return 0;
		}
	}
	return -1;
}

int bivisor_verb(const char *verb, const char *name)
{
	unsigned long req = !strcmp(verb, "pause")     ? BIVISOR_PAUSE
			    : !strcmp(verb, "unpause") ? BIVISOR_UNPAUSE
						       : BIVISOR_DESTROY;
	uint32_t domid;
	int fd = bv_open(), rc;

	if (fd < 0)
		return BVM_EXIT_ENV;
	if (bv_find(fd, name, &domid)) {
		fprintf(stderr, "bvm: %s: no domain '%s' on %s\n", verb, name, BIVISOR_DEV);
		close(fd);
		return BVM_EXIT_ENV;
	}
	rc = ioctl(fd, req, &domid);
	if (rc < 0)
		fprintf(stderr, "bvm: %s %s (domid %u): %s\n", verb, name, domid, strerror(errno));
	close(fd);
	return rc < 0 ? BVM_EXIT_ENV : 0;
}

const char *bivisor_presence(void)
{
	int fd = open(BIVISOR_DEV, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return errno == ENOENT ? "absent (no " BIVISOR_DEV ")" : "present, not usable";
	close(fd);
	return "present (" BIVISOR_DEV " opens)";
}
