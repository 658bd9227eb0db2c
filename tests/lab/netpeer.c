/*
 * tests/lab/netpeer.c: the far end of a guest's virtio-net port or virtio
 * console in the nested-KVM lab. `netpeer [--arp|--echo|--pong] COMMAND
 * [ARG]...` runs COMMAND (bvm) with one end of an AF_UNIX socket pair as fd 3
 * and answers on the other end, at most PEER_MAX_REPLIES times and for
 * PEER_SECONDS, then exits with COMMAND's status. The modes:
 *   --arp  (default) SOCK_SEQPACKET, one Ethernet frame per message (bvm's
 *          --net socket=3): plays host 10.0.2.2 of a /24 that exists only in
 *          this pair, answering ARP requests for it (RFC 826) and ICMP echo
 *          requests to it (RFC 792, checksums as RFC 1071);
 *   --echo SOCK_SEQPACKET: sends each frame of ethertype 0x88b5 (IEEE local
 *          experimental) back with its addresses swapped and the byte after
 *          the Ethernet header set to 'E' (the virtio_net test guest's peer);
 *   --pong SOCK_STREAM (bvm's --vconsole socket=3): answers each line
 *          "ping N" with "pong N" (the virtio_console test guest's peer).
 * `netpeer --pair COMMAND1 [ARG]... -- COMMAND2 [ARG]...` answers nothing: it
 * joins two commands (two bvm, two guests) by one SOCK_SEQPACKET pair, each
 * end as the command's fd 3, and exits with the first failing status.
 * tests/run.py's net=echo and vconsole=echo peers do the same on the host.
 */
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PEER_FD 3
#define PEER_MAX_REPLIES 64
#define PEER_SECONDS 120
#define FRAME_MAX 1514

#define ETH_HLEN 14
#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_ARP 0x0806
#define ETHERTYPE_LOCAL 0x88b5
#define ARP_LEN 28
#define ARP_REQUEST 1
#define ARP_REPLY 2
#define IP_PROTO_ICMP 1
#define ICMP_ECHO_REPLY 0
#define ICMP_ECHO_REQUEST 8

static const uint8_t peer_mac[6] = { 0x52, 0x54, 0x00, 0xb1, 0xff, 0x02 };
static const uint8_t peer_ip[4] = { 10, 0, 2, 2 };

struct peer_counts {
	unsigned long frames, arp, echo;
};

struct peer_mode {
	const char *name;
	int type; /* of the socket pair */
	size_t (*answer)(uint8_t *buf, size_t len, struct peer_counts *c);
};

/* What is left of a --pong stream after its last newline. */
static char pong_line[128];
static size_t pong_len;

static unsigned int get16(const uint8_t *p)
{
	return (unsigned int)p[0] << 8 | p[1];
}

static void put16(uint8_t *p, unsigned int v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* The Internet checksum (RFC 1071) of len bytes, big-endian 16-bit words. */
static unsigned int inet_checksum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;

	for (; len > 1; p += 2, len -= 2)
		sum += get16(p);
	if (len)
		sum += (uint32_t)p[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

/* The reply goes back to the frame's sender, from us. */
static void eth_turn(uint8_t *f)
{
	memcpy(f, f + 6, 6);
	memcpy(f + 6, peer_mac, 6);
}

/* An ARP request for peer_ip becomes its reply in place: the frame's length, or 0. */
static size_t arp_answer(uint8_t *f, size_t len)
{
	uint8_t *a = f + ETH_HLEN;

	if (len < ETH_HLEN + ARP_LEN || get16(a) != 1 || get16(a + 2) != ETHERTYPE_IPV4 ||
	    a[4] != 6 || a[5] != 4 || get16(a + 6) != ARP_REQUEST || memcmp(a + 24, peer_ip, 4))
		return 0;
	put16(a + 6, ARP_REPLY);
	memcpy(a + 18, a + 8, 10); /* target = the asker's MAC and IP */
	memcpy(a + 8, peer_mac, 6);
	memcpy(a + 14, peer_ip, 4);
	eth_turn(f);
	return len;
}

/* An ICMP echo request to peer_ip becomes the echo reply in place: the frame's length, or 0. */
static size_t icmp_answer(uint8_t *f, size_t len)
{
	uint8_t *ip = f + ETH_HLEN, *icmp, addr[4];
	size_t ihl, total;

	if (len < ETH_HLEN + 20 || ip[0] >> 4 != 4)
		return 0;
	ihl = (size_t)(ip[0] & 0xf) * 4;
	total = get16(ip + 2);
	if (ihl < 20 || total < ihl + 8 || ETH_HLEN + total > len || ip[9] != IP_PROTO_ICMP ||
	    memcmp(ip + 16, peer_ip, 4) || (get16(ip + 6) & 0x3fff) || inet_checksum(ip, ihl))
		return 0;
	icmp = ip + ihl;
	if (icmp[0] != ICMP_ECHO_REQUEST || icmp[1] != 0 || inet_checksum(icmp, total - ihl))
		return 0;
	memcpy(addr, ip + 12, 4);
	memcpy(ip + 12, ip + 16, 4);
	memcpy(ip + 16, addr, 4);
	ip[8] = 64; /* TTL */
	put16(ip + 10, 0);
	put16(ip + 10, inet_checksum(ip, ihl));
	icmp[0] = ICMP_ECHO_REPLY;
	put16(icmp + 2, 0);
	put16(icmp + 2, inet_checksum(icmp, total - ihl));
	eth_turn(f);
	return ETH_HLEN + total;
}

/* The reply to one frame, built in place: its length, or 0 for no reply. */
static size_t peer_answer(uint8_t *f, size_t len, struct peer_counts *c)
{
	size_t n = 0;

	if (len < ETH_HLEN)
		return 0;
	if (get16(f + 12) == ETHERTYPE_ARP && (n = arp_answer(f, len)))
		c->arp++;
	else if (get16(f + 12) == ETHERTYPE_IPV4 && (n = icmp_answer(f, len)))
		c->echo++;
	return n;
}

/* --echo: a local-experimental frame goes back, addresses swapped, marked 'E'. */
static size_t echo_answer(uint8_t *f, size_t len, struct peer_counts *c)
{
	uint8_t mac[6];

	if (len <= ETH_HLEN || get16(f + 12) != ETHERTYPE_LOCAL)
		return 0;
	memcpy(mac, f, 6);
	memcpy(f, f + 6, 6);
	memcpy(f + 6, mac, 6);
	f[ETH_HLEN] = 'E';
	c->echo++;
	return len;
}

/* One complete line of a --pong stream: its answer into out, its length or 0. */
static size_t pong_one(const char *line, uint8_t *out, size_t size)
{
	unsigned long n;
	char *end;
	int w;

	if (strncmp(line, "ping ", 5) || line[5] < '0' || line[5] > '9')
		return 0;
	n = strtoul(line + 5, &end, 10);
	if (*end && strcmp(end, "\r"))
		return 0;
	w = snprintf((char *)out, size, "pong %lu\n", n);
	return w > 0 && (size_t)w < size ? (size_t)w : 0;
}

/* --pong: bytes in, the answers to the lines they complete out (in place). */
static size_t pong_answer(uint8_t *buf, size_t len, struct peer_counts *c)
{
	uint8_t out[FRAME_MAX];
	size_t i, n = 0;

	for (i = 0; i < len; i++) {
		if (buf[i] != '\n') {
			if (pong_len < sizeof(pong_line) - 1)
				pong_line[pong_len++] = (char)buf[i];
			continue;
		}
		pong_line[pong_len] = 0;
		pong_len = 0;
		if (n + 32 < sizeof(out) && pong_one(pong_line, out + n, sizeof(out) - n)) {
			n += strlen((char *)out + n);
			c->echo++;
		}
	}
	memcpy(buf, out, n);
	return n;
}

static const struct peer_mode peer_modes[] = {
	{ "--arp", SOCK_SEQPACKET, peer_answer },
	{ "--echo", SOCK_SEQPACKET, echo_answer },
	{ "--pong", SOCK_STREAM, pong_answer },
};

/* The mode named by argv[1], or --arp when argv[1] names none. */
static const struct peer_mode *peer_mode_of(const char *arg)
{
	size_t i;

	for (i = 0; i < sizeof(peer_modes) / sizeof(peer_modes[0]); i++)
		if (!strcmp(arg, peer_modes[i].name))
			return &peer_modes[i];
	return NULL;
}

/* The command, with our socket's other end as PEER_FD (the pair is close-on-exec). */
static pid_t peer_spawn(int end, char **argv)
{
	pid_t pid = fork();

	if (pid)
		return pid;
	if (end == PEER_FD ? fcntl(end, F_SETFD, 0) < 0 : dup2(end, PEER_FD) < 0) {
		perror("netpeer: passing the socket");
		_exit(127);
	}
	execvp(argv[0], argv);
	perror(argv[0]);
	_exit(127);
}

/*
 * Reads frames until the command ends. Replies stop after PEER_MAX_REPLIES or
 * PEER_SECONDS; later frames are read and dropped so bvm never blocks on us.
 */
static int peer_serve(int fd, pid_t pid, const struct peer_mode *m, struct peer_counts *c)
{
	time_t stop = time(NULL) + PEER_SECONDS;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	uint8_t frame[FRAME_MAX];
	int status = 0;
	ssize_t got;
	size_t n;
	pid_t r;

	while ((r = waitpid(pid, &status, WNOHANG)) != pid) {
		if (r < 0)
			return 1;
		if (poll(&p, 1, 100) <= 0 || !(p.revents & POLLIN))
			continue;
		got = recv(fd, frame, sizeof(frame), MSG_DONTWAIT);
		if (got <= 0)
			continue;
		c->frames++;
		if (c->arp + c->echo >= PEER_MAX_REPLIES || time(NULL) > stop)
			continue;
		n = m->answer(frame, (size_t)got, c);
		if (n)
			send(fd, frame, n, MSG_DONTWAIT | MSG_NOSIGNAL);
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* --pair: argv is COMMAND1 ... -- COMMAND2 ...; each gets one end as fd 3. */
static int pair_main(char **argv)
{
	char **second = argv;
	int sv[2], st[2] = { 0, 0 };
	pid_t pid[2];

	while (*second && strcmp(*second, "--"))
		second++;
	if (!*second || second == argv || !second[1]) {
		fprintf(stderr, "usage: netpeer --pair COMMAND1 [ARG]... -- COMMAND2 [ARG]...\n");
		return 2;
	}
	*second++ = NULL;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		perror("netpeer: socketpair");
		return 1;
	}
	pid[0] = peer_spawn(sv[0], argv);
	pid[1] = peer_spawn(sv[1], second);
	close(sv[0]), close(sv[1]);
	for (int i = 0; i < 2; i++)
		if (pid[i] < 0 || waitpid(pid[i], &st[i], 0) < 0)
			st[i] = 1 << 8;
	printf("LAB: netpeer pair: statuses %d and %d\n", WEXITSTATUS(st[0]), WEXITSTATUS(st[1]));
	return WEXITSTATUS(st[0]) ? WEXITSTATUS(st[0]) : WEXITSTATUS(st[1]);
}

int main(int argc, char **argv)
{
	const struct peer_mode *m = argc > 1 ? peer_mode_of(argv[1]) : NULL;
	struct peer_counts c = { 0 };
	int sv[2], rc;
	pid_t pid;

	if (argc > 1 && !strcmp(argv[1], "--pair"))
		return pair_main(argv + 2);
	if (m)
		argc--, argv++;
	else
		m = &peer_modes[0];
	if (argc < 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: netpeer [--arp|--echo|--pong|--pair] COMMAND [ARG]...\n");
		return 2;
	}
	if (socketpair(AF_UNIX, m->type | SOCK_CLOEXEC, 0, sv) < 0) {
		perror("netpeer: socketpair");
		return 1;
	}
	pid = peer_spawn(sv[1], argv + 1);
	if (pid < 0) {
		perror("netpeer: fork");
		return 1;
	}
	close(sv[1]);
	rc = peer_serve(sv[0], pid, m, &c);
	printf("LAB: netpeer %s: %lu messages in, %lu ARP replies, %lu echo replies\n", m->name,
	       c.frames, c.arp, c.echo);
	return rc;
}
