/*
 * hosted/backends.h: bvm's block, packet and entropy backends.
 */
#ifndef HOSTED_BACKENDS_H
#define HOSTED_BACKENDS_H

#include "drivers/dm_env.h"

struct bvm_disk {
	int fd;
	char id[21];
	struct dm_block store;
};

struct bvm_net {
	int fd;
	struct dm_packet port;
};

int bvm_disk_open(struct bvm_disk *d, const char *spec, unsigned int index);
int bvm_net_open(struct bvm_net *n, const char *spec);
void bvm_entropy_init(struct dm_entropy *e);

#endif
