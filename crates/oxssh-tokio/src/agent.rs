//! A client for the ssh-agent protocol over the agent's Unix socket (OpenSSH authfd.c), in two
//! flavours: [`Agent`] for async callers (the client, agent forwarding) and [`BlockingAgent`] for
//! command-line tools that do one thing and exit (`ssh-add`, `ssh-copy-id`, `ssh-keygen -Y`).
//!
//! Both speak through [`oxssh_keys::agent`]: every answer's length is checked with
//! [`agent::frame_length`] before its body is read, so a hostile or broken agent cannot make us
//! allocate more than 256 KiB. Errors display as OpenSSH's `ssh_err()` words ("agent refused
//! operation", "communication with agent failed"), or, for a failed connect, as strerror text
//! ("No such file or directory"), which is what `ssh-add` prints after "Error connecting to agent: ".

use std::io::{self, Read, Write};
use std::os::unix::net::UnixStream as StdUnixStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

use oxssh_keys::agent::{self, Constraint, Extension, Identity, Request, Response, sign_flags};
use oxssh_keys::{KeyType, PrivateKey, SignatureAlgorithm};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::UnixStream;
use zeroize::Zeroizing;

/// The environment variable naming the agent socket.
pub const AUTH_SOCK_ENV: &str = "SSH_AUTH_SOCK";

/// Why an agent operation failed. `Display` gives OpenSSH's words without a program prefix.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AgentClientError {
    /// `SSH_AUTH_SOCK` is unset or empty (authfd.c `SSH_ERR_AGENT_NOT_PRESENT`).
    #[error("agent not present")]
    NotPresent,
    /// The socket could not be connected; the text is strerror's ("Connection refused").
    #[error("{}", crate::connect::error_text(.0))]
    Connect(io::Error),
    /// Reading or writing the socket failed, or the agent hung up (`SSH_ERR_AGENT_COMMUNICATION`).
    #[error("communication with agent failed")]
    Io(io::Error),
    /// The agent's answer could not be decoded, or was not the kind of answer asked for.
    #[error("unexpected response from agent")]
    Protocol(Option<agent::AgentError>),
    /// The request could not be encoded (a key that cannot be serialised).
    #[error("{0}")]
    Encode(oxssh_keys::KeyError),
    /// The agent answered FAILURE (`SSH_ERR_AGENT_FAILURE`).
    #[error("agent refused operation")]
    Refused,
    /// The agent answered a signature request with a signature of another algorithm (an old agent
    /// asked for rsa-sha2-* that answers ssh-rsa; authfd.c checks the same).
    #[error("agent returned a signature of the wrong type")]
    WrongSignatureType,
    /// No answer within the timeout.
    #[error("communication with agent failed")]
    Timeout,
}

/// The agent socket named by `SSH_AUTH_SOCK`, or [`AgentClientError::NotPresent`].
pub fn socket_from_env() -> Result<PathBuf, AgentClientError> {
    std::env::var_os(AUTH_SOCK_ENV)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .ok_or(AgentClientError::NotPresent)
}

/// The SIGN_REQUEST flags that ask for `algorithm` (draft-miller-ssh-agent §4.5.1).
pub fn flags_for(algorithm: SignatureAlgorithm) -> u32 {
    match algorithm {
        SignatureAlgorithm::RsaSha512 => sign_flags::RSA_SHA2_512,
        SignatureAlgorithm::RsaSha256 => sign_flags::RSA_SHA2_256,
        _ => 0,
    }
}

/// The requests behind the convenience methods, shared by both flavours.
mod requests {
    use super::*;

    pub(super) fn sign(key_blob: &[u8], data: &[u8], algorithm: SignatureAlgorithm) -> Request {
        Request::SignRequest {
            key_blob: key_blob.to_vec(),
            data: data.to_vec(),
            flags: flags_for(algorithm),
        }
    }

    pub(super) fn lock(passphrase: &[u8], lock: bool) -> Request {
        let passphrase = Zeroizing::new(passphrase.to_vec());
        if lock {
            Request::Lock { passphrase }
        } else {
            Request::Unlock { passphrase }
        }
    }

    pub(super) fn session_bind(
        host_key: &[u8],
        session_id: &[u8],
        signature: &[u8],
        is_forwarding: bool,
    ) -> Request {
        Request::Extension(Extension::SessionBind {
            host_key: host_key.to_vec(),
            session_id: session_id.to_vec(),
            signature: signature.to_vec(),
            is_forwarding,
        })
    }
}

/// How answers are read, shared by both flavours.
mod answers {
    use super::*;

    pub(super) fn success(response: Response) -> Result<(), AgentClientError> {
        match response {
            Response::Success => Ok(()),
            Response::Failure | Response::ExtensionFailure => Err(AgentClientError::Refused),
            _ => Err(AgentClientError::Protocol(None)),
        }
    }

    pub(super) fn identities(response: Response) -> Result<Vec<Identity>, AgentClientError> {
        match response {
            Response::IdentitiesAnswer(ids) => Ok(ids),
            Response::Failure => Err(AgentClientError::Refused),
            _ => Err(AgentClientError::Protocol(None)),
        }
    }

    pub(super) fn signature(
        response: Response,
        algorithm: SignatureAlgorithm,
    ) -> Result<Vec<u8>, AgentClientError> {
        match response {
            Response::SignResponse(sig) => {
                if algorithm.key_type() == KeyType::Rsa
                    && signature_name(&sig) != Some(algorithm.name().as_bytes())
                {
                    return Err(AgentClientError::WrongSignatureType);
                }
                Ok(sig)
            }
            Response::Failure => Err(AgentClientError::Refused),
            _ => Err(AgentClientError::Protocol(None)),
        }
    }

    /// The algorithm name at the front of a signature blob (`string name, string signature`).
    fn signature_name(blob: &[u8]) -> Option<&[u8]> {
        let len = u32::from_be_bytes(*blob.first_chunk::<4>()?) as usize;
        blob.get(4..4usize.checked_add(len)?)
    }

    pub(super) fn extensions(response: Response) -> Result<Vec<String>, AgentClientError> {
        match response {
            Response::QueryAnswer(names) => Ok(names),
            Response::Success => Ok(Vec::new()),
            Response::Failure | Response::ExtensionFailure => Err(AgentClientError::Refused),
            _ => Err(AgentClientError::Protocol(None)),
        }
    }

    pub(super) fn body(body: &[u8]) -> Result<Response, AgentClientError> {
        Response::decode(body).map_err(|e| AgentClientError::Protocol(Some(e)))
    }
}

/// A connection to the agent for async callers.
#[derive(Debug)]
pub struct Agent {
    stream: UnixStream,
    timeout: Option<Duration>,
}

impl Agent {
    /// Connects to the agent socket at `path`.
    pub async fn connect(path: &Path) -> Result<Self, AgentClientError> {
        let stream = UnixStream::connect(path)
            .await
            .map_err(AgentClientError::Connect)?;
        Ok(Self {
            stream,
            timeout: None,
        })
    }

    /// Connects to the agent named by `SSH_AUTH_SOCK`.
    pub async fn connect_env() -> Result<Self, AgentClientError> {
        Self::connect(&socket_from_env()?).await
    }

    /// Bounds every later request and its answer. Without a timeout (the default, as in OpenSSH) a
    /// request waits as long as the agent does, which a confirmation prompt (`ssh-add -c`) needs.
    pub fn set_timeout(&mut self, timeout: Option<Duration>) {
        self.timeout = timeout;
    }

    /// Sends one request and reads its answer.
    pub async fn call(&mut self, request: &Request) -> Result<Response, AgentClientError> {
        let bytes = request.encode().map_err(AgentClientError::Encode)?;
        let exchange = async {
            self.stream
                .write_all(&bytes)
                .await
                .map_err(AgentClientError::Io)?;
            let mut prefix = [0u8; 4];
            self.stream
                .read_exact(&mut prefix)
                .await
                .map_err(AgentClientError::Io)?;
            let len =
                agent::frame_length(prefix).map_err(|e| AgentClientError::Protocol(Some(e)))?;
            let mut body = Zeroizing::new(vec![0u8; len]);
            self.stream
                .read_exact(&mut body)
                .await
                .map_err(AgentClientError::Io)?;
            answers::body(&body)
        };
        match self.timeout {
            Some(t) => tokio::time::timeout(t, exchange)
                .await
                .map_err(|_| AgentClientError::Timeout)?,
            None => exchange.await,
        }
    }

    /// The keys the agent holds (REQUEST_IDENTITIES).
    pub async fn identities(&mut self) -> Result<Vec<Identity>, AgentClientError> {
        answers::identities(self.call(&Request::RequestIdentities).await?)
    }

    /// A signature over `data` with the key `key_blob`, using `algorithm` (which picks the RSA hash);
    /// an RSA signature of another algorithm is refused.
    pub async fn sign(
        &mut self,
        key_blob: &[u8],
        data: &[u8],
        algorithm: SignatureAlgorithm,
    ) -> Result<Vec<u8>, AgentClientError> {
        let response = self
            .call(&requests::sign(key_blob, data, algorithm))
            .await?;
        answers::signature(response, algorithm)
    }

    /// Hands a private key to the agent (ADD_IDENTITY, or ADD_ID_CONSTRAINED with constraints).
    pub async fn add(
        &mut self,
        key: Box<PrivateKey>,
        constraints: Vec<Constraint>,
    ) -> Result<(), AgentClientError> {
        let request = Request::AddIdentity { key, constraints };
        answers::success(self.call(&request).await?)
    }

    /// Removes one key (REMOVE_IDENTITY).
    pub async fn remove(&mut self, key_blob: &[u8]) -> Result<(), AgentClientError> {
        let request = Request::RemoveIdentity {
            key_blob: key_blob.to_vec(),
        };
        answers::success(self.call(&request).await?)
    }

    /// Removes every key (REMOVE_ALL_IDENTITIES).
    pub async fn remove_all(&mut self) -> Result<(), AgentClientError> {
        answers::success(self.call(&Request::RemoveAllIdentities).await?)
    }

    /// Locks (`lock == true`) or unlocks the agent with `passphrase`.
    pub async fn lock(&mut self, passphrase: &[u8], lock: bool) -> Result<(), AgentClientError> {
        answers::success(self.call(&requests::lock(passphrase, lock)).await?)
    }

    /// The extensions the agent supports (the `query` extension).
    pub async fn extensions(&mut self) -> Result<Vec<String>, AgentClientError> {
        answers::extensions(self.call(&Request::Extension(Extension::Query)).await?)
    }

    /// Binds this connection to an SSH session (`session-bind@openssh.com`, PROTOCOL.agent §1).
    pub async fn session_bind(
        &mut self,
        host_key: &[u8],
        session_id: &[u8],
        signature: &[u8],
        is_forwarding: bool,
    ) -> Result<(), AgentClientError> {
        let request = requests::session_bind(host_key, session_id, signature, is_forwarding);
        answers::success(self.call(&request).await?)
    }
}

/// A connection to the agent for blocking callers (tools that do one thing and exit).
#[derive(Debug)]
pub struct BlockingAgent {
    stream: StdUnixStream,
}

impl BlockingAgent {
    /// Connects to the agent socket at `path`.
    pub fn connect(path: &Path) -> Result<Self, AgentClientError> {
        let stream = StdUnixStream::connect(path).map_err(AgentClientError::Connect)?;
        Ok(Self { stream })
    }

    /// Connects to the agent named by `SSH_AUTH_SOCK`.
    pub fn connect_env() -> Result<Self, AgentClientError> {
        Self::connect(&socket_from_env()?)
    }

    /// Bounds each read and write on the socket. Without one (the default, as in OpenSSH) a request
    /// waits as long as the agent does, which a confirmation prompt (`ssh-add -c`) needs.
    pub fn set_timeout(&mut self, timeout: Option<Duration>) -> Result<(), AgentClientError> {
        self.stream
            .set_read_timeout(timeout)
            .and_then(|()| self.stream.set_write_timeout(timeout))
            .map_err(AgentClientError::Io)
    }

    /// Sends one request and reads its answer.
    pub fn call(&mut self, request: &Request) -> Result<Response, AgentClientError> {
        let io_error = |e: io::Error| match e.kind() {
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => AgentClientError::Timeout,
            _ => AgentClientError::Io(e),
        };
        let bytes = request.encode().map_err(AgentClientError::Encode)?;
        self.stream.write_all(&bytes).map_err(io_error)?;
        let mut prefix = [0u8; 4];
        self.stream.read_exact(&mut prefix).map_err(io_error)?;
        let len = agent::frame_length(prefix).map_err(|e| AgentClientError::Protocol(Some(e)))?;
        let mut body = Zeroizing::new(vec![0u8; len]);
        self.stream.read_exact(&mut body).map_err(io_error)?;
        answers::body(&body)
    }

    /// The keys the agent holds (REQUEST_IDENTITIES).
    pub fn identities(&mut self) -> Result<Vec<Identity>, AgentClientError> {
        answers::identities(self.call(&Request::RequestIdentities)?)
    }

    /// A signature over `data` with the key `key_blob`, using `algorithm` (which picks the RSA hash);
    /// an RSA signature of another algorithm is refused.
    pub fn sign(
        &mut self,
        key_blob: &[u8],
        data: &[u8],
        algorithm: SignatureAlgorithm,
    ) -> Result<Vec<u8>, AgentClientError> {
        answers::signature(
            self.call(&requests::sign(key_blob, data, algorithm))?,
            algorithm,
        )
    }

    /// Hands a private key to the agent (ADD_IDENTITY, or ADD_ID_CONSTRAINED with constraints).
    pub fn add(
        &mut self,
        key: Box<PrivateKey>,
        constraints: Vec<Constraint>,
    ) -> Result<(), AgentClientError> {
        answers::success(self.call(&Request::AddIdentity { key, constraints })?)
    }

    /// Removes one key (REMOVE_IDENTITY).
    pub fn remove(&mut self, key_blob: &[u8]) -> Result<(), AgentClientError> {
        let request = Request::RemoveIdentity {
            key_blob: key_blob.to_vec(),
        };
        answers::success(self.call(&request)?)
    }

    /// Removes every key (REMOVE_ALL_IDENTITIES).
    pub fn remove_all(&mut self) -> Result<(), AgentClientError> {
        answers::success(self.call(&Request::RemoveAllIdentities)?)
    }

    /// Locks (`lock == true`) or unlocks the agent with `passphrase`.
    pub fn lock(&mut self, passphrase: &[u8], lock: bool) -> Result<(), AgentClientError> {
        answers::success(self.call(&requests::lock(passphrase, lock))?)
    }

    /// The extensions the agent supports (the `query` extension).
    pub fn extensions(&mut self) -> Result<Vec<String>, AgentClientError> {
        answers::extensions(self.call(&Request::Extension(Extension::Query))?)
    }

    /// Binds this connection to an SSH session (`session-bind@openssh.com`, PROTOCOL.agent §1).
    pub fn session_bind(
        &mut self,
        host_key: &[u8],
        session_id: &[u8],
        signature: &[u8],
        is_forwarding: bool,
    ) -> Result<(), AgentClientError> {
        let request = requests::session_bind(host_key, session_id, signature, is_forwarding);
        answers::success(self.call(&request)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::net::UnixListener;

    /// A scripted agent: answers each request with the next canned response, recording requests.
    fn scripted(responses: Vec<Vec<u8>>) -> (TempSocket, std::thread::JoinHandle<Vec<Vec<u8>>>) {
        let socket = TempSocket::new();
        let path = socket.0.clone();
        let listener = UnixListener::bind(&path).unwrap();
        let handle = std::thread::spawn(move || {
            let (mut s, _) = listener.accept().unwrap();
            s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
            let mut seen = Vec::new();
            for response in responses {
                let mut prefix = [0u8; 4];
                if s.read_exact(&mut prefix).is_err() {
                    break;
                }
                let mut body = vec![0u8; u32::from_be_bytes(prefix) as usize];
                s.read_exact(&mut body).unwrap();
                seen.push(body);
                s.write_all(&response).unwrap();
            }
            seen
        });
        (socket, handle)
    }

    /// A socket path of its own under the temporary directory, removed on drop.
    struct TempSocket(PathBuf);

    impl TempSocket {
        fn new() -> Self {
            use std::sync::atomic::{AtomicUsize, Ordering};
            static NEXT: AtomicUsize = AtomicUsize::new(0);
            let n = NEXT.fetch_add(1, Ordering::Relaxed);
            let path = std::env::temp_dir().join(format!(
                "oxssh-tokio-agent-test-{}-{n}.sock",
                std::process::id()
            ));
            let _ = std::fs::remove_file(&path);
            Self(path)
        }
    }

    impl Drop for TempSocket {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }

    #[test]
    fn blocking_client_speaks_the_protocol() {
        let key = PrivateKey::generate(KeyType::Ed25519, None).unwrap();
        let blob = key.public().blob().to_vec();
        let sig = key.sign(SignatureAlgorithm::Ed25519, b"data").unwrap();
        let (socket, agent) = scripted(vec![
            Response::IdentitiesAnswer(vec![Identity {
                key_blob: blob.clone(),
                comment: "c".into(),
            }])
            .encode(),
            Response::SignResponse(sig.clone()).encode(),
            Response::Failure.encode(),
            Response::QueryAnswer(vec!["session-bind@openssh.com".into()]).encode(),
            Response::Success.encode(),
        ]);
        let mut a = BlockingAgent::connect(&socket.0).unwrap();
        a.set_timeout(Some(Duration::from_secs(10))).unwrap();
        assert_eq!(a.identities().unwrap()[0].comment, "c");
        assert_eq!(
            a.sign(&blob, b"data", SignatureAlgorithm::Ed25519).unwrap(),
            sig
        );
        assert!(matches!(
            a.lock(b"pw", true),
            Err(AgentClientError::Refused)
        ));
        assert_eq!(a.extensions().unwrap(), vec!["session-bind@openssh.com"]);
        a.remove_all().unwrap();
        let seen = agent.join().unwrap();
        let types: Vec<u8> = seen.iter().map(|b| b[0]).collect();
        assert_eq!(types, [11, 13, 22, 27, 19]);
        assert_eq!(
            AgentClientError::Refused.to_string(),
            "agent refused operation"
        );
    }

    #[tokio::test]
    async fn async_client_refuses_oversized_and_mismatched_answers() {
        let key = PrivateKey::generate(KeyType::Rsa, Some(2048)).unwrap();
        let blob = key.public().blob().to_vec();
        let sha256 = key.sign(SignatureAlgorithm::RsaSha256, b"d").unwrap();
        let (socket, agent) = scripted(vec![
            Response::SignResponse(sha256).encode(),
            // A length over 256 KiB with no body behind it.
            vec![0, 4, 0, 1],
        ]);
        let mut a = Agent::connect(&socket.0).await.unwrap();
        a.set_timeout(Some(Duration::from_secs(10)));
        assert!(matches!(
            a.sign(&blob, b"d", SignatureAlgorithm::RsaSha512).await,
            Err(AgentClientError::WrongSignatureType)
        ));
        assert!(matches!(
            a.identities().await,
            Err(AgentClientError::Protocol(Some(
                agent::AgentError::TooLong(_)
            )))
        ));
        let seen = agent.join().unwrap();
        // The SHA-512 flag went out with the first request.
        assert_eq!(&seen[0][seen[0].len() - 4..], &[0, 0, 0, 4]);
    }

    #[test]
    fn connect_errors_read_like_strerror() {
        let missing = TempSocket::new();
        let e = BlockingAgent::connect(&missing.0).unwrap_err();
        assert_eq!(e.to_string(), "No such file or directory");
    }
}
