/*
 * arch/x86/acpi.c: ACPI table parser (ACPI 6.4: 5.2.5 RSDP, 5.2.6 the system
 * description header and its checksum, 5.2.7 RSDT, 5.2.8 XSDT, 5.2.9 FADT,
 * 5.2.12 MADT with its Processor Local APIC, I/O APIC, override and
 * Processor Local x2APIC entries). Every table is mapped with its length and
 * checksummed before a field is read. Pure code.
 */
#include <stddef.h>

#include "arch/x86/acpi.h"
#include "kernel/errno.h"
#include "lib/format.h"

struct sdt_header {
	char sig[4];
	uint32_t length;
	uint8_t revision;
	uint8_t checksum;
	char oem[6];
	char oem_table[8];
	uint32_t oem_revision;
	uint32_t creator;
	uint32_t creator_revision;
} __attribute__((packed));
_Static_assert(sizeof(struct sdt_header) == 36, "ACPI 6.4 table 5.4");

struct rsdp {
	char sig[8];
	uint8_t checksum;
	char oem[6];
	uint8_t revision;
	uint32_t rsdt;
	uint32_t length; /* revision 2 and up from here */
	uint64_t xsdt;
	uint8_t ext_checksum;
	uint8_t reserved[3];
} __attribute__((packed));
_Static_assert(sizeof(struct rsdp) == 36, "ACPI 6.4 table 5.3");

/* Table fields sit at any byte address: read them through packed structs. */
static uint32_t rd32(const void *p)
{
	const struct {
		uint32_t v;
	} __attribute__((packed)) *u = p;

	return u->v;
}

static uint64_t rd64(const void *p)
{
	const struct {
		uint64_t v;
	} __attribute__((packed)) *u = p;

	return u->v;
}

#define FADT_PM_TMR_BLK 76
#define MADT_ENTRIES 44

static void note(const struct acpi_env *env, const char *fmt, const char *sig, uint64_t v)
{
	char msg[128];

	fmt_snprintf(msg, sizeof(msg), fmt, sig, v);
	if (env->log)
		env->log(env->ctx, msg);
}

static uint8_t sum(const void *p, uint64_t len)
{
	const uint8_t *b = p;
	uint8_t s = 0;

	while (len--)
		s += *b++;
	return s;
}

static int rsdp_valid(const struct rsdp *r)
{
	if (r->sig[0] != 'R' || r->sig[1] != 'S' || r->sig[2] != 'D' || r->sig[3] != ' ' ||
	    r->sig[4] != 'P' || r->sig[5] != 'T' || r->sig[6] != 'R' || r->sig[7] != ' ')
		return 0;
	return sum(r, 20) == 0;
}

/* Maps a whole table after reading its header; NULL if unmapped or bad. */
static const struct sdt_header *map_table(const struct acpi_env *env, uint64_t phys)
{
	const struct sdt_header *h = env->map(env->ctx, phys, sizeof(*h));
	char sig[5] = { 0 };

	if (!h) {
		note(env, "table at %s%#lx is not in memory", "", phys);
		return NULL;
	}
	for (int i = 0; i < 4; i++)
		sig[i] = h->sig[i];
	if (h->length < sizeof(*h) || h->length > (1u << 20)) {
		note(env, "%s table has a bad length %lu", sig, h->length);
		return NULL;
	}
	h = env->map(env->ctx, phys, h->length);
	if (!h) {
		note(env, "%s table runs out of memory at %#lx", sig, phys);
		return NULL;
	}
	if (sum(h, h->length)) {
		note(env, "%s table checksum bad (at %#lx)", sig, phys);
		return NULL;
	}
	return h;
}

static void madt_entry(struct acpi_info *out, const uint8_t *e)
{
	struct acpi_cpu *c;

	switch (e[0]) {
	case 0: /* Processor Local APIC */
	case 9: /* Processor Local x2APIC */
		if (out->ncpus == ACPI_MAX_CPUS || e[1] < (e[0] ? 16 : 8))
			return;
		c = &out->cpus[out->ncpus++];
		if (e[0] == 0) {
			c->uid = e[2];
			c->apic_id = e[3];
			c->enabled = rd32(e + 4) & 3; /* enabled or online-capable */
		} else {
			c->apic_id = rd32(e + 4);
			c->enabled = rd32(e + 8) & 3;
			c->uid = rd32(e + 12);
		}
		return;
	case 1: /* I/O APIC */
		if (out->nioapics == ACPI_MAX_IOAPICS || e[1] < 12)
			return;
		out->ioapics[out->nioapics++] = (struct acpi_ioapic){
			.id = e[2],
			.addr = rd32(e + 4),
			.gsi_base = rd32(e + 8),
		};
		return;
	case 2:
		out->noverrides++;
		return;
	case 5: /* Local APIC address override */
		if (e[1] >= 12)
			out->lapic_addr = rd64(e + 4);
		return;
	default:
		return;
	}
}

static int parse_madt(const struct acpi_env *env, const struct sdt_header *h, struct acpi_info *out)
{
	const uint8_t *p = (const uint8_t *)h;

	if (h->length < MADT_ENTRIES) {
		note(env, "%s table too short (%lu bytes)", "APIC", h->length);
		return -EINVAL;
	}
	out->lapic_addr = rd32(p + 36);
	for (uint32_t off = MADT_ENTRIES; off + 2 <= h->length;) {
		uint8_t len = p[off + 1];

		if (len < 2 || off + len > h->length) {
			note(env, "%s entry at offset %lu overruns the table", "MADT", off);
			return -EINVAL;
		}
		madt_entry(out, p + off);
		off += len;
	}
	return 0;
}

static void add_table(struct acpi_info *out, const struct sdt_header *h, uint64_t phys)
{
	struct acpi_table_ref *t;

	if (out->ntables == ACPI_MAX_TABLES)
		return;
	t = &out->tables[out->ntables++];
	for (int i = 0; i < 4; i++)
		t->sig[i] = h->sig[i];
	t->sig[4] = 0;
	t->phys = phys;
	t->len = h->length;
}

static int sig_is(const struct sdt_header *h, const char *s)
{
	return h->sig[0] == s[0] && h->sig[1] == s[1] && h->sig[2] == s[2] && h->sig[3] == s[3];
}

/* Visits every table of the RSDT (4-byte entries) or XSDT (8-byte entries). */
static int walk_root(const struct acpi_env *env, const struct sdt_header *root, int wide,
		     struct acpi_info *out)
{
	const uint8_t *p = (const uint8_t *)root + sizeof(*root);
	uint32_t n = (root->length - sizeof(*root)) / (wide ? 8 : 4);
	int madt = -ENOENT;

	for (uint32_t i = 0; i < n; i++) {
		uint64_t phys = wide ? rd64(p + 8 * i) : rd32(p + 4 * i);
		const struct sdt_header *h = map_table(env, phys);

		if (!h)
			continue; /* named in the log; the others may still serve */
		add_table(out, h, phys);
		if (sig_is(h, "APIC") && madt == -ENOENT)
			madt = parse_madt(env, h, out);
		else if (sig_is(h, "FACP") && h->length >= FADT_PM_TMR_BLK + 4)
			out->pm_timer_port = rd32((const uint8_t *)h + FADT_PM_TMR_BLK);
	}
	if (madt == -ENOENT)
		note(env, "no %s table (MADT)", "APIC", 0);
	return madt;
}

int acpi_parse(const struct acpi_env *env, const void *rsdp_ptr, struct acpi_info *out)
{
	const struct rsdp *r = rsdp_ptr;
	const struct sdt_header *root = NULL;
	int wide = 0;

	*out = (struct acpi_info){ 0 };
	if (!r) {
		note(env, "no RSDP%s", "", 0);
		return -EINVAL;
	}
	if (!rsdp_valid(r)) {
		note(env, "RSDP signature or checksum bad%s", "", 0);
		return -EINVAL;
	}
	out->revision = r->revision;
	for (int i = 0; i < 6; i++)
		out->oem[i] = r->oem[i] >= ' ' && r->oem[i] < 127 ? r->oem[i] : ' ';
	if (r->revision >= 2 && r->xsdt) {
		if (r->length < sizeof(*r) || sum(r, sizeof(*r)))
			note(env, "RSDP extended checksum bad%s; trying the RSDT", "", 0);
		else if ((root = map_table(env, r->xsdt)) && sig_is(root, "XSDT"))
			wide = 1, out->root_phys = r->xsdt;
		else
			root = NULL;
	}
	if (!root && r->rsdt) {
		root = map_table(env, r->rsdt);
		if (root && !sig_is(root, "RSDT"))
			root = NULL;
		out->root_phys = r->rsdt;
	}
	if (!root) {
		note(env, "no valid XSDT or RSDT%s", "", 0);
		return -EINVAL;
	}
	return walk_root(env, root, wide, out);
}

static uint64_t scan(const struct acpi_env *env, uint64_t base, uint64_t len)
{
	const uint8_t *p = env->map(env->ctx, base, len);

	if (!p)
		return 0;
	for (uint64_t off = 0; off + 20 <= len; off += 16)
		if (rsdp_valid((const struct rsdp *)(p + off)))
			return base + off;
	return 0;
}

uint64_t acpi_find_rsdp(const struct acpi_env *env)
{
	const uint16_t *ebda_seg = env->map(env->ctx, 0x40e, 2);
	uint64_t found = 0;

	if (ebda_seg && *ebda_seg)
		found = scan(env, (uint64_t)*ebda_seg << 4, 1024);
	if (!found)
		found = scan(env, 0xe0000, 0x20000);
	return found;
}
