//! Opening connections: the URL's `sslmode` (libpq's six modes) and TLS.
//!
//! tokio-postgres understands only disable/prefer/require, so reconcile reads
//! `sslmode` and `sslrootcert` itself and configures rustls to match libpq:
//! `prefer`/`require` encrypt without verifying (with a root certificate
//! given, `require` verifies like `verify-ca`), `verify-ca` checks the chain,
//! `verify-full` the chain and the host name. Errors never repeat the URL.

use crate::error::{Error, Result};
use postgres::config::SslMode;
use postgres::{Client, NoTls};
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use std::sync::Arc;

/// libpq's `sslmode` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    /// No TLS.
    Disable,
    /// `allow`: plain first (treated like `prefer`).
    Allow,
    /// TLS when the server offers it, unverified.
    Prefer,
    /// TLS required, unverified unless a root certificate is given.
    Require,
    /// TLS with the certificate chain verified.
    VerifyCa,
    /// TLS with chain and host name verified.
    VerifyFull,
}

/// Removes `sslmode` and `sslrootcert` from a URL or key=value string.
fn take_tls_params(url: &str) -> Result<(String, TlsMode, Option<String>)> {
    let mut mode = None;
    let mut root = None;
    let mut take = |key: &str, value: &str| -> Result<bool> {
        match key {
            "sslmode" => {
                mode = Some(match value {
                    "disable" => TlsMode::Disable,
                    "allow" => TlsMode::Allow,
                    "prefer" => TlsMode::Prefer,
                    "require" => TlsMode::Require,
                    "verify-ca" => TlsMode::VerifyCa,
                    "verify-full" => TlsMode::VerifyFull,
                    other => {
                        return Err(Error::Usage(format!(
                            "invalid database URL: unknown sslmode `{other}` (disable, allow, prefer, require, verify-ca, verify-full)"
                        )));
                    }
                });
                Ok(true)
            }
            "sslrootcert" => {
                root = Some(value.to_string());
                Ok(true)
            }
            _ => Ok(false),
        }
    };
    let rest = if url.contains("://") {
        match url.split_once('?') {
            Some((base, query)) => {
                let mut kept = Vec::new();
                for pair in query.split('&') {
                    let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                    if !take(k, &percent_decode(v))? {
                        kept.push(pair);
                    }
                }
                if kept.is_empty() {
                    base.to_string()
                } else {
                    format!("{base}?{}", kept.join("&"))
                }
            }
            None => url.to_string(),
        }
    } else {
        let mut kept = Vec::new();
        for part in url.split_whitespace() {
            let (k, v) = part.split_once('=').unwrap_or((part, ""));
            if !take(k.trim(), v.trim().trim_matches('\''))? {
                kept.push(part);
            }
        }
        kept.join(" ")
    };
    Ok((rest, mode.unwrap_or(TlsMode::Prefer), root))
}

fn percent_decode(s: &str) -> String {
    let hex = |b: u8| (b as char).to_digit(16).and_then(|d| u8::try_from(d).ok());
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(hi), Some(lo)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push(hi * 16 + lo);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn roots(root_cert: Option<&str>) -> Result<RootCertStore> {
    let mut store = RootCertStore::empty();
    let home_root = std::env::var("HOME")
        .ok()
        .map(|h| format!("{h}/.postgresql/root.crt"))
        .filter(|p| std::path::Path::new(p).exists());
    match root_cert.map(str::to_string).or(home_root) {
        Some(path) => {
            let certs = CertificateDer::pem_file_iter(&path)
                .map_err(|e| Error::Usage(format!("sslrootcert {path}: {e}")))?;
            for cert in certs {
                let cert = cert.map_err(|e| Error::Usage(format!("sslrootcert {path}: {e}")))?;
                store
                    .add(cert)
                    .map_err(|e| Error::Usage(format!("sslrootcert {path}: {e}")))?;
            }
        }
        None => {
            for cert in rustls_native_certs::load_native_certs().certs {
                let _ = store.add(cert);
            }
        }
    }
    Ok(store)
}

/// Encrypts without checking who answers (libpq's `require` and `prefer`).
#[derive(Debug)]
struct NoVerification(WebPkiSupportedAlgorithms);

impl ServerCertVerifier for NoVerification {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0)
    }
    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0)
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_schemes()
    }
}

/// Checks the chain but not the host name (libpq's `verify-ca`).
#[derive(Debug)]
struct ChainOnly(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }
    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

fn tls_config(mode: TlsMode, root_cert: Option<&str>) -> Result<ClientConfig> {
    let provider = provider();
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Usage(format!("TLS setup failed: {e}")))?;
    let verify = matches!(mode, TlsMode::VerifyCa | TlsMode::VerifyFull)
        || (mode == TlsMode::Require && root_cert.is_some());
    if !verify {
        return Ok(builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(NoVerification(
                provider.signature_verification_algorithms,
            )))
            .with_no_client_auth());
    }
    let store = Arc::new(roots(root_cert)?);
    if mode == TlsMode::VerifyFull {
        return Ok(builder.with_root_certificates(store).with_no_client_auth());
    }
    let webpki = WebPkiServerVerifier::builder_with_provider(store, provider)
        .build()
        .map_err(|e| Error::Usage(format!("TLS setup failed: {e}")))?;
    Ok(builder
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(ChainOnly(webpki)))
        .with_no_client_auth())
}

/// Opens a connection as the URL says. The error never repeats the URL
/// (it may hold a password).
pub fn connect(url: &str) -> Result<Client> {
    let (rest, mode, root_cert) = take_tls_params(url)?;
    let mut config: postgres::Config = rest
        .parse()
        .map_err(|e| Error::Usage(format!("invalid database URL: {e}")))?;
    config.application_name("reconcile");
    let result = match mode {
        TlsMode::Disable => {
            config.ssl_mode(SslMode::Disable);
            config.connect(NoTls)
        }
        _ => {
            config.ssl_mode(match mode {
                TlsMode::Allow | TlsMode::Prefer => SslMode::Prefer,
                _ => SslMode::Require,
            });
            let tls = tokio_postgres_rustls::MakeRustlsConnect::new(tls_config(
                mode,
                root_cert.as_deref(),
            )?);
            config.connect(tls)
        }
    };
    result.map_err(Error::Connect)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_parameters_are_taken_out_of_urls() {
        let (rest, mode, root) = take_tls_params(
            "postgres://u:p@h/db?sslmode=verify-full&sslrootcert=%2Ftmp%2Fca.pem&connect_timeout=3",
        )
        .unwrap();
        assert_eq!(rest, "postgres://u:p@h/db?connect_timeout=3");
        assert_eq!(mode, TlsMode::VerifyFull);
        assert_eq!(root.as_deref(), Some("/tmp/ca.pem"));
        let (rest, mode, _) = take_tls_params("host=h user=u sslmode=require").unwrap();
        assert_eq!(rest, "host=h user=u");
        assert_eq!(mode, TlsMode::Require);
        assert!(take_tls_params("postgres://h/db?sslmode=sometimes").is_err());
    }
}
