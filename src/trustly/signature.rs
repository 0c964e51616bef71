//! RSA signatures over the canonical plaintext (PROTOCOL.md section 3):
//! PKCS#1 v1.5 with SHA-1, standard base64 with padding.
//!
//! SHA-1 is weak, but it is what Trustly's API uses; we have no say in it.
//!
//! Keys are parsed once (in `from_pem`) and kept as OpenSSL `PKey`s, which are
//! reference counted and safe to share between threads, so cloning a
//! `Signer`/`Verifier` is cheap and signing or verifying never re-parses PEM.

use std::fmt;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use openssl::hash::MessageDigest;
use openssl::pkey::{Id, PKey, Private, Public};
use openssl::rsa::Rsa;
use serde_json::Value;

use super::serialize::signing_plaintext;

/// Loading or generating a key failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("the key is not a readable PEM key: {0}")]
    InvalidPem(String),
    #[error("the key is not an RSA key")]
    NotRsa,
    #[error("could not generate an RSA key: {0}")]
    Generate(String),
    #[error("key file {path}: {message}")]
    File { path: String, message: String },
}

/// A signature did not check out. Never trust the message it came with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("signature is not valid base64")]
    BadBase64,
    #[error("signature does not match the message")]
    Mismatch,
    #[error("signature could not be checked: {0}")]
    Crypto(String),
}

/// Our private key: signs requests (merchant side) or responses and
/// notifications (sandbox side).
#[derive(Clone)]
pub struct Signer {
    key: PKey<Private>,
}

/// A peer's public key: verifies what the peer signed.
#[derive(Clone)]
pub struct Verifier {
    key: PKey<Public>,
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print key material, not even the public half (it identifies
        // the merchant and is noise in logs).
        write!(f, "Signer(RSA-{}, key hidden)", self.key.bits())
    }
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Verifier(RSA-{}, key hidden)", self.key.bits())
    }
}

impl Signer {
    /// Read an RSA private key in PEM (PKCS#8 "PRIVATE KEY" or PKCS#1
    /// "RSA PRIVATE KEY"). Encrypted keys are not supported.
    pub fn from_pem(pem: &[u8]) -> Result<Self, KeyError> {
        let key =
            PKey::private_key_from_pem(pem).map_err(|e| KeyError::InvalidPem(first_reason(&e)))?;
        if key.id() != Id::RSA {
            return Err(KeyError::NotRsa);
        }
        Ok(Signer { key })
    }

    /// A fresh RSA-2048 key pair (sandbox start-up, tests, dev setup).
    pub fn generate() -> Result<Self, KeyError> {
        let rsa = Rsa::generate(2048).map_err(|e| KeyError::Generate(first_reason(&e)))?;
        let key = PKey::from_rsa(rsa).map_err(|e| KeyError::Generate(first_reason(&e)))?;
        Ok(Signer { key })
    }

    /// Reads a PEM private key from `path`, or, when the file does not exist,
    /// generates one and stores it there (owner-only permissions). Used for
    /// the sandbox's own key and the merchant key of a local sandbox set-up,
    /// so that a fresh clone runs without any key exchange.
    pub fn load_or_generate(path: &std::path::Path) -> Result<Self, KeyError> {
        let file_err = |e: std::io::Error| KeyError::File {
            path: path.display().to_string(),
            message: e.to_string(),
        };
        match std::fs::read(path) {
            Ok(pem) => Signer::from_pem(&pem),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let signer = Signer::generate()?;
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).map_err(file_err)?;
                }
                write_private(path, &signer.private_key_pem()).map_err(file_err)?;
                Ok(signer)
            }
            Err(e) => Err(file_err(e)),
        }
    }

    /// The private key as PKCS#8 PEM, to store it (e.g. the sandbox's key file).
    pub fn private_key_pem(&self) -> Vec<u8> {
        self.key
            .private_key_to_pem_pkcs8()
            .expect("encoding a loaded RSA key as PEM does not fail")
    }

    /// The public half as SubjectPublicKeyInfo PEM ("BEGIN PUBLIC KEY"), the
    /// format Trustly publishes its keys in and expects merchants to upload.
    pub fn public_key_pem(&self) -> String {
        let pem = self
            .key
            .public_key_to_pem()
            .expect("encoding a loaded RSA public key as PEM does not fail");
        String::from_utf8(pem).expect("PEM is ASCII")
    }

    /// A verifier for signatures made by this signer.
    pub fn verifier(&self) -> Verifier {
        let der = self
            .key
            .public_key_to_der()
            .expect("encoding a loaded RSA public key does not fail");
        let key = PKey::public_key_from_der(&der).expect("a public key we just encoded parses");
        Verifier { key }
    }

    /// Sign `method ‖ uuid ‖ serialise(data)`; base64 of the RSA signature.
    pub fn sign(&self, method: &str, uuid: &str, data: &Value) -> String {
        self.sign_plaintext(&signing_plaintext(method, uuid, data))
    }

    /// Sign an already built plaintext (see `serialize::signing_plaintext`).
    pub fn sign_plaintext(&self, plaintext: &str) -> String {
        // Signing with a loaded, valid RSA key can only fail on allocation
        // failure inside OpenSSL, which we treat like any other OOM.
        let mut signer = openssl::sign::Signer::new(MessageDigest::sha1(), &self.key)
            .expect("creating an RSA-SHA1 signing context");
        signer
            .update(plaintext.as_bytes())
            .expect("hashing the plaintext");
        let sig = signer.sign_to_vec().expect("RSA signing with a loaded key");
        B64.encode(sig)
    }
}

impl Verifier {
    /// Read an RSA public key in PEM: "BEGIN PUBLIC KEY" (what Trustly
    /// publishes) or PKCS#1 "BEGIN RSA PUBLIC KEY".
    pub fn from_pem(pem: &[u8]) -> Result<Self, KeyError> {
        let key = match PKey::public_key_from_pem(pem) {
            Ok(k) => k,
            Err(e) => match Rsa::public_key_from_pem_pkcs1(pem) {
                Ok(rsa) => {
                    PKey::from_rsa(rsa).map_err(|e| KeyError::InvalidPem(first_reason(&e)))?
                }
                Err(_) => return Err(KeyError::InvalidPem(first_reason(&e))),
            },
        };
        if key.id() != Id::RSA {
            return Err(KeyError::NotRsa);
        }
        Ok(Verifier { key })
    }

    /// The key as SubjectPublicKeyInfo PEM.
    pub fn public_key_pem(&self) -> String {
        let pem = self
            .key
            .public_key_to_pem()
            .expect("encoding a loaded RSA public key as PEM does not fail");
        String::from_utf8(pem).expect("PEM is ASCII")
    }

    /// Check a base64 signature over `method ‖ uuid ‖ serialise(data)`.
    pub fn verify(
        &self,
        method: &str,
        uuid: &str,
        data: &Value,
        signature_b64: &str,
    ) -> Result<(), SignatureError> {
        self.verify_plaintext(&signing_plaintext(method, uuid, data), signature_b64)
    }

    /// Check a base64 signature over an already built plaintext.
    pub fn verify_plaintext(
        &self,
        plaintext: &str,
        signature_b64: &str,
    ) -> Result<(), SignatureError> {
        // Some senders wrap base64 in lines; whitespace is never meaningful.
        let compact: String;
        let b64 = if signature_b64.bytes().any(|b| b.is_ascii_whitespace()) {
            compact = signature_b64
                .chars()
                .filter(|c| !c.is_ascii_whitespace())
                .collect();
            compact.as_str()
        } else {
            signature_b64
        };
        let sig = B64.decode(b64).map_err(|_| SignatureError::BadBase64)?;
        if sig.is_empty() {
            return Err(SignatureError::BadBase64);
        }
        let mut verifier = openssl::sign::Verifier::new(MessageDigest::sha1(), &self.key)
            .map_err(|e| SignatureError::Crypto(first_reason(&e)))?;
        verifier
            .update(plaintext.as_bytes())
            .map_err(|e| SignatureError::Crypto(first_reason(&e)))?;
        // OpenSSL reports a malformed signature (wrong length, bad padding) as
        // an error rather than `false`: both mean "does not match".
        match verifier.verify(&sig) {
            Ok(true) => Ok(()),
            Ok(false) | Err(_) => Err(SignatureError::Mismatch),
        }
    }
}

/// OpenSSL error stacks are long; keep the first reason for messages.
fn first_reason(e: &openssl::error::ErrorStack) -> String {
    e.errors()
        .first()
        .and_then(|x| x.reason().map(str::to_string))
        .unwrap_or_else(|| "unknown OpenSSL error".to_string())
}

/// Writes a private key readable by its owner only; never overwrites.
fn write_private(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use serde_json::json;
    use std::sync::OnceLock;

    /// RSA generation is slow (tens of ms); share two key pairs across tests.
    pub(crate) fn keys() -> &'static (Signer, Signer) {
        static KEYS: OnceLock<(Signer, Signer)> = OnceLock::new();
        KEYS.get_or_init(|| (Signer::generate().unwrap(), Signer::generate().unwrap()))
    }

    #[test]
    fn round_trip_and_tampering() {
        let (signer, other) = keys();
        let verifier = signer.verifier();
        let data = json!({"status": "OK", "n": [1, {"x": null}]});
        let uuid = "e76ffbe5-e0f9-4402-8689-f868ed2021f8";
        let sig = signer.sign("account", uuid, &data);
        assert!(verifier.verify("account", uuid, &data, &sig).is_ok());

        let tampered = json!({"status": "FAILED", "n": [1, {"x": null}]});
        assert_eq!(
            verifier.verify("account", uuid, &tampered, &sig),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verifier.verify(
                "account",
                "e76ffbe5-e0f9-4402-8689-f868ed2021f9",
                &data,
                &sig
            ),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verifier.verify("credit", uuid, &data, &sig),
            Err(SignatureError::Mismatch)
        );
        // Absent key vs null key must differ.
        let absent = json!({"status": "OK", "n": [1, {}]});
        assert_eq!(
            verifier.verify("account", uuid, &absent, &sig),
            Err(SignatureError::Mismatch)
        );
        // ...while null and "" serialise alike (a property of Trustly's scheme).
        let empty = json!({"status": "OK", "n": [1, {"x": ""}]});
        assert!(verifier.verify("account", uuid, &empty, &sig).is_ok());

        // Flip one byte of the signature.
        let mut raw = B64.decode(&sig).unwrap();
        raw[10] ^= 1;
        assert_eq!(
            verifier.verify("account", uuid, &data, &B64.encode(&raw)),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verifier.verify("account", uuid, &data, "not base64!"),
            Err(SignatureError::BadBase64)
        );
        assert_eq!(
            verifier.verify("account", uuid, &data, ""),
            Err(SignatureError::BadBase64)
        );
        assert_eq!(
            verifier.verify("account", uuid, &data, "AAAA"),
            Err(SignatureError::Mismatch)
        );

        // Another key pair's signature fails.
        let foreign = other.sign("account", uuid, &data);
        assert_eq!(
            verifier.verify("account", uuid, &data, &foreign),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn pem_round_trip_and_debug_hides_keys() {
        let (signer, _) = keys();
        let again = Signer::from_pem(&signer.private_key_pem()).unwrap();
        let verifier = Verifier::from_pem(signer.public_key_pem().as_bytes()).unwrap();
        let sig = again.sign("m", "u", &json!({"a": "b"}));
        assert!(verifier.verify("m", "u", &json!({"a": "b"}), &sig).is_ok());
        // PKCS#1 public key PEM is accepted too.
        let pkcs1 = signer.key.rsa().unwrap().public_key_to_pem_pkcs1().unwrap();
        assert!(Verifier::from_pem(&pkcs1).is_ok());

        let dbg = format!("{signer:?} {verifier:?}");
        assert!(!dbg.contains("BEGIN"), "{dbg}");
        assert!(dbg.contains("hidden"));
        assert!(matches!(
            Signer::from_pem(b"nonsense"),
            Err(KeyError::InvalidPem(_))
        ));
        assert!(matches!(
            Verifier::from_pem(b"nonsense"),
            Err(KeyError::InvalidPem(_))
        ));
    }
}
