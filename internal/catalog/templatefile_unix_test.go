//go:build unix

package catalog

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/apperr"
)

const okTemplate = `{"type":"acme.ok","provider":"acme","payload":{"id":"{{id:x_}}"}}`

// loadWithin runs LoadUser in a goroutine and fails the test if it blocks:
// a FIFO opened for reading with no writer would block forever.
func loadWithin(t *testing.T, defaultDir string, dirs ...string) (*Catalog, error) {
	t.Helper()
	type res struct {
		c   *Catalog
		err error
	}
	done := make(chan res, 1)
	go func() {
		c, err := LoadUser(defaultDir, dirs...)
		done <- res{c, err}
	}()
	select {
	case r := <-done:
		return r.c, r.err
	case <-time.After(10 * time.Second):
		t.Fatal("Load blocked")
		return nil, nil
	}
}

func TestLoadSkipsFilesThatAreNotRegular(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "ok.json", okTemplate)
	fifo := filepath.Join(dir, "pipe.json")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	zero := filepath.Join(dir, "sub", "zero.json")
	if err := os.MkdirAll(filepath.Dir(zero), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/dev/zero", zero); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "dir.json"), 0o700); err != nil {
		t.Fatal(err)
	}
	linkToDir := filepath.Join(dir, "linkdir.json")
	if err := os.Symlink(filepath.Join(dir, "sub"), linkToDir); err != nil {
		t.Fatal(err)
	}
	for _, dirs := range [][]string{{dir}, nil} { // as --template-dir, and as the default dir
		def := ""
		if dirs == nil {
			def = dir
		}
		c, err := loadWithin(t, def, dirs...)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Get("acme.ok"); err != nil {
			t.Errorf("regular template not loaded: %v", err)
		}
		w := strings.Join(c.Warnings(), "\n")
		for _, want := range []string{
			"skipped event template " + fifo + ": not a regular file: a named pipe (FIFO)",
			"skipped event template " + zero + ": not a regular file: a character device",
			"skipped event template " + linkToDir + ": not a regular file: a directory",
		} {
			if !strings.Contains(w, want) {
				t.Errorf("warnings lack %q:\n%s", want, w)
			}
		}
		if n := len(c.Warnings()); n != 3 {
			t.Errorf("%d warnings, want 3 (a real directory named dir.json is walked, not warned about):\n%s", n, w)
		}
	}
}

func TestLoadFollowsSymlinkToRegularFile(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(t.TempDir(), "real")
	if err := os.WriteFile(real, []byte(okTemplate), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(real, filepath.Join(dir, "linked.json")); err != nil {
		t.Fatal(err)
	}
	c, err := loadWithin(t, "", dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Get("acme.ok"); err != nil || len(c.Warnings()) != 0 {
		t.Errorf("symlinked template: %v, warnings %q", err, c.Warnings())
	}
}

func TestLoadTemplateOver1MiB(t *testing.T) {
	dir := t.TempDir()
	big := `{"type":"acme.big","provider":"acme","payload":{"pad":"` + strings.Repeat("x", 2<<20) + `"}}`
	p := writeFile(t, dir, "big.json", big)
	_, err := loadWithin(t, "", dir)
	if !errors.Is(err, apperr.ErrUsage) || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), "is 2.0 MiB; a template may be at most 1 MiB") {
		t.Errorf("err = %v", err)
	}
	// Exactly 1 MiB is accepted.
	dir2 := t.TempDir()
	head := `{"type":"acme.edge","provider":"acme","payload":{"pad":"`
	tail := `"}}`
	writeFile(t, dir2, "edge.json", head+strings.Repeat("x", MaxTemplateSize-len(head)-len(tail))+tail)
	c, err := loadWithin(t, "", dir2)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Get("acme.edge"); err != nil {
		t.Error(err)
	}
}

func TestLoadTemplateDirMissing(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope")
	_, err := LoadUser("", missing)
	if !errors.Is(err, apperr.ErrUsage) || !strings.Contains(err.Error(), "--template-dir "+missing+" does not exist: create it") {
		t.Errorf("err = %v", err)
	}
	// A file is not a directory.
	file := writeFile(t, t.TempDir(), "f.json", okTemplate)
	if _, err := LoadUser("", file); !errors.Is(err, apperr.ErrUsage) || !strings.Contains(err.Error(), "is not a directory") {
		t.Errorf("err = %v", err)
	}
	// The default directory may be missing.
	if _, err := LoadUser(missing); err != nil {
		t.Errorf("missing default dir: %v", err)
	}
}
