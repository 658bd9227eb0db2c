/*
 * tests/unit/test_bivisor.c: the pure part of bvm's bivisor accelerator
 * (hosted/bivisor.h), without /dev/bivisor: the loaders' boot states become
 * the hypervisor's bv_vcpu_regs and what it cannot express is refused by
 * name; claimed ranges refuse overlaps; a BIVISOR_RUN answer becomes the
 * neutral exit, and every malformed ioreq an INTERNAL exit with its reason.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "hosted/bivisor.h"

static void flat(struct accel_segment *s, uint16_t sel, int code, int lm)
{
	*s = (struct accel_segment){ .limit = 0xffffffff,
				     .selector = sel,
				     .type = code ? 11 : 3,
				     .present = 1,
				     .s = 1,
				     .db = !(code && lm),
				     .l = code && lm,
				     .g = 1 };
}

/* What hosted/run.c's boot_regs gives for a loader's PROT32 or LONG64 state. */
static struct accel_regs loader_state(int lm, uint16_t cs, uint16_t ds)
{
	struct accel_regs r = { .rip = 0x100000,
				.rsp = 0x1f000,
				.rax = 0x36d76289,
				.rbx = 0x9000,
				.rsi = 0x7000,
				.rdi = 0x11,
				.rflags = 2,
				.cr0 = lm ? 0x80000011 : 0x11,
				.cr3 = lm ? 0x20000 : 0,
				.cr4 = lm ? 0x20 : 0,
				.efer = lm ? 0x500 : 0,
				.gdt_base = 0x1f000,
				.gdt_limit = 31 };

	flat(&r.cs, cs, 1, lm);
	flat(&r.ds, ds, 0, lm);
	r.es = r.fs = r.gs = r.ss = r.ds;
	return r;
}

static void multiboot_state_is_prot32(void **state)
{
	struct accel_regs r = loader_state(0, 0x08, 0x10);
	struct bv_vcpu_regs b;
	char err[200] = "";

	(void)state;
	assert_int_equal(bivisor_regs_convert(&r, 0, &b, err, sizeof(err)), 0);
	assert_int_equal(b.mode, BV_CPU_PROT32);
	assert_int_equal(b.vcpu, 0);
	assert_int_equal(b.rip, 0x100000);
	assert_int_equal(b.rsp, 0x1f000);
	assert_int_equal(b.rax, 0x36d76289);
	assert_int_equal(b.rbx, 0x9000);
	assert_int_equal(b.rsi, 0x7000);
	assert_int_equal(b.rdi, 0x11);
	assert_int_equal(b.cr3, 0);
	assert_int_equal(b.gdt_base, 0x1f000);
	assert_int_equal(b.gdt_limit, 31);
	assert_int_equal(b.code_sel, 0x08);
	assert_int_equal(b.data_sel, 0x10);
	assert_int_equal(b.pad | b.pad2 | b.domid, 0);
}

static void linux_state_is_long64_with_cr3(void **state)
{
	struct accel_regs r = loader_state(1, 0x10, 0x18);
	struct bv_vcpu_regs b;
	char err[200] = "";

	(void)state;
	assert_int_equal(bivisor_regs_convert(&r, 3, &b, err, sizeof(err)), 0);
	assert_int_equal(b.mode, BV_CPU_LONG64);
	assert_int_equal(b.vcpu, 3);
	assert_int_equal(b.cr3, 0x20000);
	assert_int_equal(b.code_sel, 0x10);
	assert_int_equal(b.data_sel, 0x18);
}

/* r refused, and err names what. */
static void refused(const struct accel_regs *r, const char *what)
{
	struct bv_vcpu_regs b;
	char err[200] = "";

	assert_int_equal(bivisor_regs_convert(r, 0, &b, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, what));
}

static void other_modes_are_refused(void **state)
{
	struct accel_regs r = loader_state(0, 0x08, 0x10);

	(void)state;
	r.cr0 = 0x10;
	refused(&r, "real mode");
	r = loader_state(0, 0x08, 0x10);
	r.cr0 |= 0x80000000; /* 32-bit paging */
	refused(&r, "neither");
	r = loader_state(1, 0x10, 0x18);
	r.cs.l = 0; /* compatibility mode */
	refused(&r, "neither");
	r = loader_state(1, 0x10, 0x18);
	r.cr4 = 0; /* long mode without PAE */
	refused(&r, "neither");
}

static void registers_it_cannot_carry_are_named(void **state)
{
	struct accel_regs r = loader_state(0, 0x08, 0x10);

	(void)state;
	r.rcx = 5;
	refused(&r, "rcx 0x5");
	r = loader_state(1, 0x10, 0x18);
	r.r15 = 1;
	refused(&r, "r15 0x1");
	r = loader_state(0, 0x08, 0x10);
	r.rflags = 0x202;
	refused(&r, "rflags 0x202");
	r = loader_state(1, 0x10, 0x18);
	r.cr4 |= 0x80;
	refused(&r, "cr4 0xa0");
	r = loader_state(0, 0x08, 0x10);
	r.cr2 = 0x1000;
	refused(&r, "cr2 0x1000");
	r = loader_state(0, 0x08, 0x10);
	r.efer = 0x800; /* NXE without long mode */
	refused(&r, "efer 0x800");
}

static void segments_must_be_flat_and_data_alike(void **state)
{
	struct accel_regs r = loader_state(0, 0x08, 0x10);

	(void)state;
	r.ss.selector = 0x18;
	refused(&r, "ss (selector 0x18");
	r = loader_state(0, 0x08, 0x10);
	r.ds.base = 0x1000;
	r.es = r.fs = r.gs = r.ss = r.ds;
	refused(&r, "ds (selector 0x10, base 0x1000");
	r = loader_state(0, 0x08, 0x10);
	r.cs.limit = 0xfffff;
	refused(&r, "cs (");
}

static void claims_refuse_overlaps_and_bad_ranges(void **state)
{
	struct bivisor_ioreq_ranges c = { 0 };

	(void)state;
	assert_int_equal(bivisor_claim_add(&c, 0, 0x3f8, 8), 0);
	assert_int_equal(bivisor_claim_add(&c, 1, 0x3f8, 8), 0); /* another space */
	assert_int_equal(bivisor_claim_add(&c, 0, 0x3ff, 1), -EEXIST);
	assert_int_equal(bivisor_claim_add(&c, 0, 0x3f0, 9), -EEXIST);
	assert_int_equal(bivisor_claim_add(&c, 0, 0x3f0, 8), 0); /* ends where COM1 begins */
	assert_int_equal(bivisor_claim_add(&c, 0, 0xfff0, 0x11), -EINVAL);
	assert_int_equal(bivisor_claim_add(&c, 0, 0x10000, 1), -EINVAL);
	assert_int_equal(bivisor_claim_add(&c, 1, 0xfeb00000, 0), -EINVAL);
	assert_int_equal(bivisor_claim_add(&c, 1, UINT64_MAX, 2), -EINVAL);
	assert_int_equal(c.nranges, 3);
	assert_int_equal(c.range[0].type, BV_IOREQ_PIO);
	assert_int_equal(c.range[1].type, BV_IOREQ_MMIO);
	for (uint64_t i = 0; i < BV_IOREQ_RANGES - 3; i++)
		assert_int_equal(bivisor_claim_add(&c, 1, 0x100000 + i * 0x1000, 0x1000), 0);
	assert_int_equal(bivisor_claim_add(&c, 1, 0x200000, 0x1000), -ENOSPC);
}

/* COM1's ports and two virtio-mmio windows, as bvm claims them. */
static struct bivisor_ioreq_ranges bvm_claims(void)
{
	struct bivisor_ioreq_ranges c = { 0 };

	assert_int_equal(bivisor_claim_add(&c, 0, 0x3f8, 8), 0);
	assert_int_equal(bivisor_claim_add(&c, 1, 0xfeb00000, 0x400), 0);
	return c;
}

static struct bivisor_run ioreq(uint8_t type, uint8_t dir, uint64_t addr, uint32_t size,
				uint64_t data)
{
	return (struct bivisor_run){ .kind = BIVISOR_RUN_IOREQ,
				     .req = { .addr = addr,
					      .data = data,
					      .size = size,
					      .count = 1,
					      .type = type,
					      .dir = dir,
					      .state = BV_IOREQ_READY } };
}

static void port_write_is_io_with_its_low_bytes(void **state)
{
	struct bivisor_ioreq_ranges c = bvm_claims();
	struct bivisor_run run = ioreq(BV_IOREQ_PIO, BV_IOREQ_WRITE, 0x3f8, 1, 0x7741);
	uint8_t data[8];
	char msg[200];
	struct accel_exit e;

	(void)state;
	memset(data, 0xee, sizeof(data));
	bivisor_exit_decode(&run, &c, data, msg, sizeof(msg), &e);
	assert_int_equal(e.kind, ACCEL_EXIT_IO);
	assert_int_equal(e.io.port, 0x3f8);
	assert_int_equal(e.io.size, 1);
	assert_int_equal(e.io.write, 1);
	assert_int_equal(e.io.count, 1);
	assert_ptr_equal(e.io.data, data);
	assert_int_equal(data[0], 0x41);
	assert_int_equal(data[1], 0); /* only size bytes of the value */
}

static void mmio_read_and_wide_write(void **state)
{
	struct bivisor_ioreq_ranges c = bvm_claims();
	struct bivisor_run run = ioreq(BV_IOREQ_MMIO, BV_IOREQ_READ, 0xfeb00270, 4, 0x1234);
	uint8_t data[8];
	char msg[200];
	struct accel_exit e;

	(void)state;
	bivisor_exit_decode(&run, &c, data, msg, sizeof(msg), &e);
	assert_int_equal(e.kind, ACCEL_EXIT_MMIO);
	assert_int_equal(e.mmio.addr, 0xfeb00270);
	assert_int_equal(e.mmio.size, 4);
	assert_int_equal(e.mmio.write, 0);
	assert_ptr_equal(e.mmio.data, data);
	assert_int_equal(data[0] | data[1], 0); /* a read starts from nothing */
	run = ioreq(BV_IOREQ_MMIO, BV_IOREQ_WRITE, 0xfeb003f8, 8, 0x0102030405060708ull);
	bivisor_exit_decode(&run, &c, data, msg, sizeof(msg), &e);
	assert_int_equal(e.kind, ACCEL_EXIT_MMIO);
	assert_int_equal(e.mmio.size, 8);
	assert_int_equal(e.mmio.write, 1);
	assert_int_equal(data[0], 0x08);
	assert_int_equal(data[7], 0x01);
}

/* run decodes to an INTERNAL exit whose words contain what. */
static void bad_ioreq(struct bivisor_run run, const char *what)
{
	struct bivisor_ioreq_ranges c = bvm_claims();
	uint8_t data[8];
	char msg[200] = "";
	struct accel_exit e;

	bivisor_exit_decode(&run, &c, data, msg, sizeof(msg), &e);
	assert_int_equal(e.kind, ACCEL_EXIT_INTERNAL);
	assert_ptr_equal(e.error.msg, msg);
	assert_non_null(strstr(msg, "/dev/bivisor gave a bad ioreq"));
	assert_non_null(strstr(msg, what));
}

static void malformed_ioreqs_are_internal_errors(void **state)
{
	struct bivisor_run run = ioreq(BV_IOREQ_PIO, BV_IOREQ_READ, 0x3f8, 1, 0);

	(void)state;
	bad_ioreq(ioreq(BV_IOREQ_PIO, BV_IOREQ_READ, 0x3f8, 3, 0), "bad size");
	bad_ioreq(ioreq(BV_IOREQ_PIO, BV_IOREQ_READ, 0x3f8, 8, 0), "bad size");
	bad_ioreq(ioreq(BV_IOREQ_MMIO, BV_IOREQ_READ, 0xfeb00000, 0, 0), "bad size");
	bad_ioreq(ioreq(BV_IOREQ_MMIO, BV_IOREQ_READ, 0xfeb00000, 9, 0), "bad size");
	bad_ioreq(ioreq(2, BV_IOREQ_READ, 0x3f8, 1, 0), "unknown type");
	bad_ioreq(ioreq(BV_IOREQ_PIO, 2, 0x3f8, 1, 0), "unknown direction");
	bad_ioreq(ioreq(BV_IOREQ_PIO, BV_IOREQ_READ, 0x3f7, 1, 0), "outside every range");
	bad_ioreq(ioreq(BV_IOREQ_PIO, BV_IOREQ_READ, 0x3fe, 4, 0), "outside every range");
	bad_ioreq(ioreq(BV_IOREQ_MMIO, BV_IOREQ_READ, 0x3f8, 1, 0), "outside every range");
	bad_ioreq(ioreq(BV_IOREQ_MMIO, BV_IOREQ_READ, 0xfeb003fc, 8, 0), "outside every range");
	bad_ioreq(ioreq(BV_IOREQ_MMIO, BV_IOREQ_READ, UINT64_MAX, 8, 0), "outside every range");
	run.req.count = 2;
	bad_ioreq(run, "count is not 1");
	run.req.count = 1, run.req.state = BV_IOREQ_INPROCESS;
	bad_ioreq(run, "not READY");
}

static struct accel_exit decode_kind(uint32_t kind, int32_t status, char *msg, size_t len)
{
	struct bivisor_ioreq_ranges c = bvm_claims();
	struct bivisor_run run = { .kind = kind, .exit_status = status };
	uint8_t data[8];
	struct accel_exit e;

	bivisor_exit_decode(&run, &c, data, msg, len, &e);
	return e;
}

static void domain_end_crash_and_unknown_kinds(void **state)
{
	char msg[200] = "";
	struct accel_exit e = decode_kind(BIVISOR_RUN_ENDED, 3, msg, sizeof(msg));

	(void)state;
	assert_int_equal(e.kind, ACCEL_EXIT_SYSTEM);
	assert_int_equal(e.system.event, ACCEL_SYSTEM_POWEROFF);
	assert_int_equal(e.system.status, 3);
	e = decode_kind(BIVISOR_RUN_ENDED, 0, msg, sizeof(msg));
	assert_int_equal(e.kind, ACCEL_EXIT_SYSTEM);
	assert_int_equal(e.system.status, 0);
	e = decode_kind(BIVISOR_RUN_ENDED, 256, msg, sizeof(msg));
	assert_int_equal(e.kind, ACCEL_EXIT_INTERNAL);
	assert_non_null(strstr(msg, "status 256"));
	e = decode_kind(BIVISOR_RUN_ENDED, -1, msg, sizeof(msg));
	assert_int_equal(e.kind, ACCEL_EXIT_INTERNAL);
	e = decode_kind(BIVISOR_RUN_CRASHED, 0, msg, sizeof(msg));
	assert_int_equal(e.kind, ACCEL_EXIT_SHUTDOWN);
	assert_non_null(strstr(e.error.msg, "crashed the domain"));
	e = decode_kind(9, 0, msg, sizeof(msg));
	assert_int_equal(e.kind, ACCEL_EXIT_INTERNAL);
	assert_int_equal(e.error.code, 9);
	assert_non_null(strstr(msg, "unknown kind 9"));
}

#define T(f) cmocka_unit_test(f)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(multiboot_state_is_prot32),
		T(linux_state_is_long64_with_cr3),
		T(other_modes_are_refused),
		T(registers_it_cannot_carry_are_named),
		T(segments_must_be_flat_and_data_alike),
		T(claims_refuse_overlaps_and_bad_ranges),
		T(port_write_is_io_with_its_low_bytes),
		T(mmio_read_and_wide_write),
		T(malformed_ioreqs_are_internal_errors),
		T(domain_end_crash_and_unknown_kinds),
	};

	return cmocka_run_group_tests_name("test_bivisor", tests, NULL, NULL);
}
