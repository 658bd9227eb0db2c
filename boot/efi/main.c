/*
 * boot/efi/main.c: bivisor.efi, bivisor's own UEFI loader (UEFI 2.10: 4.3
 * system table and 4.6 configuration table, 7.2 AllocatePages, GetMemoryMap
 * and ExitBootServices). It reads \EFI\bivisor\bivisor.cfg, loads the kernel's
 * segments at their physical addresses and the modules below 4 GiB, finds the
 * ACPI RSDP, leaves boot services and enters the kernel's _start64 with a
 * Multiboot2 information block, the same as GRUB gives _start32. Any mistake
 * before that is named on the consoles and returned to the firmware.
 */
#include <efi.h>

#include "boot/efi/config.h"
#include "boot/efi/console.h"
#include "boot/efi/esp.h"
#include "boot/efi/kimage.h"
#include "boot/efi/mbi.h"
#include "lib/string.h"

#define CFG_FILE "\\EFI\\bivisor\\bivisor.cfg"
#define BELOW_4G 0xffffffffull	      /* highest address AllocateMaxAddress may use */
#define MAX_ALLOCS (CFG_MAX_MODS + 4) /* page allocations made: kernel, modules, map, info */
#define MAP_SLACK 16		      /* spare descriptors for what the map gains after sizing */
#define EXIT_TRIES 8		      /* ExitBootServices attempts with a fresh map */
#define ERROR_PAUSE_US 5000000	      /* time to read an error before the firmware goes on */

struct loader {
	EFI_HANDLE image;
	EFI_FILE_HANDLE root;
	char *cfg_text;
	struct cfg cfg;
	struct kimage k;
	struct mbi_module mods[CFG_MAX_MODS];
	struct mbi_input in;
	UINT64 rsdp_copy[8]; /* 36 bytes of RSDP, aligned */
};

static EFI_SYSTEM_TABLE *st;
static EFI_BOOT_SERVICES *bs;
static struct {
	EFI_PHYSICAL_ADDRESS addr;
	UINTN pages;
} allocs[MAX_ALLOCS];
static unsigned int nallocs;

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab);

/* EfiLoaderData pages, remembered so an error can give them back. */
static EFI_STATUS pages_alloc(EFI_ALLOCATE_TYPE how, UINT64 bytes, EFI_PHYSICAL_ADDRESS *addr)
{
	UINTN pages = bytes ? (bytes + EFI_PAGE_SIZE - 1) / EFI_PAGE_SIZE : 1;
	EFI_STATUS s;

	if (nallocs == MAX_ALLOCS)
		return EFI_OUT_OF_RESOURCES;
	s = bs->AllocatePages(how, EfiLoaderData, pages, addr);
	if (!EFI_ERROR(s)) {
		allocs[nallocs].addr = *addr;
		allocs[nallocs++].pages = pages;
	}
	return s;
}

static void pages_free_all(void)
{
	while (nallocs) {
		nallocs--;
		bs->FreePages(allocs[nallocs].addr, allocs[nallocs].pages);
	}
}

/* The largest run of free memory below 4 GiB, for the "too large" message. */
static UINT64 largest_free_below_4g(void)
{
	UINTN size = 0, key, dsize = 0, best = 0;
	UINT32 dver;
	UINT8 *map = NULL;

	if (bs->GetMemoryMap(&size, NULL, &key, &dsize, &dver) != EFI_BUFFER_TOO_SMALL)
		return 0;
	size += MAP_SLACK * dsize;
	if (EFI_ERROR(bs->AllocatePool(EfiLoaderData, size, (void **)&map)))
		return 0;
	if (!EFI_ERROR(bs->GetMemoryMap(&size, (void *)map, &key, &dsize, &dver))) {
		for (UINTN off = 0; off + dsize <= size; off += dsize) {
			const struct efi_mem_desc *d = (const void *)(map + off);
			UINT64 end = d->phys + d->pages * EFI_PAGE_SIZE;

			if (d->type != EFI_CONVENTIONAL || d->phys > BELOW_4G)
				continue;
			end = end > BELOW_4G + 1 ? BELOW_4G + 1 : end;
			best = end - d->phys > best ? end - d->phys : best;
		}
	}
	bs->FreePool(map);
	return best;
}

static EFI_STATUS read_config(struct loader *l)
{
	char err[160];
	EFI_FILE_HANDLE f;
	UINT64 size;
	EFI_STATUS s = esp_file_open(l->root, CFG_FILE, &f, &size);

	if (EFI_ERROR(s)) {
		console_say("cannot open the configuration file %s: %s", CFG_FILE,
			    console_status(s));
		return s;
	}
	if (size > CFG_MAX_SIZE) {
		f->Close(f);
		console_say("%s: %lu bytes; a configuration file has at most %d", CFG_FILE, size,
			    CFG_MAX_SIZE);
		return EFI_LOAD_ERROR;
	}
	s = bs->AllocatePool(EfiLoaderData, size + 1, (void **)&l->cfg_text);
	if (EFI_ERROR(s)) {
		f->Close(f);
		return s;
	}
	s = esp_file_read(f, l->cfg_text, size);
	if (EFI_ERROR(s)) {
		console_say("%s: read error: %s", CFG_FILE, console_status(s));
		return s;
	}
	if (cfg_parse(l->cfg_text, size, &l->cfg, err, sizeof(err))) {
		console_say("%s %s", CFG_FILE, err);
		return EFI_LOAD_ERROR;
	}
	return EFI_SUCCESS;
}

/* Copies the checked segments to their physical addresses, reserved first. */
static EFI_STATUS place_kernel(struct loader *l, const UINT8 *file)
{
	const struct kimage *k = &l->k;
	EFI_PHYSICAL_ADDRESS at = k->lo;
	EFI_STATUS s = pages_alloc(AllocateAddress, k->hi - k->lo, &at);

	if (EFI_ERROR(s)) {
		console_say("kernel %s: its memory %#lx-%#lx is not free (%s); bivisor is linked "
			    "to run there",
			    l->cfg.kernel.path, k->lo, k->hi, console_status(s));
		return s;
	}
	memset((void *)k->lo, 0, k->hi - k->lo);
	for (unsigned int i = 0; i < k->nsegs; i++)
		memcpy((void *)k->segs[i].paddr, file + k->segs[i].offset, k->segs[i].filesz);
	return EFI_SUCCESS;
}

static EFI_STATUS load_kernel(struct loader *l)
{
	const struct cfg_file *c = &l->cfg.kernel;
	char err[160];
	EFI_FILE_HANDLE f;
	UINT64 size;
	UINT8 *file;
	EFI_STATUS s = esp_file_open(l->root, c->path, &f, &size);

	if (EFI_ERROR(s)) {
		console_say("kernel (line %u): cannot open %s: %s", c->line, c->path,
			    console_status(s));
		return s;
	}
	s = bs->AllocatePool(EfiLoaderData, size ? size : 1, (void **)&file);
	if (EFI_ERROR(s)) {
		f->Close(f);
		console_say("kernel %s: no memory to read its %lu bytes", c->path, size);
		return s;
	}
	s = esp_file_read(f, file, size);
	if (EFI_ERROR(s))
		console_say("kernel %s: read error: %s", c->path, console_status(s));
	else if (kimage_check(file, size, &l->k, err, sizeof(err))) {
		console_say("kernel %s: %s", c->path, err);
		s = EFI_LOAD_ERROR;
	} else
		s = place_kernel(l, file);
	bs->FreePool(file);
	if (!EFI_ERROR(s))
		console_say("kernel %s at %#lx-%#lx, 64-bit entry %#lx, command line '%s'", c->path,
			    l->k.lo, l->k.hi, l->k.entry64, c->args);
	return s;
}

static EFI_STATUS load_module(struct loader *l, unsigned int i)
{
	const struct cfg_file *c = &l->cfg.mods[i];
	EFI_PHYSICAL_ADDRESS at = BELOW_4G;
	EFI_FILE_HANDLE f;
	UINT64 size;
	EFI_STATUS s = esp_file_open(l->root, c->path, &f, &size);

	if (EFI_ERROR(s)) {
		console_say("module %u (line %u): cannot open %s: %s", i + 1, c->line, c->path,
			    console_status(s));
		return s;
	}
	s = pages_alloc(AllocateMaxAddress, size, &at);
	if (EFI_ERROR(s)) {
		f->Close(f);
		console_say("module %u (line %u): %s has %lu KiB, more than fits in free memory "
			    "below 4 GiB (largest free range: %lu KiB; the firmware says %s)",
			    i + 1, c->line, c->path, (size + 1023) >> 10,
			    largest_free_below_4g() >> 10, console_status(s));
		return s;
	}
	s = esp_file_read(f, (void *)at, size);
	if (EFI_ERROR(s)) {
		console_say("module %u: %s: read error: %s", i + 1, c->path, console_status(s));
		return s;
	}
	l->mods[i] = (struct mbi_module){ at, at + size, c->args };
	console_say("module %u: %s, %lu KiB at %#lx, '%s'", i + 1, c->path, (size + 1023) >> 10, at,
		    c->args);
	return EFI_SUCCESS;
}

/* The RSDP from the configuration table: ACPI 2.0's entry, else ACPI 1.0's. */
static void find_rsdp(struct loader *l)
{
	static EFI_GUID guids[2] = { ACPI_20_TABLE_GUID, ACPI_TABLE_GUID };

	for (int v = 0; v < 2; v++) {
		for (UINTN i = 0; i < st->NumberOfTableEntries; i++) {
			const EFI_CONFIGURATION_TABLE *t = &st->ConfigurationTable[i];
			const UINT8 *r = t->VendorTable;

			if (memcmp(&t->VendorGuid, &guids[v], sizeof(EFI_GUID)) || !r ||
			    memcmp(r, "RSD PTR ", 8))
				continue;
			l->in.rsdp_new = r[15] >= 2; /* revision: 2 and up have 36 bytes */
			l->in.rsdp_len = l->in.rsdp_new ? 36 : 20;
			memcpy(l->rsdp_copy, r, l->in.rsdp_len);
			l->in.rsdp = l->rsdp_copy;
			console_say("ACPI %s RSDP at %#lx (revision %u)", v ? "1.0" : "2.0",
				    (UINT64)(UINTN)r, r[15]);
			return;
		}
	}
	console_say("no ACPI RSDP in the configuration table; the kernel will use one CPU");
}

static EFI_STATUS load_all(struct loader *l)
{
	UINT64 cr4;
	EFI_STATUS s;

	asm volatile("mov %%cr4, %0" : "=r"(cr4));
	if (cr4 & (1ull << 12)) {
		console_say("the firmware runs with 5-level paging (CR4.LA57); bivisor's 64-bit "
			    "entry needs 4-level paging");
		return EFI_UNSUPPORTED;
	}
	s = esp_open(l->image, st, &l->root);
	if (EFI_ERROR(s)) {
		console_say("cannot open the volume bivisor.efi was loaded from: %s",
			    console_status(s));
		return s;
	}
	s = read_config(l);
	if (!EFI_ERROR(s))
		s = load_kernel(l);
	for (unsigned int i = 0; !EFI_ERROR(s) && i < l->cfg.nmods; i++)
		s = load_module(l, i);
	if (EFI_ERROR(s))
		return s;
	find_rsdp(l);
	l->in.cmdline = l->cfg.kernel.args;
	l->in.loader = "bivisor.efi";
	l->in.mods = l->mods;
	l->in.nmods = l->cfg.nmods;
	l->in.efi_systab = (UINT64)(UINTN)st;
	return EFI_SUCCESS;
}

static void __attribute__((noreturn)) halt(void)
{
	for (;;)
		asm volatile("cli; hlt");
}

/* After ExitBootServices: build the information block from the final map and jump. */
static void __attribute__((noreturn))
start_kernel(struct loader *l, void *map, UINTN map_size, UINTN dsize, UINT32 dver, void *info,
	     UINTN info_size)
{
	long n;

	l->in.efi_map = map;
	l->in.efi_map_size = map_size;
	l->in.efi_desc_size = dsize;
	l->in.efi_desc_version = dver;
	n = mbi_build(info, info_size, &l->in);
	if (n < 0) {
		console_say_serial("cannot build the Multiboot2 information (error %ld); halting",
				   n);
		halt();
	}
	asm volatile("cli");
	((void (*)(uint32_t, uint64_t))l->k.entry64)(MB2_BOOT_MAGIC, (uint64_t)(UINTN)info);
	halt();
}

/*
 * ExitBootServices wants the key of the current map; every allocation, ours
 * or the firmware's, changes it, so a refused key means: fetch the map again
 * and retry (UEFI 2.10, 7.4 ExitBootServices). Both buffers are allocated
 * before the first GetMemoryMap, with room for the map to grow.
 */
static EFI_STATUS leave_firmware(struct loader *l)
{
	UINTN size = 0, key, dsize = 0, cap, info_size;
	UINT32 dver;
	EFI_PHYSICAL_ADDRESS map, info = BELOW_4G;
	int exit_tried = 0;
	EFI_STATUS s = bs->GetMemoryMap(&size, NULL, &key, &dsize, &dver);

	if (s != EFI_BUFFER_TOO_SMALL || dsize < sizeof(struct efi_mem_desc)) {
		console_say("GetMemoryMap failed: %s", console_status(s));
		return EFI_ERROR(s) ? s : EFI_DEVICE_ERROR;
	}
	cap = size + MAP_SLACK * dsize;
	info_size = mbi_size(&l->in, cap);
	s = pages_alloc(AllocateAnyPages, cap, &map);
	if (!EFI_ERROR(s))
		s = pages_alloc(AllocateMaxAddress, info_size, &info);
	if (EFI_ERROR(s)) {
		console_say("no memory for the boot information: %s", console_status(s));
		return s;
	}
	console_say("leaving boot services; entering the kernel at %#lx", l->k.entry64);
	for (int tries = 1; tries <= EXIT_TRIES; tries++) {
		size = cap;
		s = bs->GetMemoryMap(&size, (void *)map, &key, &dsize, &dver);
		if (EFI_ERROR(s))
			break;
		s = bs->ExitBootServices(l->image, key);
		if (!EFI_ERROR(s))
			start_kernel(l, (void *)map, size, dsize, dver, (void *)info, info_size);
		exit_tried = 1;
		if (s != EFI_INVALID_PARAMETER)
			break; /* not a stale key: retrying will not help */
	}
	if (!exit_tried) {
		console_say("GetMemoryMap failed: %s", console_status(s));
		return s;
	}
	/* boot services may be half gone: nothing is safe but the serial port and a halt */
	console_say_serial("ExitBootServices failed (%s); halting", console_status(s));
	halt();
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
	static struct loader l;
	EFI_STATUS s;

	st = systab;
	bs = systab->BootServices;
	l.image = image;
	console_init(systab);
	s = load_all(&l);
	if (!EFI_ERROR(s))
		s = leave_firmware(&l);
	console_say("bivisor not started; returning to the firmware (%s)", console_status(s));
	pages_free_all();
	if (l.cfg_text)
		bs->FreePool(l.cfg_text);
	if (l.root)
		l.root->Close(l.root);
	bs->Stall(ERROR_PAUSE_US);
	return s;
}
