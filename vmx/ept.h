/*
 * vmx/ept.h: the EPT paging-structure entry format (Intel SDM vol. 3C 29.3.2:
 * read/write/execute in bits 2:0, bit 7 a 2 MiB leaf in a PDE) and the EPT
 * pointer (25.6.11). Guest RAM is mapped write-back (memory type 6 in bits 5:3
 * of a leaf, 29.3.7: with no guest MTRRs to honour, RAM is WB and everything
 * else is left unmapped, so MMIO exits). Write without read is a
 * misconfiguration (29.3.3.1), so every leaf can read.
 * Included by vmx/ept.c and by the unit tests of kernel/gpt.c.
 */
#ifndef VMX_EPT_H
#define VMX_EPT_H

#include "kernel/gpt.h"

#define EPT_R (1ull << 0)
#define EPT_W (1ull << 1)
#define EPT_X (1ull << 2)
#define EPT_MT_WB (6ull << 3)
#define EPT_PS (1ull << 7)
#define EPTP_WB 6ull
#define EPTP_WALK4 (3ull << 3)

static const struct gpt_format ept_format = {
	.present = EPT_R | EPT_W | EPT_X,
	.table = EPT_R | EPT_W | EPT_X,
	.large = EPT_PS,
	.leaf = {
		[VM_PROT_READ] = EPT_R | EPT_MT_WB,
		[VM_PROT_READ | VM_PROT_WRITE] = EPT_R | EPT_W | EPT_MT_WB,
		[VM_PROT_READ | VM_PROT_EXEC] = EPT_R | EPT_X | EPT_MT_WB,
		[VM_PROT_RWX] = EPT_R | EPT_W | EPT_X | EPT_MT_WB,
	},
};

#endif
