/*
 * kernel/guests.c: domains from the boot configuration. Each Multiboot2
 * module is a guest image whose command line holds the domain's options:
 *   module2 /guests/hello.elf name=hello mem=16M cmdline="verbose"
 * A Linux bzImage names its initramfs, another module, by that module's name=:
 *   module2 /guests/bzImage name=linux mem=256M vcpus=2 initrd=linux-rd cmdline="..."
 *   module2 /guests/initrd.gz name=linux-rd
 * A Multiboot image gets other modules, by their name=, as its own Multiboot
 * modules (in that order, each with its cmdline= as the module's command
 * line); those are not started as domains:
 *   module2 /guests/svc.elf name=svc mem=64M role=service modules=blk cmdline="client=vblk"
 *   module2 /guests/virtio_blk.elf name=blk cmdline="count=3"
 * A module with a bad option, a bad image or too little memory is named in
 * the log and skipped; the others start. role=service makes the one service
 * domain (kernel/domctl.c), which may create others with hypercalls.
 */
#include "arch/x86/percpu.h"
#include "drivers/firmware/loader.h"
#include "drivers/pc_platform.h"
#include "kernel/cmdline.h"
#include "kernel/domain.h"
#include "kernel/domctl.h"
#include "lib/format.h"
#include "kernel/guests.h"
#include "kernel/mm.h"
#include "kernel/platform.h"
#include "kernel/printk.h"
#include "kernel/run.h"
#include "kernel/sched.h"
#include "lib/string.h"

#define DEFAULT_MEM (16ull << 20)
#define MIN_MEM (2ull << 20)

struct module_opts {
	struct domain_config cfg;
	int bad_state; /* fault=bad-cr4: start with a CR4 the CPU must refuse (tests) */
	int service;   /* role=service: the service domain (kernel/domctl.c) */
	char initrd[DOMAIN_NAME_LEN];	/* a Linux image's initramfs: the module of that name */
	char modules[CMDLINE_MAX_WORD]; /* a Multiboot image's modules: names, comma-separated */
	char cmdline[CMDLINE_MAX_WORD];
	char problem[CMDLINE_MAX_WORD * 2];
	int problems;
};

static int set_name(void *ctx, const char *v)
{
	struct module_opts *m = ctx;
	size_t n = strlen(v);

	if (!n || n >= DOMAIN_NAME_LEN)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (!((v[i] >= 'a' && v[i] <= 'z') || (v[i] >= 'A' && v[i] <= 'Z') ||
		      (v[i] >= '0' && v[i] <= '9') || v[i] == '-' || v[i] == '_'))
			return -EINVAL;
	memcpy(m->cfg.name, v, n + 1);
	return 0;
}

/* "16M", "512K", "1G" or bytes, into *out: 0 or -EINVAL. */
static int parse_size(const char *v, uint64_t *out)
{
	char num[24];
	size_t n = strlen(v);
	unsigned long val, shift = 0;

	if (!n || n >= sizeof(num))
		return -EINVAL;
	memcpy(num, v, n + 1);
	switch (num[n - 1]) {
	case 'K':
	case 'k':
		shift = 10;
		break;
	case 'M':
	case 'm':
		shift = 20;
		break;
	case 'G':
	case 'g':
		shift = 30;
		break;
	default:
		break;
	}
	if (shift)
		num[n - 1] = '\0';
	if (cmdline_parse_uint(num, &val) || val > (1ul << 40) >> shift)
		return -EINVAL;
	*out = val << shift;
	return 0;
}

static int set_mem(void *ctx, const char *v)
{
	struct module_opts *m = ctx;
	uint64_t size;

	if (parse_size(v, &size) || size < MIN_MEM)
		return -EINVAL;
	m->cfg.mem = size;
	return 0;
}

/* The balloon's memory target: whole pages, not 0 (checked against mem= later). */
static int set_balloon(void *ctx, const char *v)
{
	struct module_opts *m = ctx;
	uint64_t size;

	if (parse_size(v, &size) || !size || size % 4096)
		return -EINVAL;
	m->cfg.balloon = size;
	return 0;
}

static int set_cmdline(void *ctx, const char *v)
{
	struct module_opts *m = ctx;

	memcpy(m->cmdline, v, strlen(v) + 1);
	return 0;
}

static int set_initrd(void *ctx, const char *v)
{
	struct module_opts *m = ctx;

	if (!*v || strlen(v) >= DOMAIN_NAME_LEN)
		return -EINVAL;
	memcpy(m->initrd, v, strlen(v) + 1);
	return 0;
}

static int set_modules(void *ctx, const char *v)
{
	struct module_opts *m = ctx;

	if (!*v || *v == ',' || v[strlen(v) - 1] == ',')
		return -EINVAL;
	memcpy(m->modules, v, strlen(v) + 1);
	return 0;
}

static int set_fault(void *ctx, const char *v)
{
	struct module_opts *m = ctx;

	if (strcmp(v, "bad-cr4"))
		return -EINVAL;
	m->bad_state = 1;
	return 0;
}

static int set_role(void *ctx, const char *v)
{
	struct module_opts *m = ctx;

	if (strcmp(v, "service"))
		return -EINVAL;
	m->service = 1;
	return 0;
}

static int set_uint(const char *v, unsigned int min, unsigned int max, unsigned int *out)
{
	unsigned long val;

	if (cmdline_parse_uint(v, &val) || val < min || val > max)
		return -EINVAL;
	*out = (unsigned int)val;
	return 0;
}

static int set_vcpus(void *ctx, const char *v)
{
	return set_uint(v, 1, DOMAIN_MAX_VCPUS, &((struct module_opts *)ctx)->cfg.vcpus);
}

static int set_weight(void *ctx, const char *v)
{
	return set_uint(v, 1, DOMAIN_WEIGHT_MAX, &((struct module_opts *)ctx)->cfg.weight);
}

static int set_cap(void *ctx, const char *v)
{
	return set_uint(v, 0, 100 * DOMAIN_MAX_VCPUS, &((struct module_opts *)ctx)->cfg.cap);
}

static int set_share(void *ctx, const char *v)
{
	unsigned int on = 0;
	int err = set_uint(v, 0, 1, &on);

	((struct module_opts *)ctx)->cfg.share = (int)on;
	return err;
}

static int set_lazy(void *ctx, const char *v)
{
	unsigned int on = 0;
	int err = set_uint(v, 0, 1, &on);

	((struct module_opts *)ctx)->cfg.lazy = (int)on;
	return err;
}

/* "0", "1,3", "0-2": CPUs that exist. */
static int set_cpus(void *ctx, const char *v)
{
	struct module_opts *m = ctx;
	uint64_t mask = 0;

	while (*v) {
		unsigned long lo = 0, hi;

		if (*v < '0' || *v > '9')
			return -EINVAL;
		while (*v >= '0' && *v <= '9')
			lo = lo * 10 + (unsigned long)(*v++ - '0');
		hi = lo;
		if (*v == '-') {
			v++;
			if (*v < '0' || *v > '9')
				return -EINVAL;
			hi = 0;
			while (*v >= '0' && *v <= '9')
				hi = hi * 10 + (unsigned long)(*v++ - '0');
		}
		if (hi < lo || hi >= ncpus_online)
			return -ERANGE;
		for (unsigned long c = lo; c <= hi; c++)
			mask |= 1ull << c;
		if (*v == ',')
			v++;
		else if (*v)
			return -EINVAL;
	}
	if (!mask)
		return -EINVAL;
	m->cfg.affinity = mask;
	return 0;
}

static const struct cmdline_opt module_table[] = {
	{ "vcpus", 1, set_vcpus, "1 to 16 virtual CPUs" },
	{ "weight", 1, set_weight, "a scheduling weight from 1 to 65535 (default 256)" },
	{ "cap", 1, set_cap, "a CPU cap in percent of one CPU, 0 (none) to 1600" },
	{ "cpus", 1, set_cpus, "host CPUs it may run on, such as 0 or 0,1 or 0-1, that exist" },
	{ "name", 1, set_name, "letters, digits, - and _, up to 31" },
	{ "mem", 1, set_mem, "a size such as 16M, at least 2M" },
	{ "cmdline", 1, set_cmdline, "the guest's command line, quoted" },
	{ "initrd", 1, set_initrd, "the name= of the module that is this Linux image's initramfs" },
	{ "modules", 1, set_modules, "names of modules handed to this Multiboot image, a,b" },
	{ "fault", 1, set_fault, "bad-cr4, to test the invalid-guest-state path" },
	{ "role", 1, set_role, "service: the service domain, which may make other domains" },
	{ "share", 1, set_share, "1: its identical pages may be merged (one vCPU)" },
	{ "balloon", 1, set_balloon, "a memory target such as 128M, whole pages (one vCPU)" },
	{ "lazy", 1, set_lazy, "1: each page of RAM backed at its first touch (with balloon=)" },
};

static void module_warn(void *ctx, const char *msg)
{
	struct module_opts *m = ctx;

	if (!m->problems++)
		fmt_snprintf(m->problem, sizeof(m->problem), "%s", msg);
}

static int name_taken(struct domain **doms, unsigned int n, const char *name)
{
	for (unsigned int i = 0; i < n; i++)
		if (!strcmp(doms[i]->name, name))
			return 1;
	return 0;
}

static void parse_module(const struct boot_module *mod, unsigned int idx, struct module_opts *m)
{
	*m = (struct module_opts){ .cfg = { .mem = DEFAULT_MEM, .vcpus = 1 } };
	fmt_snprintf(m->cfg.name, sizeof(m->cfg.name), "dom%u", idx + 1);
	cmdline_parse(mod->cmdline, module_table, sizeof(module_table) / sizeof(module_table[0]), m,
		      module_warn);
}

/* The module whose name= is name (an initramfs), or -1. */
static int module_named(const struct module_opts *opts, unsigned int n, const char *name)
{
	for (unsigned int i = 0; i < n; i++)
		if (!opts[i].problems && !strcmp(opts[i].cfg.name, name))
			return (int)i;
	return -1;
}

static int is_initrd(const struct module_opts *opts, unsigned int n, unsigned int idx)
{
	for (unsigned int i = 0; i < n; i++)
		if (i != idx && !opts[i].problems && opts[i].initrd[0] &&
		    !strcmp(opts[i].initrd, opts[idx].cfg.name))
			return 1;
	return 0;
}

/* The next comma-separated name of list into name; returns the rest, NULL at the end. */
static const char *next_name(const char *list, char name[DOMAIN_NAME_LEN])
{
	size_t n = 0;

	if (!*list)
		return NULL;
	while (list[n] && list[n] != ',')
		n++;
	fmt_snprintf(name, DOMAIN_NAME_LEN, "%.*s", (int)n, list);
	return list[n] ? list + n + 1 : list + n;
}

/* True when another module's modules= names module idx. */
static int is_handed(const struct module_opts *opts, unsigned int n, unsigned int idx)
{
	char name[DOMAIN_NAME_LEN];

	for (unsigned int i = 0; i < n; i++) {
		const char *l = opts[i].modules;

		if (i == idx || opts[i].problems)
			continue;
		while ((l = next_name(l, name)))
			if (!strcmp(name, opts[idx].cfg.name))
				return 1;
	}
	return 0;
}

/* The modules m->modules names, as the loader takes them; -EINVAL and a line if one is missing. */
static int module_list(const struct boot_info *bi, const struct module_opts *opts,
		       const struct module_opts *m, struct fw_module *mods, unsigned int *n)
{
	char name[DOMAIN_NAME_LEN];
	const char *l = m->modules;
	int i;

	for (*n = 0; (l = next_name(l, name)); (*n)++) {
		i = module_named(opts, bi->nmods, name);
		if (i < 0 || *n == FW_MODULES_MAX) {
			pr_err("domain %s: not created: modules=%s %s\n", m->cfg.name, name,
			       i < 0 ? "names no module" : "is one module too many");
			return -EINVAL;
		}
		mods[*n] =
			(struct fw_module){ hpa_to_virt(bi->mods[i].start),
					    bi->mods[i].end - bi->mods[i].start, opts[i].cmdline };
	}
	return 0;
}

/* balloon= is for a plain domain of one vCPU without share=1, at most its mem=, whose RAM
 * ends below the balloon's window (kernel/balloon.c:balloon_window). */
static int balloon_refused(const struct module_opts *m)
{
	const char *why = NULL;

	if (m->cfg.vcpus > 1 || m->service || m->cfg.share)
		why = "is for a plain domain of one vCPU without share=1";
	else if (m->cfg.balloon > m->cfg.mem)
		why = "is over mem=";
	else if (m->cfg.mem > PC_VIRTIO_BASE)
		why = "needs mem= below its window at 0xfeb00000";
	if (why)
		pr_err("domain %s: not created: balloon=%lu MiB %s (docs/memory.md)\n", m->cfg.name,
		       m->cfg.balloon >> 20, why);
	return why != NULL;
}

static struct domain *guest_from_module(const struct boot_info *bi, unsigned int idx,
					struct module_opts *opts, struct domain **doms,
					unsigned int ndoms)
{
	const struct boot_module *mod = &bi->mods[idx];
	struct module_opts *m = &opts[idx];
	const void *image = hpa_to_virt(mod->start);
	uint64_t len = mod->end - mod->start;
	enum fw_image_kind kind = fw_image_probe(image, len);
	struct fw_module mods[FW_MODULES_MAX];
	unsigned int nmods = 0;
	struct domain *d;
	int rd = -1;

	if (m->problems) {
		pr_err("module %u ('%.60s'): %s; domain not created\n", idx, mod->cmdline,
		       m->problem);
		return NULL;
	}
	if (name_taken(doms, ndoms, m->cfg.name)) {
		pr_err("module %u: a domain named '%s' exists already; domain not created\n", idx,
		       m->cfg.name);
		return NULL;
	}
	if (kind == FW_IMAGE_UNKNOWN) {
		pr_err("domain %s: not created: module %u is not a Multiboot, ELF64 or Linux "
		       "image\n",
		       m->cfg.name, idx);
		return NULL;
	}
	if (m->initrd[0] &&
	    (kind != FW_IMAGE_LINUX || (rd = module_named(opts, bi->nmods, m->initrd)) < 0)) {
		pr_err("domain %s: not created: initrd=%s %s\n", m->cfg.name, m->initrd,
		       kind != FW_IMAGE_LINUX ? "is for Linux images" : "names no module");
		return NULL;
	}
	if (m->service && domctl_service()) {
		pr_err("domain %s: not created: role=service, but %s is the service domain "
		       "already\n",
		       m->cfg.name, domctl_service()->name);
		return NULL;
	}
	if (m->modules[0] && kind != FW_IMAGE_MULTIBOOT1 && kind != FW_IMAGE_MULTIBOOT2) {
		pr_err("domain %s: not created: modules= is for Multiboot images\n", m->cfg.name);
		return NULL;
	}
	if (m->cfg.share && (m->cfg.vcpus > 1 || m->service)) {
		pr_err("domain %s: not created: share=1 is for a plain domain of one vCPU "
		       "(docs/memory.md)\n",
		       m->cfg.name);
		return NULL;
	}
	if (m->cfg.balloon && balloon_refused(m))
		return NULL;
	if (m->cfg.lazy && !m->cfg.balloon) {
		pr_err("domain %s: not created: lazy=1 needs balloon= (docs/memory.md)\n",
		       m->cfg.name);
		return NULL;
	}
	if (module_list(bi, opts, m, mods, &nmods))
		return NULL;
	d = domain_create(&m->cfg);
	if (!d)
		return NULL;
	if (kind == FW_IMAGE_LINUX
		    ? domain_load_linux(
			      d, image, len, rd < 0 ? NULL : hpa_to_virt(bi->mods[rd].start),
			      rd < 0 ? 0 : bi->mods[rd].end - bi->mods[rd].start, m->cmdline)
		    : domain_load(d, image, len, m->cmdline, mods, nmods)) {
		domain_destroy(d);
		return NULL;
	}
	if (m->bad_state) /* a reserved CR4 bit: VMRUN and VM entry both refuse it */
		vcpu_set_reg(d->vcpus[0], VM_REG_CR4, 1ull << 40);
	if (m->service) {
		domctl_set_service(d);
		pr_info("domain %s: the service domain\n", d->name);
	}
	return d;
}

unsigned int guests_create(const struct boot_info *bi)
{
	static struct module_opts opts[BOOT_MAX_MODS];
	struct domain *doms[MAX_DOMAINS];
	unsigned int n = 0;

	for (unsigned int i = 0; i < bi->nmods; i++)
		parse_module(&bi->mods[i], i, &opts[i]);
	for (unsigned int i = 0; i < bi->nmods && n < MAX_DOMAINS; i++) {
		struct domain *d;

		if (is_initrd(opts, bi->nmods, i)) {
			pr_info("module %u: the initramfs '%s'\n", i, opts[i].cfg.name);
			continue;
		}
		if (is_handed(opts, bi->nmods, i)) {
			pr_info("module %u: '%s', a Multiboot module of another domain\n", i,
				opts[i].cfg.name);
			continue;
		}
		d = guest_from_module(bi, i, opts, doms, n);
		if (!d)
			continue;
		doms[n++] = d;
		pr_info("domain %s: %lu MiB of RAM at %#lx, %u vcpus, weight %u, cap %u, cpus "
			"%#lx\n",
			d->name, d->ram_size >> 20, d->ram_hpa, d->nvcpus, d->weight, d->cap,
			d->affinity);
	}
	pr_info("sched: %s policy\n", sched_policy_name());
	for (unsigned int i = 0; i < n; i++)
		run_add_domain(doms[i]);
	return n;
}
