/*
 * drivers/fw_cfg.h: QEMU's firmware configuration device (QEMU
 * docs/specs/fw_cfg.rst) on a PC's ports: the selector at 0x510 (16 bits),
 * the data byte at 0x511 and the DMA address at 0x514 (8 bytes, big-endian).
 * One instance per guest; its items come from the guest's own configuration.
 *
 * Items given (fw_cfg.rst "Selector Register"): 0x00 signature "QEMU",
 * 0x01 ID (traditional interface and DMA), 0x03 RAM size (64-bit), 0x05
 * CPUs at boot and 0x0f the most CPUs (16-bit), 0x19 the file directory,
 * and the files etc/e820 (the guest's memory map, 20 bytes an entry) and
 * etc/boot-cpus (16-bit). Items not given read as zero bytes, like any
 * unknown key: UUID, -nographic, the kernel, initrd and command-line
 * items, NUMA, the boot menu and every other file. Nothing is writable.
 */
#ifndef DRIVERS_FW_CFG_H
#define DRIVERS_FW_CFG_H

#include "drivers/dm_env.h"

#define FW_CFG_PORT 0x510 /* selector (offset 0, 2 bytes), data (offset 1, 1 byte) */
#define FW_CFG_REGION_LEN 2
#define FW_CFG_DMA_PORT 0x514 /* the DMA address, big-endian: high half, then low half */
#define FW_CFG_DMA_REGION_LEN 8

/* Selector keys of fw_cfg.rst. */
#define FW_CFG_SIGNATURE 0x00
#define FW_CFG_ID 0x01
#define FW_CFG_RAM_SIZE 0x03
#define FW_CFG_NB_CPUS 0x05
#define FW_CFG_MAX_CPUS 0x0f
#define FW_CFG_FILE_DIR 0x19
#define FW_CFG_FILE_FIRST 0x20
#define FW_CFG_ID_TRADITIONAL 0x01
#define FW_CFG_ID_DMA 0x02

/* A DMA access descriptor's control word (big-endian in guest memory). */
#define FW_CFG_DMA_ERROR 0x01
#define FW_CFG_DMA_READ 0x02
#define FW_CFG_DMA_SKIP 0x04
#define FW_CFG_DMA_SELECT 0x08
#define FW_CFG_DMA_WRITE 0x10

#define FW_CFG_NAME_LEN 56   /* a file name with its NUL */
#define FW_CFG_DIR_ENTRY 64  /* size (4), select (2), reserved (2), name (56) */
#define FW_CFG_E820_ENTRY 20 /* address (8), length (8), type (4), little-endian */
#define FW_CFG_E820_MAX 12
#define FW_CFG_MAX_ITEMS 12
#define FW_CFG_MAX_FILES 4
#define FW_CFG_BLOB_LEN 512 /* the bytes of every item but the directory */

/* One entry of the guest's memory map (e820 types: 1 usable, 2 reserved). */
struct fw_cfg_mem {
	uint64_t base, len;
	uint32_t type;
};

/* What the items say: the guest's CPUs and its memory map; RAM size is env->ram_size. */
struct fw_cfg_machine {
	unsigned int ncpus, max_cpus;
	const struct fw_cfg_mem *map;
	unsigned int nmap;
};

struct fw_cfg_item {
	uint16_t key;
	uint16_t off; /* in blob, or in dir for FW_CFG_FILE_DIR */
	uint16_t len;
};

struct fw_cfg {
	const struct dm_env *env;
	uint16_t sel;	   /* the selected key */
	uint32_t pos;	   /* the next byte of it */
	uint32_t dma_high; /* written at 0x514, used when 0x518 is written */
	struct fw_cfg_item item[FW_CFG_MAX_ITEMS];
	unsigned int nitems, nfiles, used;
	uint8_t blob[FW_CFG_BLOB_LEN];
	uint8_t dir[4 + FW_CFG_DIR_ENTRY * FW_CFG_MAX_FILES];
};

/* The items of m (at most 12 map entries); -E2BIG if they do not fit. */
int fw_cfg_init(struct fw_cfg *fc, const struct dm_env *env, const struct fw_cfg_machine *m);
/* Adds a file (the next key from FW_CFG_FILE_FIRST): 0, -EINVAL for a bad name, -E2BIG. */
int fw_cfg_add_file(struct fw_cfg *fc, const char *name, const void *data, uint16_t len);
/*
 * The items of a PC guest of env with ncpus CPUs (as many at most): its
 * memory map is fw_memory_map's (drivers/firmware/fw_cfg_pc.c, so both modes
 * give the same).
 */
int fw_cfg_init_pc(struct fw_cfg *fc, const struct dm_env *env, unsigned int ncpus);
/* The region at FW_CFG_PORT and the DMA region at FW_CFG_DMA_PORT. */
int fw_cfg_io_read(void *dev, uint64_t offset, unsigned int size, uint64_t *value);
int fw_cfg_io_write(void *dev, uint64_t offset, unsigned int size, uint64_t value);
int fw_cfg_dma_read(void *dev, uint64_t offset, unsigned int size, uint64_t *value);
int fw_cfg_dma_write(void *dev, uint64_t offset, unsigned int size, uint64_t value);

#endif
