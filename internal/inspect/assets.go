package inspect

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"sort"
	"strings"
	"sync"
)

// The page: plain HTML, CSS and ES modules, no build step.
//
//go:embed assets
var assetFS embed.FS

// asset is one embedded file, with its gzip'd form.
type asset struct {
	body, gz []byte
	ctype    string
	etag     string
}

var (
	assetsOnce sync.Once
	assets     map[string]*asset // by URL path: "/" and "/assets/…"
)

func loadAssets() map[string]*asset {
	assetsOnce.Do(func() {
		assets = map[string]*asset{}
		_ = fs.WalkDir(assetFS, "assets", func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := assetFS.ReadFile(p)
			if err != nil {
				return err
			}
			var gz bytes.Buffer
			zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
			zw.Write(b)
			zw.Close()
			sum := sha256.Sum256(b)
			ctype := mime.TypeByExtension(path.Ext(p))
			if path.Ext(p) == ".js" {
				ctype = "text/javascript; charset=utf-8"
			}
			a := &asset{body: b, gz: gz.Bytes(), ctype: ctype, etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
			url := "/" + p
			if p == "assets/index.html" {
				url = "/"
			}
			assets[url] = a
			return nil
		})
	})
	return assets
}

// PageWeight is the size of the page's files: as they are and gzip'd
// (what a browser transfers).
func PageWeight() (raw, gzipped int, files []string) {
	for p, a := range loadAssets() {
		raw += len(a.body)
		gzipped += len(a.gz)
		files = append(files, p)
	}
	sort.Strings(files)
	return raw, gzipped, files
}

// static serves the page and its assets (the Host, token and CSP checks
// come first, in secure). No received data is ever put into them: the
// page fetches everything from the JSON API.
func (s *Server) static() http.Handler {
	all := loadAssets()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			plainError(w, http.StatusMethodNotAllowed, "method not allowed")
			return
		}
		a, ok := all[r.URL.Path]
		if !ok {
			plainError(w, http.StatusNotFound, "not found")
			return
		}
		h := w.Header()
		h.Set("Content-Type", a.ctype)
		h.Set("ETag", a.etag)
		h.Set("Vary", "Accept-Encoding")
		if r.URL.Path != "/" {
			h.Set("Cache-Control", "private, max-age=3600, must-revalidate")
		}
		if r.Header.Get("If-None-Match") == a.etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		body := a.body
		if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			h.Set("Content-Encoding", "gzip")
			body = a.gz
		}
		w.Write(body)
	})
}
