/*
 * kernel/guests.h: creating the domains that the boot modules describe.
 */
#ifndef KERNEL_GUESTS_H
#define KERNEL_GUESTS_H

#include "kernel/bootinfo.h"

/* Creates a domain per valid module; returns how many were created. */
unsigned int guests_create(const struct boot_info *bi);

#endif
