/*
 * tests/unit/dump.h: loads the "acpidump" captures of tests/data/ (the
 * Multiboot2 block and the ACPI tables a kernel booted with acpi=dump
 * mb2dump printed) into memory, one blob per "acpidump NAME phys len" header.
 */
#ifndef TESTS_UNIT_DUMP_H
#define TESTS_UNIT_DUMP_H

#include <stddef.h>
#include <stdint.h>

#define DUMP_MAX_BLOBS 16

struct dump_blob {
	char name[8];  /* "MB2", "RSDP", "ROOT", "FACP", "APIC", ... */
	uint64_t phys; /* where it was on the captured machine */
	size_t len;
	uint8_t *data; /* data % 64 == phys % 64: the alignment the kernel saw */
	void *alloc;
};

struct dump {
	unsigned int n;
	struct dump_blob blobs[DUMP_MAX_BLOBS];
};

/* Reads path (relative to the repository root); returns 0 or -1. */
int dump_load(const char *path, struct dump *d);
void dump_free(struct dump *d);
/* The first blob of that name, or NULL. */
struct dump_blob *dump_find(struct dump *d, const char *name);
/* Memory of len bytes whose address has the same offset in 64 bytes as phys. */
uint8_t *dump_alloc_like(uint64_t phys, size_t len, void **alloc);

#endif
