/*
 * hosted/manage.h: bvm's management verbs (README.md "Managing domains").
 * Under --accel kvm a domain is one bvm process, found by its control socket
 * NAME.sock in the run directory; hosted/control.c is that process's side,
 * hosted/manage.c the verbs' side, hosted/manage_bivisor.c the verbs on
 * /dev/bivisor's management ioctls (include/public/bivisor_dev.h).
 */
#ifndef HOSTED_MANAGE_H
#define HOSTED_MANAGE_H

#include <stddef.h>
#include <stdint.h>

#include "hosted/bvm.h"
#include "hosted/domfile.h"

#define MGMT_REPLY_MAX 512

/* manage.c */
/* The run directory, made (0700) if need be: 0, or -1 with one line said. */
int mgmt_run_dir(char *buf, size_t len);
/* DIR/NAME.EXT in the run directory: 0, or -1 with one line said. */
int mgmt_path(const char *name, const char *ext, char *buf, size_t len);
/* A connection to NAME's control socket; -1 (a stale socket removed) when none answers. */
int mgmt_connect(const char *name);
/* Sends the command line cmd and reads one reply line (without its newline). */
int mgmt_request(int fd, const char *cmd, char *reply, size_t len);
/*
 * Copies fd to stdout and stdin to fd until fd ends or Ctrl-] (0x1d) is
 * typed. When stdin (not a terminal) ends first: with follow, output goes on
 * until the domain ends (create -c); else the domain is told, and closes.
 */
int mgmt_console_copy(int fd, int follow);
/* MemAvailable of /proc/meminfo in MiB, 0 when unknown. */
uint64_t mgmt_mem_available_mib(void);

/* control.c: `bvm create`'s bvm process, serving the control socket. */
/*
 * vm has its inputs open (inputs_open); makes NAME.sock, forks the process
 * that runs the guest in the background and returns once it runs (0), with
 * -c (attach) after its console ends; BVM_EXIT_ENV when it could not start.
 */
int control_start(const struct domfile *d, struct vm *vm, const struct bvm_options *o,
		  struct bvm_inputs *in, int attach);

/* manage_bivisor.c: the verbs with --accel bivisor. */
int bivisor_list(void);
/* pause, unpause or destroy the domain called name. */
int bivisor_verb(const char *verb, const char *name);
/* "present (/dev/bivisor ...)" or "absent"; for bvm info. */
const char *bivisor_presence(void);

#endif
