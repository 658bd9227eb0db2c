/*
 * tests/fuzz/fuzz_pc.c: libFuzzer target of the PC port devices issue 16
 * added, as drivers/pc_platform.c puts them on a guest's bus: fw_cfg (its
 * selector, data and DMA registers, DMA into the fuzz guest's RAM), the
 * 8259 pair with its ELCR, PCI configuration mechanism #1, and QEMU's
 * pc-testdev, whose IRQ ports drive the 8259's lines as the fuzz vm's set_irq
 * (QEMU hw/misc/pc-testdev.c). Between the steps the script raises and lowers
 * ISA lines and takes the 8259's INTA.
 */
#include "drivers/fw_cfg.h"
#include "drivers/i8259.h"
#include "drivers/pc_platform.h"
#include "drivers/pc_testdev.h"
#include "drivers/pci_host.h"
#include "tests/fuzz/fuzz.h"

struct pc {
	struct fw_cfg fw_cfg;
	struct i8259 pic;
	struct pci_host pci;
	struct pc_testdev testdev;
	struct dm_env testdev_env; /* its lines go to the pair */
	struct fuzz_in *in;
	int intr;
};

static void pic_intr(void *ctx, int level)
{
	((struct pc *)ctx)->intr = level;
}

/* pc-testdev's IRQ ports reach the 8259 pair, as kernel/platform.c wires a domain's lines. */
static void set_irq(void *ctx, unsigned int line, int level)
{
	struct pc *pc = ctx;

	if (line < I8259_IRQS)
		i8259_set_irq(&pc->pic, line, level);
}

/* A line changes, and the CPU acknowledges the pair when it signals. */
static void poll(void *ctx)
{
	struct pc *pc = ctx;
	unsigned int b = (unsigned int)fuzz_take(pc->in, 1);

	i8259_set_irq(&pc->pic, b % I8259_IRQS, (b >> 4) & 1);
	if (pc->intr && i8259_pending(&pc->pic) && (b & 0x20))
		(void)i8259_ack(&pc->pic);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pc pc;
	struct fuzz_in in = { data, size };
	struct fuzz_vm vm;
	struct dm_io_region r[PC_PLATFORM_MAX_REGIONS];
	unsigned int n;

	fuzz_vm_init(&vm);
	pc.in = &in;
	pc.intr = 0;
	if (fw_cfg_init_pc(&pc.fw_cfg, &vm.env, 1 + data[0] % 8))
		return 0;
	i8259_init(&pc.pic, pic_intr, &pc);
	pci_host_init(&pc.pci);
	pc.testdev_env = (struct dm_env){ .ctx = &pc, .set_irq = set_irq };
	pc_testdev_init(&pc.testdev, &pc.testdev_env);
	n = pc_platform_regions(&(struct pc_platform){ .fw_cfg = &pc.fw_cfg,
						       .pic = &pc.pic,
						       .pci = &pc.pci,
						       .testdev = &pc.testdev },
				r);
	fuzz_io_run(&in, &vm, r, n, poll, &pc);
	return 0;
}
