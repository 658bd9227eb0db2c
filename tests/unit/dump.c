/*
 * tests/unit/dump.c: parser of the captures in tests/data. Each blob is
 * "acpidump NAME 0xPHYS LEN" followed by lines of hex bytes up to the next
 * header or "acpidump end"; a blob whose byte count is not LEN is an error.
 */
#include "lib/hex.h"
#include "tests/unit/dump.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint8_t *dump_alloc_like(uint64_t phys, size_t len, void **alloc)
{
	size_t off = phys % 64;

	/* exactly off + len bytes, so that ASan sees a read past the end */
	if (posix_memalign(alloc, 64, off + len + !len))
		return NULL;
	return (uint8_t *)*alloc + off;
}

/* Appends the hex bytes of s to b; returns -1 on a bad digit or overflow. */
static int add_bytes(struct dump_blob *b, size_t *filled, const char *s)
{
	for (; s[0] && s[0] != '\n'; s += 2) {
		int hi = hex_digit(s[0]), lo = hex_digit(s[1]);

		if (hi < 0 || lo < 0 || *filled == b->len)
			return -1;
		b->data[(*filled)++] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

static int start_blob(struct dump *d, const char *name, unsigned long long phys, unsigned long len)
{
	struct dump_blob *b;

	if (d->n == DUMP_MAX_BLOBS || strlen(name) >= sizeof(b->name))
		return -1;
	b = &d->blobs[d->n];
	strcpy(b->name, name);
	b->phys = phys;
	b->len = len;
	b->data = dump_alloc_like(phys, len, &b->alloc);
	if (!b->data)
		return -1;
	d->n++;
	return 0;
}

/* Splits line into at most 4 words; returns how many it found. */
static int split(char *line, char *word[4])
{
	int n = 0;

	for (char *w = strtok(line, " \r\n"); w; w = strtok(NULL, " \r\n")) {
		if (n == 4)
			return 5;
		word[n++] = w;
	}
	return n;
}

int dump_load(const char *path, struct dump *d)
{
	char line[512], *word[4];
	struct dump_blob *cur = NULL;
	size_t filled = 0;
	int err = 0, n;
	FILE *f = fopen(path, "r");

	memset(d, 0, sizeof(*d));
	if (!f)
		return -1;
	while (!err && fgets(line, sizeof(line), f)) {
		n = split(line, word);
		if (n < 2 || strcmp(word[0], "acpidump"))
			continue;			 /* other console lines */
		if (n == 4 || !strcmp(word[1], "end")) { /* the blob before ends */
			if (cur && filled != cur->len)
				err = -1;
			cur = NULL;
		}
		if (n == 4 && !err) {
			err = start_blob(d, word[1], strtoull(word[2], NULL, 16),
					 strtoul(word[3], NULL, 10));
			cur = err ? NULL : &d->blobs[d->n - 1];
			filled = 0;
		} else if (n == 2 && cur) {
			err = add_bytes(cur, &filled, word[1]);
		}
	}
	if (cur && filled != cur->len)
		err = -1;
	fclose(f);
	if (err)
		dump_free(d);
	return err;
}

void dump_free(struct dump *d)
{
	for (unsigned int i = 0; i < d->n; i++)
		free(d->blobs[i].alloc);
	memset(d, 0, sizeof(*d));
}

struct dump_blob *dump_find(struct dump *d, const char *name)
{
	for (unsigned int i = 0; i < d->n; i++)
		if (!strcmp(d->blobs[i].name, name))
			return &d->blobs[i];
	return NULL;
}
