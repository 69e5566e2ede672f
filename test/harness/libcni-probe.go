// libcni-probe: calls into libcni (the library every Go runtime links) for
// what cnitool 1.1.2 has no command for.  Built by fetch.sh against the
// libcni of Debian's golang-github-appc-cni source package.
//
//	libcni-probe validate CONFLIST   ValidateNetworkList: every plugin of the
//	                                 list is found on CNI_PATH and its VERSION
//	                                 answer names the list's cniVersion; prints
//	                                 the capabilities as a JSON array
//	libcni-probe version PLUGIN      GetVersionInfo: prints the versions the
//	                                 plugin reports, as a JSON array
//	libcni-probe cached CONFLIST NETNS IFNAME
//	                                 GetNetworkListCachedResult for cnitool's
//	                                 container id; prints the result as JSON
//
// Exits 1 with libcni's error on stderr when the call fails.
package main

import (
	"context"
	"crypto/sha512"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/containernetworking/cni/libcni"
)

func fail(err error) {
	fmt.Fprintln(os.Stderr, "libcni-probe:", err)
	os.Exit(1)
}

func emit(v interface{}) {
	out, err := json.Marshal(v)
	if err != nil {
		fail(err)
	}
	fmt.Println(string(out))
}

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: libcni-probe validate CONFLIST | version PLUGIN | cached CONFLIST NETNS IFNAME")
		os.Exit(2)
	}
	cni := libcni.NewCNIConfig(filepath.SplitList(os.Getenv("CNI_PATH")), nil)
	ctx := context.Background()

	switch os.Args[1] {
	case "validate":
		list, err := libcni.ConfListFromFile(os.Args[2])
		if err != nil {
			fail(err)
		}
		caps, err := cni.ValidateNetworkList(ctx, list)
		if err != nil {
			fail(err)
		}
		sort.Strings(caps)
		emit(caps)
	case "version":
		info, err := cni.GetVersionInfo(ctx, os.Args[2])
		if err != nil {
			fail(err)
		}
		emit(info.SupportedVersions())
	case "cached":
		if len(os.Args) != 5 {
			fail(fmt.Errorf("cached needs CONFLIST NETNS IFNAME"))
		}
		list, err := libcni.ConfListFromFile(os.Args[2])
		if err != nil {
			fail(err)
		}
		// cnitool's container id: "cnitool-" + the first 20 hex digits of
		// the SHA-512 of the netns path
		sum := sha512.Sum512([]byte(os.Args[3]))
		rt := &libcni.RuntimeConf{
			ContainerID: fmt.Sprintf("cnitool-%x", sum[:10]),
			NetNS:       os.Args[3],
			IfName:      os.Args[4],
		}
		res, err := cni.GetNetworkListCachedResult(list, rt)
		if err != nil {
			fail(err)
		}
		if res == nil {
			fail(fmt.Errorf("no cached result"))
		}
		emit(res)
	default:
		fail(fmt.Errorf("unknown command %q", os.Args[1]))
	}
}
