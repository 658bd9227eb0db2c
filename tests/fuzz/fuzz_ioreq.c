/*
 * tests/fuzz/fuzz_ioreq.c: libFuzzer target of the forwarded-I/O checks
 * (kernel/ioreq_check.c, the seam kernel/ioreq.c calls; the ABI is
 * include/public/ioreq.h). The input sets up a client's I/O bus with
 * devices registered through drivers/iobus.c and its RAM size, then gives a
 * BV_HC_IOREQ_SERVER argument: when ioreq_args_check accepts it, each range
 * must register on that bus as the kernel registers it (which does not look
 * at the result). The rest of the input is slots the service wrote, judged
 * against a kept request: only an answer to that request is taken.
 */
#include <string.h>

#include "include/public/errno.h"
#include "kernel/ioreq_check.h"
#include "tests/fuzz/fuzz.h"

static int fwd_read(void *dev, uint64_t off, unsigned int size, uint64_t *value)
{
	(void)dev, (void)off, (void)size;
	*value = 0;
	return 0;
}

static int fwd_write(void *dev, uint64_t off, unsigned int size, uint64_t value)
{
	(void)dev, (void)off, (void)size, (void)value;
	return 0;
}

/* Up to 7 devices on the bus (some refused as overlapping: the bus says), or counters. */
static void bus_setup(struct fuzz_in *in, struct iobus *bus)
{
	unsigned int n = fuzz_take(in, 1) % 8;

	iobus_init(bus, NULL, NULL, NULL);
	for (unsigned int i = 0; i < n; i++) {
		struct dm_io_region r = { .name = "dev", .space = fuzz_take(in, 1) & 1 };

		r.base = fuzz_take(in, 1) & 0x80 ? fuzz_take(in, 8) : fuzz_take(in, 2);
		r.len = fuzz_take(in, 2);
		if (!r.len)
			(void)iobus_add_counter(bus, "counter");
		else
			(void)iobus_register(bus, &r, NULL);
	}
}

static void server(struct fuzz_in *in, struct iobus *bus)
{
	struct bv_ioreq_server a;
	uint64_t ram = fuzz_take(in, 4) << 12;
	unsigned int before = bus->ndev;

	fuzz_take_bytes(in, &a, sizeof(a));
	a.nranges %= BV_IOREQ_RANGES + 2; /* mostly in range, now and then not */
	if (ioreq_args_check(&a, ram, bus))
		return;
	for (unsigned int i = 0; i < a.nranges; i++) {
		struct dm_io_region r = { .name = "ioreq",
					  .space = a.range[i].type == BV_IOREQ_PIO ? DM_SPACE_PIO
										   : DM_SPACE_MMIO,
					  .base = a.range[i].base,
					  .len = a.range[i].len,
					  .read = fwd_read,
					  .write = fwd_write };

		FUZZ_CHECK(iobus_register(bus, &r, NULL) == 0);
		FUZZ_CHECK(r.space == DM_SPACE_PIO ? r.base + r.len <= 0x10000 : r.base >= ram);
	}
	FUZZ_CHECK(bus->ndev == before + a.nranges);
}

static void access_take(struct fuzz_in *in, struct ioreq_access *a)
{
	a->addr = fuzz_take(in, 1) & 1 ? fuzz_take(in, 8) : fuzz_take(in, 1);
	a->data = fuzz_take(in, 8);
	a->size = fuzz_take(in, 1);
	a->type = fuzz_take(in, 1);
	a->dir = fuzz_take(in, 1);
}

/* A slot as the service left it, against a request the hypervisor kept (or none). */
static void slot(struct fuzz_in *in)
{
	struct ioreq_access got, kept;
	unsigned int how = fuzz_take(in, 1);
	uint32_t st = how & 0x80 ? fuzz_take(in, 4) : how % 4;
	enum ioreq_verdict v;

	access_take(in, &kept);
	kept.size = 1u << kept.size % 4; /* the hypervisor's own: 1, 2, 4 or 8 */
	got = kept;
	if (how & 0x40)
		access_take(in, &got);
	v = ioreq_slot_verdict(st, &got, how & 0x20 ? NULL : &kept);
	FUZZ_CHECK(ioreq_state_name(st) != NULL);
	if (how & 0x20) {
		FUZZ_CHECK(v == (st == BV_IOREQ_NONE ? IOREQ_V_IDLE : IOREQ_V_STRAY));
		return;
	}
	FUZZ_CHECK(v != IOREQ_V_IDLE && v != IOREQ_V_STRAY);
	FUZZ_CHECK((v == IOREQ_V_TAKE || v == IOREQ_V_OTHER) == (st == BV_IOREQ_RESPONSE_READY));
	if (v == IOREQ_V_TAKE) {
		FUZZ_CHECK(got.addr == kept.addr && got.size == kept.size);
		FUZZ_CHECK(got.type == kept.type && got.dir == kept.dir);
		FUZZ_CHECK(ioreq_read_value(&kept, got.data) >> 1 >> (8 * kept.size - 1) == 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct iobus bus;
	struct fuzz_in in = { data, size };

	bus_setup(&in, &bus);
	server(&in, &bus);
	while (in.n)
		slot(&in);
	return 0;
}
