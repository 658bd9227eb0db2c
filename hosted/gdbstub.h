/*
 * hosted/gdbstub.h: bvm's stub of GDB's remote serial protocol for the
 * guest's vCPU 0 (`bvm run --gdb PORT`, hosted/gdbstub.c, docs/debugging.md).
 */
#ifndef HOSTED_GDBSTUB_H
#define HOSTED_GDBSTUB_H

#include "hosted/bvm.h"

/* Listens on 127.0.0.1:port and says so; NULL with one line said. */
struct gdbstub *gdbstub_listen(unsigned int port);
void gdbstub_close(struct gdbstub *g);
/*
 * On vCPU 0's thread, out of its run: first (before the guest's first
 * instruction) waits for gdb to connect; else tells gdb the vCPU stopped (a
 * debug exit). Then serves gdb until it lets the vCPU run, and sets the
 * vCPU's debug controls for that run. 1 when the guest is to end.
 */
int gdbstub_stop(struct gdbstub *g, struct bvm_vcpu *v, int first);
/* Whether gdb's Ctrl-C kicked the vCPU: then a gdbstub_stop is due (an ACCEL_EXIT_INTERRUPTED). */
int gdbstub_interrupted(struct gdbstub *g);

#endif
