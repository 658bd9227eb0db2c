/*
 * guest-tools/svc.c: a small freestanding service guest (issue 14). Its
 * first Multiboot module (MB1 3.3) is a client image: svc loads it into a
 * region of its own RAM with drivers/firmware's loader, makes that region a
 * new domain through bivisor's hypercalls (include/public/), and serves the
 * client's virtio-mmio windows (virtio 1.2 4.2) from the ioreq page with the
 * very drivers/ models bvm links: virtio-rng, virtio-blk on a RAM disk and
 * virtio-console with an echo peer. The module's own command line is the
 * client's. Options on svc's command line:
 *   client=NAME the client domain's name (default "client")
 *   cmem=MIB    the client's RAM (default 32)
 *   disk=MIB    the RAM disk (default 1)
 *   fwdport=N   also forward the client's port N (decimal), answered by nobody
 *               (writes dropped, reads all ones): the ioreq round trip of `make bench`
 *   hostile=M   misbehave on purpose: backwards, unready, size, flood, silent, crash
 */
#include "drivers/dm_ram.h"
#include "drivers/firmware/loader.h"
#include "drivers/iobus.h"
#include "drivers/pc_platform.h"
#include "drivers/virtio_blk.h"
#include "drivers/virtio_console.h"
#include "drivers/virtio_rng.h"
#include "guest-tools/lib/apic.h"
#include "guest-tools/lib/bivisor.h"
#include "guest-tools/lib/guest.h"
#include "guest-tools/lib/idt.h"
#include "lib/format.h"
#include "lib/string.h"

#define MIB (1ul << 20)
#define CLIENT_BASE (16 * MIB) /* the client's RAM in svc's: [CLIENT_BASE, + cmem) */
#define EVT_VECTOR 0x40
#define NDEV 3 /* windows 0-2: rng, blk, console */
#define ECHO_BUF 256
#define FLOOD_NOTIFIES 10000

enum hostile {
	H_NONE,
	H_BACKWARDS, /* answers with NONE: a transition that goes backwards */
	H_UNREADY,   /* answers a slot that was never READY, then behaves */
	H_SIZE,	     /* answers with another size */
	H_FLOOD,     /* thousands of NOTIFYs before the first answer, then behaves */
	H_SILENT,    /* never answers */
	H_CRASH,     /* triple-faults while the client waits */
};

static const char *const hostile_names[] = { "none",  "backwards", "unready", "size",
					     "flood", "silent",	   "crash" };

/* The console's peer: each line "ping N" is answered with "pong N", as the test runner does. */
struct echo {
	char line[ECHO_BUF];
	unsigned int line_len;
	char out[ECHO_BUF];
	unsigned int out_head, out_len;
};

struct svc {
	char name[BV_NAME_LEN];
	const char *cmdline; /* the client's: its module's command line */
	uint64_t cmem, disk_size;
	enum hostile hostile;
	int hostile_done;
	uint32_t domid, vcpus;
	unsigned int port;
	uint8_t *ram, *disk;
	uint64_t xorshift;
	struct dm_env env;
	struct dm_block store;
	struct dm_stream stream;
	struct dm_entropy entropy;
	struct echo echo;
	struct iobus bus;
	struct virtio_rng rng;
	struct virtio_blk blk;
	struct virtio_console con;
};

static struct svc svc;
static struct bv_ioreq_page ioreq_page __attribute__((aligned(4096)));
static struct bv_evtchn_page evt_page __attribute__((aligned(4096)));
static uint64_t frames[BV_POPULATE_MAX];

/* The client's memory, as the models and the loader see it. */

static int client_read(void *ctx, gpa_t gpa, void *buf, size_t len)
{
	struct svc *s = ctx;

	return dm_ram_read(s->ram, s->cmem, gpa, buf, len);
}

static int client_write(void *ctx, gpa_t gpa, const void *buf, size_t len)
{
	struct svc *s = ctx;

	return dm_ram_write(s->ram, s->cmem, gpa, buf, len);
}

static void *client_translate(void *ctx, gpa_t gpa, size_t len)
{
	struct svc *s = ctx;

	return dm_ram_at(s->ram, s->cmem, gpa, len);
}

static void client_set_irq(void *ctx, unsigned int line, int level)
{
	struct svc *s = ctx;

	bv_set_irq(s->domid, line, level); /* into the client's vIOAPIC and 8259 */
}

static void client_log(void *ctx, int level, const char *msg)
{
	(void)ctx;
	(void)level;
	guest_printf("svc: %s\n", msg);
}

/* Backends: a RAM disk, the echo peer, an entropy source. */

static int disk_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	memcpy(buf, ((struct svc *)ctx)->disk + off, len);
	return 0;
}

static int disk_write(void *ctx, uint64_t off, const void *buf, size_t len)
{
	memcpy(((struct svc *)ctx)->disk + off, buf, len);
	return 0;
}

static int disk_flush(void *ctx)
{
	(void)ctx;
	return 0;
}

static void echo_line(struct echo *e)
{
	int n;

	if (e->line_len < 5 || memcmp(e->line, "ping ", 5) || e->out_len)
		return;
	n = fmt_snprintf(e->out, sizeof(e->out), "pong %.*s\n", (int)e->line_len - 5, e->line + 5);
	e->out_head = 0;
	e->out_len = n < (int)sizeof(e->out) ? (unsigned int)n : 0;
}

static size_t echo_write(void *ctx, const uint8_t *buf, size_t len)
{
	struct echo *e = &((struct svc *)ctx)->echo;

	for (size_t i = 0; i < len; i++) {
		if (buf[i] == '\n') {
			echo_line(e);
			e->line_len = 0;
		} else if (e->line_len < sizeof(e->line)) {
			e->line[e->line_len++] = (char)buf[i];
		}
	}
	return len;
}

static size_t echo_read(void *ctx, uint8_t *buf, size_t len)
{
	struct echo *e = &((struct svc *)ctx)->echo;
	size_t n = len < e->out_len ? len : e->out_len;

	memcpy(buf, e->out + e->out_head, n);
	e->out_head += (unsigned int)n;
	e->out_len -= (unsigned int)n;
	return n;
}

static int has_rdrand(void)
{
	return (cpuid(1, 0).ecx >> 30) & 1;
}

/* One 64-bit random word: RDRAND (Intel SDM vol. 2B) when the CPU has it, else xorshift64. */
static uint64_t entropy_word(struct svc *s)
{
	uint64_t v;
	uint8_t ok = 0;

	if (has_rdrand())
		asm volatile("rdrand %0; setc %1" : "=r"(v), "=qm"(ok));
	if (ok)
		return v;
	s->xorshift ^= s->xorshift << 13;
	s->xorshift ^= s->xorshift >> 7;
	s->xorshift ^= s->xorshift << 17;
	return s->xorshift;
}

static size_t entropy_fill(void *ctx, void *buf, size_t len)
{
	uint8_t *p = buf;

	for (size_t i = 0; i < len; i += 8) {
		uint64_t w = entropy_word(ctx);

		memcpy(p + i, &w, len - i < 8 ? len - i : 8);
	}
	return len;
}

/* Setting up */

static enum hostile parse_hostile(void)
{
	char word[16];

	if (guest_cmdline_word("hostile", word, sizeof(word)))
		return H_NONE;
	for (unsigned int i = 1; i < sizeof(hostile_names) / sizeof(hostile_names[0]); i++)
		if (!strcmp(word, hostile_names[i]))
			return (enum hostile)i;
	guest_printf("svc: unknown hostile=%s ignored\n", word);
	return H_NONE;
}

static void svc_env_init(struct svc *s)
{
	s->env = (struct dm_env){ .ctx = s,
				  .mem_read = client_read,
				  .mem_write = client_write,
				  .mem_translate = client_translate,
				  .ram_size = s->cmem,
				  .set_irq = client_set_irq,
				  .log = client_log };
	s->store = (struct dm_block){ s,	 s->disk_size, 0,	  "svc-disk0",
				      disk_read, disk_write,   disk_flush };
	s->stream = (struct dm_stream){ s, echo_write, echo_read };
	s->entropy = (struct dm_entropy){ s, entropy_fill };
	s->xorshift = rdtsc() | 1;
}

/* The client's image (module 0) and where its RAM and the disk go: 0, or -1 with a line. */
static int svc_layout(struct svc *s, const uint8_t **image, uint64_t *len)
{
	uint64_t start, end, top = guest_ram_top();

	s->cmem = guest_cmdline_number("cmem", 32, 1024) * MIB;
	s->disk_size = guest_cmdline_number("disk", 1, 256) * MIB;
	if (guest_module(0, &start, &end, &s->cmdline)) {
		guest_printf("svc: no client image: give one as a Multiboot module\n");
		return -1;
	}
	if (end > CLIENT_BASE || CLIENT_BASE + s->cmem + s->disk_size > top) {
		guest_printf("svc: the module [%#lx, %#lx), %lu MiB for the client and %lu for "
			     "the disk do not fit in %lu MiB\n",
			     start, end, s->cmem / MIB, s->disk_size / MIB, top / MIB);
		return -1;
	}
	if (guest_cmdline_word("client", s->name, sizeof(s->name)))
		fmt_snprintf(s->name, sizeof(s->name), "client");
	s->ram = (uint8_t *)(uintptr_t)CLIENT_BASE;
	s->disk = s->ram + s->cmem;
	memset(s->ram, 0, s->cmem + s->disk_size);
	*image = (const uint8_t *)(uintptr_t)start;
	*len = end - start;
	return 0;
}

static int svc_fail(const char *what, long err)
{
	guest_printf("svc: %s failed: %ld\n", what, err);
	return -1;
}

/* Hands the client's pages over, BV_POPULATE_MAX at a time. */
static int client_populate(struct svc *s)
{
	uint64_t pages = s->cmem / BV_PAGE_SIZE;

	for (uint64_t first = 0; first < pages; first += BV_POPULATE_MAX) {
		uint32_t n = pages - first < BV_POPULATE_MAX ? pages - first : BV_POPULATE_MAX;
		struct bv_memory_populate p = { s->domid, n, first * BV_PAGE_SIZE,
						(uint64_t)(uintptr_t)frames };
		long ret;

		for (uint32_t i = 0; i < n; i++)
			frames[i] = CLIENT_BASE + (first + i) * BV_PAGE_SIZE;
		ret = bv_memory_populate(&p);
		if (ret)
			return svc_fail("MEMORY_POPULATE", ret);
	}
	return 0;
}

static int client_set_regs(struct svc *s, const struct fw_boot_cpu *c)
{
	struct bv_vcpu_regs r = {
		.domid = s->domid,
		.mode = c->mode == FW_CPU_LONG64 ? BV_CPU_LONG64 : BV_CPU_PROT32,
		.rip = c->rip,
		.rsp = c->rsp,
		.rax = c->rax,
		.rbx = c->rbx,
		.rsi = c->rsi,
		.rdi = c->rdi,
		.cr3 = c->cr3,
		.gdt_base = c->gdt_base,
		.gdt_limit = c->gdt_limit,
		.code_sel = c->code_sel,
		.data_sel = c->data_sel,
	};
	long ret = bv_vcpu_set_regs(&r);

	return ret ? svc_fail("VCPU_SET_REGS", ret) : 0;
}

/* Lays the image out in the client's region as any loader would: 0, or -1 with a line. */
static int client_load(struct svc *s, const uint8_t *image, uint64_t len, struct fw_boot_cpu *cpu)
{
	char err[128];

	if (fw_load_image(&s->env, image, len, s->cmdline, cpu, err, sizeof(err))) {
		guest_printf("svc: the client image: %s\n", err);
		return -1;
	}
	guest_printf("svc: client %s loaded, entry %#lx\n", s->name, cpu->rip);
	return 0;
}

/* Makes the region a domain: 0, or -1 with a line. */
static int client_create(struct svc *s, const struct fw_boot_cpu *cpu)
{
	struct bv_domain_create c = { .mem = s->cmem, .vcpus = 1 };
	long ret;

	memcpy(c.name, s->name, sizeof(c.name));
	ret = bv_domain_create(&c);
	if (ret < 0)
		return svc_fail("DOMAIN_CREATE", ret);
	s->domid = (uint32_t)ret;
	s->vcpus = 1;
	if (client_populate(s) || client_set_regs(s, cpu))
		return -1;
	guest_printf("svc: domain %s (id %u): %lu MiB of svc's RAM at %#lx\n", s->name, s->domid,
		     s->cmem / MIB, (uint64_t)CLIENT_BASE);
	return 0;
}

static int add_window(struct svc *s, unsigned int n, const char *name, struct virtio_mmio *t)
{
	struct dm_io_region r = { name,
				  DM_SPACE_MMIO,
				  pc_virtio_base(n),
				  VIRTIO_MMIO_REGION_LEN,
				  virtio_mmio_io_read,
				  virtio_mmio_io_write,
				  t };

	return iobus_register(&s->bus, &r, NULL);
}

/* The devices at bvm's windows: rng, then blk, then console (drivers/pc_platform.h). */
static int devices_init(struct svc *s)
{
	iobus_init(&s->bus, NULL, NULL, NULL);
	if (virtio_rng_init(&s->rng, &s->env, &s->entropy, pc_virtio_irq(0)) ||
	    add_window(s, 0, "virtio-rng", &s->rng.mmio) ||
	    virtio_blk_init(&s->blk, &s->env, &s->store, pc_virtio_irq(1)) ||
	    add_window(s, 1, "virtio-blk", &s->blk.mmio) ||
	    virtio_console_init(&s->con, &s->env, &s->stream, pc_virtio_irq(2)) ||
	    add_window(s, 2, "virtio-console", &s->con.mmio)) {
		guest_printf("svc: the devices did not start\n");
		return -1;
	}
	return 0;
}

static void evt_interrupt(struct guest_frame *f)
{
	(void)f;
	apic_eoi();
}

/* Event channel, port, ioreq server for the three windows, then the client runs. */
static int client_connect(struct svc *s)
{
	struct bv_ioreq_server srv = {
		.domid = s->domid,
		.nranges = 1,
		.page_gpa = (uint64_t)(uintptr_t)&ioreq_page,
		.range = { { BV_IOREQ_MMIO, 0, PC_VIRTIO_BASE, NDEV * PC_VIRTIO_STRIDE } },
	};
	uint32_t port = guest_cmdline_number("fwdport", 0, 0xffff);
	long ret;

	if (port)
		srv.range[srv.nranges++] = (struct bv_ioreq_range){ BV_IOREQ_PIO, 0, port, 1 };
	guest_set_handler(EVT_VECTOR, evt_interrupt);
	ret = bv_evtchn_setup(&evt_page, EVT_VECTOR);
	if (ret)
		return svc_fail("EVTCHN_SETUP", ret);
	ret = bv_evtchn_bind(s->domid);
	if (ret <= 0)
		return svc_fail("EVTCHN_BIND", ret);
	s->port = (unsigned int)ret;
	ret = bv_ioreq_server(&srv);
	if (ret)
		return svc_fail("IOREQ_SERVER", ret);
	ret = bv_domain_start(s->domid);
	return ret ? svc_fail("DOMAIN_START", ret) : 0;
}

/* Serving */

static void slot_set(struct bv_ioreq *r, uint32_t state)
{
	__atomic_store_n(&r->state, state, __ATOMIC_RELEASE);
}

/* Serves an INPROCESS slot on svc's bus and hands it back RESPONSE_READY. */
static void slot_answer(struct svc *s, struct bv_ioreq *r)
{
	enum dm_space space = r->type == BV_IOREQ_PIO ? DM_SPACE_PIO : DM_SPACE_MMIO;

	if (r->dir == BV_IOREQ_READ)
		r->data = iobus_read(&s->bus, space, r->addr, r->size);
	else
		iobus_write(&s->bus, space, r->addr, r->size, r->data);
	slot_set(r, BV_IOREQ_RESPONSE_READY);
}

static void __attribute__((noreturn)) svc_triple_fault(void)
{
	guest_printf("svc: hostile=crash: triple-faulting while the client waits\n");
	guest_triple_fault();
	for (;;)
		;
}

/*
 * Misbehaviours that happen once, at the first request (INPROCESS by then,
 * so that the hypervisor waits for it); then svc answers as usual.
 */
static void hostile_once(struct svc *s)
{
	struct bv_ioreq *spare = &ioreq_page.slot[BV_IOREQ_SLOTS - 1];
	unsigned int errors = 0;

	if (s->hostile_done++)
		return;
	if (s->hostile == H_UNREADY) {
		slot_set(spare, BV_IOREQ_RESPONSE_READY);
		guest_printf("svc: hostile=unready: NOTIFY for slot %u, never READY: %ld\n",
			     BV_IOREQ_SLOTS - 1, bv_evtchn_notify(s->port));
	}
	if (s->hostile == H_FLOOD) {
		for (unsigned int i = 0; i < FLOOD_NOTIFIES; i++)
			errors += bv_evtchn_notify(s->port) != 0;
		guest_printf("svc: hostile=flood: %u NOTIFYs, %u refused; unbound port: %ld\n",
			     FLOOD_NOTIFIES, errors, bv_evtchn_notify(s->port + 1));
	}
}

/* Takes a READY slot as the hostile mode says; 1 if it did, 0 to answer it right. */
static int hostile_answer(struct svc *s, struct bv_ioreq *r)
{
	if (s->hostile == H_BACKWARDS) {
		slot_set(r, BV_IOREQ_NONE);
		return 1;
	}
	slot_set(r, BV_IOREQ_INPROCESS);
	hostile_once(s);
	switch (s->hostile) {
	case H_SIZE:
		slot_answer(s, r);
		r->size = r->size == 4 ? 2 : 4;
		return 1;
	case H_SILENT:
		return 1;
	case H_CRASH:
		svc_triple_fault();
	default:
		return 0;
	}
}

/* Every READY slot of the client: how many were answered. */
static unsigned int serve_slots(struct svc *s)
{
	unsigned int served = 0;

	for (uint32_t i = 0; i < s->vcpus; i++) {
		struct bv_ioreq *r = &ioreq_page.slot[i];

		if (__atomic_load_n(&r->state, __ATOMIC_ACQUIRE) != BV_IOREQ_READY)
			continue;
		if (!s->hostile) {
			slot_set(r, BV_IOREQ_INPROCESS);
			slot_answer(s, r);
		} else if (!hostile_answer(s, r)) {
			slot_answer(s, r);
		}
		served++;
	}
	return served;
}

/* The client ended or crashed: 1 and a line; 0 while it runs. */
static int client_over(struct svc *s, int *status)
{
	struct bv_domain_info info;
	long ret = bv_domain_info(s->domid, &info);

	if (ret) {
		svc_fail("DOMAIN_INFO", ret);
		*status = 1;
		return 1;
	}
	if (info.state == BV_DOMAIN_ENDED)
		guest_printf("svc: client %s ended with status %d\n", s->name, info.exit_status);
	else if (info.state == BV_DOMAIN_CRASHED)
		guest_printf("svc: client %s crashed\n", s->name);
	else
		return 0;
	*status = 0;
	return 1;
}

/* Waits for events (HLT, the vector wakes it) and serves them until the client is over. */
static int svc_serve(struct svc *s)
{
	unsigned int served;
	int status;

	for (;;) {
		uint64_t bits;

		irq_disable();
		bits = __atomic_exchange_n(&evt_page.pending[0], 0, __ATOMIC_ACQ_REL);
		if (!bits) {
			asm volatile("sti; hlt" ::: "memory");
			continue;
		}
		irq_enable();
		served = serve_slots(s);
		if (served) {
			bv_evtchn_notify(s->port);
			virtio_console_poll(&s->con);
			virtio_rng_poll(&s->rng);
		}
		/* a hostile svc may leave a slot READY (silent) while its client crashes */
		if ((!served || s->hostile) && client_over(s, &status))
			return status;
	}
}

static int svc_destroy(struct svc *s)
{
	long ret = bv_domain_destroy(s->domid);

	if (ret)
		return svc_fail("DOMAIN_DESTROY", ret);
	guest_printf("svc: client %s destroyed\n", s->name);
	return 0;
}

int guest_main(void)
{
	struct svc *s = &svc;
	struct fw_boot_cpu cpu;
	const uint8_t *image;
	uint64_t len;
	int status;

	idt_init();
	apic_init();
	s->hostile = parse_hostile();
	if (svc_layout(s, &image, &len))
		return 1;
	svc_env_init(s);
	if (devices_init(s) || client_load(s, image, len, &cpu))
		return 1;
	if (bv_init()) {
		guest_printf("svc: no bivisor hypercalls here (CPUID leaf %#x)\n",
			     BV_CPUID_HYPERCALL);
		return 1;
	}
	if (client_create(s, &cpu) || client_connect(s))
		return 1;
	status = svc_serve(s);
	return svc_destroy(s) ? 1 : status;
}
