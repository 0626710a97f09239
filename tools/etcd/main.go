// Command etcd builds the etcd server from Go modules (etcd's own modules use
// replace lines, so `go install` of the upstream main does not work).
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
