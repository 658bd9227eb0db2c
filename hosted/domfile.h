/*
 * hosted/domfile.h: a domain file, the xl.cfg-like description of a domain
 * that `bvm create FILE` starts (README.md "Managing domains",
 * docs/domains.md): `key = value` lines, 'strings' or "strings", numbers,
 * [ lists ], # comments. Parsing and the translation into `bvm run`'s
 * struct bvm_options are pure functions (tests/unit/test_domfile.c).
 */
#ifndef HOSTED_DOMFILE_H
#define HOSTED_DOMFILE_H

#include <stddef.h>
#include <stdint.h>

#include "hosted/bvm.h"

#define DOMFILE_NAME_LEN 32	  /* as a bivisor domain's (BV_NAME_LEN), with the NUL */
#define DOMFILE_MAX_TEXT 65536	  /* bytes of a domain file */
#define DOMFILE_MAX_MEM_MIB 3072u /* bvm's limit: one slot below the PCI hole */

enum domfile_key {
	DF_NAME,
	DF_MEMORY,
	DF_VCPUS,
	DF_KERNEL,
	DF_RAMDISK,
	DF_CMDLINE,
	DF_DISK,
	DF_VIF,
	DF_ON_POWEROFF,
	DF_ON_CRASH,
	DF_WEIGHT,
	DF_CAP,
	DF_ACCEL,
	DF_MAXMEM,
	DF_KEYS
};

/* What happens to a domain whose guest ended (on_poweroff) or crashed (on_crash). */
enum domfile_action {
	DF_DESTROY,  /* its bvm exits, the domain is gone */
	DF_PRESERVE, /* its bvm stays, `bvm list` shows it ended until `bvm destroy` */
};

struct domfile {
	const char *file;	    /* as given: the messages name it */
	unsigned int line[DF_KEYS]; /* the line each key is on; 0: not given */
	char name[DOMFILE_NAME_LEN];
	const char *kernel, *ramdisk, *cmdline; /* paths resolved against the file's directory */
	const char *accel;			/* "kvm" (default) or "bivisor" */
	uint64_t memory_mib;
	uint64_t maxmem_mib; /* xl's maxmem: guest RAM, with a balloon holding all above memory */
	unsigned int vcpus;
	unsigned int weight; /* the scheduler's share (xl's credit weight, default 256) */
	unsigned int cap;    /* percent of one CPU, 0: no cap */
	const char *disks[BVM_MAX_DISKS]; /* as bvm run's --disk: FILE or FILE,ro */
	unsigned int ndisks;
	const char *nets[BVM_MAX_NETS]; /* as bvm run's --net: tap=NAME or socket=FD */
	unsigned int nnets;
	enum domfile_action on_poweroff, on_crash;
	size_t used;
	char pool[16384]; /* the strings above point here */
};

/*
 * Parses text, the contents of file, into d. Returns 0, or -1 with one line
 * in err ("FILE:LINE: what"), for a syntax error, an unknown or repeated
 * key, a bad value, or a missing name or kernel.
 */
int domfile_parse(struct domfile *d, const char *file, const char *text, char *err, size_t errlen);
/* The host's side of d: memory against avail_mib (MemAvailable) and bvm's limit. */
int domfile_check_memory(const struct domfile *d, uint64_t avail_mib, char *err, size_t errlen);
/* The kernel, ramdisk and disk images exist and can be read. */
int domfile_check_files(const struct domfile *d, char *err, size_t errlen);
/* bvm run's options for d (o->accel is left to the caller). */
void domfile_to_options(const struct domfile *d, struct bvm_options *o);
/* The word for an action, as the domain file and `bvm list` give it. */
const char *domfile_action_name(enum domfile_action a);

#endif
