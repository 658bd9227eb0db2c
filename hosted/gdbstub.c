/*
 * hosted/gdbstub.c: `bvm run --gdb PORT`, a stub of GDB's remote serial
 * protocol (GDB manual, appendix E "GDB Remote Serial Protocol": E.1
 * overview and packet framing, E.2 packets, E.3 stop replies, E.4 general
 * queries) for the guest's vCPU 0. It listens on 127.0.0.1 only, holds the
 * guest before its first instruction until gdb comes, and serves gdb on the
 * vCPU's own thread while the guest stands still: registers in the order of
 * GDB's i386:x86-64 architecture without a target description, guest memory
 * by linear address (the accelerator's translate), software breakpoints
 * (INT3, Intel SDM vol. 2A "INT n/INTO/INT3/INT1"), hardware ones (SDM vol.
 * 3B 18.2), single step. While the guest runs, a thread watches for gdb's
 * Ctrl-C (E.8 "Interrupts") and kicks the vCPU out of its run to stop it.
 * docs/debugging.md shows a session.
 */
#define _GNU_SOURCE /* accept4 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "hosted/gdbstub.h"
#include "lib/hex.h"

#define PKT_MAX 4096   /* what qSupported offers as PacketSize */
#define POLL_MS 200    /* how often a wait looks whether the guest was ended */
#define MAX_SW_BPS 64  /* INT3s planted at once */
#define G_REGS_LEN 536 /* rax..gs, st0-7, the x87 control words, xmm0-15, mxcsr */
#define G_GPRS 16      /* rax, rbx, rcx, rdx, rsi, rdi, rbp, rsp, r8-r15: numbers 0-15 */
#define G_RIP 16       /* then rip (8 bytes), eflags (4), cs ss ds es fs gs (4 each) */
#define G_EFLAGS 17
#define G_SEGS 18
#define G_SEG_END 24
#define INT3 0xcc
#define STOP_TRAP "S05" /* stopped by SIGTRAP: a breakpoint, a step, the start */
#define STOP_INT "S02"	/* stopped by SIGINT: gdb's Ctrl-C */
#define CTRL_C 0x03
#define WATCH_IDLE_NS 20000000l /* the watcher's pause when the socket has other bytes */

struct sw_bp {
	uint64_t la; /* its linear address; 0: a free slot */
	uint8_t orig;
};

struct gdbstub {
	int listen_fd, fd; /* fd < 0: gdb not here yet, or gone */
	unsigned int port;
	struct vm *vm;
	/* The Ctrl-C watcher: its own descriptor of the socket, and what it shares under lock. */
	pthread_t watcher;
	int watch_fd, watching, quit;
	pthread_mutex_t lock;
	int running;	 /* the vCPU runs: a Ctrl-C is the watcher's to take */
	int interrupted; /* a Ctrl-C came: the vCPU stops at its kick */

	struct accel_debug dbg; /* what the vCPU runs with */
	struct sw_bp sw[MAX_SW_BPS];
	uint8_t in[PKT_MAX]; /* bytes received, not yet read */
	size_t in_len, in_pos;
	char pkt[PKT_MAX + 1]; /* the packet being served, NUL-terminated */
	char out[2 * PKT_MAX + 8];
};

/* What one packet asks of the stopped vCPU. */
enum gdb_action { GDB_STAY, GDB_RUN, GDB_KILL };

struct gdbstub *gdbstub_listen(unsigned int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons(port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct gdbstub *g = calloc(1, sizeof(*g));
	int one = 1;

	if (!g)
		return NULL;
	g->fd = g->watch_fd = -1;
	g->port = port;
	pthread_mutex_init(&g->lock, NULL);
	g->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (g->listen_fd < 0 ||
	    setsockopt(g->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(g->listen_fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(g->listen_fd, 1) < 0) {
		fprintf(stderr, "bvm: --gdb %u: cannot listen on 127.0.0.1:%u: %s\n", port, port,
			strerror(errno));
		gdbstub_close(g);
		return NULL;
	}
	fprintf(stderr, "bvm: gdb: waiting for gdb on 127.0.0.1:%u\n", port);
	return g;
}

void gdbstub_close(struct gdbstub *g)
{
	if (!g)
		return;
	if (g->watching) {
		pthread_mutex_lock(&g->lock);
		g->quit = 1;
		pthread_mutex_unlock(&g->lock);
		pthread_join(g->watcher, NULL);
	}
	if (g->watch_fd >= 0)
		close(g->watch_fd);
	if (g->listen_fd >= 0)
		close(g->listen_fd);
	if (g->fd >= 0)
		close(g->fd);
	free(g);
}

/* Waits until fd is readable: 1, or 0 once the guest was ended (a signal, the watchdog). */
static int wait_readable(struct vm *vm, int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	while (vm->exit_status < 0) {
		if (poll(&p, 1, POLL_MS) > 0)
			return 1;
	}
	return 0;
}

static int watch_done(struct gdbstub *g)
{
	int done;

	pthread_mutex_lock(&g->lock);
	done = g->quit || g->fd < 0 || g->vm->exit_status >= 0;
	pthread_mutex_unlock(&g->lock);
	return done;
}

/* Takes a Ctrl-C waiting on the socket while the vCPU runs, and kicks it: 1 if it did. */
static int watch_take(struct gdbstub *g)
{
	uint8_t c;
	int hit;

	pthread_mutex_lock(&g->lock);
	hit = g->running && recv(g->watch_fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) == 1 && c == CTRL_C;
	if (hit) {
		recv(g->watch_fd, &c, 1, MSG_DONTWAIT);
		g->interrupted = 1;
		vm_kick_vcpus(g->vm);
	}
	pthread_mutex_unlock(&g->lock);
	return hit;
}

/* The watcher's thread, from the connection until gdb goes or the guest ends. */
static void *watch_loop(void *arg)
{
	struct gdbstub *g = arg;
	struct pollfd p = { .fd = g->watch_fd, .events = POLLIN };
	const struct timespec idle = { .tv_nsec = WATCH_IDLE_NS };

	while (!watch_done(g)) {
		if (poll(&p, 1, POLL_MS) > 0 && !watch_take(g))
			nanosleep(&idle, NULL); /* a packet for the stopped vCPU, or EOF */
	}
	return NULL;
}

/* The Ctrl-C watcher; without it (no thread or descriptor) gdb's Ctrl-C is not seen. */
static void watch_start(struct gdbstub *g)
{
	g->watch_fd = fcntl(g->fd, F_DUPFD_CLOEXEC, 0);
	if (g->watch_fd >= 0 && !pthread_create(&g->watcher, NULL, watch_loop, g))
		g->watching = 1;
	else
		fprintf(stderr, "bvm: gdb: Ctrl-C will not stop the guest (no watcher)\n");
}

/* The one connection gdb makes; the listening socket is closed then. */
static int accept_gdb(struct gdbstub *g, struct vm *vm)
{
	if (!wait_readable(vm, g->listen_fd))
		return -1;
	g->fd = accept4(g->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (g->fd < 0) {
		fprintf(stderr, "bvm: gdb: accept: %s\n", strerror(errno));
		return -1;
	}
	close(g->listen_fd);
	g->listen_fd = -1;
	g->vm = vm;
	watch_start(g);
	fprintf(stderr, "bvm: gdb: connected; the guest waits at its first instruction\n");
	return 0;
}

/* The next byte from gdb, or -1 when it went away or the guest was ended. */
static int get_byte(struct gdbstub *g, struct vm *vm)
{
	ssize_t n;

	if (g->in_pos == g->in_len) {
		if (!wait_readable(vm, g->fd))
			return -1;
		n = recv(g->fd, g->in, sizeof(g->in), 0);
		if (n <= 0)
			return -1;
		g->in_len = (size_t)n;
		g->in_pos = 0;
	}
	return g->in[g->in_pos++];
}

/* One data byte from two hex digits at s; -1 if they are not hex. */
static int hex_byte(const char *s)
{
	int hi = hex_digit(s[0]), lo = hi < 0 ? -1 : hex_digit(s[1]);

	return lo < 0 ? -1 : hi << 4 | lo;
}

static void hex_put(char *out, const uint8_t *data, size_t len)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[data[i] >> 4];
		out[2 * i + 1] = digits[data[i] & 15];
	}
	out[2 * len] = '\0';
}

/* len bytes from the hex digits at s; -1 if there are fewer or they are not hex. */
static int hex_get(uint8_t *data, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		int b = hex_byte(s + 2 * i);

		if (b < 0)
			return -1;
		data[i] = (uint8_t)b;
	}
	return 0;
}

/* A hex number at *s, which moves past it; -1 when there is none or it overflows. */
static int parse_hex(const char **s, uint64_t *v)
{
	const char *p = *s;

	*v = 0;
	for (; hex_digit(*p) >= 0; p++) {
		if (*v >> 60)
			return -1;
		*v = *v << 4 | (uint64_t)hex_digit(*p);
	}
	if (p == *s)
		return -1;
	*s = p;
	return 0;
}

/*
 * The next packet into g->pkt, acknowledged: 0, or -1 when gdb went away.
 * What comes before '$' (acks, a Ctrl-C of a stopped target) is dropped; a
 * bad checksum is answered '-' and gdb sends the packet again; a packet too
 * long for the buffer is taken but left empty, which every handler refuses.
 */
static int read_packet(struct gdbstub *g, struct vm *vm)
{
	size_t len;
	int c, sum, want;

	for (;;) {
		while ((c = get_byte(g, vm)) != '$')
			if (c < 0)
				return -1;
		for (len = 0, sum = 0; (c = get_byte(g, vm)) != '#'; sum += c) {
			if (c < 0)
				return -1;
			if (len < PKT_MAX)
				g->pkt[len] = (char)c;
			len++;
		}
		c = get_byte(g, vm);
		want = c < 0 ? -1 : get_byte(g, vm);
		if (want < 0)
			return -1;
		want = hex_digit(c) < 0 || hex_digit(want) < 0
			       ? -1
			       : hex_digit(c) << 4 | hex_digit(want);
		if (want == (sum & 0xff))
			break;
		send(g->fd, "-", 1, MSG_NOSIGNAL);
	}
	g->pkt[len <= PKT_MAX ? len : 0] = '\0';
	return send(g->fd, "+", 1, MSG_NOSIGNAL) == 1 ? 0 : -1;
}

/* Sends data as one packet; gdb's '+' for it is dropped by the next read_packet. */
static int send_packet(struct gdbstub *g, const char *data)
{
	char frame[sizeof(g->out) + 4];
	unsigned int sum = 0;
	size_t len = strlen(data);
	int n;

	for (size_t i = 0; i < len; i++)
		sum += (unsigned char)data[i];
	n = snprintf(frame, sizeof(frame), "$%s#%02x", data, sum & 0xff);
	return send(g->fd, frame, (size_t)n, MSG_NOSIGNAL) == n ? 0 : -1;
}

/* Registers in gdb's order (G_* above); the x87 and SSE part stays 0: bvm does not read it. */
static void regs_to_gdb(const struct accel_regs *r, uint8_t *buf)
{
	const uint64_t gprs[G_GPRS] = { r->rax, r->rbx, r->rcx, r->rdx, r->rsi, r->rdi,
					r->rbp, r->rsp, r->r8,	r->r9,	r->r10, r->r11,
					r->r12, r->r13, r->r14, r->r15 };
	const uint32_t segs[] = { r->cs.selector, r->ss.selector, r->ds.selector,
				  r->es.selector, r->fs.selector, r->gs.selector };
	uint32_t eflags = (uint32_t)r->rflags;

	memset(buf, 0, G_REGS_LEN);
	memcpy(buf, gprs, sizeof(gprs));
	memcpy(buf + 8 * G_RIP, &r->rip, 8);
	memcpy(buf + 8 * G_EFLAGS, &eflags, 4);
	memcpy(buf + 8 * G_EFLAGS + 4, segs, sizeof(segs));
}

/* The general registers, rip and eflags of buf into r; segment selectors are not written. */
static void regs_from_gdb(struct accel_regs *r, const uint8_t *buf)
{
	uint64_t *const gprs[G_GPRS] = { &r->rax, &r->rbx, &r->rcx, &r->rdx, &r->rsi, &r->rdi,
					 &r->rbp, &r->rsp, &r->r8,  &r->r9,  &r->r10, &r->r11,
					 &r->r12, &r->r13, &r->r14, &r->r15 };
	uint32_t eflags;

	for (unsigned int i = 0; i < G_GPRS; i++)
		memcpy(gprs[i], buf + 8 * i, 8);
	memcpy(&r->rip, buf + 8 * G_RIP, 8);
	memcpy(&eflags, buf + 8 * G_EFLAGS, 4);
	r->rflags = eflags;
}

/* Register n's place in the g packet: 0, or -1 past mxcsr (56). */
static int reg_place(uint64_t n, size_t *off, size_t *size)
{
	static const struct {
		unsigned int last, off, size;
	} runs[] = { { 15, 0, 8 },   { 16, 128, 8 },  { 23, 136, 4 }, { 31, 164, 10 },
		     { 39, 244, 4 }, { 55, 276, 16 }, { 56, 532, 4 } };
	unsigned int first = 0;

	for (size_t i = 0; i < sizeof(runs) / sizeof(runs[0]); i++) {
		if (n <= runs[i].last) {
			*off = runs[i].off + (n - first) * runs[i].size;
			*size = runs[i].size;
			return 0;
		}
		first = runs[i].last + 1;
	}
	return -1;
}

/*
 * Reads (write 0) or writes len bytes of guest memory at linear address la,
 * a page at a time through the accelerator's translation: 0, or -1 when a
 * page is not mapped or not RAM.
 */
static int guest_access(struct bvm_vcpu *v, uint64_t la, uint8_t *buf, size_t len, int write)
{
	struct vm *vm = v->vm;

	while (len) {
		size_t chunk = 4096 - (la & 4095);
		gpa_t gpa;

		if (chunk > len)
			chunk = len;
		if (vm->accel->translate(v->acc, la, &gpa) < 0 || gpa >= vm->ram_size ||
		    chunk > vm->ram_size - gpa)
			return -1;
		if (write)
			memcpy(vm->ram + gpa, buf, chunk);
		else
			memcpy(buf, vm->ram + gpa, chunk);
		la += chunk, buf += chunk, len -= chunk;
	}
	return 0;
}

static void cmd_read_regs(struct gdbstub *g, struct bvm_vcpu *v)
{
	struct accel_regs r;
	uint8_t buf[G_REGS_LEN];

	if (v->vm->accel->get_regs(v->acc, &r) < 0) {
		strcpy(g->out, "E01");
		return;
	}
	regs_to_gdb(&r, buf);
	hex_put(g->out, buf, sizeof(buf));
}

/* G: as many bytes as gdb sends (at most the g packet's), over what the vCPU holds. */
static void cmd_write_regs(struct gdbstub *g, struct bvm_vcpu *v)
{
	struct accel_regs r;
	uint8_t buf[G_REGS_LEN];
	size_t len = strlen(g->pkt + 1) / 2;

	if (v->vm->accel->get_regs(v->acc, &r) < 0 || len > sizeof(buf)) {
		strcpy(g->out, "E01");
		return;
	}
	regs_to_gdb(&r, buf);
	if (hex_get(buf, g->pkt + 1, len) < 0) {
		strcpy(g->out, "E01");
		return;
	}
	regs_from_gdb(&r, buf);
	strcpy(g->out, v->vm->accel->set_regs(v->acc, &r) < 0 ? "E01" : "OK");
}

/* p N (read) or P N=VALUE (write) of one register. */
static void cmd_one_reg(struct gdbstub *g, struct bvm_vcpu *v)
{
	const char *s = g->pkt + 1;
	struct accel_regs r;
	uint8_t buf[G_REGS_LEN];
	uint64_t n;
	size_t off, size;

	if (parse_hex(&s, &n) < 0 || reg_place(n, &off, &size) < 0 ||
	    v->vm->accel->get_regs(v->acc, &r) < 0) {
		strcpy(g->out, "E01");
		return;
	}
	regs_to_gdb(&r, buf);
	if (g->pkt[0] == 'p') {
		hex_put(g->out, buf + off, size);
		return;
	}
	if (*s != '=' || strlen(s + 1) != 2 * size || hex_get(buf + off, s + 1, size) < 0) {
		strcpy(g->out, "E01");
		return;
	}
	regs_from_gdb(&r, buf);
	strcpy(g->out, v->vm->accel->set_regs(v->acc, &r) < 0 ? "E01" : "OK");
}

/* "ADDR,LEN" at s; s moves past it. */
static int parse_range(const char **s, uint64_t *addr, uint64_t *len)
{
	if (parse_hex(s, addr) < 0 || **s != ',')
		return -1;
	(*s)++;
	return parse_hex(s, len);
}

/* m ADDR,LEN: at most what fits in a reply; E14 (EFAULT) where nothing is mapped. */
static void cmd_read_mem(struct gdbstub *g, struct bvm_vcpu *v)
{
	const char *s = g->pkt + 1;
	uint8_t buf[PKT_MAX / 2];
	uint64_t addr, len;

	if (parse_range(&s, &addr, &len) < 0 || *s) {
		strcpy(g->out, "E01");
		return;
	}
	if (len > sizeof(buf))
		len = sizeof(buf);
	if (guest_access(v, addr, buf, len, 0) < 0) {
		strcpy(g->out, "E14");
		return;
	}
	hex_put(g->out, buf, len);
}

/* M ADDR,LEN:HEX */
static void cmd_write_mem(struct gdbstub *g, struct bvm_vcpu *v)
{
	const char *s = g->pkt + 1;
	uint8_t buf[PKT_MAX / 2];
	uint64_t addr, len;

	if (parse_range(&s, &addr, &len) < 0 || *s != ':' || len > sizeof(buf) ||
	    strlen(s + 1) != 2 * len || hex_get(buf, s + 1, len) < 0) {
		strcpy(g->out, "E01");
		return;
	}
	strcpy(g->out, guest_access(v, addr, buf, len, 1) < 0 ? "E14" : "OK");
}

static struct sw_bp *sw_find(struct gdbstub *g, uint64_t la)
{
	for (unsigned int i = 0; i < MAX_SW_BPS; i++) {
		if (g->sw[i].la == la)
			return &g->sw[i];
	}
	return NULL;
}

/* Z0: an INT3 over the instruction's first byte, which is kept to be put back. */
static int sw_insert(struct gdbstub *g, struct bvm_vcpu *v, uint64_t la)
{
	struct sw_bp *b = sw_find(g, la);
	uint8_t int3 = INT3;

	if (b || !la)
		return b ? 0 : -1; /* already there; address 0 marks a free slot */
	b = sw_find(g, 0);
	if (!b || guest_access(v, la, &b->orig, 1, 0) < 0 || guest_access(v, la, &int3, 1, 1) < 0)
		return -1;
	b->la = la;
	return 0;
}

static int sw_remove(struct gdbstub *g, struct bvm_vcpu *v, uint64_t la)
{
	struct sw_bp *b = la ? sw_find(g, la) : NULL;

	if (!b)
		return -1;
	b->la = 0;
	return guest_access(v, la, &b->orig, 1, 1);
}

static int hw_insert(struct gdbstub *g, uint64_t la)
{
	for (unsigned int i = 0; i < ACCEL_HW_BPS; i++) {
		if (!(g->dbg.hw_mask & (1u << i))) {
			g->dbg.hw_mask |= 1u << i;
			g->dbg.hw_bp[i] = la;
			return 0;
		}
	}
	return -1; /* gdb then says it could not insert the breakpoint */
}

static int hw_remove(struct gdbstub *g, uint64_t la)
{
	for (unsigned int i = 0; i < ACCEL_HW_BPS; i++) {
		if ((g->dbg.hw_mask & (1u << i)) && g->dbg.hw_bp[i] == la) {
			g->dbg.hw_mask &= ~(1u << i);
			return 0;
		}
	}
	return -1;
}

/* Z0/z0 (software) and Z1/z1 (hardware) ADDR,KIND; the watchpoints Z2-Z4 are not offered. */
static void cmd_breakpoint(struct gdbstub *g, struct bvm_vcpu *v)
{
	const char *s = g->pkt + 3;
	int insert = g->pkt[0] == 'Z', type = g->pkt[1], rc;
	uint64_t addr, kind;

	if ((type != '0' && type != '1') || g->pkt[2] != ',')
		return; /* empty: not supported */
	if (parse_range(&s, &addr, &kind) < 0) {
		strcpy(g->out, "E01");
		return;
	}
	if (type == '0')
		rc = insert ? sw_insert(g, v, addr) : sw_remove(g, v, addr);
	else
		rc = insert ? hw_insert(g, addr) : hw_remove(g, addr);
	strcpy(g->out, rc < 0 ? "E01" : "OK");
}

/* c [ADDR] and s [ADDR]: the vCPU runs on, from ADDR if given. */
static enum gdb_action cmd_resume(struct gdbstub *g, struct bvm_vcpu *v)
{
	const char *s = g->pkt + 1;
	struct accel_regs r;
	uint64_t addr;

	if (*s && (parse_hex(&s, &addr) < 0 || v->vm->accel->get_regs(v->acc, &r) < 0 ||
		   (r.rip = addr, v->vm->accel->set_regs(v->acc, &r) < 0))) {
		strcpy(g->out, "E01");
		return GDB_STAY;
	}
	g->dbg.single_step = g->pkt[0] == 's';
	return GDB_RUN;
}

/* The general queries gdb needs an answer to; every other one gets the empty reply. */
static void cmd_query(struct gdbstub *g)
{
	if (!strncmp(g->pkt, "qSupported", 10))
		snprintf(g->out, sizeof(g->out), "PacketSize=%x", PKT_MAX);
	else if (!strcmp(g->pkt, "qAttached"))
		strcpy(g->out, "1"); /* an existing process: gdb detaches, not kills, on quit */
}

/* Serves one packet into g->out; what the vCPU does next. */
static enum gdb_action serve_packet(struct gdbstub *g, struct bvm_vcpu *v)
{
	g->out[0] = '\0';
	switch (g->pkt[0]) {
	case '?':
		strcpy(g->out, STOP_TRAP);
		break;
	case 'g':
		cmd_read_regs(g, v);
		break;
	case 'G':
		cmd_write_regs(g, v);
		break;
	case 'p':
	case 'P':
		cmd_one_reg(g, v);
		break;
	case 'm':
		cmd_read_mem(g, v);
		break;
	case 'M':
		cmd_write_mem(g, v);
		break;
	case 'Z':
	case 'z':
		cmd_breakpoint(g, v);
		break;
	case 'c':
	case 's':
		return cmd_resume(g, v);
	case 'H':
		strcpy(g->out, "OK"); /* one thread: any is vCPU 0 */
		break;
	case 'q':
		cmd_query(g);
		break;
	case 'k':
		return GDB_KILL;
	}
	return GDB_STAY;
}

/* gdb detached or went away: its breakpoints leave the guest, which runs on alone. */
static void drop_gdb(struct gdbstub *g, struct bvm_vcpu *v, const char *why)
{
	for (unsigned int i = 0; i < MAX_SW_BPS; i++) {
		if (g->sw[i].la)
			sw_remove(g, v, g->sw[i].la);
	}
	g->dbg = (struct accel_debug){ 0 };
	pthread_mutex_lock(&g->lock);
	close(g->fd);
	g->fd = -1;
	pthread_mutex_unlock(&g->lock);
	if (v->vm->exit_status < 0)
		fprintf(stderr, "bvm: gdb: %s; the guest runs on\n", why);
}

/* Packets until gdb lets the vCPU run (0) or the guest is to end (1). */
static int serve(struct gdbstub *g, struct bvm_vcpu *v)
{
	enum gdb_action a = GDB_STAY;

	while (a == GDB_STAY) {
		if (read_packet(g, v->vm) < 0) {
			drop_gdb(g, v, "gdb went away");
			return v->vm->exit_status >= 0;
		}
		if (g->pkt[0] == 'D') {
			send_packet(g, "OK");
			drop_gdb(g, v, "gdb detached");
			return 0;
		}
		a = serve_packet(g, v);
		if (a == GDB_STAY && send_packet(g, g->out) < 0) {
			drop_gdb(g, v, "gdb went away");
			return 0;
		}
	}
	if (a == GDB_KILL) {
		fprintf(stderr, "bvm: gdb: kill: the guest is ended\n");
		vm_guest_ends(v->vm, BVM_EXIT_SIGNAL + SIGKILL);
		return 1;
	}
	return 0;
}

int gdbstub_interrupted(struct gdbstub *g)
{
	int asked;

	pthread_mutex_lock(&g->lock);
	asked = g->interrupted;
	pthread_mutex_unlock(&g->lock);
	return asked;
}

/* The vCPU stops (running 0) or runs on (1); a stop says whether gdb's Ctrl-C caused it. */
static const char *set_running(struct gdbstub *g, int running)
{
	const char *why;

	pthread_mutex_lock(&g->lock);
	g->running = running && g->fd >= 0;
	why = g->interrupted ? STOP_INT : STOP_TRAP;
	g->interrupted = 0;
	pthread_mutex_unlock(&g->lock);
	return why;
}

int gdbstub_stop(struct gdbstub *g, struct bvm_vcpu *v, int first)
{
	const struct accel_ops *a = v->vm->accel;
	const char *why;
	int end;

	if (first && accept_gdb(g, v->vm) < 0)
		return 1;
	if (g->fd < 0)
		return 0; /* gdb has gone: a stop that was under way when it left */
	why = set_running(g, 0);
	if (!first && send_packet(g, why) < 0)
		drop_gdb(g, v, "gdb went away");
	end = g->fd >= 0 ? serve(g, v) : 0;
	g->dbg.enable = g->fd >= 0;
	set_running(g, !end);
	if (!end && a->set_debug(v->acc, &g->dbg) < 0) {
		fprintf(stderr, "bvm: gdb: %s cannot set the debug controls\n", a->name);
		vm_guest_ends(v->vm, BVM_EXIT_ENV);
		return 1;
	}
	return end;
}
