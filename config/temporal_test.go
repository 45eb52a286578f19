package config

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestClientOptions(t *testing.T) {
	t.Parallel()
	f, err := LoadWithEnv(writeFile(t, "c.yaml", minimal), envMap(nil))
	if err != nil {
		t.Fatal(err)
	}
	opts, err := f.Temporal.ClientOptions(nil)
	if err != nil {
		t.Fatal(err)
	}
	if opts.HostPort != DefaultTemporalAddress || opts.Namespace != DefaultNamespace || opts.Logger == nil {
		t.Errorf("opts = %+v", opts)
	}
	if opts.ConnectionOptions.TLS != nil || opts.Credentials != nil {
		t.Error("plain config produced TLS or credentials")
	}

	dir := t.TempDir()
	cert, key := writeCert(t, dir)
	content := "temporal: {tls: {cert: " + cert + ", key: " + key + ", ca: " + cert + ", serverName: temporal.example}}\n" + minimal
	f, err = LoadWithEnv(writeFile(t, "c.yaml", content), envMap(map[string]string{EnvTemporalAPIKey: "key"}))
	if err != nil {
		t.Fatal(err)
	}
	opts, err = f.Temporal.ClientOptions(nil)
	if err != nil {
		t.Fatal(err)
	}
	tc := opts.ConnectionOptions.TLS
	if tc == nil || len(tc.Certificates) != 1 || tc.RootCAs == nil || tc.ServerName != "temporal.example" {
		t.Errorf("mTLS config = %+v", tc)
	}
	if opts.Credentials == nil {
		t.Error("API key from TEMPORAL_API_KEY not applied")
	}

	f, err = LoadWithEnv(writeFile(t, "c.yaml", "temporal: {tls: {cert: nope.pem, key: nope.key}}\n"+minimal), envMap(nil))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Temporal.ClientOptions(nil); err == nil || !strings.Contains(err.Error(), "nope.pem") {
		t.Errorf("missing cert files: %v", err)
	}
}

// writeCert writes a self-signed certificate and its key (PEM).
func writeCert(t *testing.T, dir string) (certPath, keyPath string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	certPath, keyPath = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certPath, keyPath
}
