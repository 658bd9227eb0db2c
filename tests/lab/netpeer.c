/*
 * tests/lab/netpeer.c: the far end of a guest's virtio-net port in the
 * nested-KVM lab. `netpeer COMMAND [ARG]...` runs COMMAND (bvm) with one end
 * of an AF_UNIX SOCK_SEQPACKET pair as fd 3 (one Ethernet frame per message,
 * bvm's --net socket=3) and on the other end plays host 10.0.2.2 of a /24 that
 * exists only in this pair: it answers ARP requests for that address (RFC 826)
 * and ICMP echo requests to it (RFC 792, checksums as RFC 1071), at most
 * PEER_MAX_REPLIES frames and for PEER_SECONDS, and exits with COMMAND's status.
 */
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
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
static int peer_serve(int fd, pid_t pid, struct peer_counts *c)
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
		n = peer_answer(frame, (size_t)got, c);
		if (n)
			send(fd, frame, n, MSG_DONTWAIT | MSG_NOSIGNAL);
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int main(int argc, char **argv)
{
	struct peer_counts c = { 0 };
	int sv[2], rc;
	pid_t pid;

	if (argc < 2) {
		fprintf(stderr, "usage: netpeer COMMAND [ARG]...\n");
		return 2;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		perror("netpeer: socketpair");
		return 1;
	}
	pid = peer_spawn(sv[1], argv + 1);
	if (pid < 0) {
		perror("netpeer: fork");
		return 1;
	}
	close(sv[1]);
	rc = peer_serve(sv[0], pid, &c);
	printf("LAB: netpeer: %lu frames in, %lu ARP replies, %lu echo replies\n", c.frames, c.arp,
	       c.echo);
	return rc;
}
