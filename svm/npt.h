/*
 * svm/npt.h: the nested page table entry format (AMD APM vol. 2 15.25 "Nested
 * Paging": the long-mode entries of 5.3 and 5.4, P/RW/US/PS/NX). The hardware
 * walks nested tables as user accesses, so every entry has US set (15.25.5).
 * Included by svm/npt.c and by the unit tests of kernel/gpt.c.
 */
#ifndef SVM_NPT_H
#define SVM_NPT_H

#include "kernel/gpt.h"

#define NPT_P (1ull << 0)
#define NPT_RW (1ull << 1)
#define NPT_US (1ull << 2)
#define NPT_PS (1ull << 7)
#define NPT_NX (1ull << 63)

static const struct gpt_format npt_format = {
	.present = NPT_P,
	.table = NPT_P | NPT_RW | NPT_US,
	.large = NPT_PS,
	.leaf = {
		[VM_PROT_READ] = NPT_P | NPT_US | NPT_NX,
		[VM_PROT_READ | VM_PROT_WRITE] = NPT_P | NPT_US | NPT_RW | NPT_NX,
		[VM_PROT_READ | VM_PROT_EXEC] = NPT_P | NPT_US,
		[VM_PROT_RWX] = NPT_P | NPT_US | NPT_RW,
	},
};

#endif
