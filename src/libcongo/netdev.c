#include "config.h"

#include "netdev.h"

#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "utils.h"

static void add_attr(struct nlmsghdr *h, size_t cap, int type, const void *data, size_t len)
{
    struct rtattr *rta = (struct rtattr *) ((char *) h + NLMSG_ALIGN(h->nlmsg_len));
    if (NLMSG_ALIGN(h->nlmsg_len) + RTA_SPACE(len) > cap)
        return;
    rta->rta_type = type;
    rta->rta_len = RTA_LENGTH(len);
    memcpy(RTA_DATA(rta), data, len);
    h->nlmsg_len = NLMSG_ALIGN(h->nlmsg_len) + RTA_SPACE(len);
}

/* RTM_NEWLINK on an existing index with IFLA_NET_NS_FD moves it (and
 * IFLA_IFNAME renames it in the same step). */
static int move_one(int sock, int nsfd, const char *name, const char *new_name, congo_error *err)
{
    struct {
        struct nlmsghdr h;
        struct ifinfomsg i;
        char attrs[256];
    } req = { 0 };
    char buf[4096];
    unsigned idx = if_nametoindex(name);
    ssize_t n;

    if (idx == 0)
        return congo_error_errno(err, "linux.netDevices: host interface `%s`", name);
    req.h.nlmsg_len = NLMSG_LENGTH(sizeof req.i);
    req.h.nlmsg_type = RTM_NEWLINK;
    req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
    req.i.ifi_family = AF_UNSPEC;
    req.i.ifi_index = (int) idx;
    add_attr(&req.h, sizeof req, IFLA_NET_NS_FD, &nsfd, sizeof nsfd);
    if (new_name && *new_name && strcmp(new_name, name) != 0)
        add_attr(&req.h, sizeof req, IFLA_IFNAME, new_name, strlen(new_name) + 1);
    if (send(sock, &req, req.h.nlmsg_len, 0) < 0)
        return congo_error_errno(err, "linux.netDevices: move `%s`", name);
    n = recv(sock, buf, sizeof buf, 0);
    if (n < 0)
        return congo_error_errno(err, "linux.netDevices: move `%s`", name);
    struct nlmsghdr *h = (struct nlmsghdr *) buf;
    if (NLMSG_OK(h, (size_t) n) && h->nlmsg_type == NLMSG_ERROR) {
        struct nlmsgerr *e = NLMSG_DATA(h);
        if (e->error < 0)
            return congo_error_set(err, -e->error, "linux.netDevices: move `%s`%s%s into the container", name,
                                   new_name && *new_name ? " as " : "", new_name ? new_name : "");
    }
    return 0;
}

int congo_netdev_move(pid_t pid, const oci_map *devices, congo_error *err)
{
    _cleanup_close_ int sock = -1, nsfd = -1;
    char path[64];

    if (!devices || devices->n == 0)
        return 0;
    snprintf(path, sizeof path, "/proc/%d/ns/net", (int) pid);
    nsfd = open(path, O_RDONLY | O_CLOEXEC);
    if (nsfd < 0)
        return congo_error_errno(err, "linux.netDevices: open `%s`", path);
    sock = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (sock < 0)
        return congo_error_errno(err, "linux.netDevices: netlink socket");
    for (size_t i = 0; i < devices->n; i++) {
        int r = move_one(sock, nsfd, devices->keys[i], devices->values[i], err);
        if (r < 0)
            return r;
    }
    return 0;
}

int congo_netdev_loopback_up(congo_error *err)
{
    struct ifreq ifr = { 0 };
    _cleanup_close_ int sock = -1;

    /* Any socket reaches the device ioctls (AF_UNIX: no IPv4 needed). */
    sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (sock < 0)
        return congo_error_errno(err, "bring up `lo`: socket");
    strcpy(ifr.ifr_name, "lo");
    if (ioctl(sock, SIOCGIFFLAGS, &ifr) < 0)
        return congo_error_errno(err, "bring up `lo`: SIOCGIFFLAGS");
    if (ifr.ifr_flags & IFF_UP)
        return 0;
    ifr.ifr_flags |= IFF_UP;
    if (ioctl(sock, SIOCSIFFLAGS, &ifr) < 0)
        return congo_error_errno(err, "bring up `lo`: SIOCSIFFLAGS");
    return 0;
}
