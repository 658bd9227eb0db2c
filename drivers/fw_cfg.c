/*
 * drivers/fw_cfg.c: QEMU's fw_cfg device after QEMU docs/specs/fw_cfg.rst:
 * "Selector (Control) Register", "Data Register", "DMA Address Register",
 * "Directory" and "DMA interface". drivers/fw_cfg.h lists the items given.
 *
 * Choices where the spec leaves room: a selector write starts the item at
 * byte 0; reads past an item's end, and every read of an unknown key, give
 * 0; data-port writes are ignored and DMA writes fail (nothing is writable).
 * After each DMA transfer the high half of the address is 0 again, so a
 * guest below 4 GiB may write only the low half. Files are listed in the
 * order added, at keys FW_CFG_FILE_FIRST up.
 */
#include "drivers/fw_cfg.h"
#include "lib/string.h"

#define SEL_OFFSET 0
#define DATA_OFFSET 1
#define DMA_DESC_LEN 16 /* control (4), length (4), address (8), big-endian */
#define DMA_CHUNK 256

static const char dma_signature[8] = { 'Q', 'E', 'M', 'U', ' ', 'C', 'F', 'G' };

static void put_le(uint8_t *p, uint64_t v, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put_be(uint8_t *p, uint64_t v, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
}

static uint64_t get_be(const uint8_t *p, unsigned int n)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

/* The bytes of v in the other order (a big-endian register on a little-endian port). */
static uint64_t swap(uint64_t v, unsigned int n)
{
	uint8_t b[8];

	put_le(b, v, n);
	return get_be(b, n);
}

/* Room for len more bytes of blob: their offset, or -1. */
static int blob_take(struct fw_cfg *fc, unsigned int len)
{
	unsigned int off = fc->used;

	if (fc->nitems >= FW_CFG_MAX_ITEMS || len > FW_CFG_BLOB_LEN - off)
		return -1;
	fc->used += len;
	return (int)off;
}

static int add_item(struct fw_cfg *fc, uint16_t key, const void *data, uint16_t len)
{
	int off = blob_take(fc, len);

	if (off < 0)
		return -E2BIG;
	for (unsigned int i = 0; i < len; i++)
		fc->blob[off + i] = ((const uint8_t *)data)[i];
	fc->item[fc->nitems++] = (struct fw_cfg_item){ key, (uint16_t)off, len };
	return 0;
}

static int add_le(struct fw_cfg *fc, uint16_t key, uint64_t v, unsigned int n)
{
	uint8_t b[8];

	put_le(b, v, n);
	return add_item(fc, key, b, (uint16_t)n);
}

static int add_e820(struct fw_cfg *fc, const struct fw_cfg_machine *m)
{
	uint8_t b[FW_CFG_E820_ENTRY * FW_CFG_E820_MAX];

	if (m->nmap > FW_CFG_E820_MAX)
		return -E2BIG;
	for (unsigned int i = 0; i < m->nmap; i++) {
		put_le(b + i * FW_CFG_E820_ENTRY, m->map[i].base, 8);
		put_le(b + i * FW_CFG_E820_ENTRY + 8, m->map[i].len, 8);
		put_le(b + i * FW_CFG_E820_ENTRY + 16, m->map[i].type, 4);
	}
	return fw_cfg_add_file(fc, "etc/e820", b, (uint16_t)(m->nmap * FW_CFG_E820_ENTRY));
}

int fw_cfg_init(struct fw_cfg *fc, const struct dm_env *env, const struct fw_cfg_machine *m)
{
	uint8_t cpus[2];
	int rc;

	*fc = (struct fw_cfg){ .env = env };
	fc->item[fc->nitems++] = (struct fw_cfg_item){ FW_CFG_FILE_DIR, 0, 4 };
	put_le(cpus, m->ncpus, 2);
	rc = add_item(fc, FW_CFG_SIGNATURE, "QEMU", 4);
	if (!rc)
		rc = add_le(fc, FW_CFG_ID, FW_CFG_ID_TRADITIONAL | FW_CFG_ID_DMA, 4);
	if (!rc)
		rc = add_le(fc, FW_CFG_RAM_SIZE, env->ram_size, 8);
	if (!rc)
		rc = add_le(fc, FW_CFG_NB_CPUS, m->ncpus, 2);
	if (!rc)
		rc = add_le(fc, FW_CFG_MAX_CPUS, m->max_cpus, 2);
	if (!rc)
		rc = add_e820(fc, m);
	if (!rc)
		rc = fw_cfg_add_file(fc, "etc/boot-cpus", cpus, 2);
	return rc;
}

int fw_cfg_add_file(struct fw_cfg *fc, const char *name, const void *data, uint16_t len)
{
	uint16_t key = (uint16_t)(FW_CFG_FILE_FIRST + fc->nfiles);
	uint8_t *e = fc->dir + 4 + FW_CFG_DIR_ENTRY * fc->nfiles;
	unsigned int n = 0;

	while (name[n] && n < FW_CFG_NAME_LEN)
		n++;
	if (!n || n == FW_CFG_NAME_LEN)
		return -EINVAL;
	if (fc->nfiles == FW_CFG_MAX_FILES || add_item(fc, key, data, len))
		return -E2BIG;
	put_be(e, len, 4);
	put_be(e + 4, key, 2);
	put_be(e + 6, 0, 2);
	for (unsigned int i = 0; i < FW_CFG_NAME_LEN; i++)
		e[8 + i] = i < n ? (uint8_t)name[i] : 0;
	put_be(fc->dir, ++fc->nfiles, 4);
	fc->item[0].len = (uint16_t)(4 + FW_CFG_DIR_ENTRY * fc->nfiles);
	return 0;
}

/* The bytes of item key and their count (none for an unknown key). */
static const uint8_t *item_data(const struct fw_cfg *fc, uint16_t key, uint32_t *len)
{
	for (unsigned int i = 0; i < fc->nitems; i++) {
		const struct fw_cfg_item *it = &fc->item[i];

		if (it->key == key) {
			*len = it->len;
			return key == FW_CFG_FILE_DIR ? fc->dir : fc->blob + it->off;
		}
	}
	*len = 0;
	return NULL;
}

/* n bytes of the selected item from its position on, 0 past its end; the position
 * moves on by n (it stops at UINT32_MAX). One item lookup for the whole run. */
static void read_bytes(struct fw_cfg *fc, uint8_t *buf, uint32_t n)
{
	uint32_t len, have, past;
	const uint8_t *d = item_data(fc, fc->sel, &len);

	have = fc->pos < len ? len - fc->pos : 0;
	have = have < n ? have : n;
	if (have)
		memcpy(buf, d + fc->pos, have);
	memset(buf + have, 0, n - have);
	past = n - have;
	fc->pos += have;
	fc->pos = past > UINT32_MAX - fc->pos ? UINT32_MAX : fc->pos + past;
}

static uint8_t next_byte(struct fw_cfg *fc)
{
	uint8_t b;

	read_bytes(fc, &b, 1);
	return b;
}

static void select_key(struct fw_cfg *fc, uint16_t key)
{
	fc->sel = key;
	fc->pos = 0;
}

int fw_cfg_io_read(void *dev, uint64_t offset, unsigned int size, uint64_t *value)
{
	if (offset != DATA_OFFSET || size != 1)
		return -EINVAL;
	*value = next_byte(dev);
	return 0;
}

int fw_cfg_io_write(void *dev, uint64_t offset, unsigned int size, uint64_t value)
{
	if (offset == SEL_OFFSET && size == 2)
		select_key(dev, (uint16_t)value);
	else if (offset != DATA_OFFSET || size != 1)
		return -EINVAL;
	return 0; /* a data write is ignored */
}

/* DMA read: len bytes of the selected item to guest memory at gpa. */
static int dma_copy_out(struct fw_cfg *fc, uint64_t gpa, uint32_t len)
{
	uint8_t buf[DMA_CHUNK];

	while (len) {
		uint32_t n = len < DMA_CHUNK ? len : DMA_CHUNK;

		read_bytes(fc, buf, n);
		if (fc->env->mem_write(fc->env->ctx, gpa, buf, n))
			return -EFAULT;
		gpa += n;
		len -= n;
	}
	return 0;
}

static int dma_run(struct fw_cfg *fc, uint32_t control, uint32_t len, uint64_t gpa)
{
	if (control & FW_CFG_DMA_SELECT)
		select_key(fc, (uint16_t)(control >> 16));
	if (control & FW_CFG_DMA_READ)
		return dma_copy_out(fc, gpa, len);
	if (control & FW_CFG_DMA_WRITE)
		return -EPERM;
	if (control & FW_CFG_DMA_SKIP)
		fc->pos = len > UINT32_MAX - fc->pos ? UINT32_MAX : fc->pos + len;
	return 0;
}

/* The descriptor at desc: run it, then its control word becomes 0 or the error bit. */
static void dma_transfer(struct fw_cfg *fc, uint64_t desc)
{
	uint8_t d[DMA_DESC_LEN], done[4];
	int rc;

	fc->dma_high = 0;
	if (fc->env->mem_read(fc->env->ctx, desc, d, sizeof(d)))
		return; /* no descriptor there: nothing to report into */
	rc = dma_run(fc, (uint32_t)get_be(d, 4), (uint32_t)get_be(d + 4, 4), get_be(d + 8, 8));
	put_be(done, rc ? FW_CFG_DMA_ERROR : 0, 4);
	fc->env->mem_write(fc->env->ctx, desc, done, sizeof(done));
}

int fw_cfg_dma_read(void *dev, uint64_t offset, unsigned int size, uint64_t *value)
{
	uint64_t v = 0;

	(void)dev;
	if (offset + size > FW_CFG_DMA_REGION_LEN)
		return -EINVAL;
	for (unsigned int i = 0; i < size; i++)
		v |= (uint64_t)(uint8_t)dma_signature[offset + i] << (8 * i);
	*value = v;
	return 0;
}

int fw_cfg_dma_write(void *dev, uint64_t offset, unsigned int size, uint64_t value)
{
	struct fw_cfg *fc = dev;

	if (offset == 0 && size == 8)
		dma_transfer(fc, swap(value, 8));
	else if (offset == 0 && size == 4)
		fc->dma_high = (uint32_t)swap(value, 4);
	else if (offset == 4 && size == 4)
		dma_transfer(fc, (uint64_t)fc->dma_high << 32 | swap(value, 4));
	else
		return -EINVAL;
	return 0;
}
