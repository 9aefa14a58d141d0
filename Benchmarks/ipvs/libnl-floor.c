/*
 * The floor for the IPVS benchmark: the same adds and deletes as pglvsd's IPVS module, issued
 * by a minimal loop straight over libnl-genl (no pglvsd types), one synchronous request with
 * ACK each, as keepalived does.
 *
 *   libnl-floor ADD|DEL N VIP PORT      destinations 10.9.<i/250+1>.<i%250+1>:PORT, DR, weight 1
 *
 * Prints the seconds spent in the loop (after the socket is set up).
 */
#include <arpa/inet.h>
#include <linux/ip_vs.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: %s ADD|DEL N VIP PORT\n", argv[0]);
        return 2;
    }
    int add = strcmp(argv[1], "ADD") == 0;
    int count = atoi(argv[2]);
    struct in_addr vip;
    if (inet_pton(AF_INET, argv[3], &vip) != 1) return 2;
    uint16_t port = (uint16_t)atoi(argv[4]);

    struct nl_sock *sock = nl_socket_alloc();
    if (!sock || genl_connect(sock) < 0) { fprintf(stderr, "genl_connect failed\n"); return 1; }
    int family = genl_ctrl_resolve(sock, IPVS_GENL_NAME);
    if (family < 0) { fprintf(stderr, "IPVS family not found\n"); return 1; }

    double start = now();
    for (int i = 0; i < count; i++) {
        struct nl_msg *msg = nlmsg_alloc();
        genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, NLM_F_ACK,
                    add ? IPVS_CMD_NEW_DEST : IPVS_CMD_DEL_DEST, IPVS_GENL_VERSION);
        struct nlattr *svc = nla_nest_start(msg, IPVS_CMD_ATTR_SERVICE);
        nla_put_u16(msg, IPVS_SVC_ATTR_AF, AF_INET);
        nla_put_u16(msg, IPVS_SVC_ATTR_PROTOCOL, IPPROTO_TCP);
        union { struct in_addr v4; unsigned char raw[16]; } addr;
        memset(&addr, 0, sizeof(addr));
        addr.v4 = vip;
        nla_put(msg, IPVS_SVC_ATTR_ADDR, sizeof(addr), &addr);
        nla_put_u16(msg, IPVS_SVC_ATTR_PORT, htons(port));
        nla_nest_end(msg, svc);

        struct nlattr *dst = nla_nest_start(msg, IPVS_CMD_ATTR_DEST);
        memset(&addr, 0, sizeof(addr));
        addr.v4.s_addr = htonl((10u << 24) | (9u << 16) | ((unsigned)(i / 250 + 1) << 8) | (unsigned)(i % 250 + 1));
        nla_put(msg, IPVS_DEST_ATTR_ADDR, sizeof(addr), &addr);
        nla_put_u16(msg, IPVS_DEST_ATTR_PORT, htons(port));
        if (add) {
            nla_put_u32(msg, IPVS_DEST_ATTR_FWD_METHOD, IP_VS_CONN_F_DROUTE);
            nla_put_u32(msg, IPVS_DEST_ATTR_WEIGHT, 1);
            nla_put_u32(msg, IPVS_DEST_ATTR_U_THRESH, 0);
            nla_put_u32(msg, IPVS_DEST_ATTR_L_THRESH, 0);
        }
        nla_nest_end(msg, dst);

        int err = nl_send_sync(sock, msg); /* sends, waits for the ACK, frees msg */
        if (err < 0) { fprintf(stderr, "request %d failed: %s\n", i, nl_geterror(err)); return 1; }
    }
    printf("%.6f\n", now() - start);
    nl_socket_free(sock);
    return 0;
}
