/* The floor for a container with a network: a static program with no C library that makes
 * a new network namespace, a veth pair whose peer is created in it, addresses both ends,
 * brings lo and both ends up, adds a default route through the host end, then forks,
 * execs the command and waits for it — nothing else, over two rtnetlink sockets (one per
 * namespace), each batch in one send. `make bench` measures it beside
 * `husk run --net --veth ...` and the same done with `ip` commands. */
typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;

#include "floor.h"

static void die(int code) { sc(231, code, 0, 0, 0, 0); }

static u8 buf[1024];
static u32 len, msg, seq;

static void put(const void *p, u32 n)
{
	const u8 *s = p;
	for (u32 i = 0; i < n; i++)
		buf[len++] = s[i];
	while (len & 3)
		buf[len++] = 0;
}

static void seal(void)
{
	if (len > msg)
		*(u32 *)(buf + msg) = len - msg;
}

/* nlmsghdr + family header */
static void begin(u16 type, u16 flags, const void *fixed, u32 n)
{
	seal();
	msg = len;
	u32 h[4] = {0, type | (u32)(flags | 1) << 16, ++seq, 0}; /* NLM_F_REQUEST */
	put(h, 16);
	put(fixed, n);
}

static u32 attr(u16 type, const void *data, u32 n)
{
	u32 at = len;
	u16 h[2] = {(u16)(4 + n), type};
	put(h, 4);
	put(data, n);
	return at;
}

static void close_nest(u32 at) { *(u16 *)(buf + at) = (u16)(len - at); }

static u32 slen(const char *s)
{
	u32 n = 0;
	while (s[n])
		n++;
	return n;
}

/* Sends the batch (only its last message asks for an ack: errors come anyway) and reads
 * until that ack; exits on any error. */
static void talk(int fd)
{
	seal();
	buf[msg + 6] |= 4; /* NLM_F_ACK */
	if (sc(1, fd, (long)buf, len, 0, 0) != len)
		die(125);
	for (;;) {
		u8 in[256];
		if (sc(0, fd, (long)in, sizeof in, 0, 0) < 20 || *(int *)(in + 16) != 0)
			die(124);
		if (*(u32 *)(in + 8) == seq)
			break;
	}
	len = msg = seq = 0;
}

static int ifindex(int fd, const char *name)
{
	u8 ifr[40] = {0};
	for (u32 i = 0; name[i]; i++)
		ifr[i] = name[i];
	if (sc(16, fd, 0x8933 /* SIOCGIFINDEX */, (long)ifr, 0, 0) < 0)
		die(123);
	return *(int *)(ifr + 16);
}

static void ifinfo(u32 index, int up)
{
	u32 h[4] = {0, index, up, up};
	put(h, 16);
}

static void addr(int index, const u8 *a, u8 plen)
{
	u8 h[8] = {2, plen, 0, 0};
	*(int *)(h + 4) = index;
	begin(20 /* RTM_NEWADDR */, 0x600, h, 8);
	attr(2 /* IFA_LOCAL */, a, 4);
	attr(1 /* IFA_ADDRESS */, a, 4);
}

static void up(int index)
{
	u32 h[4] = {0, index, 1, 1};
	begin(19 /* RTM_SETLINK */, 0, h, 16);
}

__attribute__((noreturn, used)) void floor_main(long *sp)
{
	char **argv = (char **)(sp + 1);
	char **envp = argv + sp[0] + 1;
	static const u8 host_ip[4] = {10, 200, 0, 1}, child_ip[4] = {10, 200, 0, 2};
	char host[16] = "fl";
	long pid = sc(39 /* getpid */, 0, 0, 0, 0, 0);
	int n = 2;
	for (long p = pid, d = 1; d <= p; d *= 10)
		n++;
	for (long p = pid, i = n - 1; i >= 2; i--, p /= 10)
		host[i] = '0' + p % 10;
	host[n] = 0;

	int hs = sc(41 /* socket */, 16 /* AF_NETLINK */, 3 | 0x80000 /* SOCK_RAW|CLOEXEC */, 0, 0, 0);
	if (hs < 0 || sc(272 /* unshare */, 0x40000000 /* CLONE_NEWNET */, 0, 0, 0, 0) < 0)
		die(125);
	int cs = sc(41, 16, 3 | 0x80000, 0, 0, 0);

	/* Host: the pair, the peer born in our new namespace; the host end up. */
	u32 h[4] = {0, 0, 1, 1};
	begin(16 /* RTM_NEWLINK */, 0x600 /* CREATE|EXCL */, h, 16);
	attr(3 /* IFLA_IFNAME */, host, slen(host) + 1);
	u32 info = attr(18 /* IFLA_LINKINFO */, 0, 0);
	attr(1 /* IFLA_INFO_KIND */, "veth", 4);
	u32 data = attr(2 /* IFLA_INFO_DATA */, 0, 0);
	u32 peer = attr(1 /* VETH_INFO_PEER */, 0, 0);
	ifinfo(0, 0);
	attr(3, "eth0", 5);
	u32 self = pid;
	attr(19 /* IFLA_NET_NS_PID */, &self, 4);
	close_nest(peer);
	close_nest(data);
	close_nest(info);
	talk(hs);
	addr(ifindex(hs, host), host_ip, 24);
	talk(hs);

	/* Inside: lo and the peer up, its address, the default route. */
	int eth0 = ifindex(cs, "eth0");
	up(1);
	up(eth0);
	addr(eth0, child_ip, 24);
	u8 rt[12] = {2, 0, 0, 0, 254, 3, 0, 1};
	begin(24 /* RTM_NEWROUTE */, 0x600, rt, 12);
	attr(5 /* RTA_GATEWAY */, host_ip, 4);
	attr(4 /* RTA_OIF */, &eth0, 4);
	talk(cs);

	int status = 0;
	long child = sc(56 /* clone */, 17 /* SIGCHLD */, 0, 0, 0, 0);
	if (child == 0) {
		sc(59 /* execve */, (long)argv[1], (long)(argv + 1), (long)envp, 0, 0);
		sc(60, 127, 0, 0, 0, 0);
	}
	sc(61 /* wait4 */, child, (long)&status, 0, 0, 0);
	die((status >> 8) & 0xff);
	for (;;)
		;
}
