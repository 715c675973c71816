// Command tlogclient reads a fairscreen log over HTTP with Go's own checksum-database
// packages (golang.org/x/mod/sumdb/note and tlog), as an outside verifier would:
//
//  1. fetch /checkpoint and open it with note.Open and the log's verifier key
//     (witness cosignature lines are unknown keys to it, and ignored); its origin must
//     be the key's name;
//  2. read the tree through tlog.TileHashReader over /tile/<L>/<N>[.p/<W>] (C2SP paths);
//  3. for every entry, fetch its bundle /tile/entries/<N>[.p/<W>] (gzip when the server
//     chooses: Go's transport asks for it and inflates it), check tlog.RecordHash against
//     the level-0 tile, prove and check its inclusion (tlog.ProveRecord, CheckRecord);
//  4. with an older checkpoint given, prove and check consistency (ProveTree, CheckTree).
//
// Usage: tlogclient BASE_URL VKEY [OLD_CHECKPOINT_FILE]. Prints "ok N entries".
package main

import (
	"encoding/binary"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "tlogclient: "+format+"\n", args...)
	os.Exit(1)
}

func get(url string) []byte {
	resp, err := http.Get(url)
	if err != nil {
		fail("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		fail("GET %s: %v", url, err)
	}
	if resp.StatusCode != 200 {
		fail("GET %s: %s", url, resp.Status)
	}
	return body
}

// c2spIndex writes N in three-digit groups, all but the last prefixed with x.
func c2spIndex(n int64) string {
	groups := []string{fmt.Sprintf("%03d", n%1000)}
	for n /= 1000; n > 0; n /= 1000 {
		groups = append([]string{fmt.Sprintf("x%03d", n%1000)}, groups...)
	}
	return strings.Join(groups, "/")
}

func tilePath(level string, n int64, width int) string {
	path := "tile/" + level + "/" + c2spIndex(n)
	if width < 256 {
		path += fmt.Sprintf(".p/%d", width)
	}
	return path
}

type tiles struct{ base string }

func (t tiles) Height() int { return 8 }

func (t tiles) ReadTiles(list []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(list))
	for i, tile := range list {
		out[i] = get(t.base + "/" + tilePath(fmt.Sprint(tile.L), tile.N, tile.W))
	}
	return out, nil
}

func (t tiles) SaveTiles([]tlog.Tile, [][]byte) {}

func open(text []byte, verifier note.Verifier) tlog.Tree {
	n, err := note.Open(text, note.VerifierList(verifier))
	if err != nil {
		fail("note.Open: %v", err)
	}
	// A C2SP checkpoint is origin, size, base64 root (tlog.ParseTree reads only the Go
	// checksum database's own origin line, so the three lines are read here).
	lines := strings.Split(n.Text, "\n")
	if len(lines) < 4 || lines[0] != verifier.Name() {
		fail("checkpoint: origin %q is not the key's name %q", lines[0], verifier.Name())
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 0 {
		fail("checkpoint: bad size %q", lines[1])
	}
	hash, err := tlog.ParseHash(lines[2])
	if err != nil {
		fail("checkpoint: bad root %q: %v", lines[2], err)
	}
	return tlog.Tree{N: size, Hash: hash}
}

func main() {
	if len(os.Args) < 3 {
		fail("usage: tlogclient BASE_URL VKEY [OLD_CHECKPOINT_FILE]")
	}
	base := strings.TrimRight(os.Args[1], "/")
	verifier, err := note.NewVerifier(os.Args[2])
	if err != nil {
		fail("note.NewVerifier: %v", err)
	}
	tree := open(get(base+"/checkpoint"), verifier)
	reader := tlog.TileHashReader(tree, tiles{base})
	root, err := tlog.TreeHash(tree.N, reader)
	if err != nil || root != tree.Hash {
		fail("tree hash: %v (%v != %v)", err, root, tree.Hash)
	}
	for start := int64(0); start < tree.N; start += 256 {
		width := int(tree.N - start)
		if width > 256 {
			width = 256
		}
		bundle := get(base + "/" + tilePath("entries", start/256, width))
		for i := 0; i < width; i++ {
			if len(bundle) < 2 {
				fail("bundle %d cut short", start/256)
			}
			size := int(binary.BigEndian.Uint16(bundle))
			entry := bundle[2 : 2+size]
			bundle = bundle[2+size:]
			index := start + int64(i)
			hashes, err := tlog.TileHashReader(tree, tiles{base}).ReadHashes(
				[]int64{tlog.StoredHashIndex(0, index)})
			if err != nil {
				fail("leaf %d: %v", index, err)
			}
			if tlog.RecordHash(entry) != hashes[0] {
				fail("entry %d does not hash to its leaf", index)
			}
			proof, err := tlog.ProveRecord(tree.N, index, reader)
			if err != nil {
				fail("ProveRecord %d: %v", index, err)
			}
			if err := tlog.CheckRecord(proof, tree.N, tree.Hash, index, hashes[0]); err != nil {
				fail("CheckRecord %d: %v", index, err)
			}
		}
		if len(bundle) != 0 {
			fail("bundle %d has bytes past its entries", start/256)
		}
	}
	if len(os.Args) > 3 {
		text, err := os.ReadFile(os.Args[3])
		if err != nil {
			fail("%v", err)
		}
		old := open(text, verifier)
		proof, err := tlog.ProveTree(tree.N, old.N, reader)
		if err != nil {
			fail("ProveTree: %v", err)
		}
		if err := tlog.CheckTree(proof, tree.N, tree.Hash, old.N, old.Hash); err != nil {
			fail("CheckTree: %v", err)
		}
	}
	fmt.Printf("ok %d entries\n", tree.N)
}
