package config

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"os"

	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
)

// HasAPIKey reports whether TEMPORAL_API_KEY was set (the key itself is
// never exposed, so it cannot end up in a log line).
func (t Temporal) HasAPIKey() bool { return t.apiKey != "" }

// TLSEnabled reports whether the connection to Temporal uses TLS.
func (t Temporal) TLSEnabled() bool {
	return t.TLS != (TLS{}) || t.apiKey != ""
}

// ClientOptions are the options to dial Temporal with. A nil logger means
// slog.Default().
func (t Temporal) ClientOptions(logger *slog.Logger) (client.Options, error) {
	if logger == nil {
		logger = slog.Default()
	}
	opts := client.Options{
		HostPort:  t.Address,
		Namespace: t.Namespace,
		Logger:    tlog.NewStructuredLogger(logger),
	}
	tc, err := t.tlsConfig()
	if err != nil {
		return client.Options{}, err
	}
	opts.ConnectionOptions.TLS = tc
	if t.apiKey != "" {
		// The SDK turns TLS on for API keys when tc is nil (Temporal Cloud).
		opts.Credentials = client.NewAPIKeyStaticCredentials(t.apiKey)
	}
	return opts, nil
}

// tlsConfig is nil when no TLS field is set: plain gRPC, as a dev server
// or a compose network expects.
func (t Temporal) tlsConfig() (*tls.Config, error) {
	if t.TLS == (TLS{}) {
		return nil, nil
	}
	tc := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: t.TLS.ServerName}
	if t.TLS.Cert != "" || t.TLS.Key != "" {
		if t.TLS.Cert == "" || t.TLS.Key == "" {
			return nil, fmt.Errorf("config: temporal: tls.cert and tls.key go together (mutual TLS): set both (%s, %s) or neither", EnvTemporalTLSCert, EnvTemporalTLSKey)
		}
		pair, err := tls.LoadX509KeyPair(t.TLS.Cert, t.TLS.Key)
		if err != nil {
			return nil, fmt.Errorf("config: temporal: loading the client certificate %s and key %s: %w", t.TLS.Cert, t.TLS.Key, err)
		}
		tc.Certificates = []tls.Certificate{pair}
	}
	if t.TLS.CA != "" {
		pem, err := os.ReadFile(t.TLS.CA)
		if err != nil {
			return nil, fmt.Errorf("config: temporal: reading tls.ca: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("config: temporal: tls.ca %s holds no PEM certificate: point it at the CA that signed the server's certificate", t.TLS.CA)
		}
		tc.RootCAs = pool
	}
	return tc, nil
}
