#!/usr/bin/env python3
"""seed-netlink.py OUT_DIR: real rtnetlink replies as seeds for the netlink harnesses.

Run it as root inside a throwaway network namespace (`unshare -n`); it builds a bridge,
a veth pair on it and addresses and routes of both families, then
dumps links, addresses and routes, and provokes an error with extended ack, writing the
raw bytes the kernel sent to OUT_DIR/nl_link, nl_addr, nl_route and nl_ack.
"""
import os
import socket
import struct
import subprocess
import sys

NLM_F_REQUEST, NLM_F_ACK, NLM_F_DUMP = 1, 4, 0x300
RTM_GETLINK, RTM_GETADDR, RTM_GETROUTE, RTM_NEWLINK = 18, 22, 26, 16
NETLINK_EXT_ACK, SOL_NETLINK = 11, 270


def ip(*args):
    subprocess.run(["ip", *args], check=True)


def talk(sock, msg_type, flags, payload, seq):
    hdr = struct.pack("=LHHLL", 16 + len(payload), msg_type, flags, seq, 0)
    sock.send(hdr + payload)
    out = []
    while True:
        data = sock.recv(65536)
        out.append(data)
        off, done = 0, False
        while off + 16 <= len(data):
            length, typ = struct.unpack_from("=LH", data, off)
            if typ in (2, 3):  # NLMSG_ERROR, NLMSG_DONE
                done = True
            off += (length + 3) & ~3
        if done or not flags & NLM_F_DUMP:
            return out


def main():
    out = sys.argv[1]
    ip("link", "add", "seedbr0", "type", "bridge")
    ip("link", "add", "seedv0", "type", "veth", "peer", "name", "seedv1")
    ip("link", "set", "seedv0", "master", "seedbr0")
    for dev in ("lo", "seedbr0", "seedv0", "seedv1"):
        ip("link", "set", dev, "up")
    ip("addr", "add", "10.200.0.1/24", "dev", "seedbr0")
    ip("addr", "add", "fd20::1/64", "dev", "seedbr0", "nodad")
    ip("route", "add", "10.201.0.0/16", "via", "10.200.0.2")
    ip("route", "add", "fd21::/64", "via", "fd20::2")
    ip("route", "add", "10.202.0.0/16", "nexthop", "via", "10.200.0.2", "nexthop", "via", "10.200.0.3")
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
    sock.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
    sock.bind((0, 0))
    ifinfo = struct.pack("=BxHiII", 0, 0, 0, 0, 0)
    ifaddr = struct.pack("=BBBBI", 0, 0, 0, 0, 0)
    rtmsg = struct.pack("=BBBBBBBBI", 0, 0, 0, 0, 0, 0, 0, 0, 0)
    seeds = {
        "nl_link": talk(sock, RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, ifinfo, 1),
        "nl_addr": talk(sock, RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP, ifaddr, 2),
        "nl_route": talk(sock, RTM_GETROUTE, NLM_F_REQUEST | NLM_F_DUMP, rtmsg, 3),
    }
    # An error with extended ack: a veth without a peer name clash, on a missing link.
    bad = struct.pack("=BxHiII", 0, 0, 999999, 0, 0) + struct.pack("=HH", 8, 4) + struct.pack("=I", 1)
    seeds["nl_ack"] = talk(sock, RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, bad, 4)
    seeds["nl_ack"] += talk(sock, RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, ifinfo, 5)[-1:]
    for name, chunks in seeds.items():
        os.makedirs(os.path.join(out, name), exist_ok=True)
        for i, chunk in enumerate(chunks):
            with open(os.path.join(out, name, "kernel-%d" % i), "wb") as f:
                f.write(chunk)
    print("seed-netlink: wrote", {k: len(v) for k, v in seeds.items()})


if __name__ == "__main__":
    main()
