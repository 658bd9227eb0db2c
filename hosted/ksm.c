/*
 * hosted/ksm.c: bvm --share (issue 18, docs/memory.md). Guest RAM is marked
 * mergeable with madvise(MADV_MERGEABLE), so Linux's Kernel Samepage Merging
 * (Documentation/admin-guide/mm/ksm.rst) may merge its identical pages with
 * those of other processes; bvm only opts in and, at its end, reports the
 * host's counters from /sys/kernel/mm/ksm. KSM scans only while its `run`
 * file says 1, which the host's administrator decides. Such RAM is not
 * given transparent huge pages (hosted/bvm.c:ram_map asks for them otherwise).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "hosted/bvm.h"

#define KSM_DIR "/sys/kernel/mm/ksm/"

static const char *const ksm_counters[] = {
	"pages_shared", "pages_sharing", "pages_unshared", "pages_volatile", "full_scans",
};

int ksm_mergeable(void *ram, uint64_t len)
{
	/* 4 KiB pages from the start: KSM must split a huge page before it merges a part,
	 * and a split that fails (a page still referenced) leaves the page unmerged */
	madvise(ram, len, MADV_NOHUGEPAGE);
	if (madvise(ram, len, MADV_MERGEABLE) == 0)
		return 0;
	fprintf(stderr, "bvm: --share: madvise(MADV_MERGEABLE): %s%s\n", strerror(errno),
		errno == EINVAL ? " (a kernel without CONFIG_KSM?)" : "");
	return -1;
}

/* One counter of /sys/kernel/mm/ksm, or -1 if it cannot be read. */
static long long ksm_read(const char *name)
{
	char path[96];
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), KSM_DIR "%s", name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%lld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

void ksm_report(FILE *out, const char *prefix)
{
	char line[256];
	int n = 0;

	if (ksm_read("run") < 0) {
		fprintf(out, "%s: absent (no %s on this host)\n", prefix, KSM_DIR);
		return;
	}
	for (unsigned int i = 0; i < sizeof(ksm_counters) / sizeof(ksm_counters[0]); i++)
		n += snprintf(line + n, sizeof(line) - (size_t)n, "%s %s %lld", i ? "," : "",
			      ksm_counters[i], ksm_read(ksm_counters[i]));
	fprintf(out, "%s (run %lld):%s\n", prefix, ksm_read("run"), line);
}
