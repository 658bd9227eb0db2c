/*
 * drivers/firmware/fw_cfg_pc.c: the fw_cfg items (drivers/fw_cfg.h) of a PC
 * guest from its own configuration: its vCPUs and the memory map the
 * loaders give it (fw_memory_map), as etc/e820 (QEMU docs/specs/fw_cfg.rst).
 */
#include "drivers/firmware/loader.h"
#include "drivers/fw_cfg.h"

int fw_cfg_init_pc(struct fw_cfg *fc, const struct dm_env *env, unsigned int ncpus)
{
	struct fw_mem_range r[FW_MEM_MAP_MAX];
	struct fw_cfg_mem map[FW_MEM_MAP_MAX];
	unsigned int n = fw_memory_map(env, r, FW_MEM_MAP_MAX);

	for (unsigned int i = 0; i < n; i++)
		map[i] = (struct fw_cfg_mem){ r[i].base, r[i].len, r[i].type };
	return fw_cfg_init(fc, env, &(struct fw_cfg_machine){ ncpus, ncpus, map, n });
}
