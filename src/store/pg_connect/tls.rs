//! The rustls client configuration for each `sslmode`, and what a TLS failure means.

use std::path::Path;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};

use super::PgConnectError;
use crate::config::SslMode;

pub(super) fn client_config(
    mode: SslMode,
    ca_file: Option<&Path>,
) -> Result<Arc<ClientConfig>, PgConnectError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| PgConnectError::Tls {
            target: "-".to_owned(),
            reason: e.to_string(),
        })?;
    let config = match mode {
        SslMode::Require => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(EncryptOnly(
                provider.signature_verification_algorithms,
            )))
            .with_no_client_auth(),
        SslMode::VerifyFull | SslMode::Disable => builder
            .with_root_certificates(roots(ca_file)?)
            .with_no_client_auth(),
    };
    Ok(Arc::new(config))
}

/// `ca_file`'s certificates only (as libpq's `sslrootcert`), else the public roots.
fn roots(ca_file: Option<&Path>) -> Result<RootCertStore, PgConnectError> {
    let mut roots = RootCertStore::empty();
    let Some(path) = ca_file else {
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        return Ok(roots);
    };
    let err = |reason: String| PgConnectError::CaFile {
        path: path.display().to_string(),
        reason,
    };
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| err(e.to_string()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| err(e.to_string()))?;
    if certs.is_empty() {
        return Err(err("it holds no PEM certificate".to_owned()));
    }
    for cert in certs {
        roots.add(cert).map_err(|e| err(e.to_string()))?;
    }
    Ok(roots)
}

/// `sslmode=require`: the session is encrypted and its handshake signatures checked, but the
/// certificate is accepted whatever it is (libpq's meaning of `require` without a root file).
#[derive(Debug)]
struct EncryptOnly(WebPkiSupportedAlgorithms);

impl ServerCertVerifier for EncryptOnly {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_schemes()
    }
}

/// A certificate problem as the user can act on it.
pub(super) fn describe(e: &rustls::Error, target: String, host: String) -> PgConnectError {
    match e {
        rustls::Error::InvalidCertificate(
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
        ) => PgConnectError::CertificateMismatch {
            target,
            host,
            reason: e.to_string(),
        },
        rustls::Error::InvalidCertificate(_) => PgConnectError::CertificateUntrusted {
            target,
            reason: e.to_string(),
        },
        other => PgConnectError::Tls {
            target,
            reason: other.to_string(),
        },
    }
}
